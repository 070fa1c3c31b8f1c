"""Logging: one named logger per area, a rotating file in the user's log directory.

Log lines carry platform ids only (``Encounter/123``), never names, identifiers, note text or secrets.
"""

from __future__ import annotations

import errno
import logging
import logging.handlers
import os
import re
import sys
import threading
import traceback
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import platformdirs

AREAS = ("legevakt.app", "legevakt.sync", "legevakt.store", "legevakt.ui", "legevakt.worklist",
         "legevakt.journal", "legevakt.sim", "legevakt.cli")


# -- redaction: the last line of defence -------------------------------------------------------------------
_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")  # a fødselsnummer or D-nummer (11 digits, not part of a longer run)
MASK = "*" * 11
_MAX_NAMES = 20_000  # the registry keeps the most recently seen name parts; older ones fall out
_MIN_NAME = 2
_WORD = re.compile(r"\w+")  # names are masked word by word: "Anne-Marie Ødegård" is three words
_names: OrderedDict[str, None] = OrderedDict()
_names_lock = threading.Lock()


def redact_names(names: Iterable[str]) -> None:
    """Register names (of patients the runtime has seen) that the log filter masks wherever they appear.

    Each word of a name is registered (words shorter than two letters are not). Bounded: at most the
    ``_MAX_NAMES`` most recently registered words are kept.
    """
    with _names_lock:
        for name in names:
            for part in _WORD.findall(name) if isinstance(name, str) else ():
                if len(part) < _MIN_NAME or part.isdigit():
                    continue
                if part in _names:
                    _names.move_to_end(part)
                    continue
                _names[part] = None
                while len(_names) > _MAX_NAMES:
                    _names.popitem(last=False)


def forget_names() -> None:
    """Empty the name registry (tests; a runtime that closes)."""
    with _names_lock:
        _names.clear()


def _mask_word(match: re.Match[str]) -> str:
    return "[name]" if match.group() in _names else match.group()


def redact(text: str) -> str:
    """``text`` with 11-digit runs and registered names masked (a set look-up per word: cheap)."""
    text = _DIGITS.sub(MASK, text)
    return _WORD.sub(_mask_word, text) if _names else text


class RedactingFilter(logging.Filter):
    """Masks 11-digit numbers and registered names in the message, its arguments and its exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a bad format string: keep only the template)
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted line, exception text included (covers records no filter saw)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))


def bug(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """Log a bug: the exception's type and our traceback (file, line, function), never its message.

    An exception's text may quote the data it failed on (a database error holds whole rows), so only
    the type names of the chain and the frames are written.
    """
    chain: list[str] = []
    frames: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(type(current).__name__)
        frames.extend(_frames(current.__traceback__))
        current = current.__cause__ or current.__context__
    logger.error("%s: %s\n%s", what, " <- ".join(chain), "\n".join(frames))


def _frames(tb: TracebackType | None) -> list[str]:
    return [f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]


# -- handlers ------------------------------------------------------------------------------------------------
class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file that is 0600 when created and after every rollover, whatever the directory's mode."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # an existing file keeps its mode on open: tighten it
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)

    _failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        """The log file cannot be written (a full disk, a read-only medium): say so once, in one line,
        instead of the standard library's traceback on stderr for every record (issue 11)."""
        if not self._failed:
            self._failed = True
            exc = sys.exc_info()[1]
            sys.stderr.write(f"legevakt: cannot write the log file ({type(exc).__name__}"
                             f"{': disk full' if getattr(exc, 'errno', None) == errno.ENOSPC else ''}); "
                             "the program goes on without it\n")

    def doRollover(self) -> None:
        super().doRollover()
        for i in range(1, self.backupCount + 1):
            backup = f"{self.baseFilename}.{i}"
            try:
                os.chmod(backup, 0o600)
            except FileNotFoundError:
                continue


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the moment (it may be swapped after set-up)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup(*, verbose: bool = False, to_file: bool = True, log_dir: Path | None = None,
          max_bytes: int = 5_000_000) -> Path | None:
    root = logging.getLogger("legevakt")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for old in [h for h in root.handlers if getattr(h, "_legevakt", False)]:
        root.removeHandler(old)
        old.close()
    fmt = RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(threadName)s: %(message)s")
    err = _StderrHandler()
    err.setLevel(logging.DEBUG if verbose else logging.WARNING)
    err.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    err.addFilter(RedactingFilter())
    err._legevakt = True  # type: ignore[attr-defined]
    root.addHandler(err)
    if not to_file:
        return None
    directory = log_dir or Path(platformdirs.user_log_dir("legevakt"))
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / "legevakt.log"
        handler = PrivateRotatingFileHandler(path, maxBytes=max_bytes, backupCount=5, encoding="utf-8")
        handler.setFormatter(fmt)
        handler.addFilter(RedactingFilter())
        handler._legevakt = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    except OSError as exc:
        root.warning("cannot write the log file: %s", exc.strerror)
        return None
    return path
