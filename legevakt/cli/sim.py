"""``legevakt sim``: the simulated platform, standalone."""

from __future__ import annotations

import argparse
from typing import Any


def add_parsers(sub: Any) -> None:
    sim = sub.add_parser("sim", help="run the simulated platform standalone")
    sim.add_argument("rest", nargs=argparse.REMAINDER, help="--port N --seed S --speed X --patients N")


def run(argv: list[str]) -> int:
    from legevakt.sim.__main__ import main as sim_main

    return sim_main(argv)
