"""Census per shift: arrived = departed (by reason) + present + dropped-unresolved. Always balances."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from itertools import pairwise

from legevakt.worklist.models import Entry, Fate


@dataclass(frozen=True, slots=True)
class ShiftDef:
    name: str  # "day", "evening", "night"
    start: time  # local wall time


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
        return self.start <= moment < self.end

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


def shift_at(moment: datetime, tz: tzinfo, shifts: tuple[ShiftDef, ...] = DEFAULT_SHIFTS) -> Shift:
    """The shift that contains ``moment`` (local times in ``tz``)."""
    local = moment.astimezone(tz)
    ordered = sorted(shifts, key=lambda s: s.start)
    candidates: list[tuple[datetime, str]] = []
    for day_offset in (-1, 0, 1):
        day = local.date() + timedelta(days=day_offset)
        for s in ordered:
            candidates.append((datetime.combine(day, s.start, tzinfo=tz), s.name))
    candidates.sort()
    for (start, name), (nxt, _) in pairwise(candidates):
        if start <= local < nxt:
            return Shift(name, start, nxt)
    raise AssertionError("unreachable: three days of shifts always cover the moment")


def previous_shift(shift: Shift, tz: tzinfo, shifts: tuple[ShiftDef, ...] = DEFAULT_SHIFTS) -> Shift:
    return shift_at(shift.start - timedelta(seconds=1), tz, shifts)


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
