from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from legevakt.sim import KNOB_NAMES, SimServer

from .helpers import search_all


def test_faults_over_http(sim: SimServer, client: httpx.Client) -> None:
    knobs = client.get("_sim/faults").json()
    assert set(knobs) == set(KNOB_NAMES)
    assert knobs["error_rate"] == 0 and knobs["heartbeat_seconds"] == 10
    r = client.post("_sim/faults", json={"latency_ms": 5, "omit_total": True})
    assert r.status_code == 200 and r.json()["latency_ms"] == 5 and r.json()["omit_total"] is True
    assert sim.faults.latency_ms == 5 and sim.faults.omit_total is True
    assert client.post("_sim/faults", json={"no_such_knob": 1}).status_code == 400
    assert client.post("_sim/faults", json={"error_rate": 2}).status_code == 400
    assert client.post("_sim/faults", json={"throttle_next": "x"}).status_code == 400
    assert client.post("_sim/faults", json={"reset": True}).json()["omit_total"] is False


def test_error_rate(sim: SimServer, client: httpx.Client) -> None:
    sim.faults.error_rate = 1.0
    statuses: Counter[int] = Counter()
    retry_after = 0
    for _ in range(30):
        r = client.get("Encounter")
        statuses[r.status_code] += 1
        assert r.json()["resourceType"] == "OperationOutcome"
        retry_after += "retry-after" in r.headers
    assert set(statuses) == {500, 503}
    assert retry_after > 0
    # writes hit by an error are not applied
    before = len(sim.store.history())
    assert client.post("Patient", json={"resourceType": "Patient"}).status_code in (500, 503)
    assert len(sim.store.history()) == before
    # the _sim routes are never faulted
    assert client.get("_sim/state").status_code == 200
    sim.faults.error_rate = 0.3
    codes = Counter(client.get("metadata").status_code for _ in range(60))
    assert codes[200] > 20 and codes[500] + codes[503] > 5


def test_latency(sim: SimServer, client: httpx.Client) -> None:
    client.get("metadata")
    sim.faults.latency_ms = 150
    t = time.perf_counter()
    client.get("metadata")
    assert time.perf_counter() - t >= 0.14


def test_drop_connection(sim: SimServer, client: httpx.Client) -> None:
    sim.faults.drop_connection_rate = 1.0
    with pytest.raises(httpx.TransportError):
        client.get("Encounter")
    sim.faults.drop_connection_rate = 0.0
    assert client.get("Encounter").status_code == 200  # the client recovers on a new connection


def test_throttle_next(sim: SimServer, client: httpx.Client) -> None:
    sim.faults.throttle_next = 2
    for _ in range(2):
        r = client.get("Encounter")
        assert r.status_code == 429 and r.headers["retry-after"] == "1"
        assert r.json()["resourceType"] == "OperationOutcome"
    assert client.get("Encounter").status_code == 200
    assert sim.faults.throttle_next == 0


def test_malformed_rate(sim: SimServer, client: httpx.Client) -> None:
    sim.faults.malformed_rate = 1.0
    r = client.get("Encounter")
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)
    sim.faults.malformed_rate = 0.0
    assert client.get("Encounter").json()["resourceType"] == "Bundle"


def test_wrong_type_next(sim: SimServer, client: httpx.Client) -> None:
    ref = sim.clinic.active_encounters()[0]
    sim.faults.wrong_type_next = 2
    assert client.get(ref).json()["resourceType"] != "Encounter"
    assert client.get("Encounter").json()["resourceType"] != "Bundle"
    assert client.get(ref).json()["resourceType"] == "Encounter"
    sim.faults.wrong_type_next = 1
    assert client.get(sim.clinic_ref).json()["resourceType"] != "Location"


def test_omit_total_and_short_pages(sim: SimServer, client: httpx.Client) -> None:
    sim.faults.omit_total = True
    sim.faults.short_pages = True
    bundles, entries = search_all(client, "Encounter", {"location": sim.clinic_ref, "_count": "6"})
    assert all("total" not in b for b in bundles)
    assert all(len(b["entry"]) < 6 for b in bundles)
    assert len(bundles) > 3  # 18 at 3 a page
    assert sorted(f"Encounter/{e['resource']['id']}" for e in entries) == sim.clinic.active_encounters()
    h = client.get("Encounter/_history", params={"_count": "4"}).json()
    assert "total" not in h and len(h["entry"]) < 4
    assert any(link["relation"] == "next" for link in h["link"])


def test_shift_page(sim: SimServer, client: httpx.Client) -> None:
    sim.faults.shift_page = True
    before = set(sim.clinic.active_encounters())
    bundles, entries = search_all(client, "Encounter", {"location": sim.clinic_ref, "_count": "10"})
    got = [e["resource"]["id"] for e in entries]
    after = set(sim.clinic.active_encounters())
    new = after - before
    assert len(new) == 1  # admitted between page 1 and 2
    assert len(got) == 19 and len(set(got)) == 18  # the last entry of page 1 repeats on page 2
    assert f"Encounter/{got[9]}" in before and got[9] == got[10]
    assert not {f"Encounter/{i}" for i in got} & new  # and the newcomer was missed
    assert bundles[0]["total"] == 18 and bundles[1]["total"] == 19
    assert min(after) == next(iter(new))  # it sorts first


def test_reject_writes_next(sim: SimServer, client: httpx.Client) -> None:
    ref = sim.clinic.active_encounters()[0]
    enc = client.get(ref).json()
    sim.faults.reject_writes_next = 2
    r = client.put(ref, json=enc)
    assert r.status_code == 422 and r.json()["issue"][0]["diagnostics"]
    assert client.post("Patient", json={"resourceType": "Patient"}).status_code == 422
    assert client.post("Encounter/_search", data={"status": "arrived"}).status_code == 200
    assert client.put(ref, json=enc).status_code == 200


def test_drop_from_list_route(sim: SimServer, client: httpx.Client) -> None:
    ref = sim.clinic.active_encounters()[2]
    vid = client.get(ref).json()["meta"]["versionId"]
    r = client.post("_sim/faults/drop-from-list", json={"encounter": ref})
    assert r.status_code == 200
    lst = client.get("List", params={"subject": sim.clinic_ref}).json()["entry"][0]["resource"]
    assert ref not in [e["item"]["reference"] for e in lst["entry"]]
    enc = client.get(ref).json()
    assert enc["status"] in ("arrived", "triaged", "in-progress", "onleave")
    assert enc["meta"]["versionId"] == vid  # untouched
    again = client.post("_sim/faults/drop-from-list", json={"encounter": ref})
    assert again.status_code == 404 and again.json()["resourceType"] == "OperationOutcome"
    state = client.get("_sim/state").json()
    assert ref in state["active"] and ref not in state["list_items"]
    assert state["clinic"] == sim.clinic_ref


def test_sim_control_routes(sim: SimServer, client: httpx.Client) -> None:
    ref = client.post("_sim/admit", json={"complaint": "Feber"}).json()["encounter"]
    assert client.get(ref).json()["reasonCode"][0]["text"] == "Feber"
    assert client.post("_sim/action", json={"action": "triage", "encounter": ref, "colour": "green"}).status_code == 200
    assert client.get(ref).json()["status"] == "triaged"
    r = client.post("_sim/discharge", json={"encounter": ref, "disposition": "lwbs"})
    assert r.status_code == 200
    assert client.get(ref).json()["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] == "lwbs"
    assert client.post("_sim/discharge", json={"encounter": ref, "disposition": "moon"}).status_code == 400
    assert client.post("_sim/discharge", json={"encounter": "Encounter/nope"}).status_code == 404
    r = client.post("_sim/advance", json={"minutes": 30})
    assert r.status_code == 200 and r.json()["sim_minutes"] == 30
    state = client.get("_sim/state").json()
    assert set(state["active"]) == set(state["list_items"])


def test_faults_are_settable_from_another_thread(make_sim: Callable[..., SimServer]) -> None:
    sim = make_sim()
    with httpx.Client(base_url=sim.base_url + "/") as c:
        sim.faults.throttle_next = 1
        assert c.get("metadata").status_code == 429
        assert c.get("metadata").status_code == 200
