"""Headless writes: ``legevakt do`` (queue changes to one encounter and send them) and ``legevakt outbox``.

``do`` queues one command per given field, in the order triage, room, nurse, doctor, state; each is stored
in the outbox with its local effect before anything is sent. Then every pending command is replayed and
the outcome printed. Exit codes: 0 every change given here applied; 1 an error, nothing queued; 3 queued,
but not (yet) applied: pending (retried at the next sync), conflict or refused (an alert says which).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from legevakt.cli import CliError, _common, _settings, open_platform_runtime

COMMANDS = ("do", "outbox")
EXIT_NOT_APPLIED = 3


def add_parsers(sub: Any) -> None:
    """Add ``do`` and ``outbox`` to the ``legevakt`` sub-command parsers."""
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
    _common(do)

    box = sub.add_parser("outbox", help="list the changes waiting for the platform")
    box.add_argument("--all", action="store_true", help="every change ever queued, not only pending ones")
    box.add_argument("--json", action="store_true", help="print JSON")
    _common(box, platform=False)


def run(args: argparse.Namespace) -> int:
    if args.command == "do":
        try:
            return _do(args)
        except _NotApplied as exc:
            print(f"legevakt: {exc}", file=sys.stderr)
            return EXIT_NOT_APPLIED
    if args.command == "outbox":
        return _outbox(args)
    raise CliError(f"unknown command {args.command}")


# -- do ----------------------------------------------------------------------------------------------

def _do(args: argparse.Namespace) -> int:
    from legevakt.app.problem_words import words
    from legevakt.store.db import StoreError
    from legevakt.sync.engine import utcnow
    from legevakt.worklist.commands import CommandError, CommandKind, apply_local, check_reference, make_command

    wanted = [(kind, value) for kind, value in (
        (CommandKind.SET_TRIAGE, args.triage), (CommandKind.ASSIGN_ROOM, args.room),
        (CommandKind.ASSIGN_NURSE, args.nurse), (CommandKind.ASSIGN_DOCTOR, args.doctor),
        (CommandKind.SET_STATE, args.state)) if value is not None]
    if not wanted:
        raise CliError("give at least one change: --triage, --room, --nurse, --doctor or --state")
    if args.disposition is not None and args.state is None:
        raise CliError("--disposition goes with --state finished; nothing queued")
    if not args.by.strip():
        raise CliError("--by must name who makes the change; nothing queued")
    ref = args.encounter.strip()
    try:
        check_reference(ref, "Encounter", "encounter")
    except CommandError as exc:
        raise CliError(f"{words(exc.problem)}; nothing queued") from exc
    settings = _settings(args)
    runtime = open_platform_runtime(settings)
    try:
        engine = runtime.engine
        entry = engine.state.entries.get(ref)
        if entry is None:  # not known here yet: sync first
            outcome = engine.cycle()
            if outcome.error is not None:
                raise CliError(f"{ref} is not known here and the sync failed: {outcome.error}; nothing queued")
            entry = engine.state.entries.get(ref)
            if entry is None:
                raise CliError(f"{ref} is not in this clinic's worklist; nothing queued")
        # Every command is made and checked before any is queued: bad input queues nothing.
        now = utcnow()
        commands = []
        try:
            current = entry
            for kind, value in wanted:
                command = make_command(current, kind, value, by=args.by, now=now, scale=engine.config.scale,
                                       disposition=args.disposition if kind is CommandKind.SET_STATE else None)
                commands.append(command)
                current = apply_local(current, command)
        except CommandError as exc:
            raise CliError(f"{words(exc.problem)}; nothing queued") from exc
        for command in commands:
            engine.submit(command)
        report = engine.replay()
        pending_after = runtime.pending_writes()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    finally:
        runtime.close()
    assert report is not None
    ours = {c.command_id for c in commands}
    items = [_item_json(i) for i in report.items]
    mine = [i for i in items if i["command"] in ours]
    applied = all(i["outcome"] == "applied" for i in mine) and len(mine) == len(ours)
    doc = {"encounter": ref, "queued": [c.command_id for c in commands], "applied": applied, "results": items,
           "pending_writes": pending_after}
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(f"Queued {len(commands)} change(s) for {ref}.")
        for item in items:
            mark = "" if item["command"] in ours else " (queued earlier)"
            print(f"  {item['outcome']:<8} {item['field']:<8} -> {item['target'] or '-':<28} "
                  f"{item['detail']}{mark}")
        if pending_after:
            print(f"Pending writes: {pending_after}")
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


# -- outbox ------------------------------------------------------------------------------------------

def _outbox(args: argparse.Namespace) -> int:
    from legevakt.store.db import StoreError, open_store

    settings = _settings(args)
    try:
        store = open_store(settings.data_path())
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    try:
        rows = store.outbox(None if args.all else "pending")
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.close()
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
        error = f"  last error: {d['last_error']}" if d["last_error"] else ""
        print(f"{d['seq']:>5} {d['state']:<8} {d['kind']:<13} {d['encounter'] or '-':<28} -> "
              f"{d['target'] or '-':<28} by {d['created_by']} at {d['created_at']}, "
              f"{d['attempts']} attempt(s){error}")
    return 0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
