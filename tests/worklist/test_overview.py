"""The shift lead's figures (``worklist.overview``), against hand-counted fixtures and direct counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legevakt.worklist.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DepartureReason,
    Encounter,
    EncounterStatus,
    Entry,
    Fate,
    Patient,
    Severity,
)
from legevakt.worklist.overview import carried_over, clinic_hours, overview, wait_order
from legevakt.worklist.triage import MTS, RETTS

OSLO = ZoneInfo("Europe/Oslo")


def oslo(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=OSLO, fold=fold)  # type: ignore[misc]


def entry(n: int, arrived: datetime, *, triage: str | None = "green",
          status: EncounterStatus = EncounterStatus.TRIAGED, fate: Fate = Fate.PRESENT,
          left: datetime | None = None, doctor: str | None = None,
          departure: DepartureReason | None = None) -> Entry:
    enc = Encounter(ref=f"Encounter/e{n}", version="1", patient_ref=f"Patient/p{n}", status=status,
                    arrived_at=arrived, triage=triage, doctor=doctor)
    if fate is Fate.DEPARTED and departure is None:
        departure = DepartureReason.HOME
    return Entry(encounter=enc, patient=Patient(f"Patient/p{n}", "1", f"Pasient {n}"), fate=fate,
                 in_list=fate is Fate.PRESENT, ever_in_list=True, first_seen=arrived, arrived_at=arrived,
                 left_at=left, departure=departure if fate is Fate.DEPARTED else None)


def alert(n: int, kind: AlertKind, severity: Severity = Severity.WARNING,
          status: AlertStatus = AlertStatus.OPEN) -> Alert:
    return Alert(id=f"A-{n}", kind=kind, severity=severity, key=f"k{n}", encounter=f"Encounter/e{n}",
                 raised_at=NOW - timedelta(minutes=5), status=status)


NOW = oslo(2025, 3, 3, 16, 40)  # a Monday, the evening shift (15:00-23:00), 16:40 in Oslo (CET)
SHIFT_START = oslo(2025, 3, 3, 15, 0)


def afternoon() -> list[Entry]:
    """Eleven entries, counted by hand below."""
    return [
        # Present, arrived this shift.
        entry(1, oslo(2025, 3, 3, 16, 30), triage="red", status=EncounterStatus.IN_PROGRESS, doctor="Practitioner/d1"),
        entry(2, oslo(2025, 3, 3, 16, 20), triage="orange"),  # waiting 20 min, target 10: 10 over
        entry(3, oslo(2025, 3, 3, 15, 10), triage="yellow"),  # waiting 90, target 60: 30 over
        entry(4, oslo(2025, 3, 3, 16, 0), triage="green"),  # waiting 40, target 120: within
        entry(5, oslo(2025, 3, 3, 16, 35), triage=None, status=EncounterStatus.ARRIVED),  # 5 min, no target
        entry(6, oslo(2025, 3, 3, 15, 55), triage="purple"),  # a code MTS does not know: not triaged, 45 min
        entry(7, oslo(2025, 3, 3, 15, 45), triage="blue", status=EncounterStatus.ONLEAVE),  # 55 min, waiting
        # Carried over from the day shift: 8 has since dropped from the queue (not present, not waiting).
        entry(8, oslo(2025, 3, 3, 14, 10), triage="green", fate=Fate.DROPPED, left=oslo(2025, 3, 3, 16, 0)),  # 150
        entry(9, oslo(2025, 3, 3, 13, 0), triage="yellow", status=EncounterStatus.IN_PROGRESS,
              doctor="Practitioner/d2"),
        # Departed.
        entry(10, oslo(2025, 3, 3, 14, 30), fate=Fate.DEPARTED, left=oslo(2025, 3, 3, 15, 20)),  # carried over
        entry(11, oslo(2025, 3, 3, 12, 0), fate=Fate.DEPARTED, left=oslo(2025, 3, 3, 14, 50)),  # before the shift
        entry(12, oslo(2025, 3, 3, 15, 5), fate=Fate.DEPARTED, left=oslo(2025, 3, 3, 16, 0),
              departure=DepartureReason.ADMITTED),  # this shift's cohort
    ]


def test_counts_per_level_and_state_by_hand() -> None:
    ov = overview(afternoon(), (), NOW, scale=MTS)
    # Present now: 1-7 and 9 (8 dropped, 10-12 departed); the dropped 8 is counted once, as dropped.
    assert (ov.present, ov.dropped) == (8, 1)
    assert [(c.code, c.count) for c in ov.by_level] == [
        ("red", 1), ("orange", 1), ("yellow", 2), ("green", 1), ("blue", 1), (None, 2)]
    assert {c.state: c.count for c in ov.by_state} == {
        "arrived": 1, "triaged": 4, "in-progress": 2, "onleave": 1, "planned": 0, "unknown": 0}
    assert sum(c.count for c in ov.by_level) == sum(c.count for c in ov.by_state) == ov.present


def test_longest_waits_with_target_and_how_far_over() -> None:
    ov = overview(afternoon(), (), NOW, scale=MTS, longest=4)
    # Waiting for a doctor: 2, 3, 4, 5, 6, 7 (1 and 9 are with a doctor, 8 dropped out of the queue).
    assert ov.waiting == 6
    # Past target first, most over relative to it: 2 (orange 20/10, twice) before 3 (yellow 90/60); then the
    # untriaged, longest first: 6 (45 min), 5 (5 min); 4 (80 min left) and 7 (185 left) do not make the four.
    assert [(w.ref, w.waited_minutes, w.target_minutes, w.over_minutes, w.over_target) for w in ov.longest] == [
        ("Encounter/e2", 20, 10, 10, True),
        ("Encounter/e3", 90, 60, 30, True),
        ("Encounter/e6", 45, None, None, False),
        ("Encounter/e5", 5, None, None, False),
    ]
    assert ov.over_target == 2  # of the 6 waiting
    assert [w.ref for w in overview(afternoon(), (), NOW, scale=MTS, longest=8).longest][4:] == [
        "Encounter/e4", "Encounter/e7"]  # the rest by time left: 80 min, then 185


def test_a_patient_past_target_is_listed_before_longer_waits_within_theirs() -> None:
    """The reviewer's queue: eight blue patients 141 min in (99 min left) hid an orange one 12 min in against
    its 10 min target, when the list was ordered by minutes waited."""
    blues = [entry(n, NOW - timedelta(minutes=141), triage="blue") for n in range(1, 9)]
    queue = [*blues,
             entry(20, NOW - timedelta(minutes=12), triage="orange"),  # 2 over, 1.2 times the target
             entry(21, NOW - timedelta(minutes=130), triage="green"),  # 10 over, 1.08 times
             entry(22, NOW - timedelta(minutes=1), triage="red"),  # target 0: over at once, infinitely
             entry(23, NOW - timedelta(minutes=50), triage="yellow"),  # 10 min left
             entry(24, NOW - timedelta(minutes=3), triage=None, status=EncounterStatus.ARRIVED)]  # no target
    ov = overview(queue, (), NOW, scale=MTS, longest=8)
    assert [(w.ref, w.over_minutes) for w in ov.longest] == [
        ("Encounter/e22", 1), ("Encounter/e20", 2), ("Encounter/e21", 10), ("Encounter/e24", None),
        ("Encounter/e23", -10), ("Encounter/e1", -99), ("Encounter/e2", -99), ("Encounter/e3", -99)]
    assert ov.over_target == 3 and ov.waiting == 13


def test_a_dropped_patient_is_not_present_nor_waiting_and_is_counted_once() -> None:
    waiting = entry(1, NOW - timedelta(minutes=300), triage="orange")
    dropped = replace(waiting, fate=Fate.DROPPED, in_list=False, left_at=NOW - timedelta(minutes=5))
    ov = overview([dropped, entry(2, NOW - timedelta(minutes=5), triage="green")], (), NOW, scale=MTS)
    assert (ov.present, ov.dropped, ov.waiting, ov.over_target) == (1, 1, 1, 0)
    assert [w.ref for w in ov.longest] == ["Encounter/e2"]
    assert ov.level_count("orange") == 0 and sum(c.count for c in ov.by_state) == 1
    assert (ov.census.present, ov.census.dropped) == (1, 1)


def test_the_red_target_of_zero_is_passed_at_once() -> None:
    ov = overview([entry(1, NOW, triage="red")], (), NOW, scale=MTS)
    assert [(w.waited_minutes, w.over_minutes, w.over_target) for w in ov.longest] == [(0, 0, True)]


def test_the_shift_census_and_the_patients_carried_over() -> None:
    ov = overview(afternoon(), (), NOW, scale=MTS)
    assert (ov.shift.name, ov.shift.start) == ("evening", SHIFT_START)
    # Here at 15:00: 8 (arrived 14:10, dropped later), 9 (13:00, still here), 10 (left 15:20); not 11 (left 14:50).
    # Arrived since 15:00: 1-7 and 12. Left during the shift: 10 (home) and 12 (admitted); still here: 1-7
    # and 9; dropped, unresolved: 8. So 3 + 8 = 2 + 8 + 1.
    c = ov.census
    assert (c.carried_over, c.arrived, c.departed, c.present, c.dropped) == (3, 8, 2, 8, 1)
    assert c.departed_by_reason == {"admitted": 1, "home": 1} and c.balances
    assert ov.carried_over == 3 and ov.carried_over_here == 1  # 9 (8 is carried over but dropped since)
    assert ov.in_shift == 11


def test_carried_over_edges() -> None:
    start = SHIFT_START
    shift = overview((), (), NOW, scale=MTS).shift
    entries = [
        entry(1, start, fate=Fate.PRESENT),  # arrived at the start: this shift's, not carried over
        entry(2, start - timedelta(seconds=1)),  # a second before: carried over
        entry(3, start - timedelta(hours=1), fate=Fate.DEPARTED, left=start),  # left at the start: was here
        entry(4, start - timedelta(hours=1), fate=Fate.DEPARTED, left=start - timedelta(seconds=1)),
        entry(5, start - timedelta(hours=9), fate=Fate.DROPPED, left=start - timedelta(hours=2)),  # unresolved
        entry(6, start - timedelta(hours=9), fate=Fate.DEPARTED, left=None),  # no time given: long gone
    ]
    assert sorted(e.ref for e in carried_over(entries, shift)) == ["Encounter/e2", "Encounter/e3", "Encounter/e5"]


def test_arrivals_per_hour_for_the_last_twelve_hours() -> None:
    ov = overview(afternoon(), (), NOW, scale=MTS)
    hours = [(h.start.strftime("%H"), h.arrivals) for h in ov.arrivals]
    # 05..16 in Oslo; by hand: 12:00 (11), 13:00 (9), 14:10 and 14:30 (8, 10), 15:05 15:10 15:45 15:55
    # (12, 3, 7, 6), 16:00 16:20 16:30 16:35 (4, 2, 1, 5).
    assert hours == [("05", 0), ("06", 0), ("07", 0), ("08", 0), ("09", 0), ("10", 0), ("11", 0),
                     ("12", 1), ("13", 1), ("14", 2), ("15", 4), ("16", 4)]
    assert ov.arrivals[-1].start == oslo(2025, 3, 3, 16) and ov.arrivals[-1].end == oslo(2025, 3, 3, 17)


def test_an_arrival_thirteen_hours_ago_is_not_counted() -> None:
    ov = overview([entry(1, NOW - timedelta(hours=13)), entry(2, oslo(2025, 3, 3, 5, 0))], (), NOW, scale=MTS)
    assert sum(h.arrivals for h in ov.arrivals) == 1 and ov.arrivals[0].arrivals == 1


def test_the_spring_night_has_no_two_oclock() -> None:
    now = oslo(2025, 3, 30, 6, 15)  # CEST; 02:00-03:00 did not happen
    hours = clinic_hours(now)
    labels = [s.strftime("%H") for s, _ in hours]
    assert labels == ["17", "18", "19", "20", "21", "22", "23", "00", "01", "03", "04", "05", "06"][1:]
    assert all(e.astimezone(UTC) - s.astimezone(UTC) == timedelta(hours=1) for s, e in hours)
    # 01:30 CET and 03:30 CEST are an hour apart: each lands in its own hour.
    arrivals = [entry(1, oslo(2025, 3, 30, 1, 30)), entry(2, oslo(2025, 3, 30, 3, 30))]
    ov = overview(arrivals, (), now, scale=MTS)
    assert [(h.start.strftime("%H"), h.arrivals) for h in ov.arrivals][-6:] == [
        ("00", 0), ("01", 1), ("03", 1), ("04", 0), ("05", 0), ("06", 0)]


def test_the_autumn_night_has_two_two_oclocks() -> None:
    now = oslo(2025, 10, 26, 5, 10)  # CET
    hours = clinic_hours(now)
    labels = [s.strftime("%H %Z") for s, _ in hours]
    assert labels[-6:] == ["01 CEST", "02 CEST", "02 CET", "03 CET", "04 CET", "05 CET"]
    assert all(e.astimezone(UTC) - s.astimezone(UTC) == timedelta(hours=1) for s, e in hours)
    first = entry(1, oslo(2025, 10, 26, 2, 20, fold=0))  # 00:20 UTC
    second = entry(2, oslo(2025, 10, 26, 2, 20, fold=1))  # 01:20 UTC
    third = entry(3, datetime(2025, 10, 26, 1, 40, tzinfo=UTC))  # 02:40 CET
    ov = overview([first, second, third], (), now, scale=MTS)
    assert [h.arrivals for h in ov.arrivals][-5:] == [1, 2, 0, 0, 0]


def test_open_alerts_by_kind() -> None:
    alerts = [
        alert(1, AlertKind.TRIAGE_OVERDUE),
        alert(2, AlertKind.TRIAGE_OVERDUE, Severity.CRITICAL),
        alert(3, AlertKind.TRIAGE_OVERDUE, status=AlertStatus.ACKNOWLEDGED),
        alert(4, AlertKind.TRIAGE_OVERDUE, status=AlertStatus.RESOLVED),  # not open
        alert(5, AlertKind.DROPPED_FROM_QUEUE, Severity.CRITICAL),
        alert(6, AlertKind.DROPPED_FROM_QUEUE, Severity.CRITICAL, status=AlertStatus.ACKNOWLEDGED),
        alert(7, AlertKind.NOT_TRIAGED),
        alert(8, AlertKind.SYNC_STALE, status=AlertStatus.RESOLVED),
    ]
    ov = overview((), alerts, NOW, scale=MTS)
    assert [(c.kind, c.open, c.critical, c.unacknowledged) for c in ov.alerts] == [
        (AlertKind.DROPPED_FROM_QUEUE, 2, 2, 1),
        (AlertKind.TRIAGE_OVERDUE, 3, 1, 2),
        (AlertKind.NOT_TRIAGED, 1, 0, 1),
    ]


def test_pending_writes() -> None:
    ov = overview((), (), NOW, scale=MTS, pending={"Encounter/e1": 2, "Encounter/e2": 1, "Encounter/e3": 0})
    assert (ov.pending_writes, ov.pending_patients) == (3, 2)
    assert overview((), (), NOW, scale=MTS).pending_writes == 0


def test_another_scale_counts_its_own_levels() -> None:
    ov = overview([entry(1, NOW, triage="orange"), entry(2, NOW - timedelta(minutes=25), triage="orange")],
                  (), NOW, scale=RETTS)
    assert ov.level_count("orange") == 2 and ov.longest[0].target_minutes == 20 and ov.over_target == 1


def test_a_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        overview((), (), datetime(2025, 3, 3, 12), scale=MTS)


# -- properties --------------------------------------------------------------------------------
_fates = st.sampled_from(list(Fate))
_statuses = st.sampled_from([s for s in EncounterStatus if s.is_active])
_codes = st.sampled_from([*MTS.codes, None, "purple"])


@st.composite
def entries(draw: st.DrawFn) -> list[Entry]:
    now = NOW.astimezone(UTC)
    found = []
    for n in range(draw(st.integers(0, 40))):
        arrived = now - timedelta(minutes=draw(st.integers(0, 30 * 60)))
        fate = draw(_fates)
        left = arrived + timedelta(minutes=draw(st.integers(0, 600))) if fate is not Fate.PRESENT else None
        found.append(entry(n, arrived, triage=draw(_codes), status=draw(_statuses), fate=fate,
                           left=min(left, now) if left else None,
                           doctor=draw(st.sampled_from([None, "Practitioner/d"]))))
    return found


@settings(max_examples=150, deadline=None)
@given(entries())
def test_per_level_and_per_state_counts_sum_to_the_patients_present(found: list[Entry]) -> None:
    ov = overview(found, (), NOW, scale=MTS, longest=5)
    present = waiting = over = 0
    for e in found:  # counted directly, without the module's helpers
        if e.fate is not Fate.PRESENT:
            continue
        present += 1
        if e.encounter.doctor is None and e.encounter.status in (
                EncounterStatus.ARRIVED, EncounterStatus.TRIAGED, EncounterStatus.PLANNED,
                EncounterStatus.ONLEAVE, EncounterStatus.UNKNOWN):
            waiting += 1
            level = MTS.level(e.encounter.triage)
            over += level is not None and NOW - e.arrived_at >= timedelta(minutes=level.target_minutes)
    assert ov.present == present == ov.census.present
    assert ov.dropped == sum(1 for e in found if e.fate is Fate.DROPPED) == ov.census.dropped
    assert sum(c.count for c in ov.by_level) == present
    assert sum(c.count for c in ov.by_state) == present
    assert (ov.waiting, ov.over_target) == (waiting, over)
    assert ov.level_count(None) == sum(1 for e in found if e.fate is Fate.PRESENT
                                       and e.encounter.triage not in MTS.codes)
    # Every patient past the target is listed (as many as there is room for), before anyone within it.
    flags = [w.over_target for w in ov.longest]
    assert flags.count(True) == min(5, over) and flags == sorted(flags, reverse=True)


@settings(max_examples=150, deadline=None)
@given(entries())
def test_the_hours_hold_every_arrival_of_the_last_twelve_hours(found: list[Entry]) -> None:
    ov = overview(found, (), NOW, scale=MTS)
    since = oslo(2025, 3, 3, 5, 0)  # the start of the oldest of the twelve hours (16:40 now)
    assert sum(h.arrivals for h in ov.arrivals) == sum(1 for e in found if since <= e.arrived_at <= NOW)
    assert ov.census.balances
    # Carry-over plus the shift's own arrivals: everyone present at some moment of the shift.
    start = SHIFT_START
    here_at_start = [e for e in found if e.arrived_at < start
                     and not (e.fate is Fate.DEPARTED and (e.left_at is None or e.left_at < start))]
    assert ov.carried_over == len(here_at_start)
    assert ov.longest == tuple(sorted(ov.longest, key=wait_order))


def test_a_departed_entry_does_not_count_as_waiting() -> None:
    waiting = entry(1, NOW - timedelta(minutes=500))
    ov = overview([replace(waiting, fate=Fate.DEPARTED, left_at=NOW, departure=DepartureReason.HOME)], (), NOW,
                  scale=MTS)
    assert ov.present == 0 and ov.longest == () and ov.waiting == 0
