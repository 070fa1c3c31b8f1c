"""The store's tables as typed SQLAlchemy 2 ORM models (portable: SQLite by default, PostgreSQL too).

The schema itself is created and upgraded by the Alembic migrations in ``legevakt/store/migrations``;
these models must match them (a test compares the two). Datetimes are stored in UTC and read back
timezone-aware; JSON columns hold the codec's dicts (``legevakt.store.codec``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, ORMExecuteState, Session, mapped_column

from legevakt.store.errors import AppendOnlyError

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

REF = 255  # platform references ("Encounter/<id>"): FHIR ids are at most 64 characters
SHORT = 32


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC (``timestamptz`` on PostgreSQL, UTC text on SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: the store takes timezone-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_type(*, nullable: bool = False) -> JSON:
    """JSON on SQLite, JSONB on PostgreSQL; SQL NULL (not JSON null) for None where nullable."""
    return JSON(none_as_null=nullable).with_variant(JSONB(none_as_null=nullable), "postgresql")


#: An autoincrementing id: BIGINT on PostgreSQL, the rowid alias INTEGER on SQLite.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class EntryRow(Base):
    """One encounter the worklist knows: its fate, and the last known Encounter and Patient."""

    __tablename__ = "entries"

    encounter_ref: Mapped[str] = mapped_column(String(REF), primary_key=True)
    patient_ref: Mapped[str | None] = mapped_column(String(REF), index=True)
    fate: Mapped[str] = mapped_column(String(SHORT), index=True)
    in_list: Mapped[bool] = mapped_column(Boolean)
    ever_in_list: Mapped[bool] = mapped_column(Boolean)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    departure: Mapped[str | None] = mapped_column(String(SHORT))
    drop_confirmed: Mapped[bool] = mapped_column(Boolean)
    mass_departure: Mapped[bool] = mapped_column(Boolean)
    encounter: Mapped[dict[str, Any]] = mapped_column(json_type())
    patient: Mapped[dict[str, Any] | None] = mapped_column(json_type(nullable=True))


class AlertRow(Base):
    """Every alert ever raised, in its latest form (raised -> acknowledged -> resolved)."""

    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(SHORT), primary_key=True)
    kind: Mapped[str] = mapped_column(String(SHORT), index=True)
    severity: Mapped[str] = mapped_column(String(SHORT))
    key: Mapped[str] = mapped_column(String(REF))
    encounter: Mapped[str | None] = mapped_column(String(REF), index=True)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    detail: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(SHORT), index=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(REF))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ack_comment: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(REF))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    related: Mapped[list[str]] = mapped_column(json_type())


class AuditRow(Base):
    """Append-only: who did what to which target, when. Never patient names or identifiers."""

    __tablename__ = "audit_log"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(REF))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(REF), index=True)
    detail: Mapped[str] = mapped_column(Text)


class SyncMetaRow(Base):
    """Sync cursors and the state reconcile compares against, by key (JSON values)."""

    __tablename__ = "sync_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(json_type(nullable=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxRow(Base):
    """Local commands waiting for the platform, replayed in ``id`` order until confirmed."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_id", "state", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    command_id: Mapped[str] = mapped_column(String(64), unique=True)  # client-made UUID
    encounter: Mapped[str | None] = mapped_column(String(REF), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(REF))
    state: Mapped[str] = mapped_column(String(SHORT), default="pending")  # pending/applied/conflict/refused
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: An Encounter update sent against this version and not yet answered (a crash there leaves it set).
    in_flight: Mapped[str | None] = mapped_column(String(SHORT))
    #: The R4 Provenance of the applied change, stored with the ``applied`` mark; sent until the platform has it.
    provenance: Mapped[dict[str, Any] | None] = mapped_column(json_type(nullable=True))
    provenance_state: Mapped[str | None] = mapped_column(String(SHORT), index=True)  # pending/recorded/local
    provenance_ref: Mapped[str | None] = mapped_column(String(REF))  # "Provenance/<id>"


class NoteRow(Base):
    """A journal note (``DocumentReference``) as written here: saved or signed; ``ref`` once on the platform."""

    __tablename__ = "notes"

    identifier: Mapped[str] = mapped_column(String(64), primary_key=True)  # client-made (the create's command id)
    ref: Mapped[str | None] = mapped_column(String(REF), unique=True)  # "DocumentReference/<id>"
    encounter: Mapped[str] = mapped_column(String(REF), index=True)
    patient: Mapped[str] = mapped_column(String(REF))
    author: Mapped[str] = mapped_column(String(REF))
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(SHORT))  # preliminary | final
    authenticator: Mapped[str | None] = mapped_column(String(REF))
    replaces: Mapped[str | None] = mapped_column(String(REF))
    date: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    text: Mapped[str] = mapped_column(Text)  # patient data: never logged
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeliveryRow(Base):
    """One delivery of a note to one recipient (one ``Communication``), in its latest state."""

    __tablename__ = "deliveries"

    identifier: Mapped[str] = mapped_column(String(64), primary_key=True)  # client-made (the create's command id)
    note: Mapped[str] = mapped_column(String(REF), index=True)  # "DocumentReference/<id>"
    encounter: Mapped[str | None] = mapped_column(String(REF), index=True)
    patient: Mapped[str] = mapped_column(String(REF))
    recipient: Mapped[str] = mapped_column(String(REF))
    kind: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(SHORT), index=True)
    communication: Mapped[str | None] = mapped_column(String(REF), unique=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)
    transported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(json_type(nullable=True))
    was_overdue: Mapped[bool] = mapped_column(Boolean)
    resend_of: Mapped[str | None] = mapped_column(String(REF))
    resent_as: Mapped[str | None] = mapped_column(String(REF))
    sender: Mapped[str | None] = mapped_column(String(REF))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LinkEventRow(Base):
    """The link to the platform going up or down (a sync cycle that reached it, or not): for uptime."""

    __tablename__ = "link_events"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    up: Mapped[bool] = mapped_column(Boolean)


# -- the audit log is append-only: refuse it in the ORM (the database refuses it too, by trigger) --

def _refuse_change(mapper: Mapper[Any], connection: object, target: AuditRow) -> None:
    raise AppendOnlyError("the audit log is append-only: rows cannot be changed or deleted")


event.listen(AuditRow, "before_update", _refuse_change)
event.listen(AuditRow, "before_delete", _refuse_change)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ is AuditRow for m in state.all_mappers):
        raise AppendOnlyError("the audit log is append-only: rows cannot be changed or deleted")
