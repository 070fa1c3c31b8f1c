"""The delivery ledger: every journal note sent this shift, to whom, and what became of it.

``LedgerModel`` is an incremental adapter keyed by the delivery's client identifier: a sync's changed
deliveries (``ChangeSummary.deliveries``) become ``beginInsertRows`` or a role-listed ``dataChanged``,
never a reset. A fresh read of the shift (``LedgerPage``, when the view opens) is folded in the same way,
and rows the page no longer holds are removed one run at a time. ``LedgerFilterProxy`` orders newest
first and filters to what needs a person ("Needs action": overdue, rejected, receipted with errors, and
not sent again). ``LedgerView`` is the window (Journal > Deliveries…, Ctrl+L).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
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
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from legevakt.app.journal import LedgerPage
from legevakt.journal.model import Delivery, DeliveryState
from legevakt.ui import keyboard, style, texts
from legevakt.ui.actions import gate_widget, may_of
from legevakt.ui.delegates import QueueDelegate
from legevakt.ui.journal_panel import RecipientNames, can_resend, delivery_tone
from legevakt.ui.roles import ACCESSIBLE, BACKGROUND, DISPLAY, FOREGROUND, TOOLTIP, USER
from legevakt.worklist.roles import Permission

translate = QCoreApplication.translate



class LedgerRole(IntEnum):
    DELIVERY = USER + 1  # the Delivery
    ID = USER + 2  # its client identifier
    NEEDS_ACTION = USER + 3  # bool
    SORT_KEY = USER + 4  # aware datetime: when it was sent (newest first)
    STATE = USER + 5  # DeliveryState value


class LedgerColumn(IntEnum):
    SENT = 0
    PATIENT = 1
    NOTE = 2
    RECIPIENT = 3
    STATE = 4
    DEADLINE = 5
    RECEIPT = 6


ROW_ROLES: tuple[int, ...] = (DISPLAY, TOOLTIP, BACKGROUND, FOREGROUND, ACCESSIBLE, *(int(r) for r in LedgerRole))
PATIENT_ROLES: tuple[int, ...] = (DISPLAY, TOOLTIP, ACCESSIBLE)

_TONE_COLOURS: dict[str, tuple[str, str]] = {
    "ok": ("#e8f5e9", style.OK_FG),
    "warn": (style.WARNING_BG, style.WARNING_FG),
    "bad": (style.CRITICAL_SOFT_BG, style.CRITICAL_SOFT_FG),
}
_EPOCH = datetime.min.replace(tzinfo=UTC)


def _headers() -> dict[LedgerColumn, str]:
    return {
        LedgerColumn.SENT: translate("LedgerView", "Sent"),
        LedgerColumn.PATIENT: translate("LedgerView", "Patient"),
        LedgerColumn.NOTE: translate("LedgerView", "Note"),
        LedgerColumn.RECIPIENT: translate("LedgerView", "Recipient"),
        LedgerColumn.STATE: translate("LedgerView", "State"),
        LedgerColumn.DEADLINE: translate("LedgerView", "Deadline"),
        LedgerColumn.RECEIPT: translate("LedgerView", "Receipt"),
    }


def sent_key(d: Delivery) -> datetime:
    return d.sent_at or d.created_at or _EPOCH


def _utcnow() -> datetime:
    return datetime.now(UTC)


class LedgerModel(QAbstractTableModel):
    """The shift's deliveries, one row per delivery identifier, in the order the adapter first saw them.

    ``patient_label(delivery)`` names the patient (name and masked identifier, from the window's queue);
    None when unknown, then the Patient reference shows. A label once found is kept for that patient, so a
    patient who has gone home still reads by name here.
    """

    def __init__(self, parent: QObject | None = None, *,
                 patient_label: Callable[[Delivery], str | None] | None = None,
                 names: RecipientNames | None = None, clock: Callable[[], datetime] = _utcnow) -> None:
        super().__init__(parent)
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._items: dict[str, Delivery] = {}
        self._patient_label = patient_label or (lambda _d: None)
        self._patients: dict[str, str] = {}  # Patient ref -> label learnt from the queue
        self._names = names or RecipientNames()
        self._clock = clock
        self._headers = _headers()

    # -- reading ------------------------------------------------------------------------------
    def delivery(self, identifier: str) -> Delivery | None:
        return self._items.get(identifier)

    def deliveries(self) -> tuple[Delivery, ...]:
        return tuple(self._items[i] for i in self._ids)

    def row_of(self, identifier: str) -> int:
        return self._row.get(identifier, -1)

    def delivery_at(self, row: int) -> Delivery:
        return self._items[self._ids[row]]

    def needs_action_count(self) -> int:
        return sum(1 for d in self._items.values() if d.needs_action)

    def patient_text(self, d: Delivery) -> str:
        label = self._patient_label(d)
        if label:
            self._patients[d.patient] = label
            return label
        return self._patients.get(d.patient, d.patient)

    # -- Qt model interface -------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LedgerColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(LedgerColumn):
            return None
        if int(role) in (DISPLAY, TOOLTIP):
            return self._headers[LedgerColumn(section)]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._ids) and 0 <= col < len(LedgerColumn)):
            return None
        d = self._items[self._ids[row]]
        role = int(role)
        column = LedgerColumn(col)
        if role in (DISPLAY, ACCESSIBLE):
            return self._text(d, column)
        if role == TOOLTIP:
            return self._tooltip(d, column)
        if role in (BACKGROUND, FOREGROUND) and column is LedgerColumn.STATE:
            colours = _TONE_COLOURS.get(delivery_tone(d.state))
            if colours is None:
                return None
            return QBrush(QColor(colours[0] if role == BACKGROUND else colours[1]))
        if role == LedgerRole.DELIVERY:
            return d
        if role == LedgerRole.ID:
            return d.identifier
        if role == LedgerRole.NEEDS_ACTION:
            return d.needs_action
        if role == LedgerRole.SORT_KEY:
            return sent_key(d)
        if role == LedgerRole.STATE:
            return d.state.value
        return None

    def _text(self, d: Delivery, column: LedgerColumn) -> str:
        now = self._clock()
        if column is LedgerColumn.SENT:
            return texts.when_text(d.sent_at or d.created_at, now)
        if column is LedgerColumn.PATIENT:
            return self.patient_text(d)
        if column is LedgerColumn.NOTE:
            return d.note.rsplit("/", 1)[-1]
        if column is LedgerColumn.RECIPIENT:
            return self._names.label(d.recipient)
        if column is LedgerColumn.STATE:
            state = texts.delivery_state_label(d.state)
            if d.never_sent:  # not late
                state = translate("LedgerView", "Not sent: refused by the platform")
            if d.resent_as is not None:
                state = translate("LedgerView", "{state}, sent again").format(state=state)
            return state
        if column is LedgerColumn.DEADLINE:
            if d.never_sent:
                return "–"  # refused by the platform: it never left, no receipt to wait for
            if d.state in (DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.TRANSPORTED,
                           DeliveryState.OVERDUE):
                return texts.when_text(d.deadline, now)
            return "–"
        return texts.receipt_text(d.receipt).replace("\n", " · ") or "–"

    def _tooltip(self, d: Delivery, column: LedgerColumn) -> str | None:
        if column is LedgerColumn.NOTE:
            return d.note
        if column is LedgerColumn.RECIPIENT:
            return d.recipient
        if column is LedgerColumn.RECEIPT:  # the recipient's own text: shown literally, never as HTML
            return texts.plain_tooltip(texts.receipt_text(d.receipt)) or None
        if column is LedgerColumn.STATE and d.needs_action:
            return translate("LedgerView", "Needs action: send the note again or contact the recipient")
        return None

    # -- updating -----------------------------------------------------------------------------
    def apply(self, deliveries: Iterable[Delivery]) -> bool:
        """Fold changed deliveries in (latest form of each): insert new ones, update changed ones in place."""
        latest = {d.identifier: d for d in deliveries}
        new: list[Delivery] = []
        changed = False
        last_col = len(LedgerColumn) - 1
        for ident, d in latest.items():
            row = self._row.get(ident)
            if row is None:
                new.append(d)
            elif self._items[ident] != d:
                self._items[ident] = d
                changed = True
                self.dataChanged.emit(self.index(row, 0), self.index(row, last_col), list(ROW_ROLES))
        if new:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for i, d in enumerate(new):
                self._ids.append(d.identifier)
                self._row[d.identifier] = first + i
                self._items[d.identifier] = d
            self.endInsertRows()
        return bool(new) or changed

    def fold(self, deliveries: Iterable[Delivery], since: datetime | None) -> bool:
        """Deliveries read with a patient's journal: rows here take their latest form, and one this shift
        (sent since ``since``) or still open or needing action joins the ledger, as the shift's read
        would have it."""
        wanted = [d for d in deliveries
                  if d.identifier in self._row or since is None or sent_key(d) >= since
                  or d.needs_action or d.state in (DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.TRANSPORTED)]
        return self.apply(wanted)

    def load(self, page: LedgerPage) -> None:
        """A fresh read of the shift: what it holds replaces what is here (still row by row, no reset)."""
        keep = {d.identifier for d in page.deliveries}
        self._remove([i for i in self._ids if i not in keep])
        self.apply(page.deliveries)

    def refresh_patients(self) -> None:
        """The queue learnt names: re-read the patient column where the label changed."""
        col = int(LedgerColumn.PATIENT)
        for row, ident in enumerate(self._ids):
            d = self._items[ident]
            before = self._patients.get(d.patient)
            label = self._patient_label(d)
            if label and label != before:
                self._patients[d.patient] = label
                idx = self.index(row, col)
                self.dataChanged.emit(idx, idx, list(PATIENT_ROLES))

    def _remove(self, ids: Iterable[str]) -> None:
        rows = sorted((self._row[i] for i in ids if i in self._row), reverse=True)
        runs: list[tuple[int, int]] = []
        for r in rows:
            if runs and r == runs[-1][0] - 1:
                runs[-1] = (r, runs[-1][1])
            else:
                runs.append((r, r))
        for first, last in runs:
            self.beginRemoveRows(QModelIndex(), first, last)
            for ident in self._ids[first:last + 1]:
                del self._items[ident]
                del self._row[ident]
            del self._ids[first:last + 1]
            for i in range(first, len(self._ids)):
                self._row[self._ids[i]] = i
            self.endRemoveRows()


class LedgerFilterProxy(QSortFilterProxyModel):
    """Newest first; with ``needs_action_only`` just the deliveries a person must act on."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needs_action_only = False
        self.setDynamicSortFilter(True)
        self.setSortRole(int(LedgerRole.SORT_KEY))
        self.sort(int(LedgerColumn.SENT), Qt.SortOrder.DescendingOrder)

    @property
    def needs_action_only(self) -> bool:
        return self._needs_action_only

    def set_needs_action_only(self, on: bool) -> None:
        if on == self._needs_action_only:
            return
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self._needs_action_only = on
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self._needs_action_only = on
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self._needs_action_only:
            return True
        src = self.sourceModel()
        return bool(src.data(src.index(source_row, 0, source_parent), int(LedgerRole.NEEDS_ACTION)))

    def lessThan(self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex) -> bool:
        src = self.sourceModel()
        a = src.data(src.index(left.row(), 0), int(LedgerRole.SORT_KEY))
        b = src.data(src.index(right.row(), 0), int(LedgerRole.SORT_KEY))
        ida = src.data(src.index(left.row(), 0), int(LedgerRole.ID))
        idb = src.data(src.index(right.row(), 0), int(LedgerRole.ID))
        return bool((a, ida) < (b, idb))

    def delivery_at(self, proxy_row: int) -> Delivery | None:
        if not 0 <= proxy_row < self.rowCount():
            return None
        d = self.data(self.index(proxy_row, 0), int(LedgerRole.DELIVERY))
        return d if isinstance(d, Delivery) else None


class LedgerService(Protocol):
    def load_ledger(self, since: datetime | None = None, *, everything: bool = False) -> None: ...
    def send_note(self, encounter_ref: str, note: str, to: str | None = None) -> None: ...


class LedgerView(QDialog):
    """The ledger window. Opening it reads the shift again (``opened``); the rows stay live from syncs."""

    show_patient = Signal(str)  # an encounter ref: select that patient in the queue

    def __init__(self, service: LedgerService, model: LedgerModel, *, writable: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ledgerView")
        self.setWindowTitle(translate("LedgerView", "Deliveries this shift"))
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setModal(False)
        self.resize(1200, 560)
        self.service = service
        self.model = model
        self._writable = writable
        self.proxy = LedgerFilterProxy(self)
        self.proxy.setSourceModel(model)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.caption = QLabel(self)
        self.caption.setObjectName("ledgerCaption")
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        top.addWidget(self.caption, 1)
        self.needs_action_box = QCheckBox(self)
        self.needs_action_box.setObjectName("needsActionFilter")
        self.needs_action_box.setToolTip(translate("LedgerView", "Show only deliveries that need action (Ctrl+F)"))
        self.needs_action_box.toggled.connect(self.set_needs_action_only)
        top.addWidget(self.needs_action_box)
        layout.addLayout(top)

        self.table = QTableView(self)
        self.table.setObjectName("ledgerTable")
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
        self.table.setSortingEnabled(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        hh = self.table.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setSectionResizeMode(int(LedgerColumn.RECEIPT), QHeaderView.ResizeMode.Stretch)
        for column, width in ((LedgerColumn.SENT, 90), (LedgerColumn.PATIENT, 230), (LedgerColumn.NOTE, 90),
                              (LedgerColumn.RECIPIENT, 160), (LedgerColumn.STATE, 150), (LedgerColumn.DEADLINE, 80)):
            self.table.setColumnWidth(int(column), width)
        self.table.setAccessibleName(translate("LedgerView", "Deliveries"))
        self.table.doubleClicked.connect(self._open_patient)
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.hint = QLabel(translate("LedgerView", "Double-click a row to show the patient."), self)
        self.hint.setObjectName("ledgerHint")
        bottom.addWidget(self.hint, 1)
        self.resend_button = QPushButton(translate("LedgerView", "Send again"), self)
        self.resend_button.setObjectName("ledgerResendButton")
        self.resend_button.setToolTip(translate("LedgerView", "Send the selected note again to the same recipient"))
        self.resend_button.clicked.connect(self.resend_selected)
        self._resend_tip = self.resend_button.toolTip()
        bottom.addWidget(self.resend_button)
        close = QPushButton(translate("LedgerView", "Close"), self)
        close.clicked.connect(self.close)
        bottom.addWidget(close)
        layout.addLayout(bottom)

        find = keyboard.describe(QShortcut(QKeySequence("Ctrl+F"), self), translate("LedgerView", "Deliveries"),
                                 translate("LedgerView", "Show only what needs action"))
        find.activated.connect(self.needs_action_box.toggle)
        for signal in (model.rowsInserted, model.rowsRemoved, model.dataChanged, model.modelReset):
            signal.connect(self._counts_changed)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self._counts_changed()

    def open_for_shift(self, since: datetime | None) -> None:
        """Show the window and read the shift's deliveries again (rows stay; the read folds in)."""
        self.service.load_ledger(since)
        self.show()
        self.raise_()
        self.activateWindow()
        self.table.setFocus()

    def set_needs_action_only(self, on: bool) -> None:
        self.proxy.set_needs_action_only(on)
        if self.needs_action_box.isChecked() != on:
            self.needs_action_box.setChecked(on)
        self._counts_changed()

    def selected(self) -> Delivery | None:
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.delivery_at(rows[0].row()) if rows else None

    def resend_selected(self) -> None:
        d = self.selected()
        if (d is None or d.encounter is None or not self._writable or not can_resend(d, self.model.deliveries())
                or not may_of(self.service)(Permission.SIGN_NOTES)):
            return
        self.service.send_note(d.encounter, d.note, d.recipient)
        self.resend_button.setEnabled(False)

    def _open_patient(self, index: QModelIndex) -> None:
        d = self.proxy.delivery_at(index.row())
        if d is not None and d.encounter:
            self.show_patient.emit(d.encounter)

    def _counts_changed(self, *_args: object) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        needing = self.model.needs_action_count()
        self.needs_action_box.setText(translate("LedgerView", "Needs action ({n})").format(n=needing))
        if self.proxy.needs_action_only:
            caption = translate("LedgerView", "%n deliveries need action", None, shown)
        else:
            caption = translate("LedgerView", "%n deliveries this shift", None, total)
        self.caption.setText(caption)
        self._update_buttons()

    def _update_buttons(self) -> None:
        d = self.selected()
        gate_widget(self.resend_button, may_of(self.service)(Permission.SIGN_NOTES), Permission.SIGN_NOTES,
                    self._resend_tip, enabled=self._writable and d is not None and d.encounter is not None
                    and can_resend(d, self.model.deliveries()))

    def refresh(self) -> None:
        """Re-read who may do what (after a sign-in or a switch of user)."""
        self._update_buttons()


__all__ = ["LedgerColumn", "LedgerFilterProxy", "LedgerModel", "LedgerRole", "LedgerView"]
