"""A clinic day with platform faults: after every complete cycle, every patient is accounted for.

DESIGN.md section 1, checked exactly against the simulator's ground truth: every encounter active at the
clinic is on our list (present, or dropped with a critical alert); nothing we show is gone from the
platform; every departure carries the platform's reason; the census equals the simulator's own count of
what became of every encounter, bucket by bucket, overall and for the current and the previous shift,
with the patients carried over from the shift before (here when it began, by the simulator's own arrival
and departure times); and a drop alert exists for exactly the patients the fault removed from the queue
List, never for anyone else once the link is clean again.

The clinic's shifts are set so that the current one began 90 minutes before the day is run, in a zone that
is neither the machine's nor Oslo (St. John's, UTC-3:30): the seeded queue straddles the shift change, so
the census must carry over the patients who were already waiting, and boundaries in any other zone would
split them differently.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from legevakt.app import clinic_time
from legevakt.app.runtime import Runtime, state_json
from legevakt.app.settings import Settings
from legevakt.sim import SimServer
from legevakt.sim.fhirtime import utcnow
from legevakt.worklist.census import Census, Shift, ShiftDef, census, parse_shifts, previous_shift, shift_at
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


ZONE = ZoneInfo("America/St_Johns")  # the clinic's zone here: UTC-3:30 in winter, neither UTC nor Oslo


def shifts_begun_before(now: dt.datetime, minutes: int = 90) -> tuple[ShiftDef, ...]:
    """Three eight-hour shifts in ``ZONE``, the current one begun ``minutes`` (and some seconds) ago."""
    start = (now.astimezone(ZONE) - dt.timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    return parse_shifts((name, (start + dt.timedelta(hours=8 * i)).strftime("%H:%M"))
                        for i, name in enumerate(("a", "b", "c")))


def ended_at(sim: SimServer, ref: str) -> dt.datetime:
    """When the simulator ended the Encounter (its own ``period.end``)."""
    res = sim.clinic.read(ref)
    assert res is not None and res["period"].get("end"), ref
    return dt.datetime.fromisoformat(res["period"]["end"].replace("Z", "+00:00"))


def census_from_ground_truth(sim: SimServer, unseen: set[str], dropped_at: dict[str, dt.datetime],
                             shift: Shift | None = None) -> dict[str, object]:
    """The census as the simulator counts it, from its own records: arrival (``period.start``), departure
    (``period.end`` and the reason) and, for drops, when the fault removed the patient from the List.

    With a shift: carried over = here when it began (arrived before its start, not ended before it); each
    patient counted by what had become of them at its end (one who left or was dropped later was still
    here). One client-side rule applies: an encounter taken off the List before we ever saw it there is,
    to us, a patient here who is not in the queue (present)."""
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for ref, o in sim.clinic.ground_truth().items():
        fate = "present" if o.fate == "dropped" and ref in unseen else o.fate
        gone = (ended_at(sim, ref) if fate == "departed" else dropped_at[ref] if fate == "dropped" else None)
        if shift is not None:
            start, end = shift.start.astimezone(dt.UTC), shift.end.astimezone(dt.UTC)
            if o.arrived_at >= end:
                continue
            if o.arrived_at < start:
                if fate == "departed" and gone is not None and gone < start:
                    continue  # left before the shift began
                counts["carried_over"] += 1
            else:
                counts["arrived"] += 1
            if gone is not None and gone >= end:
                fate = "present"  # still here when the shift ended
        else:
            counts["arrived"] += 1
        counts[fate] += 1
        if fate == "departed":
            reasons[o.reason or "unspecified"] += 1
    return {"carried_over": counts["carried_over"], "arrived": counts["arrived"], "departed": counts["departed"],
            "present": counts["present"], "dropped": counts["dropped"],
            "departed_by_reason": dict(sorted(reasons.items()))}


def as_dict(c: Census | dict[str, object]) -> dict[str, object]:
    keys = ("carried_over", "arrived", "departed", "present", "dropped", "departed_by_reason")
    if isinstance(c, dict):
        return {k: c[k] for k in keys}
    return {k: getattr(c, k) for k in keys}


def check_census(sim: SimServer, runtime: Runtime, settings: Settings, unseen: set[str],
                 dropped_at: dict[str, dt.datetime], began: dt.datetime) -> Shift:
    """The census of ``sync --json`` (everything, and the current shift) and of the previous shift against
    the simulator's count; returns the current shift."""
    outcome = runtime.engine.cycle()
    assert outcome.complete
    state = runtime.engine.state
    doc = state_json(state, settings, complete=True, synced_at=outcome.at, link=runtime.link(outcome))
    shift = shift_at(outcome.at, ZONE, settings.shifts)
    assert shift.start.astimezone(dt.UTC) <= began, "the day must start after the shift change"
    assert dt.datetime.fromisoformat(doc["census_shift"]["start"]) == shift.start
    assert as_dict(doc["census"]) == census_from_ground_truth(sim, unseen, dropped_at)
    assert as_dict(doc["census_shift"]) == census_from_ground_truth(sim, unseen, dropped_at, shift)
    before = previous_shift(shift, ZONE, settings.shifts)
    handed = census(state.entries.values(), before)
    assert as_dict(handed) == census_from_ground_truth(sim, unseen, dropped_at, before)
    # What the previous shift handed over is what this one carried over.
    assert handed.present + handed.dropped == doc["census_shift"]["carried_over"]
    return shift


@pytest.mark.parametrize("seed", [21, *(pytest.param(s, marks=pytest.mark.slow) for s in (22, 23))])
def test_a_clinic_day_with_faults_keeps_every_patient_accounted_for(
        make_sim: Callable[..., SimServer], tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clinic_time, "_zone", clinic_time.zone())  # the runtime sets the zone process-wide
    sim = make_sim(seed=seed, initial_patients=15)
    rng = random.Random(seed)
    began = utcnow()
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path), timeout_seconds=5,
                        time_zone=ZONE.key, shifts=shifts_begun_before(began))
    runtime = Runtime.open(settings)
    victims: set[str] = set()
    unseen: set[str] = set()
    dropped_at: dict[str, dt.datetime] = {}  # when the fault took each victim off the List
    complete = faulted = 0
    try:
        # The first sync, on a clean link: the seeded queue, split by the shift change 90 minutes ago.
        first_shift = check_census(sim, runtime, settings, set(), {}, began)
        first = census(runtime.engine.state.entries.values(), first_shift)
        assert first.carried_over >= 3 and first.arrived >= 1 and first.departed == 0
        assert first.present == first.carried_over + first.arrived  # all of them still here
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
                    dropped_at.setdefault(victim, utcnow())
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
        shift = check_census(sim, runtime, settings, unseen, dropped_at, began)
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
    carried = census(state.entries.values(), shift)
    # The shift began before the day: the same patients were carried over at its end as at its first sync,
    # whatever became of them since.
    assert carried.shift == first.shift and carried.carried_over == first.carried_over and carried.arrived > 20
    print(f"seed {seed}: {STEPS} cycles, {complete} complete, {faulted} with transport faults, "
          f"{len(victims)} dropped, {len(unseen)} never listed, {departed} departed, "
          f"census {carried.carried_over} carried over + {carried.arrived} arrived")
