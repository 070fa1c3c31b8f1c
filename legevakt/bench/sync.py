"""Benchmark of the sync path against the simulator over loopback, measured side by side in one run.

The simulator runs in a process of its own (``--serve-sim``), so the client's cost is not hidden behind a
GIL shared with the server; ``cpu_ms`` is the client's CPU time per full snapshot (``time.thread_time`` of
the fetching thread), ``raw_cpu_ms`` the same for the raw fetch.

- ``median_ms`` / ``raw_ms`` / ``ratio``: a full snapshot of ``n`` active encounters with their patients
  (``SnapshotAssembler.fetch``: the List, every search page, names, mapping, de-duplication, indexes)
  against the lower bound of the same work: the very same URLs fetched with plain httpx, bodies not parsed.
- ``incremental_median_ms``: one engine cycle (``IncrementalSync`` + reconcile + store) when nothing changed.
- ``push_alert_median_ms`` / ``poll_alert_median_ms``: from a patient dropped from the platform's List to the
  DROPPED alert in the worklist state, with websocket push, and with polling only (every ``poll_s``).

    python -m legevakt.bench sync --json        # one JSON object
    python -m legevakt.bench sync               # the same, readable
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.app.worker import SyncWorker
from legevakt.sim import SimConfig, SimServer
from legevakt.sync.assemble import SnapshotAssembler
from legevakt.sync.auth import NoCredentials
from legevakt.sync.fhir import FhirClient
from legevakt.sync.incremental import FetchKind
from legevakt.worklist.models import AlertKind
from legevakt.worklist.triage import MTS


class _Spy(httpx.BaseTransport):
    """Records the URLs of every GET (to replay them raw) and passes the request on."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.urls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            self.urls.append(str(request.url))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class RemoteSim:
    """The simulator in a child process: its base URL, clinic and List, and its ``_sim`` control routes."""

    def __init__(self, patients: int, seed: int) -> None:
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "legevakt.bench.sync", "--serve-sim", "--patients", str(patients),
             "--seed", str(seed)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if len(line) != 3:
            self.proc.kill()
            raise RuntimeError("the simulator process did not start")
        self.base_url, self.clinic_ref, self.list_ref = line
        self.patients = patients
        self.seeded_s = time.perf_counter() - started
        self.http = httpx.Client(base_url=self.base_url + "/", timeout=30)

    def list_items(self) -> list[str]:
        items: list[str] = self.http.get("_sim/state").json()["list_items"]
        return items

    def drop_from_list(self, ref: str) -> None:
        self.http.post("_sim/faults/drop-from-list", json={"encounter": ref}).raise_for_status()

    def stop(self) -> None:
        self.http.close()
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # the child stops when its stdin closes
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def serve_sim(patients: int, seed: int) -> int:
    """The child: run the simulator until stdin closes; first print ``base_url clinic_ref list_ref``."""
    sim = SimServer(SimConfig(seed=seed, speed=0, initial_patients=patients))
    sim.start()
    try:
        print(sim.base_url, sim.clinic_ref, f"List/{sim.config.clinic_id}-queue", flush=True)
        sys.stdin.read()
    finally:
        sim.stop()
    return 0



def _median_ms(samples: Sequence[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def full_snapshot(sim: RemoteSim, page_size: int, repeat: int) -> dict[str, Any]:
    spy = _Spy()
    ours: list[float] = []
    raw: list[float] = []
    ours_cpu: list[float] = []
    raw_cpu: list[float] = []
    with FhirClient(sim.base_url, transport=spy) as client, httpx.Client(headers={
            "Accept": "application/fhir+json"}) as plain:
        assembler = SnapshotAssembler(client, sim.clinic_ref, MTS, page_size=page_size)
        snap = assembler.fetch(tracked=(), now=datetime.now(UTC))  # warm-up; learns the List id
        assert snap.complete, snap.problems
        for _ in range(repeat):
            # A fresh assembler each time (no names cached), so it does every request a first sync does.
            assembler = SnapshotAssembler(client, sim.clinic_ref, MTS, page_size=page_size)
            assembler.list_ref = sim.list_ref
            spy.urls.clear()
            gc.collect()
            start, cpu = time.perf_counter(), time.thread_time()
            snap = assembler.fetch(tracked=(), now=datetime.now(UTC))
            ours.append(time.perf_counter() - start)
            ours_cpu.append(time.thread_time() - cpu)
            assert snap.complete and len(snap.encounters) == sim.patients, snap.problems
            urls = list(spy.urls)
            gc.collect()
            start, cpu = time.perf_counter(), time.thread_time()
            for url in urls:
                body = plain.get(url).content
                assert body
            raw.append(time.perf_counter() - start)
            raw_cpu.append(time.thread_time() - cpu)
    median, bound = _median_ms(ours), _median_ms(raw)
    return {"n": len(snap.encounters), "median_ms": median, "raw_ms": bound, "ratio": round(median / bound, 3),
            "requests": len(urls), "page_size": page_size, "cpu_ms": _median_ms(ours_cpu),
            "raw_cpu_ms": _median_ms(raw_cpu)}


def _open(sim: RemoteSim, data: Path, poll_s: float) -> Runtime:
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(data), poll_seconds=poll_s,
                        full_snapshot_every=1_000_000)
    return Runtime.open(settings, tokens=NoCredentials())


def incremental(sim: RemoteSim, data: Path, repeat: int) -> float:
    runtime = _open(sim, data, 3600.0)
    try:
        first = runtime.engine.cycle()
        assert first.complete, first.problems
        sync = runtime.sync
        assert sync is not None
        samples = []
        for _ in range(repeat):
            gc.collect()
            start = time.perf_counter()
            outcome = runtime.engine.cycle()
            samples.append(time.perf_counter() - start)  # includes the DbWriter's thread
            assert outcome.complete and sync.last_kind is FetchKind.INCREMENTAL, outcome.problems
            assert not outcome.reconciled.changed
        return _median_ms(samples)
    finally:
        runtime.close()


def _alerted(runtime: Runtime, ref: str) -> bool:
    alerts = runtime.engine.state.alerts.values()
    return any(a.kind is AlertKind.DROPPED_FROM_QUEUE and a.encounter == ref for a in alerts)


def drop_to_alert(sim: RemoteSim, data: Path, *, push: bool, poll_s: float, samples: int,
                  rng: random.Random) -> list[float]:
    runtime = _open(sim, data, poll_s)
    worker: SyncWorker | None = None
    try:
        # The app's one worker, summaries and all (on_changed builds them, as for the window).
        worker = SyncWorker(runtime, interval=poll_s, push=push, on_changed=lambda summary: None)
        worker.start()
        if push:
            _until(lambda: runtime.push is not None and runtime.push.up and worker.cycles >= 2, 30)
        else:
            _until(lambda: worker.cycles >= 1, 60)
        times = []
        for i in range(samples):
            if push:
                time.sleep(0.05)
            else:
                # A drop comes at any moment between two polls: spread the samples evenly over the interval.
                cycles = worker.cycles
                _until(lambda: worker.cycles > cycles, poll_s * 3)  # noqa: B023
                time.sleep((i + 0.5) / samples * poll_s)
            victim = rng.choice(sorted(set(sim.list_items()) & runtime.engine.state.in_list))
            start = time.perf_counter()
            sim.drop_from_list(victim)
            _until(lambda: _alerted(runtime, victim), poll_s * 3 + 5, sleep=0.0005)  # noqa: B023
            times.append(time.perf_counter() - start)
        return times
    finally:
        if worker is not None:
            worker.stop()
        runtime.close()


def _until(predicate: Callable[[], bool], timeout: float, sleep: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmark waited too long")
        time.sleep(sleep)


def run(patients: int, page_size: int, repeat: int, poll_s: float, poll_samples: int, push_samples: int,
        seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    sim = RemoteSim(patients, seed)
    seeded_s = sim.seeded_s
    try:
        result = full_snapshot(sim, page_size, repeat)
        with tempfile.TemporaryDirectory() as tmp:
            result["incremental_median_ms"] = incremental(sim, Path(tmp) / "inc", repeat * 3)
            pushed = drop_to_alert(sim, Path(tmp) / "push", push=True, poll_s=poll_s, samples=push_samples,
                                   rng=rng)
            polled = drop_to_alert(sim, Path(tmp) / "poll", push=False, poll_s=poll_s, samples=poll_samples,
                                   rng=rng)
            result["push_alert_median_ms"] = _median_ms(pushed)
            result["poll_alert_median_ms"] = _median_ms(polled)
            result["poll_alert_mean_ms"] = round(statistics.fmean(polled) * 1000, 2)
    finally:
        sim.stop()
    result.update({"poll_s": poll_s, "targets": {"ratio": 1.5, "incremental_median_ms": 30,
                                                 "push_alert_median_ms": 1000},
                   "sim_seed_s": round(seeded_s, 1)})
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m legevakt.bench sync", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--page-size", type=int, default=100, help="_count, the same for both paths")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--poll-seconds", type=float, default=5.0)
    parser.add_argument("--poll-samples", type=int, default=6)
    parser.add_argument("--push-samples", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve-sim", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.serve_sim:
        return serve_sim(args.patients, args.seed)
    result = run(args.patients, args.page_size, args.repeat, args.poll_seconds, args.poll_samples,
                 args.push_samples, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"full snapshot of {result['n']} encounters ({result['requests']} requests, _count="
              f"{result['page_size']}): {result['median_ms']} ms, raw httpx {result['raw_ms']} ms, "
              f"ratio {result['ratio']} (target <= 1.5); client CPU {result['cpu_ms']} ms per snapshot "
              f"(raw {result['raw_cpu_ms']} ms)")
        print(f"incremental cycle, nothing changed: {result['incremental_median_ms']} ms (target <= 30)")
        print(f"drop -> alert: push {result['push_alert_median_ms']} ms (target <= 1000), "
              f"polling every {result['poll_s']} s {result['poll_alert_median_ms']} ms "
              f"(mean {result['poll_alert_mean_ms']} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
