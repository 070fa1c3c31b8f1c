"""What a person can do to the selected patient: set triage, change the visit's state, finish it.

Every action goes to the service as a command (validated, stored in the outbox with its local effect,
then sent to the platform); the menu itself changes nothing. Reached by right-click, the Menu key,
Shift+F10 or Ctrl+T.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from legevakt.ui import keyboard, style, texts
from legevakt.worklist.commands import TRANSITIONS, CommandKind
from legevakt.worklist.models import DepartureReason, EncounterStatus, Entry, Fate
from legevakt.worklist.roles import Permission, Role, roles_allowed
from legevakt.worklist.triage import TriageScale

translate = QCoreApplication.translate

#: Submit(encounter ref, kind, target, disposition, display name of the target)
Submit = Callable[[str, CommandKind, str, str | None, str | None], None]

DISPOSITIONS: tuple[DepartureReason, ...] = (
    DepartureReason.HOME, DepartureReason.ADMITTED, DepartureReason.TRANSFERRED, DepartureReason.LWBS,
    DepartureReason.DECEASED, DepartureReason.OTHER,
)


def role_name(role: Role) -> str:
    return {Role.NURSE: translate("Roles", "Nurse"), Role.DOCTOR: translate("Roles", "Doctor"),
            Role.SHIFT_LEAD: translate("Roles", "Shift lead")}[role]


def who_may(permission: Permission) -> str:
    """A tooltip for a disabled action: which roles may do it."""
    return translate("Roles", "Only for: {roles}").format(
        roles=", ".join(role_name(r) for r in roles_allowed(permission)))


def gate_widget(widget: QWidget | QAction, allowed: bool, permission: Permission, tooltip: str = "", *,
                enabled: bool = True) -> None:
    """A button or action of the window for ``permission``: enabled when ``enabled`` and the signed-in role
    is ``allowed``; while the role is not, it stays visible but disabled, its tooltip saying which role may
    (then what it does, ``tooltip``)."""
    widget.setEnabled(enabled and allowed)
    widget.setToolTip(tooltip if allowed else "\n".join(t for t in (who_may(permission), tooltip) if t))


def may_of(service: object) -> Callable[[Permission], bool]:
    """The service's ``may`` (whether the signed-in role may), or "everything" for a service without roles."""
    may = getattr(service, "may", None)
    return may if callable(may) else (lambda _p: True)


def gate(menu: QMenu, allowed: bool, permission: Permission) -> None:
    """Disable a submenu the signed-in role may not use, with a tooltip saying which role may."""
    if not allowed:
        menu.setEnabled(False)
        menu.menuAction().setToolTip(who_may(permission))


def triage_keys(i: int) -> QKeySequence:
    """The keys that set the i-th triage level (1 = most urgent) on the selected patient."""
    return QKeySequence(f"Ctrl+Alt+{i}")


def patient_menu(parent: QWidget, entry: Entry, scale: TriageScale, language: str, submit: Submit,
                 directory: Mapping[str, Mapping[str, str]] | None = None,
                 may: Callable[[Permission], bool] | None = None) -> QMenu:
    """``directory``: rooms, nurses and doctors to offer ("room"/"nurse"/"doctor" -> ref -> name);
    ``may``: whether the signed-in role may (None: everything)."""
    may = may or (lambda _p: True)
    menu = QMenu(parent)
    menu.setToolTipsVisible(True)
    menu.setObjectName("patientMenu")
    enc = entry.encounter
    writable = entry.fate is not Fate.DEPARTED and not enc.status.is_terminal

    # Whom the menu acts on, first: the patient selected when it opened, whatever re-sorts meanwhile.
    who = f"{texts.patient_name(entry)} ({texts.masked_identifier(entry)})"
    header = menu.addAction(who.replace("&", "&&"))
    header.setObjectName("patientMenuHeader")
    header.setProperty(keyboard.HEADING, True)
    header.setEnabled(False)
    font = header.font()
    font.setBold(True)
    header.setFont(font)
    menu.addSeparator()

    triage = menu.addMenu(translate("Actions", "Set &triage"))
    triage.setObjectName("triageMenu")
    gate(triage, may(Permission.TRIAGE), Permission.TRIAGE)
    for i, level in enumerate(scale.levels, start=1):
        action = QAction(style.triage_swatch(level), level.name(language), triage)
        if i <= 9:  # shown here; the window's own action (Queue > Set triage) answers the keys
            action.setShortcut(triage_keys(i))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # never a second binding of them
        action.setCheckable(True)
        action.setChecked(enc.triage == level.code)
        action.setEnabled(writable and enc.triage != level.code)
        action.setData(level.code)
        action.triggered.connect(lambda _=False, c=level.code: submit(entry.ref, CommandKind.SET_TRIAGE, c, None, None))
        triage.addAction(action)

    state = menu.addMenu(translate("Actions", "Change &state"))
    state.setObjectName("stateMenu")
    allowed = TRANSITIONS.get(enc.status, frozenset())
    for status in (EncounterStatus.TRIAGED, EncounterStatus.IN_PROGRESS, EncounterStatus.ONLEAVE,
                   EncounterStatus.CANCELLED, EncounterStatus.ENTERED_IN_ERROR):
        if status in allowed:
            action = state.addAction(texts.status_label(status))
            action.setData(status.value)
            action.setEnabled(writable)
            action.triggered.connect(
                lambda _=False, s=status.value: submit(entry.ref, CommandKind.SET_STATE, s, None, None))
    state.setEnabled(writable and bool(allowed))
    gate(state, may(Permission.STATE), Permission.STATE)

    finish = menu.addMenu(translate("Actions", "&Finish visit"))
    finish.setObjectName("finishMenu")
    for reason in DISPOSITIONS:
        action = finish.addAction(reason.label(language))
        action.setData(reason.value)
        action.triggered.connect(
            lambda _=False, r=reason.value: submit(entry.ref, CommandKind.SET_STATE, "finished", r, None))
    finish.setEnabled(writable and EncounterStatus.FINISHED in allowed)
    gate(finish, may(Permission.DISCHARGE), Permission.DISCHARGE)

    directory = directory or {}
    current = {"room": enc.room, "nurse": enc.nurse, "doctor": enc.doctor}
    titles = {"room": translate("Actions", "Assign &room"), "nurse": translate("Actions", "Assign &nurse"),
              "doctor": translate("Actions", "Assign &doctor")}
    permissions = {"room": Permission.ROOM, "nurse": Permission.NURSE, "doctor": Permission.DOCTOR}
    kinds = {"room": CommandKind.ASSIGN_ROOM, "nurse": CommandKind.ASSIGN_NURSE, "doctor": CommandKind.ASSIGN_DOCTOR}
    menu.addSeparator()
    for what in ("room", "nurse", "doctor"):
        sub = menu.addMenu(titles[what])
        sub.setObjectName(f"{what}Menu")
        for ref, name in directory.get(what, {}).items():
            action = sub.addAction(name.replace("&", "&&"))  # a name's "&" is no accelerator
            action.setData(ref)
            action.setCheckable(True)
            action.setChecked(ref == current[what])
            action.setEnabled(writable and ref != current[what])
            action.triggered.connect(
                lambda _=False, r=ref, n=name, k=kinds[what]: submit(entry.ref, k, r, None, n))
        sub.setEnabled(writable and bool(directory.get(what)))
        gate(sub, may(permissions[what]), permissions[what])

    if entry.fate is Fate.DROPPED:
        menu.addSeparator()
        note = menu.addAction(
            translate("Actions", "Dropped from the queue: resolve the alert first") if may(Permission.RESOLVE_ANY_ALERT)
            else translate("Actions", "Dropped from the queue: acknowledge the alert; the shift lead resolves it"))
        note.setEnabled(False)
    keyboard.assign_accelerators(menu)  # triage levels, states, names: the first free letter of each
    return menu
