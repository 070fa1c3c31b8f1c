"""Logging: one named logger per area, a rotating file in the user's log directory.

Log lines carry platform ids only (``Encounter/123``), never names, identifiers, note text or secrets.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path
from typing import Any

import platformdirs

AREAS = ("legevakt.app", "legevakt.sync", "legevakt.store", "legevakt.ui", "legevakt.worklist",
         "legevakt.journal", "legevakt.sim", "legevakt.cli")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the moment (it may be swapped after set-up)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup(*, verbose: bool = False, to_file: bool = True, log_dir: Path | None = None) -> Path | None:
    root = logging.getLogger("legevakt")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for old in [h for h in root.handlers if getattr(h, "_legevakt", False)]:
        root.removeHandler(old)
        old.close()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(threadName)s: %(message)s")
    err = _StderrHandler()
    err.setLevel(logging.DEBUG if verbose else logging.WARNING)
    err.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    err._legevakt = True  # type: ignore[attr-defined]
    root.addHandler(err)
    if not to_file:
        return None
    directory = log_dir or Path(platformdirs.user_log_dir("legevakt"))
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / "legevakt.log"
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(fmt)
        handler._legevakt = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        os.chmod(path, 0o600)
    except OSError as exc:
        root.warning("cannot write the log file: %s", exc.strerror)
        return None
    return path
