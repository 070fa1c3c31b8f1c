"""``legevakt`` without a command: the desktop window (on the embedded demo platform without --platform);
with ``--wallboard`` the corridor's wall board instead."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import replace

from legevakt.cli.options import CliError, settings_of


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--screenshot", metavar="FILE", help="render the window offscreen to a PNG and exit")
    parser.add_argument("--wallboard", action="store_true",
                        help="the wall board for a screen in the corridor (full screen; initials and age, no "
                             "names; Esc leaves full screen, Ctrl+Q quits)")
    parser.add_argument("--language", choices=("nb", "en"), help="user interface language (default nb)")
    parser.add_argument("--seed", type=int, default=7, help="demo platform: random seed")
    parser.add_argument("--speed", type=float, default=10.0, help="demo platform: clinic clock speed-up")
    parser.add_argument("--user", help="your name as shown on acknowledgements")


def run(args: argparse.Namespace) -> int:
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
          and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        raise CliError("no display to open the window on. Start it from a desktop session, or render the "
                       "window to a picture with --screenshot FILE")
    settings = settings_of(args)
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
                           user=settings.user or "demo",
                           practitioner=settings.practitioner or sim.clinic.doctors[0].ref)
    elif not settings.location:
        raise CliError("give --location Location/<id> with --platform")
    from legevakt.app.service import AppService
    from legevakt.ui.launch import run_wallboard, run_window

    service = AppService(settings, demo=demo, on_stop=sim.stop if sim is not None else None)
    launch = run_wallboard if getattr(args, "wallboard", False) else run_window
    try:
        return launch(service, screenshot=args.screenshot, language=settings.language)
    finally:
        service.stop()
