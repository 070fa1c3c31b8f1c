"""The store's engine and unit of work: one SQLAlchemy engine, its pragmas, Alembic, the data directory's
write lock and the transactions every repository works inside.

SQLite (the default) runs in WAL mode with ``synchronous=FULL``; we issue ``BEGIN`` ourselves so reads
are consistent, DDL is transactional, and writes take the lock up front (``BEGIN IMMEDIATE``) instead of
failing half-way on a lock upgrade. The schema is created and upgraded by Alembic at open.

One writer per data directory: every write transaction (``Database.transaction``) holds an OS file lock
beside the database, so a second process waits its turn (or gets ``StoreError(BUSY_ELSEWHERE)``), and
bumps ``write_generation`` in ``sync_meta`` so each process can tell when another one wrote.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, Table, create_engine, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.expression import Executable

from legevakt.store.errors import DECODE_ERRORS, StoreError, StoreErrorKind, classify, damaged_message
from legevakt.store.tables import SyncMetaRow

log = logging.getLogger("legevakt.store")

FILE_NAME = "legevakt.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_NAME = "legevakt.lock"  # the data directory's one-writer lock (an OS file lock, beside the database)
BUSY_TIMEOUT_MS = 5000
LOCK_TIMEOUT_S = 10.0  # how long a write waits for another process's write before STORE_BUSY_ELSEWHERE
META_WRITE_GENERATION = "write_generation"  # bumped by every write transaction, from any process

_META: Table = SyncMetaRow.__table__  # type: ignore[assignment]
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def raise_store_error(exc: BaseException) -> NoReturn:
    """Re-raise an environment failure as StoreError (plain words); anything else is a bug and stays."""
    kind = classify(exc)
    if kind is None:
        raise exc
    log.warning("store error: %s (%s)", kind.value, type(exc).__name__)
    raise StoreError(kind) from exc


def prepare_data_dir(data_dir: Path) -> Path:
    """Create the data directory and the database file, readable by the user alone. Returns the file."""
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
        raise_store_error(exc)
    return path


class UnitOfWork:
    """One transaction: the session repositories work in, and (when writing) the generation it commits.

    Repositories take one of these; they never open transactions themselves.
    """

    def __init__(self, session: Session, database: Database, generation: int | None) -> None:
        self.session = session
        self.database = database
        self.generation = generation  # the write generation this transaction commits (None: a read)
        self.generation_written = False
        self._after_commit: list[Callable[[], None]] = []

    @property
    def connection(self) -> Connection:
        return self.session.connection()

    def upsert(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert or replace rows by primary key, in one executemany."""
        if rows:
            self.connection.execute(self.database.upsert_stmt(table), list(rows))

    def take_generation_row(self, now: datetime) -> dict[str, Any] | None:
        """The sync_meta row bumping the write generation, for a caller writing sync_meta anyway (once)."""
        if self.generation is None or self.generation_written:
            return None
        self.generation_written = True
        return generation_row(self.generation, now)

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once the transaction committed (under the database's state lock)."""
        self._after_commit.append(hook)


class Database:
    """The engine (a write and a read flavour), the data directory's file lock and the transactions."""

    def __init__(self, url: str | URL, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, lock_path: Path | None = None,
                 lock_timeout_s: float = LOCK_TIMEOUT_S, read_only: bool = False) -> None:
        self.url = make_url(url)
        self.read_only = read_only  # opened for reading only (a read-only medium): no migration, writes refused
        # Which row does not decode (table, key), set by the facade (the engine knows no repository).
        self.locate_damage: Callable[[Engine], tuple[str, str] | None] | None = None
        self.dialect = self.url.get_backend_name()
        self._file_lock = None if lock_path is None else FileLock(lock_path, timeout=lock_timeout_s)
        # Guards the generation bookkeeping and the caches that depend on it (re-entrant: commit hooks take it).
        self.state_lock = threading.RLock()
        self._known_generation: int | None = None  # the write generation this process's caches reflect
        self._on_foreign_write: list[Callable[[], None]] = []
        self._upserts: dict[str, Executable] = {}
        self._closed = False
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
        self.engine = engine
        try:
            if read_only:
                check_schema(self._read_engine)
            else:
                migrate(self._write_engine)
        except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
            engine.dispose()
            raise_store_error(exc)
        except BaseException:
            engine.dispose()
            raise

    # -- transactions ---------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """A write transaction: takes the file lock, bumps the write generation, commits on exit."""
        self.check_open()
        if self.read_only:
            raise StoreError(StoreErrorKind.READ_ONLY)
        with self._process_lock():
            try:
                with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
                    uow = UnitOfWork(session, self, self._begin_generation(session))
                    yield uow
                    row = uow.take_generation_row(datetime.now(UTC))
                    if row is not None:
                        uow.upsert(_META, [row])
            except (SQLAlchemyError, sqlite3.Error) as exc:
                raise_store_error(exc)
            with self.state_lock:
                self._known_generation = uow.generation
                for hook in uow._after_commit:
                    hook()

    @contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """A read transaction (a consistent snapshot); no lock, no generation."""
        self.check_open()
        try:
            with Session(self._read_engine) as session, session.begin():
                yield UnitOfWork(session, self, None)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            raise_store_error(exc)
        except DECODE_ERRORS as exc:  # a row does not decode: edited behind our back (issue 11)
            where = self.locate_damage(self._read_engine) if self.locate_damage is not None else None
            log.error("damaged row in the local database: %s in %s", type(exc).__name__,
                      f"{where[0]} {where[1]}" if where else "an unknown row")
            raise StoreError(StoreErrorKind.CORRUPT, damaged_message(where)) from None

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
            raise_store_error(exc)
        try:
            yield
        finally:
            self._file_lock.release()

    def _begin_generation(self, session: Session) -> int:
        """Read the write generation inside the write transaction; tell the caches to forget what they
        hold when someone else (another process) wrote since this process last did. Returns the next one."""
        found = session.scalar(select(SyncMetaRow.value).where(SyncMetaRow.key == META_WRITE_GENERATION))
        current = int(found or 0)
        with self.state_lock:
            if self._known_generation != current:
                for forget in self._on_foreign_write:
                    forget()
        return current + 1

    def written_elsewhere(self) -> bool:
        """Whether another process wrote since this one last wrote or read the state (one small read)."""
        with self.reading() as uow:
            found = uow.session.scalar(select(SyncMetaRow.value).where(SyncMetaRow.key == META_WRITE_GENERATION))
        with self.state_lock:
            return self._known_generation is not None and self._known_generation != int(found or 0)

    def on_foreign_write(self, forget: Callable[[], None]) -> None:
        """Call ``forget`` (under ``state_lock``) when a write finds another process wrote in between."""
        self._on_foreign_write.append(forget)

    def observed_generation(self, generation: int) -> None:
        """A read saw ``generation`` and seeded the caches from it (call under ``state_lock``)."""
        with self.state_lock:
            self._known_generation = generation

    def upsert_stmt(self, table: Table) -> Executable:
        stmt = self._upserts.get(table.name)
        if stmt is None:
            ins = sqlite_insert(table) if self.dialect == "sqlite" else pg_insert(table)
            stmt = ins.on_conflict_do_update(
                index_elements=list(table.primary_key.columns),
                set_={c.name: ins.excluded[c.name] for c in table.columns if not c.primary_key},
            )
            self._upserts[table.name] = stmt
        return stmt

    def check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the store is closed")

    def close(self) -> bool:
        """Release every connection. Idempotent: True the first time."""
        if self._closed:
            return False
        self._closed = True
        self.engine.dispose()
        return True


def generation_row(generation: int, now: datetime | None = None) -> dict[str, Any]:
    return {"key": META_WRITE_GENERATION, "value": generation, "updated_at": now or datetime.now(UTC)}


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


def check_schema(engine: Engine) -> None:
    """For a read-only open: the schema must be this program's newest (it cannot be upgraded in place)."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current != heads:
        raise StoreError(StoreErrorKind.READ_ONLY, "The local database is read-only and from another version of "
                                                   "this program: it cannot be upgraded, nor read here.")


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
