"""User-visible words for domain values, translated at call time (context "Texts").

Source strings are English; ``resources/translations/legevakt_nb.ts`` holds the bokmål.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import Qt as QtGui

from legevakt.app import clinic_time
from legevakt.journal.model import DeliveryState, NoteStatus, Receipt
from legevakt.text import shown
from legevakt.ui.i18n import current_language
from legevakt.worklist.identifiers import IdentifierIssue, identifier_issue, mask
from legevakt.worklist.models import AlertKind, DepartureReason, Encounter, EncounterStatus, Entry, Fate, Severity
from legevakt.worklist.triage import TriageScale

translate = QCoreApplication.translate


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:
    """Mark ``source`` for translation in ``context``; it is translated where it is shown."""
    return source


_STATUS: dict[EncounterStatus, str] = {
    EncounterStatus.PLANNED: QT_TRANSLATE_NOOP("Texts", "Planned"),
    EncounterStatus.ARRIVED: QT_TRANSLATE_NOOP("Texts", "Registered"),
    EncounterStatus.TRIAGED: QT_TRANSLATE_NOOP("Texts", "Waiting for doctor"),
    EncounterStatus.IN_PROGRESS: QT_TRANSLATE_NOOP("Texts", "In treatment"),
    EncounterStatus.ONLEAVE: QT_TRANSLATE_NOOP("Texts", "Away: x-ray, lab"),
    EncounterStatus.FINISHED: QT_TRANSLATE_NOOP("Texts", "Finished"),
    EncounterStatus.CANCELLED: QT_TRANSLATE_NOOP("Texts", "Cancelled"),
    EncounterStatus.ENTERED_IN_ERROR: QT_TRANSLATE_NOOP("Texts", "Entered in error"),
    EncounterStatus.UNKNOWN: QT_TRANSLATE_NOOP("Texts", "Unknown status"),
}

# The one name of each kind of alert, on every screen: the queue's alert column, the alerts panel, the
# shift-lead view, the banner (whose lines start with it) and its warning summary.
_ALERT_SHORT: dict[AlertKind, str] = {
    AlertKind.DROPPED_FROM_QUEUE: QT_TRANSLATE_NOOP("Texts", "Dropped"),
    AlertKind.NOT_IN_QUEUE: QT_TRANSLATE_NOOP("Texts", "Not in queue"),
    AlertKind.STALE_ENTRY: QT_TRANSLATE_NOOP("Texts", "Stale entry"),
    AlertKind.DUPLICATE_PATIENT: QT_TRANSLATE_NOOP("Texts", "Duplicate"),
    AlertKind.TRIAGE_OVERDUE: QT_TRANSLATE_NOOP("Texts", "Over triage target"),
    AlertKind.NOT_TRIAGED: QT_TRANSLATE_NOOP("Texts", "Not triaged"),
    AlertKind.SYNC_STALE: QT_TRANSLATE_NOOP("Texts", "The list may be out of date"),
    AlertKind.MASS_DEPARTURE: QT_TRANSLATE_NOOP("Texts", "Many vanished at once"),
    AlertKind.NOTE_UNDELIVERED: QT_TRANSLATE_NOOP("Texts", "Journal note not delivered"),
    AlertKind.NOTE_REJECTED: QT_TRANSLATE_NOOP("Texts", "Journal note rejected"),
    AlertKind.NOTE_RECEIPT_ERRORS: QT_TRANSLATE_NOOP("Texts", "Journal note receipted with errors"),
    AlertKind.WRITE_NOT_APPLIED: QT_TRANSLATE_NOOP("Texts", "Change not saved"),
    AlertKind.WRITE_CONFLICT: QT_TRANSLATE_NOOP("Texts", "Change conflict"),
}


# A journal note's delivery to one recipient, as the nurse reads it.
_DELIVERY_STATE: dict[DeliveryState, str] = {
    DeliveryState.QUEUED: QT_TRANSLATE_NOOP("Texts", "Queued"),
    DeliveryState.SENT: QT_TRANSLATE_NOOP("Texts", "Sent"),
    DeliveryState.TRANSPORTED: QT_TRANSLATE_NOOP("Texts", "Transferred"),
    DeliveryState.OVERDUE: QT_TRANSLATE_NOOP("Texts", "Overdue"),
    DeliveryState.RECEIPTED: QT_TRANSLATE_NOOP("Texts", "Receipted"),
    DeliveryState.RECEIPTED_WITH_ERRORS: QT_TRANSLATE_NOOP("Texts", "Receipted with errors"),
    DeliveryState.REJECTED: QT_TRANSLATE_NOOP("Texts", "Rejected"),
    DeliveryState.REFUSED: QT_TRANSLATE_NOOP("Texts", "Not sent (refused by the platform)"),
}

_NOTE_STATUS: dict[NoteStatus, str] = {
    NoteStatus.PRELIMINARY: QT_TRANSLATE_NOOP("Texts", "Saved"),
    NoteStatus.FINAL: QT_TRANSLATE_NOOP("Texts", "Signed"),
}


def delivery_state_label(state: DeliveryState) -> str:
    return translate("Texts", _DELIVERY_STATE[state])


def note_status_label(status: NoteStatus) -> str:
    return translate("Texts", _NOTE_STATUS[status])


def receipt_text(receipt: Receipt | None) -> str:
    """A receipt's 8221 errors (code and the code list's Norwegian text) and its own free text, one per line."""
    if receipt is None:
        return ""
    lines = [f"{e.code} {e.text}" for e in receipt.errors]
    if receipt.free_text and receipt.free_text.strip():
        lines.append(f"«{receipt.free_text.strip()}»")
    return "\n".join(lines)


def plain_tooltip(text: str) -> str:
    """``text`` for ``setToolTip`` or a ``ToolTipRole``, shown literally: Qt renders a tooltip that looks
    like HTML as HTML, and there is no plain-text flag for tooltips, so it goes as escaped rich text."""
    return QtGui.convertFromPlainText(text, QtGui.WhiteSpaceMode.WhiteSpaceNormal) if text else ""


def recipient_ref_label(ref: str) -> str:
    """A recipient known only by its reference: "Practitioner/gp-03" as "Behandler gp-03"."""
    rtype, _, rid = ref.partition("/")
    if rtype == "Practitioner" and rid:
        return translate("Texts", "Practitioner {id}").format(id=rid)
    if rtype == "Organization" and rid:
        return translate("Texts", "Organization {id}").format(id=rid)
    return ref


def when_text(moment: datetime | None, now: datetime | None = None) -> str:
    """A moment in the clinic's time: "13:05" today, "13.03. 22:40" another day, a dash when unknown."""
    if moment is None:
        return "–"
    return clinic_time.day_clock(moment, now)


def status_label(status: EncounterStatus) -> str:
    return translate("Texts", _STATUS[status])


def status_source(status: EncounterStatus) -> str:
    """The English source of ``status_label`` (for a translator other than the installed one: the report)."""
    return _STATUS[status]


def state_label(entry: Entry) -> str:
    """The queue's state column: the encounter status, or the loud dropped marker."""
    if entry.fate is Fate.DROPPED:
        return translate("Texts", "DROPPED")
    if entry.fate is Fate.DEPARTED:
        return translate("Texts", "Departed")
    return status_label(entry.encounter.status)


# A critical TRIAGE_OVERDUE is the escalation at twice the target: its name says so.
_TWICE_OVERDUE = QT_TRANSLATE_NOOP("Texts", "Over twice the triage target")


def alert_short(kind: AlertKind, severity: Severity | None = None) -> str:
    """The kind's one name ("Over triagetid"); with ``severity`` critical, an overdue wait's escalation
    ("Over dobbel triagetid")."""
    if kind is AlertKind.TRIAGE_OVERDUE and severity is Severity.CRITICAL:
        return translate("Texts", _TWICE_OVERDUE)
    return translate("Texts", _ALERT_SHORT[kind])


def not_triaged() -> str:
    return translate("Texts", "Not triaged")


def triage_label(scale: TriageScale, code: str | None, language: str) -> str:
    if code is None:
        return not_triaged()
    level = scale.level(code)
    if level is None:
        return translate("Texts", "Unknown level: {code}").format(code=code)
    return level.name(language)


def triage_short(scale: TriageScale, code: str | None, language: str) -> str:
    """The level's colour word only ("Oransje"), for narrow places; the full name goes in a tooltip."""
    level = scale.level(code) if code is not None else None
    if level is None:
        return triage_label(scale, code, language)
    return level.name(language).split(" – ")[0]


def patient_name(entry: Entry | None) -> str:
    """The patient's name as the platform gives it, neutralised for display (``legevakt.text.shown``: no
    bidi override can show it reversed, no control character reaches the screen)."""
    name = shown(entry.patient.name) if entry is not None and entry.patient is not None else ""
    if not name.strip():
        return translate("Texts", "Unknown patient")
    return name


def complaint_text(encounter: Encounter) -> str:
    """The chief complaint, neutralised for display (as ``patient_name``)."""
    return shown(encounter.complaint)


INVALID_ID_MARK = "⚠"  # beside the birth date in the queue, and in the patient panel


def identifier_warning(entry: Entry | None) -> str:
    """The flag on a patient whose national identifier is not valid ("Invalid national identity number"),
    or "" (issue 11: a bad checksum is flagged, never silently accepted)."""
    pat = entry.patient if entry is not None else None
    issue = identifier_issue(pat.identifier_system, pat.identifier) if pat is not None else None
    if issue is None:
        return ""
    if issue is IdentifierIssue.WRONG_SYSTEM:
        return translate("Texts", "The identifier does not match its kind (national identity number, D-number "
                                  "or common auxiliary number): check the patient's identity")
    return translate("Texts", "Invalid national identity number: check the patient's identity")


def masked_identifier(entry: Entry | None) -> str:
    """``identifiers.mask``, with a space between the birth-date part and the hidden digits."""
    if entry is None or entry.patient is None or not entry.patient.identifier:
        return translate("Texts", "no ID")
    masked = mask(entry.patient.identifier)
    return f"{masked[:6]} {masked[6:]}" if len(masked) == 11 else masked


def birth_date_text(born: date | None) -> str:
    return born.strftime("%d.%m.%Y") if born is not None else "–"


def age_years(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def sex_letter(gender: str | None) -> str:
    if gender == "female":
        return translate("Texts", "F")
    if gender == "male":
        return translate("Texts", "M")
    if gender == "other":
        return translate("Texts", "O")
    return "?"


def age_short(born: date, today: date) -> str:
    """Years from two years up ("37"), months below ("13 mnd"), days in the first month ("10 d"): a
    six-month-old is never "0"."""
    years = age_years(born, today)
    if years >= 2 or born > today:
        return str(max(0, years))
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    if months >= 1:
        return translate("Texts", "{n} mo").format(n=months)
    return translate("Texts", "{n} d").format(n=(today - born).days)


def age_sex(entry: Entry, today: date) -> str:
    pat = entry.patient
    if pat is None:
        return "–"
    age = age_short(pat.birth_date, today) if pat.birth_date is not None else "?"
    return f"{age} {sex_letter(pat.gender)}"


def minutes_text(minutes: int) -> str:
    """A waiting time in whole minutes ("12 min", "130 min"), as emergency boards count it."""
    return translate("Texts", "{m} min").format(m=max(0, minutes))


def age_text(seconds: float) -> str:
    """An age for the status bar: "3 s", "2 min", "1 t 5 min"."""
    s = max(0, int(seconds))
    if s < 60:
        return translate("Texts", "{s} s").format(s=s)
    if s < 3600:
        return translate("Texts", "{m} min").format(m=s // 60)
    return translate("Texts", "{h} h {m:02d} min").format(h=s // 3600, m=(s % 3600) // 60)


def clock_text(moment: datetime | None) -> str:
    if moment is None:
        return "–"
    return clinic_time.clock(moment)


def place_name(name: str | None, ref: str | None) -> str:
    """A room or clinician: the display name (neutralised, as ``patient_name``), else the id of the
    reference, else a dash."""
    if name and shown(name).strip():
        return shown(name)
    if ref:
        return ref.rsplit("/", 1)[-1]
    return ""


def shift_name(name: str) -> str:
    """Built-in shift names in the user's language; a locally configured name as it is."""
    return {
        "day": translate("Census", "day"),
        "evening": translate("Census", "evening"),
        "night": translate("Census", "night"),
    }.get(name, name)


def shift_title(name: str) -> str:
    """A built-in shift as a person says it ("Kveldsvakt"); a locally configured name as it is."""
    return {
        "day": translate("Census", "Day shift"),
        "evening": translate("Census", "Evening shift"),
        "night": translate("Census", "Night shift"),
    }.get(name, name)


def departure_label(code: str) -> str:
    """A departure reason's label (nb/en from the domain), or the code when it is not one we know."""
    try:
        reason = DepartureReason(code)
    except ValueError:
        return code
    return reason.label(current_language())
