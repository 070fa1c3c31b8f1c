"""Benchmark of ``reconcile``: one step with 1 % churn, against the honest lower bound.

The lower bound is measured in the same run over the same ids and builds the same kind of result: a
``Reconciled`` with a new ``WorklistState`` (entries, seen versions, List, live set) and the changed
entries, found from the bare set/dict differences (``prev_list - new_list`` and the encounters whose version
differs from the one seen last time, done with C-level ``compress``/``map`` over ``dict.get``). It skips
every rule (alerts, events, deadlines, identities), so no reconciliation can do less than this.

Each snapshot is built from fresh ``str`` objects, as a sync that parses JSON every cycle produces.
``Snapshot.of`` is timed on its own beside it (``snapshot_of_ms``; it belongs to fetching and mapping,
and every cycle pays it), with ``with_snapshot_ms`` and ``with_snapshot_ratio`` for the sum against
bound + snapshot. The clock stops when ``reconcile`` returns; the returned state is released afterwards
(freeing the previous state happens in the app when it is replaced: about 0.15 ms at 10 000 entries and
5 ms at 100 000 on the 2-core dev machine).

    python -m legevakt.bench reconcile            # a readable table
    python -m legevakt.bench reconcile --json     # [{"n", "median_ms", "bound_ms", "ratio", "snapshot_of_ms",
                                                  #   "with_snapshot_ms", "with_snapshot_ratio"}, ...]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from itertools import compress
from operator import ne

from legevakt.codes import FNR_SYSTEM
from legevakt.nin import control_digits
from legevakt.worklist.models import DepartureReason, Encounter, EncounterStatus, Entry, Fate, Patient
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled, reconcile
from legevakt.worklist.snapshot import Snapshot, WorklistState

SIZES = (1_000, 10_000, 100_000)
CHURN = 0.01
T0 = datetime(2025, 3, 3, 18, 0, tzinfo=UTC)
STEP = timedelta(seconds=5)


def _fnr(rng: random.Random) -> str:
    """A valid-looking fødselsnummer (both control digits right), born 1940-1999."""
    while True:
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(60 * 365))
        first9 = f"{born:%d%m%y}{rng.randrange(500):03d}"
        control = control_digits(first9)
        if control is not None:
            return first9 + control


_TRIAGE = ("red", "orange", "yellow", "yellow", "green", "green", "green", "blue", None)


def _encounter(rng: random.Random, i: int, now: datetime) -> tuple[Encounter, Patient]:
    pid = f"Patient/p{i}"
    patient = Patient(ref=pid, version="1", name=f"Pasient, Nr {i}", birth_date=date(1970, 1, 1),
                      gender=rng.choice(("male", "female")), identifier_system=FNR_SYSTEM, identifier=_fnr(rng))
    triage = rng.choice(_TRIAGE)
    status = EncounterStatus.ARRIVED if triage is None else rng.choice(
        (EncounterStatus.TRIAGED, EncounterStatus.TRIAGED, EncounterStatus.IN_PROGRESS))
    arrived = now - timedelta(minutes=rng.uniform(0, 300))  # spread: some past their triage target
    doctor = "Practitioner/d1" if status is EncounterStatus.IN_PROGRESS else None
    enc = Encounter(ref=f"Encounter/e{i}", version="1", patient_ref=pid, status=status, arrived_at=arrived,
                    triage=triage, complaint="Brystsmerter", room="Location/r1", room_name="Rom 1",
                    nurse="Practitioner/n1", nurse_name="Sykepleier, Siri", doctor=doctor,
                    doctor_name="Lege, Lars" if doctor else None, last_updated=arrived)
    return enc, patient


def _new(text: str) -> str:
    """An equal string that is a new object (as parsing the JSON again gives)."""
    return text.encode().decode()


def _reparsed_encounter(enc: Encounter) -> Encounter:
    return replace(enc, ref=_new(enc.ref), version=_new(enc.version),
                   patient_ref=_new(enc.patient_ref) if enc.patient_ref else None)


def _reparsed_patient(pat: Patient) -> Patient:
    return replace(pat, ref=_new(pat.ref), version=_new(pat.version), name=_new(pat.name),
                   identifier=_new(pat.identifier) if pat.identifier else None)


@dataclass(frozen=True, slots=True)
class Case:
    n: int
    state: WorklistState
    snapshot: Snapshot
    now: datetime


def build_case(n: int, seed: int = 1) -> Case:
    """A warm state of ``n`` queued entries and the next snapshot, with ``CHURN`` of them changed."""
    rng = random.Random(seed)
    encs: dict[str, Encounter] = {}
    pats: dict[str, Patient] = {}
    for i in range(n):
        enc, pat = _encounter(rng, i, T0)
        encs[enc.ref], pats[pat.ref] = enc, pat
    first = Snapshot.of(T0, list_items=encs.keys(), encounters=encs.values(), patients=pats.values())
    state = reconcile(WorklistState(), first, T0).state
    state = reconcile(state, first, T0 + STEP).state  # settled: the second cycle changes nothing

    now = T0 + 2 * STEP
    changes = max(3, int(n * CHURN))
    refs = rng.sample(sorted(encs), changes)
    list_items = set(encs)
    reads: list[Encounter] = []
    for k, ref in enumerate(refs):
        enc = encs[ref]
        kind = k % 4
        if kind == 0:  # departs: finished with a disposition, removed from the List (read to confirm)
            done = replace(enc, version="2", status=EncounterStatus.FINISHED, last_updated=now,
                           disposition=rng.choice(list(DepartureReason)[:6]))
            del encs[ref]
            list_items.discard(ref)
            reads.append(done)
        elif kind == 1:  # triaged or taken over by a doctor
            encs[ref] = replace(enc, version="2", status=EncounterStatus.IN_PROGRESS, doctor="Practitioner/d2",
                                doctor_name="Lege, Lise", last_updated=now)
        elif kind == 2:  # a new arrival, added to the List
            new, pat = _encounter(rng, n + k, now)
            encs[new.ref], pats[pat.ref] = new, pat
            list_items.add(new.ref)
        elif k % 8 == 3:  # the real failure: removed from the List, still active (read to confirm)
            list_items.discard(ref)
        else:  # moved to another room
            encs[ref] = replace(enc, version="2", room="Location/r2", room_name="Rom 2", last_updated=now)
    snapshot = Snapshot.of(now, list_items=[_new(ref) for ref in list_items],
                           encounters=[_reparsed_encounter(e) for e in (*encs.values(), *reads)],
                           patients=[_reparsed_patient(p) for p in pats.values()])
    return Case(n, state, snapshot, now)


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up
    times: list[float] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            t = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t)
            del result  # released after the clock stops
    finally:
        if gc_was_enabled:
            gc.enable()
    return statistics.median(times) * 1000.0


def _bound_result(state: WorklistState, snapshot: Snapshot, now: datetime) -> Reconciled:
    """The least work that builds the same kind of result reconcile returns: a new ``WorklistState`` (its
    entries, seen versions, List and live set) and the changed entries, from only the set/dict differences.

    No alert, event, deadline or identity rules; each changed entry is one ``dataclasses.replace`` (or one
    new ``Entry``), departures are marked by the List difference alone. Any reconciliation does at least this.
    """
    prev_ids, new_ids, seen, versions = state.in_list, snapshot.list_items, state.seen, snapshot.versions
    encounters, patients, old = snapshot.encounters, snapshot.patients, state.entries
    changed: dict[str, Entry] = {}
    for ref in compress(versions, map(ne, versions.values(), map(seen.get, versions))):
        enc = encounters[ref]
        entry = old.get(ref)
        pat = patients.get(enc.patient_ref) if enc.patient_ref else None
        changed[ref] = (replace(entry, encounter=enc, patient=pat, in_list=ref in new_ids) if entry is not None
                        else Entry(encounter=enc, patient=pat, fate=Fate.PRESENT, in_list=ref in new_ids,
                                   ever_in_list=ref in new_ids, first_seen=now, arrived_at=enc.arrived_at or now))
    left = prev_ids - new_ids
    for ref in left:
        entry = changed.get(ref) or old.get(ref)
        if entry is not None:
            changed[ref] = replace(entry, in_list=False, fate=Fate.DEPARTED, left_at=now)
    entries = dict(old)
    entries.update(changed)
    live = (state.live - left) | (changed.keys() - left)
    new_state = replace(state, entries=entries, seen=dict(versions), in_list=new_ids, live=live,
                        last_complete_at=now)
    return Reconciled(new_state, changed, (), ())


def measure(case: Case, repeats: int) -> dict[str, float | int]:
    state, snapshot, now, config = case.state, case.snapshot, case.now, ReconcileConfig()

    def run() -> object:
        return reconcile(state, snapshot, now, config)

    def bound() -> object:
        return _bound_result(state, snapshot, now)

    items, encs, pats = list(snapshot.list_items), list(snapshot.encounters.values()), list(snapshot.patients.values())

    def build_snapshot() -> object:
        return Snapshot.of(now, list_items=items, encounters=encs, patients=pats)

    median = _median_ms(run, repeats)
    floor = _median_ms(bound, repeats)
    snap = _median_ms(build_snapshot, repeats)
    return {"n": case.n, "median_ms": round(median, 3), "bound_ms": round(floor, 3),
            "ratio": round(median / floor, 2), "snapshot_of_ms": round(snap, 3),
            "with_snapshot_ms": round(median + snap, 3),
            "with_snapshot_ratio": round((median + snap) / (floor + snap), 2)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m legevakt.bench reconcile", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument("--sizes", type=lambda s: tuple(int(x) for x in s.split(",")), default=SIZES,
                        help="comma-separated entry counts (default 1000,10000,100000)")
    parser.add_argument("--repeats", type=int, default=0, help="timed runs per size (default: by size)")
    args = parser.parse_args(argv)
    rows = []
    for n in args.sizes:
        repeats = args.repeats or (31 if n <= 10_000 else 11)
        rows.append(measure(build_case(n), repeats))
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"{'entries':>9}  {'median ms':>10}  {'bound ms':>9}  {'ratio':>6}  {'Snapshot.of ms':>14}"
          f"  {'ratio incl.':>11}")
    for row in rows:
        print(f"{row['n']:>9,}  {row['median_ms']:>10.3f}  {row['bound_ms']:>9.3f}  {row['ratio']:>6.2f}"
              f"  {row['snapshot_of_ms']:>14.3f}  {row['with_snapshot_ratio']:>11.2f}")
    by_n = {row["n"]: row["median_ms"] for row in rows}
    if 10_000 in by_n and 100_000 in by_n:
        print(f"100 000 / 10 000: {by_n[100_000] / by_n[10_000]:.1f}x")
    return 0
