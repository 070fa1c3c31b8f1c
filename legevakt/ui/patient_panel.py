"""The right-hand panel: the selected patient's visit at a glance (the journal comes later)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from legevakt.ui import style, texts
from legevakt.ui.queue_model import wait_level, waiting_for_doctor
from legevakt.worklist.models import Alert, Entry, Fate, Severity
from legevakt.worklist.triage import TriageLevel, TriageScale

translate = QCoreApplication.translate


PANEL_WIDTH = 220


class PatientPanel(QFrame):
    """Shows one entry's last known data; empty when nothing is selected."""

    def sizeHint(self) -> QSize:
        return QSize(PANEL_WIDTH, super().sizeHint().height())

    def __init__(self, scale: TriageScale, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientPanel")
        self._scale = scale
        self._language = language
        self._entry: Entry | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 14)
        outer.setSpacing(10)
        caption = QLabel(translate("PatientPanel", "Selected patient"), self)
        caption.setObjectName("panelCaption")
        outer.addWidget(caption)

        self.empty_label = QLabel(translate("PatientPanel", "Select a patient in the queue."), self)
        self.empty_label.setObjectName("panelEmpty")
        self.empty_label.setWordWrap(True)
        outer.addWidget(self.empty_label)

        self.details = QWidget(self)
        d = QVBoxLayout(self.details)
        d.setContentsMargins(0, 0, 0, 0)
        d.setSpacing(8)
        self.name_label = QLabel(self.details)
        self.name_label.setObjectName("panelName")
        self.name_label.setWordWrap(True)
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        self.ident_label = QLabel(self.details)
        self.ident_label.setObjectName("panelIdent")
        self.ident_label.setWordWrap(True)
        self.ref_label = QLabel(self.details)
        self.ref_label.setObjectName("panelRef")
        self.ref_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dropped_label = QLabel(translate(
            "PatientPanel", "DROPPED FROM QUEUE – last known data. Find the patient and resolve the alert."),
            self.details)
        self.dropped_label.setObjectName("panelDropped")
        self.dropped_label.setWordWrap(True)
        self.triage_label = QLabel(self.details)
        self.triage_label.setObjectName("panelTriage")
        self.triage_label.setWordWrap(True)
        d.addWidget(self.name_label)
        d.addWidget(self.ident_label)
        d.addWidget(self.ref_label)
        d.addWidget(self.dropped_label)
        d.addWidget(self.triage_label)

        fields = QVBoxLayout()
        fields.setContentsMargins(0, 8, 0, 0)
        fields.setSpacing(9)
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("complaint", translate("PatientPanel", "Complaint")),
            ("state", translate("PatientPanel", "State")),
            ("arrived", translate("PatientPanel", "Arrived")),
            ("waiting", translate("PatientPanel", "Waiting")),
            ("room", translate("PatientPanel", "Room")),
            ("nurse", translate("PatientPanel", "Nurse")),
            ("doctor", translate("PatientPanel", "Doctor")),
            ("alerts", translate("PatientPanel", "Alerts")),
        ):
            cell = QWidget(self.details)
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
            fields.addWidget(cell)
            self.fields[key] = value
        d.addLayout(fields)
        outer.addWidget(self.details)
        outer.addStretch(1)

        self.journal_label = QLabel(translate("PatientPanel", "Journal coming"), self)
        self.journal_label.setObjectName("panelJournalSoon")
        outer.addWidget(self.journal_label)
        self.show_entry(None, (), None)

    @property
    def entry(self) -> Entry | None:
        return self._entry

    def show_entry(self, entry: Entry | None, alerts: tuple[Alert, ...], now: datetime | None) -> None:
        self._entry = entry
        self.empty_label.setVisible(entry is None)
        self.details.setVisible(entry is not None)
        if entry is None or now is None:
            return
        enc, pat = entry.encounter, entry.patient
        level = self._scale.level(enc.triage)
        self.name_label.setText(texts.patient_name(entry))
        born = texts.birth_date_text(pat.birth_date if pat else None)
        self.ident_label.setText(f"{born}  ·  {texts.age_sex(entry, now.astimezone().date())}\n"
                                 f"{texts.masked_identifier(entry)}")
        self.ref_label.setText(entry.ref)
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
            "complaint": enc.complaint or "–",
            "state": texts.state_label(entry),
            "arrived": _arrival_text(entry.arrived_at, now),
            "waiting": waiting,
            "room": texts.place_name(enc.room_name, enc.room) or "–",
            "nurse": texts.place_name(enc.nurse_name, enc.nurse) or "–",
            "doctor": texts.place_name(enc.doctor_name, enc.doctor) or "–",
            "alerts": "\n".join(
                ("● " if a.severity is Severity.CRITICAL else "○ ") + texts.alert_short(a.kind) for a in alerts
            ) or "–",
        }
        for key, text in values.items():
            self.fields[key].setText(text)

    def _set_triage(self, level: TriageLevel | None, code: str | None) -> None:
        bg = style.triage_colour(level).name()
        fg = style.triage_text_colour(level).name()
        self.triage_label.setText(texts.triage_label(self._scale, code, self._language))
        self.triage_label.setStyleSheet(
            f"background: {bg}; color: {fg}; border-radius: 4px; padding: 4px 10px; font-weight: 600;")


def _arrival_text(arrived: datetime, now: datetime) -> str:
    local = arrived.astimezone()
    if local.date() == now.astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%d.%m. %H:%M")
