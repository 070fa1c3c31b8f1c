"""``legevakt``: the desktop app (no sub-command) and the headless commands for operators and scripts.

One module per command group; all of them go through the application layer (``legevakt.app``), never
straight to the store or the sync package.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import NoReturn

from legevakt.app.headless import CONFIGURATION, StoreError
from legevakt.app.settings import SettingsError
from legevakt.cli import alerts, auth, census, do, doctor, gui, journal, outbox, report, sim, sync
from legevakt.cli.options import CliError, common

log = logging.getLogger("legevakt.cli")

__all__ = ["CliError", "build_parser", "main"]

_RUN = {"sync": sync.run, "alerts": alerts.run, "census": census.run, "do": do.run, "outbox": outbox.run,
        "login": auth.run, "logout": auth.run, "note": journal.run_note, "send": journal.run_send,
        "deliveries": journal.run_deliveries, "report": report.run, "doctor": doctor.run}


class _Parser(argparse.ArgumentParser):
    """argparse, but a command line it cannot parse also prints the JSON error object on stdout when
    ``--json`` was asked for (exit 2 and the usage on stderr, as argparse does)."""

    json_wanted = False

    def error(self, message: str) -> NoReturn:
        if _Parser.json_wanted:
            print(json.dumps(CliError(message).to_json(), ensure_ascii=False, indent=2))
        super().error(message)


def build_parser(*, json_wanted: bool = False) -> argparse.ArgumentParser:
    _Parser.json_wanted = json_wanted
    parser = _Parser(prog="legevakt", description="Legevakt: the emergency clinic worklist.")
    common(parser, root=True)
    gui.add_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in (sim, sync, alerts, census, do, outbox, auth, journal, report, doctor):
        group.add_parsers(sub)
    return parser


def _error(args: argparse.Namespace, exc: CliError) -> int:
    """An error: one line on stderr, exit 1; with ``--json`` also ``{"error": {"kind", "message", "params"}}``
    on stdout (``kind``: a ``ProblemKind`` value, or ``usage``/``configuration``)."""
    if getattr(args, "json", False):
        print(json.dumps(exc.to_json(), ensure_ascii=False, indent=2, default=str))
    print(f"legevakt: {exc}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sim"]:
        return sim.run(argv[1:])
    parser = build_parser(json_wanted="--json" in argv)
    args = parser.parse_args(argv)
    from legevakt import logs

    logs.setup(verbose=args.verbose, to_file=args.command is None)
    try:
        if args.command is None:
            return gui.run(args)
        run = _RUN.get(args.command)
        if run is None:
            parser.error(f"unknown command {args.command}")
        return run(args)
    except CliError as exc:
        return _error(args, exc)
    except SettingsError as exc:
        return _error(args, CliError(str(exc), kind=CONFIGURATION))
    except StoreError as exc:  # the local store, in plain words (disk full, read-only, a damaged row...)
        return _error(args, CliError.of(str(exc), exc.problem))
    except BrokenPipeError:
        # The reader went away (``legevakt alerts | head``): stop quietly, as Unix tools do. What was
        # asked for has already been done; only the rest of the printing is dropped.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
