"""Benchmark of following the journal's deliveries: one ``JournalFollower.follow`` against the raw searches.

``n`` deliveries are in flight (default 500): a signed note and its Communication on the simulator for each,
and the matching Delivery rows in a Store. The simulator plays the recipients: about half the deliveries
have an application receipt waiting (most OK, some with errors, some rejected), the rest were only
transported; some of the unreceipted ones are past their deadline. So the step does real work: transport
acknowledgements, receipts parsed, state changes, alerts (NOTE_UNDELIVERED, NOTE_REJECTED,
NOTE_RECEIPT_ERRORS), the outcome commands and one transaction storing it all.

Side by side in one run, alternating which goes first, ``--repeats`` times:

- ours (``median_ms``, ``cpu_ms``): one ``JournalFollower.follow`` = the journal part of a sync cycle: the
  ledger read, the ``_id`` (transport) and ``part-of`` (receipt) searches with every page, the pure domain,
  the alerts and the write of what changed (direct, in this thread, so ``cpu_ms`` counts it). Between
  repeats the Delivery rows are put back as they were (untimed), in the same long-lived Store, as in the app.
- the lower bound (``raw_ms``, ``raw_cpu_ms``): the very same search URLs (same batches of
  ``journal_follow.BATCH`` references, same order) fetched with one plain ``httpx.Client``, bodies read
  as bytes, not parsed; ``next`` links found with a byte search and followed.

``ratio`` = median ours / median raw (target at most 1.5). Request counts come from a counting transport
under both clients (not from the follower's own count). The simulator runs in a process of its own, so its
CPU does not count against ours; ``cpu_ms`` is ``time.thread_time`` of the measuring thread.

    python -m legevakt.bench journal --json     # one JSON object
    python -m legevakt.bench journal            # the same, readable
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from legevakt.bench.sync import RemoteSim
from legevakt.journal import fhir as jfhir
from legevakt.journal.model import Delivery, DeliveryState, Note, new_note, sign
from legevakt.store.db import Store, open_store
from legevakt.sync.fhir import FhirClient
from legevakt.sync.journal_follow import BATCH, OPEN_STATES, JournalFollower, JournalStep
from legevakt.worklist.snapshot import WorklistState

TARGET = 1.5
_NEXT = re.compile(rb'"relation"\s*:\s*"next"\s*,\s*"url"\s*:\s*"([^"]+)"')
_GROUPS = (  # (share, simulator receipt mode or None: no receipt, store state, past the deadline)
    (0.40, "ok", None, False),
    (0.05, "errors", None, False),
    (0.05, "reject", None, False),
    (0.25, None, DeliveryState.SENT, False),  # transported on the platform, we have not heard yet
    (0.15, None, DeliveryState.TRANSPORTED, False),
    (0.10, None, DeliveryState.TRANSPORTED, True),  # goes overdue in this step
)


def _kind(url: httpx.URL) -> str:
    params = url.params
    if "part-of" in params:
        return "receipt"
    if "_id" in params:
        return "transport"
    if "identifier" in params:
        return "identifier"
    return "other"


class _Counting(httpx.BaseTransport):
    """Counts the GETs by kind (receipt / transport / identifier search) and passes them on."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.counts: Counter[str] = Counter()
        self.urls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            self.counts[_kind(request.url)] += 1
            self.urls.append(str(request.url))
        return self.inner.handle_request(request)

    def reset(self) -> None:
        self.counts.clear()
        self.urls.clear()

    def close(self) -> None:
        self.inner.close()


@dataclass
class Case:
    n: int
    now: datetime
    prepared: list[Delivery]  # the Delivery rows as set up (put back before every repeat)
    receipts: int  # receipts the simulator made
    first_urls: list[tuple[str, dict[str, str]]]  # the raw path's first pages (path, params), in order


def _wait_receipts(sim: RemoteSim, expected: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        total = sim.http.get("Communication", params={"status": "completed", "_summary": "count"}).json()["total"]
        if total >= expected:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the simulator made {total} of {expected} receipts")
        time.sleep(0.05)


def _create(sim: RemoteSim, body: dict[str, Any]) -> str:
    resp = sim.http.post(body["resourceType"], json=body, headers={"Content-Type": "application/fhir+json"})
    resp.raise_for_status()
    return f"{body['resourceType']}/{resp.json()['id']}"


def setup(sim: RemoteSim, store: Store, n: int, seed: int) -> Case:
    """Notes, Communications and receipts on the simulator; notes and deliveries in ``store`` (untimed)."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    sim.http.post("_sim/faults", json={"transport_delay_seconds": 0, "receipt_delay_seconds": 0,
                                       "receipt_error_code": "E35"}).raise_for_status()
    plan: list[tuple[str | None, DeliveryState | None, bool]] = []
    for share, mode, state, late in _GROUPS:
        plan += [(mode, state, late)] * round(share * n)
    plan = (plan + [(None, DeliveryState.SENT, False)] * n)[:n]
    order = list(range(n))
    rng.shuffle(order)  # created_at order: every batch of the follower mixes the groups
    notes: list[Note] = []
    deliveries: list[Delivery | None] = [None] * n
    receipts = 0
    for mode in ("ok", "errors", "reject", None):
        if mode is not None:
            sim.http.post("_sim/faults", json={"receipt_mode": mode}).raise_for_status()
        for i, (want, state, late) in enumerate(plan):
            if want != mode:
                continue
            sent_at = now - timedelta(minutes=45 if late else rng.uniform(2, 20))
            enc, patient, gp = f"Encounter/bench-{i}", f"Patient/bench-{i}", f"Practitioner/gp-{i % 12:02d}"
            note = sign(new_note(str(uuid.uuid4()), enc, patient, "Practitioner/bench-doctor",
                                 "Pasienten ble undersøkt og sendt hjem.", sent_at), "Practitioner/bench-doctor",
                        sent_at)
            note = replace(note, ref=_create(sim, jfhir.document_reference(note)))
            notes.append(note)
            d = Delivery(identifier=str(uuid.uuid4()), note=note.ref or "", patient=patient, recipient=gp,
                         state=DeliveryState.SENT, sent_at=sent_at, deadline=sent_at + timedelta(minutes=30),
                         encounter=enc, sender=note.author, created_at=now - timedelta(seconds=order[i]))
            body = jfhir.communication(d, enc, note.author, sent_at)
            if mode is None:  # transported already, so the simulator never receipts it
                body["received"] = (sent_at + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
            d = replace(d, communication=_create(sim, body))
            if state is DeliveryState.TRANSPORTED or (mode is not None and rng.random() < 0.5):
                d = replace(d, state=DeliveryState.TRANSPORTED, transported_at=sent_at + timedelta(seconds=1))
            deliveries[i] = d
        if mode is not None:
            receipts += sum(1 for want, _, _ in plan if want == mode)
            _wait_receipts(sim, receipts)
    sim.http.post("_sim/faults", json={"receipt_mode": "none"}).raise_for_status()
    prepared = [d for d in deliveries if d is not None]
    store.save_journal(notes=notes, deliveries=prepared)

    # the lower bound's requests: the same batches, in the order the follower takes them (the ledger's)
    open_ = store.deliveries(states=OPEN_STATES)
    transport = [d.communication for d in open_ if d.communication and d.transported_at is None]
    waiting = [d.communication for d in open_ if d.communication]
    first: list[tuple[str, dict[str, str]]] = []
    for i in range(0, len(transport), BATCH):
        chunk = transport[i:i + BATCH]
        first.append(("Communication", {"_id": ",".join(c.split("/", 1)[1] for c in chunk),
                                        "_count": str(len(chunk))}))
    for i in range(0, len(waiting), BATCH):
        first.append(("Communication", {"part-of": ",".join(waiting[i:i + BATCH])}))
    return Case(n, now, prepared, receipts, first)


def _raw(plain: httpx.Client, case: Case) -> int:
    """The lower bound: every page of the same searches, bytes only. Returns the bytes read."""
    size = 0
    for path, params in case.first_urls:
        body = plain.get(path, params=params).content
        size += len(body)
        while (m := _NEXT.search(body)) is not None:
            body = plain.get(m.group(1).decode()).content
            size += len(body)
    return size


def _median_ms(samples: Sequence[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def _alerts(step: JournalStep) -> dict[str, int]:
    kinds: Counter[str] = Counter()
    for change in step.result.alerts if step.result is not None else ():
        kinds[change.kind.value] += 1
    return dict(sorted(kinds.items()))


def measure(sim: RemoteSim, store: Store, case: Case, repeats: int) -> dict[str, Any]:
    ours_t = _Counting()
    raw_t = _Counting()
    ours: list[float] = []
    raw: list[float] = []
    ours_cpu: list[float] = []
    raw_cpu: list[float] = []
    steps: list[tuple[int, int, int, int]] = []
    ours_counts: Counter[str] = Counter()
    raw_counts: Counter[str] = Counter()
    ours_urls: list[str] = []
    raw_urls: list[str] = []
    step: JournalStep | None = None
    with FhirClient(sim.base_url, transport=ours_t) as client, httpx.Client(
            base_url=sim.base_url + "/", headers={"Accept": "application/fhir+json"}, transport=raw_t) as plain:
        follower = JournalFollower(client, store)

        def run_ours() -> JournalStep:
            store.save_journal(deliveries=case.prepared)  # as set up: the step has the same work every time
            ours_t.reset()
            gc.collect()
            start, cpu = time.perf_counter(), time.thread_time()
            result = follower.follow(WorklistState(), case.now)
            ours.append(time.perf_counter() - start)
            ours_cpu.append(time.thread_time() - cpu)
            return result

        def run_raw() -> None:
            raw_t.reset()
            gc.collect()
            start, cpu = time.perf_counter(), time.thread_time()
            assert _raw(plain, case) > 0
            raw.append(time.perf_counter() - start)
            raw_cpu.append(time.thread_time() - cpu)

        run_ours()  # warm-up: connections, statement caches
        run_raw()
        for samples in (ours, raw, ours_cpu, raw_cpu):
            samples.clear()
        for i in range(repeats):
            if i % 2:
                run_raw()
                step = run_ours()
            else:
                step = run_ours()
                run_raw()
            assert not step.problems, step.problems
            steps.append((len(step.changed), step.commands, step.checked, step.requests))
            ours_counts, raw_counts = Counter(ours_t.counts), Counter(raw_t.counts)
            ours_urls, raw_urls = list(ours_t.urls), list(raw_t.urls)
    assert step is not None
    assert len(set(steps)) == 1, f"the repeats did different work: {steps}"
    median, bound = _median_ms(ours), _median_ms(raw)
    ratio = round(median / bound, 3)
    return {
        "n": case.n, "repeats": repeats, "median_ms": median, "raw_ms": bound, "ratio": ratio, "target": TARGET,
        "meets_target": ratio <= TARGET, "cpu_ms": _median_ms(ours_cpu), "raw_cpu_ms": _median_ms(raw_cpu),
        "requests": dict(sorted(ours_counts.items())), "raw_requests": dict(sorted(raw_counts.items())),
        "follower_requests": step.requests, "same_urls": ours_urls == raw_urls, "batch": BATCH,
        "receipts_waiting": case.receipts,
        "changed": len(step.changed), "commands": step.commands, "checked": step.checked, "alerts": _alerts(step),
    }


def run(n: int, repeats: int, seed: int) -> dict[str, Any]:
    sim = RemoteSim(0, seed)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(Path(tmp) / "data")
            try:
                started = time.perf_counter()
                case = setup(sim, store, n, seed)
                setup_s = time.perf_counter() - started
                result = measure(sim, store, case, repeats)
            finally:
                store.close()
    finally:
        sim.stop()
    result["setup_s"] = round(setup_s, 1)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m legevakt.bench journal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--n", type=int, default=500, help="deliveries in flight")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.n < 1 or args.repeats < 1:
        parser.error("--n and --repeats must be at least 1")
    result = run(args.n, args.repeats, args.seed)
    if args.json:
        print(json.dumps(result))
        return 0
    req, raw_req = result["requests"], result["raw_requests"]
    print(f"journal follow of {result['n']} deliveries in flight ({result['receipts_waiting']} receipts waiting, "
          f"{result['changed']} changed, {result['commands']} outcome commands, alerts {result['alerts']})")
    print(f"  ours: {result['median_ms']} ms (CPU {result['cpu_ms']} ms), requests {req}")
    print(f"  raw httpx, same URLs: {result['raw_ms']} ms (CPU {result['raw_cpu_ms']} ms), requests {raw_req}")
    print(f"  ratio {result['ratio']} (target <= {TARGET}: {'met' if result['meets_target'] else 'MISSED'}), "
          f"median of {result['repeats']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
