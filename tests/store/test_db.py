"""The store keeps what the worklist last knew, across restarts, in one transaction per save."""

from __future__ import annotations

import argparse
import io
import os
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from sqlalchemy import delete, event, inspect, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import legevakt.store.db as db
import legevakt.store.repositories.queue as queue_repo
from legevakt.store import FILE_NAME, AppendOnlyError, Store, StoreError, StoreErrorKind, open_store
from legevakt.store.tables import AuditRow, Base
from legevakt.worklist.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DepartureReason,
    Encounter,
    EncounterStatus,
    Entry,
    Fate,
    Patient,
    Severity,
)
from legevakt.worklist.reconcile import (
    EventKind,
    ReconcileConfig,
    Reconciled,
    acknowledge,
    reconcile,
    resolve,
    tick,
)
from legevakt.worklist.snapshot import Snapshot, WorklistState
from tests.store import test_codec as strategies
from tests.store.conftest import at, encounter, patient

CFG = ReconcileConfig()
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def snap(minutes: float, listed: list[Encounter], others: list[Encounter] = (),  # type: ignore[assignment]
         patients: list[Patient] | None = None) -> Snapshot:
    encs = [*listed, *others]
    pats = patients if patients is not None else [patient(int(e.ref.rsplit("e", 1)[-1])) for e in encs]
    return Snapshot.of(at(minutes), list_items=[e.ref for e in listed], encounters=encs, patients=pats)


def three() -> tuple[Encounter, Encounter, Encounter]:
    return (encounter(1), encounter(2, arrived=1),
            encounter(3, status=EncounterStatus.ARRIVED, triage=None, arrived=2))


def alert_of(result: Reconciled, kind: AlertKind) -> Alert:
    (found,) = [a for a in result.state.alerts.values() if a.kind is kind]
    return found


# -- opening, files, pragmas, schema ------------------------------------------------------------------

@posix_only
def test_data_dir_and_files_are_readable_by_the_user_alone(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)
    store = open_store(data_dir)
    try:
        store.append_audit("system", "journal.opened", "Encounter/e1")
        path = data_dir / FILE_NAME
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        sidecars = [path.with_name(FILE_NAME + s) for s in ("-wal", "-shm")]
        assert any(p.exists() for p in sidecars)
        for side in sidecars:
            if side.exists():
                assert stat.S_IMODE(side.stat().st_mode) == 0o600, side.name
    finally:
        store.close()


def test_sqlite_runs_in_wal_with_synchronous_full(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS


def test_the_migrated_schema_matches_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert set(inspect(conn).get_table_names()) >= {"entries", "alerts", "audit_log", "sync_meta", "outbox",
                                                         "alembic_version", "notes", "deliveries", "link_events"}
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"


def test_migrations_downgrade_and_upgrade_again(store: Store) -> None:
    cfg = db.alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
        assert "entries" not in inspect(conn).get_table_names()
        command.upgrade(cfg, "head")
        assert "entries" in inspect(conn).get_table_names()


def test_the_schema_renders_for_postgresql() -> None:
    out = io.StringIO()
    cfg = db.alembic_config()
    cfg.output_buffer = out
    cfg.cmd_opts = argparse.Namespace(x=["url=postgresql://localhost/legevakt"])
    command.upgrade(cfg, "head", sql=True)
    ddl = out.getvalue()
    assert "JSONB" in ddl and "TIMESTAMP WITH TIME ZONE" in ddl and "BIGSERIAL" in ddl
    assert "BEFORE UPDATE OR DELETE ON audit_log" in ddl and "BEFORE TRUNCATE ON audit_log" in ddl
    assert "AUTOINCREMENT" not in ddl


def test_an_in_memory_sqlite_store_is_refused() -> None:
    with pytest.raises(ValueError, match="in-memory"):
        Store("sqlite://")


def test_reopening_an_existing_store_keeps_its_data(data_dir: Path) -> None:
    with open_store(data_dir) as first:
        first.append_audit("nurse-1", "journal.opened", "Encounter/e1")
    with open_store(data_dir) as second:
        assert [r.action for r in second.audit()] == ["journal.opened"]


# -- save and restore ------------------------------------------------------------------------------------

def test_a_restart_restores_what_was_last_seen(data_dir: Path) -> None:
    e1, e2, e3 = three()
    with open_store(data_dir) as first:
        state = first.load_state(at(0), CFG)
        r1 = reconcile(state, snap(3, [e1, e2, e3]), at(3), CFG)
        first.save(r1)
        # e2 leaves the List while still active (dropped); e3 is still untriaged after 15 min.
        r2 = reconcile(r1.state, snap(20, [e1, e3], [e2]), at(20), CFG)
        assert {a.kind for a in r2.state.alerts.values()} == {AlertKind.DROPPED_FROM_QUEUE, AlertKind.NOT_TRIAGED}
        first.save(r2)

    with open_store(data_dir) as second:
        restored = second.load_state(at(21), CFG)
        assert restored.entries == r2.state.entries
        assert restored.alerts == r2.state.alerts
        assert restored.open_keys == r2.state.open_keys
        assert restored.seen == r2.state.seen
        assert restored.seen_patients == r2.state.seen_patients
        assert restored.in_list == r2.state.in_list == {e1.ref, e3.ref}
        assert restored.live == r2.state.live
        assert restored.last_complete_at == at(20)
        assert restored.alert_seq == r2.state.alert_seq

        # The first reconcile after the restart compares against what was last seen: nothing is new.
        again = reconcile(restored, snap(21, [e1, e3], [e2]), at(21), CFG)
        assert again.events == ()
        assert dict(again.changed) == {}
        assert again.alerts == ()
        # ... whereas a blank state would have seen everyone arrive anew.
        blank = reconcile(WorklistState(), snap(21, [e1, e3], [e2]), at(21), CFG)
        assert {ev.kind for ev in blank.events} == {EventKind.ARRIVED}

        # The dropped patient comes back: a return (not an arrival), and the drop alert resolves itself.
        back = reconcile(restored, snap(22, [e1, e2, e3]), at(22), CFG)
        assert [(ev.kind, ev.encounter) for ev in back.events] == [(EventKind.RETURNED, e2.ref)]
        second.save(back)
        dropped = alert_of(r2, AlertKind.DROPPED_FROM_QUEUE)
        stored = second.alert(dropped.id)
        assert stored is not None and stored.status is AlertStatus.RESOLVED and stored.resolved_by is None


def test_load_reports_alerts_that_came_due_while_closed(data_dir: Path) -> None:
    e1 = encounter(1, triage="orange")  # 10 min target
    with open_store(data_dir) as first:
        r1 = reconcile(first.load_state(at(0), CFG), snap(1, [e1]), at(1), CFG)
        first.save(r1)
    with open_store(data_dir) as second:
        loaded = second.load(at(12), CFG)
        assert [a.kind for a in loaded.alerts] == [AlertKind.TRIAGE_OVERDUE]
        second.save(loaded, snapshot_complete=False)
        assert [a.kind for a in second.alerts("open")] == [AlertKind.TRIAGE_OVERDUE]
        assert second.load_state(at(12), CFG).alert_seq == loaded.state.alert_seq


def test_a_condition_a_person_resolved_stays_quiet_after_a_restart(data_dir: Path) -> None:
    e1 = encounter(1, triage="orange")  # 10 min target
    with open_store(data_dir) as first:
        r = reconcile(first.load_state(at(0), CFG), snap(1, [e1]), at(1), CFG)
        first.save(r)
        r = tick(r.state, at(11), CFG)
        first.save(r, snapshot_complete=False)
        overdue = alert_of(r, AlertKind.TRIAGE_OVERDUE)
        r = resolve(r.state, overdue.id, "nurse-1", "Lege varslet muntlig", at(12), CFG)
        first.save(r, actor="nurse-1", snapshot_complete=False)
        assert r.state.suppressed == {(AlertKind.TRIAGE_OVERDUE, e1.ref): Severity.WARNING}
    with open_store(data_dir) as second:
        loaded = second.load(at(13), CFG)
        assert loaded.state.suppressed == r.state.suppressed
        assert loaded.alerts == ()  # nothing new opens for the condition the person resolved
        assert all(a.kind is not AlertKind.TRIAGE_OVERDUE for a in loaded.state.alerts.values())


def test_saved_entries_and_alerts_read_back_as_domain_objects(store: Store) -> None:
    e1, e2, e3 = three()
    r1 = reconcile(store.load_state(at(0), CFG), snap(3, [e1, e2, e3]), at(3), CFG)
    store.save(r1)
    r2 = reconcile(r1.state, snap(20, [e1, e3], [e2]), at(20), CFG)
    store.save(r2)
    assert {e.ref: e for e in store.entries()} == dict(r2.state.entries)
    newest_first = store.alerts()
    assert [a.raised_at for a in newest_first] == sorted((a.raised_at for a in newest_first), reverse=True)
    assert {a.id: a for a in newest_first} == dict(r2.state.alerts)
    assert store.alerts("resolved") == []
    assert store.alert("AL-999999") is None
    for alert in newest_first:
        assert store.alert(alert.id) == alert


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = open_store(tmp_path_factory.mktemp("shared") / "data")
    yield s
    s.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entry=strategies.entries, alert=strategies.alerts)
def test_any_entry_and_alert_round_trip_through_the_database(shared_store: Store, entry: Entry,
                                                             alert: Alert) -> None:
    shared_store.save(Reconciled(state=WorklistState(), changed={entry.ref: entry}, events=(), alerts=(alert,)))
    (back,) = [e for e in shared_store.entries() if e.ref == entry.ref]
    assert back == entry
    assert shared_store.alert(alert.id) == alert


# -- only what changed is written --------------------------------------------------------------------

def record_writes(store: Store) -> list[tuple[str, Any]]:
    writes: list[tuple[str, Any]] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def _record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append((statement, parameters if executemany else [parameters]))

    return writes


def test_a_quiet_cycle_writes_only_the_snapshot_time(store: Store) -> None:
    e1, e2, e3 = three()
    r1 = reconcile(store.load_state(at(0), CFG), snap(3, [e1, e2, e3]), at(3), CFG)
    store.save(r1)
    writes = record_writes(store)
    r2 = reconcile(r1.state, snap(4, [e1, e2, e3]), at(4), CFG)  # same data, a new snapshot object
    assert (dict(r2.changed), r2.events, r2.alerts) == ({}, (), ())
    assert r2.state.seen is not r1.state.seen
    store.save(r2)
    assert len(writes) == 1
    statement, params = writes[0]
    assert "sync_meta" in statement
    # the snapshot time, and the write generation other processes use to see that this one wrote
    assert [p[0] for p in params] == ["last_complete_at", "write_generation"]


def test_changed_versions_rewrite_the_seen_map(store: Store) -> None:
    e1, e2, e3 = three()
    r1 = reconcile(store.load_state(at(0), CFG), snap(3, [e1, e2, e3]), at(3), CFG)
    store.save(r1)
    writes = record_writes(store)
    e1b = replace(e1, version="2", status=EncounterStatus.IN_PROGRESS, doctor="Practitioner/d1")
    r2 = reconcile(r1.state, snap(4, [e1b, e2, e3]), at(4), CFG)
    store.save(r2, snapshot_complete=True)
    assert [e.ref for e in r2.changed.values()] == [e1.ref]
    tables = [s.split()[2] for s, _ in writes]
    assert tables == ["entries", "sync_meta"]
    assert sorted(p[0] for p in writes[1][1]) == ["last_complete_at", "seen", "write_generation"]
    assert store.meta("seen")[e1.ref] == "2"


def test_an_incomplete_cycle_does_not_touch_the_snapshot_cursors(store: Store) -> None:
    e1, e2, e3 = three()
    r1 = reconcile(store.load_state(at(0), CFG), snap(3, [e1, e2, e3]), at(3), CFG)
    store.save(r1)
    r2 = reconcile(r1.state, Snapshot.incomplete(at(5), ["page 2 timed out"]), at(5), CFG)
    store.save(r2, snapshot_complete=False)
    assert store.meta("last_complete_at") == at(3).isoformat()
    assert store.meta("in_list") == sorted([e1.ref, e2.ref, e3.ref])


# -- a crash mid-save ------------------------------------------------------------------------------------

def test_a_crash_mid_save_leaves_the_previous_state_intact(store: Store, data_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    e1, e2, e3 = three()
    r1 = reconcile(store.load_state(at(0), CFG), snap(3, [e1, e2, e3]), at(3), CFG)
    store.save(r1)
    before = (store.entries(), store.alerts(), store.audit(limit=1000), store.meta("seen"), store.meta("in_list"))

    r2 = reconcile(r1.state, snap(20, [e1, e3], [replace(e2, version="2")]), at(20), CFG)
    assert r2.changed and r2.alerts and r2.events

    def power_cut(key: str, value: object) -> object:
        raise RuntimeError("power cut")  # after entries, alerts and audit rows were written in this transaction

    monkeypatch.setattr(queue_repo, "_meta_json", power_cut)
    with pytest.raises(RuntimeError, match="power cut"):
        store.save(r2)
    after = (store.entries(), store.alerts(), store.audit(limit=1000), store.meta("seen"), store.meta("in_list"))
    assert after == before

    monkeypatch.undo()
    store.save(r2)  # the retry writes everything, the seen map included
    with open_store(data_dir) as reopened:
        restored = reopened.load_state(at(21), CFG)
        assert restored.entries == r2.state.entries
        assert restored.seen == r2.state.seen
        assert restored.in_list == r2.state.in_list


# -- the audit log -------------------------------------------------------------------------------------

def test_every_alert_transition_is_audited_once(store: Store) -> None:
    e1 = encounter(1, triage="orange")  # 10 min target, critical at 20
    r = reconcile(store.load_state(at(0), CFG), snap(1, [e1]), at(1), CFG)
    store.save(r)
    r = tick(r.state, at(11), CFG)
    store.save(r, snapshot_complete=False)
    overdue = alert_of(r, AlertKind.TRIAGE_OVERDUE)
    assert overdue.severity is Severity.WARNING
    r = acknowledge(r.state, overdue.id, "nurse-1", None, at(12))
    store.save(r, actor="nurse-1", snapshot_complete=False)
    store.save(r, actor="nurse-1", snapshot_complete=False)  # saving the same change again audits nothing more
    r = tick(r.state, at(21), CFG)
    store.save(r, snapshot_complete=False)
    assert alert_of(r, AlertKind.TRIAGE_OVERDUE).severity is Severity.CRITICAL
    r = acknowledge(r.state, overdue.id, "nurse-1", "Åse Nordmann1 informert, fnr 01018010001", at(22))
    store.save(r, actor="nurse-1", snapshot_complete=False)
    e1b = replace(e1, version="2", status=EncounterStatus.IN_PROGRESS, doctor="Practitioner/d1")
    r = reconcile(r.state, snap(25, [e1b]), at(25), CFG)
    store.save(r)

    trail = list(reversed(store.audit(target=overdue.id)))
    assert [(x.action, x.actor) for x in trail] == [
        ("alert.raised", "system"),
        ("alert.acknowledged", "nurse-1"),
        ("alert.escalated", "system"),
        ("alert.acknowledged", "nurse-1"),
        ("alert.resolved", "system"),
    ]
    assert [x.at for x in trail][:2] == [at(11), at(12)]
    assert [x.action for x in store.audit(target=e1.ref)] == ["entry.arrived"]
    stored = store.alert(overdue.id)
    assert stored is not None and stored.ack_comment == "Åse Nordmann1 informert, fnr 01018010001"
    for record in store.audit(limit=1000):  # a person's comment stays on the alert, out of the log
        assert "Åse" not in record.detail and "0101801" not in record.detail


def test_a_person_resolving_a_drop_is_audited_with_the_closing(store: Store) -> None:
    e1, e2, e3 = three()
    r1 = reconcile(store.load_state(at(0), CFG), snap(3, [e1, e2, e3]), at(3), CFG)
    store.save(r1)
    r2 = reconcile(r1.state, snap(20, [e1, e3], [e2]), at(20), CFG)
    store.save(r2)
    drop = alert_of(r2, AlertKind.DROPPED_FROM_QUEUE)
    r3 = resolve(r2.state, drop.id, "lege-2", "Dro hjem, bekreftet på telefon", at(30), CFG)
    store.save(r3, actor="lege-2", snapshot_complete=False)

    assert [(x.action, x.actor) for x in reversed(store.audit(target=drop.id))] == [
        ("alert.raised", "system"), ("alert.resolved", "lege-2")]
    assert [(x.action, x.actor, x.detail) for x in reversed(store.audit(target=e2.ref))] == [
        ("entry.arrived", "system", ""), ("entry.dropped", "system", "confirmed"),
        ("entry.closed", "lege-2", DepartureReason.CLOSED_BY_USER.value)]
    (closed,) = [e for e in store.entries() if e.ref == e2.ref]
    assert closed.fate is Fate.DEPARTED and closed.departure is DepartureReason.CLOSED_BY_USER
    with store:
        pass
    assert all("Nordmann" not in r.detail and "0101801" not in r.detail for r in r3.events)


def test_append_audit_records_who_opened_a_journal(store: Store) -> None:
    store.append_audit("lege-2", "journal.opened", "Encounter/e7")
    (record,) = store.audit()
    assert (record.actor, record.action, record.target, record.detail) == ("lege-2", "journal.opened",
                                                                           "Encounter/e7", "")
    assert record.at.tzinfo is not None
    with pytest.raises(ValueError):
        store.append_audit("", "journal.opened", "Encounter/e7")


def test_audit_is_newest_first_and_limited(store: Store) -> None:
    for n in range(5):
        store.append_audit("system", "journal.opened", f"Encounter/e{n}")
    assert [r.target for r in store.audit(limit=3)] == ["Encounter/e4", "Encounter/e3", "Encounter/e2"]
    assert [r.target for r in store.audit(target="Encounter/e1")] == ["Encounter/e1"]


def test_the_audit_log_cannot_be_changed_through_the_orm(store: Store) -> None:
    store.append_audit("system", "journal.opened", "Encounter/e1")
    with Session(store.engine) as session:
        row = session.scalars(select(AuditRow)).one()
        row.detail = "rewritten"
        with pytest.raises(AppendOnlyError):
            session.flush()
        session.rollback()
        row = session.scalars(select(AuditRow)).one()
        session.delete(row)
        with pytest.raises(AppendOnlyError):
            session.flush()
        session.rollback()
        with pytest.raises(AppendOnlyError):
            session.execute(update(AuditRow).values(detail="rewritten"))
        with pytest.raises(AppendOnlyError):
            session.execute(delete(AuditRow))
    assert [r.detail for r in store.audit()] == [""]


def test_the_database_refuses_audit_changes_too(store: Store) -> None:
    store.append_audit("system", "journal.opened", "Encounter/e1")
    table = AuditRow.__table__
    for statement in (table.update().values(detail="rewritten"), table.delete()):  # type: ignore[attr-defined]
        with pytest.raises(IntegrityError, match="append-only"), store.engine.begin() as conn:
            conn.execute(statement)
    assert [r.detail for r in store.audit()] == [""]


def test_the_store_offers_no_way_to_edit_the_audit_log() -> None:
    public = {name for name in dir(Store) if not name.startswith("_")}
    assert {name for name in public if "audit" in name} == {"audit", "append_audit"}


# -- environment errors in plain words ---------------------------------------------------------------------

def test_a_corrupt_file_is_reported_as_such(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / FILE_NAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as err:
        open_store(data_dir)
    assert err.value.kind is StoreErrorKind.CORRUPT
    assert "damaged" in str(err.value)


def test_a_database_from_a_newer_release_is_reported_as_such(store: Store, data_dir: Path) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(StoreError) as err:
        open_store(data_dir)
    assert err.value.kind is StoreErrorKind.NEWER_VERSION
    assert "newer version" in str(err.value)


def test_a_locked_database_is_reported_as_busy(store: Store, data_dir: Path) -> None:
    path = data_dir / FILE_NAME
    impatient = Store(URL.create("sqlite", database=str(path)), busy_timeout_ms=50)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError) as err:
            impatient.append_audit("system", "journal.opened", "Encounter/e1")
        assert err.value.kind is StoreErrorKind.LOCKED
    finally:
        other.execute("ROLLBACK")
        other.close()
        impatient.close()


def test_a_read_only_database_is_reported_as_such(store: Store, data_dir: Path) -> None:
    store.append_audit("system", "journal.opened", "Encounter/e1")
    url = f"sqlite:///file:{data_dir / FILE_NAME}?mode=ro&uri=true"
    with pytest.raises(StoreError) as err:
        read_only = Store(url)
        try:
            read_only.append_audit("system", "journal.opened", "Encounter/e2")
        finally:
            read_only.close()
    assert err.value.kind is StoreErrorKind.READ_ONLY


def test_a_full_disk_is_reported_as_such(store: Store) -> None:
    @event.listens_for(store.engine, "connect")
    def _cap(dbapi_conn: sqlite3.Connection, record: Any) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    store.engine.dispose()  # new connections get the cap
    with pytest.raises(StoreError) as err:
        store.append_audit("system", "journal.opened", "Encounter/e1", "x" * 200_000)
    assert err.value.kind is StoreErrorKind.DISK_FULL
    assert "disk is full" in str(err.value)


def test_bugs_are_not_dressed_up_as_environment_errors(store: Store) -> None:
    bad = Entry(encounter=encounter(1), patient=None, fate=Fate.PRESENT, in_list=True, ever_in_list=True,
                first_seen=at(0).replace(tzinfo=None), arrived_at=at(0))
    with pytest.raises(Exception) as err:
        store.save(Reconciled(state=WorklistState(), changed={bad.ref: bad}, events=(), alerts=()))
    assert not isinstance(err.value, StoreError)
    assert store.entries() == []


def test_a_closed_store_refuses_use(data_dir: Path) -> None:
    store = open_store(data_dir)
    store.close()
    store.close()
    with pytest.raises(RuntimeError, match="closed"):
        store.entries()
