"""The unit of work (legevakt.store.engine): one transaction, the data directory's lock, the write generation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock, Timeout
from sqlalchemy.engine import URL

from legevakt.store.engine import FILE_NAME, LOCK_NAME, Database, prepare_data_dir
from legevakt.store.repositories.audit import AuditRepository
from legevakt.store.repositories.queue import QueueRepository


@pytest.fixture
def database(data_dir: Path) -> Iterator[Database]:
    path = prepare_data_dir(data_dir)
    db = Database(URL.create("sqlite", database=str(path)), lock_path=data_dir / LOCK_NAME, lock_timeout_s=0.05)
    yield db
    db.close()


def generation(db: Database) -> object:
    with db.reading() as uow:
        return QueueRepository(uow).meta("write_generation")


def audit_count(db: Database) -> int:
    with db.reading() as uow:
        return len(AuditRepository(uow).recent(1000))


def test_prepare_data_dir_makes_the_database_file(data_dir: Path) -> None:
    assert prepare_data_dir(data_dir) == data_dir / FILE_NAME
    assert (data_dir / FILE_NAME).is_file()


def test_each_committed_transaction_bumps_the_write_generation_by_one(database: Database) -> None:
    assert generation(database) is None  # a fresh directory: nobody wrote yet
    for _ in range(3):
        with database.transaction() as uow:
            AuditRepository(uow).append("system", "journal.opened", "Encounter/e1")
    assert generation(database) == 3
    assert audit_count(database) == 3


def test_a_failed_transaction_writes_nothing_and_runs_no_commit_hook(database: Database) -> None:
    with database.transaction() as uow:
        AuditRepository(uow).append("system", "journal.opened", "Encounter/e1")
    ran: list[str] = []
    with pytest.raises(RuntimeError, match="half-way"), database.transaction() as uow:
        AuditRepository(uow).append("system", "journal.opened", "Encounter/e2")
        uow.after_commit(lambda: ran.append("hook"))
        raise RuntimeError("half-way")
    assert (generation(database), audit_count(database), ran) == (1, 1, [])
    with database.transaction() as uow:
        uow.after_commit(lambda: ran.append("hook"))
    assert (generation(database), ran) == (2, ["hook"])


def test_a_write_transaction_holds_the_data_directorys_lock(database: Database, data_dir: Path) -> None:
    other = FileLock(data_dir / LOCK_NAME, timeout=0)  # another open of the lock file, as another process has
    with database.transaction(), pytest.raises(Timeout):
        other.acquire()
    other.acquire()  # released at commit
    other.release()


def test_a_foreign_write_makes_the_caches_forget(database: Database, data_dir: Path) -> None:
    forgotten: list[int] = []
    database.on_foreign_write(lambda: forgotten.append(1))
    with database.transaction():
        pass  # this process's first write: it knew no generation yet
    assert len(forgotten) == 1
    with database.transaction():
        pass  # nobody else wrote in between
    assert len(forgotten) == 1
    other = Database(database.url)  # a second writer on the same file (as another process would be)
    try:
        with other.transaction():
            pass
    finally:
        other.close()
    with database.transaction():
        pass
    assert len(forgotten) == 2
