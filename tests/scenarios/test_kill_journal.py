"""Exactly once for the journal: SIGKILL a real process while it writes and sends a note; the platform ends
up with one DocumentReference and one Communication, and the ledger follows it to its receipt."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from legevakt import codes
from legevakt.sim import SimServer
from tests.scenarios.test_kill_replay import ROOT

KILLS = 12
HOLD_SECONDS = 0.05
LATENCY_MS = 20

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")


def run_driver(args: list[str], kill_after: float | None) -> tuple[bool, str]:
    cmd = [sys.executable, "-m", "tests.scenarios.journal_driver", *args]
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        if proc.stdout.readline() != b"ready\n":
            proc.wait(30)
            raise AssertionError(f"driver failed to start: {proc.stderr.read().decode()[-2000:]}")
        if kill_after is None:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err.decode()[-2000:]
            return False, out.decode()
        time.sleep(kill_after)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        return killed, out.decode()


def ours(sim: SimServer, rtype: str) -> list[dict[str, object]]:
    with sim.store.lock:
        return [r for r in sim.store.live(rtype)
                if any(i.get("system") == codes.CLIENT_REQUEST_SYSTEM for i in r.get("identifier") or [])
                and not any(c.get("code") == codes.MESSAGE_KIND_APPREC
                            for cat in r.get("category") or [] for c in cat.get("coding") or [])]


def test_killing_the_process_while_writing_and_sending_a_note_creates_each_resource_once(
        make_sim: Callable[..., SimServer], tmp_path: Path) -> None:
    sim = make_sim(seed=31, initial_patients=2)
    sim.faults.apply({"transport_delay_seconds": 0, "receipt_delay_seconds": 0})
    encounter = sim.clinic.admit()
    args = [str(tmp_path / "data"), sim.base_url, sim.clinic_ref, encounter, str(HOLD_SECONDS)]
    sim.faults.latency_ms = LATENCY_MS
    rng = random.Random(20261202)
    kills = runs = 0
    while kills < KILLS and runs < KILLS * 3:
        runs += 1
        killed, _ = run_driver(args, kill_after=rng.uniform(0.05, 0.6))
        kills += killed
    assert kills >= KILLS // 2, f"only {kills} kills landed in {runs} runs"
    sim.faults.latency_ms = 0
    state = ""
    for _ in range(4):  # clean runs: finish whatever the kills left, then follow to the receipt
        sim.recipients.pump()
        _, out = run_driver(args, kill_after=None)
        state = out.strip().split()[-1]
    assert len(ours(sim, "DocumentReference")) == 1
    assert len(ours(sim, "Communication")) == 1
    (sent,) = ours(sim, "Communication")
    assert f"Communication/{sent['id']}" in sim.recipients.receipted  # the platform's recipient answered it
    assert state == "receipted"
