"""Open alerts as a Qt list model: an incremental adapter keyed by alert id (what the banner renders).

Resolved alerts leave the model; raised, escalated and acknowledged ones are inserted or updated in
place. Rows keep the order in which the adapter first saw each alert; ``ordered()`` gives the banner's
order (critical first, then oldest first).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QCoreApplication, QModelIndex, QObject, QPersistentModelIndex, Qt

from legevakt.ui import style, texts
from legevakt.ui.roles import DECORATION, DISPLAY, TOOLTIP, USER
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Severity

translate = QCoreApplication.translate



class AlertRole(IntEnum):
    ALERT = USER + 1  # the Alert
    ID = USER + 2
    KIND = USER + 3  # AlertKind value
    SEVERITY = USER + 4  # Severity value
    STATUS = USER + 5  # AlertStatus value
    ENCOUNTER = USER + 6  # "Encounter/<id>" or None
    NEEDS_ACK = USER + 7  # bool: critical and not yet acknowledged


ALL_ROLES: tuple[int, ...] = (DISPLAY, DECORATION, TOOLTIP, *(int(r) for r in AlertRole))


def needs_acknowledgement(alert: Alert) -> bool:
    return alert.severity is Severity.CRITICAL and alert.status is AlertStatus.OPEN


# Within a group, what this product exists to prevent comes first: a patient lost from the queue, then
# information that did not reach its recipient, then writes not applied, then a list that may be stale.
_KIND_RANK: dict[AlertKind, int] = {kind: rank for rank, kind in enumerate((
    AlertKind.MASS_DEPARTURE, AlertKind.DROPPED_FROM_QUEUE, AlertKind.NOT_IN_QUEUE,
    AlertKind.NOTE_UNDELIVERED, AlertKind.NOTE_REJECTED, AlertKind.NOTE_RECEIPT_ERRORS, AlertKind.WRITE_NOT_APPLIED,
    AlertKind.WRITE_CONFLICT,
    AlertKind.SYNC_STALE, AlertKind.TRIAGE_OVERDUE, AlertKind.NOT_TRIAGED, AlertKind.DUPLICATE_PATIENT,
    AlertKind.STALE_ENTRY,
))}


def banner_order(alert: Alert) -> tuple[int, int, float, str]:
    """Unacknowledged critical first, then acknowledged critical, then warnings; within each, lost
    patients before everything else, then oldest first."""
    if needs_acknowledgement(alert):
        group = 0
    elif alert.severity is Severity.CRITICAL:
        group = 1
    else:
        group = 2
    return (group, _KIND_RANK.get(alert.kind, len(_KIND_RANK)), alert.raised_at.timestamp(), alert.id)


class AlertListModel(QAbstractListModel):
    """The open (unresolved) alerts."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._alerts: dict[str, Alert] = {}

    # -- reading ------------------------------------------------------------------------------
    def alerts(self) -> tuple[Alert, ...]:
        return tuple(self._alerts[i] for i in self._ids)

    def alert(self, alert_id: str) -> Alert | None:
        return self._alerts.get(alert_id)

    def ordered(self) -> list[Alert]:
        return sorted(self._alerts.values(), key=banner_order)

    def first_needing_acknowledgement(self) -> Alert | None:
        for alert in self.ordered():
            if needs_acknowledgement(alert):
                return alert
        return None

    # -- Qt model interface -------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> Any:
        if not index.isValid() or index.parent().isValid() or index.column() != 0:
            return None
        if not 0 <= index.row() < len(self._ids):
            return None
        alert = self._alerts[self._ids[index.row()]]
        role = int(role)
        if role == DISPLAY:
            where = f" – {alert.encounter}" if alert.encounter else ""
            return f"{texts.alert_short(alert.kind)}{where}"
        if role == DECORATION:
            return style.alert_icon(alert.severity is Severity.CRITICAL)
        if role == TOOLTIP:
            if alert.status is AlertStatus.ACKNOWLEDGED:
                return translate("AlertListModel", "Acknowledged by {who}").format(who=alert.acknowledged_by or "?")
            return translate("AlertListModel", "Not acknowledged")
        if role == AlertRole.ALERT:
            return alert
        if role == AlertRole.ID:
            return alert.id
        if role == AlertRole.KIND:
            return alert.kind.value
        if role == AlertRole.SEVERITY:
            return alert.severity.value
        if role == AlertRole.STATUS:
            return alert.status.value
        if role == AlertRole.ENCOUNTER:
            return alert.encounter
        if role == AlertRole.NEEDS_ACK:
            return needs_acknowledgement(alert)
        return None

    # -- updating -----------------------------------------------------------------------------
    def apply(self, alerts: Iterable[Alert], *, initial: bool = False) -> bool:
        """Fold alert changes in (latest form of each). With ``initial``, alerts not named are dropped.

        Returns whether anything changed.
        """
        latest = {a.id: a for a in alerts}
        gone = {aid for aid, a in latest.items() if a.status is AlertStatus.RESOLVED}
        if initial:
            gone |= {aid for aid in self._ids if aid not in latest}
        changed = self._remove(gone)
        updated: list[int] = []
        new: list[Alert] = []
        for aid, alert in latest.items():
            if aid in gone:
                continue
            row = self._row.get(aid)
            if row is None:
                new.append(alert)
            elif self._alerts[aid] != alert:
                self._alerts[aid] = alert
                updated.append(row)
        if new:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for i, alert in enumerate(new):
                self._ids.append(alert.id)
                self._row[alert.id] = first + i
                self._alerts[alert.id] = alert
            self.endInsertRows()
        for row in sorted(updated):
            idx = self.index(row, 0)
            self.dataChanged.emit(idx, idx, list(ALL_ROLES))
        return changed or bool(new) or bool(updated)

    def _remove(self, ids: Iterable[str]) -> bool:
        rows = sorted((self._row[i] for i in ids if i in self._row), reverse=True)
        for row in rows:
            self.beginRemoveRows(QModelIndex(), row, row)
            aid = self._ids.pop(row)
            del self._alerts[aid]
            del self._row[aid]
            for i in range(row, len(self._ids)):
                self._row[self._ids[i]] = i
            self.endRemoveRows()
        return bool(rows)
