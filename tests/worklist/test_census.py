"""Census per shift: carried over + arrived = departed (by reason) + present + dropped-unresolved, in Europe/Oslo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from legevakt.worklist.census import (
    DEFAULT_SHIFTS,
    OSLO,
    ShiftDef,
    census,
    parse_shifts,
    previous_shift,
    shift_at,
    shift_starting,
)
from legevakt.worklist.models import AlertKind, DepartureReason
from tests.worklist.support import Desk, FakePlatform

OSLO_TZ = ZoneInfo("Europe/Oslo")


def oslo(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=OSLO_TZ, fold=fold)  # type: ignore[misc]


# -- shifts ------------------------------------------------------------------------------------


def test_default_shifts_are_day_evening_night_in_oslo() -> None:
    assert [(s.name, s.start) for s in DEFAULT_SHIFTS] == [
        ("day", time(7)), ("evening", time(15)), ("night", time(23))]
    assert OSLO.utcoffset(datetime(2025, 1, 1)) == timedelta(hours=1)  # type: ignore[union-attr]


@pytest.mark.parametrize(("moment", "name", "start", "end"), [
    (oslo(2025, 3, 3, 7, 0), "day", oslo(2025, 3, 3, 7), oslo(2025, 3, 3, 15)),
    (oslo(2025, 3, 3, 14, 59, 59), "day", oslo(2025, 3, 3, 7), oslo(2025, 3, 3, 15)),
    (oslo(2025, 3, 3, 15, 0), "evening", oslo(2025, 3, 3, 15), oslo(2025, 3, 3, 23)),
    (oslo(2025, 3, 3, 23, 0), "night", oslo(2025, 3, 3, 23), oslo(2025, 3, 4, 7)),
    (oslo(2025, 3, 4, 0, 30), "night", oslo(2025, 3, 3, 23), oslo(2025, 3, 4, 7)),  # past midnight
    (oslo(2025, 3, 4, 6, 59, 59), "night", oslo(2025, 3, 3, 23), oslo(2025, 3, 4, 7)),
])
def test_shift_boundaries(moment: datetime, name: str, start: datetime, end: datetime) -> None:
    shift = shift_at(moment)
    assert (shift.name, shift.start, shift.end) == (name, start, end)
    assert shift.contains(moment) and not shift.contains(end) and shift.contains(start)


def test_a_utc_moment_is_placed_in_the_oslo_shift() -> None:
    shift = shift_at(datetime(2025, 7, 1, 5, 0, tzinfo=UTC))  # 07:00 CEST
    assert (shift.name, shift.start) == ("day", oslo(2025, 7, 1, 7))
    assert shift.label == "day 2025-07-01"


def test_the_night_of_the_spring_change_is_seven_hours() -> None:
    shift = shift_at(oslo(2025, 3, 30, 1, 30))
    assert shift.name == "night" and shift.duration == timedelta(hours=7)
    assert shift.end - shift.start == timedelta(hours=8)  # Python's wall-time difference: the trap
    assert shift_at(oslo(2025, 3, 30, 3, 30)) == shift  # 02:00-03:00 does not exist that night


def test_the_night_of_the_autumn_change_is_nine_hours() -> None:
    first = oslo(2025, 10, 26, 2, 30, fold=0)  # 00:30 UTC
    second = oslo(2025, 10, 26, 2, 30, fold=1)  # 01:30 UTC, the repeated hour
    shift = shift_at(first)
    assert shift.name == "night" and shift.duration == timedelta(hours=9)
    assert shift_at(second) == shift and shift.contains(second) and shift.contains(first)


def test_shifts_tile_the_dst_days_exactly_even_with_a_shift_change_inside_the_repeated_hour() -> None:
    # Datetimes in one zone compare by wall time in Python; shift_at and contains compare instants.
    shifts = parse_shifts([("early", "02:00"), ("late", "02:45"), ("three", "03:00"), ("day", "08:00")])
    for day in (datetime(2025, 3, 29, 12, tzinfo=UTC), datetime(2025, 10, 25, 12, tzinfo=UTC)):
        moment = day
        while moment < day + timedelta(hours=36):
            shift = shift_at(moment, OSLO, shifts)
            assert shift.contains(moment), moment
            nxt = shift_at(shift.end, OSLO, shifts)
            assert nxt.start == shift.end and previous_shift(nxt, OSLO, shifts) == shift
            assert shift.duration > timedelta(0)
            moment += timedelta(minutes=5)
    repeated = datetime(2025, 10, 26, 1, 15, tzinfo=UTC).astimezone(OSLO)  # 02:15, the second time
    assert shift_at(repeated, OSLO, shifts).name == "late"


def test_previous_shift_goes_back_across_midnight() -> None:
    day = shift_at(oslo(2025, 3, 4, 9))
    night = previous_shift(day)
    assert (night.name, night.start, night.end) == ("night", oslo(2025, 3, 3, 23), day.start)
    assert previous_shift(night).name == "evening"


def test_shift_at_needs_an_aware_moment() -> None:
    with pytest.raises(ValueError, match="aware"):
        shift_at(datetime(2025, 3, 3, 12))


def test_parse_shifts_sorts_and_validates() -> None:
    assert [s.name for s in parse_shifts([("kveld", "15:00"), ("dag", "07:00")])] == ["dag", "kveld"]
    assert parse_shifts([("døgn", "08:00")]) == (ShiftDef("døgn", time(8)),)
    for bad in ([("a", "7")], [("a", "25:00")], [("a", "07:00"), ("b", "07:00")], []):
        with pytest.raises(ValueError):
            parse_shifts(bad)


# -- the census --------------------------------------------------------------------------------


def _shift_desk() -> Desk:
    """A day shift with every fate, and the night before with its own patients."""
    desk = Desk(platform=FakePlatform(now=oslo(2025, 3, 4, 5, 0).astimezone(UTC)))  # night
    p = desk.platform
    p.arrive(1)
    p.arrive(2)
    p.arrive(3)
    desk.sync()
    p.finish("Encounter/e2", DepartureReason.ADMITTED)
    desk.sync()
    p.now = oslo(2025, 3, 4, 7, 0).astimezone(UTC)  # day shift starts
    p.arrive(10)
    p.arrive(11)
    p.arrive(12)
    p.arrive(13)
    p.arrive(14)
    p.arrive(15, listed=False)  # NOT_IN_QUEUE: present, counted
    desk.sync()
    p.advance(3600)
    p.finish("Encounter/e10", DepartureReason.HOME)
    p.finish("Encounter/e11", DepartureReason.LWBS)
    p.finish("Encounter/e12", DepartureReason.HOME, status=p.encounters["Encounter/e12"].status.CANCELLED)
    p.list_remove("Encounter/e13")  # dropped
    p.list_remove("Encounter/e1")  # a night patient dropped during the day: counted in the night
    desk.sync()
    return desk


def test_census_balances_for_the_current_shift() -> None:
    desk = _shift_desk()
    shift = shift_at(desk.platform.now)
    counted = census(desk.state.entries.values(), shift)
    # Carried over from the night: e1 (dropped during the day) and e3 (still here); e2 left at 05:00.
    # Arrived: e10-e15. Left: e10, e11, e12. Here: e3, e14, e15. Dropped: e13 and e1. 2 + 6 = 3 + 3 + 2.
    assert (counted.carried_over, counted.arrived, counted.departed, counted.present, counted.dropped) == (
        2, 6, 3, 3, 2)
    assert counted.departed_by_reason == {"cancelled": 1, "home": 1, "lwbs": 1}
    assert counted.balances and counted.shift == shift


def test_census_balances_for_a_past_shift() -> None:
    desk = _shift_desk()
    night = previous_shift(shift_at(desk.platform.now))
    counted = census(desk.state.entries.values(), night)
    # The night (23:00-07:00) had e1, e2, e3 (arrived 05:00, nobody before). e2 left at 05:00; at 07:00 e1
    # and e3 were still here (e1 dropped only at 08:00, in the day shift): the night handed over two.
    assert (counted.carried_over, counted.arrived, counted.departed, counted.present, counted.dropped) == (
        0, 3, 1, 2, 0)
    assert counted.departed_by_reason == {"admitted": 1} and counted.balances


def test_what_a_shift_hands_over_is_what_the_next_carries_over() -> None:
    desk = _shift_desk()
    entries = list(desk.state.entries.values())
    day = shift_at(desk.platform.now)
    night = previous_shift(day)
    handed = census(entries, night)
    assert handed.present + handed.dropped == census(entries, day).carried_over == 2


def test_a_shift_that_carried_nobody_over_and_the_one_after_it() -> None:
    """Hand count: a quiet night (nobody from the evening), then a day that inherits two of its patients."""
    p = FakePlatform(now=oslo(2025, 3, 4, 1, 0).astimezone(UTC))
    desk = Desk(platform=p)
    for n in (1, 2, 3):
        p.arrive(n)
    desk.sync()
    p.now = oslo(2025, 3, 4, 6, 30).astimezone(UTC)
    p.finish("Encounter/e1", DepartureReason.HOME)
    desk.sync()
    p.now = oslo(2025, 3, 4, 7, 30).astimezone(UTC)  # the day shift: e2 goes, e4 comes
    p.finish("Encounter/e2", DepartureReason.ADMITTED)
    p.arrive(4)
    desk.sync()
    entries = list(desk.state.entries.values())
    night, day = previous_shift(shift_at(p.now)), shift_at(p.now)
    counted = census(entries, night)
    assert (counted.carried_over, counted.arrived, counted.departed, counted.present, counted.dropped) == (
        0, 3, 1, 2, 0)
    counted = census(entries, day)
    assert (counted.carried_over, counted.arrived, counted.departed, counted.present, counted.dropped) == (
        2, 1, 1, 2, 0)
    assert counted.departed_by_reason == {"admitted": 1} and counted.balances
    # The shift before the night had nobody and carries nothing.
    evening = census(entries, previous_shift(night))
    assert (evening.carried_over, evening.arrived, evening.present) == (0, 0, 0) and evening.balances


def test_dropped_entries_count_until_resolved_then_as_closed_by_user() -> None:
    desk = _shift_desk()
    shift = shift_at(desk.platform.now)
    desk.resolve(desk.alert(AlertKind.DROPPED_FROM_QUEUE, "Encounter/e13"))  # type: ignore[arg-type]
    counted = census(desk.state.entries.values(), shift)
    assert (counted.carried_over, counted.arrived, counted.dropped, counted.departed_by_reason["closed-by-user"]) == (
        2, 6, 1, 1)
    assert counted.balances


def test_census_over_everything_balances() -> None:
    desk = _shift_desk()
    counted = census(desk.state.entries.values())
    assert counted.shift is None and counted.arrived == 9 and counted.balances


def test_a_census_that_does_not_add_up_says_so() -> None:
    from legevakt.worklist.census import Census

    assert not Census(None, arrived=3, departed=1, present=1, dropped=0, departed_by_reason={"home": 1}).balances
    assert not Census(None, arrived=2, departed=1, present=1, dropped=0, departed_by_reason={}).balances
    assert not Census(None, arrived=2, departed=1, present=1, dropped=0, departed_by_reason={"home": 1},
                      carried_over=1).balances
    assert Census(None, arrived=2, departed=1, present=2, dropped=0, departed_by_reason={"home": 1},
                  carried_over=1).balances


# -- naming a shift ----------------------------------------------------------------------------


def test_a_shift_is_named_by_the_date_it_starts_on() -> None:
    night = shift_starting(date(2025, 3, 3), "night")
    assert (night.start, night.end) == (oslo(2025, 3, 3, 23), oslo(2025, 3, 4, 7))


@pytest.mark.parametrize(("day", "name", "words"), [
    (date(9999, 12, 31), "night", "out of range"),  # would end in the year 10000
    (date(9999, 12, 31), "day", "out of range"),
    (date(1, 1, 1), "day", "out of range"),  # the shift before it is not in the calendar
    (date(2025, 3, 3), "lunch", "not a shift here"),
    (date(2025, 3, 30), "early", "clock change"),  # 02:00 does not exist that night: it is the 03:00 shift
])
def test_a_shift_that_cannot_be_is_a_value_error(day: date, name: str, words: str) -> None:
    shifts = parse_shifts([("early", "02:00"), ("three", "03:00"), ("day", "07:00"), ("night", "23:00")])
    with pytest.raises(ValueError, match=words):
        shift_starting(day, name, OSLO, shifts)
