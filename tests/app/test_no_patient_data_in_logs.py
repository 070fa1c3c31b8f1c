"""No patient data in any log line: sync, drop, write, fault and alert handling at DEBUG level."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from legevakt import logs
from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.app.worker import InlineExecutor, SyncWorker
from legevakt.problems import Problem
from legevakt.sim import SimServer
from legevakt.sync.errors import MalformedResponse
from legevakt.sync.fhir import FhirClient
from legevakt.worklist.commands import CommandKind, make_command
from tests.sync.hostile import Answer, HostileServer, Proxy, Seen, fhir


def test_logs_name_platform_ids_only(make_sim: Callable[..., SimServer], tmp_path: Path,
                                     caplog: pytest.LogCaptureFixture) -> None:
    sim = make_sim(seed=9, initial_patients=12)
    secrets: set[str] = set()
    for ref in sim.clinic.active_encounters():
        enc = sim.clinic.read(ref) or {}
        patient = sim.clinic.read(enc["subject"]["reference"]) or {}
        for name in patient.get("name", []):
            secrets.update(p for p in [name.get("family"), *name.get("given", [])] if p)
        secrets.update(i["value"] for i in patient.get("identifier", []))
    assert len(secrets) > 20

    caplog.set_level(logging.DEBUG, logger="legevakt")
    runtime = Runtime.open(Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path)))
    try:
        runtime.engine.cycle()
        victim, other = sorted(sim.clinic.list_items())[:2]
        sim.clinic.drop_from_list(victim)
        runtime.engine.cycle()
        entry = runtime.engine.state.entries[other]
        runtime.engine.submit(make_command(entry, CommandKind.SET_TRIAGE, "red", by="Kari", now=runtime.engine.clock(),
                                           scale=runtime.engine.config.scale))
        sim.faults.reject_writes_next = 1
        runtime.engine.cycle()
        sim.faults.malformed_rate = 1.0
        runtime.engine.cycle()
        sim.faults.reset()
        runtime.engine.cycle()
    finally:
        runtime.close()

    text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("legevakt")
                     and not r.name.startswith("legevakt.sim"))
    assert text  # the run did log
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == []


# -- privacy by construction (issue 11) -----------------------------------------------------------------
def _patient_secrets(sim: SimServer) -> set[str]:
    """Every name part and identifier of the simulated patients (the oracle: the simulator's own data)."""
    secrets: set[str] = set()
    for ref in sim.clinic.active_encounters():
        enc = sim.clinic.read(ref) or {}
        patient = sim.clinic.read(enc["subject"]["reference"]) or {}
        for name in patient.get("name", []):
            secrets.update(p for p in [name.get("family"), *name.get("given", [])] if p)
        secrets.update(i["value"] for i in patient.get("identifier", []))
    return secrets


@pytest.fixture
def real_logs(tmp_path: Path) -> Iterator[Path]:
    """The product's own set-up at DEBUG (``-v``): a real rotating file and stderr."""
    path = logs.setup(verbose=True, log_dir=tmp_path / "logs")
    assert path is not None
    yield path
    logs.setup(verbose=False, to_file=False)
    logs.forget_names()


def _all_output(path: Path, captured: str) -> str:
    files = sorted(path.parent.glob("legevakt.log*"))
    return "\n".join(f.read_text(encoding="utf-8") for f in files) + "\n" + captured


def _set_period_start(sim: SimServer, ref: str, value: str) -> None:
    enc = sim.clinic.store.read_copy(ref)
    assert enc is not None
    enc["period"]["start"] = value
    sim.clinic.store.update(enc)


def test_an_overflowing_platform_date_is_a_malformed_resource_and_logs_no_patient_data(
        make_sim: Callable[..., SimServer], tmp_path: Path, real_logs: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    sim = make_sim(seed=11, initial_patients=10)
    secrets = _patient_secrets(sim)
    assert len(secrets) > 15
    runtime = Runtime.open(Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path / "d")))
    failed: list[Problem] = []
    worker = SyncWorker(runtime, on_failed=failed.append, executor=InlineExecutor())
    try:
        first = worker.sync_once()
        assert first is not None and first.complete
        victim = sorted(sim.clinic.list_items())[0]
        good_start = (sim.clinic.read(victim) or {})["period"]["start"]
        _set_period_start(sim, victim, "0001-01-01T00:00:00+14:00")  # before datetime.min once in UTC
        for _ in range(2):
            hostile = worker.sync_once()
            assert hostile is not None, failed  # not a bug: the cycle ran
            assert not hostile.complete
        _set_period_start(sim, victim, good_start)
        after = worker.sync_once()
        assert after is not None and after.complete
        assert victim in runtime.engine.state.entries
    finally:
        worker.stop()
        runtime.close()
    assert failed == []
    text = _all_output(real_logs, capsys.readouterr().err)
    assert "period.start is out of range" in text  # the reason, with the platform id only
    assert "Traceback" not in text
    assert sorted(s for s in secrets if s in text) == []
    assert re.search(r"(?<!\d)\d{11}(?!\d)", text) is None


def test_a_bug_is_logged_by_type_and_frames_never_its_message(
        make_sim: Callable[..., SimServer], tmp_path: Path, real_logs: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception whose text quotes a patient row (as a database error does) reaches the bug path."""
    sim = make_sim(seed=12, initial_patients=6)
    runtime = Runtime.open(Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path / "d")))
    ref = sorted(sim.clinic.list_items())[0]
    patient = sim.clinic.read((sim.clinic.read(ref) or {})["subject"]["reference"]) or {}
    family = patient["name"][0]["family"]
    fnr = patient["identifier"][0]["value"]
    unregistered = "Quetzalcoatl-Xyzzy"  # a name no mapping saw: only the message-less path keeps it out
    row_text = f"[parameters: ('{family}', '{fnr}', '{unregistered}')]"

    def broken_cycle() -> None:
        raise RuntimeError(row_text) from ValueError(row_text)

    worker = SyncWorker(runtime, executor=InlineExecutor())
    try:
        assert worker.sync_once() is not None  # names seen, then the store "fails"
        monkeypatch.setattr(runtime.engine, "cycle", broken_cycle)
        assert worker.sync_once() is None
    finally:
        worker.stop()
        runtime.close()
    text = _all_output(real_logs, capsys.readouterr().err)
    assert "bug in the sync cycle: RuntimeError <- ValueError" in text
    assert "broken_cycle" in text  # our frames are kept
    for secret in (family, fnr, unregistered, "parameters"):
        assert secret not in text


def test_the_filter_redacts_numbers_and_registered_names_in_messages_and_exception_texts(
        real_logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logs.redact_names(["Nordmann, Kari Anne", "Ødegård"])
    log = logging.getLogger("legevakt.sync.test")
    log.warning("row %s for %s", "01017012345", "Kari Nordmann")
    try:
        raise ValueError("Ødegård 31129956715 / 123456789012 / Karin")
    except ValueError:
        log.exception("failed")
    for handler in logging.getLogger("legevakt").handlers:
        handler.flush()
    text = _all_output(real_logs, capsys.readouterr().err)
    for secret in ("01017012345", "31129956715", "Kari ", "Nordmann", "Anne", "Ødegård"):
        assert secret not in text
    assert text.count("row *********** for [name] [name]\n") == 2  # the file and stderr
    # the exception's own line, formatted by the handler (12 digits and a longer word are not masked)
    assert text.count("ValueError: [name] *********** / 123456789012 / Karin\n") == 2


def test_the_name_registry_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "_MAX_NAMES", 3)
    logs.forget_names()
    try:
        logs.redact_names(["Aa", "Bb", "Cc", "Dd"])
        assert logs.redact("Aa Bb Cc Dd") == "Aa [name] [name] [name]"
    finally:
        logs.forget_names()


def test_log_files_are_private_after_rollover_in_an_open_directory(tmp_path: Path) -> None:
    directory = tmp_path / "logs"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    old_umask = os.umask(0o022)
    try:
        path = logs.setup(log_dir=directory, max_bytes=2_000)
        assert path is not None
        log = logging.getLogger("legevakt.app.test")
        for i in range(200):
            log.info("line %d %s", i, "x" * 40)
    finally:
        os.umask(old_umask)
        logs.setup(verbose=False, to_file=False)
    files = sorted(directory.glob("legevakt.log*"))
    assert {f.name for f in files} == {"legevakt.log", *(f"legevakt.log.{i}" for i in range(1, 6))}
    modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
    assert modes == {f.name: 0o600 for f in files}


HOSTILE = "Nordmann, Kari 01017012345"


@pytest.mark.parametrize(("call", "body"), [
    (lambda c: c.read("Patient/1"), {"resourceType": "Patient", "id": HOSTILE}),
    (lambda c: c.read("Patient/1"), {"resourceType": HOSTILE, "id": "1"}),
    (lambda c: list(c.pages("Encounter", {})), {"resourceType": "Bundle", "type": HOSTILE}),
    (lambda c: list(c.pages("Encounter", {})),
     {"resourceType": "Bundle", "type": "searchset",
      "entry": [{"resource": {"resourceType": HOSTILE}, "search": {"mode": "match"}}]}),
])
def test_a_malformed_answer_quotes_no_free_text_from_the_platform(call: Callable[[FhirClient], object],
                                                                  body: dict[str, object]) -> None:
    hostile = FhirClient("http://127.0.0.1:1/fhir",
                         transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)))
    with pytest.raises(MalformedResponse) as caught:
        call(hostile)
    assert "Kari" not in str(caught.value) and "01017012345" not in str(caught.value)
    assert "something that is not an id or code" in str(caught.value)


def test_the_servers_refusal_text_is_not_logged(make_sim: Callable[..., SimServer], tmp_path: Path,
                                                real_logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A hostile proxy in front of the simulator refuses every write with an OperationOutcome that quotes
    a patient (its name, a fødselsnummer and a word no mapping saw)."""
    sim = make_sim(seed=13, initial_patients=6)
    proxy = Proxy(sim.base_url)
    front = HostileServer(proxy).start()
    proxy.public = front.origin
    quote = "Pasienten Quetzalcoatl-Xyzzy 01017012345 sier"

    def hostile(seen: Seen, answer: Answer) -> Answer:
        if seen.method in ("PUT", "POST", "PATCH"):
            return fhir({"resourceType": "OperationOutcome",
                         "issue": [{"severity": "error", "code": "business-rule", "diagnostics": quote}]}, 422)
        return answer

    proxy.rewrite = hostile
    base = sim.base_url.replace(proxy.upstream, front.origin)
    runtime = Runtime.open(Settings(platform=base, location=sim.clinic_ref, data_dir=str(tmp_path / "d")))
    worker = SyncWorker(runtime, executor=InlineExecutor())
    try:
        assert worker.sync_once() is not None
        entry = runtime.engine.state.entries[sorted(sim.clinic.list_items())[0]]
        runtime.engine.submit(make_command(entry, CommandKind.SET_TRIAGE, "red", by="Kari", now=runtime.engine.clock(),
                                           scale=runtime.engine.config.scale))
        assert worker.sync_once() is not None
        assert worker.sync_once() is not None
    finally:
        worker.stop()
        runtime.close()
        front.stop()
        proxy.close()
    assert any(r.method == "PUT" for r in front.requests)  # the write was tried and refused
    text = _all_output(real_logs, capsys.readouterr().err)
    assert "write" in text  # the refusal was logged, by outcome
    for secret in ("Quetzalcoatl", "01017012345", "Pasienten"):
        assert secret not in text


# -- a whole faulty day with -v (issue 11) --------------------------------------------------------------------
def _every_patient_secret(sim: SimServer) -> set[str]:
    """Every name part and identifier of every patient the simulator ever made (arrived during the day
    too, gone home too): the oracle is the platform's own Patient resources."""
    secrets: set[str] = set()
    for patient in sim.clinic.store.live("Patient"):
        for name in patient.get("name", []):
            secrets.update(p for p in [name.get("family"), *name.get("given", []), name.get("text")] if p)
        secrets.update(i["value"] for i in patient.get("identifier", []) if i.get("value"))
    return {s for s in secrets if len(s) >= 3}  # a two-letter given name ("Bo") is in ordinary words


def _tamper_patient(sim: SimServer, enc_ref: str, change: Callable[[dict[str, Any]], None]) -> None:
    patient_ref = (sim.clinic.read(enc_ref) or {})["subject"]["reference"]
    patient = sim.clinic.store.read_copy(patient_ref)
    assert patient is not None
    change(patient)
    sim.clinic.store.update(patient)


_FAULTS: list[dict[str, Any]] = [  # one set of the simulator's knobs per hour of the day, in turn
    {"error_rate": 0.2}, {"drop_connection_rate": 0.15}, {"malformed_rate": 0.2}, {"throttle_next": 2},
    {"shift_page": True, "short_pages": True}, {"wrong_type_next": 1}, {"omit_total": True},
    {"reject_writes_next": 2}, {"list_lag_seconds": 30.0}, {},
]


def _faulty_day(sim: SimServer, data: Path, hours: int, capsys: pytest.CaptureFixture[str],
                log_dir: Path) -> str:
    """``hours`` simulated hours of the clinic, each with a fault knob on and the headless commands run
    with ``-v`` in turn (sync, alerts, ack with a hostile --by, do, note, census, outbox, deliveries), plus
    the hostile cases of issue 11 on the way; then the window's worker syncs with its rotating log file.
    Returns everything written: every stream captured and every log file."""
    from legevakt.cli import main

    platform = ("--platform", sim.base_url, "--location", sim.clinic_ref)
    local = ("--data-dir", str(data), "-v")
    streams: list[str] = []

    def run(*argv: str) -> int:
        code = main(list(argv))
        out, err = capsys.readouterr()
        streams.extend((out, err))
        return code

    doctor = next(s.ref for s in sim.clinic.staff() if s.doctor)
    for hour in range(hours):
        sim.faults.reset()
        for knob, value in _FAULTS[hour % len(_FAULTS)].items():
            setattr(sim.faults, knob, value)
        sim.clinic.advance(60)
        listed = sorted(sim.clinic.list_items())
        victim = listed[hour % len(listed)]
        case = hour % 6  # a hostile case of issue 11, one per hour, in turn
        good_start = (sim.clinic.read(victim) or {})["period"]["start"]
        if case == 0:
            _set_period_start(sim, victim, "0001-01-01T00:00:00+14:00")  # overflows once in UTC
        elif case == 1:
            _set_period_start(sim, victim, "2026-12-03T08:00:00")  # a time without a zone
        elif case == 2:
            _tamper_patient(sim, victim, lambda p: p["identifier"][0].update(
                value=p["identifier"][0]["value"][:10] + str((int(p["identifier"][0]["value"][10]) + 1) % 10)))
        elif case == 3:
            _tamper_patient(sim, victim, lambda p: p["name"][0].update(
                family="\u202e" + p["name"][0]["family"] + "\x1b[31m"))
        elif case == 4:
            sim.clinic.drop_from_list(victim)
        run("sync", "--once", "--json", *platform, *local)
        run("sync", "--once", *platform, *local)
        run("alerts", *local)
        run("alerts", "--json", *local)
        code = run("alerts", "--json", "--data-dir", str(data))
        alerts = json.loads(streams[-2]) if code == 0 else []
        open_ = [a for a in alerts if a["status"] == "open"]
        if open_:
            run("alerts", "ack", open_[0]["id"], "--by", f"\x1b]0;owned\x07sykepleier-{hour}", "--comment",
                "sett \x1b[2J", *local)
        live = sorted(sim.clinic.list_items())
        if live:
            run("do", live[0], "--triage", "orange" if hour % 2 else "yellow", "--by", "sykepleier-1",
                *platform, *local)
            patient = sim.clinic.read((sim.clinic.read(live[0]) or {})["subject"]["reference"]) or {}
            who = patient["name"][0]["family"] + " " + patient["identifier"][0]["value"]
            run("note", live[0], "--by", doctor, "--text", f"Pasient {who} undersøkt.", "--sign", *platform, *local)
        run("census", *local)
        run("outbox", "--all", *local)
        run("deliveries", "--all", *local)
        if case in (0, 1):  # the platform mends the date: the next snapshots can be complete again
            _set_period_start(sim, victim, good_start)
        if case == 5:  # a row edited behind our back, in a copy of the data directory
            copy = data.parent / f"tampered-{hour}"
            shutil.copytree(data, copy)
            db = sqlite3.connect(copy / "legevakt.sqlite3")
            db.execute("update entries set patient = '{\"name\": 5}' where rowid = 1")
            db.commit()
            db.close()
            run("alerts", "--data-dir", str(copy), "-v")
            run("census", "--data-dir", str(copy), "-v")

    # The window's sync worker, logging at DEBUG to its rotating file (and stderr) as ``legevakt -v`` does.
    path = logs.setup(verbose=True, log_dir=log_dir)
    assert path is not None
    sim.faults.reset()
    sim.faults.error_rate = 0.2
    sim.faults.malformed_rate = 0.1
    runtime = Runtime.open(Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(data)))
    worker = SyncWorker(runtime, executor=InlineExecutor())
    try:
        for _ in range(4):
            sim.clinic.advance(15)
            worker.sync_once()
    finally:
        worker.stop()
        runtime.close()
        logs.setup(verbose=False, to_file=False)
        logs.forget_names()
    out, err = capsys.readouterr()
    streams.extend((out, err))
    files = sorted(log_dir.glob("legevakt.log*"))
    assert files
    return "\n".join([*streams, *(f.read_text(encoding="utf-8") for f in files)])


def _faulty_day_finds_nothing(make_sim: Callable[..., SimServer], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str], hours: int) -> None:
    sim = make_sim(seed=21, initial_patients=14)
    text = _faulty_day(sim, tmp_path / "data", hours, capsys, tmp_path / "logs")
    secrets = _every_patient_secret(sim)
    assert len(secrets) > 40
    assert "DEBUG" in text  # -v was on
    for happened in ("period.start is out of range", "period.start has a time without a time zone",  # the cases ran
                     "damaged row (table entries", " acknowledged\n", '"identifier_issue": "bad-checksum"'):
        assert happened in text, happened
    assert sorted(s for s in secrets if s in text) == []
    # No fødselsnummer-shaped number at all (11 digits standing alone: a platform id in hex may hold 11).
    found = re.search(r"(?<![0-9A-Za-z])\d{11}(?![0-9A-Za-z])", text)
    assert found is None, text[max(0, found.start() - 200):found.end() + 50]
    assert "Traceback" not in text


def test_a_faulty_day_with_v_leaks_no_patient_data(make_sim: Callable[..., SimServer], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The short form for CI: six simulated hours, one of each hostile case."""
    _faulty_day_finds_nothing(make_sim, tmp_path, capsys, hours=6)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_whole_faulty_day_with_v_leaks_no_patient_data(make_sim: Callable[..., SimServer], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The long form: 24 simulated hours, every fault knob in turn, each hostile case four times."""
    _faulty_day_finds_nothing(make_sim, tmp_path, capsys, hours=24)
