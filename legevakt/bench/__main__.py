"""``python -m legevakt.bench <subcommand> [options]``: micro-benchmarks of the client's hot paths.

Each subcommand is a module ``legevakt.bench.<name>`` with a ``main(argv) -> int``; add one by adding a
module and a line to ``SUBCOMMANDS``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

#: name -> one-line description. The module ``legevakt.bench.<name>`` provides ``main(argv) -> int``.
SUBCOMMANDS: dict[str, str] = {
    "load": "requests and bytes per hour at idle (poll, push) against whole-queue refetchers; drop-to-alert",
    "journal": "time one journal follow (500 deliveries in flight) against the same searches fetched raw",
    "reconcile": "time worklist reconciliation against a bare set-difference lower bound",
    "sync": "time the sync cycle (fetch + mapping)",
    "ui": "time the main window folding in a 1 % change set at 10 000 rows against a reset of it",
}


def _usage() -> str:
    lines = ["usage: python -m legevakt.bench <subcommand> [options]", "", "subcommands:"]
    lines += [f"  {name:<10} {text}" for name, text in SUBCOMMANDS.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        print(f"unknown subcommand {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(f"legevakt.bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"legevakt.bench.{name}":
            raise
        print(f"subcommand {name!r} is not available yet", file=sys.stderr)
        return 2
    result: int = module.main(rest)
    return result


if __name__ == "__main__":
    sys.exit(main())
