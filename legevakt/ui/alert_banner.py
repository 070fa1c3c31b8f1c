"""The alert banner across the top of the window.

Red while any critical alert is open and unacknowledged, one line per alert, each with an
"Acknowledge…" button that asks for a comment (required) and calls ``service.acknowledge``. An
acknowledged critical alert stays as an amber line until it is resolved (automatically, or by a person
with a reason through "Resolve…"). Warnings are summarised in one amber line, counted per kind.

The banner renders ``AlertListModel`` (open alerts); it rebuilds its widgets only when what it shows
changes, so a sync that changes nothing leaves focus and buttons alone.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from legevakt.journal.model import Delivery, DeliveryState
from legevakt.problems import Problem
from legevakt.ui import texts
from legevakt.ui.actions import may_of, who_may
from legevakt.ui.alerts_model import AlertListModel, needs_acknowledgement
from legevakt.ui.elide import ElidedLabel
from legevakt.ui.problem_texts import problem_text
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Entry, Severity
from legevakt.worklist.roles import Permission
from legevakt.worklist.shared_alerts import not_sent, reasons_text

log = logging.getLogger("legevakt.ui")
translate = QCoreApplication.translate

MAX_LINES = 5  # critical lines shown at once; the rest are counted (and reached one by one)

# Alerts that a person may resolve with a reason (the others clear when their condition clears).
PERSON_RESOLVABLE = frozenset({
    AlertKind.DROPPED_FROM_QUEUE, AlertKind.NOT_IN_QUEUE, AlertKind.MASS_DEPARTURE, AlertKind.STALE_ENTRY,
    AlertKind.DUPLICATE_PATIENT, AlertKind.NOTE_UNDELIVERED, AlertKind.NOTE_REJECTED,
    AlertKind.NOTE_RECEIPT_ERRORS, AlertKind.WRITE_NOT_APPLIED, AlertKind.WRITE_CONFLICT,
})

# Alerts whose detail quotes the platform's own words (a refusal): shown in the line's tooltip.
PLATFORM_WORDS = frozenset({AlertKind.WRITE_NOT_APPLIED, AlertKind.WRITE_CONFLICT})

# Alerts about one patient that a mass departure gathers under its one line (and "Confirm all…" acknowledges).
GROUPED_KINDS = frozenset({AlertKind.DROPPED_FROM_QUEUE, AlertKind.NOT_IN_QUEUE})

# Alerts about one journal delivery: ``alert.key`` is the delivery's identifier.
DELIVERY_ALERTS = frozenset({AlertKind.NOTE_UNDELIVERED, AlertKind.NOTE_REJECTED, AlertKind.NOTE_RECEIPT_ERRORS})

DeliveryLookup = Callable[[str], Delivery | None]


class CommandService(Protocol):
    """What the banner needs from the application service."""

    user: str

    def acknowledge(self, alert_id: str, by: str, comment: str) -> None: ...
    def resolve(self, alert_id: str, by: str, reason: str) -> None: ...


class LineKind(StrEnum):
    CRITICAL = "critical"  # open critical: red, Acknowledge…
    ACKNOWLEDGED = "acknowledged"  # acknowledged critical, unresolved: amber, Resolve…
    WARNINGS = "warnings"  # amber summary of warnings
    MORE = "more"  # "+ N more critical alerts"
    NOTICE = "notice"  # a refused or failed command
    GROUP = "group"  # a mass departure: the one line that explains it, above its (collapsed) drop lines


@dataclass(frozen=True, slots=True)
class BannerLine:
    kind: LineKind
    alert_id: str | None
    text: str
    detail: str = ""
    button: str = ""  # button label; empty: no button
    enabled: bool = True
    tooltip: str = ""
    urgent: bool = False  # a group line with alerts awaiting acknowledgement (red)
    member: bool = False  # a drop line inside the mass-departure group (indented)
    ids: tuple[str, ...] = ()  # a group line: the alerts "Confirm all…" acknowledges
    detail_button: str = ""  # a group line: the label of the button that shows or hides its patients
    refused: str = ""  # the signed-in role may not use the button: which role may (its tooltip)


def _patient_part(entry: Entry | None, ref: str) -> str:
    """The patient as a nurse reads them: name, masked identifier and room, never the platform's id (the
    line's tooltip has it)."""
    if entry is None:
        return translate("AlertBanner", "a patient not in the list")
    enc = entry.encounter
    room = texts.place_name(enc.room_name, None) if enc.room_name else ""
    who = f"{texts.patient_name(entry)} ({texts.masked_identifier(entry)})"
    return f"{who} – {room}" if room else who


def ids_tooltip(alert: Alert, entry: Entry | None) -> str:
    """The platform ids behind a banner line, for the tooltip (never in the line itself)."""
    refs: list[str] = []
    if alert.encounter:
        refs.append(alert.encounter)
    if entry is not None and entry.patient is not None:
        refs.append(entry.patient.ref)
    refs.extend(r for r in alert.related[:20] if r not in refs)
    if len(alert.related) > 20:
        refs.append("…")
    return translate("AlertBanner", "Platform ids: {ids}").format(ids=", ".join(refs)) if refs else ""


def headline(alert: Alert, entry: Entry | None) -> str:
    """The banner's words for one alert (names the patient where the alert is about one)."""
    who = _patient_part(entry, alert.encounter) if alert.encounter else ""
    kind = alert.kind
    if kind is AlertKind.DROPPED_FROM_QUEUE:
        return translate("AlertBanner", "DROPPED FROM QUEUE: {patient}").format(patient=who)
    if kind is AlertKind.NOT_IN_QUEUE:
        return translate("AlertBanner", "NOT IN QUEUE: {patient}").format(patient=who)
    if kind is AlertKind.TRIAGE_OVERDUE:
        name = texts.alert_short(kind, alert.severity)  # the escalation at twice the target, when critical
        return f"{name}: {who}" if who else name
    if kind is AlertKind.SYNC_STALE:
        return translate("AlertBanner", "THE LIST MAY BE OUT OF DATE: no complete update from the platform")
    if kind is AlertKind.MASS_DEPARTURE:
        return translate("AlertBanner", "{name} – possible platform fault: %n patients", None,
                         len(alert.related)).format(name=texts.alert_short(kind))
    if kind is AlertKind.NOTE_UNDELIVERED:
        return translate("AlertBanner", "Journal note not delivered: {patient}").format(patient=who)
    if kind is AlertKind.NOTE_REJECTED:
        return translate("AlertBanner", "Journal note rejected by the recipient: {patient}").format(patient=who)
    if kind is AlertKind.NOTE_RECEIPT_ERRORS:
        return translate("AlertBanner", "Journal note receipted with errors: {patient}").format(patient=who)
    if kind is AlertKind.WRITE_NOT_APPLIED:
        return translate("AlertBanner", "Change not saved on the platform: {patient}").format(patient=who)
    if kind is AlertKind.WRITE_CONFLICT:
        return translate("AlertBanner", "Change conflicts with someone else's: {patient}").format(patient=who)
    label = texts.alert_short(kind)
    return f"{label}: {who}" if who else label


def delivery_reason(alert: Alert, delivery: Delivery | None) -> str:
    """Why a journal alert was raised, in Norwegian from the delivery (8221 texts), never from the English
    detail; empty when the delivery is not known here."""
    if alert.kind not in DELIVERY_ALERTS:
        return ""
    if delivery is None:  # not in this window's ledger (e.g. raised at another workstation): the alert's own
        if not_sent(alert):
            return translate("AlertBanner", "not sent: the platform refused it")
        return reasons_text(alert)  # 8221 codes, with the code list's Norwegian text
    if alert.kind is AlertKind.NOTE_UNDELIVERED:
        if delivery.state is DeliveryState.REFUSED or (
                delivery.communication is None and delivery.deadline is not None
                and alert.raised_at < delivery.deadline):  # (stored before "refused" was a state of its own)
            return translate("AlertBanner", "not sent: the platform refused it")
        return translate("AlertBanner", "no receipt by the deadline {time}").format(
            time=texts.clock_text(delivery.deadline))
    reasons = texts.receipt_text(delivery.receipt).replace("\n", " · ")
    return reasons or reasons_text(alert) or texts.delivery_state_label(delivery.state)


def detail_text(alert: Alert, entry: Entry | None, delivery: Delivery | None = None) -> str:
    since = translate("AlertBanner", "raised {time}").format(time=texts.clock_text(alert.raised_at))
    reason = delivery_reason(alert, delivery)
    if reason:
        return f"{reason} · {since}"
    if alert.kind is AlertKind.DROPPED_FROM_QUEUE and entry is not None:
        why = (translate("AlertBanner", "gone from the queue list, visit still active")
               if entry.drop_confirmed else
               translate("AlertBanner", "gone from the queue list, visit could not be read"))
        return f"{why} · {since}"
    if alert.kind is AlertKind.MASS_DEPARTURE:
        confirm = translate("AlertBanner", "confirm each patient")
        return f"{confirm} · {since}"
    return since


def warning_summary(alerts: list[Alert]) -> str:
    counts = Counter(a.kind for a in alerts)
    parts: list[str] = []
    for kind, n in counts.items():
        if kind is AlertKind.TRIAGE_OVERDUE:
            parts.append(translate("AlertBanner", "%n over triage target", None, n))
        elif kind is AlertKind.NOT_TRIAGED:
            parts.append(translate("AlertBanner", "%n not triaged", None, n))
        elif kind is AlertKind.DUPLICATE_PATIENT:
            parts.append(translate("AlertBanner", "%n possible duplicates", None, n))
        elif kind is AlertKind.STALE_ENTRY:
            parts.append(translate("AlertBanner", "%n stale entries", None, n))
        elif kind is AlertKind.SYNC_STALE:
            parts.append(translate("AlertBanner", "the list may be out of date"))
        elif kind is AlertKind.NOTE_RECEIPT_ERRORS:
            parts.append(translate("AlertBanner", "%n notes receipted with errors", None, n))
        else:
            parts.append(f"{n} × {texts.alert_short(kind)}")
    return translate("AlertBanner", "Warnings: {list}").format(list=" · ".join(parts))


class CommentEdit(QPlainTextEdit):
    """A comment box where Ctrl+Enter submits (Enter alone makes a new line)."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class CommentDialog(QDialog):
    """Asks for a comment or reason before acknowledging or resolving an alert."""

    def __init__(self, parent: QWidget | None, *, title: str, heading: str, prompt: str, action: str,
                 required: bool) -> None:
        super().__init__(parent)
        self.setObjectName("commentDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(480)
        self._required = required
        layout = QVBoxLayout(self)
        self.heading_label = QLabel(heading)
        self.heading_label.setObjectName("dialogHeading")
        self.heading_label.setWordWrap(True)
        self.heading_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.heading_label)
        label = QLabel(prompt)
        layout.addWidget(label)
        self.editor = CommentEdit()
        self.editor.setTabChangesFocus(True)
        self.editor.setFixedHeight(90)
        label.setBuddy(self.editor)
        layout.addWidget(self.editor)
        self.buttons = QDialogButtonBox()
        self.action_button = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(translate("AlertBanner", "Cancel"),
                                                    QDialogButtonBox.ButtonRole.RejectRole)
        self.action_button.setDefault(True)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.editor.submitted.connect(self._accept_if_valid)
        self.action_button.setToolTip(translate("AlertBanner", "Ctrl+Enter"))
        self.editor.textChanged.connect(self._validate)
        self._validate()
        self.editor.setFocus()

    def comment(self) -> str:
        return self.editor.toPlainText().strip()

    def _validate(self) -> None:
        self.action_button.setEnabled(bool(self.comment()) or not self._required)

    def _accept_if_valid(self) -> None:
        if self._required and not self.comment():
            return
        self.accept()


class AlertBanner(QFrame):
    """Red/amber banner of alerts; acknowledging and resolving go to the service."""

    # Emitted when a command was sent: ("acknowledge" | "resolve", alert id).
    command_sent = Signal(str, str)

    def __init__(self, service: CommandService, model: AlertListModel,
                 entry_lookup: Callable[[str], Entry | None], parent: QWidget | None = None, *,
                 delivery_lookup: DeliveryLookup | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertBanner")
        self._service = service
        self._model = model
        self._lookup = entry_lookup
        self._delivery: DeliveryLookup = delivery_lookup or (lambda _key: None)
        self._pending: set[str] = set()
        self._notice: str | None = None
        self._shown: tuple[BannerLine, ...] | None = None  # None: nothing rendered yet
        self.dialog: CommentDialog | None = None
        # A refused or conflicting write in words, naming rooms and clinicians (set by the window).
        self.write_words: Callable[[Alert, Entry | None], str] | None = None
        # Words for a platform reference in a refusal (patient, room, clinician), set by the window.
        self.names: Callable[[str], str | None] | None = None
        self.buttons: dict[str, QPushButton] = {}  # alert id -> its button (for tests and shortcuts)
        #: A mass departure's drop lines are shown under its one line (False: collapsed, the default).
        self.expanded = False
        #: The window's "Confirm all in the group…" action: the group line's button triggers it and follows
        #: its enabled/visible state (so whoever decides who may confirm a group decides for the button too).
        self.confirm_action: QAction | None = None
        self.toggle_button: QPushButton | None = None
        self.confirm_button: QPushButton | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        #: True while an owner folds in a batch of alert changes and calls ``refresh`` once after it
        #: (the main window, per sync summary): the model's per-row signals then rebuild nothing.
        self.deferred = False
        for signal in (model.rowsInserted, model.rowsRemoved, model.dataChanged, model.modelReset):
            signal.connect(self._model_changed)
        self.refresh()

    # -- reading ------------------------------------------------------------------------------
    def may(self, permission: Permission) -> bool:
        """Whether the signed-in role may (acknowledge: every role; resolve: the shift lead)."""
        return may_of(self._service)(permission)

    def lines(self) -> tuple[BannerLine, ...]:
        return self._shown or ()

    def is_critical(self) -> bool:
        """True while any critical alert awaits acknowledgement (the banner is red)."""
        return any(line.kind is LineKind.CRITICAL or (line.kind is LineKind.GROUP and line.urgent)
                   for line in self.lines())

    def is_pending(self, alert_id: str) -> bool:
        """An acknowledgement or resolution of ``alert_id`` was sent and has not come back yet."""
        return alert_id in self._pending

    def text(self) -> str:
        return "\n".join(f"{ln.text} {ln.detail}".strip() for ln in self.lines())

    # -- commands -----------------------------------------------------------------------------
    def acknowledge(self, alert_id: str, parent: QWidget | None = None) -> CommentDialog | None:
        """Open the acknowledge dialog for ``alert_id`` (non-blocking, over ``parent``, default this window);
        on OK call the service."""
        alert = self._model.alert(alert_id)
        if (alert is None or alert.status is not AlertStatus.OPEN or alert_id in self._pending
                or not self.may(Permission.ACK_ALERT)):
            return None
        entry = self._lookup(alert.encounter) if alert.encounter else None
        critical = alert.severity is Severity.CRITICAL
        dlg = CommentDialog(
            parent or self.window(), title=translate("AlertBanner", "Acknowledge alert"),
            heading=headline(alert, entry),
            prompt=(translate("AlertBanner", "Comment (required): what have you done or decided?") if critical
                    else translate("AlertBanner", "Comment (optional):")),
            action=translate("AlertBanner", "Acknowledge"), required=critical)

        def done() -> None:
            comment = dlg.comment()
            self._pending.add(alert_id)
            log.info("acknowledging alert %s", alert_id)
            self._service.acknowledge(alert_id, self._service.user, comment)
            self.command_sent.emit("acknowledge", alert_id)
            self.refresh()

        return self._open(dlg, done)

    def resolve(self, alert_id: str, parent: QWidget | None = None) -> CommentDialog | None:
        """Open the resolve dialog for ``alert_id``; a reason is required (and the role to resolve alerts)."""
        alert = self._model.alert(alert_id)
        if (alert is None or alert.status is AlertStatus.RESOLVED or alert_id in self._pending
                or not self.may(Permission.RESOLVE_ANY_ALERT)):
            return None
        entry = self._lookup(alert.encounter) if alert.encounter else None
        dlg = CommentDialog(
            parent or self.window(), title=translate("AlertBanner", "Resolve alert"), heading=headline(alert, entry),
            prompt=translate("AlertBanner", "Reason (required): where is the patient, what was done?"),
            action=translate("AlertBanner", "Resolve"), required=True)

        def done() -> None:
            reason = dlg.comment()
            self._pending.add(alert_id)
            log.info("resolving alert %s", alert_id)
            self._service.resolve(alert_id, self._service.user, reason)
            self.command_sent.emit("resolve", alert_id)
            self.refresh()

        return self._open(dlg, done)

    def set_expanded(self, expanded: bool) -> None:
        """Show (True) or hide the mass departure's drop lines under its one line."""
        if expanded != self.expanded:
            self.expanded = expanded
            self.refresh()

    def toggle_group(self) -> None:
        self.set_expanded(not self.expanded)

    def confirm_group(self, parent: QWidget | None = None) -> CommentDialog | None:
        """One comment for the whole mass departure: on OK every alert of the group that awaits
        acknowledgement is acknowledged through the service with that comment, by this user (each alert
        records both, as if acknowledged one by one). None when nothing in the group awaits it."""
        mass, drops = self.group()
        ids = self.group_ids()
        if mass is None or not ids:
            return None
        patients = len({a.encounter for a in drops if a.id in ids})
        dlg = CommentDialog(
            parent or self.window(), title=translate("AlertBanner", "Confirm the whole group"),
            heading=headline(mass, None),
            prompt=translate("AlertBanner", "Comment (required), recorded on every alert of the group "
                                            "(%n patients): what have you done or decided?", None, patients),
            action=translate("AlertBanner", "Confirm all (%n)", None, len(ids)), required=True)

        def done() -> None:
            comment = dlg.comment()
            now_ids = [aid for aid in ids if (a := self._model.alert(aid)) is not None
                       and a.status is AlertStatus.OPEN and aid not in self._pending]
            log.info("acknowledging %d alerts of a mass departure as a group", len(now_ids))
            for aid in now_ids:
                self._pending.add(aid)
                self._service.acknowledge(aid, self._service.user, comment)
                self.command_sent.emit("acknowledge", aid)
            self.refresh()

        return self._open(dlg, done)

    def acknowledge_first(self) -> str | None:
        """Open the dialog for the first critical alert awaiting acknowledgement; its id, or None."""
        for alert in self._model.ordered():
            if needs_acknowledgement(alert) and alert.id not in self._pending:
                self.acknowledge(alert.id)
                return alert.id
        return None

    def resolve_first(self) -> str | None:
        """Open the resolve dialog for the first acknowledged, unresolved critical alert a person may resolve."""
        for alert in self._model.ordered():
            if (alert.severity is Severity.CRITICAL and alert.status is AlertStatus.ACKNOWLEDGED
                    and alert.kind in PERSON_RESOLVABLE and alert.id not in self._pending):
                self.resolve(alert.id)
                return alert.id
        return None

    def close_dialogs(self) -> None:
        """Close an open acknowledge/resolve dialog (it names a patient): used when the screen locks."""
        if self.dialog is not None:
            self.dialog.reject()
            self.dialog = None

    def command_failed(self, problem: Problem | str) -> None:
        """The service refused or failed a command: show why in the user's language, re-enable the buttons."""
        self._pending.clear()
        if isinstance(problem, Problem) and self.names is not None:
            names = self.names  # "Rom 3", "Nilsen, Sofie (211119 *****)" rather than their ids
            problem = Problem(problem.kind, {k: (names(v) or v) if isinstance(v, str) else v
                                             for k, v in problem.params.items()})
        self.show_notice(problem_text(problem) if isinstance(problem, Problem) else problem)

    def show_notice(self, message: str | None) -> None:
        self._notice = message
        self.refresh()

    def _open(self, dlg: CommentDialog, done: Callable[[], None]) -> CommentDialog:
        if self.dialog is not None:
            self.dialog.reject()
        self.dialog = dlg
        dlg.accepted.connect(done)
        dlg.finished.connect(lambda _result: self._dialog_closed(dlg))
        dlg.open()
        return dlg

    def _dialog_closed(self, dlg: CommentDialog) -> None:
        if self.dialog is dlg:
            self.dialog = None
        dlg.deleteLater()

    # -- rendering ----------------------------------------------------------------------------
    def _model_changed(self, *_args: object) -> None:
        if not self.deferred:
            self.refresh()

    def set_confirm_action(self, action: QAction) -> None:
        """The window's confirm-all action; the group line's button follows its state."""
        self.confirm_action = action
        action.changed.connect(self._action_changed)
        self._action_changed()

    def _action_changed(self) -> None:
        if self._shown is not None:
            self._rebuild(self._shown)

    def refresh(self) -> None:
        """Recompute the lines; rebuild the widgets only if they differ from what is shown."""
        lines = self._compute()
        if lines == self._shown:
            return
        self._shown = lines
        self._rebuild(lines)

    def group(self) -> tuple[Alert | None, list[Alert]]:
        """The open mass departure (the first, if several) and the drop alerts of its patients."""
        ordered = self._model.ordered()
        masses = [a for a in ordered if a.kind is AlertKind.MASS_DEPARTURE]
        if not masses:
            return None, []
        members = {ref for a in masses for ref in a.related}
        drops = [a for a in ordered if a.kind in GROUPED_KINDS and a.encounter in members]
        return masses[0], drops

    def group_ids(self) -> tuple[str, ...]:
        """The alerts "Confirm all…" acknowledges now: every open mass departure and its patients' drop
        alerts that await acknowledgement and are not already on their way."""
        ordered = self._model.ordered()
        masses = [a for a in ordered if a.kind is AlertKind.MASS_DEPARTURE]
        members = {ref for a in masses for ref in a.related}
        return tuple(a.id for a in ordered
                     if (a.kind is AlertKind.MASS_DEPARTURE or (a.kind in GROUPED_KINDS and a.encounter in members))
                     and a.status is AlertStatus.OPEN and a.id not in self._pending)

    def _line_for(self, alert: Alert, *, member: bool = False) -> BannerLine:
        entry = self._lookup(alert.encounter) if alert.encounter else None
        pending = alert.id in self._pending
        tip = ids_tooltip(alert, entry)
        if alert.kind in PLATFORM_WORDS and alert.detail:
            tip = f"{alert.detail}\n{tip}"  # the platform's own refusal, quoted (our own details are English)
        if needs_acknowledgement(alert):
            delivery = self._delivery(alert.key) if alert.kind in DELIVERY_ALERTS else None
            detail = detail_text(alert, entry, delivery)
            words = self.write_words(alert, entry) if self.write_words is not None else ""
            may_ack = self.may(Permission.ACK_ALERT)
            return BannerLine(
                LineKind.CRITICAL, alert.id, headline(alert, entry), f"{words} · {detail}" if words else detail,
                button=(translate("AlertBanner", "Acknowledging…") if pending
                        else translate("AlertBanner", "Acknowledge…")),
                enabled=not pending and may_ack, tooltip=tip, member=member,
                refused="" if may_ack else who_may(Permission.ACK_ALERT))
        who = translate("AlertBanner", "Acknowledged by {who} {time}, not resolved").format(
            who=alert.acknowledged_by or "?", time=texts.clock_text(alert.acknowledged_at))
        if alert.kind in DELIVERY_ALERTS:  # why, still: a rejection's reasons stay in sight until resolved
            reason = delivery_reason(alert, self._delivery(alert.key))
            who = f"{reason} · {who}" if reason else who
        resolvable = alert.kind in PERSON_RESOLVABLE
        may_resolve = self.may(Permission.RESOLVE_ANY_ALERT)
        comment = alert.ack_comment or ""
        return BannerLine(
            LineKind.ACKNOWLEDGED, alert.id, headline(alert, entry), who,
            button=(translate("AlertBanner", "Resolve…") if resolvable else ""),
            enabled=not pending and may_resolve, tooltip="\n".join(t for t in (comment, tip) if t), member=member,
            refused="" if may_resolve or not resolvable else who_may(Permission.RESOLVE_ANY_ALERT))

    def _group_lines(self, mass: Alert, drops: list[Alert]) -> list[BannerLine]:
        """The mass departure's explaining line, then (expanded only) its patients' drop lines."""
        waiting = [a for a in drops if needs_acknowledgement(a)]
        urgent = needs_acknowledgement(mass) or bool(waiting)
        since = translate("AlertBanner", "raised {time}").format(time=texts.clock_text(mass.raised_at))
        if waiting:
            state = translate("AlertBanner", "%n not yet confirmed", None, len(waiting))
        elif needs_acknowledgement(mass):
            state = translate("AlertBanner", "confirm the group")
        elif mass.status is AlertStatus.ACKNOWLEDGED:
            state = translate("AlertBanner", "Acknowledged by {who} {time}, not resolved").format(
                who=mass.acknowledged_by or "?", time=texts.clock_text(mass.acknowledged_at))
        else:
            state = ""
        ids = self.group_ids()
        toggle = (translate("AlertBanner", "Hide the patients") if self.expanded
                  else translate("AlertBanner", "Show the %n patients", None, len(drops)))
        lines = [BannerLine(LineKind.GROUP, mass.id, headline(mass, None),
                            " · ".join(t for t in (state, since) if t),
                            button=translate("AlertBanner", "Confirm all…"), enabled=bool(ids),
                            tooltip=ids_tooltip(mass, None), urgent=urgent, ids=ids, detail_button=toggle
                            if drops else "")]
        if self.expanded:
            for alert in drops[:MAX_LINES]:
                lines.append(self._line_for(alert, member=True))
            if len(drops) > MAX_LINES:
                lines.append(BannerLine(LineKind.MORE, None, translate(
                    "AlertBanner", "+ %n more in the group (the queue's group row lists them all)", None,
                    len(drops) - MAX_LINES), member=True, urgent=urgent))
        return lines

    def _compute(self) -> tuple[BannerLine, ...]:
        ordered = self._model.ordered()
        # An alert that is no longer open (acknowledged, resolved) is no longer pending.
        self._pending = {aid for aid in self._pending
                         if (a := self._model.alert(aid)) is not None and a.status is AlertStatus.OPEN}
        lines: list[BannerLine] = []
        mass, drops = self.group()
        grouped = {a.id for a in drops} | {a.id for a in ordered if a.kind is AlertKind.MASS_DEPARTURE}
        if mass is not None:
            lines.extend(self._group_lines(mass, drops))
        critical = [a for a in ordered if needs_acknowledgement(a) and a.id not in grouped]
        for alert in critical[:MAX_LINES]:
            lines.append(self._line_for(alert))
        if len(critical) > MAX_LINES:
            lines.append(BannerLine(LineKind.MORE, None, translate(
                "AlertBanner", "+ %n more critical alerts (Ctrl+K acknowledges the next)", None,
                len(critical) - MAX_LINES), urgent=True))
        acked = [a for a in ordered if a.severity is Severity.CRITICAL and a.status is AlertStatus.ACKNOWLEDGED
                 and a.id not in grouped]
        for alert in acked[:MAX_LINES]:
            lines.append(self._line_for(alert))
        warnings = [a for a in ordered if a.severity is Severity.WARNING]
        if warnings:
            tip = "\n".join(self._warning_line(a) for a in warnings)
            lines.append(BannerLine(LineKind.WARNINGS, None, warning_summary(warnings), tooltip=tip))
        if self._notice:
            lines.append(BannerLine(LineKind.NOTICE, None,
                                    translate("AlertBanner", "Not done: {message}").format(message=self._notice),
                                    button=translate("AlertBanner", "Dismiss")))
        return tuple(lines)

    def _warning_line(self, alert: Alert) -> str:
        line = headline(alert, self._lookup(alert.encounter) if alert.encounter else None)
        reason = delivery_reason(alert, self._delivery(alert.key)) if alert.kind in DELIVERY_ALERTS else ""
        return f"{line} ({reason})" if reason else line

    def _rebuild(self, lines: tuple[BannerLine, ...]) -> None:
        # Laid out once, when every new line is in: a layout shows a new child later, one at a time, and the
        # window would lay out (and repaint) once per group, moving the queue under it in between.
        self._layout.setEnabled(False)
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.buttons = {}
        self.toggle_button = self.confirm_button = None
        groups: dict[str, QFrame] = {}
        group_style = "bannerCritical"
        for line in lines:
            if line.kind is LineKind.GROUP:
                group_style = "bannerCritical" if line.urgent else "bannerAcknowledged"
            # The mass departure and its drop lines share one frame, first, red while any awaits a person.
            key = "group" if line.kind is LineKind.GROUP or line.member else {
                LineKind.CRITICAL: "bannerCritical", LineKind.MORE: "bannerCritical",
                LineKind.ACKNOWLEDGED: "bannerAcknowledged", LineKind.WARNINGS: "bannerWarnings",
                LineKind.NOTICE: "bannerNotice"}[line.kind]
            group = groups.get(key)
            if group is None:
                group = QFrame(self)
                group.setObjectName(group_style if key == "group" else key)
                box = QVBoxLayout(group)
                box.setContentsMargins(12, 6, 12, 6)
                box.setSpacing(4)
                groups[key] = group
                self._layout.addWidget(group)
            group_layout = group.layout()
            assert group_layout is not None
            group_layout.addWidget(self._line_widget(group, line))
        for group in groups.values():
            group.show()
        self._layout.setEnabled(True)
        self._layout.activate()
        self.setVisible(bool(lines))

    def _line_widget(self, parent: QWidget, line: BannerLine) -> QWidget:
        row = QWidget(parent)
        row.setObjectName(f"bannerLine_{line.kind.value}")
        h = QHBoxLayout(row)
        h.setContentsMargins(34 if line.member else 0, 0, 0, 0)
        h.setSpacing(10)
        if line.kind in (LineKind.CRITICAL, LineKind.ACKNOWLEDGED, LineKind.GROUP):
            mark_text = "✓" if line.kind is LineKind.ACKNOWLEDGED or (
                line.kind is LineKind.GROUP and not line.urgent) else "!"
            mark = QLabel(mark_text, row)
            mark.setObjectName("bannerMark")
            mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
            mark.setFixedSize(24, 24)
            h.addWidget(mark)
        # Elided to the width there is (whole text in the tooltip): no line ever widens the window.
        text = ElidedLabel(line.text, row)
        text.setObjectName("bannerText")
        if line.tooltip:
            text.setToolTip(line.tooltip)  # plain text (ElidedLabel escapes it): platform ids, comments
        h.addWidget(text, 3)
        if line.detail:
            detail = ElidedLabel(line.detail, row)
            detail.setObjectName("bannerDetail")
            h.addWidget(detail, 2)
        h.addStretch(0)
        if line.kind is LineKind.GROUP and line.detail_button:
            toggle = QPushButton(line.detail_button, row)
            toggle.setObjectName("bannerButton")
            toggle.setCheckable(True)
            toggle.setChecked(self.expanded)
            toggle.setCursor(Qt.CursorShape.PointingHandCursor)
            toggle.setToolTip(translate("AlertBanner", "Show or hide one line per patient of the group"))
            toggle.clicked.connect(lambda _checked=False: self.toggle_group())
            h.addWidget(toggle)
            self.toggle_button = toggle
        if line.button:
            button = QPushButton(line.button, row)
            button.setObjectName("bannerButton")
            button.setEnabled(line.enabled)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            h.addWidget(button)
            if line.kind is LineKind.CRITICAL and line.alert_id:
                aid = line.alert_id
                button.clicked.connect(lambda _checked=False, a=aid: self.acknowledge(a))
                button.setToolTip(line.refused or translate("AlertBanner",
                                                            "Acknowledge this alert with a comment (Ctrl+K)"))
                self.buttons[aid] = button
            elif line.kind is LineKind.ACKNOWLEDGED and line.alert_id:
                aid = line.alert_id
                button.clicked.connect(lambda _checked=False, a=aid: self.resolve(a))
                button.setToolTip(line.refused or translate("AlertBanner",
                                                            "Resolve this alert with a reason (Ctrl+Shift+K)"))
                self.buttons[aid] = button
            elif line.kind is LineKind.NOTICE:
                button.clicked.connect(lambda _checked=False: self.show_notice(None))
            elif line.kind is LineKind.GROUP and line.alert_id:
                action = self.confirm_action
                if action is not None:
                    button.setEnabled(line.enabled and action.isEnabled())
                    button.setVisible(action.isVisible())
                    button.clicked.connect(lambda _checked=False: action.trigger())
                    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                else:
                    button.clicked.connect(lambda _checked=False: self.confirm_group())
                    keys = ""
                tip = translate("AlertBanner", "Acknowledge every alert of the group with one comment")
                button.setToolTip(f"{tip} ({keys})" if keys else tip)
                self.confirm_button = button
        return row

