"""Problems in plain English for the terminal (the headless commands and ``--json``'s text keys).

The window never uses this: it translates every kind in ``legevakt.ui.problem_texts``. A kind without a
sentence here is printed as its value and parameters, which is still precise.
"""

from __future__ import annotations

from collections.abc import Iterable

from legevakt.problems import Problem, ProblemKind

K = ProblemKind

_WORDS: dict[ProblemKind, str] = {
    K.PLATFORM_ERROR: "The platform answered with an error.",
    K.PLATFORM_UNREACHABLE: "Cannot reach the platform (network down, server not answering, or timed out).",
    K.PLATFORM_SERVER_ERROR: "The platform reported a fault.",
    K.PLATFORM_AUTH: "The platform refused our credentials. Sign in again with 'legevakt login'.",
    K.PLATFORM_NO_CREDENTIALS: "No credentials stored for this platform. Run 'legevakt login --platform URL' first.",
    K.PLATFORM_MALFORMED: "The platform sent something we could not understand; nothing was changed.",
    K.PLATFORM_CONFIGURATION: "The platform is not set up the way Legevakt expects.",
    K.FOREIGN_ORIGIN: "the platform's {via} pointed to another server ({origin}): refused, nothing was sent there "
                      "(the credentials go only to the platform's own address)",
    K.TLS_FAILED: "the platform's TLS certificate could not be verified (not a network fault): install the "
                  "platform's certificate authority or ask its administrator",
    K.INSECURE_TRANSPORT: "refused to send credentials over plain http:// to another machine; use https://",
    K.SYNC_DEADLINE: "the platform did not finish answering within the {seconds} s sync deadline: the update was "
                     "abandoned and nothing was concluded from it",
    K.PLATFORM_LIMIT: "the platform sent an answer beyond a limit ({what}: {limit}); it was refused",
    K.SNAPSHOT_LIST_CHANGED: "the encounter list changed while it was being fetched",
    K.SNAPSHOT_NO_QUEUE_LIST: "the platform has no current queue list for this clinic",
    K.SNAPSHOT_TOTAL_MISMATCH: "the platform announced {said} encounters but {got} arrived",
    K.SNAPSHOT_PAGE_FAILED: "page {page} of the encounter search could not be fetched",
    K.SNAPSHOT_PATIENTS_UNREAD: "{count} patient record(s) could not be read",
    K.SNAPSHOT_CHANGES_FAILED: "the list of changes could not be fetched",
    K.SNAPSHOT_INCOMPLETE: "the last snapshot was incomplete",
    K.COMMAND_NOT_IN_QUEUE: "{encounter} is not in the worklist (sync first)",
    K.COMMAND_LEFT_QUEUE: "{encounter} has left the queue; it cannot be changed here",
    K.COMMAND_ENDED: "{encounter} has ended ({status}); it cannot be changed here",
    K.COMMAND_NOTHING_TO_CHANGE: "the {field} is already {value}; nothing to change",
    K.COMMAND_CHANGED_SINCE: "the {field} of {encounter} changed since the command was made; make it again",
    K.COMMAND_UNKNOWN_TRIAGE: "unknown triage code {code!r} for the {scale} scale",
    K.COMMAND_UNKNOWN_STATE: "unknown state {state!r}",
    K.COMMAND_DISPOSITION_REQUIRED: "finishing needs a disposition",
    K.COMMAND_DISPOSITION_NOT_ALLOWED: "a disposition is given only when finishing",
    K.COMMAND_TRANSITION_NOT_ALLOWED: "the state cannot change from {from} to {to}",
    K.COMMAND_WHO_MISSING: "who gives the command must be named",
    K.COMMAND_NO_TARGET: "no new {field} given",
    K.COMMAND_BAD_REFERENCE: "the {field} must be a {type}/<id> reference",
    K.COMMAND_UNKNOWN_DISPOSITION: "unknown disposition {disposition!r}",
    K.ALERT_WHO_MISSING: "who {action} must be given",
    K.ALERT_COMMENT_REQUIRED: "alert {alert} is critical: a comment is required to acknowledge it",
    K.ALERT_ALREADY_ACKNOWLEDGED: "alert {alert} is already acknowledged",
    K.ALERT_REASON_REQUIRED: "a reason is required to resolve an alert",
    K.ALERT_NOT_OPEN: "no open alert with id {alert} (unknown, or already resolved)",
    K.NOTE_EMPTY: "a note needs text",
    K.NOTE_ALREADY_SIGNED: "note {note} is signed and cannot be changed; write a correction instead",
    K.NOTE_NOT_SIGNED: "note {note} is not signed; sign it before it is sent",
    K.NOTE_NO_RECIPIENT: "no --to given and the patient has no GP (Patient.generalPractitioner)",
    K.NOTE_BAD_RECIPIENT: "the recipient must be Practitioner/<id> or Organization/<id>, not {ref!r}",
    K.NOTE_BAD_DEADLINE: "note_receipt_deadline_minutes for {note_kind} must be a positive number",
    K.NOTE_NOT_ON_PLATFORM: "note {note} is saved here but not yet on the platform; send it once it is",
    K.NOTE_NO_AUTHOR: "set practitioner = \"Practitioner/<id>\" in the config file to write notes",
    K.NOTE_UNKNOWN: "no note {note} is known here",
    K.NOTE_WRONG_ENCOUNTER: "{encounter} is not in this clinic's worklist",
    K.RECEIPT_MALFORMED: "a receipt could not be understood ({what})",
    K.TEXT_TOO_LONG: "the {field} text is longer than {limit} characters",
    K.STORE_DISK_FULL: "the disk is full: the local database cannot save changes (nothing was half-written; "
                       "free some space and run it again)",
    K.STORE_READ_ONLY: "the local database is read-only: changes cannot be saved (listing still works)",
    K.STORE_LOCKED: "the local database is busy (locked by another program or window)",
    K.STORE_CORRUPT: "the local database is damaged and cannot be read",
    K.STORE_UNAVAILABLE: "the local database cannot be opened or read",
    K.STORE_NEWER_VERSION: "the local database was made by a newer version of this program",
    K.STORE_BUSY_ELSEWHERE: "another Legevakt process is writing to this data directory; try again in a moment",
}


def words(problem: Problem) -> str:
    """``problem`` in plain English (codes and ids only)."""
    sentence = _WORDS.get(problem.kind)
    if sentence is not None:
        try:
            return sentence.format_map(dict(problem.params))
        except (KeyError, IndexError, ValueError):
            pass
    params = ", ".join(f"{k}={v}" for k, v in problem.params.items())
    return f"{problem.kind.value} ({params})" if params else problem.kind.value


def all_words(problems: Iterable[Problem]) -> str:
    return "; ".join(words(p) for p in problems)


__all__ = ["all_words", "words"]
