from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from legevakt import codes
from legevakt.sim import SimConfig, SimServer
from legevakt.sim.clinic import Clinic
from legevakt.sim.fhirtime import parse_instant
from legevakt.sim.resources import ResourceStore

MTS_TARGET_MIN = {"red": 0, "orange": 10, "yellow": 60, "green": 120, "blue": 240}


def make_clinic(seed: int = 1, **kwargs: Any) -> Clinic:
    return Clinic(ResourceStore(seed), SimConfig(seed=seed, speed=0, **kwargs))


def colour(enc: dict[str, Any]) -> str | None:
    for c in enc.get("priority", {}).get("coding", []):
        if c["system"] == codes.TRIAGE_MTS_SYSTEM:
            return str(c["code"])
    return None


def in_list_equals_active(c: Clinic) -> bool:
    return set(c.list_items()) == set(c.active_encounters())


def test_initial_population_is_varied_and_partly_overdue() -> None:
    c = make_clinic()
    active = c.active_encounters()
    assert len(active) == 18
    assert in_list_equals_active(c)
    encs = [c.read(r) for r in active]
    assert all(e is not None for e in encs)
    statuses = Counter(e["status"] for e in encs if e)
    assert len(statuses) >= 3, statuses
    assert len({colour(e) for e in encs if e and colour(e)}) >= 3
    now = dt.datetime.now(dt.UTC)
    starts = [parse_instant(e["period"]["start"]) for e in encs if e]
    assert max(now - s for s in starts) > dt.timedelta(hours=2)
    assert max(now - s for s in starts) < dt.timedelta(hours=4, minutes=30)
    overdue = [
        e
        for e in encs
        if e
        and e["status"] == "triaged"
        and now - parse_instant(e["period"]["start"]) > dt.timedelta(minutes=MTS_TARGET_MIN[colour(e) or "blue"])
    ]
    assert overdue, "some waiting patients should be past their triage target"


def test_encounter_shape() -> None:
    c = make_clinic()
    ref = c.admit(complaint="Brystsmerter")
    c.triage(ref, "orange")
    c.start_treatment(ref)
    enc = c.read(ref)
    assert enc is not None
    assert enc["class"] == {"system": codes.V3_ACT_CODE, "code": "EMER", "display": "emergency"}
    assert enc["reasonCode"][0]["text"] == "Brystsmerter"
    assert enc["priority"]["coding"][0] == {"system": codes.TRIAGE_MTS_SYSTEM, "code": "orange", "display": "Oransje"}
    assert enc["priority"]["coding"][1]["system"] == codes.V3_ACT_PRIORITY
    assert enc["priority"]["coding"][1]["code"] == codes.TRIAGE_TO_ACT_PRIORITY["orange"]
    types = {p["type"][0]["coding"][0]["code"] for p in enc["participant"]}
    assert types == {codes.PARTICIPANT_NURSE, codes.PARTICIPANT_DOCTOR}
    assert all(p["type"][0]["coding"][0]["system"] == codes.V3_PARTICIPATION_TYPE for p in enc["participant"])
    for p in enc["participant"]:
        prac = c.read(p["individual"]["reference"])
        assert prac is not None and prac["identifier"][0]["system"] == codes.HPR_SYSTEM
    assert enc["location"][0]["location"]["reference"] == c.clinic_ref
    room = enc["location"][1]
    assert room["physicalType"]["coding"][0]["code"] == "ro"
    room_res = c.read(room["location"]["reference"])
    assert room_res is not None and room_res["partOf"]["reference"] == c.clinic_ref
    assert room_res["name"].startswith("Rom ")
    patient = c.read(enc["subject"]["reference"])
    assert patient is not None and patient["resourceType"] == "Patient"


def test_lifecycle_api_keeps_list_in_step() -> None:
    c = make_clinic()
    ref = c.admit(name="Kari Testesen", fnr=None)
    enc = c.read(ref)
    assert enc is not None and enc["status"] == "arrived"
    assert ref in c.list_items()
    c.triage(ref, "yellow")
    assert c.read(ref)["status"] == "triaged"  # type: ignore[index]
    c.start_treatment(ref, room_ref="Location/lv-trondheim-rom-8")
    enc = c.read(ref)
    assert enc is not None and enc["status"] == "in-progress"
    assert any(loc["location"]["reference"] == "Location/lv-trondheim-rom-8" for loc in enc["location"])
    c.on_leave(ref)
    assert c.read(ref)["status"] == "onleave"  # type: ignore[index]
    c.back(ref)
    assert c.read(ref)["status"] == "in-progress"  # type: ignore[index]
    assert in_list_equals_active(c)
    c.discharge(ref, "admitted")
    enc = c.read(ref)
    assert enc is not None and enc["status"] == "finished"
    assert enc["hospitalization"]["dischargeDisposition"]["coding"][:2] == [
        {"system": codes.DEPARTURE_SYSTEM, "code": "admitted", "display": "Innlagt"},
        {"system": codes.HL7_DISCHARGE_DISPOSITION, "code": codes.DEPARTURE_TO_HL7["admitted"]},
    ]
    assert "end" in enc["period"]
    assert ref not in c.list_items()
    assert in_list_equals_active(c)
    for terminal in (c.cancel, c.entered_in_error):
        r = c.admit()
        terminal(r)
        assert r not in c.list_items()
    assert in_list_equals_active(c)


def test_admit_with_identifier() -> None:
    c = make_clinic()
    ref = c.admit(name="Ola Prøvedal")
    enc = c.read(ref)
    assert enc is not None
    patient = c.read(enc["subject"]["reference"])
    assert patient is not None and patient["name"][0]["text"] == "Ola Prøvedal"
    nin = patient["identifier"][0]["value"]
    ref2 = c.admit(fnr=nin, complaint="Noe helt annet")
    enc2 = c.read(ref2)
    assert enc2 is not None and enc2["reasonCode"][0]["text"] == "Noe helt annet"
    p2 = c.read(enc2["subject"]["reference"])
    assert p2 is not None and p2["identifier"][0]["value"] == nin
    with pytest.raises(ValueError):
        c.admit(fnr="12345678901")


def test_invalid_calls() -> None:
    c = make_clinic()
    ref = c.active_encounters()[0]
    with pytest.raises(ValueError):
        c.triage(ref, "purple")
    with pytest.raises(ValueError):
        c.discharge(ref, "teleported")
    with pytest.raises(KeyError):
        c.triage("Encounter/nope", "red")
    with pytest.raises(ValueError):
        c.advance(-1)


def test_list_tracks_active_encounters_over_a_day() -> None:
    c = make_clinic(seed=4)
    counts = []
    for _ in range(24 * 60 // 5):
        c.advance(5)
        assert in_list_equals_active(c)
        counts.append(len(c.active_encounters()))
    steady = counts[24:]
    assert 15 <= sum(steady) / len(steady) <= 25
    assert min(steady) >= 5 and max(steady) <= 40
    finished = [e for e in c.store.live("Encounter") if e["status"] == "finished"]
    assert len(finished) > 150
    dispositions = Counter(e["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] for e in finished)
    assert dispositions.most_common(1)[0][0] == "home"
    assert {"admitted", "lwbs"} <= set(dispositions)
    assert set(dispositions) <= set(codes.DEPARTURE_CODES)
    statuses_seen = {h["status"] for e in finished for h in e["statusHistory"]}
    assert {"arrived", "triaged", "in-progress", "onleave", "finished"} <= statuses_seen


def test_advance_is_deterministic() -> None:
    def run() -> list[tuple[str, str]]:
        c = make_clinic(seed=9)
        c.advance(180)
        return [(r, c.read(r)["status"]) for r in c.active_encounters()]  # type: ignore[index]

    assert run() == run()


def test_drop_from_list_leaves_encounter_active_and_untouched() -> None:
    c = make_clinic()
    ref = next(r for r in c.active_encounters() if c.read(r)["status"] == "triaged")  # type: ignore[index]
    before = c.read(ref)
    c.drop_from_list(ref)
    assert ref not in c.list_items()
    assert ref in c.active_encounters()
    assert c.read(ref) == before
    c.advance(600)  # staff work from the list: nobody moves the dropped patient
    assert c.read(ref) == before
    assert set(c.active_encounters()) - set(c.list_items()) == {ref}
    with pytest.raises(KeyError):
        c.drop_from_list(ref)
    c.add_to_list(ref)
    assert in_list_equals_active(c)


def test_running_clock_moves_the_clinic(make_sim: Callable[..., SimServer]) -> None:
    sim = make_sim(speed=1200.0)  # 20 simulated minutes per second
    n0 = len(sim.store.history())
    deadline = time.monotonic() + 5
    while len(sim.store.history()) < n0 + 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sim.store.history()) >= n0 + 5
    assert sim.clinic.sim_now > 0
    assert set(sim.clinic.list_items()) == set(sim.clinic.active_encounters())


def test_frozen_clock_has_no_automatic_events(sim: SimServer) -> None:
    n0 = len(sim.store.history())
    time.sleep(0.5)
    assert len(sim.store.history()) == n0
    assert sim.clinic.sim_now == 0
