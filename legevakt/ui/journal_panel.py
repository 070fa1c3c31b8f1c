"""The selected patient's journal: its notes newest first, each with its deliveries, and the note editor.

Everything shown here came from the platform or a person and is shown as plain text (labels with
``Qt.PlainText``, the editor a ``QPlainTextEdit``): a note that contains markup shows the markup.

The editor works on the *current* note: a new one (nothing selected) or the note a person picked in the
list. A saved note can be edited, saved again and signed; a signed note is never edited (its text shows
read-only, and "New note" goes back to a new one); a signed note that the platform has can be sent to
the patient's GP or to a recipient picked from the platform's Practitioners and Organizations, and a
delivery that was refused or went unanswered past its deadline can be sent again from where it shows.

Commands go to the service (``save_note``, ``sign_note``, ``send_note``); the page comes back on
``journal_loaded``. What a person typed and did not save stays as a draft for that patient and note,
kept when another patient is selected, and never shown under another patient.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QMouseEvent, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from legevakt.app.journal import JournalPage, RecipientMatches
from legevakt.journal.model import RESENDABLE_STATES, Delivery, DeliveryState, Note, NoteStatus, Recipient
from legevakt.problems import Problem
from legevakt.ui import keyboard, texts
from legevakt.ui.actions import gate_widget, may_of, role_name
from legevakt.ui.problem_texts import problem_text
from legevakt.worklist.models import Entry
from legevakt.worklist.roles import Permission, roles_allowed

log = logging.getLogger("legevakt.ui")
translate = QCoreApplication.translate

SEARCH_DEBOUNCE_MS = 300  # search as you type: ask the platform once typing pauses this long
MIN_QUERY = 2  # the service answers shorter queries with nothing


class JournalService(Protocol):
    """What the journal needs from the application service (``legevakt.app.service.AppService``)."""

    journal_loaded: Any  # Signal(object): JournalPage
    recipients_found: Any  # Signal(object): RecipientMatches
    failed: Any  # Signal(object): a Problem
    practitioner: str

    def load_journal(self, encounter_ref: str) -> None: ...
    def search_recipients(self, query: str) -> None: ...
    def save_note(self, encounter_ref: str, text: str, note: str | None = None) -> None: ...
    def sign_note(self, encounter_ref: str, note: str) -> None: ...
    def send_note(self, encounter_ref: str, note: str, to: str | None = None) -> None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RecipientNames:
    """Display names of recipients seen in searches (ref -> name); shared by the journal and the ledger."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def learn(self, recipients: Iterable[Recipient]) -> None:
        for r in recipients:
            if r.display:
                self._names[r.ref] = r.display

    def label(self, ref: str) -> str:
        return self._names.get(ref) or texts.recipient_ref_label(ref)

    def known(self, ref: str) -> str | None:
        """The name learnt for ``ref`` (None: not seen with a name)."""
        return self._names.get(ref)


# -- what a delivery looks like -------------------------------------------------------------------


def delivery_tone(state: DeliveryState) -> str:
    """The colour family of a state: ok (green), warn (amber), bad (red), wait (neutral)."""
    if state is DeliveryState.RECEIPTED:
        return "ok"
    if state is DeliveryState.RECEIPTED_WITH_ERRORS:
        return "warn"
    if state in (DeliveryState.REJECTED, DeliveryState.OVERDUE, DeliveryState.REFUSED):
        return "bad"
    return "wait"


def superseded(d: Delivery, deliveries: Iterable[Delivery]) -> bool:
    """Sent again already: resent (the platform knows the resend), or a later attempt of the same note
    to the same recipient exists (the resend may still wait in the outbox)."""
    if d.resent_as is not None:
        return True
    mine = d.created_at or d.sent_at
    for other in deliveries:
        if other.identifier == d.identifier or other.note != d.note or other.recipient != d.recipient:
            continue
        if d.communication is not None and other.resend_of == d.communication:
            return True
        theirs = other.created_at or other.sent_at
        if mine is not None and theirs is not None and theirs > mine:
            return True
    return False


def can_resend(d: Delivery, deliveries: Iterable[Delivery]) -> bool:
    """Refused or overdue and not sent again: sending again makes a new attempt (the service's rule)."""
    return d.state in RESENDABLE_STATES and not superseded(d, deliveries)


IN_FLIGHT_STATES = frozenset({DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.TRANSPORTED})
RECEIPTED_STATES = frozenset({DeliveryState.RECEIPTED, DeliveryState.RECEIPTED_WITH_ERRORS})


def send_state(deliveries: tuple[Delivery, ...]) -> tuple[Delivery | None, Delivery | None]:
    """(the attempt to offer "Send again" for, the attempt that makes sending again pointless): a refused or
    overdue attempt not sent again; and the newest one on its way or receipted (deliveries newest first)."""
    current = [d for d in deliveries if not superseded(d, deliveries)]
    again = next((d for d in current if d.state in RESENDABLE_STATES), None)
    served = next((d for d in current if d.state in IN_FLIGHT_STATES | RECEIPTED_STATES), None)
    return again, served


def send_state_text(d: Delivery, recipient: str, now: datetime | None) -> str:
    """One line on how a note's sending stands, in words (clinic times)."""
    if d.state is DeliveryState.RECEIPTED:
        when = d.receipt.sent_at if d.receipt is not None and d.receipt.sent_at is not None else d.sent_at
        return translate("JournalPanel", "Sent and receipted {time} (to {recipient})").format(
            time=texts.when_text(when, now), recipient=recipient)
    if d.state is DeliveryState.RECEIPTED_WITH_ERRORS:
        when = d.receipt.sent_at if d.receipt is not None and d.receipt.sent_at is not None else d.sent_at
        return translate("JournalPanel", "Sent and receipted with errors {time} (to {recipient})").format(
            time=texts.when_text(when, now), recipient=recipient)
    if d.state in IN_FLIGHT_STATES:
        if d.deadline is not None:
            return translate("JournalPanel", "Sent, waiting for the receipt (deadline {time}, to {recipient})").format(
                time=texts.when_text(d.deadline, now), recipient=recipient)
        return translate("JournalPanel", "Sent, waiting for the receipt (to {recipient})").format(recipient=recipient)
    if d.state is DeliveryState.REJECTED:
        when = d.receipt.sent_at if d.receipt is not None and d.receipt.sent_at is not None else d.sent_at
        return translate("JournalPanel", "Rejected by {recipient} {time}: send it again").format(
            time=texts.when_text(when, now), recipient=recipient)
    if d.communication is None:
        return translate("JournalPanel", "The platform refused the sending to {recipient}: send it again").format(
            recipient=recipient)
    return translate("JournalPanel", "Not receipted by the deadline {time} (to {recipient}): send it again").format(
        time=texts.when_text(d.deadline, now), recipient=recipient)


def delivery_times(d: Delivery, now: datetime | None) -> str:
    if d.never_sent:  # no deadline
        return translate("JournalPanel", "not sent: the platform refused it {time}").format(
            time=texts.when_text(d.created_at or d.sent_at, now))
    parts = [translate("JournalPanel", "sent {time}").format(time=texts.when_text(d.sent_at, now))]
    if d.receipt is not None and d.receipt.sent_at is not None:
        parts.append(translate("JournalPanel", "receipt {time}").format(time=texts.when_text(d.receipt.sent_at, now)))
    elif d.deadline is not None:
        parts.append(translate("JournalPanel", "deadline {time}").format(time=texts.when_text(d.deadline, now)))
    return " · ".join(parts)


class FlowLayout(QLayout):
    """Buttons side by side while they fit, on the next row when they do not; each row fills the width.
    (So "Send til fastlege" is never clipped in a narrow panel.)"""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        return size

    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        rows: list[list[QLayoutItem]] = []
        used = 0
        for item in self._visible():
            w = item.sizeHint().width()
            if rows and used + self._gap + w <= rect.width():
                rows[-1].append(item)
                used += self._gap + w
            else:
                rows.append([item])
                used = w
        y = rect.y()
        for row in rows:
            height = max(i.sizeHint().height() for i in row)
            if apply:
                natural = sum(i.sizeHint().width() for i in row) + self._gap * (len(row) - 1)
                extra = max(0, rect.width() - natural) // len(row)
                x = rect.x()
                for i in row:
                    w = min(i.sizeHint().width() + extra, rect.width())
                    i.setGeometry(QRect(QPoint(x, y), QSize(w, height)))
                    x += w + self._gap
            y += height + self._gap
        return max(0, y - rect.y() - self._gap)


def _plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class DeliveryRow(QFrame):
    """One delivery of a note: its state, recipient, times, receipt, and "Send again" when it needs it."""

    resend = Signal(object)  # the Delivery

    def __init__(self, d: Delivery, siblings: tuple[Delivery, ...], names: RecipientNames, now: datetime | None,
                 *, writable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deliveryRow")
        self.delivery = d
        v = QVBoxLayout(self)
        v.setContentsMargins(8, 5, 8, 5)
        v.setSpacing(2)
        top = QHBoxLayout()
        top.setSpacing(6)
        self.state_label = _plain(QLabel(texts.delivery_state_label(d.state), self))
        self.state_label.setObjectName("deliveryState")
        self.state_label.setProperty("tone", delivery_tone(d.state))
        top.addWidget(self.state_label, 0, Qt.AlignmentFlag.AlignTop)
        self.recipient_label = _plain(QLabel(translate("JournalPanel", "to {recipient}").format(
            recipient=names.label(d.recipient)), self))
        self.recipient_label.setObjectName("deliveryRecipient")
        self.recipient_label.setWordWrap(True)
        self.recipient_label.setToolTip(d.recipient)
        top.addWidget(self.recipient_label, 1)
        v.addLayout(top)
        self.times_label = _plain(QLabel(delivery_times(d, now), self))
        self.times_label.setObjectName("deliveryTimes")
        self.times_label.setWordWrap(True)
        v.addWidget(self.times_label)
        receipt = texts.receipt_text(d.receipt)
        self.receipt_label = _plain(QLabel(receipt, self))
        self.receipt_label.setObjectName("deliveryReceipt")
        self.receipt_label.setWordWrap(True)
        self.receipt_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.receipt_label.setVisible(bool(receipt))
        v.addWidget(self.receipt_label)
        self.resend_button: QPushButton | None = None
        if superseded(d, siblings):
            marker = _plain(QLabel(translate("JournalPanel", "Sent again"), self))
            marker.setObjectName("deliveryResent")
            v.addWidget(marker)
        elif can_resend(d, siblings):
            self.resend_button = QPushButton(translate("JournalPanel", "Send again"), self)
            self.resend_button.setObjectName("resendButton")
            self.resend_button.setToolTip(texts.plain_tooltip(translate(  # the name is the platform's
                "JournalPanel", "Send the note again to {recipient}").format(recipient=names.label(d.recipient))))
            self.resend_button.setEnabled(writable)
            self.resend_button.clicked.connect(lambda _checked=False: self.resend.emit(self.delivery))
            row = QHBoxLayout()
            row.addWidget(self.resend_button)
            row.addStretch(1)
            v.addLayout(row)


class NoteCard(QFrame):
    """One note: status, time, its text (plain), and its deliveries. Clicking it makes it the current note."""

    picked = Signal(str)  # the note's identifier
    resend = Signal(object)  # a Delivery

    def __init__(self, note: Note, deliveries: tuple[Delivery, ...], names: RecipientNames, now: datetime | None,
                 *, writable: bool, signer: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteCard")
        self.note = note
        self.setProperty("current", False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        v = QVBoxLayout(self)
        v.setContentsMargins(10, 8, 10, 8)
        v.setSpacing(5)
        top = QHBoxLayout()
        top.setSpacing(6)
        self.status_label = _plain(QLabel(texts.note_status_label(note.status), self))
        self.status_label.setObjectName("noteStatus")
        who = note.authenticator or note.author
        if note.status is NoteStatus.FINAL and who:
            self.status_label.setToolTip(texts.plain_tooltip(who))  # the platform id only in the tooltip
        self.status_label.setProperty("status", note.status.value)
        top.addWidget(self.status_label)
        when = texts.when_text(note.date, now)
        if note.status is NoteStatus.FINAL and signer:  # the badge and this read "Signert av <name> 12:23"
            when = translate("JournalPanel", "by {name} {time}").format(name=signer, time=when)
            self.time_label = _plain(QLabel(when, self))
            self.time_label.setToolTip(self.status_label.toolTip())
        else:
            self.time_label = _plain(QLabel(when, self))
        self.time_label.setObjectName("noteTime")
        self.time_label.setWordWrap(True)  # a long name wraps inside the card, never widens it
        top.addWidget(self.time_label, 1)
        v.addLayout(top)
        if note.ref is None:
            waiting = _plain(QLabel(translate("JournalPanel", "Not on the platform yet"), self))
            waiting.setObjectName("notePending")
            waiting.setWordWrap(True)
            v.addWidget(waiting)
        self.text_label = _plain(QLabel(note.text, self))
        self.text_label.setObjectName("noteText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.text_label)
        self.rows: list[DeliveryRow] = []
        for d in deliveries:
            row = DeliveryRow(d, deliveries, names, now, writable=writable, parent=self)
            row.resend.connect(self.resend.emit)
            v.addWidget(row)
            self.rows.append(row)

    def set_current(self, current: bool) -> None:
        if self.property("current") != current:
            self.setProperty("current", current)
            _repolish(self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.picked.emit(self.note.identifier)
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.picked.emit(self.note.identifier)
            return
        super().keyPressEvent(event)


# -- picking a recipient ----------------------------------------------------------------------------


class RecipientDialog(QDialog):
    """Search the platform's Practitioners and Organizations as you type; pick one to send the note to."""

    def __init__(self, service: JournalService, names: RecipientNames, parent: QWidget | None = None, *,
                 debounce_ms: int = SEARCH_DEBOUNCE_MS, served: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recipientDialog")
        #: Recipients that have the note already (on its way or receipted): ref -> how it stands, in words.
        self.served = dict(served or {})
        self.setWindowTitle(translate("JournalPanel", "Send the note to…"))
        self.setModal(True)
        self.setMinimumWidth(460)
        self._service = service
        self._names = names
        self._asked: str | None = None  # the query whose answer we wait for
        self._found: tuple[Recipient, ...] = ()
        layout = QVBoxLayout(self)
        prompt = QLabel(translate("JournalPanel", "Recipient (name of a doctor or an office):"), self)
        layout.addWidget(prompt)
        self.search = QLineEdit(self)
        self.search.setObjectName("recipientSearch")
        self.search.setPlaceholderText(translate("JournalPanel", "Type at least two letters"))
        self.search.setClearButtonEnabled(True)
        prompt.setBuddy(self.search)
        layout.addWidget(self.search)
        self.results = QListWidget(self)
        self.results.setObjectName("recipientResults")
        self.results.setMinimumHeight(180)
        layout.addWidget(self.results)
        self.hint = _plain(QLabel(self))
        self.hint.setObjectName("recipientHint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(self)
        self.send_button = self.buttons.addButton(translate("JournalPanel", "Send"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(translate("JournalPanel", "Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._accept_if_chosen)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(debounce_ms)
        self.timer.timeout.connect(self._ask)
        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(self._accept_if_chosen)
        self.results.itemDoubleClicked.connect(lambda _item: self._accept_if_chosen())
        self.results.currentRowChanged.connect(lambda _row: self._update())
        service.recipients_found.connect(self.show_matches)
        self.finished.connect(self._disconnect)
        self._update()
        self.search.setFocus()

    def chosen(self) -> Recipient | None:
        row = self.results.currentRow()
        return self._found[row] if 0 <= row < len(self._found) else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Up/Down in the search box move through the results, so the keyboard never leaves the box.
        if self.search.hasFocus() and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self._found:
            step = 1 if event.key() == Qt.Key.Key_Down else -1
            self.results.setCurrentRow(max(0, min(len(self._found) - 1, self.results.currentRow() + step)))
            return
        super().keyPressEvent(event)

    def _typed(self, _text: str) -> None:
        self.timer.start()  # restarts: one search once typing pauses
        self._update()

    def _ask(self) -> None:
        query = self.search.text().strip()
        if len(query) < MIN_QUERY:
            self._asked = None
            self._show(())
            return
        self._asked = query
        self._service.search_recipients(query)
        self._update()

    def show_matches(self, matches: RecipientMatches) -> None:
        if not isinstance(matches, RecipientMatches) or matches.query != self._asked:
            return  # the answer to an earlier query
        self._asked = None
        self._names.learn(matches.recipients)
        self._show(matches.recipients)

    def _show(self, recipients: tuple[Recipient, ...]) -> None:
        self._found = recipients
        self.results.clear()
        for r in recipients:
            item = QListWidgetItem(r.display or texts.recipient_ref_label(r.ref))
            item.setToolTip(texts.plain_tooltip(r.ref))  # the platform id only in the tooltip
            self.results.addItem(item)
        if recipients:
            self.results.setCurrentRow(0)
        self._update()

    def _update(self) -> None:
        query = self.search.text().strip()
        if len(query) < MIN_QUERY:
            hint = translate("JournalPanel", "Type at least two letters of the name.")
        elif self._asked is not None or self.timer.isActive():
            hint = translate("JournalPanel", "Searching…")
        elif not self._found:
            hint = translate("JournalPanel", "No doctor or office by that name.")
        else:
            hint = translate("JournalPanel", "%n found. Enter sends to the one marked.", None, len(self._found))
        chosen = self.chosen()
        if chosen is not None and chosen.ref in self.served:  # sending again would do nothing: say why
            hint = translate("JournalPanel", "{state}: pick another recipient.").format(state=self.served[chosen.ref])
        self.hint.setText(hint)
        self.send_button.setEnabled(chosen is not None and chosen.ref not in self.served)

    def _accept_if_chosen(self) -> None:
        if self.send_button.isEnabled():
            self.accept()

    def _disconnect(self, _result: int) -> None:
        self.timer.stop()
        with contextlib.suppress(RuntimeError, TypeError):  # already gone
            self._service.recipients_found.disconnect(self.show_matches)


# -- the panel ----------------------------------------------------------------------------------------


class NoteEditor(QPlainTextEdit):
    """The note's text box: two lines while idle and empty, five while a note is written or shown."""

    focus_changed = Signal(bool)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focus_changed.emit(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focus_changed.emit(False)

    def set_expanded(self, expanded: bool) -> None:
        lines = 5 if expanded else 2
        margins = self.contentsMargins()
        height = (self.fontMetrics().lineSpacing() * lines + 2 * int(self.document().documentMargin())
                  + margins.top() + margins.bottom() + 6)
        if self.height() != height or self.minimumHeight() != height:
            self.setFixedHeight(height)


def _key(note: Note | None) -> str:
    return note.identifier if note is not None else ""


def _same_text(a: str, b: str) -> bool:
    """Equal as the editor shows them (it keeps "\\n" line ends and turns no-break spaces into spaces)."""
    def normal(t: str) -> str:
        return t.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return normal(a) == normal(b)


class JournalPanel(QFrame):
    """The journal of the selected patient (``set_entry``), rendered from ``JournalPage``s (``show_page``)."""

    def __init__(self, service: JournalService, names: RecipientNames | None = None, *,
                 clock: Callable[[], datetime] = _utcnow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("journalPanel")
        self.service = service
        self.names = names or RecipientNames()
        self._clock = clock
        self._entry: Entry | None = None
        self._encounter: str | None = None
        self._page: JournalPage | None = None
        self._shown: tuple[object, ...] | None = None  # what the cards show (rebuilt only when it changes)
        self._current: str | None = None  # the current note's identifier; None: a new note
        self._drafts: dict[tuple[str, str], str] = {}  # (encounter, note identifier or "") -> unsaved text
        self._busy = False  # a command was sent; its page has not come back
        self._awaiting: str | None = None  # the text of a new note just saved (selected when it shows)
        self._known: set[str] = set()  # the notes there were when it was saved
        self._loading_editor = False
        self.dialog: RecipientDialog | None = None
        self.cards: list[NoteCard] = []

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        head = QHBoxLayout()
        self.header_label = _plain(QLabel(self))
        self.header_label.setObjectName("journalHeader")
        self.header_label.setWordWrap(True)
        head.addWidget(self.header_label, 1)
        outer.addLayout(head)
        self.author_hint = _plain(QLabel(translate(
            "JournalPanel", "You can read the journal but not write in it: set your Practitioner reference "
            "(practitioner) in the settings."), self))
        self.author_hint.setObjectName("journalHint")
        self.author_hint.setWordWrap(True)
        outer.addWidget(self.author_hint)
        self.notice_label = _plain(QLabel(self))
        self.notice_label.setObjectName("journalNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        outer.addWidget(self.notice_label)

        # The editor: the current note (new, or the one picked below).
        self.editor_caption = _plain(QLabel(self))
        self.editor_caption.setObjectName("editorCaption")
        self.editor_caption.setWordWrap(True)
        self.new_button = QPushButton(translate("JournalPanel", "New note"), self)
        self.new_button.setObjectName("newNoteButton")
        self.new_button.setToolTip(translate("JournalPanel", "Write a new note (Ctrl+N)"))
        cap = QHBoxLayout()
        cap.addWidget(self.editor_caption, 1)
        cap.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(cap)
        self.editor = NoteEditor(self)
        self.editor.setObjectName("noteEditor")
        self.editor.setTabChangesFocus(True)
        self.editor.setPlaceholderText(translate("JournalPanel", "Write the note here…"))
        self.editor.set_expanded(False)
        self.editor.setAccessibleName(translate("JournalPanel", "Note text"))
        outer.addWidget(self.editor)
        grid = FlowLayout()
        self.save_button = QPushButton(translate("JournalPanel", "Save"), self)
        self.save_button.setObjectName("saveNoteButton")
        self.save_button.setToolTip(translate("JournalPanel", "Save the note (Ctrl+S)"))
        self.sign_button = QPushButton(translate("JournalPanel", "Sign"), self)
        self.sign_button.setObjectName("signNoteButton")
        self.sign_button.setToolTip(translate("JournalPanel", "Sign the saved note; it cannot be edited after "
                                                              "(Ctrl+Shift+S)"))
        self.send_gp_button = QPushButton(translate("JournalPanel", "Send to GP"), self)
        self.send_gp_button.setObjectName("sendGpButton")
        self.send_gp_button.setToolTip(translate("JournalPanel", "Send the signed note to the patient's GP "
                                                                 "(Ctrl+Shift+F)"))
        self.send_to_button = QPushButton(translate("JournalPanel", "Send to…"), self)
        self.send_to_button.setObjectName("sendToButton")
        self.send_to_button.setToolTip(translate("JournalPanel", "Send the signed note to a doctor or office you "
                                                                 "pick (Ctrl+Shift+T)"))
        for button in (self.save_button, self.sign_button, self.send_gp_button, self.send_to_button):
            grid.addWidget(button)
        #: Each button's permission and what it does (its tooltip while the signed-in role may use it).
        self._gates: dict[QPushButton, tuple[Permission, str]] = {
            self.new_button: (Permission.NOTES, self.new_button.toolTip()),
            self.save_button: (Permission.NOTES, self.save_button.toolTip()),
            self.sign_button: (Permission.SIGN_NOTES, self.sign_button.toolTip()),
            self.send_gp_button: (Permission.SIGN_NOTES, self.send_gp_button.toolTip()),
            self.send_to_button: (Permission.SIGN_NOTES, self.send_to_button.toolTip()),
        }
        outer.addLayout(grid)
        self.send_state_label = _plain(QLabel(self))
        self.send_state_label.setObjectName("sendState")
        self.send_state_label.setWordWrap(True)
        outer.addWidget(self.send_state_label)
        self.why_label = _plain(QLabel(self))
        self.why_label.setObjectName("journalWhy")
        self.why_label.setWordWrap(True)
        outer.addWidget(self.why_label)

        # The notes, newest first.
        self.status_label = _plain(QLabel(self))
        self.status_label.setObjectName("journalStatus")
        self.status_label.setWordWrap(True)
        outer.addWidget(self.status_label)
        self.notes_scroll = QScrollArea(self)
        self.notes_scroll.setObjectName("notesScroll")
        self.notes_scroll.setWidgetResizable(True)
        self.notes_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.notes_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.notes_box = QWidget(self.notes_scroll)
        self.notes_box.setObjectName("notesBox")
        self.notes_layout = QVBoxLayout(self.notes_box)
        self.notes_layout.setContentsMargins(0, 0, 0, 0)
        self.notes_layout.setSpacing(8)
        self.notes_layout.addStretch(1)
        self.notes_scroll.setWidget(self.notes_box)
        outer.addWidget(self.notes_scroll, 1)

        self.save_button.clicked.connect(self.save)
        self.sign_button.clicked.connect(self.sign)
        self.send_gp_button.clicked.connect(self.send_to_gp)
        self.send_to_button.clicked.connect(self.pick_recipient)
        self.new_button.clicked.connect(self.new_note)
        self.editor.textChanged.connect(self._edited)
        self.editor.focus_changed.connect(lambda _focus: self._update())
        self.shortcuts: list[QShortcut] = []
        #: Each shortcut's button: a menu that shows the shortcut offers it when (and as) the button does.
        self.shortcut_buttons: dict[QShortcut, QPushButton] = {}
        area = translate("JournalPanel", "Journal")
        for keys, slot, what, button in (
                ("Ctrl+S", self.save, translate("JournalPanel", "Save the note"), self.save_button),
                ("Ctrl+Shift+S", self.sign, translate("JournalPanel", "Sign the note"), self.sign_button),
                ("Ctrl+Shift+F", self.send_to_gp, translate("JournalPanel", "Send the note to the GP"),
                 self.send_gp_button),
                ("Ctrl+Shift+T", self.pick_recipient, translate("JournalPanel", "Send the note to…"),
                 self.send_to_button),
                ("Ctrl+N", self.new_note, translate("JournalPanel", "New note"), self.new_button)):
            sc = keyboard.describe(QShortcut(QKeySequence(keys), self), area, what)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
            self.shortcuts.append(sc)
            self.shortcut_buttons[sc] = button
        service.journal_loaded.connect(self.show_page)
        service.failed.connect(self.command_failed)
        self.set_entry(None)

    # -- reading --------------------------------------------------------------------------------
    @property
    def encounter(self) -> str | None:
        return self._encounter

    @property
    def page(self) -> JournalPage | None:
        return self._page

    @property
    def busy(self) -> bool:
        return self._busy

    def can_write(self) -> bool:
        return bool(getattr(self.service, "practitioner", ""))

    def may(self, permission: Permission) -> bool:
        """Whether the signed-in role may (notes: every role; signing and sending: doctor and shift lead)."""
        return may_of(self.service)(permission)

    def refresh(self) -> None:
        """Re-read who may do what (after a sign-in or a switch of user)."""
        self._update()

    def notes(self) -> tuple[Note, ...]:
        """The notes shown, newest first."""
        if self._page is None:
            return ()
        return tuple(sorted(self._page.notes, key=lambda n: n.date, reverse=True))

    def current_note(self) -> Note | None:
        if self._current is None or self._page is None:
            return None
        return next((n for n in self._page.notes if n.identifier == self._current), None)

    def deliveries_of(self, note: Note) -> tuple[Delivery, ...]:
        if self._page is None or note.ref is None:
            return ()
        mine = [d for d in self._page.deliveries if d.note == note.ref]
        return tuple(sorted(mine, key=lambda d: d.created_at or d.sent_at or datetime.min.replace(tzinfo=UTC),
                            reverse=True))

    def person_name(self, ref: str | None) -> str:
        """A Practitioner as the app knows them: the signed-in clinician, the visit's nurse or doctor, or a
        name learnt from the platform; never the raw reference (that goes in a tooltip)."""
        if ref:
            session = getattr(self.service, "session", None)
            if session is not None and getattr(session, "practitioner", None) == ref and getattr(session, "name", ""):
                return str(session.name)
            if self._entry is not None:
                enc = self._entry.encounter
                for who, name in ((enc.doctor, enc.doctor_name), (enc.nurse, enc.nurse_name)):
                    if who == ref and name:
                        return name
            known = self.names.known(ref)
            if known:
                return known
            user = str(getattr(self.service, "user", "") or "")
            if ref == self.service.practitioner and user and "/" not in user and "|" not in user:
                return user
        return translate("JournalPanel", "another practitioner")

    def signer_name(self, note: Note) -> str:
        return self.person_name(note.authenticator or note.author)

    def wants_reload(self, deliveries: Iterable[Delivery]) -> bool:
        """Whether changed deliveries touch the journal shown (so its page should be read again)."""
        if self._encounter is None:
            return False
        refs = {n.ref for n in self._page.notes if n.ref} if self._page is not None else set()
        return any(d.encounter == self._encounter or d.note in refs for d in deliveries)

    # -- showing ------------------------------------------------------------------------------
    def set_entry(self, entry: Entry | None) -> None:
        """Show the journal of ``entry`` (None: nobody selected). A new patient starts empty until their
        page arrives; the window asks for it (``service.load_journal``)."""
        ref = entry.ref if entry is not None else None
        self._entry = entry
        if ref != self._encounter:
            self._encounter = ref
            self._page = None
            self._current = None
            self._busy = False
            self._awaiting = None
            self.notice_label.hide()
            self._rebuild_cards()
            self._load_editor()
        self._update_header()
        self._update()

    def show_page(self, page: JournalPage) -> None:
        """A journal page from the service: shown only when it is the selected patient's."""
        if not isinstance(page, JournalPage) or page.encounter != self._encounter or self._encounter is None:
            return
        self._page = page
        self.names.learn(page.recipients)  # the display names of this page's recipients
        self._busy = False
        self.notice_label.hide()
        if self._awaiting is not None:
            fresh = next((n for n in self.notes()
                          if n.identifier not in self._known and _same_text(n.text, self._awaiting)), None)
            if fresh is not None:
                self._awaiting = None
                self._drafts.pop((self._encounter, ""), None)
                self._current = fresh.identifier
        if self._current is not None and self.current_note() is None:
            self._current = None  # gone from the page (should not happen): back to a new note
        # A saved edit that the page now has is no longer a draft.
        current = self.current_note()
        draft = self._drafts.get((self._encounter, current.identifier)) if current is not None else None
        if current is not None and draft is not None and _same_text(draft, current.text):
            self._drafts.pop((self._encounter, current.identifier), None)
        self._rebuild_cards()
        self._load_editor()
        self._update_header()
        self._update()

    def command_failed(self, problem: object) -> None:
        """The service refused or failed a command: if ours, say why here too and let the person retry."""
        if not self._busy:
            return
        self._busy = False
        self._awaiting = None
        words = problem_text(self._in_words(problem)) if isinstance(problem, Problem) else str(problem)
        self.notice_label.setText(translate("JournalPanel", "Not done: {message}").format(message=words))
        # the platform ids the problem names (the visit, the note, the recipient) only in the tooltip
        raw = problem_text(problem) if isinstance(problem, Problem) else ""
        self.notice_label.setToolTip(texts.plain_tooltip(raw) if raw != words else "")
        self.notice_label.show()
        self._update()

    def _in_words(self, problem: Problem) -> Problem:
        """``problem`` with the ids it carries as a nurse reads them: this visit as the patient's name and
        masked identifier, a note by its time ("Notat fra 13:05 ..."), a recipient by name."""
        params = dict(problem.params)
        if self._entry is not None and params.get("encounter") == self._entry.ref:
            params["encounter"] = f"{texts.patient_name(self._entry)} ({texts.masked_identifier(self._entry)})"
        note = params.get("note")
        if isinstance(note, str) and self._page is not None:
            found = next((n for n in self._page.notes if note in (n.identifier, n.ref)), None)
            if found is not None:
                params["note"] = translate("JournalPanel", "from {time}").format(
                    time=texts.when_text(found.date, self._clock()))
        if isinstance(params.get("ref"), str):
            params["ref"] = self.names.label(params["ref"])
        return Problem(problem.kind, params)

    def close_dialogs(self) -> None:
        if self.dialog is not None:
            self.dialog.reject()
            self.dialog = None

    # -- commands -------------------------------------------------------------------------------
    def pick(self, identifier: str | None) -> None:
        """Make a note current (None: a new note)."""
        if identifier == self._current:
            return
        self._current = identifier
        self._load_editor()
        self._update()
        shown = next((c for c in self.cards if c.note.identifier == identifier), None)
        if shown is not None:
            self.notes_scroll.ensureWidgetVisible(shown, 0, 8)
            # A card taller than the list is shown from its top (its heading), not its bottom.
            bar = self.notes_scroll.verticalScrollBar()
            inner = self.notes_scroll.widget()
            top = shown.mapTo(inner, shown.rect().topLeft()).y() if inner is not None else bar.value()
            if top < bar.value():
                bar.setValue(max(0, top - 8))

    def new_note(self) -> None:
        if self._encounter is not None:
            self.pick(None)
            self.editor.setFocus()

    def save(self) -> None:
        if not self.save_button.isEnabled() or self._encounter is None:
            return
        text = self.editor.toPlainText()
        note = self.current_note()
        self._start()
        if note is None:
            self._awaiting = text
            self._known = {n.identifier for n in self._page.notes} if self._page is not None else set()
            self.service.save_note(self._encounter, text)
        else:
            self.service.save_note(self._encounter, text, note.identifier)
        log.info("note saved by the user on %s", self._encounter)

    def sign(self) -> None:
        note = self.current_note()
        if not self.sign_button.isEnabled() or note is None or self._encounter is None:
            return
        self._start()
        self.service.sign_note(self._encounter, note.identifier)

    def send_to_gp(self) -> None:
        """Send the current note to the GP; after a refusal or an overdue: send it again to that recipient."""
        note = self.current_note()
        if not self.send_gp_button.isEnabled() or note is None or self._encounter is None:
            return
        again, _served = send_state(self.deliveries_of(note))
        if again is not None:
            self.resend(again)
            return
        self._start()
        self.service.send_note(self._encounter, note.identifier, None)

    def pick_recipient(self) -> RecipientDialog | None:
        """Open the recipient picker for the current (signed) note; on a pick, send it there."""
        note = self.current_note()
        if not self.send_to_button.isEnabled() or note is None or self._encounter is None:
            return None
        self.close_dialogs()
        deliveries = self.deliveries_of(note)
        now = self._clock()
        served = {d.recipient: send_state_text(d, self.names.label(d.recipient), now) for d in reversed(deliveries)
                  if not superseded(d, deliveries) and d.state in IN_FLIGHT_STATES | RECEIPTED_STATES}
        dlg = RecipientDialog(self.service, self.names, self.window(), served=served)
        encounter, key = self._encounter, note.identifier

        def done() -> None:
            chosen = dlg.chosen()
            if chosen is not None and self._encounter == encounter:
                self._start()
                self.service.send_note(encounter, key, chosen.ref)

        dlg.accepted.connect(done)
        dlg.finished.connect(lambda _r: self._dialog_closed(dlg))
        self.dialog = dlg
        dlg.open()
        return dlg

    def resend(self, d: Delivery) -> None:
        """Send a refused or overdue note again to the same recipient."""
        if self._encounter is None or self._busy or not self.can_write() or not self.may(Permission.SIGN_NOTES):
            return
        self._start()
        self.service.send_note(self._encounter, d.note, d.recipient)

    def _dialog_closed(self, dlg: RecipientDialog) -> None:
        if self.dialog is dlg:
            self.dialog = None
        dlg.deleteLater()

    def _start(self) -> None:
        self._busy = True
        self.notice_label.hide()
        self._update()

    # -- rendering ------------------------------------------------------------------------------
    def _edited(self) -> None:
        if self._loading_editor or self._encounter is None:
            return
        note = self.current_note()
        text = self.editor.toPlainText()
        key = (self._encounter, _key(note))
        saved = note.text if note is not None else ""
        if _same_text(text, saved):
            self._drafts.pop(key, None)
        else:
            self._drafts[key] = text
        self._update()

    def _load_editor(self) -> None:
        note = self.current_note()
        text = ""
        if self._encounter is not None:
            text = self._drafts.get((self._encounter, _key(note)), note.text if note is not None else "")
        if self.editor.toPlainText() != text:
            self._loading_editor = True
            try:
                self.editor.setPlainText(text)
                signed = note is not None and note.status is NoteStatus.FINAL
                # Writable: go on where the text ends; signed (read only): read it from the top.
                self.editor.moveCursor(QTextCursor.MoveOperation.Start if signed else QTextCursor.MoveOperation.End)
            finally:
                self._loading_editor = False
        self.editor.setReadOnly(not self.can_write() or (note is not None and note.status is NoteStatus.FINAL))
        for card in self.cards:
            card.set_current(card.note.identifier == self._current)

    def _update_header(self) -> None:
        if self._entry is None:
            self.header_label.setText("")
            return
        self.header_label.setText(translate("JournalPanel", "Journal · {ident}").format(
            ident=texts.masked_identifier(self._entry)))

    def _dirty(self) -> bool:
        note = self.current_note()
        return not _same_text(self.editor.toPlainText(), note.text if note is not None else "")

    def _update(self) -> None:
        writable = self.can_write()
        note = self.current_note()
        text = self.editor.toPlainText()
        idle = writable and not self._busy and self._encounter is not None
        signed = note is not None and note.status is NoteStatus.FINAL
        dirty = self._dirty()
        sendable = idle and signed and note is not None and note.ref is not None
        again, served = send_state(self.deliveries_of(note)) if signed and note is not None else (None, None)
        now = self._clock()
        state_text = ""
        tips = {button: tip for button, (_permission, tip) in self._gates.items()}
        if again is not None:  # refused or overdue, not sent again: the GP button sends it again
            state_text = send_state_text(again, self.names.label(again.recipient), now)
            self.send_gp_button.setText(translate("JournalPanel", "Send again"))
            tips[self.send_gp_button] = texts.plain_tooltip(translate(
                "JournalPanel", "Send the note again to {recipient}").format(
                recipient=self.names.label(again.recipient)))
        else:
            self.send_gp_button.setText(translate("JournalPanel", "Send to GP"))
            if served is not None:  # on its way or receipted: sending it to the GP again would do nothing
                state_text = send_state_text(served, self.names.label(served.recipient), now)
                tips[self.send_gp_button] = texts.plain_tooltip(state_text)
                tips[self.send_to_button] = texts.plain_tooltip(translate(
                    "JournalPanel", "{state}. Send it to another doctor or office").format(state=state_text))
        when = {self.new_button: True,
                self.save_button: idle and not signed and bool(text.strip()) and dirty,
                self.sign_button: idle and note is not None and not signed and note.ref is not None and not dirty,
                self.send_gp_button: sendable and (again is not None or served is None),
                self.send_to_button: sendable}
        for button, (permission, _tip) in self._gates.items():
            gate_widget(button, self.may(permission), permission, tips[button], enabled=when[button])
        self.send_state_label.setText(state_text)
        self.send_state_label.setProperty("tone", delivery_tone(again.state) if again is not None else
                                          delivery_tone(served.state) if served is not None else "wait")
        _repolish(self.send_state_label)
        self.send_state_label.setVisible(bool(state_text))
        self.new_button.setVisible(self._encounter is not None and note is not None)
        self.author_hint.setVisible(not writable and self._encounter is not None)
        may_send = self.may(Permission.SIGN_NOTES)
        for card in self.cards:
            for row in card.rows:
                if row.resend_button is not None:
                    if not row.resend_button.property("gateTip"):
                        row.resend_button.setProperty("gateTip", row.resend_button.toolTip())
                    gate_widget(row.resend_button, may_send, Permission.SIGN_NOTES,
                                str(row.resend_button.property("gateTip")), enabled=idle)
        # The editor's caption and why a button is off, in words.
        if note is None:
            caption = translate("JournalPanel", "New note")
        elif signed:
            caption = translate("JournalPanel", "Signed by {name} {time} (cannot be edited)").format(
                name=self.signer_name(note), time=texts.when_text(note.date, self._clock()))
        else:
            caption = translate("JournalPanel", "Saved note {time}").format(
                time=texts.when_text(note.date, self._clock()))
        self.editor_caption.setText(caption)
        self.editor_caption.setVisible(note is not None)  # a new note: the placeholder says it
        self.editor.set_expanded(note is not None or bool(text) or self.editor.hasFocus())
        self.why_label.setText(self._why(note, writable, dirty))
        self.why_label.setVisible(bool(self.why_label.text()))
        if self._encounter is None:
            self.status_label.setText("")
        elif self._page is None:
            self.status_label.setText(translate("JournalPanel", "Reading the journal…"))
        elif not self._page.notes:
            self.status_label.setText(translate("JournalPanel", "No notes yet."))
        else:
            self.status_label.setText(translate("JournalPanel", "%n notes, newest first", None,
                                                len(self._page.notes)))

    def _why(self, note: Note | None, writable: bool, dirty: bool) -> str:
        if not writable or self._encounter is None:
            return ""
        if self._busy:
            return translate("JournalPanel", "Working…")
        if note is None:
            return ""
        if note.status is NoteStatus.PRELIMINARY:
            if dirty:
                return translate("JournalPanel", "Save the changes before signing.")
            if note.ref is None:
                return translate("JournalPanel", "The note is saved here and waits for the platform; "
                                                 "it can be signed once the platform has it.")
            if not self.may(Permission.SIGN_NOTES):
                return self._not_yours()
            return translate("JournalPanel", "Sign the note before sending it.")
        if note.ref is None:
            return translate("JournalPanel", "The note waits for the platform; it can be sent once the platform "
                                             "has it.")
        return "" if self.may(Permission.SIGN_NOTES) else self._not_yours()

    def _not_yours(self) -> str:
        roles = ", ".join(role_name(r) for r in roles_allowed(Permission.SIGN_NOTES))
        return translate("JournalPanel", "Signing and sending notes is for: {roles}.").format(roles=roles)

    def _rebuild_cards(self) -> None:
        notes = self.notes()
        writable = self.can_write()
        shown = (self._encounter, writable, tuple((n, self.deliveries_of(n)) for n in notes))
        if shown == self._shown:
            return
        self._shown = shown
        for card in self.cards:
            self.notes_layout.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        now = self._clock()
        for i, note in enumerate(notes):
            card = NoteCard(note, self.deliveries_of(note), self.names, now, writable=writable,
                            signer=self.signer_name(note), parent=self.notes_box)
            card.picked.connect(self.pick)
            card.resend.connect(self.resend)
            card.set_current(note.identifier == self._current)
            self.notes_layout.insertWidget(i, card)
            self.cards.append(card)


__all__ = ["JournalPanel", "NoteCard", "RecipientDialog", "RecipientNames", "can_resend", "delivery_tone"]
