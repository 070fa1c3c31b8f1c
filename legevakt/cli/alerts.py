"""``legevakt alerts [ack|resolve]``: through the engine and the writer, as the window does."""

from __future__ import annotations

import argparse
import json
from typing import Any

from legevakt.app.headless import alert_action, alert_json, list_alerts
from legevakt.cli.options import common, settings_of
from legevakt.text import shown


def add_parsers(sub: Any) -> None:
    alerts = sub.add_parser("alerts", help="list, acknowledge or resolve alerts")
    common(alerts, platform=False)
    alerts.add_argument("--json", action="store_true")
    alerts.add_argument("--status", choices=("open", "acknowledged", "resolved", "all"), default=None,
                        help="which alerts to list (default: not resolved)")
    asub = alerts.add_subparsers(dest="action", metavar="ACTION")
    ack = asub.add_parser("ack", help="acknowledge an alert")
    ack.add_argument("id")
    ack.add_argument("--by", required=True)
    ack.add_argument("--comment", default="")
    common(ack, nested=True)  # --platform URL --location Location/<id>: send at once
    res = asub.add_parser("resolve", help="resolve an alert with a reason")
    res.add_argument("id")
    res.add_argument("--by", required=True)
    res.add_argument("--reason", required=True)
    common(res, nested=True)


def run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if args.action is None:
        alerts = list_alerts(settings, args.status)
        if args.json:
            print(json.dumps([alert_json(a) for a in alerts], ensure_ascii=False, indent=2))
        else:
            if not alerts:
                print("No alerts.")
            for a in alerts:
                # Stored text (a name from --by, a detail, a Task's owner from another workstation) is
                # shown neutralised: no terminal escape nor bidi override reaches the terminal.
                who = f" ack: {shown(a.acknowledged_by)}" if a.acknowledged_by else ""
                print(f"{a.id} {a.status.value:<12} {a.severity.value:<8} {a.kind.value:<20} "
                      f"{shown(a.encounter) or '-'}{who}  {shown(a.detail)}")
        return 0
    text = args.comment if args.action == "ack" else args.reason
    alert = alert_action(settings, args.action, args.id, args.by, text)
    if args.json:
        print(json.dumps(alert_json(alert), ensure_ascii=False, indent=2))
    else:
        print(f"{alert.id} {alert.status.value}")
    return 0
