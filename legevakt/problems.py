"""Typed problems: what went wrong, as a kind plus parameters, translated once in the UI.

A ``Problem`` crosses every layer (domain, store, sync, app) to the window and the headless commands.
It never carries a sentence: the UI maps each ``ProblemKind`` to translated text in one place
(``legevakt.ui.problem_texts``), the CLI to its own plain words. Parameters are platform ids, counts,
codes and field names only, never patient data or the platform's own free text. Like ``codes.py``, this
module imports nothing of the project, so every layer may use it (Anki's ``SyncErrorKind`` is the model).

Add kinds freely; never rename a kind's value (it is written to the store and to ``--json`` output).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class ProblemKind(StrEnum):
    # -- the platform link (legevakt.sync) ---------------------------------------------------------
    PLATFORM_ERROR = "platform-error"  # params: status?
    PLATFORM_UNREACHABLE = "platform-unreachable"
    PLATFORM_SERVER_ERROR = "platform-server-error"  # params: status?
    PLATFORM_AUTH = "platform-auth"
    PLATFORM_NO_CREDENTIALS = "platform-no-credentials"
    PLATFORM_NOT_FOUND = "platform-not-found"  # params: ref?
    PLATFORM_GONE = "platform-gone"  # params: ref?
    PLATFORM_PRECONDITION_FAILED = "platform-precondition-failed"  # params: ref?
    PLATFORM_REFUSED = "platform-refused"  # params: status?
    PLATFORM_MALFORMED = "platform-malformed"
    PLATFORM_CONFIGURATION = "platform-configuration"
    # A link, redirect, token endpoint or websocket URL on another origin than the platform's: refused, so
    # no credential goes there. params: via ("link", "redirect", "token-endpoint", "websocket"), origin
    # (the refused origin, normalised: scheme://host:port)
    FOREIGN_ORIGIN = "foreign-origin"
    TLS_FAILED = "tls-failed"  # the platform's TLS certificate could not be verified (or the handshake failed)
    INSECURE_TRANSPORT = "insecure-transport"  # credentials would go over plain http to another machine
    # The sync cycle ran past its overall deadline and was abandoned (nothing inferred). params: seconds
    SYNC_DEADLINE = "sync-deadline"
    # An answer beyond a bound (what: "pages", "body", "depth", "string"), refused. params: what, limit
    PLATFORM_LIMIT = "platform-limit"
    # -- snapshot completeness (why a snapshot was incomplete) --------------------------------------
    SNAPSHOT_LIST_CHANGED = "snapshot-list-changed"
    SNAPSHOT_NO_QUEUE_LIST = "snapshot-no-queue-list"
    SNAPSHOT_PATIENT_UNREADABLE = "snapshot-patient-unreadable"  # params: ref?
    SNAPSHOT_PATIENTS_UNREAD = "snapshot-patients-unread"  # params: count
    SNAPSHOT_SEVERAL_QUEUE_LISTS = "snapshot-several-queue-lists"  # params: count
    SNAPSHOT_TOTAL_MISMATCH = "snapshot-total-mismatch"  # params: said, got
    SNAPSHOT_PAGE_FAILED = "snapshot-page-failed"  # params: page
    SNAPSHOT_CHANGES_FAILED = "snapshot-changes-failed"
    # Queue List entries whose item the client cannot look up (another server's URL, urn:uuid:, a contained
    # #x, a display only): who they are is unknown, so nobody is taken as having left the queue. params: count
    SNAPSHOT_LIST_ITEM_UNRESOLVED = "snapshot-list-item-unresolved"
    SNAPSHOT_INCOMPLETE = "snapshot-incomplete"  # no more precise reason known
    # -- the local store (legevakt.store) ------------------------------------------------------------
    STORE_DISK_FULL = "store-disk-full"
    STORE_READ_ONLY = "store-read-only"
    STORE_LOCKED = "store-locked"
    STORE_CORRUPT = "store-corrupt"
    STORE_UNAVAILABLE = "store-unavailable"
    STORE_NEWER_VERSION = "store-newer-version"
    STORE_BUSY_ELSEWHERE = "store-busy-elsewhere"  # another process holds the data directory
    # -- alert actions (legevakt.worklist) -----------------------------------------------------------
    ALERT_WHO_MISSING = "alert-who-missing"
    ALERT_COMMENT_REQUIRED = "alert-comment-required"  # params: alert
    ALERT_ALREADY_ACKNOWLEDGED = "alert-already-acknowledged"  # params: alert
    ALERT_REASON_REQUIRED = "alert-reason-required"  # params: alert?
    ALERT_NOT_OPEN = "alert-not-open"  # params: alert
    # -- commands on encounters (legevakt.worklist.commands) ----------------------------------------
    COMMAND_NOT_IN_QUEUE = "command-not-in-queue"  # params: encounter
    COMMAND_LEFT_QUEUE = "command-left-queue"  # params: encounter
    COMMAND_ENDED = "command-ended"  # params: encounter, status
    COMMAND_NOTHING_TO_CHANGE = "command-nothing-to-change"  # params: field, value
    COMMAND_CHANGED_SINCE = "command-changed-since"  # params: field, encounter
    COMMAND_UNKNOWN_TRIAGE = "command-unknown-triage"  # params: code, scale
    COMMAND_WRONG_TRIAGE_SYSTEM = "command-wrong-triage-system"  # params: system, scale
    COMMAND_UNKNOWN_STATE = "command-unknown-state"  # params: state
    COMMAND_DISPOSITION_REQUIRED = "command-disposition-required"
    COMMAND_DISPOSITION_NOT_ALLOWED = "command-disposition-not-allowed"
    COMMAND_TRANSITION_NOT_ALLOWED = "command-transition-not-allowed"  # params: from, to
    COMMAND_WHO_MISSING = "command-who-missing"
    COMMAND_NO_TARGET = "command-no-target"  # params: field
    COMMAND_BAD_REFERENCE = "command-bad-reference"  # params: field, type
    COMMAND_UNKNOWN_DISPOSITION = "command-unknown-disposition"  # params: disposition?
    COMMAND_INVALID = "command-invalid"  # a malformed command (a bug or tampered outbox row); params: what
    # -- the application ----------------------------------------------------------------------------
    # -- the journal (legevakt.journal) ---------------------------------------------------------------
    NOTE_EMPTY = "note-empty"
    NOTE_ALREADY_SIGNED = "note-already-signed"  # params: note?
    NOTE_NOT_SIGNED = "note-not-signed"  # params: note?
    NOTE_NO_RECIPIENT = "note-no-recipient"  # no --to and the patient has no GP
    NOTE_BAD_RECIPIENT = "note-bad-recipient"  # params: ref
    NOTE_BAD_DEADLINE = "note-bad-deadline"  # params: kind?
    NOTE_NOT_ON_PLATFORM = "note-not-on-platform"  # saved here, not yet on the platform; params: note
    NOTE_NO_AUTHOR = "note-no-author"  # the window's user has no Practitioner reference (setting "practitioner")
    NOTE_UNKNOWN = "note-unknown"  # no such note here; params: note
    NOTE_WRONG_ENCOUNTER = "note-wrong-encounter"  # the encounter is not in this clinic's worklist; params: encounter
    RECEIPT_MALFORMED = "receipt-malformed"  # params: what
    START_FAILED = "start-failed"  # params: cause (another ProblemKind value)
    # A person's text is past its limit (field: "by", "comment", "reason", "note"); refused, nothing changed.
    # params: field, limit (characters)
    TEXT_TOO_LONG = "text-too-long"
    BUG = "bug"  # params: where ("sync", "command", "start"); the trace is in the log


@dataclass(frozen=True)
class Problem:
    """One problem: a kind and its parameters (ids, counts, codes; never patient data)."""

    kind: ProblemKind
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __hash__(self) -> int:
        return hash((self.kind, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return self.kind is other.kind and dict(self.params) == dict(other.params)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, **{k: v for k, v in self.params.items()}}

    @classmethod
    def of(cls, kind: ProblemKind, **params: Any) -> Problem:
        return cls(kind, params)


class ProblemError(Exception):
    """An exception that carries a ``Problem``; its ``str`` is the kind and parameters, for logs and
    tests only (never shown to a user: the UI and the CLI translate ``problem``)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.kind.value)
        self.problem = problem

    def __str__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self.problem.params.items())
        return f"{self.problem.kind.value}({params})" if params else self.problem.kind.value


__all__ = ["Problem", "ProblemError", "ProblemKind"]
