"""Writes through the outbox against the simulator: each outcome, in order, exactly once."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legevakt import codes
from legevakt.sim import SimConfig, SimServer
from legevakt.store import Store, StoreError, StoreErrorKind, open_store
from legevakt.store.outbox import OutboxState
from legevakt.sync.assemble import SnapshotAssembler
from legevakt.sync.engine import SyncEngine, utcnow
from legevakt.sync.fhir import FhirClient, RetryPolicy
from legevakt.sync.mapping import encounter_from_fhir
from legevakt.sync.outbox_replay import OutboxReplayer, ReplayConfig, ReplayOutcome, ReplayReport
from legevakt.worklist.commands import (
    Command,
    CommandError,
    CommandKind,
    apply_local,
    field_value,
    make_command,
    make_create,
)
from legevakt.worklist.models import AlertKind, AlertStatus, DepartureReason, Encounter, EncounterStatus, Fate
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled
from legevakt.worklist.triage import MTS

CFG = ReconcileConfig()
NO_WAIT = RetryPolicy(attempts=2, base_delay=0.0, sleep=lambda s: None)
Resource = dict[str, Any]


class Recorder(httpx.BaseTransport):
    """A real transport that records each request and its status, and can answer or act before sending."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[tuple[str, str, int]] = []  # (method, path, status)
        self.headers: list[httpx.Headers] = []
        self.before: Callable[[httpx.Request], httpx.Response | None] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.before(request) if self.before is not None else None
        if answer is None:
            answer = self.inner.handle_request(request)
        self.sent.append((request.method, request.url.path, answer.status_code))
        self.headers.append(request.headers)
        return answer

    def close(self) -> None:
        self.inner.close()

    def methods(self, method: str) -> list[tuple[str, str, int]]:
        return [s for s in self.sent if s[0] == method]


class Crash(Exception):
    """The process died (between the platform's answer and the outbox mark)."""


class CrashingOutbox:
    """The store as the replayer's outbox, dying before marking a command applied when the plan says so."""

    def __init__(self, store: Store, plan: Iterator[bool]) -> None:
        self.store = store
        self.plan = plan

    def enqueue(self, command: Command, result: Reconciled, *, actor: str) -> int:
        return self.store.enqueue(command, result, actor=actor)

    def pending(self) -> list[Command]:
        return self.store.pending()

    def pending_by_encounter(self) -> dict[str, int]:
        return self.store.pending_by_encounter()

    def mark(self, command_id: str, state: str, error: str | None = None, *, result: Reconciled | None = None,
             actor: str = "system", attempt: bool = False, **provenance: Any) -> None:
        if state == "applied" and next(self.plan, False):
            raise Crash(command_id)
        self.store.mark(command_id, state, error, result=result, actor=actor, attempt=attempt, **provenance)

    def __getattr__(self, name: str) -> Any:  # the rest of the outbox (in-flight updates, Provenances) as stored
        return getattr(self.store, name)


@dataclass
class Rig:
    sim: SimServer
    store: Store
    client: FhirClient
    transport: Recorder
    engine: SyncEngine
    clock: list[datetime] = field(default_factory=lambda: [utcnow()])

    @property
    def now(self) -> datetime:
        return self.clock[0]

    def submit(self, ref: str, kind: CommandKind, target: str, **kw: Any) -> Command:
        command = make_command(self.engine.state.entries[ref], kind, target, by="nurse-1", now=self.now,
                               scale=MTS, **kw)
        self.engine.submit(command)
        return command

    def replay(self, minutes_later: float = 0.0) -> ReplayReport:
        report = self.engine.replay(self.now + timedelta(minutes=minutes_later))
        assert report is not None
        return report

    def replayer(self, outbox: Any) -> OutboxReplayer:
        return OutboxReplayer(self.client, outbox, replay_config(self.sim))

    def versions(self, ref: str) -> list[Resource]:
        return [v.resource for v in self.sim.store.history("Encounter", ref.partition("/")[2]) if v.resource]

    def platform(self, ref: str) -> Encounter:
        resource = self.sim.clinic.read(ref)
        assert resource is not None
        return encounter_from_fhir(resource, clinic_ref=self.sim.clinic_ref, scale=MTS)


def replay_config(sim: SimServer) -> ReplayConfig:
    return ReplayConfig(clinic_ref=sim.clinic_ref, reconcile=CFG, pending_after=timedelta(minutes=2))


def make_rig(sim: SimServer, data_dir: Path) -> Rig:
    store = open_store(data_dir)
    transport = Recorder()
    client = FhirClient(sim.base_url, retry=NO_WAIT, transport=transport)
    clock = [utcnow()]
    replayer = OutboxReplayer(client, store, replay_config(sim))
    engine = SyncEngine(SnapshotAssembler(client, sim.clinic_ref, MTS), lambda r, a: store.save(r, actor=a),
                        store.load_state(clock[0], CFG), CFG, clock=lambda: clock[0], replayer=replayer)
    outcome = engine.cycle()
    assert outcome.complete, outcome.problems
    transport.sent.clear()
    transport.headers.clear()
    return Rig(sim, store, client, transport, engine, clock)


@pytest.fixture
def rig(make_sim: Callable[..., SimServer], tmp_path: Path) -> Iterator[Rig]:
    sim = make_sim(seed=5, initial_patients=4)
    sim.clinic.admit()  # before the first sync: an arrived patient the tests act on
    made = make_rig(sim, tmp_path / "data")
    yield made
    made.client.close()
    made.store.close()


def newest_arrived(rig: Rig) -> str:
    refs = [e.ref for e in rig.engine.state.queue if e.encounter.status is EncounterStatus.ARRIVED]
    assert refs
    return sorted(refs, key=lambda r: rig.engine.state.entries[r].arrived_at)[-1]


def outcomes(report: ReplayReport) -> list[ReplayOutcome]:
    return [i.outcome for i in report.items]


# -- applied -----------------------------------------------------------------------------------------

def test_a_command_is_sent_once_with_if_match_and_marked_applied(rig: Rig) -> None:
    ref = newest_arrived(rig)
    before = rig.versions(ref)
    command = rig.submit(ref, CommandKind.SET_TRIAGE, "red")
    assert rig.engine.state.entries[ref].encounter.triage == "red"  # optimistic, before anything is sent
    assert rig.store.pending_by_encounter() == {ref: 1}

    report = rig.replay()

    assert outcomes(report) == [ReplayOutcome.APPLIED] and report.items[0].wrote
    assert len(rig.versions(ref)) == len(before) + 1
    (put,) = rig.transport.methods("PUT")
    if_match = rig.transport.headers[rig.transport.sent.index(put)]["If-Match"]
    assert if_match == f'W/"{before[-1]["meta"]["versionId"]}"'
    priority = rig.versions(ref)[-1]["priority"]["coding"]
    assert {(c["system"], c["code"]) for c in priority} == {(MTS.system, "red"), (codes.V3_ACT_PRIORITY, "S")}
    (row,) = rig.store.outbox()
    assert row.command == command and row.state is OutboxState.APPLIED and row.attempts == 0
    assert rig.store.pending_by_encounter() == {}
    assert rig.replay().items == ()  # nothing left: a second replay sends nothing
    assert len(rig.versions(ref)) == len(before) + 1


def test_a_whole_visit_round_trips_through_the_platform(rig: Rig) -> None:
    ref = newest_arrived(rig)
    room, nurse, doctor = rig.sim.clinic.rooms[2][0], rig.sim.clinic.nurses[0].ref, rig.sim.clinic.doctors[1].ref
    steps: list[tuple[CommandKind, str, dict[str, Any]]] = [
        (CommandKind.SET_TRIAGE, "yellow", {}), (CommandKind.SET_STATE, "triaged", {}),
        (CommandKind.ASSIGN_NURSE, nurse, {}), (CommandKind.ASSIGN_ROOM, room, {"display": "Rom 3"}),
        (CommandKind.ASSIGN_DOCTOR, doctor, {}), (CommandKind.SET_STATE, "in-progress", {}),
        (CommandKind.SET_STATE, "onleave", {}), (CommandKind.SET_STATE, "in-progress", {}),
        (CommandKind.ASSIGN_ROOM, rig.sim.clinic.rooms[3][0], {}),
        (CommandKind.SET_STATE, "finished", {"disposition": "home"}),
    ]
    before = len(rig.versions(ref))
    for kind, target, extra in steps:
        rig.submit(ref, kind, target, **extra)
        seen = rig.platform(ref)
        report = rig.replay()
        assert outcomes(report) == [ReplayOutcome.APPLIED], report
        assert field_value(rig.platform(ref), kind) == report.items[0].command.target_value
        assert seen != rig.platform(ref)
    assert len(rig.versions(ref)) == before + len(steps)
    final = rig.versions(ref)[-1]
    assert final["status"] == "finished" and "end" in final["period"]
    assert {(c["system"], c["code"]) for c in final["hospitalization"]["dischargeDisposition"]["coding"]} == {
        (codes.DEPARTURE_SYSTEM, "home"), (codes.HL7_DISCHARGE_DISPOSITION, "home")}
    assert {"reference": rig.sim.clinic_ref} | final["location"][0]["location"] == final["location"][0]["location"]
    assert [h["status"] for h in final["statusHistory"]][-6:] == [
        "arrived", "triaged", "in-progress", "onleave", "in-progress", "finished"]
    assert ref not in rig.sim.clinic.list_items()  # the platform took it off its queue

    rig.engine.cycle()
    entry = rig.engine.state.entries[ref]
    assert (entry.fate, entry.departure) == (Fate.DEPARTED, DepartureReason.HOME)


# -- someone else wrote first ---------------------------------------------------------------------------

def test_a_change_to_another_field_by_someone_else_is_kept_and_ours_applied_on_top(rig: Rig) -> None:
    ref = newest_arrived(rig)
    rig.submit(ref, CommandKind.SET_TRIAGE, "orange")
    doctor, room = rig.sim.clinic.doctors[0].ref, rig.sim.clinic.rooms[4][0]
    rig.sim.clinic.start_treatment(ref, doctor_ref=doctor, room_ref=room)  # someone else, before our replay

    report = rig.replay()

    assert outcomes(report) == [ReplayOutcome.APPLIED]
    platform = rig.platform(ref)
    assert (platform.triage, platform.doctor, platform.room, platform.status) == (
        "orange", doctor, room, EncounterStatus.IN_PROGRESS)


def test_a_412_between_our_read_and_write_reads_again_and_re_applies(rig: Rig) -> None:
    ref = newest_arrived(rig)
    rig.submit(ref, CommandKind.ASSIGN_NURSE, rig.sim.clinic.nurses[1].ref)
    doctor = rig.sim.clinic.doctors[1].ref

    def someone_else_first(request: httpx.Request) -> None:
        if request.method == "PUT" and not rig.transport.methods("PUT"):
            rig.sim.clinic.start_treatment(ref, doctor_ref=doctor)  # another field, just before ours lands
        return None

    rig.transport.before = someone_else_first
    report = rig.replay()

    assert [s[2] for s in rig.transport.methods("PUT")] == [412, 200]
    assert outcomes(report) == [ReplayOutcome.APPLIED] and "reading again" in report.items[0].detail
    platform = rig.platform(ref)
    assert (platform.nurse, platform.doctor) == (rig.sim.clinic.nurses[1].ref, doctor)


@pytest.mark.parametrize("when", ["before the replay", "between our read and write (412)"])
def test_the_same_field_changed_by_someone_else_is_a_conflict_showing_both_values(rig: Rig, when: str) -> None:
    ref = newest_arrived(rig)
    command = rig.submit(ref, CommandKind.SET_TRIAGE, "red")
    if when == "before the replay":
        rig.sim.clinic.triage(ref, "orange")
    else:
        def same_field(request: httpx.Request) -> None:
            if request.method == "PUT" and not rig.transport.methods("PUT"):
                rig.sim.clinic.triage(ref, "orange")
            return None
        rig.transport.before = same_field
    versions = len(rig.versions(ref))

    report = rig.replay()

    assert outcomes(report) == [ReplayOutcome.CONFLICT]
    assert (report.items[0].ours, report.items[0].theirs) == ("red", "orange")
    theirs = 0 if when == "before the replay" else 1
    assert len(rig.versions(ref)) == versions + theirs and rig.platform(ref).triage == "orange"  # ours: none
    assert [s[2] for s in rig.transport.methods("PUT")] == [412] * theirs
    alert = rig.engine.state.open_alert(AlertKind.WRITE_CONFLICT, command.command_id)
    assert alert is not None and alert.severity.value == "critical" and alert.encounter == ref
    assert "ours red" in alert.detail and "theirs orange" in alert.detail
    assert rig.engine.state.entries[ref].encounter.triage == "orange"
    (row,) = rig.store.outbox()
    assert row.state is OutboxState.CONFLICT
    assert [a.id for a in rig.store.alerts("open") if a.kind is AlertKind.WRITE_CONFLICT] == [alert.id]
    assert rig.replay().items == ()


# -- refused -----------------------------------------------------------------------------------------------

def test_a_refused_write_raises_write_not_applied_with_the_servers_text(rig: Rig) -> None:
    ref = newest_arrived(rig)
    command = rig.submit(ref, CommandKind.ASSIGN_ROOM, rig.sim.clinic.rooms[1][0])
    rig.sim.faults.reject_writes_next = 1
    versions = len(rig.versions(ref))

    report = rig.replay()

    assert outcomes(report) == [ReplayOutcome.REFUSED]
    text = "write rejected by the platform (simulated business rule)"
    assert text in report.items[0].detail
    alert = rig.engine.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id)
    assert alert is not None and alert.severity.value == "critical" and text in alert.detail
    assert rig.engine.state.entries[ref].encounter.room is None  # the platform's value again
    (row,) = rig.store.outbox()
    assert row.state is OutboxState.REFUSED and text in (row.last_error or "")
    assert len(rig.versions(ref)) == versions
    assert rig.replay().items == ()  # a refusal is final: never sent again


def test_a_write_to_an_encounter_the_platform_does_not_have_is_refused(rig: Rig) -> None:
    ref = newest_arrived(rig)
    command = rig.submit(ref, CommandKind.SET_TRIAGE, "green")

    def gone(request: httpx.Request) -> httpx.Response | None:
        if request.method == "GET" and request.url.path.endswith(ref):
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "not-found", "diagnostics": f"{ref} is not known"}]})
        return None

    rig.transport.before = gone
    report = rig.replay()
    assert outcomes(report) == [ReplayOutcome.REFUSED] and "is not known" in report.items[0].detail
    assert rig.engine.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id) is not None


# -- pending ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("knob", ["drop_connection_rate", "error_rate"])
def test_transport_failures_and_server_faults_leave_the_command_pending(rig: Rig, knob: str) -> None:
    ref = newest_arrived(rig)
    command = rig.submit(ref, CommandKind.SET_TRIAGE, "yellow")
    setattr(rig.sim.faults, knob, 1.0)
    versions = len(rig.versions(ref))

    report = rig.replay()

    assert outcomes(report) == [ReplayOutcome.PENDING]
    (row,) = rig.store.outbox()
    assert row.state is OutboxState.PENDING and row.attempts == 1 and row.last_error
    assert rig.engine.state.entries[ref].encounter.triage == "yellow"  # still ours while it is being sent
    assert rig.engine.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id) is None
    assert len(rig.versions(ref)) == versions
    rig.replay()
    assert rig.store.outbox()[0].attempts == 2

    setattr(rig.sim.faults, knob, 0.0)
    assert outcomes(rig.replay()) == [ReplayOutcome.APPLIED]
    assert rig.platform(ref).triage == "yellow"


def test_an_unreachable_platform_stops_the_replay_and_keeps_everything_pending(rig: Rig, tmp_path: Path) -> None:
    refs = [e.ref for e in rig.engine.state.queue][:2]
    first = rig.submit(refs[0], CommandKind.SET_TRIAGE, "blue")
    second = rig.submit(refs[1], CommandKind.SET_TRIAGE, "blue")
    with FhirClient("http://127.0.0.1:9/fhir", retry=NO_WAIT) as dead:
        report = OutboxReplayer(dead, rig.store, replay_config(rig.sim)).replay(rig.now, rig.engine.state)
    assert outcomes(report) == [ReplayOutcome.PENDING, ReplayOutcome.PENDING]
    assert report.error is not None and "not sent" in report.items[1].detail
    assert [(r.command, r.attempts) for r in rig.store.outbox()] == [(first, 1), (second, 0)]


def test_a_stuck_encounter_holds_up_its_own_later_commands_but_not_others(rig: Rig) -> None:
    a, b = [e.ref for e in rig.engine.state.queue][:2]
    a1 = rig.submit(a, CommandKind.SET_TRIAGE, "blue")
    a2 = rig.submit(a, CommandKind.ASSIGN_ROOM, rig.sim.clinic.rooms[5][0])
    b1 = rig.submit(b, CommandKind.SET_TRIAGE, "blue")

    def a_is_stuck(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(503) if request.url.path.endswith(a) else None

    rig.transport.before = a_is_stuck
    report = rig.replay()
    assert [(i.command, i.outcome) for i in report.items] == [
        (a1, ReplayOutcome.PENDING), (a2, ReplayOutcome.PENDING), (b1, ReplayOutcome.APPLIED)]
    assert "earlier change to the same encounter" in report.items[1].detail
    assert rig.store.pending() == [a1, a2]

    rig.transport.before = None
    assert outcomes(rig.replay()) == [ReplayOutcome.APPLIED, ReplayOutcome.APPLIED]
    assert (rig.platform(a).triage, rig.platform(a).room) == ("blue", rig.sim.clinic.rooms[5][0])


def test_a_command_pending_too_long_raises_write_not_applied_until_it_is_confirmed(rig: Rig) -> None:
    ref = newest_arrived(rig)
    command = rig.submit(ref, CommandKind.SET_TRIAGE, "green")
    rig.sim.faults.error_rate = 1.0

    rig.replay(minutes_later=1.9)
    assert rig.engine.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id) is None
    report = rig.replay(minutes_later=2.0)
    alert = rig.engine.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id)
    assert alert is not None and alert.severity.value == "critical" and alert.encounter == ref
    assert "not confirmed by the platform yet" in alert.detail and "waiting 2 min" in alert.detail
    assert report.reconciled is not None and alert in report.reconciled.alerts
    assert [a.id for a in rig.store.alerts("open") if a.kind is AlertKind.WRITE_NOT_APPLIED] == [alert.id]
    assert rig.replay(minutes_later=3).reconciled is None  # the same alert: nothing new to store or show

    rig.sim.faults.error_rate = 0.0
    report = rig.replay(minutes_later=4)
    assert outcomes(report) == [ReplayOutcome.APPLIED]
    assert rig.engine.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id) is None
    assert rig.store.alert(alert.id).status is AlertStatus.RESOLVED  # type: ignore[union-attr]


def test_the_pending_limit_follows_the_setting(rig: Rig) -> None:
    ref = newest_arrived(rig)
    command = rig.submit(ref, CommandKind.SET_TRIAGE, "green")
    rig.sim.faults.error_rate = 1.0
    config = ReplayConfig(clinic_ref=rig.sim.clinic_ref, reconcile=CFG, pending_after=timedelta(minutes=10))
    report = OutboxReplayer(rig.client, rig.store, config).replay(rig.now + timedelta(minutes=9),
                                                                  rig.engine.state)
    assert report.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id) is None
    report = OutboxReplayer(rig.client, rig.store, config).replay(rig.now + timedelta(minutes=10),
                                                                  rig.engine.state)
    assert report.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id) is not None


# -- exactly once -----------------------------------------------------------------------------------------

def test_a_crash_after_the_write_but_before_the_mark_never_writes_again(rig: Rig) -> None:
    ref = newest_arrived(rig)
    rig.submit(ref, CommandKind.ASSIGN_DOCTOR, rig.sim.clinic.doctors[0].ref)
    versions = len(rig.versions(ref))
    with pytest.raises(Crash):
        rig.replayer(CrashingOutbox(rig.store, iter([True]))).replay(rig.now, rig.engine.state)
    assert len(rig.versions(ref)) == versions + 1
    assert len(rig.store.pending()) == 1  # the platform has it; we did not get to say so

    report = rig.replay()

    assert outcomes(report) == [ReplayOutcome.APPLIED] and not report.items[0].wrote
    assert "without writing" in report.items[0].detail
    assert len(rig.versions(ref)) == versions + 1
    assert rig.store.pending() == []


def test_a_create_carries_a_client_identifier_and_is_never_duplicated(rig: Rig) -> None:
    ref = newest_arrived(rig)
    note = {"resourceType": "DocumentReference", "status": "current", "docStatus": "preliminary",
            "context": {"encounter": [{"reference": ref}]},
            "content": [{"attachment": {"contentType": "text/plain", "data": "T2sgLSBzeW50ZXRpc2s="}}]}
    command = make_create(note, by="doc-1", now=rig.now, encounter=ref)
    rig.engine.submit(command)

    with pytest.raises(Crash):
        rig.replayer(CrashingOutbox(rig.store, iter([True]))).replay(rig.now, rig.engine.state)
    report = rig.replay()

    assert outcomes(report) == [ReplayOutcome.APPLIED] and "already on the platform" in report.items[0].detail
    ours = [d for d in rig.sim.store.live("DocumentReference")
            if {"system": codes.CLIENT_REQUEST_SYSTEM, "value": command.command_id} in d.get("identifier", [])]
    assert len(ours) == 1 and ours[0]["docStatus"] == "preliminary"
    (post,) = rig.transport.methods("POST")
    assert post[2] == 201
    assert "identifier=" in rig.transport.headers[rig.transport.sent.index(post)]["If-None-Exist"]


def test_if_none_exist_alone_keeps_a_replayed_create_single(rig: Rig) -> None:
    """On a server that cannot search by identifier first, If-None-Exist is what stops a duplicate."""
    note = {"resourceType": "DocumentReference", "status": "current"}
    command = make_create(note, by="doc-1", now=rig.now)
    rig.engine.submit(command)

    def no_identifier_search(request: httpx.Request) -> httpx.Response | None:
        if request.method == "GET" and "identifier" in request.url.params:
            return httpx.Response(400, json={"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "not-supported", "diagnostics": "unknown parameter"}]})
        return None

    rig.transport.before = no_identifier_search
    with pytest.raises(Crash):
        rig.replayer(CrashingOutbox(rig.store, iter([True]))).replay(rig.now, rig.engine.state)
    report = rig.replay()
    assert outcomes(report) == [ReplayOutcome.APPLIED] and "not created again" in report.items[0].detail
    assert [s[2] for s in rig.transport.methods("POST")] == [201, 200]
    ours = [d for d in rig.sim.store.live("DocumentReference")
            if any(i.get("value") == command.command_id for i in d.get("identifier", []))]
    assert len(ours) == 1


def test_the_engine_cycle_replays_before_it_fetches_and_shows_the_alerts(rig: Rig) -> None:
    ref = newest_arrived(rig)
    command = rig.submit(ref, CommandKind.SET_TRIAGE, "red")
    rig.sim.faults.reject_writes_next = 1
    outcome = rig.engine.cycle()
    assert outcome.complete
    assert any(a.kind is AlertKind.WRITE_NOT_APPLIED and a.key == command.command_id
               for a in outcome.reconciled.alerts)
    assert rig.engine.last_replay is not None and outcomes(rig.engine.last_replay) == [ReplayOutcome.REFUSED]
    assert rig.engine.state.entries[ref].encounter.triage is None


def test_submit_refuses_bad_input_and_queues_nothing(rig: Rig) -> None:
    ref = newest_arrived(rig)
    with pytest.raises(CommandError):
        rig.submit(ref, CommandKind.SET_STATE, "onleave")
    assert rig.store.outbox() == []


# -- property: replaying any number of times, with crashes, gives one platform state --------------------

@pytest.fixture(scope="module")
def shared_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=11, speed=0.0, initial_patients=3), port=0) as sim:
        yield sim


KINDS = (CommandKind.SET_TRIAGE, CommandKind.ASSIGN_ROOM, CommandKind.ASSIGN_NURSE, CommandKind.ASSIGN_DOCTOR,
         CommandKind.SET_STATE)
STATES = ("triaged", "in-progress", "onleave", "in-progress", "finished")


def _values(sim: SimServer, kind: CommandKind) -> list[str]:
    return {
        CommandKind.SET_TRIAGE: list(codes.TRIAGE_COLOURS),
        CommandKind.ASSIGN_ROOM: [r for r, _ in sim.clinic.rooms[:3]],
        CommandKind.ASSIGN_NURSE: [s.ref for s in sim.clinic.nurses[:2]],
        CommandKind.ASSIGN_DOCTOR: [s.ref for s in sim.clinic.doctors[:2]],
        CommandKind.SET_STATE: list(STATES),
    }[kind]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 4)), min_size=1, max_size=8),
       crashes=st.lists(st.booleans(), max_size=12), extra=st.integers(0, 2))
def test_replaying_any_number_of_times_with_crashes_yields_one_platform_state(
        shared_sim: SimServer, steps: list[tuple[CommandKind, int]], crashes: list[bool], extra: int) -> None:
    sim = shared_sim
    ref = sim.clinic.admit()
    with tempfile.TemporaryDirectory() as tmp:
        rig = make_rig(sim, Path(tmp) / "data")
        try:
            entry = rig.engine.state.entries[ref]
            expected, accepted = entry, []
            for kind, index in steps:
                values = _values(sim, kind)
                target = values[index % len(values)]
                try:
                    command = make_command(expected, kind, target, by="n", now=rig.now, scale=MTS,
                                           disposition="home" if target == "finished" else None)
                except CommandError:
                    continue  # not a valid next step from here: a person could not give it either
                rig.engine.submit(command)
                accepted.append(command)
                expected = apply_local(expected, command)
            before = len(rig.versions(ref))

            plan = iter(crashes)
            for _ in range(len(accepted) + len(crashes) + 2):
                if not rig.store.pending():
                    break
                restarted = rig.store.load_state(rig.now, CFG)  # after a crash, only the disk remains
                try:
                    rig.replayer(CrashingOutbox(rig.store, plan)).replay(rig.now, restarted)
                except Crash:
                    continue
            for _ in range(extra):
                assert rig.replayer(rig.store).replay(rig.now, rig.store.load_state(rig.now, CFG)).items == ()

            assert rig.store.pending() == []
            assert all(row.state is OutboxState.APPLIED for row in rig.store.outbox())
            assert len(rig.versions(ref)) == before + len(accepted)  # each command written exactly once
            platform = rig.platform(ref)
            for kind in KINDS:
                assert field_value(platform, kind) == field_value(expected.encounter, kind)
        finally:
            rig.client.close()
            rig.store.close()


def test_a_replay_cut_short_by_the_disk_keeps_what_it_stored(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = [e.ref for e in rig.engine.state.queue][:2]
    first = rig.submit(a, CommandKind.SET_TRIAGE, "red")
    rig.submit(b, CommandKind.SET_TRIAGE, "red")
    rig.sim.clinic.triage(a, "orange")  # the first will conflict (and raise an alert)
    real_mark = rig.store.mark
    calls: list[str] = []

    def mark(command_id: str, state: str, *args: Any, **kw: Any) -> None:
        calls.append(command_id)
        if len(calls) == 2:
            raise StoreError(StoreErrorKind.DISK_FULL)
        real_mark(command_id, state, *args, **kw)

    monkeypatch.setattr(rig.store, "mark", mark)
    with pytest.raises(StoreError):
        rig.replay()
    alert = rig.engine.state.open_alert(AlertKind.WRITE_CONFLICT, first.command_id)
    assert alert is not None  # the engine carries on from what was stored, not from before the replay
    assert rig.store.alert(alert.id) == alert
    assert rig.engine.state.alert_seq == rig.store.load_state(rig.now, CFG).alert_seq


def test_a_write_refused_before_the_encounter_was_read_shows_the_last_confirmed_triage(rig: Rig) -> None:
    """A refusal that comes without the platform's value (the read itself was refused) puts back the value
    the command was made on, never a blank triage."""
    ref = newest_arrived(rig)
    rig.submit(ref, CommandKind.SET_TRIAGE, "green")
    assert outcomes(rig.replay()) == [ReplayOutcome.APPLIED]
    command = rig.submit(ref, CommandKind.SET_TRIAGE, "red")
    assert rig.engine.state.entries[ref].encounter.triage == "red"  # the local effect

    def gone(request: httpx.Request) -> httpx.Response | None:
        if request.method == "GET" and request.url.path.endswith(ref):
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "not-found", "diagnostics": f"{ref} is not known"}]})
        return None

    rig.transport.before = gone
    report = rig.replay()
    assert outcomes(report) == [ReplayOutcome.REFUSED] and report.items[0].theirs is None
    assert rig.engine.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id) is not None
    assert rig.engine.state.entries[ref].encounter.triage == "green"


def test_a_refused_room_shows_the_previous_room_by_name_again(rig: Rig) -> None:
    ref = newest_arrived(rig)
    (first, first_name), (second, second_name) = rig.sim.clinic.rooms[0], rig.sim.clinic.rooms[1]
    rig.submit(ref, CommandKind.ASSIGN_ROOM, first, display=first_name)
    assert outcomes(rig.replay()) == [ReplayOutcome.APPLIED]
    rig.submit(ref, CommandKind.ASSIGN_ROOM, second, display=second_name)
    rig.sim.faults.reject_writes_next = 1
    assert outcomes(rig.replay()) == [ReplayOutcome.REFUSED]
    encounter = rig.engine.state.entries[ref].encounter
    assert (encounter.room, encounter.room_name) == (first, first_name)
