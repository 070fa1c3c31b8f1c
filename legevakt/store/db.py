"""The local store: the worklist's last known queue, its alerts, the audit log and the sync cursors.

``Store`` wraps one SQLAlchemy engine. Every write is one transaction; reads run in their own
transaction too (a consistent snapshot). In the application all writes go through the one
``DbWriter`` (``legevakt.store.writer``); reads may come from any thread.

SQLite (the default) runs in WAL mode with ``synchronous=FULL``; we issue ``BEGIN`` ourselves so reads
are consistent, DDL is transactional, and writes take the lock up front (``BEGIN IMMEDIATE``) instead of
failing half-way on a lock upgrade. The schema is created and upgraded by Alembic at open.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, Table, create_engine, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.expression import Executable

from legevakt.store import outbox
from legevakt.store.audit import SYSTEM, AuditAction, AuditRecord
from legevakt.store.codec import (
    dt_from_str,
    dt_to_str,
    encounter_from_dict,
    encounter_to_dict,
    patient_from_dict,
    patient_to_dict,
)
from legevakt.store.errors import StoreError, StoreErrorKind, classify
from legevakt.store.tables import AlertRow, AuditRow, EntryRow, SyncMetaRow
from legevakt.worklist.commands import Command
from legevakt.worklist.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DepartureReason,
    Entry,
    Fate,
    Severity,
)
from legevakt.worklist.reconcile import Event, ReconcileConfig, Reconciled, restore
from legevakt.worklist.restore import restore_changes, seq_of
from legevakt.worklist.snapshot import WorklistState

log = logging.getLogger("legevakt.store")

FILE_NAME = "legevakt.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_NAME = "legevakt.lock"  # the data directory's one-writer lock (an OS file lock, beside the database)
BUSY_TIMEOUT_MS = 5000
LOCK_TIMEOUT_S = 10.0  # how long a write waits for another process's write before STORE_BUSY_ELSEWHERE
_CHUNK = 500  # ids per IN (...) list

# sync_meta keys
META_LAST_COMPLETE = "last_complete_at"
META_SEEN = "seen"
META_SEEN_PATIENTS = "seen_patients"
META_IN_LIST = "in_list"
META_ALERT_SEQ = "alert_seq"
META_SUPPRESSED = "suppressed"  # conditions a person resolved while they held: (kind, key) -> severity
META_WRITE_GENERATION = "write_generation"  # bumped by every write transaction, from any process
_SNAPSHOT_KEYS = (META_SEEN, META_SEEN_PATIENTS, META_IN_LIST, META_LAST_COMPLETE)



_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _raise_store_error(exc: BaseException) -> NoReturn:
    """Re-raise an environment failure as StoreError (plain words); anything else is a bug and stays."""
    kind = classify(exc)
    if kind is None:
        raise exc
    log.warning("store error: %s (%s)", kind.value, type(exc).__name__)
    raise StoreError(kind) from exc


def open_store(data_dir: Path, *, lock_timeout_s: float = LOCK_TIMEOUT_S) -> Store:
    """Open (creating and migrating as needed) the store in ``data_dir``, readable by the user alone."""
    path = Path(data_dir) / FILE_NAME
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(path.parent, 0o700)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        if os.name == "posix":
            os.chmod(path, 0o600)
            for suffix in ("-wal", "-shm", "-journal"):
                side = path.with_name(path.name + suffix)
                if side.exists():
                    os.chmod(side, 0o600)
    except OSError as exc:
        _raise_store_error(exc)
    return Store(URL.create("sqlite", database=str(path)), lock_path=path.with_name(LOCK_NAME),
                 lock_timeout_s=lock_timeout_s)


class Store:
    """The local replica. Writes are single transactions; reads return domain objects."""

    def __init__(self, url: str | URL, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, lock_path: Path | None = None,
                 lock_timeout_s: float = LOCK_TIMEOUT_S) -> None:
        self.url = make_url(url)
        # One writer per data directory: every write transaction holds this OS lock, so a second process
        # (the window and ``legevakt alerts ack``) waits its turn instead of racing the first one.
        self._file_lock = None if lock_path is None else FileLock(lock_path, timeout=lock_timeout_s)
        self._db_generation: int | None = None  # the write generation _meta_written reflects (None: unknown)
        self.dialect = self.url.get_backend_name()
        self._closed = False
        self._meta_lock = threading.Lock()
        self._meta_written: dict[str, object] = {}  # what sync_meta holds, as last written or read
        self._meta_generation = 0  # bumped by every save, so a load racing a save never seeds stale values
        self._upserts: dict[str, Executable] = {}
        if self.dialect == "sqlite" and self.url.database in (None, "", ":memory:"):
            raise ValueError("an in-memory SQLite store is one database per connection: give it a file")
        engine = create_engine(self.url, json_serializer=_dumps, json_deserializer=json.loads)
        if self.dialect == "sqlite":
            _configure_sqlite(engine, busy_timeout_ms)
            self._write_engine: Engine = engine.execution_options(legevakt_begin="BEGIN IMMEDIATE")
            self._read_engine: Engine = engine
        elif self.dialect == "postgresql":
            self._write_engine = engine
            self._read_engine = engine.execution_options(isolation_level="REPEATABLE READ")
        else:
            engine.dispose()
            raise ValueError(f"unsupported database backend {self.dialect!r} (sqlite or postgresql)")
        self._engine = engine
        try:
            migrate(self._write_engine)
        except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
            engine.dispose()
            _raise_store_error(exc)
        except BaseException:
            engine.dispose()
            raise
        log.info("store open (%s)", self.dialect)

    # -- plumbing -------------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Session]:
        self._check_open()
        with self._process_lock():
            committed: int | None = None
            try:
                with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
                    committed = self._begin_generation(session)
                    yield session
                    if not session.info.pop(_GENERATION_WRITTEN, False):
                        self._upsert(session.connection(), _META, [_generation_row(committed)])
            except (SQLAlchemyError, sqlite3.Error) as exc:
                _raise_store_error(exc)
            with self._meta_lock:
                self._db_generation = committed

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        if self._file_lock is None:
            yield
            return
        try:
            self._file_lock.acquire()
        except Timeout:
            log.warning("store busy: another process holds the data directory's write lock")
            raise StoreError(StoreErrorKind.BUSY_ELSEWHERE) from None
        except OSError as exc:
            _raise_store_error(exc)
        try:
            yield
        finally:
            self._file_lock.release()

    def _begin_generation(self, session: Session) -> int:
        """Bump the write generation inside the write transaction; forget the cache of what sync_meta
        holds when someone else (another process) wrote since this process last did. Returns the new one."""
        found = session.scalar(select(SyncMetaRow.value).where(SyncMetaRow.key == META_WRITE_GENERATION))
        current = int(found or 0)
        with self._meta_lock:
            if self._db_generation != current:
                self._meta_written.clear()
                self._meta_generation += 1  # a load racing this write must not seed the cache either
        session.info[_GENERATION] = current + 1
        return current + 1

    @contextmanager
    def _read(self) -> Iterator[Session]:
        self._check_open()
        try:
            with Session(self._read_engine) as session, session.begin():
                yield session
        except (SQLAlchemyError, sqlite3.Error) as exc:
            _raise_store_error(exc)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the store is closed")

    def _upsert(self, conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert or replace rows by primary key, in one executemany."""
        if rows:
            conn.execute(self._upsert_stmt(table), list(rows))

    def _upsert_stmt(self, table: Table) -> Executable:
        stmt = self._upserts.get(table.name)
        if stmt is None:
            ins = sqlite_insert(table) if self.dialect == "sqlite" else pg_insert(table)
            stmt = ins.on_conflict_do_update(
                index_elements=list(table.primary_key.columns),
                set_={c.name: ins.excluded[c.name] for c in table.columns if not c.primary_key},
            )
            self._upserts[table.name] = stmt
        return stmt

    @property
    def engine(self) -> Engine:
        """The engine, for read-only sessions elsewhere (e.g. a report). Writes go through the DbWriter."""
        return self._engine

    def close(self) -> None:
        """Release every connection. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._engine.dispose()
        log.info("store closed")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the worklist state ----------------------------------------------------------------------
    def load_state(self, now: datetime, config: ReconcileConfig) -> WorklistState:
        """The worklist as last saved, so the first reconcile after a restart compares against it."""
        return self.load(now, config).state

    def load(self, now: datetime, config: ReconcileConfig) -> Reconciled:
        """Like ``load_state``, plus the alert changes the restore itself made (time passed while closed:
        e.g. a triage target crossed). Save the result (through the writer) to persist and audit them."""
        with self._meta_lock:
            generation = self._meta_generation
        with self._read() as session:
            entries = [_entry_from_row(row) for row in session.execute(select(*_ENTRY_COLUMNS))]
            stored = [_alert_from_row(a) for a in session.scalars(
                select(AlertRow).where(AlertRow.status != AlertStatus.RESOLVED.value))]
            meta: dict[str, Any] = {k: v for k, v in session.execute(select(SyncMetaRow.key, SyncMetaRow.value))}
            top = session.scalar(select(AlertRow.id).order_by(func.length(AlertRow.id).desc(),
                                                              AlertRow.id.desc()).limit(1))
        seen: dict[str, str] = dict(meta.get(META_SEEN) or {})
        seen_patients: dict[str, str] = dict(meta.get(META_SEEN_PATIENTS) or {})
        in_list = frozenset(meta.get(META_IN_LIST) or ())
        last_complete = dt_from_str(meta.get(META_LAST_COMPLETE))
        suppressed = _suppressed_from_json(meta.get(META_SUPPRESSED))
        seq = max(int(meta.get(META_ALERT_SEQ) or 0), seq_of(top))
        state = restore(entries, stored, seen=seen, in_list=in_list, last_complete_at=last_complete,
                        alert_seq=seq, suppressed=suppressed, now=now, config=config)
        state = replace(state, seen_patients=seen_patients)  # restore() does not take it (yet)

        changes = restore_changes(stored, state.alerts, now)
        with self._meta_lock:
            if generation == self._meta_generation:  # no save since we read: this is what the table holds
                self._meta_written = {
                    META_SEEN: seen, META_SEEN_PATIENTS: seen_patients, META_IN_LIST: in_list,
                    META_LAST_COMPLETE: last_complete, META_ALERT_SEQ: meta.get(META_ALERT_SEQ),
                    META_SUPPRESSED: suppressed,
                }
                self._db_generation = int(meta.get(META_WRITE_GENERATION) or 0)
        log.info("state restored: %d entries, %d open alerts", len(entries), len(state.alerts))
        return Reconciled(state=state, changed={}, events=(), alerts=tuple(changes))

    def save(self, result: Reconciled, *, actor: str = SYSTEM, snapshot_complete: bool = True) -> None:
        """Persist one reconcile step (or a person's action) in one transaction.

        Writes the changed entries, the changed alerts, one audit row per alert transition and per event,
        and the sync cursors from ``result.state`` (the snapshot-derived ones only when the step had a
        complete snapshot, and the big maps only when their content changed).
        """
        started = time.perf_counter()
        with self._write() as session:
            meta = self._save_in(session, result, actor=actor, snapshot_complete=snapshot_complete)
        self._saved(meta)
        log.debug("saved %d entries, %d alerts, %d events, %d cursors in %.1f ms", len(result.changed),
                  len(result.alerts), len(result.events), len(meta), (time.perf_counter() - started) * 1e3)

    def _save_in(self, session: Session, result: Reconciled, *, actor: str,
                 snapshot_complete: bool) -> dict[str, object]:
        """``save``'s writes inside the caller's transaction (so other rows can commit with them).

        Returns the sync_meta values written: pass them to ``_saved`` once the transaction committed.
        """
        state = result.state
        now = datetime.now(UTC)
        with self._meta_lock:
            meta = self._meta_changes(state, snapshot_complete)
        conn = session.connection()
        if result.changed:
            self._upsert(conn, _ENTRIES, [_entry_row(e) for e in result.changed.values()])
        audit = [_event_audit(ev, actor) for ev in result.events]
        if result.alerts:
            audit += self._save_alerts(session, result.alerts, actor, now)
        if audit:
            conn.execute(_AUDIT.insert(), audit)
        if meta:
            rows = [{"key": k, "value": _meta_json(k, v), "updated_at": now} for k, v in meta.items()]
            if _GENERATION in session.info:  # the generation rides along in the same statement
                rows.append(_generation_row(session.info[_GENERATION], now))
                session.info[_GENERATION_WRITTEN] = True
            self._upsert(conn, _META, rows)
        return meta

    def _saved(self, meta: Mapping[str, object]) -> None:
        with self._meta_lock:
            self._meta_written.update(meta)
            self._meta_generation += 1

    def _meta_changes(self, state: WorklistState, snapshot_complete: bool) -> dict[str, object]:
        current: dict[str, object] = {META_ALERT_SEQ: state.alert_seq}
        current[META_SUPPRESSED] = state.suppressed
        if snapshot_complete:
            current.update({META_SEEN: state.seen, META_SEEN_PATIENTS: state.seen_patients,
                            META_IN_LIST: state.in_list, META_LAST_COMPLETE: state.last_complete_at})
        missing = object()
        changes: dict[str, object] = {}
        for key, value in current.items():
            old = self._meta_written.get(key, missing)
            if old is value:
                continue
            if old is not missing and old == value:
                self._meta_written[key] = value  # same content: remember the new object, skip the write
                continue
            changes[key] = value
        return changes

    def _save_alerts(self, session: Session, alerts: Sequence[Alert], actor: str,
                     now: datetime) -> list[dict[str, Any]]:
        ids = [a.id for a in alerts]
        old: dict[str, tuple[str, str]] = {}
        for i in range(0, len(ids), _CHUNK):
            rows = session.execute(select(AlertRow.id, AlertRow.severity, AlertRow.status)
                                   .where(AlertRow.id.in_(ids[i:i + _CHUNK])))
            old.update((r.id, (r.severity, r.status)) for r in rows)
        audit: list[dict[str, Any]] = []
        for alert in alerts:
            audit += _alert_audit(old.get(alert.id), alert, actor, now)
        self._upsert(session.connection(), _ALERTS, [_alert_row(a) for a in alerts])
        return audit

    # -- reads ----------------------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        """Every entry the store knows (present, dropped and departed), by arrival."""
        with self._read() as session:
            rows = session.execute(select(*_ENTRY_COLUMNS).order_by(EntryRow.arrived_at, EntryRow.encounter_ref))
            return [_entry_from_row(row) for row in rows]

    def alerts(self, status: str | None = None) -> list[Alert]:
        """Alerts, newest first; only those with ``status`` (an AlertStatus value) when given."""
        stmt = select(AlertRow).order_by(AlertRow.raised_at.desc(), func.length(AlertRow.id).desc(),
                                         AlertRow.id.desc())
        if status is not None:
            stmt = stmt.where(AlertRow.status == AlertStatus(status).value)
        with self._read() as session:
            return [_alert_from_row(row) for row in session.scalars(stmt)]

    def alert(self, alert_id: str) -> Alert | None:
        with self._read() as session:
            row = session.get(AlertRow, alert_id)
            return None if row is None else _alert_from_row(row)

    def audit(self, limit: int = 100, target: str | None = None) -> list[AuditRecord]:
        """The newest ``limit`` audit records, newest first; only about ``target`` when given."""
        stmt = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if target is not None:
            stmt = stmt.where(AuditRow.target == target)
        with self._read() as session:
            return [AuditRecord(id=r.id, at=r.at, actor=r.actor, action=r.action, target=r.target,
                                detail=r.detail) for r in session.scalars(stmt)]

    def meta(self, key: str) -> Any:
        """One sync_meta value as stored (JSON), or None."""
        with self._read() as session:
            return session.scalar(select(SyncMetaRow.value).where(SyncMetaRow.key == key))

    # -- writes besides save -----------------------------------------------------------------------
    def append_audit(self, actor: str, action: str, target: str, detail: str = "") -> None:
        """Append one audit record (e.g. ``journal.opened``). ``detail`` must hold no patient data."""
        if not actor or not action or not target:
            raise ValueError("an audit record needs an actor, an action and a target")
        with self._write() as session:
            session.connection().execute(_AUDIT.insert(), [
                {"at": datetime.now(UTC), "actor": actor, "action": str(action), "target": target,
                 "detail": detail}])

    # -- the outbox (legevakt.store.outbox) --------------------------------------------------------------
    def enqueue(self, command: Command, result: Reconciled, *, actor: str) -> int:
        """Store a command with its local effect in one transaction; returns its place in the order."""
        return outbox.enqueue(self, command, result, actor=actor)

    def pending(self) -> list[Command]:
        """Commands waiting for the platform, in order."""
        return outbox.pending(self)

    def pending_count(self) -> int:
        return outbox.pending_count(self)

    def pending_by_encounter(self) -> dict[str, int]:
        return outbox.pending_by_encounter(self)

    def mark(self, command_id: str, state: str, error: str | None = None, *, result: Reconciled | None = None,
             actor: str = SYSTEM, attempt: bool = False) -> None:
        """Record a replay outcome (and the alert changes it causes) in one transaction."""
        outbox.mark(self, command_id, state, error, result=result, actor=actor, attempt=attempt)

    def outbox(self, status: str | None = None) -> list[outbox.OutboxItem]:
        """Outbox rows in order (only those in ``status`` when given)."""
        return outbox.outbox(self, status)


# -- engine setup ----------------------------------------------------------------------------------

def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        dbapi_conn.isolation_level = None  # no implicit BEGIN/COMMIT from pysqlite: we say BEGIN ourselves
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                log.warning("SQLite could not switch to WAL mode (journal mode %s)", mode and mode[0])
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("legevakt_begin", "BEGIN"))


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision, in one transaction (SQLite DDL is transactional).

    Raises StoreError(NEWER_VERSION) when the database carries a revision this program does not know.
    """
    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)
    heads = set(script.get_heads())
    with engine.begin() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
        if current == heads:
            return
        known = {rev.revision for rev in script.walk_revisions()}
        if current - known:
            raise StoreError(StoreErrorKind.NEWER_VERSION)
        log.info("migrating the local database schema to %s", ", ".join(sorted(heads)))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# -- rows <-> domain -----------------------------------------------------------------------------------

_ENTRIES: Table = EntryRow.__table__  # type: ignore[assignment]
_ALERTS: Table = AlertRow.__table__  # type: ignore[assignment]
_AUDIT: Table = AuditRow.__table__  # type: ignore[assignment]
_META: Table = SyncMetaRow.__table__  # type: ignore[assignment]

_ENTRY_COLUMNS = (EntryRow.encounter, EntryRow.patient, EntryRow.fate, EntryRow.in_list, EntryRow.ever_in_list,
                  EntryRow.first_seen, EntryRow.arrived_at, EntryRow.left_at, EntryRow.departure,
                  EntryRow.drop_confirmed, EntryRow.mass_departure)


def _entry_row(entry: Entry) -> dict[str, Any]:
    return {
        "encounter_ref": entry.ref,
        "patient_ref": entry.encounter.patient_ref,
        "fate": entry.fate.value,
        "in_list": entry.in_list,
        "ever_in_list": entry.ever_in_list,
        "first_seen": entry.first_seen,
        "arrived_at": entry.arrived_at,
        "left_at": entry.left_at,
        "departure": None if entry.departure is None else entry.departure.value,
        "drop_confirmed": entry.drop_confirmed,
        "mass_departure": entry.mass_departure,
        "encounter": encounter_to_dict(entry.encounter),
        "patient": None if entry.patient is None else patient_to_dict(entry.patient),
    }


def _entry_from_row(row: Any) -> Entry:
    (encounter, patient, fate, in_list, ever_in_list, first_seen, arrived_at, left_at, departure,
     drop_confirmed, mass_departure) = row
    return Entry(
        encounter=encounter_from_dict(encounter),
        patient=None if patient is None else patient_from_dict(patient),
        fate=Fate(fate),
        in_list=bool(in_list),
        ever_in_list=bool(ever_in_list),
        first_seen=first_seen,
        arrived_at=arrived_at,
        left_at=left_at,
        departure=None if departure is None else DepartureReason(departure),
        drop_confirmed=bool(drop_confirmed),
        mass_departure=bool(mass_departure),
    )


def _alert_row(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind.value,
        "severity": alert.severity.value,
        "key": alert.key,
        "encounter": alert.encounter,
        "raised_at": alert.raised_at,
        "detail": alert.detail,
        "status": alert.status.value,
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": alert.acknowledged_at,
        "ack_comment": alert.ack_comment,
        "resolved_by": alert.resolved_by,
        "resolved_at": alert.resolved_at,
        "resolution": alert.resolution,
        "related": list(alert.related),
    }


def _alert_from_row(row: AlertRow) -> Alert:
    return Alert(
        id=row.id,
        kind=AlertKind(row.kind),
        severity=Severity(row.severity),
        key=row.key,
        encounter=row.encounter,
        raised_at=row.raised_at,
        detail=row.detail,
        status=AlertStatus(row.status),
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        ack_comment=row.ack_comment,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
        related=tuple(row.related or ()),
    )


_GENERATION = "legevakt_generation"  # session.info: the write generation this transaction commits
_GENERATION_WRITTEN = "legevakt_generation_written"


def _generation_row(generation: int, now: datetime | None = None) -> dict[str, Any]:
    return {"key": META_WRITE_GENERATION, "value": generation, "updated_at": now or datetime.now(UTC)}


def _meta_json(key: str, value: object) -> object:
    if key == META_SUPPRESSED:
        assert isinstance(value, Mapping)
        return sorted([str(kind), k, str(severity)] for (kind, k), severity in value.items())
    if key == META_IN_LIST:
        assert isinstance(value, Iterable)
        return sorted(value)
    if key == META_LAST_COMPLETE:
        assert value is None or isinstance(value, datetime)
        return dt_to_str(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def _suppressed_from_json(value: object) -> dict[tuple[AlertKind, str], Severity]:
    out: dict[tuple[AlertKind, str], Severity] = {}
    for item in value if isinstance(value, list) else ():
        kind, key, severity = item
        out[(AlertKind(kind), key)] = Severity(severity)
    return out


# -- audit rows ----------------------------------------------------------------------------------------

def _event_audit(event: Event, actor: str) -> dict[str, Any]:
    return {"at": event.at, "actor": actor, "action": f"entry.{event.kind.value}", "target": event.encounter,
            "detail": event.detail}


def _alert_audit(old: tuple[str, str] | None, new: Alert, actor: str, now: datetime) -> list[dict[str, Any]]:
    """One audit row per transition from the stored form ``old`` (severity, status) to ``new``.

    The detail names the kind, severity and the alert's own detail (platform ids only); a person's
    free-text comment or reason stays on the alert row and never enters the audit log.
    """
    rows: list[dict[str, Any]] = []

    def add(action: AuditAction, at: datetime | None, who: str | None, detail: str) -> None:
        rows.append({"at": at or now, "actor": who or actor, "action": action.value, "target": new.id,
                     "detail": detail})

    what = f"{new.kind.value} {new.severity.value}"
    old_status = AlertStatus(old[1]) if old is not None else None
    if old is None or (old_status is AlertStatus.RESOLVED and new.status is not AlertStatus.RESOLVED):
        if old is not None:
            log.error("alert id %s reused for a new alert: the alert sequence went back", new.id)
        add(AuditAction.ALERT_RAISED, new.raised_at, actor, f"{what}: {new.detail}" if new.detail else what)
    elif old[0] == Severity.WARNING.value and new.severity is Severity.CRITICAL:
        add(AuditAction.ALERT_ESCALATED, now, actor, f"{new.kind.value} warning -> critical: {new.detail}")
    if new.status is AlertStatus.ACKNOWLEDGED and old_status is not AlertStatus.ACKNOWLEDGED:
        add(AuditAction.ALERT_ACKNOWLEDGED, new.acknowledged_at, new.acknowledged_by,
            f"{what}; comment recorded" if new.ack_comment else what)
    if new.status is AlertStatus.RESOLVED and old_status is not AlertStatus.RESOLVED:
        if new.resolved_by is None:
            add(AuditAction.ALERT_RESOLVED, new.resolved_at, SYSTEM, f"{what}: automatic: {new.resolution or ''}")
        else:
            add(AuditAction.ALERT_RESOLVED, new.resolved_at, new.resolved_by, f"{what}: by a person; reason recorded")
    return rows


__all__ = [
    "FILE_NAME",
    "Store",
    "StoreError",
    "StoreErrorKind",
    "alembic_config",
    "migrate",
    "open_store",
]
