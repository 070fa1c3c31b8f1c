"""A clinic day with platform faults: after every complete cycle, every patient is accounted for.

DESIGN.md section 1, checked exactly against the simulator's ground truth: every encounter active at the
clinic is on our list (present, or dropped with a critical alert); nothing we show is gone from the
platform; every departure carries the platform's reason; the census equals the simulator's own count of
what became of every encounter, bucket by bucket, overall and for the current shift; and a drop alert exists
for exactly the patients the fault removed from the queue List, never for anyone else once the link is
clean again.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.sim import SimServer
from legevakt.sim.fhirtime import utcnow
from legevakt.worklist.census import Census, Shift, census, shift_at
from legevakt.worklist.models import AlertKind, Fate
from legevakt.worklist.snapshot import WorklistState

STEPS = 180  # six hours in two-minute steps


def open_drops(state: WorklistState) -> dict[str, bool]:
    """Encounter -> confirmed, for every unresolved DROPPED_FROM_QUEUE alert."""
    return {a.encounter: state.entries[a.encounter].drop_confirmed for a in state.alerts.values()
            if a.kind is AlertKind.DROPPED_FROM_QUEUE and a.encounter is not None}


def open_not_in_queue(state: WorklistState) -> set[str]:
    return {a.encounter for a in state.alerts.values() if a.kind is AlertKind.NOT_IN_QUEUE and a.encounter}


def check_accounted(sim: SimServer, state: WorklistState, victims: set[str], unseen: set[str]) -> None:
    """``victims``: removed from the List after we had seen them there (a drop); ``unseen``: removed
    before any cycle saw them listed (to us: active at the clinic, never in the queue)."""
    active = set(sim.clinic.active_encounters())
    listed = set(sim.clinic.list_items())
    assert state.live == active, "our list must hold exactly the encounters active on the platform"
    for ref in active & listed:
        assert state.entries[ref].fate is Fate.PRESENT
    for ref in victims & active:
        assert state.entries[ref].fate is Fate.DROPPED, ref
    assert unseen & active <= open_not_in_queue(state)
    drops = open_drops(state)
    assert victims & active <= drops.keys()
    # Any other open drop may only be an unconfirmed one (a confirming read failed under the fault).
    assert all(not confirmed for ref, confirmed in drops.items() if ref not in victims)


def census_from_ground_truth(sim: SimServer, unseen: set[str], shift: Shift | None = None) -> dict[str, object]:
    """The census as the simulator counts it. One client-side rule applies: an encounter taken off the
    List before we ever saw it there is, to us, a patient here who is not in the queue (present)."""
    truth = sim.clinic.ground_truth(*((shift.start, shift.end) if shift is not None else ()))
    fates = Counter(o.fate for o in truth.values())
    unseen_dropped = sum(1 for ref, o in truth.items() if o.fate == "dropped" and ref in unseen)
    reasons = Counter(o.reason for o in truth.values() if o.fate == "departed")
    return {"arrived": len(truth), "departed": fates["departed"], "present": fates["present"] + unseen_dropped,
            "dropped": fates["dropped"] - unseen_dropped, "departed_by_reason": dict(sorted(reasons.items()))}


def as_dict(c: Census) -> dict[str, object]:
    return {"arrived": c.arrived, "departed": c.departed, "present": c.present, "dropped": c.dropped,
            "departed_by_reason": c.departed_by_reason}


def check_census(sim: SimServer, state: WorklistState, unseen: set[str]) -> None:
    assert as_dict(census(state.entries.values())) == census_from_ground_truth(sim, unseen)
    shift = shift_at(utcnow())
    assert as_dict(census(state.entries.values(), shift)) == census_from_ground_truth(sim, unseen, shift)


@pytest.mark.parametrize("seed", [21, *(pytest.param(s, marks=pytest.mark.slow) for s in (22, 23))])
def test_a_clinic_day_with_faults_keeps_every_patient_accounted_for(
        make_sim: Callable[..., SimServer], tmp_path: Path, seed: int) -> None:
    sim = make_sim(seed=seed, initial_patients=15)
    rng = random.Random(seed)
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path), timeout_seconds=5)
    runtime = Runtime.open(settings)
    victims: set[str] = set()
    unseen: set[str] = set()
    complete = faulted = 0
    try:
        for _ in range(STEPS):
            sim.clinic.advance(2)
            sim.faults.reset()
            roll = rng.random()
            if roll < 0.08:
                sim.faults.error_rate = 0.5
            elif roll < 0.14:
                sim.faults.malformed_rate = 0.3
            elif roll < 0.20:
                sim.faults.drop_connection_rate = 0.3
            elif roll < 0.24:
                sim.faults.short_pages = True
                sim.faults.omit_total = True
            elif roll < 0.30:
                listed = sim.clinic.list_items()
                if listed:
                    victim = rng.choice(listed)
                    sim.clinic.drop_from_list(victim)  # the real failure
                    seen_listed = runtime.engine.state.entries.get(victim)
                    (victims if seen_listed is not None and seen_listed.ever_in_list else unseen).add(victim)
            faulted += roll < 0.24
            outcome = runtime.engine.cycle()
            if outcome.complete:
                complete += 1
                check_accounted(sim, runtime.engine.state, victims, unseen)

        sim.faults.reset()
        for _ in range(3):  # a clean link again: everything settles
            assert runtime.engine.cycle().complete
        state = runtime.engine.state
        check_accounted(sim, state, victims, unseen)
        check_census(sim, state, unseen)
        assert open_drops(state) == dict.fromkeys(victims, True), "a drop alert for exactly the victims"
        assert open_not_in_queue(state) == unseen
        for ref, entry in state.entries.items():
            if entry.fate is Fate.DEPARTED:
                resource = sim.clinic.read(ref)
                assert resource is not None and resource["status"] in ("finished", "cancelled", "entered-in-error")
                assert entry.departure is not None
                if resource["status"] == "finished":
                    codes = [c["code"] for c in resource["hospitalization"]["dischargeDisposition"]["coding"]
                             if c["system"] == "urn:legevakt:codesystem:departure"]
                    assert entry.departure.value == codes[0], ref
    finally:
        runtime.close()
    assert victims and faulted > 10 and complete > STEPS // 2  # the day really had faults and drops
    departed = sum(1 for e in state.entries.values() if e.fate is Fate.DEPARTED)
    assert departed > 20  # and a real day's turnover
    print(f"seed {seed}: {STEPS} cycles, {complete} complete, {faulted} with transport faults, "
          f"{len(victims)} dropped, {len(unseen)} never listed, {departed} departed")
