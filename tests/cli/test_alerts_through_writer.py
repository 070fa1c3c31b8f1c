"""``legevakt alerts ack/resolve`` take the window's path: the engine, then the one DbWriter.

Oracle: the same acknowledgement made the way the window's ``AppService`` makes it (``runtime.engine
.acknowledge`` on a ``Runtime``) on a copy of the same data directory must leave the same alert and the same
audit trail; and every ``Store.save`` of the command runs on the writer's thread, never the caller's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from legevakt.app.runtime import Runtime
from legevakt.app.settings import load
from legevakt.sim import SimServer
from legevakt.store.db import Store, open_store
from legevakt.sync.auth import NoCredentials
from tests.cli.conftest import Run


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=3, initial_patients=8)


def synced_with_a_drop(run: Run, sim: SimServer, data: Path) -> str:
    """Sync, drop one patient from the platform's list, sync again: the id of the DROPPED_FROM_QUEUE alert."""
    args = ("sync", "--once", "--json", "--platform", sim.base_url, "--location", sim.clinic_ref,
            "--data-dir", str(data))
    assert run(*args)[0] == 0
    sim.clinic.drop_from_list(sorted(sim.clinic.list_items())[0])
    assert run(*args)[0] == 0
    code, out, _ = run("alerts", "--json", "--data-dir", str(data))
    assert code == 0
    ids = [a["id"] for a in json.loads(out) if a["kind"] == "DROPPED_FROM_QUEUE"]
    assert len(ids) == 1
    return str(ids[0])


def trail(data: Path, alert_id: str) -> tuple[dict[str, Any], list[tuple[str, str, str, str]]]:
    """The stored alert (without its timestamps of the action) and the whole audit trail (without times)."""
    store = open_store(data)
    try:
        alert = store.alert(alert_id)
        assert alert is not None
        audit = [(r.actor, r.action, r.target, r.detail) for r in reversed(store.audit(limit=10_000))]
    finally:
        store.close()
    doc = {"status": alert.status.value, "acknowledged_by": alert.acknowledged_by, "ack_comment": alert.ack_comment,
           "resolved_by": alert.resolved_by, "resolution": alert.resolution, "detail": alert.detail}
    return doc, audit


def window_path(data: Path, action: str, alert_id: str, by: str, text: str) -> None:
    """What ``AppService.acknowledge``/``resolve`` run in the window's worker thread."""
    runtime = Runtime.open(load(None, {"data_dir": str(data)}), tokens=NoCredentials())
    try:
        if action == "ack":
            runtime.engine.acknowledge(alert_id, by, text)
        else:
            runtime.engine.resolve(alert_id, by, text)
    finally:
        runtime.close()


def test_ack_and_resolve_from_the_command_line_record_what_the_window_records(
        run: Run, sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli_dir, window_dir = tmp_path / "cli", tmp_path / "window"
    alert_id = synced_with_a_drop(run, sim, cli_dir)
    shutil.copytree(cli_dir, window_dir)
    before = trail(cli_dir, alert_id)[1]

    saved_on: list[str] = []
    real_save = Store.save

    def spy(self: Store, *args: Any, **kwargs: Any) -> Any:
        saved_on.append(threading.current_thread().name)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Store, "save", spy)
    code, _, err = run("alerts", "ack", alert_id, "--by", "sykepleier", "--comment", "ringer IT",
                       "--data-dir", str(cli_dir))
    assert code == 0, err
    code, _, err = run("alerts", "resolve", alert_id, "--by", "vaktleder", "--reason", "dro hjem",
                       "--data-dir", str(cli_dir))
    assert code == 0, err
    assert saved_on and set(saved_on) == {"legevakt-db-writer"}  # through the writer, not on our thread
    monkeypatch.setattr(Store, "save", real_save)

    window_path(window_dir, "ack", alert_id, "sykepleier", "ringer IT")
    window_path(window_dir, "resolve", alert_id, "vaktleder", "dro hjem")

    cli_alert, cli_audit = trail(cli_dir, alert_id)
    window_alert, window_audit = trail(window_dir, alert_id)
    assert cli_alert == window_alert
    assert (cli_alert["status"], cli_alert["acknowledged_by"], cli_alert["resolved_by"]) == (
        "resolved", "sykepleier", "vaktleder")
    assert cli_audit == window_audit
    added = cli_audit[len(before):]
    assert [(actor, target) for actor, _, target, _ in added if target == alert_id] == [
        ("sykepleier", alert_id), ("vaktleder", alert_id)]


def test_an_acknowledgement_from_a_terminal_reaches_the_open_window_and_is_not_overwritten(
        run: Run, sim: SimServer, tmp_path: Path) -> None:
    data = tmp_path / "shared"
    alert_id = synced_with_a_drop(run, sim, data)
    settings = load(None, {"data_dir": str(data), "platform": sim.base_url, "location": sim.clinic_ref})
    window = Runtime.open(settings, tokens=NoCredentials())  # the window, open on the same data directory
    try:
        assert window.engine.state.alerts[alert_id].acknowledged_by is None
        assert window.catch_up() is False  # nobody else wrote yet
        # The terminal is another process: the CLI runs in a subprocess of its own.
        done = subprocess.run([sys.executable, "-m", "legevakt.cli", "alerts", "ack", alert_id, "--by", "sykepleier",
                               "--comment", "ringer IT", "--data-dir", str(data)], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert window.catch_up() is True
        window.engine.cycle()  # the window's next sync saves its state: the terminal's ack must survive it
    finally:
        window.close()
    stored, _ = trail(data, alert_id)
    assert (stored["status"], stored["acknowledged_by"], stored["ack_comment"]) == (
        "acknowledged", "sykepleier", "ringer IT")
    assert window.engine.state.alerts[alert_id].acknowledged_by == "sykepleier"  # and the window shows it
