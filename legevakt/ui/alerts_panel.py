"""Every alert of the shift, with its history: Alerts > All alerts… (Ctrl+Shift+A).

``ShiftAlertsModel`` is an incremental table keyed by alert id: a summary's alerts (``ChangeSummary.alerts``,
latest form) become ``beginInsertRows`` or a row's ``dataChanged``; resolved alerts stay (they are the
shift's history) until they were resolved before the current shift began. ``AlertsFilterProxy`` orders by
severity (critical first), then status (not acknowledged, acknowledged, resolved), then oldest first, and
filters by status. ``AlertsPanel`` is the window: acknowledging and resolving reuse the banner's dialogs and
rules (a comment is required for a critical alert, a reason for resolving) and its call to the service.

Summaries carry the open alerts and what changed since the start; opening the panel also reads the shift's
alerts from the store (``load``, the service's ``load_alerts``), so alerts resolved before a restart are
listed too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import IntEnum
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from legevakt.ui import keyboard, style, texts
from legevakt.ui.actions import gate_widget
from legevakt.ui.alert_banner import PERSON_RESOLVABLE, CommentDialog
from legevakt.ui.delegates import QueueDelegate
from legevakt.ui.problem_texts import field_word
from legevakt.ui.roles import BACKGROUND, DECORATION, DISPLAY, FOREGROUND, TOOLTIP, USER
from legevakt.ui.texts import QT_TRANSLATE_NOOP
from legevakt.worklist.models import Alert, AlertStatus, Entry, Severity
from legevakt.worklist.roles import Permission
from legevakt.worklist.shared_alerts import not_sent, reasons_text
from legevakt.worklist.write_outcomes import cleared_by_change

translate = QCoreApplication.translate



class AlertsColumn(IntEnum):
    SEVERITY = 0
    STATUS = 1
    KIND = 2
    PATIENT = 3
    RAISED = 4
    ACKNOWLEDGED = 5  # by whom, when
    COMMENT = 6
    RESOLVED = 7  # by whom (or automatically), when
    REASON = 8


class AlertsRole(IntEnum):
    ALERT = USER + 1
    ID = USER + 2
    STATUS = USER + 3  # AlertStatus value
    SORT_KEY = USER + 4


ROW_ROLES: tuple[int, ...] = (DISPLAY, TOOLTIP, DECORATION, BACKGROUND, FOREGROUND, *(int(r) for r in AlertsRole))
PATIENT_ROLES: tuple[int, ...] = (DISPLAY, TOOLTIP)

_HEADERS = (
    QT_TRANSLATE_NOOP("AlertsPanel", "Severity"), QT_TRANSLATE_NOOP("AlertsPanel", "Status"),
    QT_TRANSLATE_NOOP("AlertsPanel", "Kind"), QT_TRANSLATE_NOOP("AlertsPanel", "Patient"),
    QT_TRANSLATE_NOOP("AlertsPanel", "Raised"), QT_TRANSLATE_NOOP("AlertsPanel", "Acknowledged"),
    QT_TRANSLATE_NOOP("AlertsPanel", "Comment"), QT_TRANSLATE_NOOP("AlertsPanel", "Resolved"),
    QT_TRANSLATE_NOOP("AlertsPanel", "Reason"),
)

_STATUS_RANK = {AlertStatus.OPEN: 0, AlertStatus.ACKNOWLEDGED: 1, AlertStatus.RESOLVED: 2}


def panel_order(alert: Alert) -> tuple[int, int, float, str]:
    """Critical first, then not acknowledged, acknowledged, resolved; within each, oldest first."""
    return (0 if alert.severity is Severity.CRITICAL else 1, _STATUS_RANK[alert.status],
            alert.raised_at.timestamp(), alert.id)


def note_reason(alert: Alert) -> str:
    """Why a note alert was raised, from the alert itself: a rejection's 8221 reasons (code and the code
    list's Norwegian text), or that the platform refused to send the note; ``""`` otherwise."""
    if not_sent(alert):
        return translate("AlertsPanel", "not sent: the platform refused it")
    return reasons_text(alert)


def severity_label(severity: Severity) -> str:
    return (translate("AlertsPanel", "Critical") if severity is Severity.CRITICAL
            else translate("AlertsPanel", "Warning"))


def status_label(status: AlertStatus) -> str:
    return {AlertStatus.OPEN: translate("AlertsPanel", "Not acknowledged"),
            AlertStatus.ACKNOWLEDGED: translate("AlertsPanel", "Acknowledged"),
            AlertStatus.RESOLVED: translate("AlertsPanel", "Resolved")}[status]


def _who_when(who: str | None, when: datetime | None) -> str:
    if when is None:
        return ""
    return f"{who} {texts.clock_text(when)}" if who else texts.clock_text(when)


class ShiftAlertsModel(QAbstractTableModel):
    """The shift's alerts, open and resolved, with who acknowledged and resolved them and when."""

    def __init__(self, parent: QObject | None = None, *,
                 entry_lookup: Callable[[str], Entry | None] = lambda _ref: None) -> None:
        super().__init__(parent)
        self._lookup = entry_lookup
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._alerts: dict[str, Alert] = {}

    # -- reading ------------------------------------------------------------------------------
    def alert(self, alert_id: str) -> Alert | None:
        return self._alerts.get(alert_id)

    def alerts(self) -> tuple[Alert, ...]:
        return tuple(self._alerts[i] for i in self._ids)

    def patient_text(self, alert: Alert) -> str:
        if alert.related and not alert.encounter:
            return translate("AlertsPanel", "%n patients", None, len(alert.related))
        if not alert.encounter:
            return "–"
        entry = self._lookup(alert.encounter)
        if entry is None or entry.patient is None:
            return translate("AlertsPanel", "unknown patient")
        return f"{texts.patient_name(entry)} ({texts.masked_identifier(entry)})"

    # -- Qt model interface -------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(AlertsColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation is Qt.Orientation.Horizontal and int(role) == DISPLAY and 0 <= section < len(_HEADERS):
            return translate("AlertsPanel", _HEADERS[section])
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        if not (0 <= index.row() < len(self._ids) and 0 <= index.column() < len(AlertsColumn)):
            return None
        alert = self._alerts[self._ids[index.row()]]
        column = AlertsColumn(index.column())
        role = int(role)
        if role == DISPLAY:
            return self._display(alert, column)
        if role == TOOLTIP:
            # A free text cut to its column reads in full in the tooltip (literally: a person's words).
            if column is AlertsColumn.COMMENT:
                return texts.plain_tooltip(alert.ack_comment or "") or None
            if column is AlertsColumn.KIND and note_reason(alert):
                return texts.plain_tooltip(f"{self._display(alert, column)}: {note_reason(alert)}")
            if column is AlertsColumn.REASON:
                if note_reason(alert) and alert.status is not AlertStatus.RESOLVED:
                    return texts.plain_tooltip(note_reason(alert))
                if alert.status is AlertStatus.RESOLVED and alert.resolved_by is None:
                    return self._display(alert, column)  # the words shown, not the English evidence
                return texts.plain_tooltip(alert.resolution or "") or None
            if column in (AlertsColumn.ACKNOWLEDGED, AlertsColumn.RESOLVED):
                return texts.plain_tooltip(self._display(alert, column)) or None
            if column is AlertsColumn.PATIENT and alert.encounter:
                return f"{self.patient_text(alert)}\n{alert.encounter}"  # the platform id only in a tooltip
            return None
        if role == DECORATION and column is AlertsColumn.SEVERITY:
            return style.alert_icon(alert.severity is Severity.CRITICAL)
        if role == BACKGROUND and alert.severity is Severity.CRITICAL and alert.status is AlertStatus.OPEN:
            return QBrush(QColor("#ffebee"))
        if role == FOREGROUND and alert.status is AlertStatus.RESOLVED:
            return QBrush(QColor("#607d8b"))
        if role == AlertsRole.ALERT:
            return alert
        if role == AlertsRole.ID:
            return alert.id
        if role == AlertsRole.STATUS:
            return alert.status.value
        if role == AlertsRole.SORT_KEY:
            return panel_order(alert)
        return None

    def _display(self, alert: Alert, column: AlertsColumn) -> str:
        if column is AlertsColumn.SEVERITY:
            return severity_label(alert.severity)
        if column is AlertsColumn.STATUS:
            return status_label(alert.status)
        if column is AlertsColumn.KIND:
            return texts.alert_short(alert.kind, alert.severity)
        if column is AlertsColumn.PATIENT:
            return self.patient_text(alert)
        if column is AlertsColumn.RAISED:
            return texts.clock_text(alert.raised_at)
        if column is AlertsColumn.ACKNOWLEDGED:
            return _who_when(alert.acknowledged_by, alert.acknowledged_at)
        if column is AlertsColumn.COMMENT:
            return (alert.ack_comment or "").replace("\n", " ")
        if column is AlertsColumn.RESOLVED:
            if alert.status is not AlertStatus.RESOLVED:
                return ""
            return _who_when(alert.resolved_by or translate("AlertsPanel", "automatically"), alert.resolved_at)
        if column is AlertsColumn.REASON:
            why = note_reason(alert)
            if why and alert.status is not AlertStatus.RESOLVED:  # why a note alert was raised, until resolved
                return why
            # An automatic resolution's evidence is English without patient data; a person's reason is theirs.
            if alert.status is AlertStatus.RESOLVED and alert.resolved_by is None:
                return translate("AlertsPanel", "the condition cleared")
            field = cleared_by_change(alert.resolution) if alert.status is AlertStatus.RESOLVED else None
            if field is not None:  # resolved in the name of the person whose change cleared it
                return translate("AlertsPanel", "cleared by their change of {field}").format(field=field_word(field))
            return (alert.resolution or "").replace("\n", " ")
        return ""

    # -- updating -----------------------------------------------------------------------------
    def apply(self, alerts: Iterable[Alert]) -> bool:
        """Fold alert changes in (latest form of each): new ones appended, changed ones updated in place."""
        latest = {a.id: a for a in alerts}
        new: list[Alert] = []
        updated: list[int] = []
        for aid, alert in latest.items():
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
        last = len(AlertsColumn) - 1
        for row in sorted(updated):
            self.dataChanged.emit(self.index(row, 0), self.index(row, last), list(ROW_ROLES))
        return bool(new or updated)

    def merge(self, alerts: Iterable[Alert]) -> bool:
        """A read of the shift from the store: unknown alerts join; a known one only moves forward in its
        status (a summary that came meanwhile may be newer than the read)."""
        forward = [a for a in alerts if (known := self._alerts.get(a.id)) is None
                   or _STATUS_RANK[a.status] > _STATUS_RANK[known.status]]
        return self.apply(forward)

    def refresh_patients(self, encounters: Iterable[str]) -> None:
        """The named encounters changed (a name, an identifier): their rows' patient cells again."""
        refs = set(encounters)
        for row, aid in enumerate(self._ids):
            if self._alerts[aid].encounter in refs:
                idx = self.index(row, int(AlertsColumn.PATIENT))
                self.dataChanged.emit(idx, idx, list(PATIENT_ROLES))

    def prune(self, before: datetime) -> int:
        """Forget alerts resolved before ``before`` (an earlier shift); how many went."""
        gone = [row for row, aid in enumerate(self._ids)
                if (a := self._alerts[aid]).status is AlertStatus.RESOLVED and a.resolved_at is not None
                and a.resolved_at < before]
        for row in reversed(gone):
            self.beginRemoveRows(QModelIndex(), row, row)
            aid = self._ids.pop(row)
            del self._alerts[aid]
            del self._row[aid]
            self.endRemoveRows()
        if gone:
            self._row = {aid: i for i, aid in enumerate(self._ids)}
        return len(gone)


class StatusFilter(IntEnum):
    ALL = 0
    UNRESOLVED = 1
    OPEN = 2  # not acknowledged
    ACKNOWLEDGED = 3
    RESOLVED = 4


_FILTER_TITLES = {
    StatusFilter.ALL: QT_TRANSLATE_NOOP("AlertsPanel", "All alerts"),
    StatusFilter.UNRESOLVED: QT_TRANSLATE_NOOP("AlertsPanel", "Not resolved"),
    StatusFilter.OPEN: QT_TRANSLATE_NOOP("AlertsPanel", "Not acknowledged"),
    StatusFilter.ACKNOWLEDGED: QT_TRANSLATE_NOOP("AlertsPanel", "Acknowledged"),
    StatusFilter.RESOLVED: QT_TRANSLATE_NOOP("AlertsPanel", "Resolved"),
}

_FILTER_STATUSES: dict[StatusFilter, frozenset[str]] = {
    StatusFilter.ALL: frozenset(s.value for s in AlertStatus),
    StatusFilter.UNRESOLVED: frozenset({AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value}),
    StatusFilter.OPEN: frozenset({AlertStatus.OPEN.value}),
    StatusFilter.ACKNOWLEDGED: frozenset({AlertStatus.ACKNOWLEDGED.value}),
    StatusFilter.RESOLVED: frozenset({AlertStatus.RESOLVED.value}),
}


class AlertsFilterProxy(QSortFilterProxyModel):
    """Orders by ``panel_order`` and keeps the rows of one status filter."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._statuses = _FILTER_STATUSES[StatusFilter.ALL]
        self.setSortRole(int(AlertsRole.SORT_KEY))
        self.setDynamicSortFilter(True)
        self.sort(0, Qt.SortOrder.AscendingOrder)

    def set_status_filter(self, which: StatusFilter) -> None:
        if _FILTER_STATUSES[which] == self._statuses:
            return
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self._statuses = _FILTER_STATUSES[which]
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._statuses = _FILTER_STATUSES[which]
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        source = self.sourceModel()
        status = source.data(source.index(source_row, 0, source_parent), int(AlertsRole.STATUS))
        return status in self._statuses

    def lessThan(self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex) -> bool:
        source = self.sourceModel()
        a = source.data(source.index(left.row(), 0), int(AlertsRole.SORT_KEY))
        b = source.data(source.index(right.row(), 0), int(AlertsRole.SORT_KEY))
        return bool(a < b) if a is not None and b is not None else False

    def alert_at(self, row: int) -> Alert | None:
        value = self.data(self.index(row, 0), int(AlertsRole.ALERT))
        return value if isinstance(value, Alert) else None


class AlertCommands(Protocol):
    """What the panel acts through: the banner (its dialogs, rules and call to the service)."""

    def acknowledge(self, alert_id: str, parent: QWidget | None = None) -> CommentDialog | None: ...
    def resolve(self, alert_id: str, parent: QWidget | None = None) -> CommentDialog | None: ...
    def is_pending(self, alert_id: str) -> bool: ...
    def may(self, permission: Permission) -> bool: ...


class AlertsPanel(QDialog):
    """The window listing every alert of the shift, with Acknowledge… and Resolve…."""

    def __init__(self, commands: AlertCommands, model: ShiftAlertsModel, *,
                 shift_start: Callable[[], datetime] | None = None,
                 load: Callable[[datetime], None] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertsPanel")
        self.setWindowTitle(translate("AlertsPanel", "Alerts this shift"))
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setModal(False)
        self.resize(1280, 520)
        self.commands = commands
        self.model = model
        self._shift_start = shift_start
        self._load = load  # reads the shift's alerts (resolved ones too) from the store; they come to merge()
        self.proxy = AlertsFilterProxy(self)
        self.proxy.setSourceModel(model)
        self.dialog: CommentDialog | None = None
        self._stale = True

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.caption = QLabel(self)
        self.caption.setObjectName("alertsCaption")
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        top.addWidget(self.caption, 1)
        shown = QLabel(translate("AlertsPanel", "&Show:"), self)
        top.addWidget(shown)
        self.filter_box = QComboBox(self)
        self.filter_box.setObjectName("alertsFilter")
        for which in StatusFilter:
            self.filter_box.addItem(translate("AlertsPanel", _FILTER_TITLES[which]), int(which))
        shown.setBuddy(self.filter_box)
        self.filter_box.currentIndexChanged.connect(
            lambda i: self.set_status_filter(StatusFilter(self.filter_box.itemData(i))))
        top.addWidget(self.filter_box)
        layout.addLayout(top)

        self.table = QTableView(self)
        self.table.setObjectName("alertsTable")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._delegate = QueueDelegate(self.table)
        self.table.setItemDelegate(self._delegate)
        self.table.setSortingEnabled(False)  # the proxy's order
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        hh = self.table.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The two free texts (the acknowledgement's comment, the resolution's reason) share what the others
        # leave; at 1280 px each gets about 170 px, cut with "…" and whole in the tooltip.
        hh.setSectionResizeMode(int(AlertsColumn.COMMENT), QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(int(AlertsColumn.REASON), QHeaderView.ResizeMode.Stretch)
        hh.setMinimumSectionSize(60)
        # The others as wide as they need, and never narrower than their heading ("Oppstått" whole).
        self.table.ensurePolished()
        hh.ensurePolished()
        head = QFontMetrics(hh.font())
        for column, width in ((AlertsColumn.SEVERITY, 110), (AlertsColumn.STATUS, 100), (AlertsColumn.KIND, 110),
                              (AlertsColumn.PATIENT, 265), (AlertsColumn.RAISED, 64),
                              (AlertsColumn.ACKNOWLEDGED, 130), (AlertsColumn.RESOLVED, 135)):
            title = str(model.headerData(int(column), Qt.Orientation.Horizontal) or "")
            self.table.setColumnWidth(int(column), max(width, head.horizontalAdvance(title) + 2 * 8 + 6))
        # Each status in full, in either language ("Not acknowledged" is wider than 120 px): the cell's padding
        # is the delegate's 6 px and the style's 4 px on each side.
        fm = QFontMetrics(self.table.font())
        status_width = max(fm.horizontalAdvance(status_label(s)) for s in AlertStatus) + 2 * 6 + 2 * 4
        self.table.setColumnWidth(int(AlertsColumn.STATUS),
                                  max(self.table.columnWidth(int(AlertsColumn.STATUS)), status_width))
        self.table.setAccessibleName(translate("AlertsPanel", "Alerts"))
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.ack_button = QPushButton(translate("AlertsPanel", "Acknowledge…"), self)
        self.ack_button.setObjectName("alertsAckButton")
        self.ack_button.setToolTip(translate("AlertsPanel", "Acknowledge the selected alert with a comment (Ctrl+K)"))
        self.ack_button.clicked.connect(self.acknowledge_selected)
        bottom.addWidget(self.ack_button)
        self.resolve_button = QPushButton(translate("AlertsPanel", "Resolve…"), self)
        self.resolve_button.setObjectName("alertsResolveButton")
        self.resolve_button.setToolTip(translate("AlertsPanel", "Resolve the selected alert with a reason "
                                                                "(Ctrl+Shift+K)"))
        self.resolve_button.clicked.connect(self.resolve_selected)
        self._ack_tip, self._resolve_tip = self.ack_button.toolTip(), self.resolve_button.toolTip()
        bottom.addWidget(self.resolve_button)
        close = QPushButton(translate("AlertsPanel", "Close"), self)
        close.clicked.connect(self.close)
        bottom.addWidget(close)
        layout.addLayout(bottom)

        area = translate("AlertsPanel", "All alerts")
        ack = keyboard.describe(QShortcut(QKeySequence("Ctrl+K"), self), area,
                                translate("AlertsPanel", "Acknowledge the selected alert…"))
        ack.activated.connect(self.acknowledge_selected)
        resolve = keyboard.describe(QShortcut(QKeySequence("Ctrl+Shift+K"), self), area,
                                    translate("AlertsPanel", "Resolve the selected alert…"))
        resolve.activated.connect(self.resolve_selected)
        for signal in (model.rowsInserted, model.rowsRemoved, model.dataChanged, model.modelReset):
            signal.connect(self._changed)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.refresh_buttons())
        self._changed()

    # -- feeding ------------------------------------------------------------------------------
    def apply_summary(self, summary: Any) -> None:
        """The service's ``changed`` (also while hidden): fold the alerts in, refresh named patients."""
        self.model.apply(summary.alerts)
        if summary.upserted:
            self.model.refresh_patients(e.ref for e in summary.upserted)
        if self._shift_start is not None:
            self.model.prune(self._shift_start())

    def open(self) -> None:
        """Show the window and read the shift's alerts again (rows stay; the read folds in)."""
        if self._load is not None and self._shift_start is not None:
            self._load(self._shift_start())
        self.show()
        if self._stale:
            self._changed()
        self.raise_()
        self.activateWindow()
        self.table.setFocus()
        if not self.table.selectionModel().hasSelection() and self.proxy.rowCount() > 0:
            self.table.selectRow(0)

    # -- filtering and selection ------------------------------------------------------------------
    def set_status_filter(self, which: StatusFilter) -> None:
        self.proxy.set_status_filter(which)
        i = self.filter_box.findData(int(which))
        if self.filter_box.currentIndex() != i:
            self.filter_box.setCurrentIndex(i)
        self._changed()

    def selected_alert(self) -> Alert | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.alert_at(rows[0].row()) if rows else None

    def select_alert(self, alert_id: str) -> bool:
        for row in range(self.proxy.rowCount()):
            alert = self.proxy.alert_at(row)
            if alert is not None and alert.id == alert_id:
                self.table.selectRow(row)
                return True
        return False

    def rows(self) -> list[Alert]:
        """The alerts as shown, top to bottom."""
        return [a for row in range(self.proxy.rowCount()) if (a := self.proxy.alert_at(row)) is not None]

    # -- commands (the banner's dialogs, rules and service call) --------------------------------------
    def can_acknowledge(self, alert: Alert | None) -> bool:
        return (alert is not None and alert.status is AlertStatus.OPEN and not self.commands.is_pending(alert.id)
                and self.commands.may(Permission.ACK_ALERT))

    def can_resolve(self, alert: Alert | None) -> bool:
        return (alert is not None and alert.status is not AlertStatus.RESOLVED
                and alert.kind in PERSON_RESOLVABLE and not self.commands.is_pending(alert.id)
                and self.commands.may(Permission.RESOLVE_ANY_ALERT))

    def acknowledge_selected(self) -> CommentDialog | None:
        alert = self.selected_alert()
        if not self.can_acknowledge(alert):
            return None
        assert alert is not None
        self.dialog = self.commands.acknowledge(alert.id, self)
        self._watch(self.dialog)
        return self.dialog

    def resolve_selected(self) -> CommentDialog | None:
        alert = self.selected_alert()
        if not self.can_resolve(alert):
            return None
        assert alert is not None
        self.dialog = self.commands.resolve(alert.id, self)
        self._watch(self.dialog)
        return self.dialog

    def _watch(self, dlg: CommentDialog | None) -> None:
        if dlg is not None:
            dlg.finished.connect(lambda _r: self.refresh_buttons())

    # -- rendering ----------------------------------------------------------------------------
    def _changed(self, *_args: object) -> None:
        self.refresh_buttons()
        if not self.isVisible():
            self._stale = True  # counted again when shown: a hidden window costs a sync little
            return
        self._stale = False
        alerts = self.model.alerts()
        critical = sum(1 for a in alerts if a.severity is Severity.CRITICAL and a.status is AlertStatus.OPEN)
        unresolved = sum(1 for a in alerts if a.status is not AlertStatus.RESOLVED)
        self.caption.setText(translate(
            "AlertsPanel", "{total} alerts this shift · not resolved: {open} · critical, not acknowledged: {critical}"
        ).format(total=len(alerts), open=unresolved, critical=critical))

    def refresh_buttons(self) -> None:
        """Acknowledge…/Resolve… for the selected alert (also after a refused command cleared its pending mark)."""
        alert = self.selected_alert()
        resolve_tip = self._resolve_tip
        if alert is not None and alert.status is not AlertStatus.RESOLVED and alert.kind not in PERSON_RESOLVABLE:
            resolve_tip = "\n".join((resolve_tip, translate(
                "AlertsPanel", "This alert clears by itself when its cause is gone (the patient triaged or seen, "
                "the data up to date); acknowledge it instead.")))
        for button, permission, tip, able in (
                (self.ack_button, Permission.ACK_ALERT, self._ack_tip, self.can_acknowledge(alert)),
                (self.resolve_button, Permission.RESOLVE_ANY_ALERT, resolve_tip, self.can_resolve(alert))):
            gate_widget(button, self.commands.may(permission), permission, tip, enabled=able)
