"""Census per shift: arrived = departed (by reason) + present + dropped-unresolved. Always balances."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
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


@dataclass(frozen=True, slots=True)
class Census:
    shift: Shift | None
    arrived: int
    departed: int
    present: int
    dropped: int
    departed_by_reason: dict[str, int]

    @property
    def balances(self) -> bool:
        return (self.arrived == self.departed + self.present + self.dropped
                and self.departed == sum(self.departed_by_reason.values()))


def census(entries: Iterable[Entry], shift: Shift | None = None) -> Census:
    """Count the cohort that arrived in ``shift`` (all entries when None) by their fate now."""
    arrived = present = dropped = 0
    reasons: Counter[str] = Counter()
    for entry in entries:
        if shift is not None and not shift.contains(entry.arrived_at):
            continue
        arrived += 1
        if entry.fate is Fate.PRESENT:
            present += 1
        elif entry.fate is Fate.DROPPED:
            dropped += 1
        else:
            reasons[entry.departure.value if entry.departure else "unspecified"] += 1
    departed = sum(reasons.values())
    return Census(shift, arrived, departed, present, dropped, dict(sorted(reasons.items())))
