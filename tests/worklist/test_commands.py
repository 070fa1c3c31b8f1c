"""Commands and their effect on the worklist: validation, the optimistic local effect, write alerts."""

from __future__ import annotations

import ast
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import legevakt.worklist.commands as commands_module
import legevakt.worklist.write_outcomes as writes_module
from legevakt.problems import Problem, ProblemKind
from legevakt.worklist.commands import (
    TRANSITIONS,
    Command,
    CommandError,
    CommandKind,
    apply_local,
    field_value,
    make_command,
    make_create,
)
from legevakt.worklist.models import (
    AlertKind,
    AlertStatus,
    DepartureReason,
    Encounter,
    EncounterStatus,
    Entry,
    Fate,
    Severity,
)
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled, reconcile, resolve
from legevakt.worklist.snapshot import Snapshot, WorklistState
from legevakt.worklist.triage import MTS, RETTS
from legevakt.worklist.write_outcomes import apply_command, merge, write_applied, write_conflict, write_not_applied

T0 = datetime(2026, 5, 9, 8, 0, tzinfo=UTC)
CFG = ReconcileConfig()
REF = "Encounter/e1"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def enc(status: EncounterStatus = EncounterStatus.ARRIVED, triage: str | None = None, **kw: object) -> Encounter:
    return Encounter(ref=REF, version="7", patient_ref="Patient/p1", status=status, arrived_at=at(0), triage=triage,
                     last_updated=at(0), **kw)  # type: ignore[arg-type]


def state_with(encounter: Encounter) -> WorklistState:
    snap = Snapshot.of(at(0), list_items=[encounter.ref], encounters=[encounter])
    return reconcile(WorklistState(), snap, at(0), CFG).state


def entry_of(encounter: Encounter) -> Entry:
    return state_with(encounter).entries[REF]


def cmd(entry: Entry, kind: CommandKind, target: str, **kw: object) -> Command:
    return make_command(entry, kind, target, by="nurse-1", now=at(1), scale=MTS, **kw)  # type: ignore[arg-type]


# -- the domain stays pure ---------------------------------------------------------------------------

@pytest.mark.parametrize("module", [commands_module, writes_module])
def test_commands_and_writes_import_no_qt_http_or_sql(module: object) -> None:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not names & {"PySide6", "httpx", "sqlalchemy", "alembic"}


# -- making commands -----------------------------------------------------------------------------------

def test_a_command_records_its_target_base_version_and_a_random_uuid() -> None:
    entry = entry_of(enc(triage="green", status=EncounterStatus.TRIAGED))
    command = cmd(entry, CommandKind.SET_TRIAGE, "red")
    assert uuid.UUID(command.command_id).version == 4
    assert (command.kind, command.encounter, command.target, command.base) == (CommandKind.SET_TRIAGE, REF, "red",
                                                                                "green")
    assert command.base_version == "7" and command.system == MTS.system
    assert command.created_by == "nurse-1" and command.created_at == at(1)
    assert cmd(entry, CommandKind.SET_TRIAGE, "red").command_id != command.command_id


_P = ProblemKind


@pytest.mark.parametrize(("kind", "target", "extra", "problem"), [
    (CommandKind.SET_TRIAGE, "purple", {}, Problem.of(_P.COMMAND_UNKNOWN_TRIAGE, code="purple", scale="mts")),
    (CommandKind.ASSIGN_ROOM, "Practitioner/n1", {},
     Problem.of(_P.COMMAND_BAD_REFERENCE, field="room", type="Location")),
    (CommandKind.ASSIGN_ROOM, "Location/", {}, Problem.of(_P.COMMAND_BAD_REFERENCE, field="room", type="Location")),
    (CommandKind.ASSIGN_NURSE, "Location/r1", {},
     Problem.of(_P.COMMAND_BAD_REFERENCE, field="nurse", type="Practitioner")),
    (CommandKind.ASSIGN_DOCTOR, "Practitioner/has space", {},
     Problem.of(_P.COMMAND_BAD_REFERENCE, field="doctor", type="Practitioner")),
    (CommandKind.SET_STATE, "finished", {}, Problem.of(_P.COMMAND_DISPOSITION_REQUIRED)),
    (CommandKind.SET_STATE, "onleave", {},
     Problem.of(_P.COMMAND_TRANSITION_NOT_ALLOWED, **{"from": "arrived", "to": "onleave"})),
    (CommandKind.SET_STATE, "triaged", {"disposition": "home"}, Problem.of(_P.COMMAND_DISPOSITION_NOT_ALLOWED)),
    (CommandKind.SET_STATE, "finished", {"disposition": "teleported"},
     Problem.of(_P.COMMAND_UNKNOWN_DISPOSITION, disposition="teleported")),
    (CommandKind.SET_STATE, "finished", {"disposition": "cancelled"},
     Problem.of(_P.COMMAND_UNKNOWN_DISPOSITION, disposition="cancelled")),
    (CommandKind.SET_STATE, "asleep", {}, Problem.of(_P.COMMAND_UNKNOWN_STATE, state="asleep")),
    (CommandKind.SET_STATE, "arrived", {}, Problem.of(_P.COMMAND_NOTHING_TO_CHANGE, field="state", value="arrived")),
    (CommandKind.SET_TRIAGE, "", {}, Problem.of(_P.COMMAND_NO_TARGET, field="triage")),
])
def test_bad_input_is_a_command_error_with_a_kind_and_parameters(
        kind: CommandKind, target: str, extra: dict[str, object], problem: Problem) -> None:
    entry = entry_of(enc())
    with pytest.raises(CommandError) as info:
        cmd(entry, kind, target, **extra)
    assert info.value.problem == problem


def test_a_code_from_another_scale_is_refused_and_the_scale_decides() -> None:
    entry = entry_of(enc())
    with pytest.raises(CommandError) as info:
        make_command(entry, CommandKind.SET_TRIAGE, "purple", by="x", now=at(1), scale=RETTS)
    assert info.value.problem == Problem.of(ProblemKind.COMMAND_UNKNOWN_TRIAGE, code="purple", scale="retts")
    assert make_command(entry, CommandKind.SET_TRIAGE, "red", by="x", now=at(1), scale=RETTS).system == RETTS.system


def test_who_gives_a_command_must_be_named() -> None:
    with pytest.raises(CommandError) as info:
        make_command(entry_of(enc()), CommandKind.SET_TRIAGE, "red", by="  ", now=at(1), scale=MTS)
    assert info.value.kind is ProblemKind.COMMAND_WHO_MISSING


def test_a_value_the_field_already_has_is_refused() -> None:
    entry = entry_of(enc(room="Location/r1"))
    with pytest.raises(CommandError) as info:
        cmd(entry, CommandKind.ASSIGN_ROOM, "Location/r1")
    assert info.value.problem == Problem.of(ProblemKind.COMMAND_NOTHING_TO_CHANGE, field="room", value="Location/r1")


def test_a_departed_entry_cannot_be_changed() -> None:
    entry = replace(entry_of(enc()), fate=Fate.DEPARTED, departure=DepartureReason.HOME)
    with pytest.raises(CommandError) as info:
        cmd(entry, CommandKind.SET_TRIAGE, "red")
    assert info.value.problem == Problem.of(ProblemKind.COMMAND_LEFT_QUEUE, encounter=entry.ref)


@pytest.mark.parametrize("status", list(EncounterStatus))
def test_every_allowed_transition_and_no_other_makes_a_command(status: EncounterStatus) -> None:
    entry = entry_of(enc(status=status))
    for new in EncounterStatus:
        disposition = "home" if new is EncounterStatus.FINISHED else None
        if new in TRANSITIONS[status]:
            command = cmd(entry, CommandKind.SET_STATE, new.value, disposition=disposition)
            assert command.base == status.value
        else:
            with pytest.raises(CommandError):
                cmd(entry, CommandKind.SET_STATE, new.value, disposition=disposition)


def test_the_path_of_a_visit_is_allowed_step_by_step() -> None:
    entry = entry_of(enc())
    for status in ("triaged", "in-progress", "onleave", "in-progress"):
        entry = apply_local(entry, cmd(entry, CommandKind.SET_STATE, status))
    done = cmd(entry, CommandKind.SET_STATE, "finished", disposition=DepartureReason.ADMITTED)
    assert done.target_value == "finished:admitted"
    entry = apply_local(entry, done)
    assert (entry.encounter.status, entry.encounter.disposition) == (EncounterStatus.FINISHED,
                                                                     DepartureReason.ADMITTED)
    with pytest.raises(CommandError) as info:
        cmd(entry, CommandKind.SET_STATE, "in-progress")
    assert info.value.problem == Problem.of(ProblemKind.COMMAND_TRANSITION_NOT_ALLOWED,
                                            **{"from": "finished", "to": "in-progress"})


def test_a_create_command_carries_the_resource_without_id() -> None:
    doc = {"resourceType": "DocumentReference", "id": "x", "meta": {"versionId": "1"}, "status": "current"}
    command = make_create(doc, by="doc-1", now=at(1), encounter=REF)
    assert command.kind is CommandKind.CREATE and command.resource_type == "DocumentReference"
    assert command.resource() == {"resourceType": "DocumentReference", "status": "current"}
    with pytest.raises(CommandError) as info:
        make_create({"status": "current"}, by="doc-1", now=at(1))
    assert info.value.problem == Problem.of(ProblemKind.COMMAND_INVALID, what="no-resource-type")
    with pytest.raises(CommandError) as info:
        make_create({"resourceType": "document reference"}, by="doc-1", now=at(1))
    assert info.value.problem == Problem.of(ProblemKind.COMMAND_INVALID, what="not-a-resource-type")


# -- the local effect ---------------------------------------------------------------------------------

def test_apply_local_sets_each_field_and_keeps_the_version() -> None:
    entry = entry_of(enc())
    for kind, target in [(CommandKind.SET_TRIAGE, "yellow"), (CommandKind.ASSIGN_ROOM, "Location/r2"),
                         (CommandKind.ASSIGN_NURSE, "Practitioner/n2"),
                         (CommandKind.ASSIGN_DOCTOR, "Practitioner/d1"), (CommandKind.SET_STATE, "triaged")]:
        command = cmd(entry, kind, target)
        after = apply_local(entry, command)
        assert field_value(after.encounter, kind) == target
        assert after.encounter.version == entry.encounter.version
        entry = after


def test_apply_command_is_the_optimistic_effect_with_its_alert_consequences() -> None:
    state = state_with(enc())
    late = at(20)  # arrived, not triaged after 15 min
    state = reconcile(state, Snapshot.of(late, list_items=[REF], encounters=[enc()]), late, CFG).state
    assert state.open_alert(AlertKind.NOT_TRIAGED, REF) is not None
    command = cmd(state.entries[REF], CommandKind.SET_TRIAGE, "green")
    result = apply_command(state, command, at(21), CFG)
    assert result.state.entries[REF].encounter.triage == "green"
    assert set(result.changed) == {REF}
    assert result.state.open_alert(AlertKind.NOT_TRIAGED, REF) is None  # triaged, if only locally so far


def test_an_alert_a_persons_change_clears_is_resolved_in_their_name_not_automatically() -> None:
    orange = enc(triage="orange", status=EncounterStatus.TRIAGED)
    state = state_with(orange)
    late = at(25)  # past twice the 10 min orange target: critical, and nobody acknowledged it
    state = reconcile(state, Snapshot.of(late, list_items=[REF], encounters=[orange]), late, CFG).state
    overdue = state.open_alert(AlertKind.TRIAGE_OVERDUE, REF)
    assert overdue is not None and overdue.severity is Severity.CRITICAL
    result = apply_command(state, cmd(state.entries[REF], CommandKind.SET_TRIAGE, "yellow"), at(26), CFG)
    closed = next(a for a in result.alerts if a.id == overdue.id)
    assert closed.status is AlertStatus.RESOLVED  # 26 min is within yellow's 60 min target
    assert closed.resolved_by == "nurse-1" and closed.resolved_at == at(26)
    assert writes_module.cleared_by_change(closed.resolution) == "triage"
    assert writes_module.cleared_by_change("within the triage target") is None
    assert writes_module.cleared_by_change(None) is None


def test_apply_command_refuses_a_command_made_on_an_older_view() -> None:
    state = state_with(enc(triage="green", status=EncounterStatus.TRIAGED))
    stale = cmd(state.entries[REF], CommandKind.SET_TRIAGE, "red")
    state = apply_command(state, cmd(state.entries[REF], CommandKind.SET_TRIAGE, "yellow"), at(2), CFG).state
    with pytest.raises(CommandError) as info:
        apply_command(state, stale, at(3), CFG)
    assert info.value.problem == Problem.of(ProblemKind.COMMAND_CHANGED_SINCE, field="triage", encounter=REF)


def test_apply_command_refuses_an_unknown_encounter() -> None:
    entry = entry_of(enc())
    command = cmd(entry, CommandKind.SET_TRIAGE, "red")
    with pytest.raises(CommandError) as info:
        apply_command(WorklistState(), command, at(2), CFG)
    assert info.value.problem == Problem.of(ProblemKind.COMMAND_NOT_IN_QUEUE, encounter=REF)


# -- write alerts ---------------------------------------------------------------------------------------

def test_a_conflict_raises_a_critical_alert_with_both_values_and_shows_theirs() -> None:
    state = state_with(enc(triage="green", status=EncounterStatus.TRIAGED))
    command = cmd(state.entries[REF], CommandKind.SET_TRIAGE, "red")
    state = apply_command(state, command, at(2), CFG).state
    result = write_conflict(state, command, "red", "orange", at(3), CFG)
    alert = result.state.open_alert(AlertKind.WRITE_CONFLICT, command.command_id)
    assert alert is not None and alert.severity is Severity.CRITICAL and alert.encounter == REF
    assert "ours red" in alert.detail and "theirs orange" in alert.detail and "was green" in alert.detail
    assert result.state.entries[REF].encounter.triage == "orange"
    assert alert in result.alerts


def test_a_refusal_raises_write_not_applied_with_the_reason_and_restores_the_platform_value() -> None:
    state = state_with(enc(triage="green", status=EncounterStatus.TRIAGED))
    command = cmd(state.entries[REF], CommandKind.SET_TRIAGE, "red")
    state = apply_command(state, command, at(2), CFG).state
    result = write_not_applied(state, command, "HTTP 422: business rule", at(3), CFG, refused=True,
                               platform_value="green")
    alert = result.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id)
    assert alert is not None and alert.severity is Severity.CRITICAL
    assert "refused by the platform: HTTP 422: business rule" in alert.detail
    assert result.state.entries[REF].encounter.triage == "green"


def test_a_later_local_change_is_not_undone_by_an_earlier_commands_refusal() -> None:
    state = state_with(enc(triage="green", status=EncounterStatus.TRIAGED))
    first = cmd(state.entries[REF], CommandKind.SET_TRIAGE, "red")
    state = apply_command(state, first, at(2), CFG).state
    second = cmd(state.entries[REF], CommandKind.SET_TRIAGE, "orange")
    state = apply_command(state, second, at(2), CFG).state
    result = write_not_applied(state, first, "no", at(3), CFG, refused=True, platform_value="green")
    assert result.state.entries[REF].encounter.triage == "orange"


def test_still_pending_raises_write_not_applied_once_and_confirmation_resolves_it() -> None:
    state = state_with(enc())
    command = cmd(state.entries[REF], CommandKind.SET_TRIAGE, "red")
    state = apply_command(state, command, at(1), CFG).state
    pending = write_not_applied(state, command, "waiting 2 min: platform unreachable", at(3), CFG)
    alert = pending.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id)
    assert alert is not None and "not confirmed by the platform yet" in alert.detail
    assert pending.state.entries[REF].encounter.triage == "red"  # still ours: it is still being sent
    again = write_not_applied(pending.state, command, "waiting 2 min: platform unreachable", at(4), CFG)
    assert again.alerts == ()
    done = write_applied(again.state, command, at(5), CFG)
    (resolved,) = done.alerts
    assert resolved.id == alert.id and resolved.status is AlertStatus.RESOLVED
    assert done.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id) is None


def test_a_refusal_shows_even_after_a_person_dismissed_the_pending_alert() -> None:
    state = state_with(enc())
    command = cmd(state.entries[REF], CommandKind.SET_TRIAGE, "red")
    state = apply_command(state, command, at(1), CFG).state
    state = write_not_applied(state, command, "waiting", at(3), CFG).state
    alert = state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id)
    assert alert is not None
    state = resolve(state, alert.id, "lead", "seen, network is down", at(4), CFG).state
    assert write_not_applied(state, command, "waiting", at(5), CFG).alerts == ()  # quiet, as the person chose
    refused = write_not_applied(state, command, "HTTP 422", at(6), CFG, refused=True, platform_value=None)
    assert refused.state.open_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id) is not None


def test_merge_keeps_the_latest_form_of_each_change() -> None:
    state = state_with(enc())
    command = cmd(state.entries[REF], CommandKind.SET_TRIAGE, "red")
    first = write_not_applied(state, command, "waiting", at(1), CFG)
    second = write_applied(first.state, command, at(2), CFG)
    merged = merge(first, second)
    assert merged.state is second.state
    (alert,) = merged.alerts
    assert alert.status is AlertStatus.RESOLVED
    assert isinstance(merged, Reconciled)


def test_who_gives_a_command_is_stored_without_controls_and_within_200_characters() -> None:
    """Issue 11: a terminal escape in ``--by`` is neutralised; an endless name is refused."""
    entry = entry_of(enc())
    with pytest.raises(CommandError) as caught:
        make_command(entry, CommandKind.SET_TRIAGE, "red", by="K" * 201, now=at(1), scale=MTS)
    assert caught.value.problem == Problem.of(ProblemKind.TEXT_TOO_LONG, field="by", limit=200)
    command = make_command(entry, CommandKind.SET_TRIAGE, "red", by="\x1b[31mKari\u202e", now=at(1), scale=MTS)
    assert command.created_by == "[31mKari"
