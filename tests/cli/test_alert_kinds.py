"""Every reconciliation alert kind can be acknowledged and resolved through the headless commands.

Each case builds the condition with the real reconcile() and stores it, exactly as a sync would, then
drives ``legevakt alerts ack`` and ``legevakt alerts resolve`` and reads the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from legevakt.cli import main
from legevakt.store.db import open_store
from legevakt.worklist.models import AlertKind, Encounter, EncounterStatus, Patient
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled, reconcile, tick
from legevakt.worklist.snapshot import Snapshot, WorklistState

NOW = datetime.now(UTC)


def enc(n: int, status: str = "triaged", *, triage: str | None = "green", arrived_min: float = 5,
        patient: int | None = None) -> Encounter:
    # A new status is a new version on any FHIR server; reconcile relies on that.
    return Encounter(ref=f"Encounter/e{n}", version=f"v-{status}", patient_ref=f"Patient/p{patient or n}",
                     status=EncounterStatus(status), arrived_at=NOW - timedelta(minutes=arrived_min), triage=triage)


def pat(n: int, fnr: str | None = None) -> Patient:
    return Patient(ref=f"Patient/p{n}", version="1", name=f"Testesen, Pasient {n}",
                   identifier_system="urn:oid:2.16.578.1.12.4.1.4.1" if fnr else None, identifier=fnr)


def snap(encs: list[Encounter], listed: list[int], *, patients: list[Patient] | None = None,
         at: datetime = NOW) -> Snapshot:
    pats = patients if patients is not None else [pat(int(e.patient_ref.split("p")[-1])) for e in encs
                                                  if e.patient_ref]
    return Snapshot.of(at, list_items=[f"Encounter/e{n}" for n in listed], encounters=encs, patients=pats)


def steps(*snaps: Snapshot, then_tick: datetime | None = None) -> list[Reconciled]:
    state, out = WorklistState(started_at=NOW), []
    for s in snaps:
        result = reconcile(state, s, s.taken_at, ReconcileConfig())
        out.append(result)
        state = result.state
    if then_tick is not None:
        out.append(tick(state, then_tick))
    return out


CASES: dict[AlertKind, Callable[[], list[Reconciled]]] = {
    AlertKind.DROPPED_FROM_QUEUE: lambda: steps(snap([enc(1)], [1]), snap([enc(1)], [])),
    AlertKind.NOT_IN_QUEUE: lambda: steps(snap([enc(1)], [])),
    AlertKind.STALE_ENTRY: lambda: steps(snap([enc(1)], [1]), snap([enc(1, "finished")], [1])),
    AlertKind.DUPLICATE_PATIENT: lambda: steps(snap(
        [enc(1, patient=1), enc(2, patient=2)], [1, 2],
        patients=[pat(1, "01017012345"), pat(2, "01017012345")])),
    AlertKind.TRIAGE_OVERDUE: lambda: steps(snap([enc(1, triage="yellow", arrived_min=70)], [1])),
    AlertKind.NOT_TRIAGED: lambda: steps(snap([enc(1, "arrived", triage=None, arrived_min=20)], [1])),
    AlertKind.SYNC_STALE: lambda: steps(snap([enc(1)], [1]), then_tick=NOW + timedelta(seconds=20)),
    AlertKind.MASS_DEPARTURE: lambda: steps(snap([enc(n) for n in range(1, 11)], list(range(1, 11))),
                                            snap([enc(n, "finished") for n in range(1, 11)], [])),
}


@pytest.mark.parametrize("kind", list(CASES), ids=lambda k: k.value)
def test_every_alert_kind_is_raised_acknowledged_and_resolved_headless(
        kind: AlertKind, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(tmp_path)
    try:
        for result in CASES[kind]():
            store.save(result)
    finally:
        store.close()

    assert main(["alerts", "--json", "--data-dir", str(tmp_path)]) == 0
    listed = json.loads(capsys.readouterr().out)
    alert = next(a for a in listed if a["kind"] == kind.value)
    assert alert["status"] == "open"

    assert main(["alerts", "ack", alert["id"], "--by", "kari", "--comment", "sett", "--data-dir",
                 str(tmp_path)]) == 0
    assert main(["alerts", "resolve", alert["id"], "--by", "ola", "--reason", "ordnet", "--data-dir",
                 str(tmp_path)]) == 0
    capsys.readouterr()

    store = open_store(tmp_path)
    try:
        final = store.alert(alert["id"])
        actions = [r.action for r in store.audit(limit=1000, target=alert["id"])]
    finally:
        store.close()
    assert final is not None
    assert (final.status.value, final.acknowledged_by, final.resolved_by, final.resolution) == (
        "resolved", "kari", "ola", "ordnet")
    assert {"alert.raised", "alert.acknowledged", "alert.resolved"} <= set(actions)
