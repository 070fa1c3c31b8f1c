"""What one sync cycle saw of the platform, and the worklist's state between cycles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from sys import intern

from legevakt.problems import Problem
from legevakt.worklist.models import Alert, AlertKind, Encounter, Entry, Patient, Severity


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The queue List and the encounters at the clinic, as fetched in one cycle.

    ``complete`` is true only when every page arrived, entries were de-duplicated and the counts
    agreed. An incomplete snapshot is never used to infer that anyone left.

    ``encounters`` holds every encounter the cycle saw: the active ones at the clinic, plus the
    confirming reads of List items and of previously known encounters that the search no longer
    returned. ``unreadable`` names the confirming reads that failed (or found nothing).

    The contract reconcile relies on: every ref in ``state.live | list_items`` is either in
    ``encounters`` or in ``unreadable``. A live ref in neither is taken as unchanged.
    """

    taken_at: datetime
    complete: bool
    list_items: frozenset[str]
    encounters: Mapping[str, Encounter]
    patients: Mapping[str, Patient]
    unreadable: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()
    # Derived indexes, built once by ``Snapshot.of`` while assembling (so reconcile stays cheap).
    versions: Mapping[str, str] = field(default_factory=dict)
    patient_versions: Mapping[str, str] = field(default_factory=dict)
    encounters_by_patient: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Per encounter, its version and its patient's version in one interned string: one pass over these
    #: finds every encounter whose own data or whose patient's data changed.
    revisions: Mapping[str, str] = field(default_factory=dict)

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
        problems: Iterable[Problem] = (),
    ) -> Snapshot:
        """Build a snapshot, de-duplicating by id and keeping the newest version seen of each.

        Which copy of a duplicated encounter wins does not depend on the order they came in: the newest
        ``last_updated``, then the highest version.

        Ids and versions used as keys are interned, so the state (built from earlier snapshots) and this
        snapshot share string objects and reconcile's set and dict passes compare pointers, not text.
        """
        encs: dict[str, Encounter] = {}
        for enc in encounters:
            ref = intern(enc.ref)
            old = encs.get(ref)
            if old is None or _newer(enc, old):
                encs[ref] = enc
        pats: dict[str, Patient] = {}
        for pat in patients:
            pats[intern(pat.ref)] = pat
        by_patient: dict[str, list[str]] = {}
        revisions: dict[str, str] = {}
        for ref, enc in encs.items():
            pref = enc.patient_ref
            if pref is not None:
                by_patient.setdefault(intern(pref), []).append(ref)
                owner = pats.get(pref)
                revisions[ref] = intern(f"{enc.version}/{owner.version if owner is not None else '-'}")
            else:
                revisions[ref] = intern(f"{enc.version}/-")
        return cls(
            taken_at=taken_at,
            complete=complete,
            list_items=frozenset(map(intern, list_items)),
            encounters=encs,
            patients=pats,
            unreadable=frozenset(map(intern, unreadable)) - encs.keys(),
            problems=tuple(problems),
            versions={ref: intern(e.version) for ref, e in encs.items()},
            patient_versions={ref: intern(p.version) for ref, p in pats.items()},
            encounters_by_patient={k: tuple(v) for k, v in by_patient.items()},
            revisions=revisions,
        )

    @classmethod
    def incomplete(cls, taken_at: datetime, problems: Iterable[Problem]) -> Snapshot:
        return cls(taken_at=taken_at, complete=False, list_items=frozenset(), encounters={}, patients={},
                   problems=tuple(problems))


def _newer(a: Encounter, b: Encounter) -> bool:
    """Whether ``a`` should replace ``b`` (a strict order, so the choice is independent of input order)."""
    if a.last_updated != b.last_updated:
        if a.last_updated is None:
            return False
        return b.last_updated is None or a.last_updated > b.last_updated
    return _version_key(a.version) > _version_key(b.version)


def _version_key(version: str) -> tuple[int, int, str]:
    # FHIR versionIds are opaque, but in practice increasing integers: compare those as numbers.
    return (1, int(version), version) if version.isascii() and version.isdecimal() else (0, 0, version)


#: A pending time check: (due, ref, kind, encounter version). Kept as a binary heap.
Deadline = tuple[datetime, str, str, str]


@dataclass(frozen=True, slots=True)
class WorklistState:
    """Everything reconcile needs to remember between cycles. Treat every mapping as read-only."""

    entries: Mapping[str, Entry] = field(default_factory=dict)
    seen: Mapping[str, str] = field(default_factory=dict)  # encounter versions at the last complete snapshot
    seen_patients: Mapping[str, str] = field(default_factory=dict)
    seen_revisions: Mapping[str, str] = field(default_factory=dict)  # Snapshot.revisions last time
    in_list: frozenset[str] = frozenset()
    live: frozenset[str] = frozenset()  # entries whose fate is not departed
    alerts: Mapping[str, Alert] = field(default_factory=dict)  # alerts not yet resolved, by id
    open_keys: Mapping[tuple[AlertKind, str], str] = field(default_factory=dict)  # condition -> alert id
    by_identity: Mapping[str, frozenset[str]] = field(default_factory=dict)  # person -> present encounters
    deadlines: tuple[Deadline, ...] = ()
    last_complete_at: datetime | None = None
    started_at: datetime | None = None
    alert_seq: int = 0
    #: Conditions a person resolved while they still held, with the severity they resolved: no new alert
    #: opens for them until the condition clears (or escalates past that severity).
    suppressed: Mapping[tuple[AlertKind, str], Severity] = field(default_factory=dict)

    def open_alert(self, kind: AlertKind, key: str) -> Alert | None:
        alert_id = self.open_keys.get((kind, key))
        return None if alert_id is None else self.alerts[alert_id]

    @property
    def queue(self) -> list[Entry]:
        """Entries shown in the queue: present ones and dropped tombstones."""
        return [self.entries[ref] for ref in self.live]
