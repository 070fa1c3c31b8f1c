"""``classify``: one encounter's place in a complete snapshot -> an outcome value, and nothing changed.

Every case is written out by hand from the table in DESIGN.md section 4: what the entry was, what this
cycle read, whether the List has it; the expected verdict, entry, event and alerts are stated literally.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from legevakt.worklist.alert_rules import Clear, Raise
from legevakt.worklist.classify import Event, EventKind, Outcome, Verdict, classify
from legevakt.worklist.models import (
    AlertKind,
    DepartureReason,
    Encounter,
    EncounterStatus,
    Entry,
    Fate,
    Patient,
    Severity,
)
from legevakt.worklist.reconcile import reconcile
from legevakt.worklist.snapshot import Snapshot, WorklistState

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=40)
REF = "Encounter/e1"
PAT = Patient(ref="Patient/p1", version="1", name="Nordmann, Kari")


def enc(status: EncounterStatus = EncounterStatus.TRIAGED, *, version: str = "2", at_clinic: bool = True,
        disposition: DepartureReason | None = None) -> Encounter:
    return Encounter(ref=REF, version=version, patient_ref=PAT.ref, status=status, arrived_at=T0, triage="green",
                     disposition=disposition, at_clinic=at_clinic)


def entry(fate: Fate = Fate.PRESENT, *, in_list: bool = True, departure: DepartureReason | None = None,
          left_at: datetime | None = None, mass_departure: bool = False) -> Entry:
    return Entry(encounter=enc(version="1"), patient=PAT, fate=fate, in_list=in_list, ever_in_list=True,
                 first_seen=T0, arrived_at=T0, left_at=left_at, departure=departure, mass_departure=mass_departure)


def run(prev: Entry | None, read: Encounter | None, *, in_list: bool, held: bool = False) -> Outcome:
    return classify(REF, prev, read, in_list=in_list, patients={PAT.ref: PAT}, now=NOW, held=held)


def test_gone_from_the_list_with_a_finished_read_departs_with_its_reason() -> None:
    out = run(entry(), enc(EncounterStatus.FINISHED, disposition=DepartureReason.ADMITTED), in_list=False)
    assert out.verdict is Verdict.DEPARTED
    assert out.entry is not None
    assert (out.entry.fate, out.entry.departure, out.entry.left_at, out.entry.in_list) == (
        Fate.DEPARTED, DepartureReason.ADMITTED, NOW, False)
    assert out.entry.encounter.version == "2"  # the data of this read, not the previous one
    assert out.event == Event(EventKind.DEPARTED, REF, NOW, "admitted")
    assert out.alert_effects == (
        Clear(AlertKind.DROPPED_FROM_QUEUE, REF, "encounter is finished"),
        Clear(AlertKind.NOT_IN_QUEUE, REF, "encounter is finished"),
        Clear(AlertKind.STALE_ENTRY, REF, "removed from the queue list"),
    )
    assert out.settled_effects == () and not out.record_only


def test_finished_without_a_disposition_departs_unspecified_and_cancelled_departs_cancelled() -> None:
    finished = run(entry(), enc(EncounterStatus.FINISHED), in_list=False)
    cancelled = run(entry(), enc(EncounterStatus.CANCELLED, disposition=DepartureReason.HOME), in_list=False)
    assert finished.entry is not None and finished.entry.departure is DepartureReason.UNSPECIFIED
    assert cancelled.entry is not None and cancelled.entry.departure is DepartureReason.CANCELLED


def test_finished_but_still_in_the_list_departs_and_raises_a_stale_entry_warning() -> None:
    out = run(entry(), enc(EncounterStatus.FINISHED, disposition=DepartureReason.HOME), in_list=True)
    assert out.verdict is Verdict.DEPARTED
    assert out.entry is not None and out.entry.in_list
    assert out.alert_effects[-1] == Raise(AlertKind.STALE_ENTRY, Severity.WARNING, REF, REF,
                                          "in the queue list but the encounter is finished")


def test_gone_from_the_list_while_in_progress_is_a_confirmed_drop() -> None:
    out = run(entry(), enc(EncounterStatus.IN_PROGRESS), in_list=False)
    assert out.verdict is Verdict.DROPPED
    assert out.entry is not None
    assert (out.entry.fate, out.entry.drop_confirmed, out.entry.left_at, out.entry.departure) == (
        Fate.DROPPED, True, NOW, None)
    assert out.event == Event(EventKind.DROPPED, REF, NOW, "confirmed")
    assert out.settled_effects == (Clear(AlertKind.STALE_ENTRY, REF, "encounter is active"),)
    assert out.alert_effects[0] == Raise(AlertKind.DROPPED_FROM_QUEUE, Severity.CRITICAL, REF, REF,
                                         "left the queue list while the encounter is still active")
    assert out.alert_effects[1].kind is AlertKind.NOT_IN_QUEUE and isinstance(out.alert_effects[1], Clear)


def test_gone_from_the_list_and_unreadable_is_an_unconfirmed_drop_that_keeps_the_last_data() -> None:
    out = run(entry(), None, in_list=False)
    assert out.verdict is Verdict.DROPPED
    assert out.entry is not None
    assert (out.entry.drop_confirmed, out.entry.encounter.version, out.entry.patient) == (False, "1", PAT)
    assert out.event == Event(EventKind.DROPPED, REF, NOW, "unconfirmed")


def test_a_tombstone_read_again_stays_dropped_without_a_second_event() -> None:
    dropped = entry(Fate.DROPPED, in_list=False, left_at=T0 + timedelta(minutes=5))
    out = run(dropped, enc(EncounterStatus.IN_PROGRESS), in_list=False)
    assert out.verdict is Verdict.DROPPED and out.event is None
    assert out.entry is not None and out.entry.left_at == T0 + timedelta(minutes=5)  # when it was first missed


def test_new_in_the_list_arrives() -> None:
    out = run(None, enc(), in_list=True)
    assert out.verdict is Verdict.ARRIVED
    assert out.event == Event(EventKind.ARRIVED, REF, NOW)
    assert out.entry is not None
    assert (out.entry.fate, out.entry.in_list, out.entry.first_seen, out.entry.arrived_at, out.entry.patient) == (
        Fate.PRESENT, True, NOW, T0, PAT)


def test_active_at_the_clinic_outside_the_list_arrives_and_leaves_not_in_queue_to_the_time_rules() -> None:
    """NOT_IN_QUEUE waits for its grace (``deadlines.time_alerts``): registration lists a moment late."""
    out = run(None, enc(), in_list=False)
    assert out.verdict is Verdict.ARRIVED
    assert out.entry is not None and not out.entry.in_list
    assert not [e for e in out.alert_effects if getattr(e, "kind", None) is AlertKind.NOT_IN_QUEUE]


@pytest.mark.parametrize(("prev", "read", "in_list"), [
    (None, enc(at_clinic=False), False),  # active elsewhere, never ours
    (None, enc(EncounterStatus.FINISHED), False),  # a terminal read of something never tracked
    (None, None, False),  # nothing known at all
], ids=["elsewhere", "terminal-untracked", "unknown"])
def test_what_was_never_ours_has_no_entry_and_no_event(prev: Entry | None, read: Encounter | None,
                                                       in_list: bool) -> None:
    out = run(prev, read, in_list=in_list)
    assert (out.verdict, out.entry, out.event, out.alert_effects) == (Verdict.IGNORED, None, None, ())


def test_in_the_list_but_unreadable_and_never_seen_is_a_placeholder_row() -> None:
    out = run(None, None, in_list=True)
    assert out.verdict is Verdict.ARRIVED
    assert out.entry is not None
    assert (out.entry.encounter.status, out.entry.patient, out.entry.in_list) == (EncounterStatus.UNKNOWN, None, True)
    assert out.event == Event(EventKind.ARRIVED, REF, NOW, "unreadable")


def test_a_dropped_entry_back_in_the_list_returns_and_its_drop_alert_clears() -> None:
    out = run(entry(Fate.DROPPED, in_list=False, left_at=T0), enc(), in_list=True)
    assert out.verdict is Verdict.PRESENT
    assert out.event == Event(EventKind.RETURNED, REF, NOW)
    assert out.entry is not None and (out.entry.fate, out.entry.left_at) == (Fate.PRESENT, None)
    assert Clear(AlertKind.DROPPED_FROM_QUEUE, REF, "back in the queue list") in out.alert_effects


def test_an_entry_a_person_closed_stays_closed_and_only_its_record_follows_the_platform() -> None:
    closed = entry(Fate.DEPARTED, in_list=False, departure=DepartureReason.CLOSED_BY_USER, left_at=T0)
    out = run(closed, enc(EncounterStatus.IN_PROGRESS), in_list=False)
    assert out.verdict is Verdict.CLOSED and out.record_only and out.event is None
    assert out.entry is not None
    assert (out.entry.fate, out.entry.departure, out.entry.encounter.version) == (
        Fate.DEPARTED, DepartureReason.CLOSED_BY_USER, "2")
    unchanged = run(closed, closed.encounter, in_list=False)
    assert (unchanged.verdict, unchanged.entry) == (Verdict.CLOSED, None)


def test_held_in_a_mass_departure_is_a_tombstone_even_when_the_read_is_terminal() -> None:
    out = run(entry(), enc(EncounterStatus.FINISHED, disposition=DepartureReason.HOME), in_list=False, held=True)
    assert out.verdict is Verdict.HELD
    assert out.entry is not None
    assert (out.entry.fate, out.entry.mass_departure, out.entry.drop_confirmed) == (Fate.DROPPED, True, False)
    assert out.event == Event(EventKind.DROPPED, REF, NOW, "mass departure")
    assert out.alert_effects == (Raise(
        AlertKind.DROPPED_FROM_QUEUE, Severity.CRITICAL, REF, REF,
        "left the queue in a mass departure (encounter finished); confirm before closing"),)


def test_classify_is_a_value_same_inputs_same_outcome_and_the_outcome_is_frozen() -> None:
    prev, read = entry(), enc(EncounterStatus.IN_PROGRESS)
    first, second = run(prev, read, in_list=False), run(prev, read, in_list=False)
    assert first == second
    assert prev == entry()  # the previous entry is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.verdict = Verdict.IGNORED  # type: ignore[misc]


def test_an_incomplete_snapshot_infers_nothing_about_entries_that_are_missing_from_it() -> None:
    listed = Snapshot.of(T0, list_items=[REF], encounters=[enc(version="1")], patients=[PAT])
    state = reconcile(WorklistState(), listed, T0).state
    before = state.entries[REF]
    result = reconcile(state, Snapshot.incomplete(T0 + timedelta(seconds=5), ["page 2 failed"]),
                       T0 + timedelta(seconds=5))
    assert result.state.entries[REF] == before and before.fate is Fate.PRESENT
    assert result.events == () and dict(result.changed) == {}
    assert not any(a.kind is AlertKind.DROPPED_FROM_QUEUE for a in result.alerts)
    # The same absence in a complete snapshot is a drop: the test above is not vacuous.
    complete = Snapshot.of(T0 + timedelta(seconds=5), list_items=[], encounters=[enc(EncounterStatus.IN_PROGRESS)],
                           patients=[PAT])
    dropped = reconcile(state, complete, T0 + timedelta(seconds=5))
    assert dropped.state.entries[REF].fate is Fate.DROPPED


def test_applying_an_outcome_gives_alert_ids_in_order_the_entrys_own_alerts_before_the_queue_alert() -> None:
    """Alert ids are sequential and stored: the order of applying an outcome is part of the result.

    An untriaged encounter, active at the clinic for 30 minutes but not in the List: putting the entry
    raises its NOT_TRIAGED (15 minutes passed), then the outcome's NOT_IN_QUEUE follows.
    """
    untriaged = dataclasses.replace(enc(EncounterStatus.ARRIVED), triage=None)
    snap = Snapshot.of(T0 + timedelta(minutes=30), list_items=[], encounters=[untriaged], patients=[PAT])
    result = reconcile(WorklistState(), snap, T0 + timedelta(minutes=30))
    assert [(a.id, a.kind) for a in result.alerts] == [
        ("AL-000001", AlertKind.NOT_TRIAGED), ("AL-000002", AlertKind.NOT_IN_QUEUE)]
