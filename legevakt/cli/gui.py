"""``legevakt`` without a command: the desktop window (on the embedded demo platform without --platform);
with ``--wallboard`` the corridor's wall board instead."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from legevakt.cli.options import CliError, settings_of

if TYPE_CHECKING:
    from legevakt.app.settings import Settings
    from legevakt.sim import SimServer


def wants_set(path: str) -> bool:
    """``--screenshot DIR``: an existing directory, or a path not ending in .png (created)."""
    return os.path.isdir(path) or not path.lower().endswith(".png")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--screenshot", metavar="FILE|DIR",
                        help="render the window offscreen to a PNG and exit; with a directory (existing, or a "
                             "path not ending in .png) the review set of screens, staged on the demo platform")
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
    if args.screenshot and wants_set(args.screenshot):
        return _screenshot_set(args, settings)
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

    service = AppService(settings, demo=demo, on_stop=sim.stop if sim is not None else None,
                         config=Path(args.config) if getattr(args, "config", None) else None)
    launch = run_wallboard if getattr(args, "wallboard", False) else run_window
    try:
        return launch(service, screenshot=args.screenshot, language=settings.language)
    finally:
        service.stop()


class _DemoKnobs:
    """The simulator's knobs as ``legevakt.ui.screenshots.DemoPlatform`` (the UI may not import it)."""

    def __init__(self, sim: SimServer) -> None:
        self.clinic = sim.clinic
        self.faults = sim.faults

    def queue(self) -> list[str]:
        return self.clinic.list_items()

    def drop(self, refs: Sequence[str]) -> None:
        with self.clinic.lock:  # one platform change: the sync sees them leave in one cycle
            for ref in refs:
                self.clinic.drop_from_list(ref)

    def restore(self, refs: Sequence[str]) -> None:
        with self.clinic.lock:
            for ref in refs:
                if ref not in self.clinic.list_items():
                    self.clinic.add_to_list(ref)

    def silence_receipts(self, on: bool) -> None:
        """Recipients stop answering (``on``): a note sent meanwhile goes past its deadline (screen 02b)."""
        self.faults.receipt_mode = "none" if on else "ok"


def _screenshot_set(args: argparse.Namespace, settings: Settings) -> int:
    """``--screenshot DIR``: the review set, always on the demo platform."""
    if getattr(args, "wallboard", False):
        raise CliError("--screenshot DIR writes the whole set (the wall board included): leave out --wallboard")
    if getattr(args, "platform", None):
        raise CliError("--screenshot DIR stages its scenes on the demo platform: leave out --platform")
    from legevakt.app.service import AppService
    from legevakt.sim import SimConfig, SimServer
    from legevakt.ui.screenshots import run_screenshots

    sim = SimServer(SimConfig(seed=args.seed, speed=args.speed))
    base = sim.start()
    sim.faults.transport_delay_seconds = 0.1  # the journal scene waits for a receipt: keep it short
    sim.faults.receipt_delay_seconds = 0.5
    root = settings.data_path() / "demo-screenshots"

    def make_service(language: str, name: str = "", **changes: object) -> AppService:
        data = root / (name or language)
        shutil.rmtree(data, ignore_errors=True)  # a fresh client each start
        return AppService(replace(settings, platform=base, location=sim.clinic_ref, data_dir=str(data),
                                  language=language, user=settings.user or "demo", poll_seconds=1.0,
                                  practitioner=settings.practitioner or sim.clinic.doctors[0].ref,
                                  **changes), demo=True)  # type: ignore[arg-type]

    def make_late_service(language: str) -> AppService:
        """A client whose receipt deadline passes in 15 s (screen 02b: a note past its deadline)."""
        return make_service(language, f"{language}-late", note_receipt_deadline_minutes=0.25)

    try:
        return run_screenshots(Path(args.screenshot), _DemoKnobs(sim), make_service,
                               echo=lambda line: print(line, flush=True), late_service=make_late_service)
    finally:
        sim.stop()
