"""Typed store errors: what the environment causes (disk full, read-only, locked, corrupt), in plain words.

A ``StoreError`` is an environment problem to show to the user; anything else escaping the store
(an ``IntegrityError``, a ``StatementError`` from a bad value) is a bug and is left to propagate as is.
"""

from __future__ import annotations

import errno
import sqlite3
from enum import StrEnum

from sqlalchemy import exc as sa_exc

from legevakt.problems import Problem, ProblemKind


class StoreErrorKind(StrEnum):
    DISK_FULL = "disk-full"
    READ_ONLY = "read-only"
    LOCKED = "locked"
    CORRUPT = "corrupt"
    UNAVAILABLE = "unavailable"  # cannot open the file / connect to the server / I/O error
    NEWER_VERSION = "newer-version"  # the schema is from a newer release of the program
    BUSY_ELSEWHERE = "busy-elsewhere"  # another process held the data directory's write lock too long


_PLAIN: dict[StoreErrorKind, str] = {
    StoreErrorKind.DISK_FULL: "The disk is full: the local database cannot save changes.",
    StoreErrorKind.READ_ONLY: "The local database is read-only: changes cannot be saved.",
    StoreErrorKind.LOCKED: "The local database is busy (locked by another program or window).",
    StoreErrorKind.CORRUPT: "The local database file is damaged and cannot be read.",
    StoreErrorKind.UNAVAILABLE: "The local database cannot be opened or read.",
    StoreErrorKind.NEWER_VERSION: "The local database was made by a newer version of this program: "
                                  "update the program to open it.",
    StoreErrorKind.BUSY_ELSEWHERE: "Another Legevakt process (a window or a terminal command) is writing to "
                                   "this data directory: try again in a moment.",
}

# SQLite primary result codes (sqlite3 extended code & 0xff).
_SQLITE_KINDS: dict[int, StoreErrorKind] = {
    3: StoreErrorKind.READ_ONLY,  # SQLITE_PERM
    5: StoreErrorKind.LOCKED,  # SQLITE_BUSY
    6: StoreErrorKind.LOCKED,  # SQLITE_LOCKED
    8: StoreErrorKind.READ_ONLY,  # SQLITE_READONLY
    10: StoreErrorKind.UNAVAILABLE,  # SQLITE_IOERR
    11: StoreErrorKind.CORRUPT,  # SQLITE_CORRUPT
    13: StoreErrorKind.DISK_FULL,  # SQLITE_FULL
    14: StoreErrorKind.UNAVAILABLE,  # SQLITE_CANTOPEN
    23: StoreErrorKind.READ_ONLY,  # SQLITE_AUTH
    26: StoreErrorKind.CORRUPT,  # SQLITE_NOTADB
}

# PostgreSQL SQLSTATE (exact codes, then classes).
_PG_KINDS: dict[str, StoreErrorKind] = {
    "53100": StoreErrorKind.DISK_FULL,
    "25006": StoreErrorKind.READ_ONLY,
    "55P03": StoreErrorKind.LOCKED,
    "40P01": StoreErrorKind.LOCKED,
    "XX001": StoreErrorKind.CORRUPT,
    "XX002": StoreErrorKind.CORRUPT,
}
_PG_CLASSES: dict[str, StoreErrorKind] = {
    "08": StoreErrorKind.UNAVAILABLE,  # connection exception
    "53": StoreErrorKind.DISK_FULL,  # insufficient resources
    "57": StoreErrorKind.UNAVAILABLE,  # operator intervention (shutdown)
    "58": StoreErrorKind.UNAVAILABLE,  # system error (I/O)
}

_OS_KINDS: dict[int, StoreErrorKind] = {
    errno.ENOSPC: StoreErrorKind.DISK_FULL,
    errno.EDQUOT: StoreErrorKind.DISK_FULL,
    errno.EROFS: StoreErrorKind.READ_ONLY,
    errno.EACCES: StoreErrorKind.READ_ONLY,
    errno.EPERM: StoreErrorKind.READ_ONLY,
}


class StoreError(Exception):
    """The local store failed for a reason in the environment. ``str(err)`` is fit to show the user."""

    def __init__(self, kind: StoreErrorKind, message: str | None = None) -> None:
        self.kind = kind
        super().__init__(message or _PLAIN[kind])

    @property
    def problem(self) -> Problem:
        """The typed problem for the UI (``STORE_<kind>``)."""
        return Problem(ProblemKind(f"store-{self.kind.value}"))


def classify(error: BaseException) -> StoreErrorKind | None:
    """The environment problem behind ``error``, or None when it is not one (a bug)."""
    if isinstance(error, sa_exc.DBAPIError):
        if isinstance(error, sa_exc.IntegrityError | sa_exc.ProgrammingError | sa_exc.DataError):
            return None
        if error.connection_invalidated:
            return StoreErrorKind.UNAVAILABLE
        return classify(error.orig) if error.orig is not None else None
    if isinstance(error, sqlite3.Error):
        if isinstance(error, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError):
            return None
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int) and (code & 0xFF) in _SQLITE_KINDS:
            return _SQLITE_KINDS[code & 0xFF]
        return _sqlite_by_message(str(error))
    if isinstance(error, OSError):
        return _OS_KINDS.get(error.errno or 0, StoreErrorKind.UNAVAILABLE)
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(state, str) and len(state) == 5:
        return _PG_KINDS.get(state) or _PG_CLASSES.get(state[:2])
    return None


def _sqlite_by_message(message: str) -> StoreErrorKind | None:
    text = message.lower()
    if "disk is full" in text or "database or disk is full" in text:
        return StoreErrorKind.DISK_FULL
    if "readonly" in text or "read-only" in text:
        return StoreErrorKind.READ_ONLY
    if "locked" in text or "busy" in text:
        return StoreErrorKind.LOCKED
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return StoreErrorKind.CORRUPT
    if "unable to open" in text or "disk i/o" in text:
        return StoreErrorKind.UNAVAILABLE
    return None


def translate(error: BaseException) -> BaseException:
    """A ``StoreError`` for an environment problem; the error itself when it is a bug."""
    kind = classify(error)
    if kind is None:
        return error
    return StoreError(kind)


# What a row's decoder raises on a value that is not what we wrote (JSONDecodeError and the codec's
# CodecError are ValueErrors): inside a read, a damaged row (``legevakt.store.integrity`` finds which).
DECODE_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, KeyError, AttributeError, IndexError)


def damaged_message(where: tuple[str, str] | None) -> str:
    """The user's sentence for a damaged row (table and key only)."""
    place = f"table {where[0]}, row {where[1]}" if where is not None else "a row could not be found again"
    return (f"The local database holds a damaged row ({place}): it was changed outside Legevakt and cannot "
            "be read. Restore the data directory from a backup, or ask your administrator.")


class AppendOnlyError(RuntimeError):
    """Something tried to change or delete an audit row. A bug: the audit log is append-only."""
