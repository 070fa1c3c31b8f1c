"""Finding a damaged row: which table and which row of the local database does not decode.

A row edited behind the program's back (by hand with ``sqlite3``, a broken disk, a tool gone wrong) makes
its decoding fail with whatever the decoder raises (a ``JSONDecodeError``, a ``ValueError`` for an unknown
code, a ``CodecError``...). ``Database.reading`` turns that into ``StoreError(CORRUPT)`` whose message names
the table and the row's key (a platform id, an alert id, an outbox number: never the row's content, which
may hold patient data) so an administrator can find it. Only that failure path pays for the search here:
every row of every decoded table is read again, one at a time, in a fresh session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from legevakt.store.errors import DECODE_ERRORS
from legevakt.store.repositories.alerts import alert_from_row
from legevakt.store.repositories.ledger import delivery_from_row, note_from_row
from legevakt.store.repositories.outbox import command_from_row
from legevakt.store.repositories.queue import _ENTRY_COLUMNS, entry_from_row
from legevakt.store.tables import AlertRow, DeliveryRow, EntryRow, NoteRow, OutboxRow, SyncMetaRow


def damaged_row(engine: Engine) -> tuple[str, str] | None:
    """``(table, key)`` of the first row that does not decode, or None when every row does."""
    with Session(engine) as session:
        checks: list[tuple[str, Any, Callable[[Any], object]]] = [
            ("entries", EntryRow.encounter_ref, lambda k: entry_from_row(
                session.execute(select(*_ENTRY_COLUMNS).where(EntryRow.encounter_ref == k)).one())),
            ("alerts", AlertRow.id, lambda k: alert_from_row(
                session.scalars(select(AlertRow).where(AlertRow.id == k)).one())),
            ("sync_meta", SyncMetaRow.key, lambda k: session.execute(
                select(SyncMetaRow.value, SyncMetaRow.updated_at).where(SyncMetaRow.key == k)).one()),
            ("outbox", OutboxRow.id, lambda k: command_from_row(
                session.scalars(select(OutboxRow).where(OutboxRow.id == k)).one())),
            ("notes", NoteRow.identifier, lambda k: note_from_row(
                session.scalars(select(NoteRow).where(NoteRow.identifier == k)).one())),
            ("deliveries", DeliveryRow.identifier, lambda k: delivery_from_row(
                session.scalars(select(DeliveryRow).where(DeliveryRow.identifier == k)).one())),
        ]
        for table, key_column, load in checks:
            for key in list(session.scalars(select(key_column))):
                try:
                    load(key)
                except DECODE_ERRORS:
                    return table, str(key)
                finally:
                    session.expunge_all()
    return None

