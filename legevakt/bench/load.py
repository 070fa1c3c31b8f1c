"""``python -m legevakt.bench load [--json] [--quick]``: the load one workstation puts on the platform.

Idle cost, against the same simulator in the same run (frozen clinic clock, 60 patients):

- ``poll``: the engine (``IncrementalSync`` + reconcile) polling every 5 s;
- ``push``: the same engine with push up: a safety-net cycle every 60 s (``push_poll_seconds``); the
  websocket's own heartbeats are not counted;
- ``refetch_20s`` / ``refetch_60s``: a client that fetches the whole queue (the List and every active
  Encounter with its Patient, 100 per page) every 20 s (OpenEMR's flow board) / 60 s (OpenMRS 3).

METHOD (say it when quoting the figures): each client's idle cycle is measured as it runs (requests and
bytes on the wire: bodies plus response headers), over ``--cycles`` back-to-back idle cycles, then scaled to
an hour by the cycles it runs per hour; the engine's periodic full snapshot (every ``full_snapshot_minutes``,
10) is measured too and added 6 times per hour. No real hour passes.

Drop-to-alert latency (``latency``): an encounter is dropped from the List on the simulator, then one
engine cycle runs at once (what a push notification triggers) and the time until the DROPPED alert is in
the reconciled state is taken; the websocket delivery itself (a local notification, about a millisecond
on loopback) is NOT included. p50 / p99 over >= 30 drops at 60, 2 000 and 10 000 patients (``--quick``:
60 and 500 patients, 10 drops each).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from typing import Any

import httpx

from legevakt.sim import SimConfig, SimServer
from legevakt.sync.alert_tasks import AlertTasks
from legevakt.sync.assemble import ACTIVE_STATUS_PARAM, SnapshotAssembler
from legevakt.sync.engine import SyncEngine
from legevakt.sync.fhir import FhirClient
from legevakt.sync.incremental import FetchKind, IncrementalSync
from legevakt.worklist.commands import Command
from legevakt.worklist.models import AlertKind
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled
from legevakt.worklist.snapshot import WorklistState
from legevakt.worklist.triage import MTS

#: The seeded clinic was written just now: wait until it is older than the change feed's overlap window
#: (5 s) plus the HTTP Date's second, as in a clinic that has been running, so idle means idle.
_SETTLE = 6.5


class _Meter(httpx.BaseTransport):
    """Counts requests and the bytes received (body + response headers)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.requests = 0
        self.bytes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        resp = self.inner.handle_request(request)
        resp.read()
        self.requests += 1
        self.bytes += len(resp.content) + sum(len(k) + len(v) + 4 for k, v in resp.headers.raw) + 17
        return resp

    def close(self) -> None:
        self.inner.close()

    def take(self) -> tuple[int, int]:
        out = (self.requests, self.bytes)
        self.requests = self.bytes = 0
        return out


def _engine(sim: SimServer, meter: _Meter) -> tuple[SyncEngine, IncrementalSync, FhirClient]:
    client = FhirClient(sim.base_url, transport=meter)
    sync = IncrementalSync(SnapshotAssembler(client, sim.clinic_ref, MTS), interval=None, full_after=None)

    def persist(result: Reconciled, actor: str) -> None:
        return None

    def persist_with(result: Reconciled, commands: Sequence[Command], actor: str) -> None:
        return None

    # the window's engine follows the shared alerts (Task) every cycle too: measured with it
    return (SyncEngine(sync, persist, WorklistState(), ReconcileConfig(),
                       tasks=AlertTasks(client, sim.clinic_ref), persist_with=persist_with), sync, client)


def _idle(sim: SimServer, cycles: int) -> dict[str, Any]:
    meter = _Meter()
    engine, sync, client = _engine(sim, meter)
    try:
        engine.cycle()
        engine.cycle()
        meter.take()
        for _ in range(cycles):
            out = engine.cycle()
            assert out.complete and sync.last_kind is FetchKind.INCREMENTAL, out.problems
        req, byt = meter.take()
        sync.request_full("bench: the periodic full snapshot")
        engine.cycle()
        full_req, full_bytes = meter.take()
    finally:
        client.close()
    per_cycle = (req / cycles, byt / cycles)

    def hourly(interval_s: float) -> dict[str, int]:
        n = 3600 / interval_s
        fulls = 6  # every full_snapshot_minutes (10)
        return {"requests_per_h": round(per_cycle[0] * (n - fulls) + full_req * fulls),
                "bytes_per_h": round(per_cycle[1] * (n - fulls) + full_bytes * fulls)}

    return {"poll": hourly(5.0), "push": hourly(60.0),
            "idle_cycle": {"requests": per_cycle[0], "bytes": round(per_cycle[1])},
            "full_snapshot": {"requests": full_req, "bytes": full_bytes}}


def _refetch(sim: SimServer, cycles: int) -> dict[str, Any]:
    """The whole queue each time: the List and every active Encounter at the clinic with its Patient."""
    meter = _Meter()
    with httpx.Client(base_url=sim.base_url + "/", transport=meter, headers={"Accept": "application/fhir+json"}) as c:
        for _ in range(cycles):
            c.get(sim.clinic.list_ref).raise_for_status()
            url: str | None = "Encounter"
            params: dict[str, str] | None = {"location": sim.clinic_ref, "status": ACTIVE_STATUS_PARAM,
                                             "_include": "Encounter:subject", "_count": "100"}
            while url:
                body = c.get(url, params=params).json()
                params = None
                url = next((link["url"] for link in body.get("link", []) if link["relation"] == "next"), None)
    req, byt = meter.take()

    def hourly(interval_s: float) -> dict[str, int]:
        n = 3600 / interval_s
        return {"requests_per_h": round(req / cycles * n), "bytes_per_h": round(byt / cycles * n)}

    return {"refetch_20s": hourly(20.0), "refetch_60s": hourly(60.0)}


def _latency(patients: int, drops: int) -> dict[str, Any]:
    with SimServer(SimConfig(seed=5, speed=0, initial_patients=patients), port=0) as sim:
        time.sleep(_SETTLE)
        meter = _Meter()
        engine, _sync, client = _engine(sim, meter)
        try:
            engine.cycle()
            engine.cycle()
            samples: list[float] = []
            listed = sim.clinic.list_items()
            for ref in listed[:drops]:
                sim.clinic.drop_from_list(ref)
                start = time.perf_counter()
                while True:
                    engine.cycle()
                    if any(a.kind is AlertKind.DROPPED_FROM_QUEUE and a.encounter == ref
                           for a in engine.state.alerts.values()):
                        break
                    if time.perf_counter() - start > 60:
                        raise RuntimeError("no DROPPED alert within 60 s")
                samples.append((time.perf_counter() - start) * 1000)
        finally:
            client.close()
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return {"patients": patients, "p50_ms": round(statistics.median(samples), 1), "p99_ms": round(p99, 1),
            "samples": len(samples)}


def run(*, quick: bool = False, cycles: int = 30) -> dict[str, Any]:
    patients = 60
    with SimServer(SimConfig(seed=3, speed=0, initial_patients=patients), port=0) as sim:
        time.sleep(_SETTLE)
        idle = _idle(sim, cycles)
        ref = _refetch(sim, max(3, cycles // 3))
    sizes, drops = ((60, 500), 10) if quick else ((60, 2000, 10000), 30)
    result: dict[str, Any] = {"patients": patients, "push": idle["push"], "poll": idle["poll"], **ref}
    result["bytes_ratio_poll_vs_20s"] = round(idle["poll"]["bytes_per_h"] / ref["refetch_20s"]["bytes_per_h"], 4)
    result["latency"] = [_latency(n, drops) for n in sizes]
    result["method"] = {"idle": f"{cycles} idle cycles measured, scaled per hour (+6 full snapshots/h)",
                        "latency": "drop on the simulator, then engine cycles at once until the alert; "
                                   "websocket delivery not included",
                        "idle_cycle": idle["idle_cycle"], "full_snapshot": idle["full_snapshot"]}
    return result


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m legevakt.bench load", description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quick", action="store_true", help="small sizes (a CI shape check)")
    p.add_argument("--cycles", type=int, default=30, help="idle cycles measured")
    args = p.parse_args(argv)
    result = run(quick=args.quick, cycles=max(3, args.cycles))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0

