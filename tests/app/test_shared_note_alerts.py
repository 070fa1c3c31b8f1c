"""Note alerts are shared through FHIR Task like every other alert about a patient (issue 10 item 1): the
journal follower's alert changes (raised, resolved by evidence) reach the platform, and a second workstation
(its own data directory, its own engine) shows them within one sync cycle.

Oracle: the simulator's own Task store (ground truth), never the client's view of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from legevakt.app.runtime import Runtime
from legevakt.app.settings import load
from legevakt.codes import ALERT_CODE_SYSTEM
from legevakt.sim import SimServer
from legevakt.sync.auth import NoCredentials
from legevakt.worklist.models import Alert, AlertKind, AlertStatus
from legevakt.worklist.shared_alerts import not_sent, reason_codes
from tests.journal.r4 import validate_r4
from tests.sim.helpers import FakeClock

DOCTOR, LEAD = "Practitioner/doc-shared-notes", "Practitioner/lead"
GP = "Organization/gpo-01"


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    server = make_sim(seed=21, initial_patients=4)
    server.faults.apply({"transport_delay_seconds": 0, "receipt_delay_seconds": 0})
    return server


@pytest.fixture
def open_station(sim: SimServer, tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    opened: list[Runtime] = []

    def open_one(name: str, **extra: Any) -> Runtime:
        settings = load(None, {"data_dir": str(tmp_path / name), "platform": sim.base_url,
                               "location": sim.clinic_ref, **extra})
        runtime = Runtime.open(settings, tokens=NoCredentials())
        assert runtime.engine.cycle().complete
        opened.append(runtime)
        return runtime

    yield open_one
    for runtime in opened:
        runtime.close()


def tasks(sim: SimServer, kind: str | None = None) -> list[dict[str, Any]]:
    """The simulator's alert Tasks (ground truth), optionally of one kind."""
    out = []
    for v in sim.store.live_versions("Task"):
        res = v.resource or {}
        codes = [c.get("code") for c in res.get("code", {}).get("coding", []) if c.get("system") == ALERT_CODE_SYSTEM]
        if kind is None or kind in codes:
            out.append(res)
    return out


def note_counts(sim: SimServer) -> dict[tuple[str, str], int]:
    """(kind, status) -> how many note alert Tasks the simulator holds."""
    out: dict[tuple[str, str], int] = {}
    for t in tasks(sim):
        kind = next(c["code"] for c in t["code"]["coding"] if c.get("system") == ALERT_CODE_SYSTEM)
        if kind.startswith("NOTE_"):
            out[(kind, t["status"])] = out.get((kind, t["status"]), 0) + 1
    return out


def note_alerts(rt: Runtime, kind: AlertKind) -> list[Alert]:
    return [a for a in rt.engine.state.alerts.values() if a.kind is kind]


def signed_note(rt: Runtime) -> tuple[str, str]:
    encounter = sorted(rt.engine.state.entries)[0]
    note = rt.journal.write_note(encounter, DOCTOR, "Epikrise: sår sydd, kontroll om 10 dager", signed=True)
    rt.journal.push()
    ref = rt.journal.refreshed_note(note).ref
    assert ref is not None
    return encounter, ref


def settle(sim: SimServer, rt: Runtime) -> None:
    for _ in range(3):
        sim.recipients.pump()
    rt.engine.cycle()


def test_a_rejected_note_is_one_task_seen_at_the_other_workstation_and_closed_by_a_receipted_resend(
        sim: SimServer, open_station: Callable[..., Runtime]) -> None:
    a, b = open_station("doctors"), open_station("triage")
    encounter, ref = signed_note(a)
    sim.faults.apply({"receipt_mode": "reject", "receipt_error_code": "E35"})
    first, _ = a.journal.send_note(ref, DOCTOR, to=GP)
    a.journal.push()
    settle(sim, a)
    [alert] = note_alerts(a, AlertKind.NOTE_REJECTED)
    sent = a.store.delivery(first.identifier)
    assert sent is not None and sent.communication is not None

    [task] = tasks(sim, "NOTE_REJECTED")
    validate_r4(task)
    assert (task["status"], task["priority"], task["intent"]) == ("requested", "stat", "order")
    assert task["focus"] == {"reference": sent.communication}  # the Communication, for a note alert
    assert task["for"] == {"reference": sent.patient}
    assert task["encounter"] == {"reference": encounter}
    assert "Pasienten finnes ikke i mottakersystemet" in task["description"]  # the 8221 text, Norwegian
    assert "Communication/" not in task["description"] and "Patient/" not in task["description"]

    b.engine.cycle()  # one cycle: the other workstation shows it
    [seen] = note_alerts(b, AlertKind.NOTE_REJECTED)
    assert (seen.status, seen.encounter) == (AlertStatus.OPEN, encounter)
    assert reason_codes(seen) == ("E35",)  # its reason too (Task.reasonCode), for that window's banner
    assert task["reasonCode"]["coding"][0]["code"] == "E35"
    assert len(tasks(sim, "NOTE_REJECTED")) == 1  # shown there, not made again

    # acknowledged here: accepted on the platform, and there
    a.engine.acknowledge(alert.id, DOCTOR, "ringer fastlegen")
    a.engine.replay()
    [task] = tasks(sim, "NOTE_REJECTED")
    assert (task["status"], task["owner"]) == ("accepted", {"reference": DOCTOR})
    b.engine.cycle()
    [seen] = note_alerts(b, AlertKind.NOTE_REJECTED)
    assert (seen.status, seen.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, DOCTOR)

    # a resend that is receipted OK resolves it by evidence: completed on the platform, resolved there
    sim.faults.apply({"receipt_mode": "ok"})
    a.journal.send_note(ref, DOCTOR, to=GP)
    a.journal.push()
    settle(sim, a)
    assert a.store.alert(alert.id).status is AlertStatus.RESOLVED  # type: ignore[union-attr]
    [task] = tasks(sim, "NOTE_REJECTED")
    assert task["status"] == "completed"
    assert [n["text"] for n in task["note"] if n["text"].startswith("Løst ut fra bevis")]
    b.engine.cycle()
    assert not note_alerts(b, AlertKind.NOTE_REJECTED)
    assert b.store.alert(seen.id).status is AlertStatus.RESOLVED  # type: ignore[union-attr]
    assert note_counts(sim) == {("NOTE_REJECTED", "completed"): 1}


def test_an_overdue_note_is_shared_and_a_late_receipt_closes_it_everywhere(
        sim: SimServer, open_station: Callable[..., Runtime]) -> None:
    clock = FakeClock()
    sim.recipients.clock = clock
    a = open_station("doctors", note_receipt_deadline_minutes=0.01)  # 0.6 s
    b = open_station("triage")
    _, ref = signed_note(a)
    sim.faults.apply({"late_receipts_next": 1, "late_receipt_seconds": 3600})
    first, _ = a.journal.send_note(ref, DOCTOR, to=GP)
    a.journal.push()
    sim.recipients.pump()
    time.sleep(0.7)  # past the deadline, the receipt still an hour away
    a.engine.cycle()
    [alert] = note_alerts(a, AlertKind.NOTE_UNDELIVERED)
    [task] = tasks(sim, "NOTE_UNDELIVERED")
    validate_r4(task)
    sent = a.store.delivery(first.identifier)
    assert sent is not None and task["focus"] == {"reference": sent.communication}
    assert task["status"] == "requested" and task["priority"] == "stat"
    b.engine.cycle()
    assert [x.status for x in note_alerts(b, AlertKind.NOTE_UNDELIVERED)] == [AlertStatus.OPEN]

    clock.t += 3601  # the late receipt comes (OK)
    sim.recipients.pump()
    a.engine.cycle()
    assert a.store.alert(alert.id).status is AlertStatus.RESOLVED  # type: ignore[union-attr]
    [task] = tasks(sim, "NOTE_UNDELIVERED")
    assert task["status"] == "completed"
    b.engine.cycle()
    assert not note_alerts(b, AlertKind.NOTE_UNDELIVERED)
    assert note_counts(sim) == {("NOTE_UNDELIVERED", "completed"): 1}


def test_a_send_the_platform_refused_is_flagged_at_every_workstation_as_not_sent(
        sim: SimServer, open_station: Callable[..., Runtime]) -> None:
    a, b = open_station("doctors"), open_station("triage")
    _, ref = signed_note(a)
    sim.faults.apply({"reject_writes_next": 1})
    first, _ = a.journal.send_note(ref, DOCTOR, to=GP)
    a.journal.push()  # as `legevakt send` does: the Task goes at once, not a cycle later
    [task] = tasks(sim, "NOTE_UNDELIVERED")
    validate_r4(task)
    assert task["focus"] == {"reference": ref}  # no Communication was made: the note itself
    assert task["description"] == "Journalnotat ble ikke sendt: plattformen avviste sendingen"
    assert "fristen" not in task["description"]  # no deadline ran for what never left
    b.engine.cycle()
    [seen] = note_alerts(b, AlertKind.NOTE_UNDELIVERED)
    assert seen.status is AlertStatus.OPEN and not_sent(seen)  # there too: nobody believes it was sent
    b.engine.acknowledge(seen.id, LEAD, "ringer legen")  # acknowledged there: seen here, with who
    b.engine.replay()
    a.engine.cycle()
    [here] = note_alerts(a, AlertKind.NOTE_UNDELIVERED)
    assert (here.status, here.acknowledged_by, here.ack_comment) == (AlertStatus.ACKNOWLEDGED, LEAD, "ringer legen")

    a.journal.send_note(ref, DOCTOR, to=GP)  # sent again, and receipted: resolved everywhere
    a.journal.push()
    settle(sim, a)
    assert not note_alerts(a, AlertKind.NOTE_UNDELIVERED)
    b.engine.cycle()
    assert not note_alerts(b, AlertKind.NOTE_UNDELIVERED)
    assert note_counts(sim) == {("NOTE_UNDELIVERED", "completed"): 1}
    assert a.store.delivery(first.identifier).resent_as is not None  # type: ignore[union-attr]
