"""Benchmark of the sync path against the simulator over loopback, measured side by side in one run.

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
import queue
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
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


def _median_ms(samples: Sequence[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def full_snapshot(sim: SimServer, page_size: int, repeat: int) -> dict[str, Any]:
    spy = _Spy()
    ours: list[float] = []
    raw: list[float] = []
    with FhirClient(sim.base_url, transport=spy) as client, httpx.Client(headers={
            "Accept": "application/fhir+json"}) as plain:
        assembler = SnapshotAssembler(client, sim.clinic_ref, MTS, page_size=page_size)
        snap = assembler.fetch(tracked=(), now=datetime.now(UTC))  # warm-up; learns the List id
        assert snap.complete, snap.problems
        for _ in range(repeat):
            # A fresh assembler each time (no names cached), so it does every request a first sync does.
            assembler = SnapshotAssembler(client, sim.clinic_ref, MTS, page_size=page_size)
            assembler.list_ref = f"List/{sim.config.clinic_id}-queue"
            spy.urls.clear()
            gc.collect()
            start = time.perf_counter()
            snap = assembler.fetch(tracked=(), now=datetime.now(UTC))
            ours.append(time.perf_counter() - start)
            assert snap.complete and len(snap.encounters) == sim.config.initial_patients, snap.problems
            urls = list(spy.urls)
            gc.collect()
            start = time.perf_counter()
            for url in urls:
                body = plain.get(url).content
                assert body
            raw.append(time.perf_counter() - start)
    median, bound = _median_ms(ours), _median_ms(raw)
    return {"n": len(snap.encounters), "median_ms": median, "raw_ms": bound, "ratio": round(median / bound, 3),
            "requests": len(urls), "page_size": page_size}


class _Worker:
    """The sync worker's loop (as ``AppService`` runs it, without Qt)."""

    def __init__(self, runtime: Runtime, interval: float) -> None:
        self.runtime = runtime
        self.interval = interval
        self.wakes: queue.Queue[bool] = queue.Queue()
        self.cycles = 0
        self._thread = threading.Thread(target=self._run, name="bench-sync-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self.wakes.put(True)

    def stop(self) -> None:
        self.wakes.put(False)
        self._thread.join(30)

    def _run(self) -> None:
        while True:
            self.runtime.engine.cycle()
            self.cycles += 1
            try:
                more = self.wakes.get(timeout=self.interval)
            except queue.Empty:
                continue
            while more:
                try:
                    more = self.wakes.get_nowait()
                except queue.Empty:
                    break
            if not more:
                return


def _open(sim: SimServer, data: Path, poll_s: float) -> Runtime:
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(data), poll_seconds=poll_s,
                        full_snapshot_every=1_000_000)
    return Runtime.open(settings, tokens=NoCredentials())


def incremental(sim: SimServer, data: Path, repeat: int) -> float:
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
            samples.append(time.perf_counter() - start)
            assert outcome.complete and sync.last_kind is FetchKind.INCREMENTAL, outcome.problems
            assert not outcome.reconciled.changed
        return _median_ms(samples)
    finally:
        runtime.close()


def _alerted(runtime: Runtime, ref: str) -> bool:
    alerts = runtime.engine.state.alerts.values()
    return any(a.kind is AlertKind.DROPPED_FROM_QUEUE and a.encounter == ref for a in alerts)


def drop_to_alert(sim: SimServer, data: Path, *, push: bool, poll_s: float, samples: int,
                  rng: random.Random) -> list[float]:
    runtime = _open(sim, data, poll_s)
    worker: _Worker | None = None
    try:
        worker = _Worker(runtime, poll_s)
        if push:
            channel = runtime.start_push(worker.wake)
            _until(lambda: channel.up and worker.cycles >= 2, 30)
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
            victim = rng.choice(sorted(set(sim.clinic.list_items()) & runtime.engine.state.in_list))
            start = time.perf_counter()
            sim.clinic.drop_from_list(victim)
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
    started = time.perf_counter()
    sim = SimServer(SimConfig(seed=seed, speed=0, initial_patients=patients))
    seeded_s = time.perf_counter() - started
    sim.start()
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
    args = parser.parse_args(list(argv) if argv is not None else None)
    result = run(args.patients, args.page_size, args.repeat, args.poll_seconds, args.poll_samples,
                 args.push_samples, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"full snapshot of {result['n']} encounters ({result['requests']} requests, _count="
              f"{result['page_size']}): {result['median_ms']} ms, raw httpx {result['raw_ms']} ms, "
              f"ratio {result['ratio']} (target <= 1.5)")
        print(f"incremental cycle, nothing changed: {result['incremental_median_ms']} ms (target <= 30)")
        print(f"drop -> alert: push {result['push_alert_median_ms']} ms (target <= 1000), "
              f"polling every {result['poll_s']} s {result['poll_alert_median_ms']} ms "
              f"(mean {result['poll_alert_mean_ms']} ms)")
    return 0
