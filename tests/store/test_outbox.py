"""The outbox: a command is stored with its local effect in one transaction, and its outcome with its alert."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from legevakt.store import Store, open_store
from legevakt.store.outbox import OutboxState
from legevakt.worklist.commands import Command, CommandKind, make_command, make_create
from legevakt.worklist.models import AlertKind, DepartureReason, EncounterStatus
from legevakt.worklist.reconcile import ReconcileConfig, reconcile
from legevakt.worklist.snapshot import Snapshot, WorklistState
from legevakt.worklist.triage import MTS
from legevakt.worklist.write_outcomes import apply_command, write_applied, write_conflict
from tests.store.conftest import at, encounter, patient

CFG = ReconcileConfig()


def seeded(store: Store) -> WorklistState:
    """A store holding two triaged encounters (e1, e2)."""
    encs = [encounter(1), encounter(2, arrived=1)]
    snap = Snapshot.of(at(0), list_items=[e.ref for e in encs], encounters=encs,
                       patients=[patient(1), patient(2)])
    result = reconcile(store.load_state(at(0), CFG), snap, at(0), CFG)
    store.save(result)
    return result.state


def triage(state: WorklistState, ref: str, code: str) -> Command:
    return make_command(state.entries[ref], CommandKind.SET_TRIAGE, code, by="nurse-1", now=at(2), scale=MTS)


def test_enqueue_stores_the_command_and_its_local_effect_together(store: Store) -> None:
    state = seeded(store)
    command = triage(state, "Encounter/e1", "red")
    seq = store.enqueue(command, apply_command(state, command, at(2), CFG), actor="nurse-1")
    assert seq >= 1
    assert store.pending() == [command]
    (e1,) = [e for e in store.entries() if e.ref == "Encounter/e1"]
    assert e1.encounter.triage == "red"
    assert store.pending_by_encounter() == {"Encounter/e1": 1}
    queued = [r for r in store.audit() if r.action == "write.queued"]
    assert [(r.actor, r.target) for r in queued] == [("nurse-1", "Encounter/e1")]
    assert command.command_id in queued[0].detail


def test_a_failed_enqueue_stores_neither_the_command_nor_its_effect(store: Store) -> None:
    state = seeded(store)
    command = triage(state, "Encounter/e1", "red")
    store.enqueue(command, apply_command(state, command, at(2), CFG), actor="nurse-1")
    again = replace(command, target="blue")  # same command id: the outbox refuses it
    effect = apply_command(state, triage(state, "Encounter/e1", "blue"), at(3), CFG)
    with pytest.raises(IntegrityError):
        store.enqueue(again, effect, actor="nurse-1")
    (e1,) = [e for e in store.entries() if e.ref == "Encounter/e1"]
    assert e1.encounter.triage == "red"
    assert store.pending() == [command]


def test_every_kind_of_command_reads_back_as_it_was_queued(store: Store, data_dir: Path) -> None:
    state = seeded(store)
    e2 = state.entries["Encounter/e2"]
    made = [
        triage(state, "Encounter/e1", "orange"),
        make_command(e2, CommandKind.ASSIGN_ROOM, "Location/r9", by="n", now=at(2), scale=MTS, display="Rom 9"),
        make_command(e2, CommandKind.ASSIGN_NURSE, "Practitioner/n2", by="n", now=at(2), scale=MTS),
        make_command(e2, CommandKind.ASSIGN_DOCTOR, "Practitioner/d1", by="n", now=at(2), scale=MTS),
        make_command(e2, CommandKind.SET_STATE, "finished", by="n", now=at(2), scale=MTS,
                     disposition=DepartureReason.TRANSFERRED),
        make_create({"resourceType": "DocumentReference", "status": "current", "docStatus": "preliminary"},
                    by="doc-1", now=at(2), encounter="Encounter/e2"),
    ]
    for command in made:
        store.enqueue(command, apply_command(state, command, at(2), CFG), actor=command.created_by)
    store.close()
    with open_store(data_dir) as reopened:
        assert reopened.pending() == made
        assert reopened.pending_by_encounter() == {"Encounter/e1": 1, "Encounter/e2": 5}


def test_mark_records_outcomes_attempts_and_errors_in_order(store: Store) -> None:
    state = seeded(store)
    first, second = triage(state, "Encounter/e1", "red"), triage(state, "Encounter/e2", "yellow")
    for command in (first, second):
        store.enqueue(command, apply_command(state, command, at(2), CFG), actor="nurse-1")
    store.mark(first.command_id, "pending", "Cannot reach the platform", attempt=True)
    store.mark(first.command_id, "pending", "HTTP 503", attempt=True)
    rows = store.outbox()
    assert [(r.command, r.state, r.attempts, r.last_error) for r in rows] == [
        (first, OutboxState.PENDING, 2, "HTTP 503"), (second, OutboxState.PENDING, 0, None)]
    store.mark(first.command_id, "applied")
    assert store.pending() == [second]
    assert [r.command for r in store.outbox("applied")] == [first]
    assert store.pending_by_encounter() == {"Encounter/e2": 1}
    assert store.audit(limit=1)[0].action == "write.applied"
    with pytest.raises(KeyError):
        store.mark("3f1d7f8e-0000-4000-8000-000000000000", "applied")
    with pytest.raises(ValueError):
        store.mark(second.command_id, "sent")


def test_a_conflict_is_stored_with_its_alert_in_one_transaction(store: Store, data_dir: Path) -> None:
    state = seeded(store)
    command = triage(state, "Encounter/e1", "red")
    step = apply_command(state, command, at(2), CFG)
    store.enqueue(command, step, actor="nurse-1")
    conflict = write_conflict(step.state, command, "red", "orange", at(3), CFG)
    store.mark(command.command_id, "conflict", "ours red, theirs orange", result=conflict)
    store.close()
    with open_store(data_dir) as reopened:
        (row,) = reopened.outbox()
        assert row.state is OutboxState.CONFLICT and row.last_error == "ours red, theirs orange"
        (alert,) = [a for a in reopened.alerts("open") if a.kind is AlertKind.WRITE_CONFLICT]
        assert alert.key == command.command_id and alert.encounter == "Encounter/e1"
        state = reopened.load_state(at(4), CFG)
        assert state.entries["Encounter/e1"].encounter.triage == "orange"
        assert state.open_alert(AlertKind.WRITE_CONFLICT, command.command_id) is not None
        actions = [r.action for r in reopened.audit()]
        assert {"write.queued", "write.conflict", "alert.raised"} <= set(actions)


def test_applied_resolves_the_alerts_the_command_had(store: Store) -> None:
    state = seeded(store)
    command = make_command(state.entries["Encounter/e1"], CommandKind.SET_STATE, "in-progress", by="d",
                           now=at(2), scale=MTS)
    step = apply_command(state, command, at(2), CFG)
    store.enqueue(command, step, actor="d")
    conflict = write_conflict(step.state, command, "in-progress", "onleave", at(3), CFG)
    store.mark(command.command_id, "pending", result=conflict)
    store.mark(command.command_id, "applied", result=write_applied(conflict.state, command, at(4), CFG))
    assert next(a for a in store.alerts() if a.kind is AlertKind.WRITE_CONFLICT).status.value == "resolved"
    assert store.load_state(at(5), CFG).entries["Encounter/e1"].encounter.status is EncounterStatus.ONLEAVE


def test_the_provenance_of_an_applied_write_is_stored_with_its_mark_and_kept_until_sent(
        store: Store, data_dir: Path) -> None:
    state = seeded(store)
    first, second = triage(state, "Encounter/e1", "red"), triage(state, "Encounter/e2", "yellow")
    for command in (first, second):
        store.enqueue(command, apply_command(state, command, at(2), CFG), actor="nurse-1")
    store.sending(first.command_id, "7")
    store.sending(second.command_id, "3")
    assert store.in_flight() == {first.command_id: "7", second.command_id: "3"}
    body = {"resourceType": "Provenance", "target": [{"reference": "Encounter/e1/_history/8"}]}
    store.mark(first.command_id, "applied", provenance=body)
    store.mark(second.command_id, "pending", "HTTP 503", attempt=True)  # no answer: still in flight
    assert store.in_flight() == {second.command_id: "3"}
    store.close()
    with open_store(data_dir) as reopened:  # a restart: what is still to be sent survives it
        assert reopened.pending_provenance() == [(first.command_id, body)]
        assert reopened.in_flight() == {second.command_id: "3"}
        assert reopened.provenance_of(first.command_id) == ("pending", None)
        reopened.provenance_done(first.command_id, "recorded", "Provenance/p-1")
        assert reopened.pending_provenance() == []
        assert reopened.provenance_of(first.command_id) == ("recorded", "Provenance/p-1")
        assert reopened.provenance_of(second.command_id) == (None, None)
        (row,) = reopened.outbox("applied")
        assert row.command == first  # the write itself stays applied: never sent again for its Provenance
