"""Local store: the last known queue, alerts, audit log, sync cursors and outbox (SQLAlchemy 2, Alembic)."""

from legevakt.store.audit import SYSTEM, AuditAction, AuditRecord
from legevakt.store.db import FILE_NAME, Store, open_store
from legevakt.store.errors import AppendOnlyError, StoreError, StoreErrorKind
from legevakt.store.writer import DbWriter, WriterClosed

__all__ = [
    "FILE_NAME",
    "SYSTEM",
    "AppendOnlyError",
    "AuditAction",
    "AuditRecord",
    "DbWriter",
    "Store",
    "StoreError",
    "StoreErrorKind",
    "WriterClosed",
    "open_store",
]
