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
from PySide6.QtGui import QKeyEvent
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

from legevakt.journal.model import Delivery
from legevakt.problems import Problem
from legevakt.ui import texts
from legevakt.ui.alerts_model import AlertListModel, needs_acknowledgement
from legevakt.ui.problem_texts import problem_text
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Entry, Severity

log = logging.getLogger("legevakt.ui")
translate = QCoreApplication.translate

MAX_LINES = 5  # critical lines shown at once; the rest are counted (and reached one by one)

# Alerts that a person may resolve with a reason (the others clear when their condition clears).
PERSON_RESOLVABLE = frozenset({
    AlertKind.DROPPED_FROM_QUEUE, AlertKind.NOT_IN_QUEUE, AlertKind.MASS_DEPARTURE, AlertKind.STALE_ENTRY,
    AlertKind.DUPLICATE_PATIENT, AlertKind.NOTE_UNDELIVERED, AlertKind.NOTE_REJECTED,
    AlertKind.NOTE_RECEIPT_ERRORS, AlertKind.WRITE_NOT_APPLIED, AlertKind.WRITE_CONFLICT,
})

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


@dataclass(frozen=True, slots=True)
class BannerLine:
    kind: LineKind
    alert_id: str | None
    text: str
    detail: str = ""
    button: str = ""  # button label; empty: no button
    enabled: bool = True
    tooltip: str = ""


def _patient_part(entry: Entry | None, ref: str) -> str:
    if entry is None:
        return ref
    return f"{texts.patient_name(entry)} ({texts.masked_identifier(entry)}) – {ref}"


def headline(alert: Alert, entry: Entry | None) -> str:
    """The banner's words for one alert (names the patient where the alert is about one)."""
    who = _patient_part(entry, alert.encounter) if alert.encounter else ""
    kind = alert.kind
    if kind is AlertKind.DROPPED_FROM_QUEUE:
        return translate("AlertBanner", "DROPPED FROM QUEUE: {patient}").format(patient=who)
    if kind is AlertKind.NOT_IN_QUEUE:
        return translate("AlertBanner", "NOT IN QUEUE: {patient}").format(patient=who)
    if kind is AlertKind.TRIAGE_OVERDUE:
        return translate("AlertBanner", "Waiting past twice the triage target: {patient}").format(patient=who)
    if kind is AlertKind.SYNC_STALE:
        return translate("AlertBanner", "THE LIST MAY BE OUT OF DATE: no complete update from the platform")
    if kind is AlertKind.MASS_DEPARTURE:
        return translate("AlertBanner", "{n} patients left the queue at once – possible platform fault"
                         ).format(n=len(alert.related))
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
    if delivery is None or alert.kind not in DELIVERY_ALERTS:
        return ""
    if alert.kind is AlertKind.NOTE_UNDELIVERED:
        if delivery.communication is None and delivery.deadline is not None and alert.raised_at < delivery.deadline:
            return translate("AlertBanner", "not sent: the platform refused it")  # before its deadline
        return translate("AlertBanner", "no receipt by the deadline {time}").format(
            time=texts.clock_text(delivery.deadline))
    reasons = texts.receipt_text(delivery.receipt).replace("\n", " · ")
    return reasons or texts.delivery_state_label(delivery.state)


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
    def lines(self) -> tuple[BannerLine, ...]:
        return self._shown or ()

    def is_critical(self) -> bool:
        """True while any critical alert awaits acknowledgement (the banner is red)."""
        return any(line.kind is LineKind.CRITICAL for line in self.lines())

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
        if alert is None or alert.status is not AlertStatus.OPEN or alert_id in self._pending:
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
        """Open the resolve dialog for ``alert_id``; a reason is required."""
        alert = self._model.alert(alert_id)
        if alert is None or alert.status is AlertStatus.RESOLVED or alert_id in self._pending:
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

    def refresh(self) -> None:
        """Recompute the lines; rebuild the widgets only if they differ from what is shown."""
        lines = self._compute()
        if lines == self._shown:
            return
        self._shown = lines
        self._rebuild(lines)

    def _compute(self) -> tuple[BannerLine, ...]:
        ordered = self._model.ordered()
        # An alert that is no longer open (acknowledged, resolved) is no longer pending.
        self._pending = {aid for aid in self._pending
                         if (a := self._model.alert(aid)) is not None and a.status is AlertStatus.OPEN}
        lines: list[BannerLine] = []
        critical = [a for a in ordered if needs_acknowledgement(a)]
        for alert in critical[:MAX_LINES]:
            entry = self._lookup(alert.encounter) if alert.encounter else None
            pending = alert.id in self._pending
            delivery = self._delivery(alert.key) if alert.kind in DELIVERY_ALERTS else None
            detail = detail_text(alert, entry, delivery)
            words = self.write_words(alert, entry) if self.write_words is not None else ""
            lines.append(BannerLine(
                LineKind.CRITICAL, alert.id, headline(alert, entry), f"{words} · {detail}" if words else detail,
                button=(translate("AlertBanner", "Acknowledging…") if pending
                        else translate("AlertBanner", "Acknowledge…")),
                enabled=not pending, tooltip=alert.detail))
        if len(critical) > MAX_LINES:
            lines.append(BannerLine(LineKind.MORE, None, translate(
                "AlertBanner", "+ %n more critical alerts (Ctrl+K acknowledges the next)", None,
                len(critical) - MAX_LINES)))
        acked = [a for a in ordered if a.severity is Severity.CRITICAL and a.status is AlertStatus.ACKNOWLEDGED]
        for alert in acked[:MAX_LINES]:
            entry = self._lookup(alert.encounter) if alert.encounter else None
            pending = alert.id in self._pending
            who = translate("AlertBanner", "Acknowledged by {who} {time}, not resolved").format(
                who=alert.acknowledged_by or "?", time=texts.clock_text(alert.acknowledged_at))
            resolvable = alert.kind in PERSON_RESOLVABLE
            lines.append(BannerLine(
                LineKind.ACKNOWLEDGED, alert.id, headline(alert, entry), who,
                button=(translate("AlertBanner", "Resolve…") if resolvable else ""),
                enabled=not pending, tooltip=alert.ack_comment or ""))
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
        groups: dict[str, QFrame] = {}
        for line in lines:
            group_name = {LineKind.CRITICAL: "bannerCritical", LineKind.MORE: "bannerCritical",
                          LineKind.ACKNOWLEDGED: "bannerAcknowledged", LineKind.WARNINGS: "bannerWarnings",
                          LineKind.NOTICE: "bannerNotice"}[line.kind]
            group = groups.get(group_name)
            if group is None:
                group = QFrame(self)
                group.setObjectName(group_name)
                box = QVBoxLayout(group)
                box.setContentsMargins(12, 6, 12, 6)
                box.setSpacing(4)
                groups[group_name] = group
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
        h.setContentsMargins(0, 0, 0, 0)
        h.setSpacing(10)
        if line.kind in (LineKind.CRITICAL, LineKind.ACKNOWLEDGED):
            mark = QLabel("!" if line.kind is LineKind.CRITICAL else "✓", row)
            mark.setObjectName("bannerMark")
            mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
            mark.setFixedSize(24, 24)
            h.addWidget(mark)
        text = QLabel(line.text, row)
        text.setObjectName("bannerText")
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if line.tooltip:
            text.setToolTip(texts.plain_tooltip(line.tooltip))  # platform text (refusals, names): never HTML
        h.addWidget(text)
        if line.detail:
            detail = QLabel(line.detail, row)
            detail.setObjectName("bannerDetail")
            detail.setTextFormat(Qt.TextFormat.PlainText)
            h.addWidget(detail)
        h.addStretch(1)
        if line.button:
            button = QPushButton(line.button, row)
            button.setObjectName("bannerButton")
            button.setEnabled(line.enabled)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            h.addWidget(button)
            if line.kind is LineKind.CRITICAL and line.alert_id:
                aid = line.alert_id
                button.clicked.connect(lambda _checked=False, a=aid: self.acknowledge(a))
                button.setToolTip(translate("AlertBanner", "Acknowledge this alert with a comment (Ctrl+K)"))
                self.buttons[aid] = button
            elif line.kind is LineKind.ACKNOWLEDGED and line.alert_id:
                aid = line.alert_id
                button.clicked.connect(lambda _checked=False, a=aid: self.resolve(a))
                button.setToolTip(translate("AlertBanner", "Resolve this alert with a reason (Ctrl+Shift+K)"))
                self.buttons[aid] = button
            elif line.kind is LineKind.NOTICE:
                button.clicked.connect(lambda _checked=False: self.show_notice(None))
        return row

