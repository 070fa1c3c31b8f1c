"""Alert rules: when a condition holds, which alert it raises and what clears it. Pure functions.

A rule returns effects (``Raise``, ``Clear``) instead of changing anything; ``reconcile._Work`` applies them
in the order given, because alert ids are sequential and the order of raising is part of the result.
Details are English and hold codes and platform ids only (no patient data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from legevakt.worklist.models import Alert, AlertKind, Entry, Fate, Severity
from legevakt.worklist.triage import MTS, TriageScale

SYNC_KEY = "platform"
MASS_KEY = "queue"


@dataclass(frozen=True, slots=True)
class ReconcileConfig:
    scale: TriageScale = MTS
    not_triaged_after: timedelta = timedelta(minutes=15)
    #: NOT_IN_QUEUE only once an active encounter has been missing from the List this long, counted from its
    #: arrival (``period.start``, else when this client first saw it): registration writes the Encounter a
    #: moment before its List entry.
    not_in_queue_grace: timedelta = timedelta(seconds=30)
    sync_stale_warning: timedelta = timedelta(seconds=15)
    sync_stale_critical: timedelta = timedelta(seconds=60)
    mass_departure_min_entries: int = 5  # more than this many ...
    mass_departure_share: float = 0.30  # ... and more than this share of the queue, in one cycle


class Raise(NamedTuple):
    """Open an alert for the condition ``(kind, key)``, or escalate or update the open one."""

    kind: AlertKind
    severity: Severity
    key: str
    encounter: str | None
    detail: str
    related: tuple[str, ...] = ()


class Clear(NamedTuple):
    """The condition ``(kind, key)`` no longer holds: resolve its open alert with the evidence."""

    kind: AlertKind
    key: str
    evidence: str


Effect = Raise | Clear


def sync_freshness(since: datetime | None, now: datetime, config: ReconcileConfig) -> Effect | None:
    """SYNC_STALE by the age of the last complete snapshot (``since``); None when nothing is known yet."""
    if since is None:
        return None
    age = now - since
    # The detail names the threshold, not the running age: an alert that changed its text on every
    # tick would be a change (and an audit record) every second while the platform is away.
    if age >= config.sync_stale_critical:
        return Raise(AlertKind.SYNC_STALE, Severity.CRITICAL, SYNC_KEY, None,
                     f"no complete snapshot for {_seconds(config.sync_stale_critical)} s or more")
    if age >= config.sync_stale_warning:
        return Raise(AlertKind.SYNC_STALE, Severity.WARNING, SYNC_KEY, None,
                     f"no complete snapshot for {_seconds(config.sync_stale_warning)} s or more")
    return Clear(AlertKind.SYNC_STALE, SYNC_KEY, "a complete snapshot arrived")


def _seconds(span: timedelta) -> int:
    return int(span.total_seconds())


# -- duplicate patients ------------------------------------------------------------------------

def identity(entry: Entry) -> str | None:
    """Who the entry is about: the patient's identifier when known, else the Encounter's patient reference."""
    pat = entry.patient
    if pat is not None and pat.identifier:
        return f"{pat.identifier_system}|{pat.identifier}"
    return entry.encounter.patient_ref


def counts_as_duplicate(entry: Entry) -> bool:
    return entry.fate is Fate.PRESENT and entry.encounter.status.is_active


def duplicate_alerts(refs_by_arrival: Sequence[str]) -> list[Effect]:
    """One person's present encounters, earliest arrival first: every later one is a duplicate of the first."""
    if not refs_by_arrival:
        return []
    first, rest = refs_by_arrival[0], refs_by_arrival[1:]
    effects: list[Effect] = [Clear(AlertKind.DUPLICATE_PATIENT, first, "the other active encounter is gone")]
    effects += [Raise(AlertKind.DUPLICATE_PATIENT, Severity.WARNING, ref, ref,
                      f"same patient identifier as {first}", related=(first,)) for ref in rest]
    return effects


NO_LONGER_DUPLICATE = "no longer shares an identifier"


# -- mass departure ------------------------------------------------------------------------------

def is_mass_departure(leaving: int, queue: int, config: ReconcileConfig) -> bool:
    """``leaving`` of the ``queue``'s entries left the List in one cycle: more than the config allows?"""
    return leaving > config.mass_departure_min_entries and leaving > config.mass_departure_share * queue


def mass_departure_alert(leaving: int, queue: int, members: Sequence[str]) -> Raise:
    return Raise(AlertKind.MASS_DEPARTURE, Severity.CRITICAL, MASS_KEY, None,
                 f"{leaving} of {queue} entries left the queue in one "
                 "cycle; suspected platform fault: confirm each one", related=tuple(sorted(members)))


def settle_mass_departure(alert: Alert | None, still_dropped: Callable[[str], bool]) -> Clear | None:
    """The open MASS_DEPARTURE alert clears once none of its members has an open drop alert."""
    if alert is None:
        return None
    members = alert.related
    if all(not still_dropped(ref) for ref in members):
        return Clear(AlertKind.MASS_DEPARTURE, MASS_KEY, f"all {len(members)} entries confirmed or back in the queue")
    return None
