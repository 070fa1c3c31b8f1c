"""Census per shift: carried over + arrived = departed (by reason) + present + dropped-unresolved.

A shift's census counts everyone the shift had: the patients already here when it began (carried over:
arrived before its start and not departed before it) and those who arrived during it, by what had become of
them at its end (for the shift still running: now): departed during the shift, by reason; still present;
or dropped from the queue and not resolved. What one shift hands over (present + dropped) is what the next
one carries over. Every instant is compared as an instant (UTC), never by wall time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

from legevakt.worklist.models import Entry, Fate


@dataclass(frozen=True, slots=True)
class ShiftDef:
    name: str  # "day", "evening", "night"
    start: time  # local wall time


#: The clinic's time zone unless configured otherwise.
OSLO: tzinfo = ZoneInfo("Europe/Oslo")

DEFAULT_SHIFTS: tuple[ShiftDef, ...] = (
    ShiftDef("day", time(7, 0)),
    ShiftDef("evening", time(15, 0)),
    ShiftDef("night", time(23, 0)),
)


@dataclass(frozen=True, slots=True)
class Shift:
    name: str
    start: datetime  # aware
    end: datetime  # aware, exclusive

    def contains(self, moment: datetime) -> bool:
        # As instants: two datetimes in the same zone would otherwise compare by wall time (wrong in a DST fold).
        return self.start.astimezone(UTC) <= moment.astimezone(UTC) < self.end.astimezone(UTC)

    @property
    def duration(self) -> timedelta:
        """Real elapsed time (``end - start`` on two Oslo datetimes would give wall time: 8 h on a DST night)."""
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    @property
    def label(self) -> str:
        return f"{self.name} {self.start.date().isoformat()}"


def parse_shifts(spec: Iterable[tuple[str, str]]) -> tuple[ShiftDef, ...]:
    """From (name, "HH:MM") pairs; raises ValueError on bad or duplicate times."""
    shifts = []
    for name, hhmm in spec:
        try:
            hh, mm = hhmm.split(":")
            shifts.append(ShiftDef(name, time(int(hh), int(mm))))
        except ValueError as exc:
            raise ValueError(f"shift {name!r}: start must be HH:MM, got {hhmm!r}") from exc
    starts = [s.start for s in shifts]
    if not shifts or len(set(starts)) != len(starts):
        raise ValueError("shifts need distinct start times")
    return tuple(sorted(shifts, key=lambda s: s.start))


def shift_at(moment: datetime, tz: tzinfo = OSLO, shifts: tuple[ShiftDef, ...] = DEFAULT_SHIFTS) -> Shift:
    """The shift that contains ``moment`` (an aware datetime; shift starts are wall times in ``tz``).

    Compared as absolute instants: Python compares two datetimes with the same tzinfo by wall time,
    which is wrong across a daylight-saving change.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("shift_at needs an aware datetime")
    instant = moment.astimezone(UTC)
    local = moment.astimezone(tz)
    candidates: list[tuple[datetime, datetime, str]] = []
    for day_offset in (-2, -1, 0, 1):
        day = local.date() + timedelta(days=day_offset)
        for s in shifts:
            start = datetime.combine(day, s.start, tzinfo=tz)
            candidates.append((start.astimezone(UTC), start, s.name))
    candidates.sort()
    # A start inside the spring gap can fall on the same instant as the next one: keep the later shift.
    candidates = [c for c, n in pairwise(candidates) if c[0] != n[0]] + candidates[-1:]
    for (start_utc, start, name), (next_utc, nxt, _) in pairwise(candidates):
        if start_utc <= instant < next_utc:
            return Shift(name, start, nxt)
    raise AssertionError("unreachable: four days of shifts always cover the moment")


def previous_shift(shift: Shift, tz: tzinfo = OSLO, shifts: tuple[ShiftDef, ...] = DEFAULT_SHIFTS) -> Shift:
    # In UTC: wall-clock arithmetic on a zoned datetime can land in the spring gap and map forward.
    return shift_at(shift.start.astimezone(UTC) - timedelta(seconds=1), tz, shifts)


def shift_starting(day: date, name: str, tz: tzinfo = OSLO, shifts: tuple[ShiftDef, ...] = DEFAULT_SHIFTS) -> Shift:
    """The shift ``name`` that starts on ``day`` (the clinic's calendar date; a night belongs to the date it
    starts on). Raises ValueError, in one line for the user: no shift of that name, a start that falls in
    a daylight-saving gap, or a date too near the ends of the calendar to hold a whole shift."""
    names = {s.name: s for s in shifts}
    if name not in names:
        raise ValueError(f"{name!r} is not a shift here (the shifts are {', '.join(names)})")
    try:
        start = datetime.combine(day, names[name].start, tzinfo=tz)
        # In UTC: a wall-clock start is one instant; one second in, shift_at finds the shift and its end.
        shift = shift_at(start.astimezone(UTC) + timedelta(seconds=1), tz, shifts)
    except OverflowError:
        raise ValueError(f"{day.isoformat()} is out of range (no whole {name} shift on that date)") from None
    if shift.name != name:
        raise ValueError(f"there is no {name} shift on {day.isoformat()} (its start falls in a clock change)")
    return shift


@dataclass(frozen=True, slots=True)
class Census:
    shift: Shift | None
    arrived: int
    departed: int
    present: int
    dropped: int
    departed_by_reason: dict[str, int]
    carried_over: int = 0  # present (or dropped, unresolved) when the shift began; 0 without a shift

    @property
    def balances(self) -> bool:
        return (self.carried_over + self.arrived == self.departed + self.present + self.dropped
                and self.departed == sum(self.departed_by_reason.values()))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _left(entry: Entry) -> datetime:
    """When the entry left the queue (departed or found dropped); one without a time left as it arrived."""
    return _utc(entry.left_at or entry.arrived_at)


def here_at(entry: Entry, moment: datetime) -> bool:
    """Present at ``moment``: arrived before it and not departed before it.

    A dropped entry is not departed (its fate is unresolved): one found dropped before ``moment`` is still
    counted until a person resolves it. A departure without a time counts as long gone.
    """
    at = _utc(moment)
    if _utc(entry.arrived_at) >= at:
        return False
    return not (entry.fate is Fate.DEPARTED and _left(entry) < at)


def carried_over(entries: Iterable[Entry], shift: Shift) -> list[Entry]:
    """The entries the shift carried over from the one before: here at its start (``here_at``)."""
    return [entry for entry in entries if here_at(entry, shift.start)]


def census(entries: Iterable[Entry], shift: Shift | None = None) -> Census:
    """The census of ``shift`` (every entry, by its fate now, when None).

    With a shift: the entries carried over (``here_at`` its start) and those that arrived in it, each by
    its fate at the shift's end; one that departed or was found dropped only after the end was still
    present then. For the running shift the end is still ahead, so that is the fate now.
    """
    carried = arrived = present = dropped = 0
    reasons: Counter[str] = Counter()
    bounds = (_utc(shift.start), _utc(shift.end)) if shift is not None else None
    for entry in entries:
        if bounds is not None:
            start, end = bounds
            came = _utc(entry.arrived_at)
            if came >= end:
                continue
            if came < start:
                if not here_at(entry, start):
                    continue
                carried += 1
            else:
                arrived += 1
            if entry.fate is not Fate.PRESENT and _left(entry) >= end:
                present += 1  # left (or was found dropped) after the shift ended: here at its end
                continue
        else:
            arrived += 1
        if entry.fate is Fate.PRESENT:
            present += 1
        elif entry.fate is Fate.DROPPED:
            dropped += 1
        else:
            reasons[entry.departure.value if entry.departure else "unspecified"] += 1
    departed = sum(reasons.values())
    return Census(shift, arrived, departed, present, dropped, dict(sorted(reasons.items())), carried)
