"""The simulator's generic FHIR Task (shared alerts, issue 10): conditional create, read, versioned update,
search by code, focus, status and _lastUpdated with paging by next links, declared in the
CapabilityStatement; and the knobs for a server that makes duplicates or refuses Task."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from legevakt.codes import ALERT_CODE_SYSTEM
from legevakt.sim import SimServer
from tests.sim.helpers import search_all

CODE = f"{ALERT_CODE_SYSTEM}|DROPPED_FROM_QUEUE"


def task(focus: str = "Encounter/e1", status: str = "requested", kind: str = "DROPPED_FROM_QUEUE") -> dict[str, Any]:
    return {"resourceType": "Task", "status": status, "intent": "order", "priority": "stat",
            "code": {"coding": [{"system": ALERT_CODE_SYSTEM, "code": kind}]}, "focus": {"reference": focus}}


def conditional(focus: str = "Encounter/e1") -> dict[str, str]:
    return {"If-None-Exist": urlencode({"code": CODE, "focus": focus, "status": "requested,accepted"})}


def test_task_is_declared_with_its_search_parameters(client: httpx.Client) -> None:
    cap = client.get("metadata").json()
    [entry] = [r for r in cap["rest"][0]["resource"] if r["type"] == "Task"]
    assert {"create", "read", "update", "search-type"} <= {i["code"] for i in entry["interaction"]}
    assert entry["conditionalCreate"] is True
    assert {"code", "focus", "status", "_lastUpdated"} <= {p["name"] for p in entry["searchParam"]}


def test_a_conditional_create_for_the_same_open_condition_makes_one_task(client: httpx.Client,
                                                                          sim: SimServer) -> None:
    first = client.post("Task", json=task(), headers=conditional())
    again = client.post("Task", json=task(), headers=conditional())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = client.post("Task", json=task("Encounter/e2"), headers=conditional("Encounter/e2"))
    assert other.status_code == 201
    assert len(sim.store.live_versions("Task")) == 2  # ground truth: the store itself


def test_a_completed_task_does_not_stop_a_new_episode(client: httpx.Client, sim: SimServer) -> None:
    client.post("Task", json=task(status="completed"))
    assert client.post("Task", json=task(), headers=conditional()).status_code == 201
    assert len(sim.store.live_versions("Task")) == 2


def test_an_update_with_a_stale_version_is_refused_with_412(client: httpx.Client) -> None:
    created = client.post("Task", json=task()).json()
    tid = created["id"]
    read = client.get(f"Task/{tid}")
    etag = read.headers["ETag"]
    ok = client.put(f"Task/{tid}", json={**read.json(), "status": "accepted"}, headers={"If-Match": etag})
    assert ok.status_code == 200
    stale = client.put(f"Task/{tid}", json={**read.json(), "status": "completed"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert client.get(f"Task/{tid}").json()["status"] == "accepted"


def test_search_by_code_focus_status_and_last_updated_pages_by_next_links(client: httpx.Client) -> None:
    for n in range(7):
        client.post("Task", json=task(f"Encounter/e{n}", status="accepted" if n % 2 else "requested"))
    client.post("Task", json=task("Encounter/e1", kind="NOT_IN_QUEUE"))
    _, all_drops = search_all(client, "Task", {"code": CODE, "_count": "2"})
    assert len(all_drops) == 7
    _, open_e3 = search_all(client, "Task", {"code": CODE, "focus": "Encounter/e3", "status": "requested,accepted"})
    assert [e["resource"]["focus"]["reference"] for e in open_e3] == ["Encounter/e3"]
    _, accepted = search_all(client, "Task", {"code": CODE, "status": "accepted", "_count": "1"})
    assert len(accepted) == 3
    since = max(e["resource"]["meta"]["lastUpdated"] for e in all_drops)
    _, recent = search_all(client, "Task", {"code": CODE, "_lastUpdated": f"ge{since}"})
    assert 1 <= len(recent) < 7


def test_a_server_that_ignores_if_none_exist_makes_duplicates(make_sim: Any) -> None:
    sim = make_sim()
    sim.faults.task_duplicates = True
    with httpx.Client(base_url=sim.base_url + "/", timeout=10) as c:
        assert c.post("Task", json=task(), headers=conditional()).status_code == 201
        assert c.post("Task", json=task(), headers=conditional()).status_code == 201
    assert len(sim.store.live_versions("Task")) == 2


def test_a_server_that_refuses_task(make_sim: Any) -> None:
    sim = make_sim()
    with httpx.Client(base_url=sim.base_url + "/", timeout=10) as c:
        sim.faults.apply({"task_refusal": "capability"})
        types = {r["type"] for r in c.get("metadata").json()["rest"][0]["resource"]}
        assert "Task" not in types and "Encounter" in types
        assert c.post("Task", json=task()).status_code == 404
        sim.faults.apply({"task_refusal": "forbidden"})
        assert c.get("Task", params={"code": CODE}).status_code == 403
        assert "Task" in {r["type"] for r in c.get("metadata").json()["rest"][0]["resource"]}
        sim.faults.apply({"task_refusal": "not-found"})
        assert c.get("Task/x").status_code == 404
    assert sim.store.live_versions("Task") == []
