"""``legevakt doctor``: the checks an administrator runs before go-live, one line each with what to fix."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from legevakt.app.doctor import Status, diagnose, report_json
from legevakt.cli.options import common


def add_parsers(sub: Any) -> None:
    doctor = sub.add_parser(
        "doctor", help="check keyring, directories, configuration and the platform before go-live")
    common(doctor)
    doctor.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    """Exit 0 when no check fails (warnings allowed), else 1."""
    overrides = {name: getattr(args, name, None) for name in ("data_dir", "platform", "location")}
    config = Path(args.config) if getattr(args, "config", None) else None
    checks = diagnose(config, overrides)
    if args.json:
        print(json.dumps(report_json(checks), ensure_ascii=False, indent=2))
    else:
        for check in checks:
            print(check.line())
        failed = sum(c.status is Status.FAIL for c in checks)
        warned = sum(c.status is Status.WARN for c in checks)
        print(f"{len(checks)} checks: {failed} failed, {warned} warnings")
    return 1 if any(c.status is Status.FAIL for c in checks) else 0
