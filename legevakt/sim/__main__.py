"""``python -m legevakt.sim``: run the simulator standalone until Ctrl-C / SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from legevakt.sim.config import SimConfig
from legevakt.sim.server import SimServer


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="legevakt sim", description="Run the Legevakt FHIR R4 simulator.")
    p.add_argument("--port", type=int, default=8080, help="TCP port on 127.0.0.1 (0 = any free port)")
    p.add_argument("--seed", type=int, default=1, help="random seed for the synthetic clinic")
    p.add_argument("--speed", type=float, default=10.0, help="clinic event-rate multiplier (0 = frozen)")
    p.add_argument("--patients", type=int, default=18, help="patients in the queue at start (seeded)")
    p.add_argument("--require-auth", action="store_true", help="require OAuth2 bearer tokens")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.patients < 0:
        p_error = "--patients must not be negative"
        logging.getLogger("legevakt.sim").error(p_error)
        return 2
    config = SimConfig(seed=args.seed, speed=args.speed, require_auth=args.require_auth,
                       initial_patients=args.patients)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = SimServer(config, port=args.port)
    try:
        try:
            base_url = server.start()
        except OSError as exc:
            logging.getLogger("legevakt.sim").error("cannot listen on port %s: %s", args.port, exc.strerror)
            return 1
        print(base_url, flush=True)
        print(server.clinic_ref, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
