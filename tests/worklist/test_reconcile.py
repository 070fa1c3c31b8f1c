"""Reconciliation, read as a specification: what each observation of the platform means for the queue."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from legevakt.worklist.models import (
    AlertKind,
    AlertStatus,
    DepartureReason,
    Encounter,
    EncounterStatus,
    Fate,
    Severity,
)
from legevakt.worklist.reconcile import EventKind, ReconcileConfig, reconcile, restore, tick
from legevakt.worklist.snapshot import Snapshot, WorklistState
from tests.worklist.support import T0, Desk, FakePlatform, enc_ref, some_fnr

# -- present and departed ----------------------------------------------------------------------


def test_patient_in_the_list_with_an_active_encounter_is_present() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, triage="green", status=EncounterStatus.TRIAGED)
    result = desk.sync()
    assert desk.entry(ref).fate is Fate.PRESENT
    assert [e.kind for e in result.events] == [EventKind.ARRIVED]
    assert ref in desk.state.live
    assert not desk.state.alerts


@pytest.mark.parametrize("reason", [DepartureReason.HOME, DepartureReason.ADMITTED, DepartureReason.TRANSFERRED,
                                    DepartureReason.LWBS, DepartureReason.DECEASED, DepartureReason.OTHER])
def test_departure_carries_the_reason_from_discharge_disposition(reason: DepartureReason) -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.advance(5)
    desk.platform.finish(ref, reason)
    result = desk.sync()
    entry = desk.entry(ref)
    assert (entry.fate, entry.departure, entry.left_at) == (Fate.DEPARTED, reason, desk.platform.now)
    assert ref not in desk.state.live
    assert [(e.kind, e.detail) for e in result.events] == [(EventKind.DEPARTED, reason.value)]
    assert not desk.state.alerts


@pytest.mark.parametrize(("status", "reason"), [(EncounterStatus.CANCELLED, DepartureReason.CANCELLED),
                                                (EncounterStatus.ENTERED_IN_ERROR, DepartureReason.ENTERED_IN_ERROR)])
def test_cancelled_and_entered_in_error_are_departures_of_their_own_kind(status: EncounterStatus,
                                                                         reason: DepartureReason) -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.finish(ref, DepartureReason.HOME, status=status)  # the disposition does not override
    desk.sync()
    assert desk.entry(ref).departure is reason


def test_finished_without_a_disposition_is_an_unspecified_departure() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.finish(ref, None)
    desk.sync()
    assert desk.entry(ref).departure is DepartureReason.UNSPECIFIED


# -- dropped from the queue --------------------------------------------------------------------


def test_dropped_patient_stays_visible_until_resolved() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, triage="yellow", status=EncounterStatus.TRIAGED)
    desk.sync()
    known = desk.entry(ref)
    desk.platform.advance(5)
    desk.platform.list_remove(ref)  # the real failure: the Encounter is still active
    result = desk.sync()

    entry = desk.entry(ref)
    assert entry.fate is Fate.DROPPED and entry.drop_confirmed
    assert entry.encounter == known.encounter and entry.patient == known.patient  # last known data
    assert ref in desk.state.live and entry in desk.state.queue  # pinned in the queue
    alert = desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref)
    assert alert is not None and alert.severity is Severity.CRITICAL and alert.encounter == ref
    assert [(e.kind, e.detail) for e in result.events] == [(EventKind.DROPPED, "confirmed")]

    for _ in range(3):  # cycles pass: nothing lets it slip away
        desk.platform.advance(30)
        desk.sync()
        assert desk.entry(ref).fate is Fate.DROPPED
        assert desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref) == alert

    desk.resolve(alert, reason="pasienten gikk hjem, bekreftet på telefon")
    assert desk.entry(ref).fate is Fate.DEPARTED
    assert desk.entry(ref).departure is DepartureReason.CLOSED_BY_USER
    assert ref not in desk.state.live


def test_drop_with_failed_read_is_critical_and_unconfirmed() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.list_remove(ref)
    desk.platform.update(ref, at_clinic=False)  # the search no longer returns it ...
    desk.platform.failing_reads.add(ref)  # ... and the confirming read fails
    result = desk.sync()
    entry = desk.entry(ref)
    assert entry.fate is Fate.DROPPED and not entry.drop_confirmed
    alert = desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref)
    assert alert is not None and alert.severity is Severity.CRITICAL and "unconfirmed" in alert.detail
    assert [(e.kind, e.detail) for e in result.events] == [(EventKind.DROPPED, "unconfirmed")]


def test_unlisted_patient_whose_encounter_can_no_longer_be_read_is_dropped_unconfirmed() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, listed=False)  # NOT_IN_QUEUE: shown, never in the List
    desk.sync()
    desk.platform.update(ref, at_clinic=False)
    desk.platform.failing_reads.add(ref)  # the sync reads it (it is live) and the read fails
    desk.sync()
    assert desk.entry(ref).fate is Fate.DROPPED and not desk.entry(ref).drop_confirmed
    drop = desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref)
    assert drop is not None
    assert desk.alert(AlertKind.NOT_IN_QUEUE, ref) is None  # the drop takes over ...
    desk.resolve(drop)
    assert not desk.state.alerts  # ... so closing it leaves no alert behind that nothing could clear


def test_drop_of_a_deleted_encounter_is_unconfirmed() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.list_remove(ref)
    desk.platform.delete(ref)
    desk.sync()
    assert desk.entry(ref).fate is Fate.DROPPED and not desk.entry(ref).drop_confirmed


def test_unconfirmed_drop_is_confirmed_when_a_later_read_shows_it_active() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.list_remove(ref)
    desk.platform.update(ref, at_clinic=False)  # the search no longer returns it ...
    desk.platform.failing_reads.add(ref)  # ... and the confirming read fails
    desk.sync()
    alert_id = desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref).id  # type: ignore[union-attr]
    desk.platform.failing_reads.clear()
    desk.sync()
    assert desk.entry(ref).drop_confirmed
    alert = desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref)
    assert alert is not None and alert.id == alert_id and "still active" in alert.detail


def test_drop_resolves_automatically_with_evidence_when_the_encounter_finishes() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.list_remove(ref)
    desk.sync()
    desk.platform.advance(60)
    desk.platform.finish(ref, DepartureReason.ADMITTED)
    result = desk.sync()
    assert desk.entry(ref).fate is Fate.DEPARTED and desk.entry(ref).departure is DepartureReason.ADMITTED
    resolved = [a for a in result.alerts if a.kind is AlertKind.DROPPED_FROM_QUEUE]
    assert len(resolved) == 1 and resolved[0].status is AlertStatus.RESOLVED
    assert resolved[0].resolved_by is None and resolved[0].resolution == "encounter is finished"
    assert resolved[0].resolved_at == desk.platform.now


def test_drop_resolves_automatically_when_the_patient_is_back_in_the_list() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.list_remove(ref)
    desk.sync()
    desk.platform.list_add(ref)
    result = desk.sync()
    assert desk.entry(ref).fate is Fate.PRESENT and desk.entry(ref).left_at is None
    assert [e.kind for e in result.events] == [EventKind.RETURNED]
    assert desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref) is None
    assert [a.resolution for a in result.alerts] == ["back in the queue list"]


def test_stale_entry_that_becomes_active_and_leaves_the_list_is_a_drop() -> None:
    # Was in the List (finished, a stale item), then reopened and taken off the List in one cycle:
    # the patient is active and in nobody's queue.
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.finish(ref, DepartureReason.HOME, unlist=False)
    desk.sync()
    assert desk.alert(AlertKind.STALE_ENTRY, ref) is not None
    desk.platform.update(ref, status=EncounterStatus.IN_PROGRESS, disposition=None)
    desk.platform.list_remove(ref)
    desk.sync()
    entry = desk.entry(ref)
    assert entry.fate is Fate.DROPPED and entry.departure is None and entry.drop_confirmed
    assert desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref) is not None
    assert desk.alert(AlertKind.STALE_ENTRY, ref) is None


# -- incomplete snapshots ----------------------------------------------------------------------


def test_incomplete_snapshot_never_yields_a_departure() -> None:
    desk = Desk()
    refs = [desk.platform.arrive(n) for n in range(10)]
    desk.sync()
    before = desk.state.entries
    desk.platform.advance(5)
    for ref in refs[:8]:
        desk.platform.list_remove(ref)
    partial = Snapshot.of(desk.platform.now, list_items=refs[8:], encounters=[], complete=False,
                          problems=["page 2 of 3 failed"])
    result = reconcile(desk.state, partial, desk.platform.now)
    assert result.state.entries == before
    assert not result.changed and not result.events
    assert result.state.in_list == desk.state.in_list and result.state.seen == desk.state.seen
    assert not [a for a in result.alerts if a.kind is not AlertKind.SYNC_STALE]


def test_incomplete_snapshots_age_the_list_into_sync_stale() -> None:
    desk = Desk()
    desk.platform.arrive(1)
    desk.sync()
    desk.platform.advance(14)
    desk.sync(complete=False)
    assert desk.alert(AlertKind.SYNC_STALE, "platform") is None
    desk.platform.advance(1)
    desk.sync(complete=False)
    warning = desk.alert(AlertKind.SYNC_STALE, "platform")
    assert warning is not None and warning.severity is Severity.WARNING
    desk.platform.advance(45)
    desk.tick()
    critical = desk.alert(AlertKind.SYNC_STALE, "platform")
    assert critical is not None and critical.id == warning.id and critical.severity is Severity.CRITICAL
    desk.platform.advance(1)
    result = desk.sync()
    assert desk.alert(AlertKind.SYNC_STALE, "platform") is None
    assert [a.resolution for a in result.alerts if a.kind is AlertKind.SYNC_STALE] == ["a complete snapshot arrived"]


def test_a_stale_sync_alert_does_not_change_on_every_tick() -> None:
    desk = Desk()
    desk.sync()
    desk.platform.advance(16)
    assert [a.kind for a in desk.tick().alerts] == [AlertKind.SYNC_STALE]
    for _ in range(10):
        desk.platform.advance(1)
        assert desk.tick().alerts == ()  # the same condition, the same record: nothing to store or redraw
    desk.platform.advance(40)
    (escalated,) = desk.tick().alerts
    assert escalated.severity is Severity.CRITICAL and "60 s" in escalated.detail


def test_a_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        reconcile(WorklistState(), Snapshot.of(T0, list_items=[], encounters=[]), T0.replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezone-aware"):
        tick(WorklistState(), T0.replace(tzinfo=None))


def test_sync_stale_fires_even_when_no_complete_snapshot_ever_arrived() -> None:
    # A fresh WorklistState() has no start time; the first step records one so the age can count.
    desk = Desk()
    desk.tick()
    assert desk.state.started_at == desk.platform.now
    desk.platform.advance(61)
    desk.sync(complete=False)
    alert = desk.alert(AlertKind.SYNC_STALE, "platform")
    assert alert is not None and alert.severity is Severity.CRITICAL


# -- missing, stale, duplicate -----------------------------------------------------------------


def test_active_encounter_never_in_the_list_is_not_in_queue_until_added() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, listed=False)
    desk.sync()
    entry = desk.entry(ref)
    assert entry.fate is Fate.PRESENT and not entry.in_list and not entry.ever_in_list
    assert desk.alert(AlertKind.NOT_IN_QUEUE, ref) is None  # registration lists a moment late: a grace
    desk.platform.advance(29)
    desk.tick()
    assert desk.alert(AlertKind.NOT_IN_QUEUE, ref) is None
    desk.platform.advance(1)  # 30 s after its arrival (period.start), still not listed
    desk.tick()
    alert = desk.alert(AlertKind.NOT_IN_QUEUE, ref)
    assert alert is not None and alert.severity is Severity.CRITICAL
    desk.platform.list_add(ref)
    desk.sync()
    assert desk.alert(AlertKind.NOT_IN_QUEUE, ref) is None and desk.entry(ref).in_list


def test_encounter_elsewhere_never_in_the_list_is_not_ours() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, listed=False, at_clinic=False)
    desk.sync()
    assert ref not in desk.state.entries and not desk.state.alerts


def test_reopened_encounter_at_the_clinic_but_not_in_the_list_is_not_in_queue() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.finish(ref, DepartureReason.HOME)
    desk.sync()
    desk.platform.update(ref, status=EncounterStatus.IN_PROGRESS, disposition=None)  # reopened by mistake
    desk.platform.advance(30)  # its arrival is past the grace
    result = desk.sync()
    assert desk.entry(ref).fate is Fate.PRESENT and desk.entry(ref).departure is None
    assert [e.kind for e in result.events] == [EventKind.RETURNED]
    assert desk.alert(AlertKind.NOT_IN_QUEUE, ref) is not None


def test_terminal_encounter_still_in_the_list_is_a_stale_entry_until_removed() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.finish(ref, DepartureReason.HOME, unlist=False)
    desk.sync()
    assert desk.entry(ref).fate is Fate.DEPARTED and desk.entry(ref).in_list
    alert = desk.alert(AlertKind.STALE_ENTRY, ref)
    assert alert is not None and alert.severity is Severity.WARNING
    desk.platform.advance(5)
    desk.sync()
    assert desk.alert(AlertKind.STALE_ENTRY, ref) == alert  # still stale
    desk.platform.list_remove(ref)
    result = desk.sync()
    assert desk.alert(AlertKind.STALE_ENTRY, ref) is None
    assert [a.resolution for a in result.alerts] == ["removed from the queue list"]
    assert not desk.entry(ref).in_list


def test_two_active_encounters_for_one_identifier_flag_the_later_one() -> None:
    desk = Desk()
    number = some_fnr(1, 1, 90)
    first = desk.platform.arrive(1, patient=desk.platform.patient("a", number))
    desk.platform.advance(60)
    second = desk.platform.arrive(2, patient=desk.platform.patient("b", number))  # same person, two records
    desk.platform.arrive(3)
    desk.sync()
    alert = desk.alert(AlertKind.DUPLICATE_PATIENT, second)
    assert alert is not None and alert.severity is Severity.WARNING and alert.related == (first,)
    assert len(desk.alerts_of(AlertKind.DUPLICATE_PATIENT)) == 1
    desk.platform.finish(first, DepartureReason.HOME)
    result = desk.sync()
    assert not desk.alerts_of(AlertKind.DUPLICATE_PATIENT)
    assert [a.resolution for a in result.alerts] == ["the other active encounter is gone"]


def test_duplicate_clears_when_the_identifier_is_corrected() -> None:
    desk = Desk()
    number, other = some_fnr(1, 1, 90), some_fnr(2, 2, 80)
    desk.platform.arrive(1, patient=desk.platform.patient("a", number))
    second = desk.platform.arrive(2, patient=desk.platform.patient("b", number))
    desk.sync()
    assert desk.alert(AlertKind.DUPLICATE_PATIENT, second) is not None
    desk.platform.patient("b", other)  # a new Patient version; the Encounter itself is unchanged
    desk.sync()
    assert desk.alert(AlertKind.DUPLICATE_PATIENT, second) is None


def test_same_condition_never_opens_a_second_alert() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, listed=False)
    for _ in range(5):
        desk.platform.advance(15)
        desk.platform.update(ref, complaint="hodepine")
        desk.sync()
    assert len(desk.alerts_of(AlertKind.NOT_IN_QUEUE)) == 1
    assert desk.state.alert_seq == 1


# -- time alerts -------------------------------------------------------------------------------


def test_triage_overdue_warns_at_the_target_and_turns_critical_at_twice_it() -> None:
    desk = Desk()  # MTS: yellow is 60 minutes
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage="yellow")
    desk.sync()
    desk.platform.advance(59 * 60)
    desk.tick()
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref) is None
    desk.platform.advance(60)
    desk.tick()
    warning = desk.alert(AlertKind.TRIAGE_OVERDUE, ref)
    assert warning is not None and warning.severity is Severity.WARNING
    desk.platform.advance(59 * 60)
    desk.tick()
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref) == warning
    desk.platform.advance(60)
    desk.tick()
    critical = desk.alert(AlertKind.TRIAGE_OVERDUE, ref)
    assert critical is not None and critical.id == warning.id and critical.severity is Severity.CRITICAL


def test_red_is_overdue_at_once() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage="red")
    desk.sync()
    alert = desk.alert(AlertKind.TRIAGE_OVERDUE, ref)
    assert alert is not None and alert.severity is Severity.CRITICAL


def test_triage_overdue_resolves_when_a_doctor_takes_over() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage="orange")
    desk.sync()
    desk.platform.advance(11 * 60)
    desk.sync()
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref) is not None
    desk.platform.update(ref, status=EncounterStatus.IN_PROGRESS, doctor="Practitioner/lege1")
    result = desk.sync()
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref) is None
    assert [a.resolution for a in result.alerts] == ["a doctor has taken over"]


def test_triage_clock_keeps_running_while_the_patient_is_at_x_ray_before_a_doctor() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage="orange")
    desk.sync()
    desk.platform.advance(5 * 60)
    desk.platform.update(ref, status=EncounterStatus.ONLEAVE)  # sent to x-ray from triage
    desk.sync()
    desk.platform.advance(6 * 60)
    desk.tick()
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref) is not None


def test_scale_change_of_level_downgrades_an_overdue_alert() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage="orange")  # 10 min
    desk.sync()
    desk.platform.advance(25 * 60)
    desk.tick()
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref).severity is Severity.CRITICAL  # type: ignore[union-attr]
    desk.platform.update(ref, triage="green")  # re-triaged: 120 min
    desk.sync()
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref) is None
    desk.platform.update(ref, triage="yellow")  # 60 min: 25 min in, not yet
    desk.sync()
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref) is None


def test_not_triaged_after_15_minutes_clears_when_triaged() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.advance(14 * 60 + 59)
    desk.tick()
    assert desk.alert(AlertKind.NOT_TRIAGED, ref) is None
    desk.platform.advance(1)
    desk.tick()
    alert = desk.alert(AlertKind.NOT_TRIAGED, ref)
    assert alert is not None and alert.severity is Severity.WARNING
    desk.platform.update(ref, status=EncounterStatus.TRIAGED, triage="green")
    desk.sync()
    assert desk.alert(AlertKind.NOT_TRIAGED, ref) is None


def test_not_triaged_is_configurable() -> None:
    desk = Desk(config=ReconcileConfig(not_triaged_after=timedelta(minutes=5)))
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.advance(5 * 60)
    desk.tick()
    assert desk.alert(AlertKind.NOT_TRIAGED, ref) is not None


def test_a_triage_code_the_scale_does_not_know_counts_as_not_triaged() -> None:
    # A RETTS-only code, or a code from another system, must not silence every time alert.
    desk = Desk()
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage="purple")
    desk.sync()
    desk.platform.advance(15 * 60)
    desk.tick()
    alert = desk.alert(AlertKind.NOT_TRIAGED, ref)
    assert alert is not None and "'purple'" in alert.detail


def test_status_triaged_without_a_level_counts_as_not_triaged() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage=None)
    desk.sync()
    desk.platform.advance(15 * 60)
    desk.tick()
    assert desk.alert(AlertKind.NOT_TRIAGED, ref) is not None


def test_arrival_time_follows_the_platforms_period_start() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage="orange")
    desk.platform.update(ref, arrived_at=None)
    desk.sync()
    assert desk.entry(ref).arrived_at == desk.platform.now  # first seen, for want of better
    desk.platform.update(ref, arrived_at=desk.platform.now - timedelta(minutes=30))
    desk.sync()
    assert desk.entry(ref).arrived_at == desk.platform.now - timedelta(minutes=30)
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref) is not None


# -- mass departure ----------------------------------------------------------------------------


def _queue_of(desk: Desk, n: int) -> list[str]:
    refs = [desk.platform.arrive(i, status=EncounterStatus.TRIAGED, triage="green") for i in range(n)]
    desk.sync()
    desk.platform.advance(5)
    return refs


def test_mass_departure_holds_every_vanished_entry() -> None:
    desk = Desk()
    refs = _queue_of(desk, 20)
    gone = refs[:10]
    for ref in gone[:5]:
        desk.platform.list_remove(ref)  # still active
    for ref in gone[5:]:
        desk.platform.finish(ref, DepartureReason.HOME)  # terminal, in the same cycle
    result = desk.sync()

    mass = desk.alerts_of(AlertKind.MASS_DEPARTURE)
    assert len(mass) == 1 and mass[0].severity is Severity.CRITICAL and mass[0].related == tuple(sorted(gone))
    for ref in gone:
        entry = desk.entry(ref)
        assert entry.fate is Fate.DROPPED and entry.mass_departure and ref in desk.state.live
        assert desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref) is not None
    assert not [e for e in result.events if e.kind is EventKind.DEPARTED]
    assert [desk.entry(r).drop_confirmed for r in gone] == [True] * 5 + [False] * 5


def test_mass_departure_members_are_confirmed_one_by_one() -> None:
    desk = Desk()
    refs = _queue_of(desk, 10)
    for ref in refs[:6]:
        desk.platform.finish(ref, DepartureReason.HOME)
    desk.sync()
    mass = desk.alerts_of(AlertKind.MASS_DEPARTURE)[0]
    with_terminal_data = desk.platform.advance(5)
    desk.sync()  # a terminal status alone does not release a held entry
    assert all(desk.entry(r).fate is Fate.DROPPED for r in refs[:6])
    for ref in refs[:5]:
        drop = desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref)
        assert drop is not None
        desk.resolve(drop, reason="utskrevet, sjekket i journal")
        assert desk.entry(ref).departure is DepartureReason.HOME  # the real reason, from the encounter
    assert desk.alert(AlertKind.MASS_DEPARTURE, "queue") == mass
    last = desk.alert(AlertKind.DROPPED_FROM_QUEUE, refs[5])
    assert last is not None
    result = desk.resolve(last)
    assert desk.alert(AlertKind.MASS_DEPARTURE, "queue") is None
    settled = [a for a in result.alerts if a.kind is AlertKind.MASS_DEPARTURE]
    assert settled[0].status is AlertStatus.RESOLVED and settled[0].resolved_by is None
    assert with_terminal_data


def test_held_entry_whose_encounter_changes_later_stays_held() -> None:
    desk = Desk()
    refs = _queue_of(desk, 10)
    for ref in refs[:6]:
        desk.platform.finish(ref, DepartureReason.HOME)
    desk.sync()
    desk.platform.update(refs[0], disposition=DepartureReason.ADMITTED)  # a later correction
    desk.sync()
    assert desk.entry(refs[0]).fate is Fate.DROPPED
    assert desk.entry(refs[0]).encounter.disposition is DepartureReason.ADMITTED
    assert desk.alert(AlertKind.DROPPED_FROM_QUEUE, refs[0]) is not None


def test_mass_departure_clears_when_the_entries_come_back() -> None:
    desk = Desk()
    refs = _queue_of(desk, 10)
    for ref in refs[:6]:
        desk.platform.list_remove(ref)
    desk.sync()
    assert desk.alerts_of(AlertKind.MASS_DEPARTURE)
    for ref in refs[:6]:
        desk.platform.list_add(ref)  # the List was restored
    desk.sync()
    assert not desk.state.alerts
    assert all(desk.entry(r).fate is Fate.PRESENT for r in refs)


def test_a_second_mass_departure_keeps_the_first_batch_in_the_alert() -> None:
    desk = Desk()
    refs = _queue_of(desk, 30)
    for ref in refs[:10]:
        desk.platform.list_remove(ref)
    desk.sync()
    desk.platform.advance(5)
    for ref in refs[10:17]:
        desk.platform.list_remove(ref)
    desk.sync()
    mass = desk.alerts_of(AlertKind.MASS_DEPARTURE)
    assert len(mass) == 1 and mass[0].related == tuple(sorted(refs[:17]))


@pytest.mark.parametrize(("queue", "leaving", "mass"), [
    (20, 6, False),  # 30 %: not more than 30 %
    (20, 7, True),
    (6, 5, False),   # 83 %, but not more than 5 entries
    (7, 6, True),
    (100, 30, False),
    (100, 31, True),
])
def test_mass_departure_needs_more_than_5_entries_and_more_than_30_percent(queue: int, leaving: int,
                                                                        mass: bool) -> None:
    desk = Desk()
    refs = _queue_of(desk, queue)
    for ref in refs[:leaving]:
        desk.platform.list_remove(ref)
    desk.sync()
    assert bool(desk.alerts_of(AlertKind.MASS_DEPARTURE)) is mass
    assert all(desk.entry(r).mass_departure is mass for r in refs[:leaving])
    assert all(desk.entry(r).fate is Fate.DROPPED for r in refs[:leaving])  # dropped either way


def test_mass_departure_threshold_is_configurable() -> None:
    desk = Desk(config=ReconcileConfig(mass_departure_min_entries=2, mass_departure_share=0.5))
    refs = _queue_of(desk, 5)
    for ref in refs[:3]:
        desk.platform.list_remove(ref)
    desk.sync()
    assert desk.alerts_of(AlertKind.MASS_DEPARTURE)


def test_leaving_stale_items_do_not_count_towards_a_mass_departure() -> None:
    desk = Desk()
    refs = _queue_of(desk, 10)
    for ref in refs[:6]:
        desk.platform.finish(ref, DepartureReason.HOME, unlist=False)  # stale items, already departed
    desk.sync()
    desk.platform.advance(5)
    for ref in refs[:6]:
        desk.platform.list_remove(ref)  # the List is cleaned up
    desk.sync()
    assert not desk.alerts_of(AlertKind.MASS_DEPARTURE) and not desk.alerts_of(AlertKind.STALE_ENTRY)


# -- unreadable List items ---------------------------------------------------------------------


def test_a_listed_encounter_that_cannot_be_read_is_still_shown() -> None:
    desk = Desk()
    ref = enc_ref(9)
    desk.platform.list_add(ref)  # the List names an Encounter the sync cannot read
    result = desk.sync()
    entry = desk.entry(ref)
    assert entry.fate is Fate.PRESENT and entry.in_list and entry.encounter.status is EncounterStatus.UNKNOWN
    assert [(e.kind, e.detail) for e in result.events] == [(EventKind.ARRIVED, "unreadable")]
    desk.platform.list_remove(ref)
    desk.sync()
    assert desk.entry(ref).fate is Fate.DROPPED and not desk.entry(ref).drop_confirmed


def test_placeholder_takes_the_real_data_once_readable() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage="blue",
                               arrived_at=T0 - timedelta(minutes=20))
    desk.platform.failing_reads.add(ref)
    desk.platform.update(ref, at_clinic=False)  # not returned by the search either
    desk.sync()
    assert desk.entry(ref).encounter.version == ""
    desk.platform.failing_reads.clear()
    desk.sync()
    entry = desk.entry(ref)
    assert entry.encounter == desk.platform.encounters[ref]
    assert entry.arrived_at == T0 - timedelta(minutes=20)


def test_dropped_entry_back_in_the_list_but_unreadable_is_present_again() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.list_remove(ref)
    desk.sync()
    desk.platform.list_add(ref)
    desk.platform.failing_reads.add(ref)
    desk.platform.update(ref, at_clinic=False)
    desk.sync()
    assert desk.entry(ref).fate is Fate.PRESENT
    assert desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref) is None


# -- purity and order --------------------------------------------------------------------------


def test_reconcile_does_not_touch_the_state_it_was_given() -> None:
    desk = Desk()
    refs = [desk.platform.arrive(n) for n in range(5)]
    desk.sync()
    before = desk.state
    frozen = (dict(before.entries), set(before.live), dict(before.alerts), dict(before.open_keys),
              dict(before.by_identity), before.deadlines)
    desk.platform.advance(20 * 60)
    desk.platform.list_remove(refs[0])
    desk.platform.finish(refs[1])
    reconcile(before, desk.platform.snapshot(before), desk.platform.now)
    assert frozen == (dict(before.entries), set(before.live), dict(before.alerts), dict(before.open_keys),
                      dict(before.by_identity), before.deadlines)


def test_entry_order_and_repeats_do_not_matter() -> None:
    desk = Desk()
    for n in range(8):
        desk.platform.arrive(n, listed=n != 3)
    desk.sync()
    desk.platform.advance(5)
    desk.platform.list_remove(enc_ref(1))
    desk.platform.finish(enc_ref(2))
    base = reconcile(desk.state, desk.platform.snapshot(desk.state), desk.platform.now).state
    for seed in range(5):
        snap = desk.platform.snapshot(desk.state, shuffle=random.Random(seed), duplicate=True)
        assert reconcile(desk.state, snap, desk.platform.now).state == base


def test_reconciling_the_same_snapshot_twice_changes_nothing() -> None:
    desk = Desk()
    for n in range(6):
        desk.platform.arrive(n, listed=n != 0)
    desk.platform.failing_reads.add(enc_ref(5))
    desk.sync()
    desk.platform.list_remove(enc_ref(5))
    desk.platform.list_remove(enc_ref(4))
    snap = desk.platform.snapshot(desk.state)
    first = reconcile(desk.state, snap, desk.platform.now)
    second = reconcile(first.state, snap, desk.platform.now)
    assert (dict(second.changed), second.events, second.alerts) == ({}, (), ())
    assert second.state == first.state


# -- restart -----------------------------------------------------------------------------------


def test_restore_compares_against_what_was_last_seen_and_keeps_alerts() -> None:
    desk = Desk()
    refs = [desk.platform.arrive(n) for n in range(3)]
    desk.sync()
    desk.platform.list_remove(refs[0])
    desk.sync()
    kept = desk.state
    restored = restore(kept.entries.values(), kept.alerts.values(), seen=kept.seen, in_list=kept.in_list,
                       last_complete_at=kept.last_complete_at, alert_seq=kept.alert_seq, now=desk.platform.now)
    assert restored.entries == kept.entries and restored.live == kept.live
    assert restored.alerts == kept.alerts and restored.open_keys == kept.open_keys
    desk.state = restored
    result = desk.sync()
    assert not result.events and not [a for a in result.alerts if a.kind is AlertKind.DROPPED_FROM_QUEUE]
    assert desk.entry(refs[0]).fate is Fate.DROPPED


def test_restore_numbers_new_alerts_after_the_kept_ones() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, listed=False)
    desk.sync()
    desk.platform.advance(30)
    desk.sync()
    kept = desk.state
    restored = restore(kept.entries.values(), kept.alerts.values(), now=desk.platform.now)
    assert restored.alert_seq == 1
    desk.state = restored
    desk.platform.arrive(2, listed=False)
    desk.sync()
    desk.platform.advance(30)
    desk.sync()
    ids = sorted(a.id for a in desk.state.alerts.values())
    assert ids == ["AL-000001", "AL-000002"] and desk.alert(AlertKind.NOT_IN_QUEUE, ref) is not None


def test_a_new_state_starts_empty() -> None:
    state = WorklistState()
    assert (state.queue, state.live, state.alerts, state.started_at) == ([], frozenset(), {}, None)


def test_encounter_without_patient_is_handled() -> None:
    enc = Encounter(ref="Encounter/x", version="1", patient_ref=None, status=EncounterStatus.ARRIVED, arrived_at=T0)
    result = reconcile(WorklistState(), Snapshot.of(T0, list_items=[enc.ref], encounters=[enc]), T0)
    assert result.state.entries[enc.ref].patient is None


def test_platform_fixture_builds_a_consistent_snapshot() -> None:
    platform = FakePlatform()
    ref = platform.arrive(1)
    snap = platform.snapshot(WorklistState())
    assert snap.complete and snap.list_items == {ref} and set(snap.encounters) == {ref}
