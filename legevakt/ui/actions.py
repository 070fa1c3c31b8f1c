"""What a person can do to the selected patient: set triage, change the visit's state, finish it.

Every action goes to the service as a command (validated, stored in the outbox with its local effect,
then sent to the platform); the menu itself changes nothing. Reached by right-click, the Menu key,
Shift+F10 or Ctrl+T.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from legevakt.ui import style, texts
from legevakt.worklist.commands import TRANSITIONS, CommandKind
from legevakt.worklist.models import DepartureReason, EncounterStatus, Entry, Fate
from legevakt.worklist.triage import TriageScale

translate = QCoreApplication.translate

#: Submit(encounter ref, kind, target, disposition)
Submit = Callable[[str, CommandKind, str, str | None], None]

DISPOSITIONS: tuple[DepartureReason, ...] = (
    DepartureReason.HOME, DepartureReason.ADMITTED, DepartureReason.TRANSFERRED, DepartureReason.LWBS,
    DepartureReason.DECEASED, DepartureReason.OTHER,
)


def patient_menu(parent: QWidget, entry: Entry, scale: TriageScale, language: str, submit: Submit) -> QMenu:
    menu = QMenu(parent)
    menu.setObjectName("patientMenu")
    enc = entry.encounter
    writable = entry.fate is not Fate.DEPARTED and not enc.status.is_terminal

    triage = menu.addMenu(translate("Actions", "Set triage"))
    triage.setObjectName("triageMenu")
    for level in scale.levels:
        action = QAction(style.triage_swatch(level), level.name(language), triage)
        action.setCheckable(True)
        action.setChecked(enc.triage == level.code)
        action.setEnabled(writable and enc.triage != level.code)
        action.setData(level.code)
        action.triggered.connect(lambda _=False, c=level.code: submit(entry.ref, CommandKind.SET_TRIAGE, c, None))
        triage.addAction(action)

    state = menu.addMenu(translate("Actions", "Change state"))
    state.setObjectName("stateMenu")
    allowed = TRANSITIONS.get(enc.status, frozenset())
    for status in (EncounterStatus.TRIAGED, EncounterStatus.IN_PROGRESS, EncounterStatus.ONLEAVE,
                   EncounterStatus.CANCELLED, EncounterStatus.ENTERED_IN_ERROR):
        if status in allowed:
            action = state.addAction(texts.status_label(status))
            action.setData(status.value)
            action.setEnabled(writable)
            action.triggered.connect(lambda _=False, s=status.value: submit(entry.ref, CommandKind.SET_STATE, s, None))
    state.setEnabled(writable and bool(allowed))

    finish = menu.addMenu(translate("Actions", "Finish visit"))
    finish.setObjectName("finishMenu")
    for reason in DISPOSITIONS:
        action = finish.addAction(reason.label(language))
        action.setData(reason.value)
        action.triggered.connect(
            lambda _=False, r=reason.value: submit(entry.ref, CommandKind.SET_STATE, "finished", r))
    finish.setEnabled(writable and EncounterStatus.FINISHED in allowed)

    if entry.fate is Fate.DROPPED:
        menu.addSeparator()
        note = menu.addAction(translate("Actions", "Dropped from the queue: resolve the alert first"))
        note.setEnabled(False)
    return menu
