"""Shared options, settings and errors of the ``legevakt`` commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from legevakt.app.headless import HeadlessError
from legevakt.app.settings import Settings, load

CliError = HeadlessError  # a one-line error for stderr; exit code 1


def common(parser: argparse.ArgumentParser, *, platform: bool = True, nested: bool = False,
           root: bool = False) -> None:
    """Options every command takes, on the top-level parser (``root``) and again on each command, so they
    may stand before or after the command's name: on a command they default to SUPPRESS, which keeps its
    parser from overwriting what the top level parsed (``legevakt --platform URL sync --once``).
    ``nested``: on a sub-sub-command (``alerts ack``), which also takes ``--json`` there."""
    kw: dict[str, Any] = {} if root else {"default": argparse.SUPPRESS}
    parser.add_argument("--data-dir", help="where the local store lives (default: the user's data directory)", **kw)
    parser.add_argument("--config", help="the TOML configuration file (default: the user's config directory)",
                        **kw)
    if platform:
        parser.add_argument("--platform", help="FHIR R4 base URL of the platform", **kw)
        parser.add_argument("--location", help="the clinic, as Location/<id>", **kw)
    parser.add_argument("-v", "--verbose", action="store_true", help="log more to stderr", **kw)
    if nested:
        parser.add_argument("--json", action="store_true", help="print JSON", **kw)


def settings_of(args: argparse.Namespace, **extra: Any) -> Settings:
    overrides = {
        "data_dir": getattr(args, "data_dir", None),
        "platform": getattr(args, "platform", None),
        "location": getattr(args, "location", None),
        "language": getattr(args, "language", None),
        "user": getattr(args, "user", None),
        **extra,
    }
    path = Path(args.config) if getattr(args, "config", None) else None
    return load(path, overrides)
