"""``legevakt do``: queue changes to one encounter and send them (through the outbox).

One command per given field, in the order triage, room, nurse, doctor, state; each is stored in the outbox
with its local effect before anything is sent. Then every pending command is replayed and the outcome
printed. Exit codes: 0 every change given here applied; 1 an error, nothing queued; 3 queued, but not (yet)
applied: pending (retried at the next sync), conflict or refused (an alert says which).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from legevakt.app.headless import do_changes
from legevakt.cli.options import CliError, common, settings_of

EXIT_NOT_APPLIED = 3


def add_parsers(sub: Any) -> None:
    do = sub.add_parser(
        "do", help="change an encounter on the platform (through the outbox)",
        description="Queue changes to one encounter, then send everything pending. Exit 0 when all the "
                    "changes given here were applied, 3 when some are pending, in conflict or refused, "
                    "1 on an error (nothing queued).")
    do.add_argument("encounter", metavar="Encounter/<id>")
    do.add_argument("--by", required=True, help="who makes the change")
    do.add_argument("--triage", metavar="CODE", help="triage level in the configured scale (e.g. red)")
    do.add_argument("--room", metavar="Location/<id>", help="assign a room")
    do.add_argument("--nurse", metavar="Practitioner/<id>", help="assign the nurse")
    do.add_argument("--doctor", metavar="Practitioner/<id>", help="assign the doctor")
    do.add_argument("--state", metavar="STATE",
                    help="arrived, triaged, in-progress, onleave, finished (with --disposition), cancelled, ...")
    do.add_argument("--disposition", metavar="CODE",
                    help="with --state finished: home, admitted, transferred, lwbs, deceased or other")
    do.add_argument("--json", action="store_true", help="print one JSON object")
    common(do)


def run(args: argparse.Namespace) -> int:
    try:
        return _do(args)
    except _NotApplied as exc:
        print(f"legevakt: {exc}", file=sys.stderr)
        return EXIT_NOT_APPLIED


def _do(args: argparse.Namespace) -> int:
    changes = {"triage": args.triage, "room": args.room, "nurse": args.nurse, "doctor": args.doctor,
               "state": args.state}
    if all(v is None for v in changes.values()):
        raise CliError("give at least one change: --triage, --room, --nurse, --doctor or --state")
    if args.disposition is not None and args.state is None:
        raise CliError("--disposition goes with --state finished; nothing queued")
    if not args.by.strip():
        raise CliError("--by must name who makes the change; nothing queued")
    ref = args.encounter.strip()
    done = do_changes(settings_of(args), ref, args.by, changes, args.disposition)
    commands = done.queued
    ours = {c.command_id for c in commands}
    items = [_item_json(i) for i in done.report.items]
    mine = [i for i in items if i["command"] in ours]
    applied = all(i["outcome"] == "applied" for i in mine) and len(mine) == len(ours)
    doc = {"encounter": ref, "queued": [c.command_id for c in commands], "applied": applied, "results": items,
           "pending_writes": done.pending_after}
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(f"Queued {len(commands)} change(s) for {ref}.")
        for item in items:
            mark = "" if item["command"] in ours else " (queued earlier)"
            print(f"  {item['outcome']:<8} {item['field']:<8} -> {item['target'] or '-':<28} "
                  f"{item['detail']}{mark}")
        if done.pending_after:
            print(f"Pending writes: {done.pending_after}")
    if applied:
        return 0
    raise _NotApplied(_reason(mine))


class _NotApplied(Exception):
    """Queued, but not (all) applied: a one-line reason, exit 3."""


def _reason(items: list[dict[str, Any]]) -> str:
    bad = [i for i in items if i["outcome"] != "applied"]
    first = bad[0]
    what = {"pending": "still pending (retried at the next sync)", "conflict": "in conflict",
            "refused": "refused by the platform"}[first["outcome"]]
    more = f" (and {len(bad) - 1} more not applied)" if len(bad) > 1 else ""
    return f"the {first['field']} change is {what}: {first['detail']}{more}"


def _item_json(item: Any) -> dict[str, Any]:
    command = item.command
    return {
        "command": command.command_id, "encounter": command.encounter, "kind": command.kind.value,
        "field": command.kind.field, "target": command.target_value, "base": command.base,
        "outcome": item.outcome.value, "detail": item.detail, "wrote": item.wrote, "ours": item.ours,
        "theirs": item.theirs,
    }
