"""The shift lead's figures: counts per triage level and state, the longest waits against their targets,
arrivals per clinic hour, the shift's census with the patients carried over, open alerts by kind and the
writes still pending. One pure function of the entries, the alerts and a clock (no Qt, no I/O).

One definition of who is counted, used by every figure so that they reconcile on one screen:

- *present* (patients now): ``Fate.PRESENT``. A dropped patient (gone from the queue List, visit still
  active) is NOT present: it is counted once, under ``dropped``, until a person resolves it.
- the per-level and the per-state counts are of the present patients: each sums to ``present``, and
  ``present`` equals the census's "still here" for the running shift.
- *waiting for a doctor*: present, in a waiting status and no doctor has taken over; ``over_target`` is
  of those, so "over the triage target X of Y" has Y = ``waiting``. A dropped patient is not waiting (its
  drop alert, not its wait, is what the shift lead acts on).
- the longest waits list the patients past their target first, the most over first, measured relative to
  the target (waited / target: 12 min against 10 is further over than 130 against 120; a target of 0 is
  infinitely over), then the untriaged (no target: their triage is due), longest wait first, then the
  rest by the time left, least first. So an over-target patient is never left out for one within target.

Every instant is compared as an instant (UTC): two datetimes in the same zone would otherwise compare by
wall time, wrong in a daylight-saving fold (see ``census``). The hours are the clinic's wall-clock hours,
so a spring night has no 02 and an autumn night has two.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from legevakt.worklist.census import DEFAULT_SHIFTS, OSLO, Census, Shift, ShiftDef, carried_over, census, shift_at
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, EncounterStatus, Entry, Fate, Severity
from legevakt.worklist.triage import TriageScale

#: The states counted, in the order a shift lead reads them (every present entry has exactly one).
STATE_ORDER: tuple[str, ...] = (
    EncounterStatus.ARRIVED.value,
    EncounterStatus.TRIAGED.value,
    EncounterStatus.IN_PROGRESS.value,
    EncounterStatus.ONLEAVE.value,
    EncounterStatus.PLANNED.value,
    EncounterStatus.UNKNOWN.value,
)

HOURS = 12  # arrivals per hour over this many clinic hours, the current one last
LONGEST = 5  # the longest waits shown


@dataclass(frozen=True, slots=True)
class LevelCount:
    code: str | None  # a level of the scale; None: not triaged (no level, or a code the scale does not know)
    count: int


@dataclass(frozen=True, slots=True)
class StateCount:
    state: str  # an EncounterStatus value (STATE_ORDER)
    count: int


@dataclass(frozen=True, slots=True)
class Wait:
    entry: Entry
    waited_minutes: int  # whole minutes since arrival
    target_minutes: int | None  # the level's target to a doctor; None when not triaged
    over_minutes: int | None  # waited - target (negative: still within); None when not triaged
    over_target: bool  # at or past the target (as the queue colours it and the time rules raise it)

    @property
    def ref(self) -> str:
        return self.entry.ref


@dataclass(frozen=True, slots=True)
class HourCount:
    start: datetime  # in the clinic's zone (its fold says which 02 of an autumn night)
    end: datetime  # exclusive
    arrivals: int


@dataclass(frozen=True, slots=True)
class AlertCount:
    kind: AlertKind
    open: int  # open or acknowledged (not resolved)
    critical: int
    unacknowledged: int


@dataclass(frozen=True, slots=True)
class Overview:
    now: datetime
    shift: Shift
    present: int  # patients here now (Fate.PRESENT); the dropped are not among them
    dropped: int  # dropped from the queue, not resolved (each counted here and nowhere else)
    by_level: tuple[LevelCount, ...]  # of the present: the scale's levels in rank order, then not triaged
    by_state: tuple[StateCount, ...]  # of the present, STATE_ORDER
    waiting: int  # present entries no doctor has taken over yet
    over_target: int  # of those, past their level's target
    longest: tuple[Wait, ...]  # see ``wait_order``: over target (most over first), untriaged, the rest
    arrivals: tuple[HourCount, ...]  # oldest hour first, the current (partial) hour last
    census: Census  # the shift's census: carried over + arrived = departed + present + dropped
    carried_over_here: int  # of those carried over, still present now (not dropped, not departed)
    alerts: tuple[AlertCount, ...]  # open alerts by kind, most critical first; kinds with none left out
    pending_writes: int  # commands waiting in the outbox
    pending_patients: int  # encounters with at least one

    def level_count(self, code: str | None) -> int:
        return next((c.count for c in self.by_level if c.code == code), 0)

    def state_count(self, state: str) -> int:
        return next((c.count for c in self.by_state if c.state == state), 0)

    @property
    def carried_over(self) -> int:
        """Present at the shift's start (``legevakt.worklist.census.carried_over``, the census's own count)."""
        return self.census.carried_over

    @property
    def in_shift(self) -> int:
        """Everyone the shift has had: carried over plus arrived in it."""
        return self.carried_over + self.census.arrived


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def is_present(entry: Entry) -> bool:
    """Here now: in the queue (a dropped entry is not, a departed one is gone)."""
    return entry.fate is Fate.PRESENT


def waiting_for_doctor(entry: Entry) -> bool:
    """Counts against the triage target: present, in a waiting status and no doctor has taken over."""
    enc = entry.encounter
    return is_present(entry) and enc.status.waiting_for_doctor and enc.doctor is None


def state_of(entry: Entry) -> str:
    """The entry's state key in STATE_ORDER (any status not counted there as unknown)."""
    status = entry.encounter.status
    return status.value if status.value in STATE_ORDER else EncounterStatus.UNKNOWN.value


def level_code(entry: Entry, scale: TriageScale) -> str | None:
    """The entry's level in ``scale``; None when it has none the scale knows (the time rules' "not triaged")."""
    level = scale.level(entry.encounter.triage)
    return level.code if level is not None else None


def wait_order(wait: Wait) -> tuple[int, float, int, str]:
    """The sort key of the longest waits (see the module docstring): past the target first, the most over
    (relative to the target) first; then the untriaged, longest first; then the rest by time left."""
    ref = wait.entry.encounter.ref
    if wait.target_minutes is None or wait.over_minutes is None:
        return (1, -float(wait.waited_minutes), 0, ref)
    if wait.over_target:
        ratio = wait.waited_minutes / wait.target_minutes if wait.target_minutes > 0 else float("inf")
        return (0, -ratio, -wait.over_minutes, ref)
    return (2, float(-wait.over_minutes), -wait.waited_minutes, ref)


def hour_start(moment: datetime, tz: tzinfo) -> datetime:
    """The start of the clinic hour that holds ``moment``, in ``tz`` (fold kept: the right 02 in autumn)."""
    local = _utc(moment).astimezone(tz)
    return local.replace(minute=0, second=0, microsecond=0)


def clinic_hours(now: datetime, tz: tzinfo = OSLO, hours: int = HOURS) -> tuple[tuple[datetime, datetime], ...]:
    """The last ``hours`` clinic hours as (start, end) in ``tz``, oldest first; the last one holds ``now``.

    Stepped back in UTC from one hour's start to the instant before it, so a spring gap is skipped and an
    autumn fold gives its two 02 hours, each one real hour long.
    """
    starts = [hour_start(now, tz)]
    while len(starts) < hours:
        starts.append(hour_start(_utc(starts[-1]) - timedelta(microseconds=1), tz))
    starts.reverse()
    ends = [*starts[1:], _hour_after(starts[-1], tz)]
    return tuple(zip(starts, ends, strict=True))


def _hour_after(start: datetime, tz: tzinfo) -> datetime:
    """The start of the clinic hour after the one starting at ``start``."""
    return hour_start(_utc(start) + timedelta(hours=1), tz)


def overview(entries: Iterable[Entry], alerts: Iterable[Alert], now: datetime, *, scale: TriageScale,
             pending: Mapping[str, int] | None = None, tz: tzinfo = OSLO,
             shifts: tuple[ShiftDef, ...] = DEFAULT_SHIFTS, longest: int = LONGEST,
             hours: int = HOURS) -> Overview:
    """The shift lead's figures at ``now`` (aware).

    ``entries``: every entry known, any fate (the departed ones feed the census, the carry-over and the
    arrivals per hour). ``alerts``: any alerts; only the open ones count. ``pending``: commands waiting in
    the outbox per encounter.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("overview needs an aware datetime")
    entries = list(entries)
    shift = shift_at(now, tz, shifts)
    present = [e for e in entries if is_present(e)]

    levels: Counter[str | None] = Counter(level_code(e, scale) for e in present)
    by_level = tuple(LevelCount(code, levels.get(code, 0)) for code in (*scale.codes, None))
    states: Counter[str] = Counter(state_of(e) for e in present)
    by_state = tuple(StateCount(s, states.get(s, 0)) for s in STATE_ORDER)

    instant = _utc(now)
    waits = []
    for entry in present:
        if not waiting_for_doctor(entry):
            continue
        seconds = (instant - _utc(entry.arrived_at)).total_seconds()
        waited = max(0, int(seconds // 60))
        level = scale.level(entry.encounter.triage)
        if level is None:
            waits.append(Wait(entry, waited, None, None, False))
        else:
            target = level.target_minutes
            waits.append(Wait(entry, waited, target, waited - target, seconds >= target * 60))
    over = sum(1 for w in waits if w.over_target)
    longest_waits = heapq.nsmallest(max(0, longest), waits, key=wait_order)

    buckets = clinic_hours(now, tz, hours)
    counts = [0] * len(buckets)
    bounds = [(_utc(s), _utc(e)) for s, e in buckets]
    for entry in entries:
        arrived = _utc(entry.arrived_at)
        for i, (start, end) in enumerate(bounds):
            if start <= arrived < end:
                counts[i] += 1
                break
    arrivals = tuple(HourCount(s, e, n) for (s, e), n in zip(buckets, counts, strict=True))

    carried = carried_over(entries, shift)

    kinds: dict[AlertKind, list[Alert]] = {}
    for alert in alerts:
        if alert.is_open:
            kinds.setdefault(alert.kind, []).append(alert)
    alert_counts = sorted(
        (AlertCount(kind, len(found), sum(1 for a in found if a.severity is Severity.CRITICAL),
                    sum(1 for a in found if a.status is AlertStatus.OPEN))
         for kind, found in kinds.items()),
        key=lambda c: (-c.critical, -c.open, list(AlertKind).index(c.kind)))

    pending = pending or {}
    return Overview(
        now=now, shift=shift, present=len(present), dropped=sum(1 for e in entries if e.fate is Fate.DROPPED),
        by_level=by_level, by_state=by_state, waiting=len(waits),
        over_target=over, longest=tuple(longest_waits), arrivals=arrivals,
        census=census(entries, shift),
        carried_over_here=sum(1 for e in carried if is_present(e)), alerts=tuple(alert_counts),
        pending_writes=sum(n for n in pending.values() if n > 0),
        pending_patients=sum(1 for n in pending.values() if n > 0),
    )


__all__ = [
    "HOURS", "LONGEST", "STATE_ORDER", "AlertCount", "HourCount", "LevelCount", "Overview", "StateCount",
    "Wait", "carried_over", "clinic_hours", "hour_start", "is_present", "level_code", "overview", "state_of",
    "wait_order", "waiting_for_doctor",
]
