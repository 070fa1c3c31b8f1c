"""The light requests a client checks with before fetching a whole snapshot (issue 10, item 5), served as
any R4 server does: the List's ETag and If-None-Match (304), ``_summary=count``, ``_elements``, and
``_lastUpdated`` ``ge`` / ``gt`` on an Encounter search with ``location`` and ``status``. And the search
index (``legevakt.sim.index``) answers exactly what a scan of the store answers."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

import httpx

from legevakt.sim import SimServer
from legevakt.sim.fhirtime import instant
from legevakt.sim.index import SearchIndex
from legevakt.sim.search import matches, parse_query

ACTIVE = "planned,arrived,triaged,in-progress,onleave,unknown"


def test_list_etag_and_if_none_match(sim: SimServer, client: httpx.Client) -> None:
    first = client.get(sim.clinic.list_ref)
    etag = first.headers["etag"]
    assert etag == f'W/"{first.json()["meta"]["versionId"]}"'
    same = client.get(sim.clinic.list_ref, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    sim.clinic.admit()  # the List changes: a new version, a full answer
    changed = client.get(sim.clinic.list_ref, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_summary_count_of_the_active_encounters_at_the_clinic(sim: SimServer, client: httpx.Client) -> None:
    params = {"location": sim.clinic_ref, "status": ACTIVE, "_summary": "count"}
    body = client.get("Encounter", params=params).json()
    assert body["total"] == len(sim.clinic.active_encounters()) == 18 and body["entry"] == []
    sim.clinic.discharge(sim.clinic.active_encounters()[0])
    assert client.get("Encounter", params=params).json()["total"] == 17


def test_elements_returns_only_what_was_asked_marked_subsetted(sim: SimServer, client: httpx.Client) -> None:
    params = {"location": sim.clinic_ref, "status": ACTIVE, "_elements": "status", "_count": "100"}
    entries = client.get("Encounter", params=params).json()["entry"]
    assert len(entries) == 18
    for e in entries:
        res = e["resource"]
        assert set(res) == {"resourceType", "id", "meta", "status"}
        assert {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"} \
            in res["meta"]["tag"]
    full = sim.store.get("Encounter", entries[0]["resource"]["id"])
    assert full is not None and "SUBSETTED" not in str(full.get("meta"))  # the stored one is untouched


def test_last_updated_ge_and_gt_with_location_and_status(sim: SimServer, client: httpx.Client) -> None:
    time.sleep(0.005)
    since = dt.datetime.now(dt.UTC)
    refs = sim.clinic.active_encounters()
    time.sleep(0.005)
    sim.clinic.triage(refs[0], "red")
    sim.clinic.discharge(refs[1])  # finished: no longer matches the status filter
    base = {"location": sim.clinic_ref, "status": ACTIVE, "_count": "50"}
    ge = client.get("Encounter", params={**base, "_lastUpdated": f"ge{instant(since)}"}).json()
    assert [f"Encounter/{e['resource']['id']}" for e in ge["entry"]] == [refs[0]] and ge["total"] == 1
    anything = client.get("Encounter", params={"location": sim.clinic_ref, "_lastUpdated": f"gt{instant(since)}"})
    assert sorted(f"Encounter/{e['resource']['id']}" for e in anything.json()["entry"]) == sorted(refs[:2])
    later = client.get("Encounter", params={**base, "_lastUpdated": f"gt{instant(dt.datetime.now(dt.UTC))}"})
    assert later.json()["total"] == 0


def test_the_index_answers_what_a_scan_answers(make_sim: Callable[..., SimServer]) -> None:
    sim = make_sim(initial_patients=40)
    index = SearchIndex(sim.store)  # one index across the changes: it must catch up, never go stale
    rng = random.Random(3)
    queries = [
        [("location", sim.clinic_ref), ("status", ACTIVE)],
        [("location", sim.clinic_ref), ("status", "triaged"), ("_sort", "-_lastUpdated")],
        [("status:not", "finished")],
        [("location", sim.clinic_ref), ("_lastUpdated", f"ge{instant(dt.datetime.now(dt.UTC))}")],
        [("_id", ",".join(r.split("/")[1] for r in sim.clinic.active_encounters()[:5]))],
    ]
    for _ in range(12):
        for q in map(lambda pairs: parse_query("Encounter", pairs), queries):
            with sim.store.lock:
                indexed = [v.ref for v in index.search(q)]
                scan = sorted((v for v in sim.store.live_versions("Encounter")
                               if matches(v.resource or {}, q, v.last_updated)),
                              key=lambda v: (v.last_updated, v.seq) if q.sort else v.id,
                              reverse=bool(q.sort))
            assert indexed == [v.ref for v in scan]
        active = sim.clinic.active_encounters()
        step = rng.choice(("admit", "discharge", "triage", "advance"))
        if step == "admit" or not active:
            sim.clinic.admit()
        elif step == "discharge":
            sim.clinic.discharge(rng.choice(active))
        elif step == "triage":
            sim.clinic.triage(rng.choice(active), "green")
        else:
            sim.clinic.advance(15)
