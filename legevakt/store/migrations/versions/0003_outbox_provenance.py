"""The outbox keeps each applied Encounter change's Provenance until the platform has it.

``in_flight``: the version an Encounter update was sent against and not yet answered (a crash there leaves
it set, so the restart can find the version the write made). ``provenance``: the R4 Provenance to record,
stored in the transaction that marks the write applied; ``provenance_state`` pending | recorded | local;
``provenance_ref`` the ``Provenance/<id>`` once the platform holds it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

# Frozen copies of the column types as they were at this revision (never import them from the models).
REF = 255
SHORT = 32


def _json(nullable: bool = False) -> sa.JSON:
    return sa.JSON(none_as_null=nullable).with_variant(postgresql.JSONB(none_as_null=nullable), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("in_flight", sa.String(SHORT), nullable=True))
        batch.add_column(sa.Column("provenance", _json(nullable=True), nullable=True))
        batch.add_column(sa.Column("provenance_state", sa.String(SHORT), nullable=True))
        batch.add_column(sa.Column("provenance_ref", sa.String(REF), nullable=True))
    op.create_index(op.f("ix_outbox_provenance_state"), "outbox", ["provenance_state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_provenance_state"), table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("provenance_ref")
        batch.drop_column("provenance_state")
        batch.drop_column("provenance")
        batch.drop_column("in_flight")
