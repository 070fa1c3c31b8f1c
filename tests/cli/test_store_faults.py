"""The local store in a hostile environment (issue 11): a full disk, rows edited behind our back, a read-only
medium, and a passing fault on ``/metadata``. Each gives one clear line and an exit code, never a
traceback, and changes nothing half-way.

The full disk is injected at the store's write boundary (every INSERT/UPDATE/DELETE the driver is given
raises SQLite's own ``database or disk is full``; the data directory's lock file raises ENOSPC), as a tiny
tmpfs needs root. The read-only medium is the data directory refusing every open for writing (EROFS), as a
mode of 0500 binds no root user. The oracle for "nothing half-written" is the database file read
directly with ``sqlite3`` before and after.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.app.worker import InlineExecutor, SyncWorker
from legevakt.problems import Problem, ProblemKind
from legevakt.sim import SimServer
from legevakt.store.engine import FILE_NAME
from tests.cli.conftest import Run
from tests.sync.hostile import Answer, HostileServer, Proxy, Seen


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=3, initial_patients=8)


def sync_args(sim: SimServer, data: Path, platform: str | None = None) -> tuple[str, ...]:
    return ("sync", "--once", "--platform", platform or sim.base_url, "--location", sim.clinic_ref,
            "--data-dir", str(data))


@pytest.fixture
def synced(run: Run, sim: SimServer, tmp_path: Path) -> Path:
    """A data directory after two syncs, the second with one patient dropped from the list."""
    data = tmp_path / "data"
    assert run(*sync_args(sim, data))[0] == 0
    sim.clinic.drop_from_list(sorted(sim.clinic.list_items())[0])
    assert run(*sync_args(sim, data))[0] == 0
    return data


def dump(data: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read straight from the file (the oracle)."""
    db = sqlite3.connect(data / FILE_NAME)
    try:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        return {t: sorted(db.execute(f"select * from {t}").fetchall(), key=repr) for t in tables}
    finally:
        db.close()


def patient_secrets(sim: SimServer) -> set[str]:
    out: set[str] = set()
    for ref in sim.clinic.active_encounters():
        enc = sim.clinic.read(ref) or {}
        patient = sim.clinic.read(enc["subject"]["reference"]) or {}
        for name in patient.get("name", []):
            out.update(p for p in [name.get("family"), *name.get("given", [])] if p)
        out.update(i["value"] for i in patient.get("identifier", []))
    return out


@pytest.fixture
def disk_full() -> Iterator[None]:
    """From now on every write statement fails as SQLite fails on a full disk."""
    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(Engine, "before_cursor_execute", refuse)
    yield
    event.remove(Engine, "before_cursor_execute", refuse)


def open_alert(run: Run, data: Path, kind: str) -> str:
    code, out, _ = run("alerts", "--json", "--data-dir", str(data))
    assert code == 0
    return next(str(a["id"]) for a in json.loads(out) if a["kind"] == kind)


# -- a full disk ---------------------------------------------------------------------------------------------
def test_a_full_disk_during_sync_says_so_and_writes_nothing(run: Run, sim: SimServer, synced: Path,
                                                            disk_full: None) -> None:
    before = dump(synced)
    sim.clinic.drop_from_list(sorted(sim.clinic.list_items())[0])  # this cycle has something to save
    code, _, err = run(*sync_args(sim, synced))
    assert code == 1
    assert "Traceback" not in err
    assert "disk is full" in err.splitlines()[-1]
    assert "store-disk-full" not in err  # words, not a code
    assert dump(synced) == before


def test_a_full_disk_during_alerts_ack_says_so_and_writes_nothing(run: Run, synced: Path, disk_full: None) -> None:
    alert = open_alert(run, synced, "DROPPED_FROM_QUEUE")
    before = dump(synced)
    code, _, err = run("alerts", "ack", alert, "--by", "Kari", "--comment", "seen", "--data-dir", str(synced))
    assert (code, err.splitlines()[-1]) == (1, "legevakt: The disk is full: the local database cannot save changes.")
    assert dump(synced) == before


def test_enospc_on_the_write_lock_is_a_full_disk_too(run: Run, synced: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from filelock import FileLock

    def full(self: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileLock, "acquire", full)
    alert = open_alert(run, synced, "DROPPED_FROM_QUEUE")
    before = dump(synced)
    code, _, err = run("alerts", "ack", alert, "--by", "Kari", "--comment", "seen", "--data-dir", str(synced))
    assert (code, "disk is full" in err) == (1, True)
    assert dump(synced) == before


def test_the_window_worker_reports_a_full_disk_as_a_problem(sim: SimServer, synced: Path, disk_full: None) -> None:
    failures: list[Problem] = []
    runtime = Runtime.open(Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(synced)))
    try:
        sim.clinic.drop_from_list(sorted(sim.clinic.list_items())[0])
        worker = SyncWorker(runtime, on_failed=failures.append, executor=InlineExecutor())
        assert worker.sync_once() is None
    finally:
        runtime.close()
    assert [p.kind for p in failures] == [ProblemKind.STORE_DISK_FULL]  # shown in words by ui/problem_texts


def test_a_log_file_on_a_full_disk_costs_one_line_not_a_traceback_per_record(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from legevakt import logs

    logs.setup(verbose=True, to_file=True, log_dir=tmp_path / "logs")
    handler = next(h for h in logging.getLogger("legevakt").handlers if isinstance(h, logs.PrivateRotatingFileHandler))

    def full(*args: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(handler, "emit", lambda record: _failing_emit(handler, record, full))
    try:
        for _ in range(3):
            logging.getLogger("legevakt.test").info("one record")
    finally:
        logs.setup(verbose=False, to_file=False)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Logging error" not in err
    assert err.count("cannot write the log file (OSError: disk full)") == 1


def _failing_emit(handler: logging.Handler, record: logging.LogRecord, write: Callable[..., None]) -> None:
    try:
        write(record)
    except OSError:
        handler.handleError(record)


# -- rows edited behind our back -----------------------------------------------------------------------------
TAMPERED = {
    "entries: JSON cut off": ("entries", "update entries set encounter = '{\"ref\": ' where rowid = 1"),
    "entries: JSON of the wrong shape": ("entries", "update entries set encounter = '[1, 2]' where rowid = 1"),
    "entries: unknown fate": ("entries", "update entries set fate = 'zzz' where rowid = 1"),
    "entries: not a date": ("entries", "update entries set arrived_at = 'yesterday' where rowid = 1"),
    "entries: patient without a ref": ("entries", "update entries set patient = '{\"name\": 5}' where rowid = 1"),
    "alerts: unknown kind": ("alerts", "update alerts set kind = 'NOPE' where id = 'AL-000001'"),
    "alerts: related not JSON": ("alerts", "update alerts set related = '{bad' where id = 'AL-000001'"),
    "sync_meta: not JSON": ("sync_meta", "update sync_meta set value = '{bad' where key = 'seen'"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_row_is_named_without_a_traceback_nor_patient_data(run: Run, sim: SimServer, synced: Path,
                                                                      tmp_path: Path, case: str) -> None:
    table, sql = TAMPERED[case]
    db = sqlite3.connect(synced / FILE_NAME)
    key = {"entries": "select encounter_ref from entries where rowid = 1",
           "alerts": "select 'AL-000001'", "sync_meta": "select 'seen'"}[table]
    (row_key,) = db.execute(key).fetchone()
    db.execute(sql)
    db.commit()
    db.close()
    secrets = patient_secrets(sim)
    commands: list[tuple[str, ...]] = [("alerts", "--data-dir", str(synced)), sync_args(sim, synced)]
    if table == "entries":  # the census reads the entries only
        commands.append(("census", "--data-dir", str(synced)))
    for argv in commands:
        code, out, err = run(*argv)
        last = err.strip().splitlines()[-1]
        assert code == 1, (argv[0], err)
        assert "Traceback" not in err
        assert f"damaged row (table {table}, row {row_key})" in last, (argv[0], last)
        assert [s for s in secrets if s in out + err] == []


# -- a read-only medium ----------------------------------------------------------------------------------------
@pytest.fixture
def read_only(synced: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``synced`` on a medium mounted read-only: every open for writing and every chmod there is refused
    (EROFS); SQLite itself may still only read it."""
    real_open, real_chmod = os.open, os.chmod
    inside = str(synced)

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).startswith(inside) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args, **kwargs)

    def chmod(path: Any, *args: Any, **kwargs: Any) -> None:
        if str(path).startswith(inside):
            raise OSError(errno.EROFS, "Read-only file system")
        real_chmod(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "chmod", chmod)
    return synced


def test_listing_works_on_a_read_only_medium_and_writes_are_refused(run: Run, synced: Path, tmp_path: Path,
                                                                    request: pytest.FixtureRequest) -> None:
    copy = tmp_path / "copy"  # what the same listings print on a writable copy (the oracle)
    shutil.copytree(synced, copy)
    expected = {cmd: run(cmd, "--json", "--data-dir", str(copy)) for cmd in ("alerts", "outbox", "deliveries")}
    census = run("census", "--data-dir", str(copy))
    alert = open_alert(run, copy, "DROPPED_FROM_QUEUE")
    before = dump(synced)

    request.getfixturevalue("read_only")
    for cmd, (code, out, _) in expected.items():
        assert code == 0
        assert run(cmd, "--json", "--data-dir", str(synced))[:2] == (0, out), cmd
    assert run("census", "--data-dir", str(synced))[:2] == census[:2]
    code, _, err = run("alerts", "ack", alert, "--by", "Kari", "--comment", "seen", "--data-dir", str(synced))
    assert (code, err.splitlines()[-1]) == (1, "legevakt: The local database is read-only: changes cannot be saved.")
    assert dump(synced) == before


# -- a passing fault on /metadata ------------------------------------------------------------------------------
def _once_then_proxy(proxy: Proxy, fault: Answer) -> Callable[[Seen], Answer]:
    left = [1]

    def handle(seen: Seen) -> Answer:
        if seen.path.split("?")[0].endswith("/metadata") and left[0] > 0:
            left[0] -= 1
            return fault
        return proxy(seen)
    return handle


@pytest.mark.parametrize("fault", [
    (500, {"Content-Type": "text/html"}, b"<html>internal error</html>"),
    (200, {"Content-Type": "text/html"}, b"<html>down for maintenance</html>"),  # a proxy's page
    (200, {"Content-Type": "application/fhir+json"}, b'{"resourceType": "Capabil'),  # cut off
], ids=["500", "html-page", "cut-off"])
def test_one_bad_metadata_answer_is_tried_again(run: Run, sim: SimServer, tmp_path: Path, fault: Answer) -> None:
    proxy = Proxy(sim.base_url)
    server = HostileServer(_once_then_proxy(proxy, fault)).start()
    proxy.public = server.origin
    try:
        code, out, err = run(*sync_args(sim, tmp_path / "data", sim.base_url.replace(proxy.upstream, server.origin)))
    finally:
        server.stop()
        proxy.close()
    assert (code, "does not look like" in err) == (0, False), err
    assert "(complete)" in out
    assert sum(r.path.split("?")[0].endswith("/metadata") for r in server.requests) >= 2  # the fault, then again


def test_a_server_that_never_speaks_fhir_is_still_named_so(run: Run, sim: SimServer, tmp_path: Path) -> None:
    server = HostileServer(lambda seen: (200, {"Content-Type": "text/html"}, b"<html>hello</html>")).start()
    try:
        code, _, err = run(*sync_args(sim, tmp_path / "data", server.origin + "/fhir"))
    finally:
        server.stop()
    assert code == 1
    assert "does not look like a FHIR R4 server" in err
    assert sum(r.path.endswith("/metadata") for r in server.requests) == 3
