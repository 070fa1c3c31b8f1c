"""The audit log (append-only): records, and the rows a reconcile step's events and alert transitions
add. Details carry codes and platform ids only, never a person's free text or patient data."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select

from legevakt.store.audit import SYSTEM, AuditAction, AuditRecord
from legevakt.store.engine import UnitOfWork
from legevakt.store.tables import AuditRow
from legevakt.worklist.models import Alert, AlertStatus, Severity
from legevakt.worklist.reconcile import Event

log = logging.getLogger("legevakt.store")

_AUDIT: Table = AuditRow.__table__  # type: ignore[assignment]


class AuditRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def append(self, actor: str, action: str, target: str, detail: str = "", at: datetime | None = None) -> None:
        if not actor or not action or not target:
            raise ValueError("an audit record needs an actor, an action and a target")
        self.add_rows([{"at": at or datetime.now(UTC), "actor": actor, "action": str(action), "target": target,
                        "detail": detail}])

    def add_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._uow.connection.execute(_AUDIT.insert(), list(rows))

    def recent(self, limit: int = 100, target: str | None = None) -> list[AuditRecord]:
        stmt = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if target is not None:
            stmt = stmt.where(AuditRow.target == target)
        return [AuditRecord(id=r.id, at=r.at, actor=r.actor, action=r.action, target=r.target, detail=r.detail)
                for r in self._uow.session.scalars(stmt)]


def event_audit(event: Event, actor: str) -> dict[str, Any]:
    return {"at": event.at, "actor": actor, "action": f"entry.{event.kind.value}", "target": event.encounter,
            "detail": event.detail}


def alert_audit(old: tuple[str, str] | None, new: Alert, actor: str, now: datetime) -> list[dict[str, Any]]:
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
