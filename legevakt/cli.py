"""``legevakt``: the desktop app (no sub-command) and the headless commands for operators and scripts."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from legevakt.app.settings import Settings, SettingsError, load

log = logging.getLogger("legevakt.cli")


class CliError(Exception):
    """A one-line error for stderr; exit code 1."""


def _common(parser: argparse.ArgumentParser, *, platform: bool = True, nested: bool = False) -> None:
    """Options every command takes. ``nested``: on a sub-sub-command, so they may stand on either level
    (SUPPRESS keeps the inner parser from overwriting what the outer one parsed)."""
    kw: dict[str, Any] = {"default": argparse.SUPPRESS} if nested else {}
    parser.add_argument("--data-dir", help="where the local store lives (default: the user's data directory)", **kw)
    parser.add_argument("--config", help="the TOML configuration file (default: the user's config directory)",
                        **kw)
    if platform:
        parser.add_argument("--platform", help="FHIR R4 base URL of the platform", **kw)
        parser.add_argument("--location", help="the clinic, as Location/<id>", **kw)
    parser.add_argument("-v", "--verbose", action="store_true", help="log more to stderr", **kw)
    if nested:
        parser.add_argument("--json", action="store_true", help="print JSON", **kw)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="legevakt", description="Legevakt: the emergency clinic worklist.")
    _common(parser)
    parser.add_argument("--screenshot", metavar="FILE", help="render the window offscreen to a PNG and exit")
    parser.add_argument("--language", choices=("nb", "en"), help="user interface language (default nb)")
    parser.add_argument("--seed", type=int, default=7, help="demo platform: random seed")
    parser.add_argument("--speed", type=float, default=10.0, help="demo platform: clinic clock speed-up")
    parser.add_argument("--user", help="your name as shown on acknowledgements")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sim = sub.add_parser("sim", help="run the simulated platform standalone")
    sim.add_argument("rest", nargs=argparse.REMAINDER, help="--port N --seed S --speed X")

    sync = sub.add_parser("sync", help="sync with the platform and reconcile")
    _common(sync)
    sync.add_argument("--once", action="store_true", help="one cycle, then exit (required for now)")
    sync.add_argument("--json", action="store_true", help="print one JSON object")

    alerts = sub.add_parser("alerts", help="list, acknowledge or resolve alerts")
    _common(alerts, platform=False)
    alerts.add_argument("--json", action="store_true")
    alerts.add_argument("--status", choices=("open", "acknowledged", "resolved", "all"), default=None,
                        help="which alerts to list (default: not resolved)")
    asub = alerts.add_subparsers(dest="action", metavar="ACTION")
    ack = asub.add_parser("ack", help="acknowledge an alert")
    ack.add_argument("id")
    ack.add_argument("--by", required=True)
    ack.add_argument("--comment", default="")
    _common(ack, platform=False, nested=True)
    res = asub.add_parser("resolve", help="resolve an alert with a reason")
    res.add_argument("id")
    res.add_argument("--by", required=True)
    res.add_argument("--reason", required=True)
    _common(res, platform=False, nested=True)

    cen = sub.add_parser("census", help="census per shift: arrived = departed + present + dropped")
    _common(cen, platform=False)
    cen.add_argument("--shift", default="current",
                     help="current, previous, or NAME@YYYY-MM-DD (e.g. night@2026-11-25)")
    cen.add_argument("--json", action="store_true")

    from legevakt import cli_auth, cli_writes

    cli_writes.add_parsers(sub)
    cli_auth.add_parsers(sub)
    return parser


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    overrides = {
        "data_dir": getattr(args, "data_dir", None),
        "platform": getattr(args, "platform", None),
        "location": getattr(args, "location", None),
        "language": getattr(args, "language", None),
        "user": getattr(args, "user", None),
        **extra,
    }
    path = Path(args.config) if getattr(args, "config", None) else None
    return load(path, overrides)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sim"]:
        from legevakt.sim.__main__ import main as sim_main

        return sim_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    from legevakt import logs

    logs.setup(verbose=args.verbose, to_file=args.command is None)
    try:
        if args.command is None:
            return _run_app(args)
        if args.command == "sync":
            return _sync(args)
        if args.command == "alerts":
            return _alerts(args)
        if args.command == "census":
            return _census(args)
        if args.command in ("do", "outbox"):
            from legevakt import cli_writes

            return cli_writes.run(args)
        if args.command in ("login", "logout"):
            from legevakt import cli_auth

            return cli_auth.run(args)
        parser.error(f"unknown command {args.command}")
    except (CliError, SettingsError) as exc:
        print(f"legevakt: {exc}", file=sys.stderr)
        return 1
    return 2


# -- sync ------------------------------------------------------------------------------------------

def open_platform_runtime(settings: Settings) -> Any:
    """The runtime for a headless command that talks to the platform; a one-line error when it cannot."""
    from legevakt.app.runtime import Runtime
    from legevakt.store.db import StoreError

    if not settings.platform or not settings.location:
        raise CliError("give --platform URL and --location Location/<id> (or set them in the config file)")
    try:
        return Runtime.open(settings)
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def _sync(args: argparse.Namespace) -> int:
    from legevakt.app.runtime import state_json
    from legevakt.sync.errors import MalformedResponse, NotFound, PlatformError

    if not args.once:
        raise CliError("only 'sync --once' is available headless; the desktop app syncs continuously")
    settings = _settings(args)
    runtime = open_platform_runtime(settings)
    try:
        try:
            runtime.client.capabilities()
        except MalformedResponse as exc:
            raise CliError(f"{settings.platform} does not look like a FHIR R4 server: {exc.detail}") from exc
        except NotFound:
            pass  # no CapabilityStatement: still synced, by full snapshots
        except PlatformError as exc:
            raise CliError(f"cannot reach the platform at {settings.platform}: {exc}") from exc
        outcome = runtime.engine.cycle()
        if outcome.error is not None:
            raise CliError(f"sync failed: {outcome.error}")
        doc = state_json(runtime.engine.state, settings, complete=outcome.complete, synced_at=outcome.at,
                         link=runtime.link(outcome), problems=outcome.problems,
                         pending=runtime.pending_by_encounter())
    finally:
        runtime.close()
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        _print_sync(doc)
    return 0


def _print_sync(doc: dict[str, Any]) -> None:
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


# -- alerts ----------------------------------------------------------------------------------------

def _open_store(settings: Settings) -> Any:
    from legevakt.store.db import StoreError, open_store

    try:
        return open_store(settings.data_path())
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def _alerts(args: argparse.Namespace) -> int:
    from legevakt.app.runtime import alert_json
    from legevakt.sync.engine import utcnow
    from legevakt.worklist.reconcile import AlertActionError, acknowledge, resolve

    settings = _settings(args)
    store = _open_store(settings)
    try:
        if args.action is None:
            status = None if args.status == "all" else args.status
            alerts = store.alerts(status)
            if args.status is None:
                alerts = [a for a in alerts if a.is_open]
            if args.json:
                print(json.dumps([alert_json(a) for a in alerts], ensure_ascii=False, indent=2))
            else:
                if not alerts:
                    print("No alerts.")
                for a in alerts:
                    who = f" ack: {a.acknowledged_by}" if a.acknowledged_by else ""
                    print(f"{a.id} {a.status.value:<12} {a.severity.value:<8} {a.kind.value:<20} "
                          f"{a.encounter or '-'}{who}  {a.detail}")
            return 0
        config = settings.reconcile_config()
        now = utcnow()
        state = store.load_state(now, config)
        stored = store.alert(args.id)
        if stored is None:
            raise CliError(f"no alert with id {args.id}")
        if not stored.is_open:
            raise CliError(f"alert {args.id} is already resolved; nothing changed")
        try:
            if args.action == "ack":
                result = acknowledge(state, args.id, args.by, args.comment, now)
            else:
                result = resolve(state, args.id, args.by, args.reason, now, config)
        except AlertActionError as exc:
            raise CliError(f"{exc}; nothing changed") from exc
        store.save(result, actor=args.by.strip())
        alert = next(a for a in result.alerts if a.id == args.id)
        if args.json:
            print(json.dumps(alert_json(alert), ensure_ascii=False, indent=2))
        else:
            print(f"{alert.id} {alert.status.value}")
        return 0
    finally:
        store.close()


# -- census ----------------------------------------------------------------------------------------

def _census(args: argparse.Namespace) -> int:
    from legevakt.app.runtime import CLINIC_TZ
    from legevakt.sync.engine import utcnow
    from legevakt.worklist.census import census, previous_shift, shift_at

    settings = _settings(args)
    now = utcnow()
    current = shift_at(now, CLINIC_TZ, settings.shifts)
    if args.shift == "current":
        shift = current
    elif args.shift == "previous":
        shift = previous_shift(current, CLINIC_TZ, settings.shifts)
    else:
        name, _, day = args.shift.partition("@")
        names = {s.name: s for s in settings.shifts}
        if name not in names or not day:
            raise CliError(f"--shift must be current, previous or NAME@YYYY-MM-DD with NAME one of "
                           f"{', '.join(names)}")
        try:
            start_day = datetime.strptime(day, "%Y-%m-%d").date()
        except ValueError as exc:
            raise CliError(f"--shift date {day!r} is not YYYY-MM-DD") from exc
        start = datetime.combine(start_day, names[name].start, tzinfo=CLINIC_TZ)
        shift = shift_at(start + timedelta(seconds=1), CLINIC_TZ, settings.shifts)
    store = _open_store(settings)
    try:
        c = census(store.entries(), shift)
    finally:
        store.close()
    doc = {"shift": shift.name, "start": shift.start.isoformat(), "end": shift.end.isoformat(),
           "arrived": c.arrived, "departed": c.departed, "present": c.present, "dropped": c.dropped,
           "departed_by_reason": c.departed_by_reason, "balances": c.balances}
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(f"Shift {shift.label} ({shift.start:%H:%M}-{shift.end:%H:%M})")
        print(f"  arrived {c.arrived} = departed {c.departed} + present {c.present} + dropped {c.dropped}")
        for reason, n in c.departed_by_reason.items():
            print(f"    {reason}: {n}")
    return 0


# -- the desktop app -------------------------------------------------------------------------------

def _run_app(args: argparse.Namespace) -> int:
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
          and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        raise CliError("no display to open the window on. Start it from a desktop session, or render the "
                       "window to a picture with --screenshot FILE")
    settings = _settings(args)
    sim = None
    demo = not settings.platform
    if demo:
        if settings.location:
            raise CliError("--location without --platform: give both, or neither for the demo")
        from legevakt.sim import SimConfig, SimServer

        sim = SimServer(SimConfig(seed=args.seed, speed=args.speed))
        base = sim.start()
        demo_dir = settings.data_path() / "demo"
        shutil.rmtree(demo_dir, ignore_errors=True)  # a fresh demo clinic each start: never compare to old
        settings = replace(settings, platform=base, location=sim.clinic_ref, data_dir=str(demo_dir),
                           user=settings.user or "demo")
    elif not settings.location:
        raise CliError("give --location Location/<id> with --platform")
    from legevakt.app.service import AppService
    from legevakt.ui.app import run_window

    service = AppService(settings, demo=demo, on_stop=sim.stop if sim is not None else None)
    try:
        return run_window(service, screenshot=args.screenshot, language=settings.language)
    finally:
        service.stop()


if __name__ == "__main__":
    sys.exit(main())
