"""A small fake platform and a worklist desk, shared by the worklist tests.

``FakePlatform`` holds Encounters, Patients and the queue List, and builds a ``Snapshot`` the way the
real sync does: the active Encounters at the clinic, plus a confirming read of every ref in
(``state.live`` | List items) that the search did not return; a read that fails (or finds nothing)
names the ref in ``unreadable`` instead.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from legevakt.codes import FNR_SYSTEM
from legevakt.worklist.models import (
    Alert,
    AlertKind,
    DepartureReason,
    Encounter,
    EncounterStatus,
    Entry,
    Patient,
)
from legevakt.worklist.reconcile import (
    ReconcileConfig,
    Reconciled,
    acknowledge,
    reconcile,
    resolve,
    tick,
)
from legevakt.worklist.snapshot import Snapshot, WorklistState

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # a Monday, 13:00 in Oslo


def enc_ref(n: int) -> str:
    return f"Encounter/e{n}"


def fnr(day: int, month: int, yy: int, individual: int) -> str | None:
    """A fødselsnummer computed here from the published weights (None when no control digit exists)."""
    body = f"{day:02d}{month:02d}{yy:02d}{individual:03d}"
    digits = [int(c) for c in body]
    k1 = 11 - sum(d * w for d, w in zip(digits, (3, 7, 6, 1, 8, 9, 4, 5, 2), strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    if k1 == 10:
        return None
    digits.append(k1)
    k2 = 11 - sum(d * w for d, w in zip(digits, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    if k2 == 10:
        return None
    return f"{body}{k1}{k2}"


def some_fnr(day: int, month: int, yy: int, individual: int = 100) -> str:
    """The first valid fødselsnummer for the date with an individual number from ``individual`` on."""
    for ind in range(individual, individual + 50):
        number = fnr(day, month, yy, ind)
        if number is not None:
            return number
    raise AssertionError("unreachable: some individual number always has control digits")


@dataclass
class FakePlatform:
    now: datetime = T0
    encounters: dict[str, Encounter] = field(default_factory=dict)
    patients: dict[str, Patient] = field(default_factory=dict)
    queue: list[str] = field(default_factory=list)
    failing_reads: set[str] = field(default_factory=set)
    _versions: dict[str, int] = field(default_factory=dict)

    # -- the world -------------------------------------------------------------------------------
    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def patient(self, pid: str, identifier: str | None = None, name: str = "Nordmann, Kari") -> str:
        ref = f"Patient/{pid}"
        version = self._bump(ref)
        self.patients[ref] = Patient(ref=ref, version=str(version), name=name,
                                     identifier_system=FNR_SYSTEM if identifier else None, identifier=identifier)
        return ref

    def arrive(self, n: int, *, listed: bool = True, status: EncounterStatus = EncounterStatus.ARRIVED,
               triage: str | None = None, patient: str | None = None, arrived_at: datetime | None = None,
               at_clinic: bool = True) -> str:
        ref = enc_ref(n)
        if patient is None:
            patient = self.patient(f"p{n}")
        self.encounters[ref] = Encounter(
            ref=ref, version=str(self._bump(ref)), patient_ref=patient, status=status,
            arrived_at=self.now if arrived_at is None else arrived_at, triage=triage, at_clinic=at_clinic,
            last_updated=self.now)
        if listed:
            self.list_add(ref)
        return ref

    def update(self, ref: str, **changes: object) -> Encounter:
        enc = replace(self.encounters[ref], version=str(self._bump(ref)), last_updated=self.now,
                      **changes)  # type: ignore[arg-type]
        self.encounters[ref] = enc
        return enc

    def finish(self, ref: str, disposition: DepartureReason | None = DepartureReason.HOME, *,
               status: EncounterStatus = EncounterStatus.FINISHED, unlist: bool = True) -> None:
        self.update(ref, status=status, disposition=disposition)
        if unlist:
            self.list_remove(ref)

    def list_add(self, ref: str) -> None:
        if ref not in self.queue:
            self.queue.append(ref)

    def list_remove(self, ref: str) -> None:
        if ref in self.queue:
            self.queue.remove(ref)

    def delete(self, ref: str) -> None:
        del self.encounters[ref]

    def _bump(self, ref: str) -> int:
        self._versions[ref] = self._versions.get(ref, 0) + 1
        return self._versions[ref]

    # -- what the sync sees ----------------------------------------------------------------------
    def snapshot(self, state: WorklistState, *, shuffle: random.Random | None = None,
                 duplicate: bool = False) -> Snapshot:
        """What one complete sync cycle hands to reconcile (optionally reordered and with repeats)."""
        active = [e for e in self.encounters.values() if e.status.is_active and e.at_clinic]
        returned = {e.ref for e in active}
        reads: list[Encounter] = []
        unreadable: list[str] = []
        for ref in sorted((state.live | set(self.queue)) - returned):
            if ref in self.failing_reads or ref not in self.encounters:
                unreadable.append(ref)
            else:
                reads.append(self.encounters[ref])
        seen = active + reads
        items = list(self.queue)
        if duplicate:
            seen, items = seen + seen[::2], items + items[1::2]
        if shuffle is not None:
            shuffle.shuffle(seen)
            shuffle.shuffle(items)
        pats = {e.patient_ref for e in seen if e.patient_ref}
        return Snapshot.of(self.now, list_items=items, encounters=seen,
                           patients=[p for r, p in self.patients.items() if r in pats], unreadable=unreadable)


@dataclass
class Desk:
    """The worklist as the app drives it: one state, folded step by step."""

    platform: FakePlatform = field(default_factory=FakePlatform)
    config: ReconcileConfig = field(default_factory=ReconcileConfig)
    state: WorklistState = field(default_factory=WorklistState)
    last: Reconciled | None = None

    def sync(self, *, complete: bool = True) -> Reconciled:
        p = self.platform
        snap = p.snapshot(self.state) if complete else Snapshot.incomplete(p.now, ["page 2 timed out"])
        return self._keep(reconcile(self.state, snap, p.now, self.config))

    def tick(self) -> Reconciled:
        return self._keep(tick(self.state, self.platform.now, self.config))

    def ack(self, alert: Alert, by: str = "sykepleier", comment: str | None = "sett") -> Reconciled:
        return self._keep(acknowledge(self.state, alert.id, by, comment, self.platform.now))

    def resolve(self, alert: Alert, by: str = "sykepleier", reason: str = "kontrollert") -> Reconciled:
        return self._keep(resolve(self.state, alert.id, by, reason, self.platform.now, self.config))

    def _keep(self, result: Reconciled) -> Reconciled:
        self.state, self.last = result.state, result
        return result

    # -- looking ---------------------------------------------------------------------------------
    def entry(self, ref: str) -> Entry:
        return self.state.entries[ref]

    def alert(self, kind: AlertKind, key: str) -> Alert | None:
        return self.state.open_alert(kind, key)

    def alerts_of(self, kind: AlertKind) -> list[Alert]:
        return [a for a in self.state.alerts.values() if a.kind is kind]


def kinds(alerts: Iterable[Alert]) -> set[tuple[AlertKind, str]]:
    return {(a.kind, a.key) for a in alerts}
