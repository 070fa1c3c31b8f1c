"""The journal: notes, deliveries (the ledger) and link events (uptime).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

# Frozen copies of the column types as they were at this revision (never import them from the models).
UTC_DT = sa.DateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
REF = 255
SHORT = 32


def _json(nullable: bool = False) -> sa.JSON:
    return sa.JSON(none_as_null=nullable).with_variant(postgresql.JSONB(none_as_null=nullable), "postgresql")


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("identifier", sa.String(64), nullable=False),
        sa.Column("ref", sa.String(REF), nullable=True),
        sa.Column("encounter", sa.String(REF), nullable=False),
        sa.Column("patient", sa.String(REF), nullable=False),
        sa.Column("author", sa.String(REF), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("status", sa.String(SHORT), nullable=False),
        sa.Column("authenticator", sa.String(REF), nullable=True),
        sa.Column("replaces", sa.String(REF), nullable=True),
        sa.Column("date", UTC_DT, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("identifier", name=op.f("pk_notes")),
        sa.UniqueConstraint("ref", name=op.f("uq_notes_ref")),
    )
    op.create_index(op.f("ix_notes_encounter"), "notes", ["encounter"])
    op.create_index(op.f("ix_notes_date"), "notes", ["date"])
    op.create_table(
        "deliveries",
        sa.Column("identifier", sa.String(64), nullable=False),
        sa.Column("note", sa.String(REF), nullable=False),
        sa.Column("encounter", sa.String(REF), nullable=True),
        sa.Column("patient", sa.String(REF), nullable=False),
        sa.Column("recipient", sa.String(REF), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("state", sa.String(SHORT), nullable=False),
        sa.Column("communication", sa.String(REF), nullable=True),
        sa.Column("sent_at", UTC_DT, nullable=True),
        sa.Column("deadline", UTC_DT, nullable=True),
        sa.Column("transported_at", UTC_DT, nullable=True),
        sa.Column("receipt", _json(nullable=True), nullable=True),
        sa.Column("was_overdue", sa.Boolean(), nullable=False),
        sa.Column("resend_of", sa.String(REF), nullable=True),
        sa.Column("resent_as", sa.String(REF), nullable=True),
        sa.Column("sender", sa.String(REF), nullable=True),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("updated_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("identifier", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("communication", name=op.f("uq_deliveries_communication")),
    )
    for col in ("note", "encounter", "state", "sent_at", "created_at"):
        op.create_index(op.f(f"ix_deliveries_{col}"), "deliveries", [col])
    op.create_table(
        "link_events",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("at", UTC_DT, nullable=False),
        sa.Column("up", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_events")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_link_events_at"), "link_events", ["at"])


def downgrade() -> None:
    op.drop_table("link_events")
    op.drop_table("deliveries")
    op.drop_table("notes")
