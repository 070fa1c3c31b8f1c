"""Shared alerts as FHIR Task (issue 10 item 1): which alerts are shared, the Task the client writes (valid
R4), the Task read back, several Tasks for one condition read as one, and the merge after a 412."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Severity
from legevakt.worklist.reconcile import ReconcileConfig, restore
from legevakt.worklist.shared_alerts import (
    LOCAL_KINDS,
    SHARED_KINDS,
    SharedAlert,
    apply_shared,
    condition_of,
    focus_of,
    fold,
    if_none_exist,
    merge_tasks,
    same_content,
    shared_of,
    task_of,
)
from tests.journal.r4 import validate_r4

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
ENC = "Encounter/e1"
PAT = "Patient/p1"
CLINIC = "Location/lv-trondheim"


def drop(**kw: object) -> Alert:
    base = Alert(id="AL-000001", kind=AlertKind.DROPPED_FROM_QUEUE, severity=Severity.CRITICAL, key=ENC,
                 encounter=ENC, raised_at=T0, detail="Encounter/e1 left the List while still active")
    return replace(base, **kw)  # type: ignore[arg-type]


def acked(by: str = "Practitioner/nurse-1", comment: str = "ringte pasienten", at: datetime = T0) -> Alert:
    return drop(status=AlertStatus.ACKNOWLEDGED, acknowledged_by=by, acknowledged_at=at + timedelta(minutes=1),
                ack_comment=comment)


def with_id(task: dict, rid: str, vid: str = "1") -> dict:
    return {**task, "id": rid, "meta": {"versionId": vid, "lastUpdated": "2025-03-03T12:05:00Z"}}


# -- which alerts are shared ----------------------------------------------------------------------

def test_link_and_write_alerts_stay_local_everything_about_patients_and_notes_is_shared() -> None:
    assert {AlertKind.SYNC_STALE, AlertKind.WRITE_NOT_APPLIED, AlertKind.WRITE_CONFLICT} == LOCAL_KINDS
    assert {AlertKind.DROPPED_FROM_QUEUE, AlertKind.NOT_IN_QUEUE, AlertKind.STALE_ENTRY,
                            AlertKind.DUPLICATE_PATIENT, AlertKind.TRIAGE_OVERDUE, AlertKind.NOT_TRIAGED,
                            AlertKind.MASS_DEPARTURE, AlertKind.NOTE_UNDELIVERED, AlertKind.NOTE_REJECTED,
                            AlertKind.NOTE_RECEIPT_ERRORS} == SHARED_KINDS
    stale = drop(kind=AlertKind.SYNC_STALE, key="platform", encounter=None)
    assert condition_of(stale, CLINIC) is None
    with pytest.raises(ValueError):
        task_of(stale, focus=CLINIC)


def test_the_focus_is_the_encounter_the_communication_of_a_note_or_the_clinic_for_a_mass_departure() -> None:
    assert focus_of(drop()) == ENC
    note = drop(kind=AlertKind.NOTE_REJECTED, key="delivery-7",
                related=("DocumentReference/n1", "Communication/c9"))
    assert focus_of(note) == "Communication/c9"
    unsent = drop(kind=AlertKind.NOTE_UNDELIVERED, key="delivery-8", related=("DocumentReference/n1",))
    assert focus_of(unsent) == "DocumentReference/n1"
    mass = drop(kind=AlertKind.MASS_DEPARTURE, key="queue", encounter=None, related=("Encounter/e1",))
    assert focus_of(mass, CLINIC) == CLINIC


# -- Alert -> Task ----------------------------------------------------------------------------------

def test_an_open_drop_is_a_requested_stat_order_about_the_encounter_and_patient() -> None:
    task = task_of(drop(), focus=ENC, patient=PAT, clinic_ref=CLINIC)
    validate_r4(task)
    assert task["status"] == "requested"
    assert task["intent"] == "order"
    assert task["priority"] == "stat"
    assert {"system": "urn:legevakt:codesystem:alert", "code": "DROPPED_FROM_QUEUE"} in task["code"]["coding"]
    assert task["focus"] == {"reference": ENC}
    assert task["for"] == {"reference": PAT}
    assert task["encounter"] == {"reference": ENC}
    assert task["description"] == "Pasient falt ut av køen"
    assert "owner" not in task and "note" not in task


def test_a_warning_is_urgent_and_the_description_names_no_one() -> None:
    alert = drop(kind=AlertKind.TRIAGE_OVERDUE, severity=Severity.WARNING, detail="Encounter/e1 waited 70 min")
    task = task_of(alert, focus=ENC, patient=PAT)
    validate_r4(task)
    assert task["priority"] == "urgent"
    assert "e1" not in task["description"] and "Encounter" not in task["description"]


def test_every_kind_and_every_status_makes_a_valid_r4_task() -> None:
    for kind in sorted(SHARED_KINDS):
        for alert in (drop(kind=kind), acked(), acked(comment=""),
                      replace(acked(), status=AlertStatus.RESOLVED, resolved_by="Practitioner/lead",
                              resolved_at=T0 + timedelta(minutes=5), resolution="pasienten dro hjem"),
                      drop(status=AlertStatus.RESOLVED, resolved_at=T0 + timedelta(minutes=5),
                           resolution="back in the queue List"),
                      acked(by="urn:oid:2.16.578.1.12.4.1.4.4|9144889"), acked(by="Kari Nordmann")):
            validate_r4(task_of(replace(alert, kind=kind), focus=ENC, patient=PAT, clinic_ref=CLINIC))


def test_acknowledged_is_accepted_with_the_owner_and_a_note_with_author_time_and_comment() -> None:
    task = task_of(acked(), focus=ENC, patient=PAT)
    assert task["status"] == "accepted"
    assert task["owner"] == {"reference": "Practitioner/nurse-1"}
    [note] = task["note"]
    assert note["authorReference"] == {"reference": "Practitioner/nurse-1"}
    assert note["time"] == "2025-03-03T12:01:00.000Z"
    assert note["text"] == "ringte pasienten"


def test_resolved_by_a_person_is_completed_with_the_reason_and_a_note_by_them() -> None:
    alert = replace(acked(), status=AlertStatus.RESOLVED, resolved_by="Practitioner/lead",
                    resolved_at=T0 + timedelta(minutes=5), resolution="pasienten dro hjem")
    task = task_of(alert, focus=ENC, patient=PAT)
    assert task["status"] == "completed"
    assert task["statusReason"] == {"text": "pasienten dro hjem"}
    assert [n.get("authorReference") for n in task["note"]] == [{"reference": "Practitioner/nurse-1"},
                                                                 {"reference": "Practitioner/lead"}]


def test_resolved_by_evidence_says_so_with_the_evidence_and_no_author() -> None:
    alert = drop(status=AlertStatus.RESOLVED, resolved_at=T0 + timedelta(minutes=5),
                 resolution="back in the queue List")
    task = task_of(alert, focus=ENC)
    assert task["statusReason"] == {"text": "back in the queue List"}
    [note] = task["note"]
    assert note["text"] == "Løst ut fra bevis: back in the queue List"
    assert "authorString" not in note and "authorReference" not in note


def test_the_create_is_conditional_on_the_open_task_for_the_same_code_and_focus() -> None:
    assert if_none_exist(AlertKind.DROPPED_FROM_QUEUE, ENC) == (
        "code=urn%3Alegevakt%3Acodesystem%3Aalert%7CDROPPED_FROM_QUEUE&focus=Encounter%2Fe1"
        "&status=requested%2Caccepted")


# -- Task -> shared state -------------------------------------------------------------------------------

def test_a_task_reads_back_as_the_alert_it_was_made_from() -> None:
    alert = replace(acked(by="Kari Nordmann"), status=AlertStatus.RESOLVED, resolved_by="Practitioner/lead",
                    resolved_at=T0 + timedelta(minutes=5), resolution="pasienten dro hjem")
    shared = shared_of(with_id(task_of(alert, focus=ENC, patient=PAT), "t1"))
    assert shared is not None
    assert shared.condition == (AlertKind.DROPPED_FROM_QUEUE, ENC)
    assert shared.tasks == ("Task/t1",)
    assert shared.status is AlertStatus.RESOLVED
    assert shared.severity is Severity.CRITICAL
    assert (shared.acknowledged_by, shared.acknowledged_at, shared.ack_comment) == (
        "Kari Nordmann", T0 + timedelta(minutes=1), "ringte pasienten")
    assert (shared.resolved_by, shared.resolved_at, shared.resolution) == (
        "Practitioner/lead", T0 + timedelta(minutes=5), "pasienten dro hjem")


def test_a_task_that_is_not_ours_is_not_an_alert() -> None:
    assert shared_of({"resourceType": "Task", "id": "x", "status": "requested", "intent": "order",
                      "code": {"coding": [{"system": "http://example.org", "code": "DROPPED_FROM_QUEUE"}]},
                      "focus": {"reference": ENC}}) is None
    local = task_of(drop(), focus=ENC)
    local["code"]["coding"][0]["code"] = "SYNC_STALE"
    assert shared_of(local) is None


# -- two Tasks for one condition are one --------------------------------------------------------------------

def test_two_tasks_for_one_condition_read_as_one_with_the_furthest_status_and_every_note() -> None:
    a = with_id(task_of(acked(by="Practitioner/a", comment="ser på det"), focus=ENC), "t1")
    b = with_id(task_of(drop(), focus=ENC), "t2")
    shared = fold([b, a])
    assert shared is not None
    assert shared.tasks == ("Task/t1", "Task/t2")
    assert shared.status is AlertStatus.ACKNOWLEDGED
    assert shared.acknowledged_by == "Practitioner/a"
    assert shared.ack_comment == "ser på det"


def test_folding_is_independent_of_order_and_keeps_the_first_acknowledgement() -> None:
    first = with_id(task_of(acked(by="Practitioner/a", comment="A så det", at=T0), focus=ENC), "t1")
    later = with_id(task_of(acked(by="Practitioner/b", comment="B så det", at=T0 + timedelta(minutes=3)),
                            focus=ENC), "t2")
    one, two = fold([first, later]), fold([later, first])
    assert one == two
    assert one is not None
    assert one.acknowledged_by == "Practitioner/a"
    assert one.ack_comment == "Practitioner/a: A så det; Practitioner/b: B så det"


# -- merge after a 412 ------------------------------------------------------------------------------------

def test_an_acknowledgement_already_made_by_someone_else_is_kept_and_both_comments_survive() -> None:
    theirs = with_id(task_of(acked(by="Practitioner/a", comment="A ringer"), focus=ENC), "t1", "3")
    ours = task_of(acked(by="Practitioner/b", comment="B går dit", at=T0 + timedelta(seconds=30)), focus=ENC)
    merged = merge_tasks(theirs, ours)
    validate_r4(merged)
    assert merged["id"] == "t1" and "meta" not in merged
    assert merged["status"] == "accepted"
    assert merged["owner"] == {"reference": "Practitioner/a"}
    assert [n["text"] for n in merged["note"]] == ["A ringer", "B går dit"]


def test_a_resolution_moves_an_acknowledged_task_forward_and_keeps_the_acknowledgement() -> None:
    theirs = with_id(task_of(acked(by="Practitioner/a", comment="A ringer"), focus=ENC), "t1", "3")
    ours = task_of(drop(status=AlertStatus.RESOLVED, resolved_by="Practitioner/b",
                        resolved_at=T0 + timedelta(minutes=9), resolution="innlagt"), focus=ENC)
    merged = merge_tasks(theirs, ours)
    validate_r4(merged)
    assert merged["status"] == "completed"
    assert merged["statusReason"] == {"text": "innlagt"}
    assert merged["owner"] == {"reference": "Practitioner/a"}
    assert [n["text"] for n in merged["note"]] == ["A ringer", "innlagt"]


def test_a_task_never_goes_back_and_its_first_reason_stands() -> None:
    done = drop(status=AlertStatus.RESOLVED, resolved_by="Practitioner/a", resolved_at=T0 + timedelta(minutes=2),
                resolution="dro hjem")
    theirs = with_id(task_of(done, focus=ENC), "t1", "4")
    ours = task_of(acked(by="Practitioner/b", comment="sent ack"), focus=ENC)
    merged = merge_tasks(theirs, ours)
    assert merged["status"] == "completed"
    assert merged["statusReason"] == {"text": "dro hjem"}
    assert [n["text"] for n in merged["note"]] == ["dro hjem", "sent ack"]


def test_merging_what_is_already_there_changes_nothing_so_a_replay_writes_nothing() -> None:
    ours = task_of(acked(), focus=ENC, patient=PAT)
    theirs = with_id(ours, "t1", "2")
    merged = merge_tasks(theirs, ours)
    assert same_content(merged, theirs)
    twice = merge_tasks(with_id(merge_tasks(with_id(task_of(drop(), focus=ENC), "t1"), ours), "t1"), ours)
    assert [n["text"] for n in twice["note"]] == ["ringte pasienten"]


def test_escalation_raises_the_priority_never_lowers_it() -> None:
    theirs = with_id(task_of(drop(severity=Severity.WARNING, kind=AlertKind.TRIAGE_OVERDUE), focus=ENC), "t1")
    ours = task_of(drop(kind=AlertKind.TRIAGE_OVERDUE), focus=ENC)
    assert merge_tasks(theirs, ours)["priority"] == "stat"
    assert merge_tasks(with_id(ours, "t1"), task_of(drop(severity=Severity.WARNING), focus=ENC))["priority"] == "stat"


# -- applying another workstation's actions locally -----------------------------------------------------------

def _shared(**kw: object) -> SharedAlert:
    base = SharedAlert(kind=AlertKind.DROPPED_FROM_QUEUE, focus=ENC, status=AlertStatus.ACKNOWLEDGED,
                       severity=Severity.CRITICAL, tasks=("Task/t1",), acknowledged_by="Practitioner/a",
                       acknowledged_at=T0 + timedelta(minutes=1), ack_comment="A ringer")
    return replace(base, **kw)  # type: ignore[arg-type]


def test_an_acknowledgement_elsewhere_shows_here_with_who() -> None:
    state = restore([], [drop()], now=T0)
    result = apply_shared(state, [("AL-000001", _shared())], T0 + timedelta(minutes=2), _config())
    assert result is not None
    [alert] = result.alerts
    assert (alert.status, alert.acknowledged_by, alert.ack_comment) == (
        AlertStatus.ACKNOWLEDGED, "Practitioner/a", "A ringer")
    assert apply_shared(result.state, [("AL-000001", _shared())], T0, _config()) is None  # nothing new


def test_a_resolution_elsewhere_resolves_here_with_who_and_why_and_keeps_the_condition_quiet() -> None:
    state = restore([], [drop()], now=T0)
    shared = _shared(status=AlertStatus.RESOLVED, resolved_by="Practitioner/lead",
                     resolved_at=T0 + timedelta(minutes=4), resolution="dro hjem")
    result = apply_shared(state, [("AL-000001", shared)], T0 + timedelta(minutes=5), _config())
    assert result is not None
    [alert] = result.alerts
    assert (alert.status, alert.resolved_by, alert.resolution) == (AlertStatus.RESOLVED, "Practitioner/lead",
                                                                    "dro hjem")
    assert alert.acknowledged_by == "Practitioner/a"
    assert not result.state.alerts
    assert (AlertKind.DROPPED_FROM_QUEUE, ENC) in result.state.suppressed


def test_an_acknowledgement_of_the_warning_does_not_acknowledge_the_critical_escalation() -> None:
    state = restore([], [drop(kind=AlertKind.TRIAGE_OVERDUE)], now=T0)
    shared = _shared(kind=AlertKind.TRIAGE_OVERDUE, severity=Severity.WARNING)
    assert apply_shared(state, [("AL-000001", shared)], T0, _config()) is None


def _config() -> ReconcileConfig:
    return ReconcileConfig()


def test_who_resolved_is_the_person_whose_reason_the_task_holds_even_with_an_earlier_note_added_later() -> None:
    first = task_of(drop(status=AlertStatus.RESOLVED, resolved_by="Practitioner/b",
                         resolved_at=T0 + timedelta(minutes=5), resolution="innlagt"), focus=ENC)
    late = task_of(drop(status=AlertStatus.RESOLVED, resolved_by="Practitioner/c",
                        resolved_at=T0 + timedelta(minutes=4), resolution="innlagt medisinsk"), focus=ENC)
    shared = shared_of(with_id(merge_tasks(with_id(first, "t1"), late), "t1"))
    assert shared is not None
    assert (shared.resolved_by, shared.resolution) == ("Practitioner/b", "innlagt")


def test_an_escalation_to_critical_opens_an_acknowledged_warning_task_again_keeping_its_notes() -> None:
    warning = drop(kind=AlertKind.TRIAGE_OVERDUE, severity=Severity.WARNING)
    theirs = with_id(task_of(replace(warning, status=AlertStatus.ACKNOWLEDGED, acknowledged_by="Practitioner/a",
                                     acknowledged_at=T0, ack_comment="kommer"), focus=ENC), "t1")
    merged = merge_tasks(theirs, task_of(drop(kind=AlertKind.TRIAGE_OVERDUE), focus=ENC))
    validate_r4(merged)
    assert (merged["status"], merged["priority"], "owner" in merged) == ("requested", "stat", False)
    assert [n["text"] for n in merged["note"]] == ["kommer"]
    shared = shared_of(with_id(merged, "t1"))
    assert shared is not None and shared.status is AlertStatus.OPEN and shared.acknowledged_by is None


def test_a_late_acknowledgement_of_the_warning_does_not_acknowledge_the_critical_task() -> None:
    theirs = with_id(task_of(drop(kind=AlertKind.TRIAGE_OVERDUE), focus=ENC), "t1")  # critical, open
    late = task_of(replace(drop(kind=AlertKind.TRIAGE_OVERDUE, severity=Severity.WARNING),
                           status=AlertStatus.ACKNOWLEDGED, acknowledged_by="Practitioner/b", acknowledged_at=T0,
                           ack_comment="sent"), focus=ENC)
    merged = merge_tasks(theirs, late)
    assert (merged["status"], "owner" in merged) == ("requested", False)
    assert [n["text"] for n in merged["note"]] == ["sent"]  # the comment still survives
