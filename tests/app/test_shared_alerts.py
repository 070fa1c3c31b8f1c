"""Alerts shared by every workstation through FHIR Task (issue 10 items 1 and 6): two workstations (two data
directories, two engines, as two windows would run them) against one simulator.

Oracle: the simulator's own Task store (ground truth), never the client's view of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from legevakt.app.runtime import Runtime
from legevakt.app.settings import load
from legevakt.codes import ALERT_CODE_SYSTEM
from legevakt.sim import SimServer
from legevakt.sync.auth import NoCredentials
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Severity
from legevakt.worklist.shared_alerts import task_of
from tests.journal.r4 import validate_r4

NURSE_A, NURSE_B, LEAD = "Practitioner/nurse-a", "Practitioner/nurse-b", "Practitioner/lead"


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=5, initial_patients=6)


@pytest.fixture
def open_station(sim: SimServer, tmp_path: Path) -> Iterator[Callable[[str], Runtime]]:
    opened: list[Runtime] = []

    def open_one(name: str) -> Runtime:
        settings = load(None, {"data_dir": str(tmp_path / name), "platform": sim.base_url,
                               "location": sim.clinic_ref})
        runtime = Runtime.open(settings, tokens=NoCredentials())
        opened.append(runtime)
        return runtime

    yield open_one
    for runtime in opened:
        runtime.close()


def tasks(sim: SimServer, kind: str | None = None, focus: str | None = None) -> list[dict[str, Any]]:
    """The simulator's Tasks (ground truth), optionally of one alert kind and focus."""
    out = []
    for v in sim.store.live_versions("Task"):
        res = v.resource or {}
        codes = [c.get("code") for c in res.get("code", {}).get("coding", []) if c.get("system") == ALERT_CODE_SYSTEM]
        if kind is not None and kind not in codes:
            continue
        if focus is not None and res.get("focus", {}).get("reference") != focus:
            continue
        out.append(res)
    return out


def drop_alert(rt: Runtime, victim: str) -> Alert:
    [alert] = [a for a in rt.engine.state.alerts.values()
               if a.kind is AlertKind.DROPPED_FROM_QUEUE and a.encounter == victim]
    return alert


def resolved(rt: Runtime, alert_id: str) -> Alert:
    stored = rt.store.alert(alert_id)
    assert stored is not None
    return stored


def two_stations_with_a_drop(sim: SimServer, open_station: Callable[[str], Runtime]) -> tuple[Runtime, Runtime, str]:
    a, b = open_station("triage"), open_station("doctors")
    assert a.engine.cycle().complete and b.engine.cycle().complete
    victim = sorted(sim.clinic.list_items())[0]
    sim.clinic.drop_from_list(victim)
    assert a.engine.cycle().complete and b.engine.cycle().complete
    return a, b, victim


def test_a_drop_seen_by_both_workstations_is_one_task(sim: SimServer, open_station: Callable[[str], Runtime]) -> None:
    a, b, victim = two_stations_with_a_drop(sim, open_station)
    [task] = tasks(sim, "DROPPED_FROM_QUEUE", victim)
    validate_r4(task)
    assert (task["status"], task["priority"], task["intent"]) == ("requested", "stat", "order")
    assert task["encounter"] == {"reference": victim}
    assert task["for"]["reference"].startswith("Patient/")
    assert drop_alert(a, victim).status is drop_alert(b, victim).status is AlertStatus.OPEN
    # every shared alert of either workstation is on the platform once; local kinds never are
    for rt in (a, b):
        for alert in rt.engine.state.alerts.values():
            if alert.kind not in (AlertKind.SYNC_STALE, AlertKind.WRITE_NOT_APPLIED, AlertKind.WRITE_CONFLICT):
                assert len(tasks(sim, alert.kind.value, alert.encounter)) == 1, alert.kind
    assert tasks(sim, "SYNC_STALE") == []
    assert a.engine.alerts_shared is True


def test_an_acknowledgement_at_one_workstation_shows_at_the_other_with_who_after_one_cycle(
        sim: SimServer, open_station: Callable[[str], Runtime]) -> None:
    a, b, victim = two_stations_with_a_drop(sim, open_station)
    alert_a = drop_alert(a, victim)
    a.engine.acknowledge(alert_a.id, NURSE_A, "ringer pasienten")
    a.engine.replay()  # as `legevakt alerts ack` with a platform does
    [task] = tasks(sim, "DROPPED_FROM_QUEUE", victim)
    assert (task["status"], task["owner"]) == ("accepted", {"reference": NURSE_A})
    assert [n["text"] for n in task["note"]] == ["ringer pasienten"]

    b.engine.cycle()
    seen = drop_alert(b, victim)
    assert (seen.status, seen.acknowledged_by, seen.ack_comment) == (
        AlertStatus.ACKNOWLEDGED, NURSE_A, "ringer pasienten")
    assert b.store.alert(seen.id).acknowledged_by == NURSE_A  # type: ignore[union-attr]  # stored, too
    assert len(tasks(sim, "DROPPED_FROM_QUEUE", victim)) == 1


def test_two_acknowledgements_at_once_both_survive_through_the_412(
        sim: SimServer, open_station: Callable[[str], Runtime], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, victim = two_stations_with_a_drop(sim, open_station)
    a.engine.acknowledge(drop_alert(a, victim).id, NURSE_A, "A ringer")
    b.engine.acknowledge(drop_alert(b, victim).id, NURSE_B, "B går dit")
    # A's write lands between B's read of the Task and B's write: B's If-Match is stale
    real = b.client.request
    statuses: list[int] = []

    def racing(method: str, url: str, **kw: Any) -> httpx.Response:
        if method == "PUT" and "/Task/" in url and not statuses:
            a.engine.replay()
        resp = real(method, url, **kw)
        if method == "PUT" and "/Task/" in url:
            statuses.append(resp.status_code)
        return resp

    monkeypatch.setattr(b.client, "request", racing)
    b.engine.replay()
    assert statuses == [412, 200]
    [task] = tasks(sim, "DROPPED_FROM_QUEUE", victim)
    assert task["status"] == "accepted"
    assert task["owner"] == {"reference": NURSE_A}  # the acknowledgement made first is kept
    assert sorted(n["text"] for n in task["note"]) == ["A ringer", "B går dit"]
    validate_r4(task)
    monkeypatch.undo()
    a.engine.cycle()
    b.engine.cycle()
    for rt in (a, b):  # both show the same: first acknowledged by A, both comments
        alert = drop_alert(rt, victim)
        assert alert.acknowledged_by == NURSE_A
        assert alert.ack_comment is not None and "A ringer" in alert.ack_comment and "B går dit" in alert.ack_comment


def test_a_resolution_elsewhere_resolves_here_with_who_and_why(sim: SimServer,
                                                                open_station: Callable[[str], Runtime]) -> None:
    a, b, victim = two_stations_with_a_drop(sim, open_station)
    alert_b = drop_alert(b, victim)
    a.engine.resolve(drop_alert(a, victim).id, LEAD, "pasienten dro hjem")
    a.engine.replay()
    [task] = tasks(sim, "DROPPED_FROM_QUEUE", victim)
    assert (task["status"], task["statusReason"]) == ("completed", {"text": "pasienten dro hjem"})
    b.engine.cycle()
    done = resolved(b, alert_b.id)
    assert (done.status, done.resolved_by, done.resolution) == (AlertStatus.RESOLVED, LEAD, "pasienten dro hjem")
    assert victim not in b.engine.state.live  # the drop's tombstone left B's queue as it left A's
    b.engine.cycle()
    assert not [x for x in b.engine.state.alerts.values() if x.kind is AlertKind.DROPPED_FROM_QUEUE]


def test_a_server_that_makes_duplicates_still_shows_one_alert_and_both_tasks_close(
        sim: SimServer, open_station: Callable[[str], Runtime]) -> None:
    sim.faults.task_duplicates = True
    a, b, victim = two_stations_with_a_drop(sim, open_station)
    assert len(tasks(sim, "DROPPED_FROM_QUEUE", victim)) == 2  # the server ignored If-None-Exist
    b.engine.cycle()
    assert len([x for x in b.engine.state.alerts.values() if x.kind is AlertKind.DROPPED_FROM_QUEUE]) == 1
    alert_b = drop_alert(b, victim)
    a.engine.resolve(drop_alert(a, victim).id, LEAD, "innlagt")
    a.engine.replay()
    assert sorted(t["status"] for t in tasks(sim, "DROPPED_FROM_QUEUE", victim)) == ["completed", "completed"]
    b.engine.cycle()
    assert resolved(b, alert_b.id).resolved_by == LEAD


@pytest.mark.parametrize("refusal", ["capability", "forbidden", "not-found"])
def test_a_platform_that_refuses_task_keeps_alerts_local_and_says_so(
        sim: SimServer, open_station: Callable[[str], Runtime], refusal: str) -> None:
    sim.faults.task_refusal = refusal
    a, b, victim = two_stations_with_a_drop(sim, open_station)
    assert sim.store.live_versions("Task") == []
    for rt in (a, b):
        assert rt.engine.alerts_shared is False
        assert drop_alert(rt, victim).status is AlertStatus.OPEN
        # no write alert for a Task the platform will not take, and nothing left waiting
        assert not [x for x in rt.engine.state.alerts.values() if x.kind is AlertKind.WRITE_NOT_APPLIED]
        assert rt.store.pending_count() == 0
    a.engine.acknowledge(drop_alert(a, victim).id, NURSE_A, "lokalt")
    a.engine.replay()
    assert drop_alert(a, victim).acknowledged_by == NURSE_A
    assert sim.store.live_versions("Task") == []


def test_offline_while_the_other_resolves_then_both_agree(sim: SimServer,
                                                           open_station: Callable[[str], Runtime]) -> None:
    a, b, victim = two_stations_with_a_drop(sim, open_station)
    alert_b = drop_alert(b, victim)
    b.engine.acknowledge(alert_b.id, NURSE_B, "offline kvittering")  # B is offline: it stays in the outbox
    a.engine.resolve(drop_alert(a, victim).id, LEAD, "dro hjem")
    a.engine.replay()
    b.engine.cycle()  # back online: B's acknowledgement goes out once, then B follows A's resolution
    [task] = tasks(sim, "DROPPED_FROM_QUEUE", victim)
    assert task["status"] == "completed"
    assert sorted(n["text"] for n in task["note"]) == ["dro hjem", "offline kvittering"]
    assert resolved(b, alert_b.id).resolved_by == LEAD
    b.engine.cycle()
    b.engine.replay()
    [again] = tasks(sim, "DROPPED_FROM_QUEUE", victim)
    assert len(again["note"]) == 2  # exactly once


def test_a_note_alert_raised_at_another_workstation_shows_here_until_it_is_resolved_there(
        sim: SimServer, open_station: Callable[[str], Runtime]) -> None:
    b = open_station("doctors")
    assert b.engine.cycle().complete
    encounter = sorted(sim.clinic.list_items())[0]
    # the Task the sending workstation writes for a rejected note (the same mapping; the note is not here)
    now = datetime.now(UTC)
    rejected = Alert(id="AL-000042", kind=AlertKind.NOTE_REJECTED, severity=Severity.CRITICAL, key="delivery-1",
                     encounter=encounter, raised_at=now - timedelta(seconds=2), detail="",
                     related=("DocumentReference/n1", "Communication/c1"))
    with httpx.Client(base_url=sim.base_url + "/", timeout=10) as c:
        made = c.post("Task", json=task_of(rejected, focus="Communication/c1", clinic_ref=sim.clinic_ref)).json()
        b.engine.cycle()
        [shown] = [a for a in b.engine.state.alerts.values() if a.kind is AlertKind.NOTE_REJECTED]
        assert (shown.encounter, shown.severity, shown.status) == (encounter, Severity.CRITICAL, AlertStatus.OPEN)
        assert len(tasks(sim, "NOTE_REJECTED")) == 1  # shown here, not made again
        done = task_of(replace(rejected, status=AlertStatus.RESOLVED, resolved_by=LEAD, resolved_at=now,
                               resolution="sendt på nytt"), focus="Communication/c1")
        read = c.get(f"Task/{made['id']}")
        assert c.put(f"Task/{made['id']}", json={**done, "id": made["id"]},
                     headers={"If-Match": read.headers["ETag"]}).status_code == 200
    b.engine.cycle()
    assert not [a for a in b.engine.state.alerts.values() if a.kind is AlertKind.NOTE_REJECTED]
    assert resolved(b, shown.id).resolved_by == LEAD


def test_a_note_alert_of_another_clinic_on_a_regional_platform_never_shows_here(
        sim: SimServer, open_station: Callable[[str], Runtime]) -> None:
    b = open_station("doctors")
    assert b.engine.cycle().complete
    encounter = sorted(sim.clinic.list_items())[0]
    elsewhere = Alert(id="AL-000043", kind=AlertKind.NOTE_REJECTED, severity=Severity.CRITICAL, key="delivery-2",
                      encounter=encounter, raised_at=datetime.now(UTC) - timedelta(seconds=2), detail="",
                      related=("DocumentReference/n2", "Communication/c2"))
    with httpx.Client(base_url=sim.base_url + "/", timeout=10) as c:
        assert c.post("Task", json=task_of(elsewhere, focus="Communication/c2",
                                           clinic_ref="Location/another-clinic")).status_code == 201
    assert len(tasks(sim, "NOTE_REJECTED")) == 1  # it is on the platform (ground truth) ...
    b.engine.cycle()
    assert not [a for a in b.engine.state.alerts.values() if a.kind is AlertKind.NOTE_REJECTED]  # ... not here
