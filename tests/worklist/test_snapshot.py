"""Snapshots: de-duplication that does not depend on order, and the indexes reconcile relies on."""

from __future__ import annotations

import itertools
from datetime import timedelta

from legevakt.worklist.models import Encounter, EncounterStatus, Patient
from legevakt.worklist.snapshot import Snapshot
from tests.worklist.support import T0


def _enc(version: str, minutes: int | None, status: EncounterStatus = EncounterStatus.ARRIVED) -> Encounter:
    updated = None if minutes is None else T0 + timedelta(minutes=minutes)
    return Encounter(ref="Encounter/a", version=version, patient_ref="Patient/p", status=status, last_updated=updated)


def test_the_newest_copy_wins_whatever_the_order() -> None:
    copies = [_enc("3", 3), _enc("2", 2), _enc("10", None), _enc("9", 3, EncounterStatus.TRIAGED)]
    winners = {Snapshot.of(T0, list_items=[], encounters=perm).encounters["Encounter/a"]
               for perm in itertools.permutations(copies)}
    assert winners == {_enc("9", 3, EncounterStatus.TRIAGED)}  # latest update; then the higher version


def test_versions_compare_as_numbers_when_they_are_numbers() -> None:
    winners = {Snapshot.of(T0, list_items=[], encounters=perm).encounters["Encounter/a"].version
               for perm in itertools.permutations([_enc("9", None), _enc("10", None), _enc("abc", None)])}
    assert winners == {"10"}


def test_reads_that_succeeded_are_not_unreadable() -> None:
    snap = Snapshot.of(T0, list_items=["Encounter/a", "Encounter/b"], encounters=[_enc("1", 0)],
                       unreadable=["Encounter/a", "Encounter/b"])
    assert snap.unreadable == {"Encounter/b"} and snap.complete


def test_indexes_for_reconcile() -> None:
    pat = Patient(ref="Patient/p", version="4", name="Nordmann, Ola")
    snap = Snapshot.of(T0, list_items=["Encounter/a"], encounters=[_enc("2", 0)], patients=[pat])
    assert snap.versions == {"Encounter/a": "2"} and snap.patient_versions == {"Patient/p": "4"}
    assert snap.encounters_by_patient == {"Patient/p": ("Encounter/a",)}
    assert snap.revisions == {"Encounter/a": "2/4"}
    without_patient = Snapshot.of(T0, list_items=[], encounters=[_enc("2", 0)])
    assert without_patient.revisions == {"Encounter/a": "2/-"}


def test_an_incomplete_snapshot_carries_only_its_problems() -> None:
    snap = Snapshot.incomplete(T0, ["page 3 timed out"])
    assert not snap.complete and snap.problems == ("page 3 timed out",) and not snap.encounters
