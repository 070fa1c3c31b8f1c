"""The main window: alert banner on top, the queue (left) with its filters, the selected patient (right),
and the status bar. It renders what the service sends and sends the user's commands back; nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from legevakt.app import clinic_time
from legevakt.app.journal import JournalPage
from legevakt.app.report import ShiftReport
from legevakt.app.summary import ChangeSummary
from legevakt.journal.model import Delivery
from legevakt.ui import keyboard, texts
from legevakt.ui.actions import patient_menu, triage_keys
from legevakt.ui.alert_banner import AlertBanner
from legevakt.ui.alerts_model import AlertListModel, needs_acknowledgement
from legevakt.ui.alerts_panel import AlertsPanel, ShiftAlertsModel
from legevakt.ui.delegates import ICON_SIZE, IconDelegate, QueueDelegate, TriageDelegate
from legevakt.ui.elide import ElidedLabel, PriorityRow
from legevakt.ui.i18n import current_language
from legevakt.ui.journal_panel import JournalPanel, RecipientNames
from legevakt.ui.ledger_view import LedgerModel, LedgerView
from legevakt.ui.lock import IdleLock, LockPage
from legevakt.ui.notify import AlertNotifier, new_alert_line
from legevakt.ui.patient_panel import PatientPanel
from legevakt.ui.queue_model import Column, QueueFilter, QueueFilterProxy, QueueModel, can_tell_mine
from legevakt.ui.report_pdf import ReportWriteError, render_report_pdf, shift_title
from legevakt.ui.safe_actions import SafeActions
from legevakt.ui.settings_dialog import SettingsDialog
from legevakt.ui.shift_lead import ShiftLeadView
from legevakt.ui.status import CRITICAL_AFTER, WARN_AFTER, SyncStatusBar
from legevakt.worklist.census import DEFAULT_SHIFTS, Shift, previous_shift, shift_at
from legevakt.worklist.commands import CommandKind
from legevakt.worklist.models import Alert, EncounterStatus, Entry
from legevakt.worklist.triage import MTS, TriageScale

log = logging.getLogger("legevakt.ui")
translate = QCoreApplication.translate

TICK_MS = 20_000  # waiting times refresh (minutes resolution; 20 s keeps them within a third of a minute)

_CELL_PAD = 2 * 6 + 2 * 4 + 2  # delegate padding and the style's text margins, both sides, plus air
_NAME_SAMPLE = "Andersen, Kristian"  # a typical "Family, Given"; longer names elide (full in the tooltip)
_CLINICIAN_SAMPLE = "Dahl, Kristin"
_ROOM_SAMPLE = "Akuttrom 1"
#: A complaint of this length reads in full from the narrowest window (1280 px) up; longer ones elide.
_COMPLAINT_SAMPLE = "Feber og nakkestivhet"


def column_widths(table: QTableView, model: QueueModel) -> dict[Column, int]:
    """Widths from the table's own font metrics, so the layout holds on any platform font.

    Each column fits its longest fixed text (triage names, states, headers) or a typical sample;
    the complaint column takes what is left.
    """
    base = QFont(table.font())
    bold = QFont(base)
    bold.setBold(True)
    fm, fmb = QFontMetrics(base), QFontMetrics(bold)
    header_font = QFont(table.horizontalHeader().font())
    header_font.setBold(True)
    fmh = QFontMetrics(header_font)

    def fit(*widths: int) -> int:
        return max(widths) + _CELL_PAD

    def header(col: Column) -> int:
        return fmh.horizontalAdvance(str(model.headerData(int(col), Qt.Orientation.Horizontal)))

    scale = model.scale
    language = current_language()
    triage_names = [texts.triage_short(scale, lvl.code, language) for lvl in scale.levels]
    triage_names.append(texts.not_triaged())
    states = [texts.status_label(s) for s in EncounterStatus if s.is_active]
    widths = {
        Column.TRIAGE: fit(header(Column.TRIAGE), *(fmb.horizontalAdvance(t) for t in triage_names)),
        Column.WAITING: fit(header(Column.WAITING), fmb.horizontalAdvance(texts.minutes_text(888)),
                            fm.horizontalAdvance(translate("QueueModel", "With doctor"))),
        Column.NAME: fit(header(Column.NAME), fmb.horizontalAdvance(_NAME_SAMPLE)),
        Column.IDENT: fit(header(Column.IDENT), fm.horizontalAdvance("88.88.8888 " + translate("QueueModel", "D-no."))),
        # An infant's age is counted in months or days ("23 mnd K"): it must read in full, never "23 m…".
        Column.AGE_SEX: fit(header(Column.AGE_SEX), fm.horizontalAdvance("188 M"),
                            fm.horizontalAdvance(translate("Texts", "{n} mo").format(n=23) + " M"),
                            fm.horizontalAdvance(translate("Texts", "{n} d").format(n=30) + " M")),
        Column.COMPLAINT: fit(header(Column.COMPLAINT), fm.horizontalAdvance(_COMPLAINT_SAMPLE)),
        Column.STATE: fit(header(Column.STATE), fmb.horizontalAdvance(translate("Texts", "DROPPED")),
                          *(fm.horizontalAdvance(t) for t in states)),
        Column.ROOM: fit(header(Column.ROOM), fm.horizontalAdvance(_ROOM_SAMPLE)),
        Column.NURSE: fit(header(Column.NURSE), fm.horizontalAdvance(_CLINICIAN_SAMPLE)),
        Column.DOCTOR: fit(header(Column.DOCTOR), fm.horizontalAdvance(_CLINICIAN_SAMPLE)),
        Column.ALERTS: fit(header(Column.ALERTS), 2 * ICON_SIZE),
        Column.PENDING: fit(fmb.horizontalAdvance("⟳"), ICON_SIZE),
    }
    return widths


def search_width(field: QLineEdit) -> int:
    """The search field's width for its whole placeholder (in the field's font), its clear button and its
    frame: "Søk: navn, fødselsnummer, rom (Ctrl+F)" must not read "Søk: navn, fødselsnummer, ro…"."""
    field.ensurePolished()
    text = field.fontMetrics().horizontalAdvance(field.placeholderText())
    m = field.textMargins()
    # the frame and the text's inner margin (QLineEdit's own: 2 px a side) plus the clear button's room
    return text + m.left() + m.right() + 2 * 2 + 2 * field.style().pixelMetric(
        QStyle.PixelMetric.PM_DefaultFrameWidth) + field.sizeHint().height() + 8


#: The patient panel's least width: the name in large type, the triage badge, the journal's buttons.
PANEL_MIN_WIDTH = 232


def column_minimums(table: QTableView, ideal: dict[Column, int]) -> dict[Column, int]:
    """How narrow each column may get in a narrow window (1280 px). Names, rooms and clinicians elide to
    a recognisable start (the full text is in the tooltip), the birth date keeps all of it (the D-number
    mark included), the state keeps its commonest words, the alerts column its icons; triage, waiting time,
    age and the pending marker never shrink. The complaint keeps a readable width."""
    base = QFont(table.font())
    bold = QFont(base)
    bold.setBold(True)
    fm, fmb = QFontMetrics(base), QFontMetrics(bold)
    dots = fm.horizontalAdvance("…")
    least = {
        Column.NAME: fmb.horizontalAdvance("Andersen, K") + dots + _CELL_PAD,
        Column.IDENT: ideal[Column.IDENT],  # the date and the D-number mark always read in full
        Column.COMPLAINT: fm.horizontalAdvance(_COMPLAINT_SAMPLE) + _CELL_PAD,
        Column.STATE: fm.horizontalAdvance(texts.status_label(EncounterStatus.TRIAGED)) + _CELL_PAD,
        Column.ROOM: fm.horizontalAdvance("Rom 8") + _CELL_PAD,
        Column.NURSE: fm.horizontalAdvance("Dahl,") + dots + _CELL_PAD,
        Column.DOCTOR: fm.horizontalAdvance("Dahl,") + dots + _CELL_PAD,
        Column.ALERTS: 2 * ICON_SIZE + _CELL_PAD,
    }
    widths = {c: min(ideal[c], least.get(c, ideal[c])) for c in Column}
    widths[Column.COMPLAINT] = least[Column.COMPLAINT]
    return widths


def fit_columns(ideal: dict[Column, int], least: dict[Column, int], available: int) -> dict[Column, int]:
    """Widths for a table ``available`` pixels wide: the ideal widths while they fit (the complaint, which
    stretches, takes the rest); narrower, the complaint gives up its comfort first, down to its least (a
    readable) width, then the columns that may shrink give up the same share of what they could give
    (ideal - least). When even the least
    widths do not fit, the age column steps aside (width 0: hidden; age and sex are in the patient panel,
    and the birth date beside it); below that every column is at its least and the table scrolls sideways."""
    columns = dict(ideal)
    if sum(columns.values()) <= available:
        return columns
    if sum(least.values()) > available:
        columns[Column.AGE_SEX] = 0
    shown = [c for c in columns if columns[c] > 0 and c is not Column.COMPLAINT]
    slack = sum(ideal[c] - least[c] for c in shown)
    spare = available - least[Column.COMPLAINT] - sum(least[c] for c in shown)
    share = 0.0 if slack <= 0 or spare <= 0 else min(1.0, spare / slack)
    for c in shown:
        columns[c] = least[c] + int((ideal[c] - least[c]) * share)
    columns[Column.COMPLAINT] = max(least[Column.COMPLAINT], available - sum(columns[c] for c in shown))
    return columns


class UiService(Protocol):
    """The application service as the window uses it (see ``legevakt.app.service.AppService``)."""

    changed: Any  # Signal(object): ChangeSummary
    failed: Any  # Signal(object): a Problem
    journal_loaded: Any  # Signal(object): JournalPage
    ledger_loaded: Any  # Signal(object): LedgerPage
    recipients_found: Any  # Signal(object): RecipientMatches
    demo: bool
    user: str
    language: str
    practitioner: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def acknowledge(self, alert_id: str, by: str, comment: str) -> None: ...
    def resolve(self, alert_id: str, by: str, reason: str) -> None: ...
    def open_journal(self, encounter_ref: str, by: str) -> None: ...
    def submit(self, encounter_ref: str, kind: CommandKind, target: str, *,
               disposition: str | None = None, display: str | None = None, expect: str | None = None) -> None: ...
    def load_journal(self, encounter_ref: str) -> None: ...
    def load_ledger(self, since: datetime | None = None, *, everything: bool = False) -> None: ...
    def search_recipients(self, query: str) -> None: ...
    def save_note(self, encounter_ref: str, text: str, note: str | None = None) -> None: ...
    def sign_note(self, encounter_ref: str, note: str) -> None: ...
    def send_note(self, encounter_ref: str, note: str, to: str | None = None) -> None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _service_scale(service: object) -> TriageScale:
    """The clinic's triage scale: ``service.triage_scale``, else ``service.settings.scale``, else MTS."""
    scale = getattr(service, "triage_scale", None)
    if isinstance(scale, TriageScale):
        return scale
    settings = getattr(service, "settings", None)
    scale = getattr(settings, "scale", None) if settings is not None else None
    return scale if isinstance(scale, TriageScale) else MTS


def _stale_thresholds(service: object) -> tuple[float, float]:
    """Seconds to amber and red in the status bar: the same settings reconciliation uses for SYNC_STALE."""
    settings = getattr(service, "settings", None)
    warn = getattr(settings, "sync_stale_warning_seconds", None)
    critical = getattr(settings, "sync_stale_critical_seconds", None)
    return (float(warn) if isinstance(warn, int | float) else WARN_AFTER.total_seconds(),
            float(critical) if isinstance(critical, int | float) else CRITICAL_AFTER.total_seconds())


def _filter_titles() -> dict[QueueFilter, str]:
    return {
        QueueFilter.ALL: translate("MainWindow", "All"),
        QueueFilter.WAITING: translate("MainWindow", "Waiting"),
        QueueFilter.IN_TREATMENT: translate("MainWindow", "In treatment"),
        QueueFilter.MINE: translate("MainWindow", "Mine"),
        QueueFilter.DROPPED: translate("MainWindow", "Dropped"),
    }



def shift_dialog(parent: QWidget | None, labels: list[str]) -> QInputDialog:
    """"Which shift?" for the shift report, its buttons in the window's language (Qt's own are English)."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(translate("MainWindow", "Shift report"))
    dialog.setLabelText(translate("MainWindow", "Which shift?"))
    dialog.setComboBoxItems(labels)
    dialog.setComboBoxEditable(False)
    dialog.setOkButtonText(translate("MainWindow", "Next…"))
    dialog.setCancelButtonText(translate("MainWindow", "Cancel"))
    return dialog

class MainWindow(QMainWindow):
    def __init__(self, service: UiService, *, language: str | None = None,
                 clock: Callable[[], datetime] | None = None, scale: TriageScale | None = None,
                 tick_ms: int = TICK_MS, idle_lock_ms: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.service = service
        self._journal_opened: str | None = None  # the encounter whose journal was last opened (audited)
        self._language = language or current_language()
        service_clock = getattr(service, "now", None)
        self._clock: Callable[[], datetime] = clock or (service_clock if callable(service_clock) else _utcnow)
        self._scale = scale or _service_scale(service)
        self._demo = bool(getattr(service, "demo", False))

        zone = getattr(getattr(service, "settings", None), "time_zone", None)
        if isinstance(zone, str):
            clinic_time.set_zone(zone)  # clock times in the clinic's zone, never the machine's
        self.queue_model = QueueModel(self, scale=self._scale, clock=self._clock, language=self._language)
        self.proxy = QueueFilterProxy(self)
        self.proxy.setSourceModel(self.queue_model)
        # "Mine": where the signed-in clinician (the service's Practitioner, as for notes) is nurse or doctor.
        self.proxy.set_practitioner(str(getattr(service, "practitioner", "") or ""))
        self.alerts_model = AlertListModel(self)
        self.recipient_names = RecipientNames()
        self.ledger_model = LedgerModel(self, patient_label=self._patient_label, names=self.recipient_names,
                                        clock=self._clock)
        self._shift_start: datetime | None = None
        self._queue_width = 0  # what the queue's columns need (the panel takes the rest); 0 once a person drags

        central = QWidget(self)
        central.setObjectName("central")
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.banner = AlertBanner(service, self.alerts_model, self.queue_model.entry, central,
                                  delivery_lookup=self.ledger_model.delivery)
        outer.addWidget(self.banner)
        outer.addWidget(self._build_header(central))

        self.table = self._build_table()
        self.journal = JournalPanel(service, self.recipient_names, clock=self._clock)
        self.panel = PatientPanel(self._scale, self._language, journal=self.journal)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setCollapsible(0, False)
        self.panel.setMinimumWidth(PANEL_MIN_WIDTH)
        body = QWidget(central)
        body.setObjectName("body")
        b = QVBoxLayout(body)
        b.setContentsMargins(10, 6, 10, 8)
        b.addWidget(self.splitter)
        outer.addWidget(body, 1)
        # The queue, or the lock page that hides every patient detail after idle time.
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("pages")
        self.pages.addWidget(central)
        self.lock_page = LockPage(self.pages)
        self.pages.addWidget(self.lock_page)
        self.setCentralWidget(self.pages)
        self._size_columns()
        self.splitter.splitterMoved.connect(self._splitter_dragged)
        self.ledger_view = LedgerView(service, self.ledger_model, writable=bool(getattr(service, "practitioner", "")),
                                      parent=self)
        self.ledger_view.show_patient.connect(self._show_patient)

        warn_s, critical_s = _stale_thresholds(service)
        self.status = SyncStatusBar(self, clock=self._clock, warn_after=timedelta(seconds=warn_s),
                                    critical_after=timedelta(seconds=critical_s))
        self.setStatusBar(self.status)

        self._install_shortcuts()
        self._update_title()
        # Confirm what ends a visit, offer "Angre" on the rest; the banner names rooms and clinicians.
        self.safe = SafeActions(self, self._submit, self._scale, self._language, self.queue_model.directory,
                                entry=self.queue_model.entry)
        # "Angre" in its own row above the status bar: it covers no patient row for its 10 s (the queue gets
        # shorter while it shows and keeps the selected row in sight).
        undo_row = QHBoxLayout()
        undo_row.setContentsMargins(10, 0, 10, 6)
        self.safe.toast.dock(undo_row)
        outer.addLayout(undo_row)
        self.safe.toast.installEventFilter(self)
        self.banner.write_words = self.safe.write_text
        self.banner.names = self.safe.ref_name
        # "Angre" where a clinician looks for it too: the queue menu shows the toast's Ctrl+Z, offered while
        # there is something to undo.
        queue_menu = self.queue_menu
        undo_keys = next(sc for sc in self.safe.toast.shortcuts if sc.key().matches(QKeySequence("Ctrl+Z"))
                         == QKeySequence.SequenceMatch.ExactMatch)
        self.undo_action = keyboard.add_shown(queue_menu, undo_keys.whatsThis(), undo_keys)
        self.undo_action.setObjectName("undoAction")
        queue_menu.aboutToShow.connect(lambda: self.undo_action.setEnabled(self.safe.toast.can_undo))

        if idle_lock_ms is None:
            minutes = getattr(getattr(service, "settings", None), "idle_lock_minutes", 10)
            idle_lock_ms = int(minutes) * 60_000 if isinstance(minutes, int | float) else 600_000
        self._idle_minutes = max(1, round(idle_lock_ms / 60_000))
        self.idle_lock = IdleLock(idle_lock_ms, self)
        self.idle_lock.locked.connect(self._lock)
        self.idle_lock.unlocked.connect(self._unlock)
        self._build_report_menu()

        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(tick_ms)
        self.tick_timer.timeout.connect(self.tick)
        self.tick_timer.start()

        self._applying = False  # inside apply_summary: the rows' signals wait, counts and panel follow once
        for signal in (self.queue_model.rowsInserted, self.queue_model.rowsRemoved):
            signal.connect(self._queue_changed)
        self.queue_model.dataChanged.connect(self._queue_data_changed)
        self.alerts_model.dataChanged.connect(self._queue_changed)
        self.alerts_model.rowsInserted.connect(self._queue_changed)
        self.alerts_model.rowsRemoved.connect(self._queue_changed)
        sel = self.table.selectionModel()
        sel.currentRowChanged.connect(self._selection_changed)
        sel.selectionChanged.connect(self._selection_changed)
        service.changed.connect(self.apply_summary)
        service.failed.connect(self.banner.command_failed)
        service.ledger_loaded.connect(self.ledger_model.load)
        # A journal page is a fresh read of that patient's deliveries: the ledger takes it too (a resend
        # made by a command updates the first attempt there, not in a sync's summary).
        service.journal_loaded.connect(
            lambda page: self.ledger_model.fold(page.deliveries, self.shift_start()) if isinstance(page, JournalPage)
            else None)
        for signal in (self.ledger_model.rowsInserted, self.ledger_model.dataChanged, self.ledger_model.rowsRemoved):
            signal.connect(lambda *_a: self.banner.refresh())  # the 8221 reasons of journal alerts
        self._update_counts()
        self._build_alerts_menu()  # last: its slots run after apply_summary and the banner's
        if hasattr(service, "signed_in"):  # the signed-in user and role: status bar, gates, PIN to unlock
            from legevakt.ui import signin
            signin.install(self, service)

    # -- the idle lock --------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.pages.currentWidget() is self.lock_page

    def _lock(self) -> None:
        critical = sum(1 for a in self.alerts_model.ordered() if needs_acknowledgement(a))
        self.lock_page.show_state(self._idle_minutes, critical, by_hand=self.idle_lock.by_hand)
        self.pages.setCurrentWidget(self.lock_page)
        self.banner.close_dialogs()
        self.safe.close_dialogs()
        self.journal.close_dialogs()
        self.ledger_view.hide()  # it names patients
        self.menuBar().hide()
        for shortcut in self.shortcuts:  # nothing acts behind the lock
            shortcut.setEnabled(False)

    def _unlock(self) -> None:
        self.menuBar().show()
        for shortcut in self.shortcuts:
            shortcut.setEnabled(True)
        self.pages.setCurrentIndex(0)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.idle_lock.stop()
        super().closeEvent(event)

    # -- building -----------------------------------------------------------------------------
    def _build_header(self, parent: QWidget) -> QWidget:
        header = QFrame(parent)
        header.setObjectName("headerBar")
        # Short of width the filters and the search field keep theirs; the person signed in elides (whole
        # name in the tooltip), so a long name never widens the window.
        h = PriorityRow(header)
        h.setContentsMargins(12, 8, 12, 8)
        h.setSpacing(8)
        title = ElidedLabel(translate("MainWindow", "Legevakt"), header)
        title.setObjectName("appTitle")
        h.add(title)
        # the subtitle goes first when the header is short (the window's title says it too)
        subtitle = ElidedLabel(translate("MainWindow", "Patient queue"), header, least_chars=0)
        subtitle.setObjectName("appSubtitle")
        h.add(subtitle, 3)
        h.add_gap(18)
        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        self.filter_buttons: dict[QueueFilter, QPushButton] = {}
        self._filter_tips: dict[QueueFilter, str] = {}
        for i, which in enumerate(QueueFilter):
            button = QPushButton(header)
            button.setObjectName(f"filter_{which.value}")
            button.setProperty("filterButton", True)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self._filter_tips[which] = translate("MainWindow", "Show {filter} (Ctrl+{n})").format(
                filter=_filter_titles()[which].lower(), n=i + 1)
            button.setToolTip(self._filter_tips[which])
            button.clicked.connect(lambda _checked=False, w=which: self.set_filter(w))
            self.filter_group.addButton(button)
            self.filter_buttons[which] = button
            h.add(button)
        self.filter_buttons[QueueFilter.ALL].setChecked(True)
        h.add_gap(12)
        self.search_field = QLineEdit(header)
        self.search_field.setObjectName("queueSearch")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setPlaceholderText(translate("MainWindow", "Search: name, ID number, room (Ctrl+F)"))
        self.search_field.setToolTip(translate("MainWindow", "Shows only patients whose name, identity number or "
                                                             "room contains the text (Esc clears)"))
        fit = search_width(self.search_field)
        self.search_field.setMinimumWidth(fit)  # the whole placeholder reads, in either language
        self.search_field.setMaximumWidth(max(fit, 320))
        self.search_field.textChanged.connect(self.set_search)
        self.search_field.installEventFilter(self)
        h.add(self.search_field, 1, stretch=True)
        h.add_fill()
        self.user_label = ElidedLabel("", header)
        self.user_label.setObjectName("userLabel")
        user = getattr(self.service, "user", "")
        if user:
            self.user_label.setText(translate("MainWindow", "Signed in: {user}").format(user=user))
        h.add(self.user_label, 2)
        self.demo_badge = QLabel(translate("MainWindow", "DEMO"), header)
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.setToolTip(translate("MainWindow", "Demo platform: synthetic patients only"))
        self.demo_badge.setVisible(self._demo)
        h.add(self.demo_badge)
        return header

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("queueTable")
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Right-click, the Menu key and Shift+F10 all open the patient's actions (Ctrl+T too).
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self.open_patient_menu)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setSortingEnabled(False)  # the proxy's clinical order; header clicks do not re-sort
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = table.verticalHeader()
        vh.hide()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(34)
        hh = table.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setSectionsClickable(False)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setMinimumSectionSize(40)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setSectionResizeMode(int(Column.COMPLAINT), QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(int(Column.PENDING), QHeaderView.ResizeMode.Fixed)  # never cut off
        hh.setStretchLastSection(False)
        self._delegate = QueueDelegate(table)
        self._triage_delegate = TriageDelegate(table)
        self._icon_delegate = IconDelegate(table)
        table.setItemDelegate(self._delegate)
        table.setItemDelegateForColumn(int(Column.TRIAGE), self._triage_delegate)
        table.setItemDelegateForColumn(int(Column.ALERTS), self._icon_delegate)
        table.setAccessibleName(translate("MainWindow", "Patient queue"))
        # The mass-departure group row: one spanning cell, clicked or Enter to show or hide its patients.
        self._spanned_row = -1
        table.clicked.connect(self._group_clicked)
        table.installEventFilter(self)
        table.viewport().installEventFilter(self)  # its width decides the columns (fit_columns)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.layoutChanged,
                       self.proxy.modelReset):
            signal.connect(self._span_group_row)
            signal.connect(self._update_empty_note)
        # A search or filter that leaves nobody says so over the empty table, with the way back.
        note = self.empty_note = QFrame(table.viewport())
        note.setObjectName("queueEmptyNote")
        row = QHBoxLayout(note)
        row.setContentsMargins(14, 8, 8, 8)
        row.setSpacing(12)
        self.empty_label = ElidedLabel("", note)  # the search words are the person's own: plain text
        self.empty_label.setObjectName("queueEmptyText")
        row.addWidget(self.empty_label, 1)
        self.show_all_button = QPushButton(translate("MainWindow", "Show all"), note)
        self.show_all_button.setObjectName("showAllButton")
        self.show_all_button.setToolTip(translate("MainWindow", "Clears the search and the filter (Esc in the "
                                                                "search field clears the search)"))
        self.show_all_button.clicked.connect(self.show_all)
        row.addWidget(self.show_all_button)
        note.hide()
        return table

    def empty_text(self) -> str:
        """Why the queue shows nobody ("" when it shows someone, or nobody is filtered away)."""
        if self.proxy.rowCount() > 0:
            return ""
        words = self.search_field.text().strip() if hasattr(self, "search_field") else ""
        which = self.proxy.queue_filter
        title = _filter_titles()[which]
        if words and which is not QueueFilter.ALL:
            return translate("MainWindow", "No patients in “{filter}” match “{text}”").format(filter=title,
                                                                                             text=words)
        if words:
            return translate("MainWindow", "No patients match “{text}”").format(text=words)
        if which is not QueueFilter.ALL:
            return translate("MainWindow", "No patients in “{filter}”").format(filter=title)
        return ""

    def show_all(self) -> None:
        """The empty note's "Show all": no search, no filter."""
        self.search_field.clear()
        self.set_filter(QueueFilter.ALL)

    def _update_empty_note(self, *_args: object) -> None:
        note = getattr(self, "empty_note", None)
        if note is None:
            return
        text = self.empty_text()
        self.empty_label.setText(text)
        note.setVisible(bool(text))
        if text:
            viewport = self.table.viewport()
            width = min(note.sizeHint().width(), max(0, viewport.width() - 24))
            note.setGeometry((viewport.width() - width) // 2, 24, width, note.sizeHint().height())
            note.raise_()

    def _size_columns(self) -> None:
        self.table.ensurePolished()
        self.table.horizontalHeader().ensurePolished()
        self._ideal_widths = column_widths(self.table, self.queue_model)
        self._least_widths = column_minimums(self.table, self._ideal_widths)
        frame = 2 * self.table.frameWidth() + self.table.verticalScrollBar().sizeHint().width()
        self._queue_width = sum(self._ideal_widths.values()) + frame
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The columns for the table's width now (every resize of its viewport comes here)."""
        ideal = getattr(self, "_ideal_widths", None)
        if not ideal:
            return
        widths = fit_columns(ideal, self._least_widths, self.table.viewport().width())
        for column, width in widths.items():
            hide = width == 0
            if self.table.isColumnHidden(int(column)) != hide:
                self.table.setColumnHidden(int(column), hide)
            if not hide and column is not Column.COMPLAINT and self.table.columnWidth(int(column)) != width:
                self.table.setColumnWidth(int(column), width)

    def _install_shortcuts(self) -> None:
        # Keyboard first: every action is a QAction in a menu (it shows its keys there) and on the window
        # (its keys work with the menu bar hidden too); the idle lock disables everything in self.shortcuts.
        self.shortcuts: list[QShortcut | QAction] = []
        queue_menu = self.menuBar().addMenu(translate("MainWindow", "&Queue"))
        queue_menu.setObjectName("queueMenu")
        self.queue_menu = queue_menu
        for i, (which, title) in enumerate(_filter_titles().items()):
            self.shortcuts.append(keyboard.add_action(self, queue_menu, title, f"Ctrl+{i + 1}",
                                                      lambda _=False, w=which: self.set_filter(w)))
        queue_menu.addSeparator()
        self.search_action = keyboard.add_action(self, queue_menu, translate("MainWindow", "Search the queue"),
                                                 "Ctrl+F", self.focus_search, name="searchAction")
        self.shortcuts.append(self.search_action)
        self.action_toggle_group = keyboard.add_action(
            self, queue_menu, translate("MainWindow", "Show or hide the mass-departure group"), "Ctrl+G",
            lambda: self.set_group_expanded(not self.proxy.expanded), name="toggleGroupAction")
        self.shortcuts.append(self.action_toggle_group)
        self.shortcuts.append(keyboard.add_action(self, queue_menu, translate("MainWindow", "Go to the queue"),
                                                  "F6", lambda: self.table.setFocus()))
        self.shortcuts.append(keyboard.add_action(self, queue_menu, translate("MainWindow", "Actions for the patient…"),
                                                  "Ctrl+T", lambda: self.open_patient_menu()))
        # Triage from the keyboard without the menu: Ctrl+Alt+1 (most urgent) ... on the selected patient,
        # through the patient menu's own action, so its role gate and its "not on a finished visit" hold.
        triage_menu = queue_menu.addMenu(translate("MainWindow", "Set t&riage"))
        triage_menu.setObjectName("queueTriageMenu")
        self.triage_actions: list[QAction] = []
        for i, level in enumerate(self._scale.levels[:9], start=1):
            action = keyboard.add_action(self, triage_menu, level.name(self._language), triage_keys(i),
                                         lambda _=False, c=level.code: self.set_selected_triage(c),
                                         name=f"triageAction{i}")
            self.triage_actions.append(action)
            self.shortcuts.append(action)
        journal_menu = self.menuBar().addMenu(translate("MainWindow", "&Journal"))
        journal_menu.setObjectName("journalMenu")
        self.ledger_action = keyboard.add_action(self, journal_menu, translate("MainWindow", "&Deliveries…"), "Ctrl+L",
                                                 self.open_ledger, name="ledgerAction")
        self.shortcuts.append(self.ledger_action)
        journal_menu.addSeparator()
        journal_menu.setToolTipsVisible(True)
        shown: list[tuple[QAction, QWidget]] = []
        for sc in self.journal.shortcuts:  # they live on the journal panel; the menu shows them
            action = keyboard.add_shown(journal_menu, sc.whatsThis(), sc)
            button = self.journal.shortcut_buttons.get(sc)
            if button is not None:
                shown.append((action, button))

        def offer_as_the_panel() -> None:
            # Offered as the panel's button is: a nurse is not offered signing, nobody an unsigned note's sending.
            for action, button in shown:
                action.setEnabled(button.isEnabled())
                action.setToolTip(button.toolTip())
        journal_menu.aboutToShow.connect(offer_as_the_panel)

    # -- actions on the selected patient ---------------------------------------------------------
    def patient_menu(self) -> QMenu | None:
        """The menu of commands for the selected patient (None when nobody is selected)."""
        entry = self.selected_entry()
        if entry is None:
            return None
        # The entry as it is now: the action stays with this patient if rows re-sort before it is chosen.
        may = getattr(self.service, "may", None)
        return patient_menu(self, entry, self._scale, self._language, self.safe.request(entry),
                            self.queue_model.directory(), may=may if callable(may) else None)

    def set_selected_triage(self, code: str) -> bool:
        """Set the selected patient's triage as the patient menu would (False: not offered to this role, on
        this visit, or nobody selected)."""
        menu = self.patient_menu()
        if menu is None:
            return False
        try:
            triage = menu.findChild(QMenu, "triageMenu")
            action = next((a for a in triage.actions() if a.data() == code), None) if triage else None
            if triage is None or action is None or not triage.isEnabled() or not action.isEnabled():
                self.statusBar().showMessage(translate("MainWindow", "Triage cannot be set here"), 4000)
                return False
            action.trigger()
            return True
        finally:
            menu.deleteLater()

    def open_patient_menu(self, pos: QPoint | None = None) -> None:
        menu = self.patient_menu()
        if menu is None:
            return
        if pos is None:
            index = self.table.currentIndex()
            rect = self.table.visualRect(index) if index.isValid() else self.table.rect()
            pos = rect.bottomLeft()
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _submit(self, ref: str, kind: CommandKind, target: str, disposition: str | None,
                display: str | None = None, expect: str | None = None) -> None:
        self.service.submit(ref, kind, target, disposition=disposition, display=display, expect=expect)

    def _update_title(self) -> None:
        title = translate("MainWindow", "Legevakt")
        if self._demo:
            title += " – " + translate("MainWindow", "DEMO")
        self.setWindowTitle(title)
        self.demo_badge.setVisible(self._demo)

    # -- the journal and the ledger --------------------------------------------------------------
    def shift_start(self) -> datetime:
        """The current shift's start: from the last census, else from the settings' shift times."""
        if self._shift_start is not None:
            return self._shift_start
        shifts = getattr(getattr(self.service, "settings", None), "shifts", None) or DEFAULT_SHIFTS
        return shift_at(self._clock(), clinic_time.zone(), shifts).start

    def open_ledger(self) -> None:
        """Journal > Deliveries… (Ctrl+L): the shift's deliveries, read again."""
        if not self.locked:
            self.ledger_view.open_for_shift(self.shift_start())

    def _patient_label(self, d: Delivery) -> str | None:
        entry = self.queue_model.entry(d.encounter) if d.encounter else None
        if entry is None or entry.patient is None or entry.patient.ref != d.patient:
            return None
        return f"{texts.patient_name(entry)} ({texts.masked_identifier(entry)})"

    def _show_patient(self, encounter_ref: str) -> None:
        if self.queue_model.is_member(encounter_ref):
            self.set_group_expanded(True)
        if self.proxy.row_of(encounter_ref) < 0 and self.proxy.search:
            self.search_field.clear()
        if self.proxy.row_of(encounter_ref) < 0:
            self.set_filter(QueueFilter.ALL)
        if self.select_ref(encounter_ref):
            self.raise_()
            self.activateWindow()

    def _journal_after(self, summary: ChangeSummary, pending_before: int | None) -> None:
        """Keep the ledger and the open journal current: deliveries changed, or the patient's writes
        reached the platform (their notes learnt their platform ids)."""
        if summary.census.shift is not None:
            self._shift_start = summary.census.shift.start
        if summary.initial:
            self.service.load_ledger(self.shift_start())  # open journal alerts read their reasons here
        self.ledger_model.apply(summary.deliveries)
        if summary.upserted:
            self.ledger_model.refresh_patients()
        ref = self.journal.encounter
        if ref is None or self._selected_ref() != ref:
            return
        if self.journal.wants_reload(summary.deliveries) or (
                summary.pending is not None and self.queue_model.pending_for(ref) != pending_before):
            self.service.load_journal(ref)

    # -- sizing: the queue gets what its columns need, the patient and journal the rest -------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_splitter()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_splitter()

    def _splitter_dragged(self, *_args: object) -> None:
        self._queue_width = 0  # a person chose: keep their split

    def _fit_splitter(self) -> None:
        if self._queue_width <= 0:
            return
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        panel = max(self.panel.minimumWidth(), min(total - self._queue_width, int(total * 0.45)))
        self.splitter.setSizes([total - panel, panel])

    # -- updates ------------------------------------------------------------------------------
    def apply_summary(self, summary: ChangeSummary) -> None:
        """Render one change summary (the service's ``changed`` signal)."""
        selected = self._selected_ref()
        pending_before = self.queue_model.pending_for(self.journal.encounter) if self.journal.encounter else None
        self._applying = self.banner.deferred = True
        try:
            self.queue_model.apply(summary)
            self._keep_or_clear_selection(selected)
            self.alerts_model.apply(summary.alerts, initial=summary.initial)
        finally:
            self._applying = self.banner.deferred = False
        self.banner.refresh()
        self.status.apply(summary)
        if summary.link.demo and not self._demo:
            self._demo = True
            self._update_title()
        self._update_counts()
        self._update_panel()
        self._journal_after(summary, pending_before)

    def tick(self) -> None:
        now = self._clock()
        self.queue_model.tick(now)
        self._update_panel()

    def set_filter(self, which: QueueFilter) -> None:
        if which is QueueFilter.MINE and not can_tell_mine(self.proxy.practitioner):
            which = QueueFilter.ALL  # Ctrl+4 while "Mine" cannot know: the button says why
        selected = self._selected_ref()
        self.proxy.set_queue_filter(which)
        self._keep_or_clear_selection(selected)
        self.filter_buttons[which].setChecked(True)
        self._update_panel()
        self._update_empty_note()

    def set_search(self, text: str) -> None:
        """The search field's text: the queue shows only patients whose name, ID number or room has it."""
        selected = self._selected_ref()
        self.proxy.set_search(text)
        if self.search_field.text() != text:
            self.search_field.setText(text)
        self._keep_or_clear_selection(selected)
        self._update_panel()
        self._update_empty_note()

    def focus_search(self) -> None:
        """Queue > Search the queue (Ctrl+F)."""
        if not self.locked:
            self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.search_field.selectAll()

    def set_group_expanded(self, expanded: bool) -> None:
        """Show or hide the patients gathered under the mass-departure group row."""
        selected = self._selected_ref()
        self.proxy.set_expanded(expanded)
        self._keep_or_clear_selection(selected)

    def _group_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and self.proxy.is_group_row(index.row()):
            self.set_group_expanded(not self.proxy.expanded)

    def _span_group_row(self, *_args: object) -> None:
        """The group row reads across the whole table: one cell spanning every column."""
        row = self.proxy.group_row()
        if row == self._spanned_row:
            return
        # The view moves a span with its row on inserts and removals, so the old row number may no longer
        # hold it: clear every span (the group row's is the only one) rather than unset one by number.
        self.table.clearSpans()
        self._spanned_row = row
        if row >= 0:
            self.table.setSpan(row, 0, 1, self.proxy.columnCount())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self._fit_columns()
            self._update_empty_note()
            return False
        if event.type() == QEvent.Type.Show and watched is getattr(getattr(self, "safe", None), "toast", None):
            QTimer.singleShot(0, self._keep_current_row_in_sight)  # once the queue has made room for it
            return False
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.search_field and event.key() == Qt.Key.Key_Escape and self.search_field.text():
                self.search_field.clear()
                return True
            if watched is self.search_field and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return,
                                                                 Qt.Key.Key_Enter):
                self.table.setFocus()
                if self.proxy.rowCount() and not self.table.selectionModel().hasSelection():
                    self.table.selectRow(0)
                return True
            if watched is self.table and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
                index = self.table.currentIndex()
                if index.isValid() and self.proxy.is_group_row(index.row()):
                    self.set_group_expanded(not self.proxy.expanded)
                    return True
        return super().eventFilter(watched, event)

    def _keep_current_row_in_sight(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    # -- selection ----------------------------------------------------------------------------
    def selected_entry(self) -> Entry | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.proxy.entry_at(rows[0].row())

    def select_ref(self, ref: str) -> bool:
        """Select the row of ``ref``; False when it is not visible."""
        row = self.proxy.row_of(ref)
        if row < 0:
            return False
        index = self.proxy.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    def _selected_ref(self) -> str | None:
        entry = self.selected_entry()
        return entry.ref if entry is not None else None

    def _keep_or_clear_selection(self, before: str | None) -> None:
        """After an update: when the selected patient left the view (departed, or filtered away), Qt has
        moved the selection to a neighbouring row, a different patient, silently. Select nothing instead."""
        if before is None or self._selected_ref() == before:
            return
        self.table.selectionModel().clear()
        self._update_panel()

    def _selection_changed(self, *_args: object) -> None:
        self._update_panel()
        ref = self._selected_ref()
        if ref is not None and ref != self._journal_opened:
            # Showing a patient's details opens their journal: audited (who, which encounter, when).
            self._journal_opened = ref
            self.service.open_journal(ref, self.service.user)
            self.service.load_journal(ref)
        elif ref is None:
            self._journal_opened = None

    def _queue_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex,
                            roles: list[int] | None = None) -> None:
        if top_left.column() == bottom_right.column() == int(Column.WAITING):
            return  # a clock tick: counts unchanged; tick() refreshes the panel
        self._queue_changed()

    def _queue_changed(self, *_args: object) -> None:
        if self._applying:
            return  # apply_summary updates both once, after every row
        self._update_counts()
        self._update_panel()

    def _update_counts(self) -> None:
        if self.proxy.queue_filter is QueueFilter.MINE and not can_tell_mine(self.proxy.practitioner):
            self.set_filter(QueueFilter.ALL)  # signed in again as someone "Mine" cannot know
        counts = self.proxy.counts()
        titles = _filter_titles()
        knows_mine = can_tell_mine(self.proxy.practitioner)
        for which, button in self.filter_buttons.items():
            unknown = which is QueueFilter.MINE and not knows_mine  # a dash and why, never a silent 0
            text = f"{titles[which]}  {'–' if unknown else counts[which]}"
            if unknown:
                tip = translate(
                    "MainWindow", "Legevakt cannot tell which patients are yours: the platform has no "
                                  "Practitioner with your HPR number, so you are not recorded as nurse or "
                                  "doctor on any visit.") if self.proxy.practitioner else translate(
                    "MainWindow", "Legevakt cannot tell which patients are yours: nobody is signed in "
                                  "as a clinician.")
            else:
                tip = self._filter_tips[which]
            if button.isEnabled() == unknown or button.toolTip() != tip:
                button.setEnabled(not unknown)
                button.setToolTip(tip)
            if button.text() != text:
                button.setText(text)
            alarm = which is QueueFilter.DROPPED and counts[which] > 0
            if button.property("alarm") is not alarm:  # re-polishing restyles the button: only on a change
                button.setProperty("alarm", alarm)
                button.style().unpolish(button)
                button.style().polish(button)

    def _update_panel(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.panel.show_entry(None, (), None)
            return
        self.panel.show_entry(entry, self.queue_model.alerts_for(entry.ref), self.queue_model.now)

    # -- the shift handover report (menu "Shift report…"; the service gathers it, this thread renders) --
    def open_settings(self) -> SettingsDialog | None:
        """The settings dialog on the service's config file (None behind the lock or without a file)."""
        config = getattr(self.service, "config_path", None)
        if self.locked or config is None:
            return None
        dialog = SettingsDialog(Path(config), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.idle_lock.locked.connect(dialog.reject)
        dialog.open()
        return dialog

    def _build_report_menu(self) -> None:
        menu = self.menuBar().addMenu(translate("MainWindow", "&Shift"))
        self.report_action = QAction(translate("MainWindow", "Shift report…"), self)
        self.report_action.setObjectName("shiftReportAction")
        self.report_action.setShortcut(QKeySequence("Ctrl+P"))
        self.report_action.triggered.connect(self.ask_for_report)
        menu.addAction(self.report_action)
        # The shift lead's overview: fed every summary (also while hidden); it names patients, so the lock hides it.
        self.shift_lead_view = ShiftLeadView(self.service, scale=self._scale, clock=self._clock,
                                             language=self._language, parent=self)
        self.service.changed.connect(self.shift_lead_view.apply_summary)
        self.idle_lock.locked.connect(self.shift_lead_view.hide)
        self.shift_lead_action = QAction(translate("MainWindow", "Shift &lead overview"), self)
        self.shift_lead_action.setObjectName("shiftLeadAction")
        self.shift_lead_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.shift_lead_action.triggered.connect(lambda: None if self.locked else self.shift_lead_view.open())
        menu.addAction(self.shift_lead_action)
        self.addAction(self.shift_lead_action)
        self.shortcuts.append(self.shift_lead_action)
        # The settings dialog writes config.toml (where the service read it); changes apply at the next start.
        tools = self.menuBar().addMenu(translate("MainWindow", "&Tools"))
        self.settings_action = QAction(translate("MainWindow", "&Settings…"), self)
        self.settings_action.setObjectName("settingsAction")
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.open_settings)
        tools.addAction(self.settings_action)
        self.addAction(self.settings_action)
        self.shortcuts.append(self.settings_action)
        config = getattr(self.service, "config_path", None)
        self.settings_action.setEnabled(config is not None)
        ready = getattr(self.service, "report_ready", None)
        if ready is not None:
            ready.connect(self.report_ready)
        else:
            self.report_action.setEnabled(False)
        # Nothing acts behind the idle lock: the menu bar goes with the shortcuts.
        self.idle_lock.locked.connect(lambda: self.menuBar().setEnabled(False))
        self.idle_lock.unlocked.connect(lambda: self.menuBar().setEnabled(True))
        self._report_target: str | None = None
        self.report_box: QMessageBox | None = None
        #: Asks which shift and where to save it; (shift, path) or None. Tests put a function here.
        self.choose_report: Callable[[list[Shift]], tuple[Shift, str] | None] = self._choose_report

    def report_shifts(self) -> list[Shift]:
        """The shifts offered: the current one and the two before it (clinic time)."""
        shifts = getattr(getattr(self.service, "settings", None), "shifts", DEFAULT_SHIFTS)
        current = shift_at(self._clock(), clinic_time.zone(), shifts)
        offered = [current]
        for _ in range(2):
            offered.append(previous_shift(offered[-1], clinic_time.zone(), shifts))
        return offered

    def _choose_report(self, shifts: list[Shift]) -> tuple[Shift, str] | None:
        title = translate("MainWindow", "Shift report")
        labels = [shift_title(s, self._language) for s in shifts]
        dialog = shift_dialog(self, labels)
        try:
            ok = dialog.exec() == QDialog.DialogCode.Accepted
            label = dialog.textValue()
        finally:
            dialog.deleteLater()
        if not ok or label not in labels:
            return None
        shift = shifts[labels.index(label)]
        day = clinic_time.local(shift.start).date().isoformat()
        suggested = translate("MainWindow", "shift-report-{day}-{shift}.pdf").format(
            day=day, shift=texts.shift_name(shift.name))
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, translate("MainWindow", "PDF (*.pdf)"))
        if not path:
            return None
        return shift, path if path.lower().endswith(".pdf") else path + ".pdf"

    def ask_for_report(self) -> None:
        """Ask for a shift and a file, then for the report (it comes back on the service's report_ready)."""
        if self.locked or not self.report_action.isEnabled():
            return
        chosen = self.choose_report(self.report_shifts())
        if chosen is None:
            return
        shift, self._report_target = chosen
        request = getattr(self.service, "request_report", None)  # not in every UiService (see _build_report_menu)
        if callable(request):
            request(shift)

    def report_ready(self, report: ShiftReport) -> None:
        """Render the report the service gathered to the file asked for (writes that file only)."""
        path, self._report_target = self._report_target, None
        if path is None:
            return
        try:
            pages = render_report_pdf(report, path, language=self._language)
        except (ReportWriteError, OSError) as exc:
            log.error("shift report not written: %s", type(exc).__name__)
            self.banner.show_notice(translate("MainWindow", "The shift report could not be saved to {path}")
                                    .format(path=path))
            return
        box = QMessageBox(QMessageBox.Icon.Information, translate("MainWindow", "Shift report"),
                          translate("MainWindow", "The shift report is saved: {path} (pages: {pages})")
                          .format(pages=pages, path=path), QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.report_box = box

    # -- alerts that reach a person: sound and notification, the lock's live line, Alerts > All alerts… --
    def _build_alerts_menu(self) -> None:
        settings = getattr(self.service, "settings", None)
        self.alert_notifier = AlertNotifier(sound_on=bool(getattr(settings, "alert_sound", True)),
                                            notifications_on=bool(getattr(settings, "alert_notifications", True)),
                                            parent=self)
        self.service.changed.connect(self.alert_notifier.apply_summary)
        self.alert_notifier.new_critical.connect(self._critical_arrived)
        self._arrived_while_locked: Alert | None = None
        for signal in (self.alerts_model.rowsInserted, self.alerts_model.rowsRemoved, self.alerts_model.dataChanged):
            signal.connect(self._lock_count)
        self.idle_lock.unlocked.connect(self._back_to_alert)
        # Every alert of the shift, with its history; it names patients, so the lock hides it.
        self.shift_alerts = ShiftAlertsModel(self, entry_lookup=self.queue_model.entry)
        loaded, load = getattr(self.service, "alerts_loaded", None), getattr(self.service, "load_alerts", None)
        self.alerts_panel = AlertsPanel(self.banner, self.shift_alerts, shift_start=self.shift_start,
                                        load=load if loaded is not None and callable(load) else None, parent=self)
        if loaded is not None:
            loaded.connect(self.shift_alerts.merge)
        self.service.changed.connect(self.alerts_panel.apply_summary)
        self.service.failed.connect(lambda _problem: self.alerts_panel.refresh_buttons())  # after the banner's
        self.idle_lock.locked.connect(self.alerts_panel.hide)
        menu = self.menuBar().addMenu(translate("MainWindow", "&Alerts"))
        menu.setObjectName("alertsMenu")
        menu.setToolTipsVisible(True)  # a disabled action says which role may
        self.alerts_action = QAction(translate("MainWindow", "All alerts…"), self)
        self.alerts_action.setObjectName("alertsAction")
        self.alerts_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.alerts_action.triggered.connect(self.open_alerts)
        menu.addAction(self.alerts_action)
        self.addAction(self.alerts_action)
        self.shortcuts.append(self.alerts_action)
        self.action_acknowledge_next = keyboard.add_action(
            self, menu, translate("MainWindow", "Acknowledge the next alert…"), "Ctrl+K",
            lambda: self.banner.acknowledge_first(), name="acknowledgeNextAction")
        self.shortcuts.append(self.action_acknowledge_next)
        self.action_resolve_next = keyboard.add_action(  # the shift lead's (sign-in gates it)
            self, menu, translate("MainWindow", "Resolve the next alert…"), "Ctrl+Shift+K",
            lambda: self.banner.resolve_first(), name="resolveNextAction")
        self.shortcuts.append(self.action_resolve_next)
        # A mass departure, confirmed as one group with one comment (each alert records it). Who may is
        # decided elsewhere (the shift lead): enable/disable or hide this action, the banner's button follows.
        self.action_confirm_group = keyboard.add_action(
            self, menu, translate("MainWindow", "Confirm the whole group…"), "Ctrl+Shift+G",
            lambda: None if self.locked else self.banner.confirm_group(), name="confirmGroupAction")
        self.shortcuts.append(self.action_confirm_group)
        self.banner.set_confirm_action(self.action_confirm_group)
        # Help > Keyboard shortcuts (F1): read from the window's own actions and shortcuts.
        help_menu = self.menuBar().addMenu(translate("MainWindow", "&Help"))
        help_menu.setObjectName("helpMenu")
        self.shortcuts_dialog = keyboard.ShortcutsDialog(self)
        self.idle_lock.locked.connect(self.shortcuts_dialog.hide)
        self.help_action = keyboard.add_action(self, help_menu, translate("MainWindow", "&Keyboard shortcuts"), "F1",
                                               lambda: None if self.locked else self.shortcuts_dialog.open(),
                                               name="shortcutsAction")
        self.shortcuts.append(self.help_action)
        keyboard.assign_accelerators(self.menuBar())

    def open_alerts(self) -> None:
        """Alerts > All alerts… (Ctrl+Shift+A)."""
        if not self.locked:
            self.alerts_panel.open()

    def _critical_arrived(self, alert: Alert) -> None:
        if self.locked:
            self.lock_page.show_new_alert(new_alert_line(alert))
            self._arrived_while_locked = alert

    def _lock_count(self, *_args: object) -> None:
        if self.locked:
            self.lock_page.set_critical(sum(1 for a in self.alerts_model.ordered() if needs_acknowledgement(a)))

    def _back_to_alert(self) -> None:
        """Unlocked after a critical alert came: show its patient (the banner has its Acknowledge…)."""
        alert, self._arrived_while_locked = self._arrived_while_locked, None
        if alert is not None and alert.encounter and self.alerts_model.alert(alert.id) is not None:
            self._show_patient(alert.encounter)
