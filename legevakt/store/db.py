"""The local store: the worklist's last known queue, its alerts, the audit log, the outbox and the sync cursors.

``Store`` is a thin facade over ``legevakt.store.engine`` (the engine, the data directory's write lock and
the unit of work) and one repository per aggregate (``legevakt.store.repositories``). Every write is one
transaction; reads run in their own transaction too (a consistent snapshot). In the application all
writes go through the one ``DbWriter`` (``legevakt.store.writer``); reads may come from any thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from legevakt.journal.model import Delivery, DeliveryState, Note
from legevakt.store.audit import SYSTEM, AuditRecord
from legevakt.store.engine import (
    BUSY_TIMEOUT_MS,
    FILE_NAME,
    LOCK_NAME,
    LOCK_TIMEOUT_S,
    META_WRITE_GENERATION,
    Database,
    UnitOfWork,
    alembic_config,
    migrate,
    prepare_data_dir,
)
from legevakt.store.errors import StoreError, StoreErrorKind
from legevakt.store.integrity import damaged_row
from legevakt.store.repositories.alerts import AlertRepository
from legevakt.store.repositories.audit import AuditRepository, event_audit
from legevakt.store.repositories.ledger import LedgerRepository
from legevakt.store.repositories.outbox import OutboxItem, OutboxRepository, OutboxState
from legevakt.store.repositories.queue import (
    META_ALERT_SEQ,
    META_IN_LIST,
    META_LAST_COMPLETE,
    META_SEEN,
    META_SEEN_PATIENTS,
    META_SUPPRESSED,
    MetaCache,
    QueueRepository,
    last_complete_from_json,
    suppressed_from_json,
)
from legevakt.worklist.commands import Command
from legevakt.worklist.models import Alert, Entry
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled, restore
from legevakt.worklist.restore import restore_changes, seq_of
from legevakt.worklist.snapshot import WorklistState

log = logging.getLogger("legevakt.store")


def open_store(data_dir: Path, *, lock_timeout_s: float = LOCK_TIMEOUT_S) -> Store:
    """Open (creating and migrating as needed) the store in ``data_dir``, readable by the user alone.

    On a read-only medium (or directory) holding a database, the store opens for reading only: listing
    alerts, the census, the outbox and the ledger still work, and every write is refused with
    ``StoreError(READ_ONLY)`` (issue 11: even listing used to be refused)."""
    try:
        path = prepare_data_dir(data_dir)
    except StoreError as exc:
        existing = Path(data_dir) / FILE_NAME
        if exc.kind is not StoreErrorKind.READ_ONLY or not existing.is_file():
            raise
        log.warning("data directory is read-only: the store opens for reading only")
        return open_store_read_only(data_dir)
    return Store(URL.create("sqlite", database=str(path)), lock_path=path.with_name(LOCK_NAME),
                 lock_timeout_s=lock_timeout_s)


def open_store_read_only(data_dir: Path) -> Store:
    """The store in ``data_dir`` opened read-only (SQLite ``mode=ro``): nothing is created or migrated."""
    path = (Path(data_dir) / FILE_NAME).resolve()
    url = URL.create("sqlite", database=f"file:{path}", query={"mode": "ro", "uri": "true"})
    return Store(url, read_only=True)


class Store:
    """The local replica. Writes are single transactions; reads return domain objects."""

    def __init__(self, url: str | URL, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, lock_path: Path | None = None,
                 lock_timeout_s: float = LOCK_TIMEOUT_S, read_only: bool = False) -> None:
        self._db = Database(url, busy_timeout_ms=busy_timeout_ms, lock_path=lock_path,
                            lock_timeout_s=lock_timeout_s, read_only=read_only)
        self._db.locate_damage = damaged_row
        self.url = self._db.url
        self.dialect = self._db.dialect
        self._cache = MetaCache(self._db.state_lock)
        self._db.on_foreign_write(self._cache.forget)
        log.info("store open (%s)", self.dialect)

    @property
    def engine(self) -> Engine:
        """The engine, for read-only sessions elsewhere (e.g. a report). Writes go through the DbWriter."""
        return self._db.engine

    def close(self) -> None:
        """Release every connection. Idempotent."""
        if self._db.close():
            log.info("store closed")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the worklist state ----------------------------------------------------------------------
    def written_elsewhere(self) -> bool:
        """Another process (e.g. ``legevakt alerts ack`` in a terminal) wrote to this data directory since
        this one last saved or loaded: the state in memory is stale; ``load_state`` again before acting."""
        return self._db.written_elsewhere()

    def load_state(self, now: datetime, config: ReconcileConfig) -> WorklistState:
        """The worklist as last saved, so the first reconcile after a restart compares against it."""
        return self.load(now, config).state

    def load(self, now: datetime, config: ReconcileConfig) -> Reconciled:
        """Like ``load_state``, plus the alert changes the restore itself made (time passed while closed:
        e.g. a triage target crossed). Save the result (through the writer) to persist and audit them."""
        generation = self._cache.generation
        with self._db.reading() as uow:
            queue, alerts = QueueRepository(uow), AlertRepository(uow)
            entries = queue.entries(ordered=False)
            stored = alerts.unresolved()
            meta = queue.all_meta()
            top = alerts.highest_id()
        seen: dict[str, str] = dict(meta.get(META_SEEN) or {})
        seen_patients: dict[str, str] = dict(meta.get(META_SEEN_PATIENTS) or {})
        in_list = frozenset(meta.get(META_IN_LIST) or ())
        last_complete = last_complete_from_json(meta.get(META_LAST_COMPLETE))
        suppressed = suppressed_from_json(meta.get(META_SUPPRESSED))
        seq = max(int(meta.get(META_ALERT_SEQ) or 0), seq_of(top))
        state = restore(entries, stored, seen=seen, in_list=in_list, last_complete_at=last_complete,
                        alert_seq=seq, suppressed=suppressed, now=now, config=config)
        state = replace(state, seen_patients=seen_patients)  # restore() does not take it (yet)

        changes = restore_changes(stored, state.alerts, now)
        with self._db.state_lock:
            seeded = self._cache.seed(generation, {
                META_SEEN: seen, META_SEEN_PATIENTS: seen_patients, META_IN_LIST: in_list,
                META_LAST_COMPLETE: last_complete, META_ALERT_SEQ: meta.get(META_ALERT_SEQ),
                META_SUPPRESSED: suppressed,
            })
            if seeded:  # no save since we read: the cache is what the table holds at this generation
                self._db.observed_generation(int(meta.get(META_WRITE_GENERATION) or 0))
        log.info("state restored: %d entries, %d open alerts", len(entries), len(state.alerts))
        return Reconciled(state=state, changed={}, events=(), alerts=tuple(changes))

    def save(self, result: Reconciled, *, actor: str = SYSTEM, snapshot_complete: bool = True,
             commands: Sequence[Command] = ()) -> None:
        """Persist one reconcile step (or a person's action) in one transaction.

        Writes the changed entries, the changed alerts, one audit row per alert transition and per event,
        and the sync cursors from ``result.state`` (the snapshot-derived ones only when the step had a
        complete snapshot, and the big maps only when their content changed).
        """
        started = time.perf_counter()
        with self._db.transaction() as uow:
            meta = self._save_in(uow, result, actor=actor, snapshot_complete=snapshot_complete)
            if commands:  # e.g. the shared-alert Tasks of these alert changes: stored with them or not at all
                OutboxRepository(uow).enqueue_many(commands, actor=actor)
        log.debug("saved %d entries, %d alerts, %d events, %d cursors in %.1f ms", len(result.changed),
                  len(result.alerts), len(result.events), len(meta), (time.perf_counter() - started) * 1e3)

    def _save_in(self, uow: UnitOfWork, result: Reconciled, *, actor: str,
                 snapshot_complete: bool) -> dict[str, object]:
        """``save``'s writes inside ``uow`` (so other rows can commit with them); the cache learns the
        cursors written once ``uow`` committed. Returns them."""
        now = datetime.now(UTC)
        meta = self._cache.changes(result.state, snapshot_complete)
        queue = QueueRepository(uow)
        if result.changed:
            queue.save_entries(result.changed.values())
        audit = [event_audit(ev, actor) for ev in result.events]
        if result.alerts:
            audit += AlertRepository(uow).save(result.alerts, actor, now)
        AuditRepository(uow).add_rows(audit)
        queue.save_meta(meta, now)
        uow.after_commit(lambda: self._cache.saved(meta))
        return meta

    # -- reads ----------------------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        """Every entry the store knows (present, dropped and departed), by arrival."""
        with self._db.reading() as uow:
            return QueueRepository(uow).entries()

    def alerts(self, status: str | None = None) -> list[Alert]:
        """Alerts, newest first; only those with ``status`` (an AlertStatus value) when given."""
        with self._db.reading() as uow:
            return AlertRepository(uow).all(status)

    def alert(self, alert_id: str) -> Alert | None:
        with self._db.reading() as uow:
            return AlertRepository(uow).get(alert_id)

    def audit(self, limit: int = 100, target: str | None = None) -> list[AuditRecord]:
        """The newest ``limit`` audit records, newest first; only about ``target`` when given."""
        with self._db.reading() as uow:
            return AuditRepository(uow).recent(limit, target)

    def meta(self, key: str) -> Any:
        """One sync_meta value as stored (JSON), or None."""
        with self._db.reading() as uow:
            return QueueRepository(uow).meta(key)

    # -- writes besides save -----------------------------------------------------------------------
    def append_audit(self, actor: str, action: str, target: str, detail: str = "") -> None:
        """Append one audit record (e.g. ``journal.opened``). ``detail`` must hold no patient data."""
        if not actor or not action or not target:
            raise ValueError("an audit record needs an actor, an action and a target")
        with self._db.transaction() as uow:
            AuditRepository(uow).append(actor, action, target, detail)

    # -- the outbox (legevakt.store.repositories.outbox) ------------------------------------------------
    def enqueue(self, command: Command, result: Reconciled, *, actor: str) -> int:
        """Store a command with its local effect in one transaction (a crash loses both or neither);
        returns its place in the order."""
        with self._db.transaction() as uow:
            self._save_in(uow, result, actor=actor, snapshot_complete=False)
            return OutboxRepository(uow).enqueue(command, actor=actor)

    def pending(self) -> list[Command]:
        """Commands waiting for the platform, in order."""
        with self._db.reading() as uow:
            return OutboxRepository(uow).pending()

    def pending_count(self) -> int:
        with self._db.reading() as uow:
            return OutboxRepository(uow).pending_count()

    def pending_by_encounter(self) -> dict[str, int]:
        with self._db.reading() as uow:
            return OutboxRepository(uow).pending_by_encounter()

    def mark(self, command_id: str, state: str, error: str | None = None, *, result: Reconciled | None = None,
             actor: str = SYSTEM, attempt: bool = False, provenance: dict[str, Any] | None = None,
             provenance_state: str = "pending") -> None:
        """Record a replay outcome (and the alert changes it causes) in one transaction, so a command is
        never marked conflicted or refused without its alert, nor applied without the Provenance still to
        send for it."""
        with self._db.transaction() as uow:
            if result is not None:
                self._save_in(uow, result, actor=actor, snapshot_complete=False)
            OutboxRepository(uow).mark(command_id, state, error, actor=actor, attempt=attempt,
                                       provenance=provenance, provenance_state=provenance_state)

    def sending(self, command_id: str, version: str | None) -> None:
        """An Encounter update of this command is about to be sent against ``version``."""
        with self._db.transaction() as uow:
            OutboxRepository(uow).sending(command_id, version)

    def in_flight(self) -> dict[str, str]:
        """Pending commands whose update was sent and never answered: command id -> version sent against."""
        with self._db.reading() as uow:
            return OutboxRepository(uow).in_flight()

    def pending_provenance(self) -> list[tuple[str, dict[str, Any]]]:
        """Provenances of applied changes still to be sent, in write order: (command id, body)."""
        with self._db.reading() as uow:
            return OutboxRepository(uow).pending_provenance()

    def provenance_done(self, command_id: str, state: str, ref: str | None = None) -> None:
        with self._db.transaction() as uow:
            OutboxRepository(uow).provenance_done(command_id, state, ref)

    def provenance_of(self, command_id: str) -> tuple[str | None, str | None]:
        """(provenance_state, provenance_ref) of a command: e.g. ("recorded", "Provenance/12")."""
        with self._db.reading() as uow:
            return OutboxRepository(uow).provenance_of(command_id)

    def outbox(self, status: str | None = None, *, encounter: str | None = None) -> list[OutboxItem]:
        """Outbox rows in order (only those in ``status``, or of ``encounter``, when given)."""
        with self._db.reading() as uow:
            return OutboxRepository(uow).items(status, encounter=encounter)

    def outbox_states(self, command_ids: Sequence[str]) -> dict[str, str]:
        """The outbox state of each of these commands (absent: never queued here)."""
        with self._db.reading() as uow:
            return OutboxRepository(uow).states(command_ids)

    # -- the journal's ledger (legevakt.store.repositories.ledger) -------------------------------------
    def save_journal(self, *, notes: Sequence[Note] = (), deliveries: Sequence[Delivery] = (),
                     result: Reconciled | None = None, commands: Sequence[Command] = (),
                     audit: Sequence[tuple[str, str, str, str]] = (), actor: str = SYSTEM) -> None:
        """Notes, deliveries, the alert changes they cause, the outbox commands that carry them to the
        platform and their audit rows ``(actor, action, target, detail)``, in one transaction: a crash keeps
        all or none of them."""
        with self._db.transaction() as uow:
            if result is not None:
                self._save_in(uow, result, actor=actor, snapshot_complete=False)
            ledger = LedgerRepository(uow)
            if notes:
                ledger.put_notes(notes)
            if deliveries:
                ledger.put_deliveries(deliveries)
            OutboxRepository(uow).enqueue_many(commands, actor=actor)
            log_ = AuditRepository(uow)
            for who, action, target, detail in audit:
                log_.append(who, action, target, detail)

    def note(self, key: str) -> Note | None:
        """A note by client identifier or ``DocumentReference/<id>``."""
        with self._db.reading() as uow:
            return LedgerRepository(uow).note(key)

    def notes(self, encounter: str | None = None, *, without_ref: bool = False) -> list[Note]:
        with self._db.reading() as uow:
            return LedgerRepository(uow).notes(encounter, without_ref=without_ref)

    def delivery(self, key: str) -> Delivery | None:
        """A delivery by client identifier or ``Communication/<id>``."""
        with self._db.reading() as uow:
            return LedgerRepository(uow).delivery(key)

    def deliveries(self, *, states: Sequence[DeliveryState] | None = None, note: str | None = None,
                   encounter: str | None = None, since: datetime | None = None) -> list[Delivery]:
        """Deliveries newest first, filtered as given."""
        with self._db.reading() as uow:
            return LedgerRepository(uow).deliveries(states=states, note=note, encounter=encounter, since=since)

    def record_link(self, at: datetime, up: bool) -> bool:
        """Note the link's state after a cycle; a row only when it changed. True when one was written."""
        with self._db.transaction() as uow:
            ledger = LedgerRepository(uow)
            if ledger.last_link() is up:
                return False
            ledger.add_link_event(at, up)
            return True

    def link_events(self, since: datetime | None = None, until: datetime | None = None,
                    ) -> list[tuple[datetime, bool]]:
        with self._db.reading() as uow:
            return LedgerRepository(uow).link_events(since, until)


__all__ = [
    "BUSY_TIMEOUT_MS",
    "FILE_NAME",
    "LOCK_NAME",
    "OutboxState",
    "Store",
    "StoreError",
    "StoreErrorKind",
    "alembic_config",
    "migrate",
    "open_store",
]
