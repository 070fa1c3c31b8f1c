"""Two real processes on one data directory (the window, and ``legevakt alerts ack`` in a terminal).

Every write transaction holds the data directory's OS file lock, and a process forgets what it cached
about sync_meta when another process wrote since it last did (the write generation).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from filelock import FileLock
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from legevakt.problems import ProblemKind
from legevakt.store import FILE_NAME, Store
from legevakt.store.db import LOCK_NAME
from legevakt.store.tables import AuditRow
from legevakt.worklist.models import AlertKind, AlertStatus
from legevakt.worklist.reconcile import ReconcileConfig, reconcile, tick
from legevakt.worklist.snapshot import Snapshot
from tests.store.conftest import at, encounter, patient

CFG = ReconcileConfig()
OTHER = Path(__file__).with_name("other_process.py")
ROOT = Path(__file__).resolve().parents[2]


def other(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(OTHER), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, check=False)


def start_other(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(OTHER), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


def audit_count(store: Store, actor: str) -> int:
    with Session(store.engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.actor == actor)) or 0)


def test_an_ack_from_the_terminal_is_seen_and_kept_by_the_open_window(store: Store, data_dir: Path) -> None:
    e1, e2 = encounter(1, triage="orange"), encounter(2, arrived=1)  # orange: 10 min triage target
    snapshot = Snapshot.of(at(1), list_items=[e1.ref], encounters=[e1], patients=[patient(1)])
    r = reconcile(store.load_state(at(0), CFG), snapshot, at(1), CFG)
    store.save(r)
    r = tick(r.state, at(11), CFG)
    store.save(r, snapshot_complete=False)
    (overdue,) = [a for a in r.state.alerts.values() if a.kind is AlertKind.TRIAGE_OVERDUE]

    done = other("ack", str(data_dir), overdue.id)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr

    # the window reads the other process's change ...
    seen = store.alert(overdue.id)
    assert seen is not None and seen.status is AlertStatus.ACKNOWLEDGED and seen.acknowledged_by == "nurse-b"
    # ... and its next saves (a new patient arrives; its cursors) do not overwrite it
    snapshot = Snapshot.of(at(12), list_items=[e1.ref, e2.ref], encounters=[e1, e2],
                           patients=[patient(1), patient(2)])
    r2 = reconcile(r.state, snapshot, at(12), CFG)
    assert overdue.id not in {a.id for a in r2.alerts}
    store.save(r2)
    after = store.alert(overdue.id)
    assert after is not None and after.status is AlertStatus.ACKNOWLEDGED
    assert {e.ref for e in store.entries()} == {e1.ref, e2.ref}


def test_a_value_another_process_wrote_does_not_hide_this_ones_next_write(store: Store, data_dir: Path) -> None:
    e1 = encounter(1)
    snapshot = Snapshot.of(at(1), list_items=[e1.ref], encounters=[e1], patients=[patient(1)])
    r = reconcile(store.load_state(at(0), CFG), snapshot, at(1), CFG)
    store.save(r)
    mine = r.state.alert_seq
    assert store.meta("alert_seq") == mine

    done = other("seq", str(data_dir), str(mine + 50))
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr
    assert store.meta("alert_seq") == mine + 50  # this process reads the other one's write

    # this process saves its own value again: its cache of "already written" is stale and must not skip it
    store.save(r, snapshot_complete=False)
    assert store.meta("alert_seq") == mine


def test_two_processes_writing_at_once_lose_and_corrupt_nothing(store: Store, data_dir: Path) -> None:
    n = 150
    store.append_audit("proc-a", "test.write", "a-first")  # the schema exists before the others start
    others = [start_other("audit", str(data_dir), str(n)) for _ in range(2)]
    for i in range(n):  # this process writes at the same time
        store.append_audit("proc-a", "test.write", f"a-{i}")
    for p in others:
        out, err = p.communicate(timeout=300)
        assert (p.returncode, out.split()) == (0, ["ready", "ok"]), err
    assert audit_count(store, "proc-a") == n + 1
    assert audit_count(store, "proc-b") == 2 * n
    with sqlite3.connect(data_dir / FILE_NAME) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        targets = {t for (t,) in conn.execute("SELECT target FROM audit_log WHERE actor = 'proc-b'")}
    assert targets == {f"b-{i}" for i in range(n)}


def test_a_held_lock_makes_the_other_process_wait_then_write(store: Store, data_dir: Path) -> None:
    store.append_audit("proc-a", "test.write", "a-first")
    lock = FileLock(data_dir / LOCK_NAME)
    with lock:
        waiting = start_other("audit", str(data_dir), "1", "120")
        assert waiting.stdout is not None and waiting.stdout.readline().strip() == "ready"
        assert audit_count(store, "proc-b") == 0  # it cannot write while this process holds the lock
        short = other("audit", str(data_dir), "1", "0.2")
        assert (short.returncode, short.stdout.split()) == (3, ["ready", ProblemKind.STORE_BUSY_ELSEWHERE.value])
        assert waiting.poll() is None  # still waiting for the lock
    out, err = waiting.communicate(timeout=300)
    assert (waiting.returncode, out.split()) == (0, ["ok"]), err
    assert audit_count(store, "proc-b") == 1
