"""``legevakt sync --once`` and ``legevakt sync --watch`` (one JSON object per line until SIGINT/SIGTERM)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from types import FrameType
from typing import Any

from legevakt.app.headless import Watch, sync_once
from legevakt.cli.options import CliError, common, settings_of


def add_parsers(sub: Any) -> None:
    sync = sub.add_parser("sync", help="sync with the platform and reconcile")
    common(sync)
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one cycle, then exit")
    mode.add_argument("--watch", action="store_true",
                      help="keep syncing as the window does; with --json one JSON object per line (snapshot, "
                           "change, alert, delivery, link) until SIGINT or SIGTERM")
    sync.add_argument("--json", action="store_true", help="print JSON")


#: ``sync --once`` could not run its cycle (the platform out of reach, or the cycle failed): the document
#: printed is what is stored here, ``"complete": false``, the problem in ``problems``.
EXIT_NOT_SYNCED = 4


def run(args: argparse.Namespace) -> int:
    if args.watch:
        return _watch(args)
    if not args.once:
        raise CliError("give --once (one cycle) or --watch (keep syncing)")
    done = sync_once(settings_of(args))
    if args.json:
        print(json.dumps(done.doc, ensure_ascii=False, indent=2))
    else:
        print_sync(done.doc, synced=done.failed is None)
    if done.failed is not None:
        print(f"legevakt: {done.failed}; shown: what is stored here (incomplete)", file=sys.stderr)
        return EXIT_NOT_SYNCED
    return 0


def print_sync(doc: dict[str, Any], *, synced: bool = True) -> None:
    state = "complete" if doc["complete"] else "INCOMPLETE: " + "; ".join(doc["problems"])
    if synced:
        print(f"Synced {doc['synced_at']} ({state})")
    else:
        print(f"NOT synced {doc['synced_at']} ({state}); what is stored here, last complete "
              f"{doc['last_complete_at'] or 'never'}")
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


def _watch(args: argparse.Namespace) -> int:
    def emit(doc: dict[str, Any]) -> None:
        if args.json:
            print(json.dumps(doc, ensure_ascii=False), flush=True)
        else:
            kind = doc["type"]
            if kind == "snapshot":
                print_sync(doc)
            elif kind == "change":
                print(f"change: {len(doc['upserted'])} updated, {len(doc['removed'])} left the queue", flush=True)
            elif kind == "alert":
                print(f"alert {doc['id']} {doc['status']} {doc['severity']} {doc['kind']} {doc['encounter'] or ''}",
                      flush=True)
            elif kind == "delivery":
                print(f"delivery {doc['communication'] or doc['note']} {doc['state']}", flush=True)
            elif kind == "link":
                print(f"link {doc['link']}, {doc['pending_writes']} write(s) pending", flush=True)
            else:
                print(f"problem: {doc.get('problem')}", file=sys.stderr, flush=True)

    watch = Watch(settings_of(args), emit)

    def stop(signum: int, frame: FrameType | None) -> None:
        watch.stop()  # the loop ends after the turn in progress; the store is closed cleanly

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        watch.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
