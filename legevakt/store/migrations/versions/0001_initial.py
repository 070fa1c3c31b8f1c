"""Initial schema: entries, alerts, audit_log (append-only), sync_meta, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-05-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

# Frozen copies of the column types as they were at this revision (never import them from the models).
UTC_DT = sa.DateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json(nullable: bool = False) -> sa.JSON:
    return sa.JSON(none_as_null=nullable).with_variant(postgresql.JSONB(none_as_null=nullable), "postgresql")


_SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)
_PG_APPEND_ONLY = (
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "entries",
        sa.Column("encounter_ref", sa.String(255), nullable=False),
        sa.Column("patient_ref", sa.String(255), nullable=True),
        sa.Column("fate", sa.String(32), nullable=False),
        sa.Column("in_list", sa.Boolean(), nullable=False),
        sa.Column("ever_in_list", sa.Boolean(), nullable=False),
        sa.Column("first_seen", UTC_DT, nullable=False),
        sa.Column("arrived_at", UTC_DT, nullable=False),
        sa.Column("left_at", UTC_DT, nullable=True),
        sa.Column("departure", sa.String(32), nullable=True),
        sa.Column("drop_confirmed", sa.Boolean(), nullable=False),
        sa.Column("mass_departure", sa.Boolean(), nullable=False),
        sa.Column("encounter", _json(), nullable=False),
        sa.Column("patient", _json(nullable=True), nullable=True),
        sa.PrimaryKeyConstraint("encounter_ref", name="pk_entries"),
    )
    op.create_index("ix_entries_fate", "entries", ["fate"])
    op.create_index("ix_entries_patient_ref", "entries", ["patient_ref"])

    op.create_table(
        "alerts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(32), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("encounter", sa.String(255), nullable=True),
        sa.Column("raised_at", UTC_DT, nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("acknowledged_by", sa.String(255), nullable=True),
        sa.Column("acknowledged_at", UTC_DT, nullable=True),
        sa.Column("ack_comment", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(255), nullable=True),
        sa.Column("resolved_at", UTC_DT, nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("related", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
    )
    op.create_index("ix_alerts_kind", "alerts", ["kind"])
    op.create_index("ix_alerts_status", "alerts", ["status"])
    op.create_index("ix_alerts_encounter", "alerts", ["encounter"])
    op.create_index("ix_alerts_raised_at", "alerts", ["raised_at"])

    op.create_table(
        "audit_log",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("at", UTC_DT, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_target", "audit_log", ["target"])

    op.create_table(
        "sync_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", _json(nullable=True), nullable=True),
        sa.Column("updated_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_sync_meta"),
    )

    op.create_table(
        "outbox",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("command_id", sa.String(64), nullable=False),
        sa.Column("encounter", sa.String(255), nullable=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", UTC_DT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("command_id", name="uq_outbox_command_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_encounter", "outbox", ["encounter"])
    op.create_index("ix_outbox_state_id", "outbox", ["state", "id"])

    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_APPEND_ONLY if dialect == "sqlite" else _PG_APPEND_ONLY if dialect == "postgresql" else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for table in ("outbox", "sync_meta", "audit_log", "alerts", "entries"):
        op.drop_table(table)
