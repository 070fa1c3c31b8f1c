"""Snapshots against the simulator on an ephemeral port: complete only when it truly is, drops confirmed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from legevakt.problems import Problem, ProblemKind
from legevakt.sim import SimServer
from legevakt.sync.assemble import SnapshotAssembler
from legevakt.sync.errors import PlatformError, PlatformServerError
from legevakt.sync.fhir import FhirClient, RetryPolicy
from legevakt.sync.incremental import FetchKind, IncrementalSync
from legevakt.worklist.models import AlertKind, Fate
from legevakt.worklist.reconcile import reconcile
from legevakt.worklist.snapshot import WorklistState
from legevakt.worklist.triage import MTS
from tests.sync.hostile import Answer, HostileServer, Proxy, Seen, rewrite_json


@pytest.fixture
def link(make_sim: Callable[..., SimServer]) -> Iterator[tuple[SimServer, SnapshotAssembler]]:
    sim = make_sim(seed=5, initial_patients=12)
    client = FhirClient(sim.base_url, timeout=5, retry=RetryPolicy(attempts=1))
    try:
        yield sim, SnapshotAssembler(client, sim.clinic_ref, MTS, page_size=5)
    finally:
        client.close()


def now() -> datetime:
    return datetime.now(UTC)


def test_a_full_snapshot_holds_every_active_encounter_with_its_patient(
        link: tuple[SimServer, SnapshotAssembler]) -> None:
    sim, assembler = link
    snap = assembler.fetch(tracked=(), now=now())
    assert snap.complete, snap.problems
    assert set(snap.encounters) == set(sim.clinic.active_encounters())
    assert snap.list_items == frozenset(sim.clinic.list_items())
    for enc in snap.encounters.values():
        assert enc.patient_ref in snap.patients
        assert enc.at_clinic


def test_a_patient_removed_from_the_list_is_a_confirmed_drop(link: tuple[SimServer, SnapshotAssembler]) -> None:
    sim, assembler = link
    first = reconcile(WorklistState(), assembler.fetch(tracked=(), now=now()), now())
    victim = sorted(sim.clinic.list_items())[0]
    sim.clinic.drop_from_list(victim)

    second = reconcile(first.state, assembler.fetch(tracked=first.state.live, now=now()), now())

    entry = second.state.entries[victim]
    assert entry.fate is Fate.DROPPED and entry.drop_confirmed
    drops = [a for a in second.alerts if a.kind is AlertKind.DROPPED_FROM_QUEUE]
    assert [a.encounter for a in drops] == [victim]
    assert drops[0].severity.value == "critical"


def test_a_discharged_patient_departs_with_reason_and_no_alert(link: tuple[SimServer, SnapshotAssembler]) -> None:
    sim, assembler = link
    first = reconcile(WorklistState(), assembler.fetch(tracked=(), now=now()), now())
    gone = sorted(sim.clinic.list_items())[1]
    sim.clinic.discharge(gone, "admitted")

    second = reconcile(first.state, assembler.fetch(tracked=first.state.live, now=now()), now())

    entry = second.state.entries[gone]
    assert entry.fate is Fate.DEPARTED
    assert entry.departure is not None and entry.departure.value == "admitted"
    assert not [a for a in second.alerts if a.kind is AlertKind.DROPPED_FROM_QUEUE]


def test_a_page_that_shifts_mid_search_makes_the_snapshot_incomplete_and_raises_no_alert(
        link: tuple[SimServer, SnapshotAssembler]) -> None:
    sim, assembler = link
    first = reconcile(WorklistState(), assembler.fetch(tracked=(), now=now()), now())
    sim.faults.shift_page = True

    snap = assembler.fetch(tracked=first.state.live, now=now())
    second = reconcile(first.state, snap, now())

    assert not snap.complete
    assert snap.problems[0].kind in (ProblemKind.SNAPSHOT_LIST_CHANGED, ProblemKind.SNAPSHOT_TOTAL_MISMATCH)
    assert not second.changed and not second.events
    assert not [a for a in second.alerts if a.kind in (AlertKind.DROPPED_FROM_QUEUE, AlertKind.NOT_IN_QUEUE)]


def test_a_malformed_answer_makes_the_snapshot_incomplete_and_changes_nothing(
        link: tuple[SimServer, SnapshotAssembler]) -> None:
    sim, assembler = link
    first = reconcile(WorklistState(), assembler.fetch(tracked=(), now=now()), now())
    for ref in sorted(sim.clinic.list_items())[:6]:
        sim.clinic.discharge(ref)  # a real mass of departures, but we will not see it whole
    sim.faults.malformed_rate = 1.0

    snap = assembler.fetch(tracked=first.state.live, now=now())
    second = reconcile(first.state, snap, now())

    assert not snap.complete
    assert not second.changed and not second.events
    assert {e.fate for e in second.state.entries.values()} == {Fate.PRESENT}


def test_a_platform_that_only_answers_errors_is_reported_not_inferred(
        link: tuple[SimServer, SnapshotAssembler]) -> None:
    sim, assembler = link
    first = reconcile(WorklistState(), assembler.fetch(tracked=(), now=now()), now())
    sim.faults.error_rate = 1.0
    with pytest.raises(PlatformError):
        assembler.fetch(tracked=first.state.live, now=now())


def test_an_encounter_active_at_the_clinic_but_never_listed_is_not_in_queue(
        link: tuple[SimServer, SnapshotAssembler]) -> None:
    sim, assembler = link
    ref = sim.clinic.admit()
    sim.clinic.drop_from_list(ref)  # never seen in the List by us
    first = reconcile(WorklistState(), assembler.fetch(tracked=(), now=now()), now())
    assert first.state.entries[ref].fate is Fate.PRESENT
    later = now() + timedelta(seconds=31)  # past the registration grace, still not listed
    result = reconcile(first.state, assembler.fetch(tracked=first.state.live, now=later), later)
    kinds = {a.kind for a in result.alerts if a.encounter == ref}
    assert AlertKind.NOT_IN_QUEUE in kinds


def test_a_confirming_read_that_keeps_failing_becomes_an_unconfirmed_drop_then_clears(
        link: tuple[SimServer, SnapshotAssembler], monkeypatch: pytest.MonkeyPatch) -> None:
    sim, assembler = link
    first = reconcile(WorklistState(), assembler.fetch(tracked=(), now=now()), now())
    gone = sorted(sim.clinic.list_items())[3]
    sim.clinic.discharge(gone, "home")  # leaves the List and the active search: we must read it
    real_read = assembler.client.read

    def failing_read(ref: str) -> dict[str, object]:
        if ref == gone:
            raise PlatformServerError("HTTP 503", status=503)
        return real_read(ref)

    monkeypatch.setattr(assembler.client, "read", failing_read)
    once = assembler.fetch(tracked=first.state.live, now=now())
    assert not once.complete  # the first failure infers nothing
    assert reconcile(first.state, once, now()).changed == {}

    twice = assembler.fetch(tracked=first.state.live, now=now())
    assert twice.complete and gone in twice.unreadable
    second = reconcile(first.state, twice, now())
    entry = second.state.entries[gone]
    assert entry.fate is Fate.DROPPED and not entry.drop_confirmed
    alert = next(a for a in second.alerts if a.encounter == gone)
    assert (alert.kind, alert.severity.value) == (AlertKind.DROPPED_FROM_QUEUE, "critical")
    assert "unconfirmed" in alert.detail

    monkeypatch.setattr(assembler.client, "read", real_read)  # the platform answers again
    third = reconcile(second.state, assembler.fetch(tracked=second.state.live, now=now()), now())
    assert third.state.entries[gone].fate is Fate.DEPARTED
    resolved = next(a for a in third.alerts if a.id == alert.id)
    assert resolved.status.value == "resolved" and resolved.resolved_by is None and resolved.resolution


# -- List items as a conformant server may write them (absolute URLs), or as the client cannot read them --

@dataclass
class Front:
    """The simulator behind a proxy of ours that rewrites the queue List's items as it passes."""

    sim: SimServer
    assembler: SnapshotAssembler
    base: str  # the platform base the client is configured with (the proxy's)
    item: Callable[[str, int], dict[str, Any]] | None = None  # the simulator's ref, position -> the item sent
    extra: list[dict[str, Any]] = field(default_factory=list)  # items added to the List as it passes
    absolute_in_encounters: bool = False  # an Encounter's references as full URLs on the base, no display


@pytest.fixture
def front(make_sim: Callable[..., SimServer]) -> Iterator[Front]:
    sim = make_sim(seed=5, initial_patients=12)
    proxy = Proxy(sim.base_url)
    server = HostileServer(proxy).start()
    proxy.public = server.origin
    base = sim.base_url.replace(proxy.upstream, server.origin)
    client = FhirClient(base, timeout=5, retry=RetryPolicy(attempts=1))
    made = Front(sim, SnapshotAssembler(client, sim.clinic_ref, MTS, page_size=5), base)

    def change_list(lst: dict[str, Any]) -> None:
        entries = lst.get("entry") or []
        if made.item is not None:
            for i, entry in enumerate(entries):
                entry["item"] = made.item(entry["item"]["reference"], i)
        lst["entry"] = entries + [{"item": item} for item in made.extra]

    def absolute(reference: dict[str, Any]) -> None:
        reference["reference"] = f"{base}/{reference['reference']}"
        reference.pop("display", None)  # so the name must be looked up by that reference

    def change_encounter(enc: dict[str, Any]) -> None:
        if made.absolute_in_encounters:
            absolute(enc["subject"])
            for loc in enc.get("location") or []:
                absolute(loc["location"])
            for part in enc.get("participant") or []:
                absolute(part["individual"])

    def rewrite(seen: Seen, answer: Answer) -> Answer:
        def change(doc: dict[str, Any]) -> None:
            if doc.get("resourceType") == "List":
                change_list(doc)
            if doc.get("resourceType") == "Encounter":
                change_encounter(doc)
            for entry in doc.get("entry") or [] if doc.get("resourceType") == "Bundle" else []:
                if (entry.get("resource") or {}).get("resourceType") == "List":
                    change_list(entry["resource"])
                if (entry.get("resource") or {}).get("resourceType") == "Encounter":
                    change_encounter(entry["resource"])
        path = seen.path.split("?", 1)[0]
        hostile = "/List" in path or "/Encounter" in path
        return rewrite_json(answer, change) if answer[0] == 200 and hostile else answer

    proxy.rewrite = rewrite
    try:
        yield made
    finally:
        client.close()
        server.stop()
        proxy.close()


def test_a_queue_list_of_absolute_references_on_the_platform_base_is_read_whole(front: Front) -> None:
    # A conformant server may write every item as a full URL on its base, some pinned to a version.
    front.item = lambda ref, i: {"reference": f"{front.base}/{ref}" + ("/_history/1" if i % 2 else "")}

    snap = front.assembler.fetch(tracked=(), now=now())

    assert snap.complete, snap.problems
    assert snap.list_items == frozenset(front.sim.clinic.list_items())  # the simulator's truth
    assert set(snap.encounters) == set(front.sim.clinic.active_encounters())


def test_an_encounters_absolute_references_on_the_base_name_its_patient_room_and_staff(front: Front) -> None:
    sim = front.sim
    for ref in sorted(sim.clinic.list_items())[:3]:
        sim.clinic.start_treatment(ref)  # a room and a doctor for some
    front.absolute_in_encounters = True

    snap = front.assembler.fetch(tracked=(), now=now())

    assert snap.complete, snap.problems
    with_room = [e for e in snap.encounters.values() if e.room is not None]
    assert len(with_room) >= 3
    for enc in snap.encounters.values():
        truth = sim.clinic.store.get_ref(enc.ref)
        assert truth is not None
        assert enc.patient_ref == truth["subject"]["reference"] and enc.patient_ref in snap.patients
        assert enc.at_clinic
    for enc in with_room:  # the name looked up by the normalised reference (no display was sent)
        location = sim.clinic.store.get_ref(enc.room)
        assert location is not None and enc.room_name == location["name"]
    assert [e for e in snap.encounters.values() if e.doctor is not None and e.doctor_name]


@pytest.mark.parametrize("unreadable", [
    {"reference": "https://other.example/fhir/{victim}"},  # the victim's id, but on another server
    {"reference": "urn:uuid:6f1c2a8e-0d7b-4c53-9a61-2b8f0e4d5c37"},
    {"reference": "#enc1"},
    {"display": "Pasient uten referanse"},
], ids=["other-server", "urn-uuid", "contained", "display-only"])
def test_a_list_item_the_client_cannot_look_up_makes_the_snapshot_incomplete_and_drops_no_one(
        front: Front, unreadable: dict[str, str]) -> None:
    sim, assembler = front.sim, front.assembler
    first = reconcile(WorklistState(), assembler.fetch(tracked=(), now=now()), now())
    victim = sorted(sim.clinic.list_items())[0]
    sim.clinic.drop_from_list(victim)  # the truth: a drop, but the List now also holds an item we cannot read
    front.extra = [{k: v.format(victim=victim) for k, v in unreadable.items()}]

    snap = assembler.fetch(tracked=first.state.live, now=now())
    second = reconcile(first.state, snap, now())

    assert not snap.complete
    assert list(snap.problems) == [Problem.of(ProblemKind.SNAPSHOT_LIST_ITEM_UNRESOLVED, count=1)]
    assert not second.events and not second.alerts  # who that item is, nobody knows: nothing inferred
    assert {e.fate for e in second.state.entries.values()} == {Fate.PRESENT}

    front.extra = []  # the List is readable again: the drop that happened is seen and confirmed
    third = reconcile(second.state, assembler.fetch(tracked=second.state.live, now=now()), now())
    assert third.state.entries[victim].fate is Fate.DROPPED
    assert [a.encounter for a in third.alerts if a.kind is AlertKind.DROPPED_FROM_QUEUE] == [victim]


def test_the_incremental_sync_also_infers_nothing_from_a_list_item_it_cannot_look_up(front: Front) -> None:
    sim = front.sim
    sync = IncrementalSync(front.assembler, interval=None, full_after=None)  # incremental after the first
    first = sync.fetch(tracked=(), now=now())
    assert first.complete, first.problems
    state = reconcile(WorklistState(), first, now()).state
    sync.stored(first)  # the cursor advances: the next cycles are incremental
    victim = sorted(sim.clinic.list_items())[0]
    sim.clinic.drop_from_list(victim)
    front.extra = [{"reference": "urn:uuid:6f1c2a8e-0d7b-4c53-9a61-2b8f0e4d5c37"}]

    kinds = []
    for _ in range(2):  # incremental (the List's new version is read and refused), then a full snapshot
        snap = sync.fetch(tracked=state.live, now=now())
        result = reconcile(state, snap, now())
        assert not snap.complete
        assert list(snap.problems) == [Problem.of(ProblemKind.SNAPSHOT_LIST_ITEM_UNRESOLVED, count=1)]
        assert not result.events and not result.alerts
        state = result.state
        kinds.append(sync.last_kind)
        sync.stored(snap)
    assert state.entries[victim].fate is Fate.PRESENT
    assert kinds == [FetchKind.INCREMENTAL, FetchKind.FULL]
