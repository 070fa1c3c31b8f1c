"""The journal's domain: notes, recipients, deliveries and what a receipt means (pure, no I/O).

Notes
    A note is saved (``preliminary``) and may be edited until it is signed (``final``). A signed note is
    never edited: a correction is a new note that ``replaces`` the old one (``correct``).

Deliveries
    One delivery per (note, recipient, attempt). Its state only moves forward::

        queued -> sent -> transported -> receipted | receipted-with-errors | rejected
                     \\___________\\____-> overdue -> receipted | receipted-with-errors | rejected

    ``refused``: the platform refused to create the Communication (a 4xx, or what it depends on was
    refused): the note never left, and never will; a person must send it again. Final (no deadline runs).
    ``queued``: the Communication waits in the outbox. ``sent``: the platform has it (``sent`` is set).
    ``transported``: the platform set ``received`` (transport acknowledged). ``overdue``: the note kind's
    deadline passed after sending without an application receipt. A receipt that arrives after the
    deadline still settles the delivery (an OK one resolves the overdue). Receipted states are final: a
    second receipt changes nothing.

Deadline
    Setting ``note_receipt_deadline_minutes``: a number of minutes (fractions allowed, default 30) for every
    kind, or a mapping ``{kind: minutes, "default": minutes}``.

Alerts (``alert_for``)
    ``overdue`` -> ``NOTE_UNDELIVERED`` (critical); ``refused`` -> ``NOTE_UNDELIVERED`` (critical: not sent);
    ``rejected`` -> ``NOTE_REJECTED`` (critical, with the 8221 reasons); ``receipted-with-errors`` ->
    ``NOTE_RECEIPT_ERRORS`` (warning). An alert raised on one delivery is resolved by evidence when that
    delivery, or a resend of it, is receipted OK (``alert_resolved``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from legevakt.codes import APPREC_ERROR_TEXTS
from legevakt.problems import Problem, ProblemError, ProblemKind
from legevakt.text import too_long, user_text

DEFAULT_DEADLINE_MINUTES = 30.0
DEFAULT_NOTE_KIND = "emergency-note"


# -- notes ------------------------------------------------------------------------------------------


class NoteStatus(StrEnum):
    PRELIMINARY = "preliminary"  # saved, editable
    FINAL = "final"  # signed, never edited


@dataclass(frozen=True)
class Note:
    identifier: str  # client-made, for If-None-Exist
    encounter: str  # "Encounter/<id>"
    patient: str  # "Patient/<id>"
    author: str  # "Practitioner/<id>"
    text: str
    date: dt.datetime
    kind: str = DEFAULT_NOTE_KIND
    status: NoteStatus = NoteStatus.PRELIMINARY
    authenticator: str | None = None  # set once signed
    replaces: str | None = None  # "DocumentReference/<id>" of the note this one corrects
    ref: str | None = None  # "DocumentReference/<id>" once the platform has it


def _check_text(text: str) -> str:
    """The note's text as stored: control and bidi formatting characters removed (issue 11); refused
    when empty or longer than ``MAX_NOTE``."""
    text = user_text(text, multiline=True)
    if not text.strip():
        raise ProblemError(Problem.of(ProblemKind.NOTE_EMPTY))
    limit = too_long(text, "note")
    if limit is not None:
        raise ProblemError(Problem.of(ProblemKind.TEXT_TOO_LONG, field="note", limit=limit))
    return text


def new_note(
    identifier: str,
    encounter: str,
    patient: str,
    author: str,
    text: str,
    at: dt.datetime,
    kind: str = DEFAULT_NOTE_KIND,
) -> Note:
    text = _check_text(text)
    return Note(identifier, encounter, patient, author, text, at, kind)


def edit(note: Note, text: str, at: dt.datetime) -> Note:
    """A saved note with new text; a signed one is refused."""
    if note.status is NoteStatus.FINAL:
        raise ProblemError(Problem.of(ProblemKind.NOTE_ALREADY_SIGNED, note=note.ref))
    text = _check_text(text)
    return replace(note, text=text, date=at)


def sign(note: Note, by: str, at: dt.datetime) -> Note:
    if note.status is NoteStatus.FINAL:
        raise ProblemError(Problem.of(ProblemKind.NOTE_ALREADY_SIGNED, note=note.ref))
    _check_text(note.text)
    return replace(note, status=NoteStatus.FINAL, authenticator=by, date=at)


def correct(old: Note, identifier: str, text: str, by: str, at: dt.datetime) -> Note:
    """A correction of a signed note: a new saved note that replaces the old one (which stays as it is)."""
    if old.status is not NoteStatus.FINAL or old.ref is None:
        raise ProblemError(Problem.of(ProblemKind.NOTE_NOT_SIGNED, note=old.ref))
    text = _check_text(text)
    return Note(identifier, old.encounter, old.patient, by, text, at, old.kind, replaces=old.ref)


# -- recipients -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    ref: str  # "Practitioner/<id>" or "Organization/<id>"
    display: str | None = None


def recipient(ref: str, display: str | None = None) -> Recipient:
    rtype, _, rid = ref.partition("/")
    if rtype not in ("Practitioner", "Organization") or not rid or "/" in rid:
        raise ProblemError(Problem.of(ProblemKind.NOTE_BAD_RECIPIENT, ref=ref))
    return Recipient(ref, display)


def default_recipient(explicit: str | None, general_practitioners: Sequence[str]) -> Recipient:
    """``--to`` if given, else the patient's first GP (Practitioner or Organization); none is a problem."""
    if explicit:
        return recipient(explicit)
    for gp in general_practitioners:
        if gp.split("/", 1)[0] in ("Practitioner", "Organization"):
            return recipient(gp)
    raise ProblemError(Problem.of(ProblemKind.NOTE_NO_RECIPIENT))


# -- deadlines --------------------------------------------------------------------------------------


def _minutes(value: Any, kind: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ProblemError(Problem.of(ProblemKind.NOTE_BAD_DEADLINE, note_kind=kind))
    return float(value)


def deadline_minutes(setting: Any, kind: str) -> float:
    """Minutes from sending to the receipt deadline for ``kind`` (see the module doc)."""
    if setting is None:
        return DEFAULT_DEADLINE_MINUTES
    if isinstance(setting, Mapping):
        if kind in setting:
            return _minutes(setting[kind], kind)
        return _minutes(setting.get("default", DEFAULT_DEADLINE_MINUTES), "default")
    return _minutes(setting, kind)


def deadline(sent_at: dt.datetime, setting: Any, kind: str) -> dt.datetime:
    return sent_at + dt.timedelta(minutes=deadline_minutes(setting, kind))


# -- receipts ---------------------------------------------------------------------------------------


class ReceiptStatus(StrEnum):
    OK = "1"
    REJECTED = "2"
    OK_WITH_ERRORS = "3"


@dataclass(frozen=True)
class ReceiptError:
    code: str  # kodeverk 8221
    text: str  # the code's Norwegian display name (ours, not the sender's)


def receipt_error(code: str) -> ReceiptError:
    return ReceiptError(code, APPREC_ERROR_TEXTS.get(code, APPREC_ERROR_TEXTS["X99"]))


@dataclass(frozen=True)
class Receipt:
    ref: str  # "Communication/<id>" of the receipt itself
    in_response_to: str  # "Communication/<id>" of the sent note
    status: ReceiptStatus
    errors: tuple[ReceiptError, ...] = ()
    sent_at: dt.datetime | None = None
    free_text: str | None = None  # the receipt's own text: shown as plain text, never logged

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status.value, "errors": [{"code": e.code, "text": e.text} for e in self.errors]}


# -- deliveries -------------------------------------------------------------------------------------


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    TRANSPORTED = "transported"
    OVERDUE = "overdue"
    RECEIPTED = "receipted"
    RECEIPTED_WITH_ERRORS = "receipted-with-errors"
    REJECTED = "rejected"
    REFUSED = "refused"  # the platform refused the Communication: the note never left


RANK: Mapping[DeliveryState, int] = {
    DeliveryState.QUEUED: 0,
    DeliveryState.SENT: 1,
    DeliveryState.TRANSPORTED: 2,
    DeliveryState.OVERDUE: 3,
    DeliveryState.RECEIPTED: 4,
    DeliveryState.RECEIPTED_WITH_ERRORS: 4,
    DeliveryState.REJECTED: 4,
    DeliveryState.REFUSED: 4,
}
FINAL_STATES = frozenset(s for s, r in RANK.items() if r == 4)
IN_FLIGHT_STATES = frozenset({DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.TRANSPORTED})
RESENDABLE_STATES = frozenset({DeliveryState.OVERDUE, DeliveryState.REJECTED, DeliveryState.REFUSED})
NEEDS_ACTION_STATES = frozenset({DeliveryState.OVERDUE, DeliveryState.REJECTED, DeliveryState.REFUSED,
                                 DeliveryState.RECEIPTED_WITH_ERRORS})

_RECEIPT_STATE = {
    ReceiptStatus.OK: DeliveryState.RECEIPTED,
    ReceiptStatus.OK_WITH_ERRORS: DeliveryState.RECEIPTED_WITH_ERRORS,
    ReceiptStatus.REJECTED: DeliveryState.REJECTED,
}


@dataclass(frozen=True)
class Delivery:
    identifier: str  # client-made Communication identifier
    note: str  # "DocumentReference/<id>"
    patient: str
    recipient: str
    kind: str = DEFAULT_NOTE_KIND
    state: DeliveryState = DeliveryState.QUEUED
    communication: str | None = None  # "Communication/<id>" once created
    sent_at: dt.datetime | None = None
    deadline: dt.datetime | None = None
    transported_at: dt.datetime | None = None
    receipt: Receipt | None = None
    was_overdue: bool = False
    resend_of: str | None = None  # "Communication/<id>" this one resends
    resent_as: str | None = None  # "Communication/<id>" that resent this one
    encounter: str | None = None  # "Encounter/<id>" the note belongs to
    sender: str | None = None  # "Practitioner/<id>" who sent it
    created_at: dt.datetime | None = None  # when the person sent it (queued here)

    @property
    def never_sent(self) -> bool:
        """The platform refused the Communication: the note never left, so no deadline runs. State
        ``refused``; a record stored before that state existed has no Communication and is not queued."""
        return self.state is DeliveryState.REFUSED or (
            self.communication is None and self.state is not DeliveryState.QUEUED)

    @property
    def needs_action(self) -> bool:
        """Late, refused or receipted with errors, and not resent: a person must act."""
        return self.resent_as is None and self.state in NEEDS_ACTION_STATES

    def to_json(self) -> dict[str, Any]:
        return {
            "note": self.note,
            "communication": self.communication,
            "patient": self.patient,
            "recipient": self.recipient,
            "state": self.state.value,
            "sent_at": _iso(self.sent_at),
            "deadline": None if self.state is DeliveryState.REFUSED else _iso(self.deadline),  # never sent: none ran
            "receipt": self.receipt.to_json() if self.receipt else None,
            "resent_as": self.resent_as,
        }


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t else None


def _forward(d: Delivery, state: DeliveryState, **changes: Any) -> Delivery:
    if RANK[state] <= RANK[d.state]:
        return d
    return replace(d, state=state, **changes)


def new_delivery(identifier: str, note: Note, to: Recipient, *, by: str, at: dt.datetime, setting: Any,
                 resend_of: Delivery | None = None) -> Delivery:
    """A delivery queued now: ``sent_at`` is when the person sent it (the Communication's ``sent``), and
    the deadline runs from there, so one that never leaves the outbox goes overdue too."""
    if note.ref is None:
        raise ProblemError(Problem.of(ProblemKind.NOTE_NOT_ON_PLATFORM, note=note.identifier))
    return Delivery(
        identifier=identifier, note=note.ref, patient=note.patient, recipient=to.ref, kind=note.kind,
        sent_at=at, deadline=deadline(at, setting, note.kind),
        # the first attempt's Communication; its client identifier when the platform never created one
        resend_of=(resend_of.communication or resend_of.identifier) if resend_of is not None else None,
        encounter=note.encounter, sender=by, created_at=at,
    )


def on_sent(d: Delivery, communication: str, sent_at: dt.datetime, setting: Any) -> Delivery:
    """The platform created the Communication. A delivery queued without a ``sent`` time takes the
    platform's, and its deadline runs from there; one that went overdue in the outbox stays overdue."""
    if d.communication is not None:
        return d
    if d.sent_at is None:
        d = replace(d, sent_at=sent_at, deadline=deadline(sent_at, setting, d.kind))
    if d.state is DeliveryState.QUEUED:
        return replace(d, state=DeliveryState.SENT, communication=communication)
    return replace(d, communication=communication)


def on_refused(d: Delivery) -> Delivery:
    """The platform refused to create the Communication (4xx): the note never left and never will, so the
    delivery is ``refused`` now (not overdue: no deadline runs for what was never sent; a person must send
    it again)."""
    if d.communication is not None or d.state is not DeliveryState.QUEUED:
        return d
    return _forward(d, DeliveryState.REFUSED)


def on_transported(d: Delivery, received_at: dt.datetime) -> Delivery:
    """The platform set ``received`` (transport acknowledged)."""
    if d.state is DeliveryState.SENT:
        return _forward(d, DeliveryState.TRANSPORTED, transported_at=received_at)
    if d.state is not DeliveryState.QUEUED and d.transported_at is None:
        return replace(d, transported_at=received_at)  # noted, but the state never goes back
    return d


def on_receipt(d: Delivery, receipt: Receipt) -> Delivery:
    """Settle the delivery with a receipt; a receipt for another Communication or after settling is ignored."""
    if d.communication is None or receipt.in_response_to != d.communication or d.state in FINAL_STATES:
        return d
    return _forward(d, _RECEIPT_STATE[receipt.status], receipt=receipt)


def on_resent(d: Delivery, resend: Delivery) -> Delivery:
    """``d`` was resent as ``resend`` (once its Communication exists)."""
    if resend.communication is None or d.resent_as is not None:
        return d
    return replace(d, resent_as=resend.communication)


def on_clock(d: Delivery, now: dt.datetime) -> Delivery:
    """``overdue`` once the deadline has passed without a receipt."""
    if d.deadline is None or d.state in FINAL_STATES or d.state is DeliveryState.OVERDUE or now <= d.deadline:
        return d
    return _forward(d, DeliveryState.OVERDUE, was_overdue=True)


# -- alerts -----------------------------------------------------------------------------------------


class AlertKind(StrEnum):
    NOTE_UNDELIVERED = "NOTE_UNDELIVERED"
    NOTE_REJECTED = "NOTE_REJECTED"
    NOTE_RECEIPT_ERRORS = "NOTE_RECEIPT_ERRORS"


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"


ALERT_SEVERITY: Mapping[AlertKind, Severity] = {
    AlertKind.NOTE_UNDELIVERED: Severity.CRITICAL,
    AlertKind.NOTE_REJECTED: Severity.CRITICAL,
    AlertKind.NOTE_RECEIPT_ERRORS: Severity.WARNING,
}


@dataclass(frozen=True)
class AlertDecision:
    kind: AlertKind
    communication: str | None
    reasons: tuple[ReceiptError, ...] = field(default=())

    @property
    def severity(self) -> Severity:
        return ALERT_SEVERITY[self.kind]


def alerts_raised(before: Delivery, after: Delivery) -> list[AlertDecision]:
    """The alerts a state change raises (each once: only on entering the state)."""
    if before.state is after.state:
        return []
    errors = after.receipt.errors if after.receipt else ()
    if after.state in (DeliveryState.OVERDUE, DeliveryState.REFUSED):
        return [AlertDecision(AlertKind.NOTE_UNDELIVERED, after.communication)]
    if after.state is DeliveryState.REJECTED:
        return [AlertDecision(AlertKind.NOTE_REJECTED, after.communication, errors or (receipt_error("X99"),))]
    if after.state is DeliveryState.RECEIPTED_WITH_ERRORS:
        return [AlertDecision(AlertKind.NOTE_RECEIPT_ERRORS, after.communication, errors)]
    return []


def alert_resolved(kind: AlertKind, chain: Iterable[Delivery]) -> bool:
    """True when the evidence settles an alert raised on the first delivery of ``chain`` (that delivery
    followed by its resends): some delivery in the chain is receipted OK. ``NOTE_RECEIPT_ERRORS`` is a
    warning about content the recipient has; it is resolved only by a person (or an OK resend)."""
    return any(d.state is DeliveryState.RECEIPTED for d in chain)


# -- sending ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendDecision:
    existing: Delivery | None  # print this one, change nothing
    resend_of: Delivery | None  # a new delivery that refers to this one (None: a first send)


def send_decision(note: Note, to: Recipient, earlier: Sequence[Delivery]) -> SendDecision:
    """What ``send`` does given earlier deliveries: an unsigned note is refused; in flight or receipted
    means nothing changes; after a rejection, an overdue or a refusal (the latest attempt) it is a resend."""
    if note.status is not NoteStatus.FINAL:
        raise ProblemError(Problem.of(ProblemKind.NOTE_NOT_SIGNED, note=note.ref))
    mine = [d for d in earlier if d.note == note.ref and d.recipient == to.ref]
    latest = next((d for d in mine if d.resent_as is None), None) if mine else None
    if latest is None:
        return SendDecision(None, None)
    if latest.state in RESENDABLE_STATES:
        return SendDecision(None, latest)
    return SendDecision(latest, None)


__all__ = [
    "ALERT_SEVERITY",
    "AlertDecision",
    "AlertKind",
    "Delivery",
    "DeliveryState",
    "Note",
    "NoteStatus",
    "Receipt",
    "ReceiptError",
    "ReceiptStatus",
    "Recipient",
    "SendDecision",
    "Severity",
    "alert_resolved",
    "alerts_raised",
    "correct",
    "deadline",
    "deadline_minutes",
    "default_recipient",
    "edit",
    "new_delivery",
    "new_note",
    "on_clock",
    "on_receipt",
    "on_refused",
    "on_resent",
    "on_sent",
    "on_transported",
    "receipt_error",
    "recipient",
    "send_decision",
    "sign",
]
