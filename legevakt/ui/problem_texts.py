"""Every ``ProblemKind`` in the user's language: the one place a problem becomes text (context "Problems").

Source strings are English; ``resources/translations/legevakt_nb.ts`` holds the bokmål. Parameters are
filled in after translation; a parameter the problem does not carry shows as a dash, never as a gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from string import Formatter
from typing import Any

from PySide6.QtCore import QCoreApplication

from legevakt.problems import Problem, ProblemKind

_CONTEXT = "Problems"


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:
    """Mark ``source`` for translation in ``context``; it is translated where it is shown."""
    return source


K = ProblemKind

_TEXTS: dict[ProblemKind, str] = {
    K.PLATFORM_ERROR: QT_TRANSLATE_NOOP("Problems", "The platform answered with an error."),
    K.PLATFORM_UNREACHABLE: QT_TRANSLATE_NOOP(
        "Problems", "Cannot reach the platform (network down, server not answering, or timed out)."),
    K.PLATFORM_SERVER_ERROR: QT_TRANSLATE_NOOP("Problems", "The platform reported a fault."),
    K.PLATFORM_AUTH: QT_TRANSLATE_NOOP(
        "Problems", "The platform refused our credentials. Sign in again with 'legevakt login'."),
    K.PLATFORM_NO_CREDENTIALS: QT_TRANSLATE_NOOP(
        "Problems", "No credentials stored for this platform. Run 'legevakt login --platform URL' first."),
    K.PLATFORM_NOT_FOUND: QT_TRANSLATE_NOOP("Problems", "The platform does not have {ref}."),
    K.PLATFORM_GONE: QT_TRANSLATE_NOOP("Problems", "The platform deleted {ref}."),
    K.PLATFORM_PRECONDITION_FAILED: QT_TRANSLATE_NOOP(
        "Problems", "Someone else changed {ref} on the platform first."),
    K.PLATFORM_REFUSED: QT_TRANSLATE_NOOP("Problems", "The platform refused the request."),
    K.PLATFORM_MALFORMED: QT_TRANSLATE_NOOP(
        "Problems", "The platform sent something we could not understand; nothing was changed."),
    K.PLATFORM_CONFIGURATION: QT_TRANSLATE_NOOP("Problems", "The platform is not set up the way Legevakt expects."),
    K.FOREIGN_ORIGIN: QT_TRANSLATE_NOOP(
        "Problems", "The platform pointed to another server ({origin}) for {via}; Legevakt refused to go there, "
                    "so the credentials stay with the platform."),
    K.TLS_FAILED: QT_TRANSLATE_NOOP(
        "Problems", "The platform's certificate could not be verified, so no secure connection was made. This is "
                    "not a network fault: ask the platform's administrator to check the certificate."),
    K.INSECURE_TRANSPORT: QT_TRANSLATE_NOOP(
        "Problems", "Refused to send credentials unencrypted (http://) to another machine; use an https:// "
                    "address."),
    K.SYNC_DEADLINE: QT_TRANSLATE_NOOP(
        "Problems", "The platform did not finish answering within {seconds} seconds; the update was abandoned "
                    "and nothing was concluded from it."),
    K.PLATFORM_LIMIT: QT_TRANSLATE_NOOP(
        "Problems", "The platform sent an answer beyond a limit ({what}); it was refused."),
    K.SNAPSHOT_LIST_CHANGED: QT_TRANSLATE_NOOP(
        "Problems", "The list changed on the platform while it was being fetched."),
    K.SNAPSHOT_NO_QUEUE_LIST: QT_TRANSLATE_NOOP(
        "Problems", "The platform has no current queue list for this clinic."),
    K.SNAPSHOT_PATIENT_UNREADABLE: QT_TRANSLATE_NOOP(
        "Problems", "A patient in the queue list could not be read ({ref})."),
    K.SNAPSHOT_PATIENTS_UNREAD: QT_TRANSLATE_NOOP("Problems", "Patient records that could not be read: {count}."),
    K.SNAPSHOT_SEVERAL_QUEUE_LISTS: QT_TRANSLATE_NOOP(
        "Problems", "The platform has {count} current lists for this clinic; which one is the queue is unclear."),
    K.SNAPSHOT_TOTAL_MISMATCH: QT_TRANSLATE_NOOP(
        "Problems", "The platform announced {said} patients but {got} arrived."),
    K.SNAPSHOT_PAGE_FAILED: QT_TRANSLATE_NOOP("Problems", "Page {page} of the patient list could not be fetched."),
    K.SNAPSHOT_CHANGES_FAILED: QT_TRANSLATE_NOOP("Problems", "The latest changes could not be fetched."),
    K.SNAPSHOT_LIST_ITEM_UNRESOLVED: QT_TRANSLATE_NOOP(
        "Problems", "{count} entries in the queue list point to visits Legevakt cannot look up (on another "
                    "server, or without a reference); nobody was taken as having left the queue."),
    K.SNAPSHOT_INCOMPLETE: QT_TRANSLATE_NOOP("Problems", "The last update from the platform was incomplete."),
    K.TEXT_TOO_LONG: QT_TRANSLATE_NOOP("Problems", "The text is too long (at most {limit} characters); nothing "
                                                   "was changed."),
    K.STORE_DISK_FULL: QT_TRANSLATE_NOOP("Problems", "The disk is full; nothing more can be saved."),
    K.STORE_READ_ONLY: QT_TRANSLATE_NOOP("Problems", "The local data can only be read, not saved."),
    K.STORE_LOCKED: QT_TRANSLATE_NOOP("Problems", "The local data is locked by another program."),
    K.STORE_CORRUPT: QT_TRANSLATE_NOOP("Problems", "The local data is damaged."),
    K.STORE_UNAVAILABLE: QT_TRANSLATE_NOOP("Problems", "The local data could not be opened."),
    K.STORE_NEWER_VERSION: QT_TRANSLATE_NOOP(
        "Problems", "The local data was written by a newer version of Legevakt."),
    K.STORE_BUSY_ELSEWHERE: QT_TRANSLATE_NOOP(
        "Problems", "Another Legevakt program is using this data directory."),
    K.ALERT_WHO_MISSING: QT_TRANSLATE_NOOP("Problems", "Say who you are before acting on an alert."),
    K.ALERT_COMMENT_REQUIRED: QT_TRANSLATE_NOOP(
        "Problems", "Alert {alert} is critical: write a comment to acknowledge it."),
    K.ALERT_ALREADY_ACKNOWLEDGED: QT_TRANSLATE_NOOP("Problems", "Alert {alert} is already acknowledged."),
    K.ALERT_REASON_REQUIRED: QT_TRANSLATE_NOOP("Problems", "Give a reason to resolve alert {alert}."),
    K.ALERT_NOT_OPEN: QT_TRANSLATE_NOOP("Problems", "Alert {alert} is no longer open (already resolved)."),
    K.COMMAND_NOT_IN_QUEUE: QT_TRANSLATE_NOOP(
        "Problems", "{encounter} is not in the worklist (update first)."),
    K.COMMAND_LEFT_QUEUE: QT_TRANSLATE_NOOP(
        "Problems", "{encounter} has left the queue; it cannot be changed here."),
    K.COMMAND_ENDED: QT_TRANSLATE_NOOP(
        "Problems", "The visit {encounter} has ended ({status}); it cannot be changed here."),
    K.COMMAND_NOTHING_TO_CHANGE: QT_TRANSLATE_NOOP("Problems", "Nothing to change: {field} is already {value}."),
    K.COMMAND_CHANGED_SINCE: QT_TRANSLATE_NOOP(
        "Problems", "{field} of {encounter} changed since you looked; look again and retry."),
    K.COMMAND_UNKNOWN_TRIAGE: QT_TRANSLATE_NOOP(
        "Problems", "{code} is not a level of the {scale} triage scale."),
    K.COMMAND_WRONG_TRIAGE_SYSTEM: QT_TRANSLATE_NOOP(
        "Problems", "The triage code belongs to {system}, not to the {scale} scale."),
    K.COMMAND_UNKNOWN_STATE: QT_TRANSLATE_NOOP("Problems", "Unknown state {state}."),
    K.COMMAND_DISPOSITION_REQUIRED: QT_TRANSLATE_NOOP(
        "Problems", "Choose where the patient goes to finish the visit."),
    K.COMMAND_DISPOSITION_NOT_ALLOWED: QT_TRANSLATE_NOOP(
        "Problems", "Where the patient goes is chosen only when finishing."),
    K.COMMAND_TRANSITION_NOT_ALLOWED: QT_TRANSLATE_NOOP(
        "Problems", "The state cannot change from {from} to {to}."),
    K.COMMAND_WHO_MISSING: QT_TRANSLATE_NOOP("Problems", "Say who gives the command."),
    K.COMMAND_NO_TARGET: QT_TRANSLATE_NOOP("Problems", "No new {field} given."),
    K.COMMAND_BAD_REFERENCE: QT_TRANSLATE_NOOP("Problems", "{field} must be a {type} reference."),
    K.COMMAND_UNKNOWN_DISPOSITION: QT_TRANSLATE_NOOP(
        "Problems", "This is not a choice for where the patient goes ({disposition})."),
    K.COMMAND_INVALID: QT_TRANSLATE_NOOP("Problems", "The command is malformed ({what})."),
    K.NOTE_EMPTY: QT_TRANSLATE_NOOP("Problems", "A note needs text."),
    K.NOTE_ALREADY_SIGNED: QT_TRANSLATE_NOOP(
        "Problems", "Note {note} is signed and cannot be edited; write a correction instead."),
    K.NOTE_NOT_SIGNED: QT_TRANSLATE_NOOP("Problems", "Note {note} must be signed before it is sent."),
    K.NOTE_NO_RECIPIENT: QT_TRANSLATE_NOOP(
        "Problems", "No recipient given, and the patient has no regular GP registered."),
    K.NOTE_BAD_RECIPIENT: QT_TRANSLATE_NOOP(
        "Problems", "The recipient must be a Practitioner or an Organization ({ref})."),
    K.NOTE_BAD_DEADLINE: QT_TRANSLATE_NOOP(
        "Problems", "The receipt deadline for {kind} must be a positive number of minutes."),
    K.NOTE_NOT_ON_PLATFORM: QT_TRANSLATE_NOOP(
        "Problems", "The note is saved here but has not reached the platform yet; send it once it has."),
    K.NOTE_NO_AUTHOR: QT_TRANSLATE_NOOP(
        "Problems", "To write notes, set your Practitioner reference (practitioner) in the settings."),
    K.NOTE_UNKNOWN: QT_TRANSLATE_NOOP("Problems", "There is no note {note} here."),
    K.NOTE_WRONG_ENCOUNTER: QT_TRANSLATE_NOOP("Problems", "{encounter} is not in this clinic's worklist."),
    K.RECEIPT_MALFORMED: QT_TRANSLATE_NOOP(
        "Problems", "A receipt from the recipient's system could not be understood ({what})."),
    K.START_FAILED: QT_TRANSLATE_NOOP("Problems", "Legevakt could not start: {cause}"),
    K.BUG: QT_TRANSLATE_NOOP("Problems", "Something went wrong inside Legevakt ({where}); the details are in the log."),
}


def placeholders(source: str) -> tuple[str, ...]:
    """The ``{name}`` fields a source string fills in."""
    return tuple(name for _, name, _, _ in Formatter().parse(source) if name)


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "–"


def _fill(text: str, params: Mapping[str, Any]) -> str:
    return text.format_map(_Defaults(params))


_FIELDS: dict[str, str] = {
    "triage": QT_TRANSLATE_NOOP("Problems", "triage"),
    "room": QT_TRANSLATE_NOOP("Problems", "room"),
    "nurse": QT_TRANSLATE_NOOP("Problems", "nurse"),
    "doctor": QT_TRANSLATE_NOOP("Problems", "doctor"),
    "state": QT_TRANSLATE_NOOP("Problems", "state"),
    "encounter": QT_TRANSLATE_NOOP("Problems", "encounter"),
    "resource": QT_TRANSLATE_NOOP("Problems", "resource"),
}


def field_source(field: str) -> str | None:
    """The untranslated word for one of our field names (``triage``, ``room``, ...), or None."""
    return _FIELDS.get(field)


def field_word(field: str) -> str:
    """One of our field names in the user's language (the name itself when it is not ours)."""
    source = _FIELDS.get(field)
    return QCoreApplication.translate(_CONTEXT, source) if source is not None else field


#: What pointed to another origin (``FOREIGN_ORIGIN``'s ``via``).
_VIA: dict[str, str] = {
    "link": QT_TRANSLATE_NOOP("Problems", "the next page of a list"),
    "redirect": QT_TRANSLATE_NOOP("Problems", "a redirect"),
    "token-endpoint": QT_TRANSLATE_NOOP("Problems", "signing in"),
    "websocket": QT_TRANSLATE_NOOP("Problems", "push notifications"),
}


#: Which bound an answer broke (``PLATFORM_LIMIT``'s ``what``).
_LIMITS: dict[str, str] = {
    "pages": QT_TRANSLATE_NOOP("Problems", "too many pages"),
    "body": QT_TRANSLATE_NOOP("Problems", "too big"),
    "depth": QT_TRANSLATE_NOOP("Problems", "nested too deep"),
    "string": QT_TRANSLATE_NOOP("Problems", "a text too long"),
}


def _status_word(value: Any) -> Any:
    """An encounter status value ("finished", "finished:home") in the user's words; others as they are."""
    from legevakt.ui.texts import status_label  # late: texts imports the domain models
    from legevakt.worklist.models import EncounterStatus

    text, _, _ = str(value).partition(":")
    try:
        return status_label(EncounterStatus(text))
    except ValueError:
        return value


def _words(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters that are words of ours (field names, status values) in the user's language."""
    out = dict(params)
    if out.get("field") in _FIELDS:
        field = out["field"]
        out["field"] = QCoreApplication.translate(_CONTEXT, _FIELDS[field])
        if field == "state" and "value" in out:
            out["value"] = _status_word(out["value"])
    if out.get("via") in _VIA:
        out["via"] = QCoreApplication.translate(_CONTEXT, _VIA[out["via"]])
    if out.get("what") in _LIMITS:
        out["what"] = QCoreApplication.translate(_CONTEXT, _LIMITS[out["what"]])
    for key in ("status", "from", "to", "state"):
        if key in out:
            out[key] = _status_word(out[key])
    return out


def problem_text(problem: Problem) -> str:
    """``problem`` as one sentence in the user's language, parameters filled in."""
    if problem.kind is ProblemKind.START_FAILED:
        cause = problem.params.get("cause")
        try:
            inner = problem_text(Problem(ProblemKind(cause))) if cause else "–"
        except ValueError:
            inner = str(cause)
        return _fill(QCoreApplication.translate(_CONTEXT, _TEXTS[problem.kind]), {"cause": inner})
    return _fill(QCoreApplication.translate(_CONTEXT, _TEXTS[problem.kind]), _words(problem.params))


def problems_text(problems: Iterable[Problem]) -> str:
    """Several problems, each as a sentence, in one line (duplicates once)."""
    seen: list[str] = []
    for problem in problems:
        text = problem_text(problem)
        if text not in seen:
            seen.append(text)
    return " ".join(seen)


def source_text(kind: ProblemKind) -> str:
    """The English source sentence of ``kind`` (for tests and the translation file)."""
    return _TEXTS[kind]


__all__ = ["placeholders", "problem_text", "problems_text", "source_text"]
