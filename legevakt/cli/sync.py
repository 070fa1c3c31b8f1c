"""``legevakt sync --once``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from legevakt.app.headless import sync_once
from legevakt.cli.options import CliError, common, settings_of


def add_parsers(sub: Any) -> None:
    sync = sub.add_parser("sync", help="sync with the platform and reconcile")
    common(sync)
    sync.add_argument("--once", action="store_true", help="one cycle, then exit (required for now)")
    sync.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    if not args.once:
        raise CliError("only 'sync --once' is available headless; the desktop app syncs continuously")
    doc = sync_once(settings_of(args))
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print_sync(doc)
    return 0


def print_sync(doc: dict[str, Any]) -> None:
    state = "complete" if doc["complete"] else "INCOMPLETE: " + "; ".join(doc["problems"])
    print(f"Synced {doc['synced_at']} ({state})")
    print(f"Queue: {len(doc['queue'])} entries")
    for row in doc["queue"]:
        mark = "DROPPED " if row["fate"] == "dropped" else ""
        print(f"  {mark}{row['encounter']:<28} {row['state']:<12} triage={row['triage'] or '-'}")
    print(f"Open alerts: {len(doc['alerts'])}")
    for alert in doc["alerts"]:
        print(f"  {alert['id']} {alert['severity']:<8} {alert['kind']:<20} {alert['encounter'] or ''}")
    c = doc["census"]
    print(f"Census: arrived {c['arrived']} = departed {c['departed']} + present {c['present']} "
          f"+ dropped {c['dropped']}")
