"""The right-hand panel: the selected patient's visit at a glance, and below it their journal."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from legevakt.app import clinic_time
from legevakt.ui import style, texts
from legevakt.ui.journal_panel import JournalPanel
from legevakt.ui.queue_model import wait_level, waiting_for_doctor
from legevakt.worklist.models import Alert, Entry, Fate, Severity
from legevakt.worklist.triage import TriageLevel, TriageScale

translate = QCoreApplication.translate


PANEL_WIDTH = 220


class PatientPanel(QFrame):
    """Shows one entry's last known data; empty when nothing is selected."""

    def sizeHint(self) -> QSize:
        return QSize(PANEL_WIDTH, super().sizeHint().height())

    def __init__(self, scale: TriageScale, language: str, parent: QWidget | None = None, *,
                 journal: JournalPanel | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientPanel")
        self._scale = scale
        self._language = language
        self._entry: Entry | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(8)
        self.caption = QLabel(translate("PatientPanel", "Selected patient"), self)
        self.caption.setObjectName("panelCaption")
        outer.addWidget(self.caption)

        # Nothing selected: one calm hint in the middle of the panel, no heading above it.
        self.empty_label = QLabel(translate("PatientPanel", "Select a patient in the queue."), self)
        self.empty_label.setObjectName("panelEmpty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.empty_label, 1)

        self.details = QWidget(self)
        d = QVBoxLayout(self.details)
        d.setContentsMargins(0, 0, 0, 0)
        d.setSpacing(6)
        self.name_label = QLabel(self.details)
        self.name_label.setObjectName("panelName")
        self.name_label.setWordWrap(True)
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        self.ident_label = QLabel(self.details)
        self.ident_label.setObjectName("panelIdent")
        self.ident_label.setWordWrap(True)
        self.dropped_label = QLabel(translate(
            "PatientPanel", "DROPPED FROM QUEUE – last known data. Find the patient and acknowledge the alert."),
            self.details)
        self.dropped_label.setObjectName("panelDropped")
        self.dropped_label.setWordWrap(True)
        self.triage_label = QLabel(self.details)
        self.triage_label.setObjectName("panelTriage")
        self.triage_label.setWordWrap(True)
        d.addWidget(self.name_label)
        d.addWidget(self.ident_label)
        d.addWidget(self.dropped_label)
        d.addWidget(self.triage_label)

        outer.addWidget(self.details)

        # The visit's fields, two a row (the long ones span both).
        self.visit = QWidget(self)
        self.visit.setObjectName("panelVisit")
        visit_layout = QVBoxLayout(self.visit)
        visit_layout.setContentsMargins(0, 0, 0, 0)
        fields = QGridLayout()
        fields.setContentsMargins(0, 6, 0, 0)
        fields.setHorizontalSpacing(12)
        fields.setVerticalSpacing(7)
        fields.setColumnStretch(0, 1)
        fields.setColumnStretch(1, 1)
        self.fields: dict[str, QLabel] = {}
        for key, label, row, col, span in (
            ("complaint", translate("PatientPanel", "Complaint"), 0, 0, 2),
            ("state", translate("PatientPanel", "State"), 1, 0, 1),
            ("arrived", translate("PatientPanel", "Arrived"), 1, 1, 1),
            ("waiting", translate("PatientPanel", "Waiting"), 2, 0, 1),
            ("room", translate("PatientPanel", "Room"), 2, 1, 1),
            ("nurse", translate("PatientPanel", "Nurse"), 3, 0, 1),
            ("doctor", translate("PatientPanel", "Doctor"), 3, 1, 1),
            ("alerts", translate("PatientPanel", "Alerts"), 4, 0, 2),
        ):
            cell = QWidget(self.visit)
            v = QVBoxLayout(cell)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(1)
            name = QLabel(label, cell)
            name.setObjectName("panelFieldName")
            value = QLabel(cell)
            value.setObjectName(f"panelField_{key}")
            value.setProperty("panelValue", True)
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            v.addWidget(name)
            v.addWidget(value)
            fields.addWidget(cell, row, col, 1, span, Qt.AlignmentFlag.AlignTop)
            self.fields[key] = value
        visit_layout.addLayout(fields)
        visit_layout.addStretch(1)

        # With a journal: the journal (first) and the visit as tabs under the patient's name; the queue's
        # row already shows most of the visit, the journal needs the height.
        self.journal = journal
        self.tabs: QTabWidget | None = None
        if journal is not None:
            self.tabs = QTabWidget(self)
            self.tabs.setObjectName("panelTabs")
            self.tabs.setDocumentMode(True)
            self.tabs.addTab(journal, translate("PatientPanel", "Journal"))
            self.tabs.addTab(self.visit, translate("PatientPanel", "Visit"))
            outer.addWidget(self.tabs, 1)
        else:
            outer.addWidget(self.visit, 1)
        self.show_entry(None, (), None)

    @property
    def entry(self) -> Entry | None:
        return self._entry

    def show_entry(self, entry: Entry | None, alerts: tuple[Alert, ...], now: datetime | None) -> None:
        self._entry = entry
        self.empty_label.setVisible(entry is None)
        self.caption.setVisible(entry is not None)
        self.details.setVisible(entry is not None)
        if self.tabs is not None:
            self.tabs.setVisible(entry is not None)
        else:
            self.visit.setVisible(entry is not None)
        if self.journal is not None:
            self.journal.set_entry(entry)
        if entry is None or now is None:
            return
        enc, pat = entry.encounter, entry.patient
        level = self._scale.level(enc.triage)
        self.name_label.setText(texts.patient_name(entry))
        born = texts.birth_date_text(pat.birth_date if pat else None)
        warning = texts.identifier_warning(entry)
        self.ident_label.setText(f"{born}  ·  {texts.age_sex(entry, clinic_time.today(now))}\n"
                                 f"{texts.masked_identifier(entry)}"
                                 + (f"  {texts.INVALID_ID_MARK} {warning}" if warning else ""))
        # The platform ids only in a tooltip: a nurse reads the name and the masked identifier.
        ids = "\n".join(r for r in (entry.ref, pat.ref if pat else None) if r)
        self.name_label.setToolTip(texts.plain_tooltip(ids))
        self.dropped_label.setVisible(entry.fate is Fate.DROPPED)
        self._set_triage(level, enc.triage)
        waited = int((now - entry.arrived_at).total_seconds() // 60)
        waiting = texts.minutes_text(waited)
        if level is not None and waiting_for_doctor(entry):
            target = translate("PatientPanel", "target {minutes} min").format(minutes=level.target_minutes)
            lvl = wait_level(entry, level, now)
            if lvl == 2:
                waiting = f"{waiting} ({target})\n" + translate("PatientPanel", "past twice the target")
            elif lvl == 1:
                waiting = f"{waiting} ({target})\n" + translate("PatientPanel", "past the target")
            else:
                waiting = f"{waiting} ({target})"
        values = {
            "complaint": texts.complaint_text(enc) or "–",
            "state": texts.state_label(entry),
            "arrived": _arrival_text(entry.arrived_at, now),
            "waiting": waiting,
            "room": _named(enc.room_name, enc.room),
            "nurse": _named(enc.nurse_name, enc.nurse),
            "doctor": _named(enc.doctor_name, enc.doctor),
            "alerts": "\n".join(
                ("● " if a.severity is Severity.CRITICAL else "○ ") + texts.alert_short(a.kind) for a in alerts
            ) or "–",
        }
        for key, text in values.items():
            self.fields[key].setText(text)
        for key, ref in (("room", enc.room), ("nurse", enc.nurse), ("doctor", enc.doctor)):
            # the id a name stands for, never as the text
            self.fields[key].setToolTip(texts.plain_tooltip(ref or ""))

    def _set_triage(self, level: TriageLevel | None, code: str | None) -> None:
        bg = style.triage_colour(level).name()
        fg = style.triage_text_colour(level).name()
        self.triage_label.setText(texts.triage_label(self._scale, code, self._language))
        self.triage_label.setStyleSheet(
            f"background: {bg}; color: {fg}; border-radius: 4px; padding: 4px 10px; font-weight: 600;")


def _named(name: str | None, ref: str | None) -> str:
    """A room or clinician by name; one known only by its platform id says that one is assigned."""
    if name and texts.place_name(name, None):
        return texts.place_name(name, None)
    return translate("PatientPanel", "assigned (no name)") if ref else "–"


def _arrival_text(arrived: datetime, now: datetime) -> str:
    return clinic_time.day_clock(arrived, now)
