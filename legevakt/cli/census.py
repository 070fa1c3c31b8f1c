"""``legevakt census``: carried over + arrived = departed + present + dropped, per shift (clinic time)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from legevakt.app.headless import census_of, resolve_shift
from legevakt.cli.options import common, settings_of


def add_parsers(sub: Any) -> None:
    cen = sub.add_parser("census", help="census per shift: carried over + arrived = departed + present + dropped")
    common(cen, platform=False)
    cen.add_argument("--shift", default="current",
                     help="current, previous, or NAME@YYYY-MM-DD (e.g. night@2026-11-25)")
    cen.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    shift = resolve_shift(settings, args.shift)
    c = census_of(settings, shift)
    doc = {"shift": shift.name, "start": shift.start.isoformat(), "end": shift.end.isoformat(),
           "carried_over": c.carried_over, "arrived": c.arrived, "departed": c.departed, "present": c.present,
           "dropped": c.dropped,
           "departed_by_reason": c.departed_by_reason, "balances": c.balances}
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(f"Shift {shift.label} ({shift.start:%H:%M}-{shift.end:%H:%M})")
        print(f"  carried over {c.carried_over} + arrived {c.arrived} = departed {c.departed} + present {c.present} "
              f"+ dropped {c.dropped}")
        for reason, n in c.departed_by_reason.items():
            print(f"    {reason}: {n}")
    return 0
