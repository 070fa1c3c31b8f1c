"""``legevakt sync --watch --json``: the window's engine headless, one JSON object per line, a clean stop."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from legevakt.sim import SimServer
from legevakt.store import open_store
from legevakt.worklist.models import AlertKind

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals")


class Lines:
    """The process's stdout as JSON lines, read from the pipe's file descriptor with a deadline (no
    buffered reader: two lines in one read must not hide the second from the selector)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self.fd = proc.stdout.fileno()
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.fd, selectors.EVENT_READ)
        self.buffer = b""
        self.seen: list[dict[str, Any]] = []

    def until(self, want: Callable[[dict[str, Any]], bool], timeout: float = 30.0) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                doc = json.loads(line)  # every line is one JSON object
                self.seen.append(doc)
                if want(doc):
                    return doc
            if time.monotonic() > end:
                raise AssertionError(f"not seen in time; got {[d['type'] for d in self.seen]}")
            if self.sel.select(timeout=0.2):
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    raise AssertionError(f"the process ended; got {[d['type'] for d in self.seen]}")
                self.buffer += chunk


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_watch_prints_a_snapshot_then_the_drop_as_change_and_alert_and_stops_cleanly(
        make_sim: Callable[..., SimServer], tmp_path: Path, sig: signal.Signals) -> None:
    sim = make_sim(seed=8, initial_patients=5)
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text("poll_seconds = 0.2\n", encoding="utf-8")
    cmd = [sys.executable, "-c", "import sys; from legevakt.cli import main; sys.exit(main())", "sync", "--watch",
           "--json", "--platform", sim.base_url, "--location", sim.clinic_ref, "--data-dir", str(data),
           "--config", str(config)]
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        lines = Lines(proc)
        try:
            snap = lines.until(lambda d: d["type"] == "snapshot")
            truth = set(sim.clinic.active_encounters())  # the oracle: what the platform holds
            assert {row["encounter"] for row in snap["queue"]} == truth
            assert {"census", "alerts", "deliveries", "link"} <= set(snap)
            victim = sorted(sim.clinic.list_items())[0]
            sim.clinic.drop_from_list(victim)
            alert = lines.until(lambda d: d["type"] == "alert" and d["encounter"] == victim)
            assert alert["kind"] == AlertKind.DROPPED_FROM_QUEUE.value and alert["status"] == "open"
            change = next(d for d in lines.seen if d["type"] == "change")
            assert [r["fate"] for r in change["upserted"] if r["encounter"] == victim] == ["dropped"]
        finally:
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err.decode()[-2000:]
    with open_store(data) as store:  # nothing lost: what was printed is stored
        assert any(a.kind is AlertKind.DROPPED_FROM_QUEUE and a.encounter == victim for a in store.alerts())
