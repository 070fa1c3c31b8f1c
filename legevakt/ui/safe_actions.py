"""Safe actions on a patient: confirm what cannot be undone, offer "Angre" for 10 seconds on the rest.

- Finishing a visit (every disposition: home, admitted, "Død", "Gikk uten å bli sett", ...), cancelling it
  and marking it entered in error end the visit: the window asks first, naming the patient (name and
  masked identifier), with Cancel as the default button.
- Every other action is sent at once and a toast at the bottom of the window offers "Angre" (Ctrl+Z) for
  ``UNDO_MS``; "Angre" queues the inverse command (same kind, target = the value the row had when the menu
  opened) through the same outbox. If the row changed meanwhile the normal conflict rules apply.
- A ``Request`` holds the entry as it was when the menu opened: the action applies to that patient even if
  rows re-sort or new ones arrive before it is chosen or confirmed.
- ``write_change_text``: the words for a refused or conflicting write, naming rooms and clinicians
  (never ``Location/...``) from the names this window knows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSizePolicy, QWidget

from legevakt.ui import keyboard, texts
from legevakt.worklist.commands import TRANSITIONS, CommandKind, field_value
from legevakt.worklist.models import Alert, AlertKind, DepartureReason, EncounterStatus, Entry
from legevakt.worklist.triage import TriageScale

translate = QCoreApplication.translate

UNDO_MS = 10_000

#: Submit(encounter ref, kind, target, disposition, display name of the target): what the menu calls
Submit = Callable[[str, CommandKind, str, str | None, str | None], None]
#: Send(..., expect): to the service, with the field's value as the person saw it (None: not checked)
Send = Callable[[str, CommandKind, str, str | None, str | None, str | None], None]
_REF = re.compile(r"(Encounter|Location|Practitioner)/[A-Za-z0-9\-.]{1,64}")

_NAME_FIELD = {CommandKind.ASSIGN_ROOM: "room_name", CommandKind.ASSIGN_NURSE: "nurse_name",
               CommandKind.ASSIGN_DOCTOR: "doctor_name"}


@dataclass(frozen=True, slots=True)
class Request:
    """One action as chosen in the menu: ``entry`` is the patient's row when the menu opened."""

    entry: Entry
    kind: CommandKind
    target: str
    disposition: str | None = None
    display: str | None = None
    #: The field's value the command is meant for: as the row showed it, or (an undo) as the undone action
    #: set it. When someone else changed it in between the service refuses the command (None: no check).
    expect: str | None = None

    @property
    def ref(self) -> str:
        return self.entry.ref


def ends_visit(kind: CommandKind, target: str) -> bool:
    """Finishing (any disposition), cancelling, entered in error: cannot be undone, so they are confirmed."""
    if kind is not CommandKind.SET_STATE:
        return False
    try:
        return EncounterStatus(target).is_terminal
    except ValueError:
        return False


def inverse(request: Request) -> Request | None:
    """The command that puts the field back as it was when the menu opened; None when there is none the
    platform accepts (no value before, or a state change the rules do not allow back)."""
    enc = request.entry.encounter
    if request.kind is CommandKind.SET_STATE:
        try:
            new = EncounterStatus(request.target)
        except ValueError:
            return None
        if new.is_terminal or enc.status is new or enc.status not in TRANSITIONS.get(new, frozenset()):
            return None
        return Request(request.entry, CommandKind.SET_STATE, enc.status.value, expect=new.value)
    before = field_value(enc, request.kind)
    if not before or before == request.target:
        return None
    name = getattr(enc, _NAME_FIELD[request.kind]) if request.kind in _NAME_FIELD else None
    return Request(request.entry, request.kind, before, None, name, expect=request.target)


def patient_label(entry: Entry) -> str:
    return f"{texts.patient_name(entry)} ({texts.masked_identifier(entry)})"


def value_text(kind: CommandKind, value: str | None, scale: TriageScale, language: str,
               name: str | None = None) -> str:
    """A field's value in words: triage level, state, or the room's or clinician's name."""
    if value is None:
        return translate("SafeActions", "none")
    if kind is CommandKind.SET_TRIAGE:
        return texts.triage_short(scale, value, language)
    if kind is CommandKind.SET_STATE:
        status, _, disp = value.partition(":")
        try:
            words = texts.status_label(EncounterStatus(status))
        except ValueError:
            return value
        return f"{words} ({texts.departure_label(disp)})" if disp else words
    return texts.place_name(name, value)


def field_text(kind: CommandKind) -> str:
    return {
        CommandKind.SET_TRIAGE: translate("SafeActions", "Triage"),
        CommandKind.ASSIGN_ROOM: translate("SafeActions", "Room"),
        CommandKind.ASSIGN_NURSE: translate("SafeActions", "Nurse"),
        CommandKind.ASSIGN_DOCTOR: translate("SafeActions", "Doctor"),
        CommandKind.SET_STATE: translate("SafeActions", "State"),
    }.get(kind, kind.value)


# -- the confirmation --------------------------------------------------------------------------------------
def confirmation_box(parent: QWidget, request: Request) -> QMessageBox:
    """A window-modal question naming the patient; Cancel is the default (Enter does not end a visit)."""
    who = patient_label(request.entry)
    status = EncounterStatus(request.target)
    if status is EncounterStatus.FINISHED:
        reason = texts.departure_label(request.disposition or "")
        if request.disposition == DepartureReason.DECEASED.value:
            question = translate("SafeActions", "Register {patient} as deceased and finish the visit?")
            yes = translate("SafeActions", "Register as deceased")
        elif request.disposition == DepartureReason.LWBS.value:
            question = translate("SafeActions", "Register that {patient} left without being seen?")
            yes = translate("SafeActions", "Register as left")
        else:
            question = translate("SafeActions", "Finish the visit of {patient}: {reason}?")
            yes = translate("SafeActions", "Finish visit")
        question = question.format(patient=who, reason=reason)
    elif status is EncounterStatus.CANCELLED:
        question = translate("SafeActions", "Cancel the visit of {patient}?").format(patient=who)
        yes = translate("SafeActions", "Cancel visit")
    else:
        question = translate("SafeActions", "Mark the visit of {patient} as entered in error?").format(patient=who)
        yes = translate("SafeActions", "Mark as error")
    box = QMessageBox(QMessageBox.Icon.Warning, translate("SafeActions", "Confirm"), question,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("confirmAction")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText(translate("SafeActions", "The patient leaves the queue. This cannot be undone here."))
    box.setWindowModality(Qt.WindowModality.WindowModal)
    confirm = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    confirm.setObjectName("confirmButton")
    cancel = box.addButton(translate("SafeActions", "Go back"), QMessageBox.ButtonRole.RejectRole)
    cancel.setObjectName("cancelButton")
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box


def done_text(request: Request) -> str:
    """What a confirmed action did, naming the patient (the toast after the row has left the queue)."""
    who = patient_label(request.entry)
    status = EncounterStatus(request.target)
    if status is EncounterStatus.FINISHED:
        return translate("SafeActions", "Visit finished: {reason} – {patient}").format(
            reason=texts.departure_label(request.disposition or ""), patient=who)
    if status is EncounterStatus.CANCELLED:
        return translate("SafeActions", "Visit cancelled – {patient}").format(patient=who)
    return translate("SafeActions", "Marked as entered in error – {patient}").format(patient=who)


# -- the undo toast ----------------------------------------------------------------------------------------
class UndoToast(QFrame):
    """A non-modal strip at the bottom of the window: what was done, "Angre", and a close button. It hides
    itself after ``interval_ms``; Esc dismisses it, Ctrl+Z undoes.

    It floats over the bottom of its window unless :meth:`dock` gives it a row of a layout (the main
    window: above the status bar, so it covers no patient row for its 10 s)."""

    def __init__(self, parent: QWidget, interval_ms: int = UNDO_MS) -> None:
        super().__init__(parent)
        self.setObjectName("undoToast")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#undoToast { background: #263238; border-radius: 6px; }"
                           "#undoToast QLabel { color: white; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        self.label = QLabel(self)
        self.label.setObjectName("undoText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.label, 1)
        self.undo_button = QPushButton(translate("SafeActions", "Undo"), self)
        self.undo_button.setObjectName("undoButton")
        self.undo_button.setToolTip(translate("SafeActions", "Undo (Ctrl+Z)"))
        self.undo_button.clicked.connect(self.undo)
        layout.addWidget(self.undo_button)
        close = QPushButton("×", self)
        close.setObjectName("undoClose")
        close.setFlat(True)
        close.setToolTip(translate("SafeActions", "Close (Esc)"))
        close.clicked.connect(self.dismiss)
        layout.addWidget(close)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.dismiss)
        self._undo: Callable[[], None] | None = None
        self.shortcuts: list[QShortcut] = []
        area = translate("SafeActions", "Queue")
        for key, slot, what in (
                ("Esc", self.dismiss, translate("SafeActions", "Close the “Angre” note")),
                ("Ctrl+Z", self.undo, translate("SafeActions", "Undo the last action (for 10 seconds)"))):
            sc = keyboard.describe(QShortcut(QKeySequence(key), parent), area, what)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.setEnabled(False)
            sc.activated.connect(slot)
            self.shortcuts.append(sc)
        self._window = parent
        self._docked = False
        parent.installEventFilter(self)
        self.hide()

    def dock(self, row: QBoxLayout) -> None:
        """Show in ``row`` (centred there) instead of over the window: the layout makes room for it while it
        shows, so it covers nothing; hidden, it takes no room."""
        self._docked = True
        row.addStretch(1)
        row.addWidget(self)
        row.addStretch(1)

    def show_action(self, text: str, undo: Callable[[], None] | None) -> None:
        """Show ``text``; with ``undo`` "Angre" calls it (once), without it the toast says so."""
        self._undo = undo
        self.undo_button.setVisible(undo is not None)
        if undo is None:
            text = translate("SafeActions", "{action} (cannot be undone here)").format(action=text)
        self.label.setText(text)
        self.label.setToolTip(text)
        for sc in self.shortcuts:
            sc.setEnabled(True)
        self._place()
        self.show()
        self.raise_()
        self.timer.start()

    def undo(self) -> None:
        action, self._undo = self._undo, None
        self.dismiss()
        if action is not None:
            action()

    def dismiss(self) -> None:
        self.timer.stop()
        self._undo = None
        for sc in self.shortcuts:
            sc.setEnabled(False)
        self.hide()

    @property
    def can_undo(self) -> bool:
        return not self.isHidden() and self._undo is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Resize and not self.isHidden():
            self._place()
        return False

    def _place(self) -> None:
        window = self._window
        width = min(max(360, window.width() // 2), window.width() - 24)
        self.setFixedWidth(width)
        self.label.setText(self.label.fontMetrics().elidedText(
            self.label.toolTip(), Qt.TextElideMode.ElideRight, max(80, width - 200)))
        if not self._docked:
            self.adjustSize()
            self.move((window.width() - width) // 2, window.height() - self.height() - 36)


# -- the controller the window uses ----------------------------------------------------------------------
class SafeActions(QObject):
    """Between the patient menu and the service: confirms, submits, offers undo, remembers names."""

    def __init__(self, window: QWidget, submit: Send, scale: TriageScale, language: str,
                 names: Callable[[], dict[str, dict[str, str]]] | None = None, undo_ms: int = UNDO_MS, *,
                 entry: Callable[[str], Entry | None] | None = None) -> None:
        super().__init__(window)
        self._entry = entry
        self._window = window
        self._submit = submit
        self._scale = scale
        self._language = language
        self._directory = names
        self._names: dict[str, str] = {}  # ref -> display, from every action chosen here
        self.toast = UndoToast(window, undo_ms)
        self.dialog: QMessageBox | None = None

    def request(self, entry: Entry) -> Submit:
        """The menu's submit for ``entry`` (the row as it is now): later re-sorts do not change the patient."""
        def chosen(ref: str, kind: CommandKind, target: str, disposition: str | None, display: str | None) -> None:
            assert ref == entry.ref
            self.choose(Request(entry, kind, target, disposition, display, field_value(entry.encounter, kind)))
        return chosen

    def choose(self, request: Request) -> None:
        if ends_visit(request.kind, request.target):
            self._confirm(request)
        else:
            self._send(request, undoable=True)

    def close_dialogs(self) -> None:
        """Drop an open question and the toast (they name a patient): used when the screen locks."""
        if self.dialog is not None:
            self.dialog.reject()
        self.toast.dismiss()

    def name_of(self, ref: str) -> str | None:
        """A room's or clinician's display name, as known to this window."""
        if ref in self._names:
            return self._names[ref]
        for names in (self._directory() if self._directory else {}).values():
            name = names.get(ref)
            if name and name != ref:
                return name
        return None

    def ref_name(self, ref: str) -> str | None:
        """Words for a platform reference in a message: the patient (name and masked id) for an
        encounter, the name for a room or clinician; None when not known here."""
        if not _REF.fullmatch(ref):
            return None
        if ref.startswith("Encounter/"):
            found = self._entry(ref) if self._entry is not None else None
            return patient_label(found) if found is not None else None
        return self.name_of(ref)

    def write_text(self, alert: Alert, entry: Entry | None) -> str:
        """A write alert's change in words for the banner (``write_change_text`` with this window's names)."""
        return write_change_text(alert, entry, self._scale, self._language, self.name_of)

    def _confirm(self, request: Request) -> None:
        if self.dialog is not None:
            self.dialog.reject()
        box = confirmation_box(self._window, request)
        self.dialog = box

        def done(_result: int) -> None:
            if self.dialog is box:
                self.dialog = None
            accepted = box.clickedButton() is box.findChild(QPushButton, "confirmButton")
            box.deleteLater()
            if accepted:
                self._send(request, undoable=False)
                self.toast.show_action(done_text(request), None)  # the row leaves: say what was done

        box.finished.connect(done)
        box.open()

    def _send(self, request: Request, *, undoable: bool) -> None:
        self._remember(request)
        self._submit(request.ref, request.kind, request.target, request.disposition, request.display,
                     request.expect)
        if not undoable:
            return
        back = inverse(request)
        if back is not None:
            self._remember(back)
        self.toast.show_action(self._describe(request),
                               (lambda: self._send(back, undoable=False)) if back is not None else None)

    def _remember(self, request: Request) -> None:
        if request.display and request.kind in _NAME_FIELD:
            self._names[request.target] = request.display

    def _describe(self, request: Request) -> str:
        target = request.target
        if request.kind is CommandKind.SET_STATE and request.disposition:
            target = f"{target}:{request.disposition}"
        value = value_text(request.kind, target, self._scale, self._language, request.display)
        return translate("SafeActions", "{field} set to {value} – {patient}").format(
            field=field_text(request.kind), value=value, patient=patient_label(request.entry))


# -- refused and conflicting writes -------------------------------------------------------------------------
_FIELD_KIND = {kind.field: kind for kind in (CommandKind.SET_TRIAGE, CommandKind.ASSIGN_ROOM,
                                             CommandKind.ASSIGN_NURSE, CommandKind.ASSIGN_DOCTOR,
                                             CommandKind.SET_STATE)}
_NOT_APPLIED = re.compile(r"set (?P<field>\w+) of \S+ to (?P<ours>\S+): (?P<why>refused|not confirmed)")
_CONFLICT = re.compile(r"(?P<field>\w+) change not applied: .*\(ours (?P<ours>\S+), theirs (?P<theirs>[^,]+),")


def write_change_text(alert: Alert, entry: Entry | None, scale: TriageScale, language: str,
                      names: Callable[[str], str | None] | None = None) -> str:
    """What a write alert's change was, in words ("Rom: Rom 3 ble ikke lagret"), naming rooms and
    clinicians; empty when the alert is not a write alert on an encounter field."""
    if alert.kind is AlertKind.WRITE_CONFLICT:
        match = _CONFLICT.search(alert.detail)
    elif alert.kind is AlertKind.WRITE_NOT_APPLIED:
        match = _NOT_APPLIED.search(alert.detail)
    else:
        return ""
    if match is None or match["field"] not in _FIELD_KIND:
        return ""
    kind = _FIELD_KIND[match["field"]]

    def words(value: str | None) -> str:
        if value in (None, "(none)"):
            return translate("SafeActions", "none")
        name = names(value) if names is not None and kind in _NAME_FIELD else None
        if name is None and entry is not None and kind in _NAME_FIELD and field_value(entry.encounter, kind) == value:
            name = getattr(entry.encounter, _NAME_FIELD[kind])
        return value_text(kind, value, scale, language, name)

    field = field_text(kind)
    if alert.kind is AlertKind.WRITE_CONFLICT:
        return translate("SafeActions", "{field}: ours {ours}, the platform has {theirs}").format(
            field=field, ours=words(match["ours"]), theirs=words(match["theirs"]))
    if match["why"] == "refused":
        return translate("SafeActions", "{field} {value} refused by the platform").format(
            field=field, value=words(match["ours"]))
    return translate("SafeActions", "{field} {value} not confirmed yet").format(
        field=field, value=words(match["ours"]))
