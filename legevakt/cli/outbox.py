"""``legevakt outbox``: the changes waiting for the platform."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from legevakt.app.headless import outbox_rows
from legevakt.cli.options import common, settings_of
from legevakt.text import shown


def add_parsers(sub: Any) -> None:
    box = sub.add_parser("outbox", help="list the changes waiting for the platform")
    box.add_argument("--all", action="store_true", help="every change ever queued, not only pending ones")
    box.add_argument("--json", action="store_true", help="print JSON")
    common(box, platform=False)


def run(args: argparse.Namespace) -> int:
    rows = outbox_rows(settings_of(args), everything=args.all)
    docs = [{
        "seq": r.seq, "command": r.command.command_id, "state": r.state.value, "encounter": r.command.encounter,
        "kind": r.command.kind.value, "target": r.command.target_value, "base": r.command.base,
        "created_at": _iso(r.command.created_at), "created_by": r.command.created_by, "attempts": r.attempts,
        "last_error": r.last_error, "updated_at": _iso(r.updated_at),
    } for r in rows]
    if args.json:
        print(json.dumps(docs, ensure_ascii=False, indent=2))
        return 0
    if not docs:
        print("No pending writes." if not args.all else "The outbox is empty.")
    for d in docs:
        error = f"  last error: {shown(d['last_error'])}" if d["last_error"] else ""
        print(f"{d['seq']:>5} {d['state']:<8} {d['kind']:<13} {d['encounter'] or '-':<28} -> "
              f"{d['target'] or '-':<28} by {shown(d['created_by'])} at {d['created_at']}, "
              f"{d['attempts']} attempt(s){error}")
    return 0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
