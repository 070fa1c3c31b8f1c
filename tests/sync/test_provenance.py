"""Issue 9 item 1: the signed-in Practitioner is recorded on every Encounter write, the R4 way.

An Encounter has no element for who changed it; FHIR R4 records that with a ``Provenance`` whose ``target``
is the version the write made and whose ``agent.who`` is the author. The oracle is the simulator's own
store: the Encounter's version history and the Provenance resources it holds, checked against the R4
definitions (fhir.resources).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.provenance import Provenance

from legevakt import codes
from legevakt.sync.encounter_edits import agent_reference
from legevakt.sync.outbox_replay import ReplayOutcome
from legevakt.worklist.commands import CommandKind, make_command
from legevakt.worklist.triage import MTS
from tests.sync.test_outbox_replay import Crash, CrashingOutbox, Rig, make_rig, newest_arrived

Resource = dict[str, Any]


@pytest.fixture
def rig(make_sim: Any, tmp_path: Any) -> Iterator[Rig]:
    sim = make_sim(seed=5, initial_patients=4)
    sim.clinic.admit()
    made = make_rig(sim, tmp_path / "data")
    yield made
    made.client.close()
    made.store.close()


def submit(rig: Rig, ref: str, kind: CommandKind, target: str, by: str, **kw: Any) -> None:
    rig.engine.submit(make_command(rig.engine.state.entries[ref], kind, target, by=by, now=rig.now, scale=MTS, **kw))


def provenances(rig: Rig) -> list[Resource]:
    return list(rig.sim.store.live("Provenance"))


def version_refs(rig: Rig, ref: str) -> list[str]:
    return [f"{ref}/_history/{v['meta']['versionId']}" for v in rig.versions(ref)]


def test_each_encounter_change_names_its_author_in_a_provenance_of_the_version_it_made(rig: Rig) -> None:
    ref = newest_arrived(rig)
    nurse = rig.sim.clinic.nurses[0].ref
    before = version_refs(rig, ref)
    room, doctor = rig.sim.clinic.rooms[2][0], rig.sim.clinic.doctors[1].ref
    steps: list[tuple[CommandKind, str, dict[str, Any]]] = [
        (CommandKind.SET_TRIAGE, "yellow", {}), (CommandKind.SET_STATE, "triaged", {}),
        (CommandKind.ASSIGN_NURSE, nurse, {}), (CommandKind.ASSIGN_ROOM, room, {"display": "Rom 3"}),
        (CommandKind.ASSIGN_DOCTOR, doctor, {}), (CommandKind.SET_STATE, "finished", {"disposition": "home"}),
    ]
    for kind, target, kw in steps:
        submit(rig, ref, kind, target, nurse, **kw)
        report = rig.replay()
        assert [i.outcome for i in report.items] == [ReplayOutcome.APPLIED]
        assert report.items[0].provenance is not None

    made = version_refs(rig, ref)[len(before):]
    assert len(made) == len(steps)  # one new Encounter version per step (the simulator's history)
    found = provenances(rig)
    assert sorted(p["target"][0]["reference"] for p in found) == sorted(made)  # one per version, no other
    for p in found:
        Provenance.parse_obj(p)  # R4 structure, types and cardinality
        (agent,) = p["agent"]
        assert agent["who"] == {"reference": nurse, "type": "Practitioner"}
        assert agent["type"]["coding"][0]["code"] == "author"
        assert p["activity"]["coding"][0] == {"system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                                              "code": "UPDATE", "display": "revise"}
        assert p["recorded"].endswith("Z")
        assert "Pasient" not in str(p)  # codes and platform ids only


def test_an_hpr_number_the_platform_does_not_know_is_the_author_by_identifier(rig: Rig) -> None:
    ref = newest_arrived(rig)
    submit(rig, ref, CommandKind.SET_TRIAGE, "red", f"{codes.HPR_SYSTEM}|9876543")
    rig.replay()
    (p,) = provenances(rig)
    Provenance.parse_obj(p)
    assert p["agent"][0]["who"] == {"identifier": {"system": codes.HPR_SYSTEM, "value": "9876543"},
                                    "type": "Practitioner"}
    assert p["target"][0]["reference"] == version_refs(rig, ref)[-1]


def test_nothing_written_no_provenance_and_a_platform_without_provenance_still_takes_the_change(rig: Rig) -> None:
    ref = newest_arrived(rig)
    nurse = rig.sim.clinic.nurses[0].ref

    def no_provenance(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and request.url.path.endswith("/Provenance"):
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "not-supported", "diagnostics": "unknown resource type"}]})
        return None

    rig.transport.before = no_provenance
    submit(rig, ref, CommandKind.SET_TRIAGE, "red", nurse)
    first = rig.replay()
    submit(rig, ref, CommandKind.SET_TRIAGE, "orange", nurse)
    second = rig.replay(minutes_later=1)
    for report in (first, second):
        assert [i.outcome for i in report.items] == [ReplayOutcome.APPLIED] and report.items[0].wrote
        assert report.items[0].provenance is None and "not recorded" in report.items[0].detail
    assert rig.platform(ref).triage == "orange"
    posts = [s for s in rig.transport.methods("POST") if s[1].endswith("/Provenance")]
    assert len(posts) == 1  # asked once: refused, not asked again this session
    assert provenances(rig) == []
    # The outbox still names who asked for each change.
    assert {row.command.created_by for row in rig.store.outbox()} == {nurse}


def test_a_change_found_already_on_the_platform_after_a_crash_is_not_claimed_twice(rig: Rig) -> None:
    ref = newest_arrived(rig)
    nurse = rig.sim.clinic.nurses[0].ref
    before = version_refs(rig, ref)
    submit(rig, ref, CommandKind.SET_TRIAGE, "red", nurse)
    with pytest.raises(Crash):  # written (and its Provenance), then the process died before marking it
        rig.replayer(CrashingOutbox(rig.store, iter([True]))).replay(rig.now, rig.engine.state)
    report = rig.replay()
    assert "already on the platform" in report.items[0].detail and not report.items[0].wrote
    made = version_refs(rig, ref)[len(before):]
    assert [p["target"][0]["reference"] for p in provenances(rig)] == made and len(made) == 1


def test_agent_reference_by_hand() -> None:
    assert agent_reference("Practitioner/p-1") == {"reference": "Practitioner/p-1", "type": "Practitioner"}
    assert agent_reference(f"{codes.HPR_SYSTEM}|123456") == {
        "identifier": {"system": codes.HPR_SYSTEM, "value": "123456"}, "type": "Practitioner"}
    assert agent_reference("Hanne Lie") == {"display": "Hanne Lie"}
