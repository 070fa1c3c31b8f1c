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


# -- durable and exactly once: a fault or a crash between the write and its Provenance loses no author ----

def puts(rig: Rig, ref: str) -> int:
    return len([s for s in rig.transport.methods("PUT") if s[1].endswith(ref) and s[2] < 300])


def provenance_posts(rig: Rig) -> list[tuple[str, str, int]]:
    return [s for s in rig.transport.methods("POST") if s[1].endswith("/Provenance")]


def searches(rig: Rig) -> int:
    return len([s for s in rig.transport.methods("GET") if s[1].endswith("/Provenance")])


def one_per_version(rig: Rig, made: list[str]) -> None:
    """The oracle: the simulator holds exactly one Provenance of each version ``made``, and no other, valid R4."""
    found = provenances(rig)
    assert sorted(p["target"][0]["reference"] for p in found) == sorted(made)
    for p in found:
        Provenance.parse_obj(p)


class CrashAfterMark(CrashingOutbox):
    """Dies right after the applied mark committed (before any Provenance is sent), when the plan says so."""

    def mark(self, command_id: str, state: str, error: str | None = None, **kw: Any) -> None:
        self.store.mark(command_id, state, error, **kw)
        if state == "applied" and next(self.plan, False):
            raise Crash(command_id)


class CrashBeforeProvenanceMark(CrashingOutbox):
    """Dies after the platform took a Provenance, before the outbox marked it sent."""

    def mark(self, command_id: str, state: str, error: str | None = None, **kw: Any) -> None:
        self.store.mark(command_id, state, error, **kw)

    def provenance_done(self, command_id: str, state: str, ref: str | None = None) -> None:
        if next(self.plan, False):
            raise Crash(command_id)
        self.store.provenance_done(command_id, state, ref)


def test_a_provenance_refused_with_503_stays_pending_and_is_recorded_once_at_the_next_replay(rig: Rig) -> None:
    ref = newest_arrived(rig)
    nurse = rig.sim.clinic.nurses[0].ref
    before = version_refs(rig, ref)
    down = [True]

    def unavailable(request: httpx.Request) -> httpx.Response | None:
        if down[0] and request.method == "POST" and request.url.path.endswith("/Provenance"):
            return httpx.Response(503, json={"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "transient", "diagnostics": "try again"}]})
        return None

    rig.transport.before = unavailable
    submit(rig, ref, CommandKind.SET_TRIAGE, "red", nurse)
    first = rig.replay()
    (item,) = first.items
    assert item.outcome is ReplayOutcome.APPLIED and item.wrote and item.provenance is None
    assert "pending" in item.detail
    assert provenances(rig) == []
    assert searches(rig) == 0  # a first send does not look for itself: nothing can have been sent before
    (row,) = rig.store.outbox("applied")
    assert rig.store.provenance_of(row.command.command_id) == ("pending", None)

    down[0] = False
    rig.replay(minutes_later=1)  # nothing new to write: the Provenance left over is sent
    made = version_refs(rig, ref)[len(before):]
    assert len(made) == 1 and puts(rig, ref) == 1  # the change itself was sent once
    one_per_version(rig, made)
    (p,) = provenances(rig)
    assert p["agent"][0]["who"] == {"reference": nurse, "type": "Practitioner"}
    assert rig.store.provenance_of(row.command.command_id) == ("recorded", f"Provenance/{p['id']}")
    assert searches(rig) == 1  # the resend looked first (the 503 might have come after the platform took it)
    rig.replay(minutes_later=2)
    assert len(provenance_posts(rig)) == 2 + 1  # two tries (the client's own retry) at 503, then one: no more
    one_per_version(rig, made)


def test_a_provenance_whose_answer_is_lost_is_not_made_twice(rig: Rig) -> None:
    """The platform took the POST and the connection broke before its answer (the client retries, then the
    next replay sends it again): a conditional create and a search by target make it once."""
    ref = newest_arrived(rig)
    nurse = rig.sim.clinic.nurses[0].ref
    before = version_refs(rig, ref)
    lose = [True]

    def taken_then_reset(request: httpx.Request) -> httpx.Response | None:
        if lose[0] and request.method == "POST" and request.url.path.endswith("/Provenance"):
            rig.transport.inner.handle_request(request).read()  # the platform stores it...
            raise httpx.ReadError("connection reset", request=request)  # ...and the answer never comes
        return None

    rig.transport.before = taken_then_reset
    submit(rig, ref, CommandKind.ASSIGN_NURSE, nurse, nurse)
    first = rig.replay()
    assert first.items[0].outcome is ReplayOutcome.APPLIED and first.items[0].provenance is None
    lose[0] = False
    rig.replay(minutes_later=1)
    made = version_refs(rig, ref)[len(before):]
    assert len(made) == 1 and puts(rig, ref) == 1
    one_per_version(rig, made)


def test_a_platform_ignoring_if_none_exist_still_gets_one_provenance_after_a_lost_answer(rig: Rig) -> None:
    """Without the conditional create, the search by target before the resend is what keeps it single."""
    ref = newest_arrived(rig)
    nurse = rig.sim.clinic.nurses[0].ref
    before = version_refs(rig, ref)
    lose = [True]
    posted = [0]

    def ignores_condition(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and request.url.path.endswith("/Provenance"):
            posted[0] += 1
            plain = httpx.Request("POST", request.url, content=request.content,
                                  headers={k: v for k, v in request.headers.items() if k.lower() != "if-none-exist"})
            answer = rig.transport.inner.handle_request(plain)
            answer.read()
            if lose[0]:
                raise httpx.ReadError("connection reset", request=request)
            return answer
        return None

    rig.transport.before = ignores_condition
    submit(rig, ref, CommandKind.SET_TRIAGE, "orange", nurse)
    rig.replay()  # taken twice (the client's own retry of the POST makes a second one on such a server)
    extra = len(provenances(rig)) - 1
    lose[0] = False
    rig.replay(minutes_later=1)
    rig.replay(minutes_later=2)
    made = version_refs(rig, ref)[len(before):]
    assert len(made) == 1
    assert len(provenances(rig)) == 1 + extra  # the replays after it searched first: none made again
    assert posted[0] == 2  # the first replay's two tries only


def test_a_crash_after_the_write_was_marked_applied_sends_its_provenance_on_restart(rig: Rig) -> None:
    ref = newest_arrived(rig)
    nurse = rig.sim.clinic.nurses[0].ref
    before = version_refs(rig, ref)
    submit(rig, ref, CommandKind.SET_TRIAGE, "red", nurse)
    with pytest.raises(Crash):  # applied and marked, then the process died before the Provenance went out
        rig.replayer(CrashAfterMark(rig.store, iter([True]))).replay(rig.now, rig.engine.state)
    assert provenances(rig) == [] and rig.store.pending() == []
    report = rig.replay()  # the restart: no command is pending, the Provenance is
    assert report.items == ()
    made = version_refs(rig, ref)[len(before):]
    assert len(made) == 1 and puts(rig, ref) == 1  # the change was not sent again
    one_per_version(rig, made)
    assert provenances(rig)[0]["agent"][0]["who"]["reference"] == nurse


def test_a_crash_after_the_platform_took_the_provenance_does_not_post_it_again(rig: Rig) -> None:
    ref = newest_arrived(rig)
    nurse = rig.sim.clinic.nurses[0].ref
    before = version_refs(rig, ref)
    submit(rig, ref, CommandKind.SET_STATE, "triaged", nurse)
    with pytest.raises(Crash):
        rig.replayer(CrashBeforeProvenanceMark(rig.store, iter([True]))).replay(rig.now, rig.engine.state)
    assert len(provenances(rig)) == 1
    rig.replay()
    made = version_refs(rig, ref)[len(before):]
    one_per_version(rig, made)
    assert len(provenance_posts(rig)) == 1  # found by target on the platform, not posted again
    (row,) = rig.store.outbox("applied")
    assert rig.store.provenance_of(row.command.command_id) == ("recorded", f"Provenance/{provenances(rig)[0]['id']}")


def test_several_writes_with_faults_and_crashes_give_one_provenance_per_version(rig: Rig) -> None:
    """Six changes to one encounter, each replay interrupted differently: one Provenance per version made."""
    ref = newest_arrived(rig)
    nurse = rig.sim.clinic.nurses[0].ref
    before = version_refs(rig, ref)
    flaky = [0]

    def every_other(request: httpx.Request) -> httpx.Response | None:
        if request.method == "POST" and request.url.path.endswith("/Provenance"):
            flaky[0] += 1
            if flaky[0] % 3 == 1:
                return httpx.Response(503)
        return None

    rig.transport.before = every_other
    steps = [(CommandKind.SET_TRIAGE, "yellow"), (CommandKind.SET_STATE, "triaged"),
             (CommandKind.ASSIGN_NURSE, nurse), (CommandKind.SET_TRIAGE, "green"),
             (CommandKind.ASSIGN_DOCTOR, rig.sim.clinic.doctors[0].ref), (CommandKind.SET_STATE, "in-progress")]
    outboxes = [CrashingOutbox, CrashAfterMark, CrashBeforeProvenanceMark]
    for n, (kind, target) in enumerate(steps):
        submit(rig, ref, kind, target, nurse)
        with pytest.raises(Crash):
            rig.replayer(outboxes[n % 3](rig.store, iter([True]))).replay(rig.now, rig.engine.state)
        rig.replay(minutes_later=n)
    rig.transport.before = None
    rig.replay(minutes_later=10)
    made = version_refs(rig, ref)[len(before):]
    assert len(made) == len(steps) == puts(rig, ref)
    one_per_version(rig, made)


def test_someone_else_making_our_change_after_every_update_we_sent_was_refused_412_is_not_claimed(rig: Rig) -> None:
    """Three updates, each answered 412 (someone wrote in between; the third time they set our very value):
    none of ours applied, so the change found on the platform at the next replay is not ours to sign."""
    ref = newest_arrived(rig)
    nurse = rig.sim.clinic.nurses[0].ref
    doctors = [d.ref for d in rig.sim.clinic.doctors]
    puts_seen = [0]

    def someone_else_first(request: httpx.Request) -> None:
        if request.method == "PUT":
            puts_seen[0] += 1
            if puts_seen[0] < 3:
                rig.sim.clinic.start_treatment(ref, doctor_ref=doctors[puts_seen[0] % len(doctors)])
            elif puts_seen[0] == 3:
                rig.sim.clinic.triage(ref, "red")  # our value, by someone else
        return None

    rig.transport.before = someone_else_first
    submit(rig, ref, CommandKind.SET_TRIAGE, "red", nurse)
    first = rig.replay()
    assert first.items[0].outcome is ReplayOutcome.PENDING and "kept changing" in first.items[0].detail
    assert [s[2] for s in rig.transport.methods("PUT")] == [412, 412, 412]
    rig.transport.before = None
    second = rig.replay(minutes_later=1)
    assert second.items[0].outcome is ReplayOutcome.APPLIED and "already on the platform" in second.items[0].detail
    assert provenances(rig) == []  # no author claimed for a change we did not make
