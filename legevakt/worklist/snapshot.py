"""What one sync cycle saw of the platform, and the worklist's state between cycles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from legevakt.worklist.models import Alert, AlertKind, Encounter, Entry, Patient

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The queue List and the encounters at the clinic, as fetched in one cycle.

    ``complete`` is true only when every page arrived, entries were de-duplicated and the counts
    agreed. An incomplete snapshot is never used to infer that anyone left.

    ``encounters`` holds every encounter the cycle saw: the active ones at the clinic, plus the
    confirming reads of List items and of previously known encounters that the search no longer
    returned. ``unreadable`` names the confirming reads that failed (or found nothing).
    """

    taken_at: datetime
    complete: bool
    list_items: frozenset[str]
    encounters: Mapping[str, Encounter]
    patients: Mapping[str, Patient]
    unreadable: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()
    # Derived indexes, built once by ``Snapshot.of`` while assembling (so reconcile stays cheap).
    versions: Mapping[str, str] = field(default=_EMPTY)
    patient_versions: Mapping[str, str] = field(default=_EMPTY)
    encounters_by_patient: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        taken_at: datetime,
        *,
        list_items: Iterable[str],
        encounters: Iterable[Encounter],
        patients: Iterable[Patient] = (),
        complete: bool = True,
        unreadable: Iterable[str] = (),
        problems: Iterable[str] = (),
    ) -> Snapshot:
        """Build a snapshot, de-duplicating by id and keeping the newest version seen of each."""
        encs: dict[str, Encounter] = {}
        for enc in encounters:
            old = encs.get(enc.ref)
            if old is None or _newer(enc.last_updated, old.last_updated):
                encs[enc.ref] = enc
        pats: dict[str, Patient] = {}
        for pat in patients:
            pats[pat.ref] = pat
        by_patient: dict[str, list[str]] = {}
        for enc in encs.values():
            if enc.patient_ref is not None:
                by_patient.setdefault(enc.patient_ref, []).append(enc.ref)
        return cls(
            taken_at=taken_at,
            complete=complete,
            list_items=frozenset(list_items),
            encounters=encs,
            patients=pats,
            unreadable=frozenset(unreadable) - encs.keys(),
            problems=tuple(problems),
            versions={ref: e.version for ref, e in encs.items()},
            patient_versions={ref: p.version for ref, p in pats.items()},
            encounters_by_patient={k: tuple(v) for k, v in by_patient.items()},
        )

    @classmethod
    def incomplete(cls, taken_at: datetime, problems: Iterable[str]) -> Snapshot:
        return cls(taken_at=taken_at, complete=False, list_items=frozenset(), encounters={}, patients={},
                   problems=tuple(problems))


def _newer(a: datetime | None, b: datetime | None) -> bool:
    if a is None:
        return False
    return b is None or a >= b


#: A pending time check: (due, ref, kind, encounter version). Kept as a binary heap.
Deadline = tuple[datetime, str, str, str]


@dataclass(frozen=True, slots=True)
class WorklistState:
    """Everything reconcile needs to remember between cycles. Treat every mapping as read-only."""

    entries: Mapping[str, Entry] = field(default_factory=dict)
    seen: Mapping[str, str] = field(default_factory=dict)  # encounter versions at the last complete snapshot
    seen_patients: Mapping[str, str] = field(default_factory=dict)
    in_list: frozenset[str] = frozenset()
    live: frozenset[str] = frozenset()  # entries whose fate is not departed
    alerts: Mapping[str, Alert] = field(default_factory=dict)  # alerts not yet resolved, by id
    open_keys: Mapping[tuple[AlertKind, str], str] = field(default_factory=dict)  # condition -> alert id
    by_identity: Mapping[str, frozenset[str]] = field(default_factory=dict)  # person -> present encounters
    deadlines: tuple[Deadline, ...] = ()
    last_complete_at: datetime | None = None
    started_at: datetime | None = None
    alert_seq: int = 0

    def open_alert(self, kind: AlertKind, key: str) -> Alert | None:
        alert_id = self.open_keys.get((kind, key))
        return None if alert_id is None else self.alerts[alert_id]

    @property
    def queue(self) -> list[Entry]:
        """Entries shown in the queue: present ones and dropped tombstones."""
        return [self.entries[ref] for ref in self.live]
