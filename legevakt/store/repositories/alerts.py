"""Alerts: the rows, newest first, and saving a step's changed alerts (returning their audit rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select

from legevakt.store.engine import UnitOfWork
from legevakt.store.repositories.audit import alert_audit
from legevakt.store.tables import AlertRow
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Severity

_ALERTS: Table = AlertRow.__table__  # type: ignore[assignment]
_CHUNK = 500  # ids per IN (...) list


class AlertRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def all(self, status: str | None = None) -> list[Alert]:
        """Alerts, newest first; only those with ``status`` (an AlertStatus value) when given."""
        stmt = select(AlertRow).order_by(AlertRow.raised_at.desc(), func.length(AlertRow.id).desc(),
                                         AlertRow.id.desc())
        if status is not None:
            stmt = stmt.where(AlertRow.status == AlertStatus(status).value)
        return [alert_from_row(row) for row in self._uow.session.scalars(stmt)]

    def unresolved(self) -> list[Alert]:
        stmt = select(AlertRow).where(AlertRow.status != AlertStatus.RESOLVED.value)
        return [alert_from_row(a) for a in self._uow.session.scalars(stmt)]

    def get(self, alert_id: str) -> Alert | None:
        row = self._uow.session.get(AlertRow, alert_id)
        return None if row is None else alert_from_row(row)

    def highest_id(self) -> str | None:
        """The id with the highest sequence number (longest, then greatest), or None."""
        return self._uow.session.scalar(select(AlertRow.id).order_by(func.length(AlertRow.id).desc(),
                                                                     AlertRow.id.desc()).limit(1))

    def save(self, alerts: Sequence[Alert], actor: str, now: datetime) -> list[dict[str, Any]]:
        """Upsert ``alerts``; returns one audit row per transition from what was stored."""
        ids = [a.id for a in alerts]
        old: dict[str, tuple[str, str]] = {}
        for i in range(0, len(ids), _CHUNK):
            rows = self._uow.session.execute(select(AlertRow.id, AlertRow.severity, AlertRow.status)
                                             .where(AlertRow.id.in_(ids[i:i + _CHUNK])))
            old.update((r.id, (r.severity, r.status)) for r in rows)
        audit: list[dict[str, Any]] = []
        for alert in alerts:
            audit += alert_audit(old.get(alert.id), alert, actor, now)
        self._uow.upsert(_ALERTS, [alert_row(a) for a in alerts])
        return audit


def alert_row(alert: Alert) -> dict[str, Any]:
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


def alert_from_row(row: AlertRow) -> Alert:
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
