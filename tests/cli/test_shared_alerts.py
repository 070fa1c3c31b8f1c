"""``legevakt alerts ack|resolve`` and ``sync --json`` with alerts shared through FHIR Task (issue 10): two
workstations (two data directories) against one simulator. Oracle: the simulator's Task store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from legevakt.codes import ALERT_CODE_SYSTEM
from legevakt.sim import SimServer
from tests.cli.conftest import Run

NURSE_A, LEAD = "Practitioner/nurse-a", "Practitioner/lead"


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=3, initial_patients=6)


def platform(sim: SimServer) -> tuple[str, ...]:
    return ("--platform", sim.base_url, "--location", sim.clinic_ref)


def sync(run: Run, sim: SimServer, data: Path) -> dict[str, Any]:
    code, out, err = run("sync", "--once", "--json", *platform(sim), "--data-dir", str(data))
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def alerts(run: Run, data: Path, *extra: str) -> list[dict[str, Any]]:
    code, out, err = run("alerts", "--json", "--data-dir", str(data), *extra)
    assert code == 0, err
    found: list[dict[str, Any]] = json.loads(out)
    return found


def drop_tasks(sim: SimServer, victim: str) -> list[dict[str, Any]]:
    return [v.resource for v in sim.store.live_versions("Task") if v.resource
            and v.resource["focus"]["reference"] == victim
            and {"system": ALERT_CODE_SYSTEM, "code": "DROPPED_FROM_QUEUE"} in v.resource["code"]["coding"]]


def drop_id(run: Run, data: Path, victim: str) -> str:
    [alert] = [a for a in alerts(run, data) if a["kind"] == "DROPPED_FROM_QUEUE" and a["encounter"] == victim]
    return str(alert["id"])


def test_ack_with_a_platform_goes_at_once_and_the_other_workstation_shows_who(
        run: Run, sim: SimServer, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    sync(run, sim, a), sync(run, sim, b)
    victim = sorted(sim.clinic.list_items())[0]
    sim.clinic.drop_from_list(victim)
    assert sync(run, sim, a)["alerts_shared"] is True
    sync(run, sim, b)
    assert [t["status"] for t in drop_tasks(sim, victim)] == ["requested"]  # one Task for both

    code, out, err = run("alerts", "ack", drop_id(run, a, victim), "--by", NURSE_A, "--comment", "ringer",
                         "--json", *platform(sim), "--data-dir", str(a))
    assert code == 0, err
    assert json.loads(out)["acknowledged_by"] == NURSE_A
    [task] = drop_tasks(sim, victim)
    assert (task["status"], task["owner"]) == ("accepted", {"reference": NURSE_A})  # sent at once

    sync(run, sim, b)  # one cycle at B
    [seen] = [x for x in alerts(run, b) if x["encounter"] == victim and x["kind"] == "DROPPED_FROM_QUEUE"]
    assert (seen["status"], seen["acknowledged_by"], seen["ack_comment"]) == ("acknowledged", NURSE_A, "ringer")


def test_resolve_offline_applies_here_and_is_sent_with_the_next_sync_exactly_once(
        run: Run, sim: SimServer, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    sync(run, sim, a), sync(run, sim, b)
    victim = sorted(sim.clinic.list_items())[0]
    sim.clinic.drop_from_list(victim)
    sync(run, sim, a), sync(run, sim, b)
    alert_id = drop_id(run, b, victim)
    code, out, err = run("alerts", "resolve", alert_id, "--by", LEAD, "--reason", "dro hjem", "--json",
                         "--data-dir", str(b))  # no platform given: applied here, queued
    assert code == 0, err
    assert json.loads(out)["status"] == "resolved"
    assert [t["status"] for t in drop_tasks(sim, victim)] == ["requested"]  # not sent yet
    sync(run, sim, b)
    [task] = drop_tasks(sim, victim)
    assert (task["status"], task["statusReason"]["text"]) == ("completed", "dro hjem")
    sync(run, sim, b)
    [again] = drop_tasks(sim, victim)
    assert len(again["note"]) == 1  # exactly once
    sync(run, sim, a)
    [at_a] = [x for x in alerts(run, a, "--status", "all") if x["encounter"] == victim
              and x["kind"] == "DROPPED_FROM_QUEUE"]
    assert (at_a["status"], at_a["resolved_by"], at_a["resolution"]) == ("resolved", LEAD, "dro hjem")


def test_sync_json_says_when_the_platform_refuses_task(run: Run, sim: SimServer, tmp_path: Path) -> None:
    sim.faults.task_refusal = "forbidden"
    doc = sync(run, sim, tmp_path)
    assert doc["alerts_shared"] is False
    assert doc["alerts_not_shared"]["message_nb"] == "Varsler deles ikke med andre arbeidsstasjoner"
    assert doc["alerts_not_shared"]["reason"] == "HTTP 403"
    assert sim.store.live_versions("Task") == []
