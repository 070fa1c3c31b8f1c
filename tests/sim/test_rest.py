from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import httpx
import pytest

from legevakt import codes
from legevakt.sim import SimServer
from legevakt.sim.fhirtime import instant, parse_instant

from .helpers import search_all

FHIR = "application/fhir+json"


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["resource"]["id"] for e in entries]


def assert_outcome(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(FHIR)
    body: dict[str, Any] = r.json()
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["severity"] and issue["code"] and issue["diagnostics"]
    return body


# -- metadata ---------------------------------------------------------------------------------------------


def test_capability_statement(sim: SimServer, client: httpx.Client) -> None:
    r = client.get("metadata")
    assert r.status_code == 200
    assert r.headers["content-type"] == FHIR
    cs = r.json()
    assert cs["resourceType"] == "CapabilityStatement"
    assert cs["fhirVersion"] == "4.0.1"
    assert "json" in cs["format"]
    rest = cs["rest"][0]
    by_type = {res["type"]: res for res in rest["resource"]}
    for rtype in ("Encounter", "List", "Patient", "Location", "Practitioner", "DocumentReference", "Communication"):
        res = by_type[rtype]
        got = {i["code"] for i in res["interaction"]}
        assert {"read", "vread", "search-type", "update", "create", "history-type"} <= got
        assert res["versioning"] == "versioned"
        assert res["conditionalCreate"] is True and res["readHistory"] is True
        assert res["searchParam"]
    assert {"create", "read", "delete"} <= {i["code"] for i in by_type["Subscription"]["interaction"]}
    enc_params = {p["name"] for p in by_type["Encounter"]["searchParam"]}
    assert {"_id", "_lastUpdated", "status", "location", "subject", "patient", "identifier"} <= enc_params
    oauth = next(
        e
        for e in rest["security"]["extension"]
        if e["url"] == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
    )
    assert oauth["extension"][0] == {"url": "token", "valueUri": f"{sim.base_url}/_auth/token"}
    ws = [
        e["valueUrl"]
        for e in rest.get("extension", []) + cs.get("extension", [])
        if e["url"] == "http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket"
    ]
    assert ws and set(ws) == {f"ws://127.0.0.1:{sim.port}/fhir/$websocket"}


# -- read / vread ------------------------------------------------------------------------------------------


def test_read_vread_etag(sim: SimServer, client: httpx.Client) -> None:
    ref = sim.clinic.active_encounters()[0]
    r = client.get(ref)
    assert r.status_code == 200
    assert r.headers["content-type"] == FHIR
    enc = r.json()
    vid = enc["meta"]["versionId"]
    assert not vid.isdigit()
    assert r.headers["etag"] == f'W/"{vid}"'
    assert r.headers["last-modified"].endswith("GMT")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|\+00:00)", enc["meta"]["lastUpdated"])
    lu = parse_instant(enc["meta"]["lastUpdated"])
    assert abs(dt.datetime.now(dt.UTC) - lu) < dt.timedelta(minutes=5)

    sim.clinic.triage(ref, "red")
    r2 = client.get(ref)
    vid2 = r2.json()["meta"]["versionId"]
    assert vid2 != vid
    old = client.get(f"{ref}/_history/{vid}")
    assert old.status_code == 200 and old.json()["meta"]["versionId"] == vid
    assert old.headers["etag"] == f'W/"{vid}"'
    assert old.json() == enc
    assert client.get(ref, headers={"If-None-Match": f'W/"{vid2}"'}).status_code == 304

    assert_outcome(client.get("Encounter/does-not-exist"), 404)
    assert_outcome(client.get(f"{ref}/_history/nope"), 404)
    assert_outcome(client.get("Banana/1"), 404)
    assert_outcome(client.get("Encounter/a/b/c/d"), 404)
    assert_outcome(client.patch(ref, json={}), 405)


def test_deleted_subscription_is_gone(client: httpx.Client) -> None:
    r = client.post("Subscription", json=subscription("Encounter?status=arrived"))
    sid = r.json()["id"]
    assert client.delete(f"Subscription/{sid}").status_code == 204
    assert_outcome(client.get(f"Subscription/{sid}"), 410)
    assert_outcome(client.delete("Encounter/x"), 405)
    hist = client.get(f"Subscription/{sid}/_history").json()
    assert [e["request"]["method"] for e in hist["entry"]] == ["POST", "DELETE"]
    assert "resource" not in hist["entry"][1]


# -- search ------------------------------------------------------------------------------------------------


def subscription(criteria: str) -> dict[str, Any]:
    return {"resourceType": "Subscription", "status": "requested", "reason": "test", "criteria": criteria,
            "channel": {"type": "websocket"}}  # fmt: skip


def test_search_location_status_and_paging(sim: SimServer, client: httpx.Client) -> None:
    active = sim.clinic.active_encounters()
    bundles, entries = search_all(
        client,
        "Encounter",
        {"location": sim.clinic_ref, "status": "planned,arrived,triaged,in-progress,onleave", "_count": "5"},
    )
    assert len(bundles) == 4  # 18 at 5 a page
    assert all(b["type"] == "searchset" and b["total"] == 18 for b in bundles)
    assert all(len(b["entry"]) <= 5 for b in bundles)
    assert sorted(f"Encounter/{i}" for i in ids(entries)) == active
    assert ids(entries) == sorted(ids(entries))  # stable order by id
    self_link = bundles[0]["link"][0]
    assert self_link["relation"] == "self" and self_link["url"].startswith(sim.base_url + "/Encounter?")
    nxt = bundles[0]["link"][1]["url"]
    assert nxt.startswith(f"{sim.base_url}/Encounter?") and "_getpagesoffset=5" in nxt
    # location given as a bare id matches too
    _, bare = search_all(client, "Encounter", {"location": sim.clinic.clinic_id, "status": "triaged"})
    assert bare and all(e["resource"]["status"] == "triaged" for e in bare)
    assert all(e["fullUrl"] == f"{sim.base_url}/Encounter/{e['resource']['id']}" for e in bare)


def test_search_by_id_subject_patient_identifier(sim: SimServer, client: httpx.Client) -> None:
    a, b = sim.clinic.active_encounters()[:2]
    r = client.get("Encounter", params={"_id": f"{a.split('/')[1]},{b.split('/')[1]}"}).json()
    assert sorted(f"Encounter/{i}" for i in ids(r["entry"])) == sorted([a, b])
    enc = sim.clinic.read(a)
    assert enc is not None
    patient_ref = enc["subject"]["reference"]
    for param in ("subject", "patient"):
        r = client.get("Encounter", params={param: patient_ref}).json()
        assert ids(r["entry"]) == [a.split("/")[1]]
    patient = sim.clinic.read(patient_ref)
    assert patient is not None
    ident = patient["identifier"][0]
    r = client.get("Patient", params={"identifier": f"{ident['system']}|{ident['value']}"}).json()
    assert r["total"] == 1 and r["entry"][0]["resource"]["id"] == patient_ref.split("/")[1]
    r = client.get("Patient", params={"identifier": f"urn:other|{ident['value']}"}).json()
    assert r["total"] == 0 and r["entry"] == []
    r = client.get("Patient", params={"identifier": ident["value"]}).json()
    assert r["total"] == 1


def test_search_list_by_subject_and_code(sim: SimServer, client: httpx.Client) -> None:
    r = client.get(
        "List", params={"subject": sim.clinic_ref, "code": f"{codes.LIST_CODE_SYSTEM}|{codes.LIST_CODE_QUEUE}",
                        "status": "current"},
    ).json()  # fmt: skip
    assert r["total"] == 1
    lst = r["entry"][0]["resource"]
    assert lst["mode"] == "working" and lst["status"] == "current"
    assert lst["subject"]["reference"] == sim.clinic_ref
    items = [e["item"]["reference"] for e in lst["entry"]]
    assert sorted(items) == sim.clinic.active_encounters()
    assert all("date" in e for e in lst["entry"])
    assert client.get("List", params={"code": "something-else"}).json()["total"] == 0
    rooms = client.get("Location", params={"partof": sim.clinic_ref}).json()
    assert rooms["total"] == 8
    assert {e["resource"]["name"] for e in rooms["entry"]} == {f"Rom {i}" for i in range(1, 9)}


def test_search_include_subject(sim: SimServer, client: httpx.Client) -> None:
    r = client.get(
        "Encounter", params={"location": sim.clinic_ref, "_include": "Encounter:subject", "_count": "4"}
    ).json()
    matches = [e for e in r["entry"] if e["search"]["mode"] == "match"]
    includes = [e for e in r["entry"] if e["search"]["mode"] == "include"]
    assert len(matches) == 4
    assert {e["resource"]["resourceType"] for e in includes} == {"Patient"}
    assert {f"Patient/{e['resource']['id']}" for e in includes} == {
        m["resource"]["subject"]["reference"] for m in matches
    }
    assert r["total"] == 18  # includes are not counted


def test_search_last_updated_prefixes(sim: SimServer, client: httpx.Client) -> None:
    time.sleep(0.01)
    mark = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    ref = sim.clinic.active_encounters()[3]
    sim.clinic.triage(ref, "green")
    changed = client.get(ref).json()["meta"]["lastUpdated"]
    for prefix in ("gt", "ge"):
        r = client.get("Encounter", params={"_lastUpdated": prefix + instant(mark)}).json()
        assert ids(r["entry"]) == [ref.split("/")[1]]
    r = client.get("Encounter", params={"_lastUpdated": "lt" + instant(mark)}).json()
    assert r["total"] == 17
    r = client.get("Encounter", params={"_lastUpdated": "le" + instant(mark)}).json()
    assert r["total"] == 17
    r = client.get("Encounter", params={"_lastUpdated": "eq" + changed}).json()
    assert ref.split("/")[1] in ids(r["entry"])
    r = client.get("Encounter", params={"_lastUpdated": changed}).json()  # no prefix = eq
    assert ref.split("/")[1] in ids(r["entry"])
    both = client.get("Encounter", params=[("_lastUpdated", "ge" + instant(mark)), ("_lastUpdated", "lt2999-01-01")])
    assert both.json()["total"] == 1
    r = client.get("Encounter", params={"_lastUpdated": "ge" + instant(mark), "_sort": "-_lastUpdated"}).json()
    assert r["total"] == 1
    assert_outcome(client.get("Encounter", params={"_lastUpdated": "gtyesterday"}), 400)


def test_search_sort_last_updated(sim: SimServer, client: httpx.Client) -> None:
    refs = sim.clinic.active_encounters()
    sim.clinic.triage(refs[5], "red")
    sim.clinic.triage(refs[0], "red")
    r = client.get("Encounter", params={"_sort": "_lastUpdated", "_count": "50"}).json()
    got = ids(r["entry"])
    assert got[-2:] == [refs[5].split("/")[1], refs[0].split("/")[1]]
    r = client.get("Encounter", params={"_sort": "-_lastUpdated", "_count": "1"}).json()
    assert ids(r["entry"]) == [refs[0].split("/")[1]]


def test_search_post_form(sim: SimServer, client: httpx.Client) -> None:
    r = client.post("Encounter/_search", data={"location": sim.clinic_ref, "_count": "10"})
    assert r.status_code == 200
    b = r.json()
    assert b["total"] == 18 and len(b["entry"]) == 10
    nxt = next(link["url"] for link in b["link"] if link["relation"] == "next")
    b2 = client.get(nxt).json()
    assert len(b2["entry"]) == 8
    assert not set(ids(b["entry"])) & set(ids(b2["entry"]))


def test_unknown_params_lenient_or_strict(client: httpx.Client) -> None:
    r = client.get("Encounter", params={"favourite-colour": "blue", "_count": "1"})
    assert r.status_code == 200 and r.json()["total"] == 18
    assert_outcome(
        client.get("Encounter", params={"favourite-colour": "blue"}, headers={"Prefer": "handling=strict"}), 400
    )
    assert (
        client.get("Encounter", params={"status": "arrived"}, headers={"Prefer": "handling=strict"}).status_code == 200
    )
    assert_outcome(client.get("Encounter", params={"_count": "many"}), 400)


def test_count_zero_and_summary_count(client: httpx.Client) -> None:
    for params in ({"_count": "0"}, {"_summary": "count"}):
        b = client.get("Encounter", params=params).json()
        assert b["total"] == 18 and b["entry"] == []
        assert [link["relation"] for link in b["link"]] == ["self"]


# -- history -----------------------------------------------------------------------------------------------


def test_type_history_since_repeats_boundary(sim: SimServer, client: httpx.Client) -> None:
    time.sleep(0.005)
    since = dt.datetime.now(dt.UTC)
    refs = sim.clinic.active_encounters()
    sim.clinic.triage(refs[0], "red")
    sim.clinic.triage(refs[1], "orange")
    sim.clinic.triage(refs[2], "yellow")
    bundles, _ = search_all(client, "Encounter/_history", {"_since": instant(since), "_count": "2"})
    entries = [e for b in bundles for e in b["entry"]]
    assert all(b["type"] == "history" and b["total"] == 3 for b in bundles)
    assert len(bundles) == 2
    assert [e["fullUrl"] for e in entries] == [f"{sim.base_url}/{r}" for r in refs[:3]]
    assert all(e["request"]["method"] == "PUT" and e["response"]["status"].startswith("200") for e in entries)
    # oldest first, and the boundary instant is inclusive: asking again from the last lastUpdated repeats it
    last = entries[-1]["resource"]["meta"]["lastUpdated"]
    again = client.get("Encounter/_history", params={"_since": last}).json()
    assert entries[-1]["resource"]["meta"]["versionId"] in [e["resource"]["meta"]["versionId"] for e in again["entry"]]
    stamps = [parse_instant(e["resource"]["meta"]["lastUpdated"]) for e in entries]
    assert stamps == sorted(stamps)


def test_instance_and_list_history(sim: SimServer, client: httpx.Client) -> None:
    ref = sim.clinic.admit()
    sim.clinic.triage(ref, "green")
    sim.clinic.discharge(ref, "lwbs")
    h = client.get(f"{ref}/_history").json()
    assert [e["resource"]["status"] for e in h["entry"]] == ["arrived", "triaged", "finished"]
    assert [e["request"]["method"] for e in h["entry"]] == ["POST", "PUT", "PUT"]
    assert h["entry"][0]["response"]["status"].startswith("201")
    since = h["entry"][0]["resource"]["meta"]["lastUpdated"]
    lh = client.get("List/_history", params={"_since": since}).json()
    item_sets = [{x["item"]["reference"] for x in e["resource"]["entry"]} for e in lh["entry"]]
    assert ref in item_sets[0] and ref not in item_sets[-1]
    assert_outcome(client.get("Encounter/nope/_history"), 404)


# -- update / create ---------------------------------------------------------------------------------------


def test_put_if_match(sim: SimServer, client: httpx.Client) -> None:
    ref = sim.clinic.active_encounters()[0]
    r = client.get(ref)
    enc, etag = r.json(), r.headers["etag"]
    enc["reasonCode"] = [{"text": "Hodepine"}]
    ok = client.put(ref, json=enc, headers={"If-Match": etag, "Content-Type": FHIR})
    assert ok.status_code == 200, ok.text
    new = ok.json()
    assert new["reasonCode"] == [{"text": "Hodepine"}]
    assert ok.headers["etag"] == f'W/"{new["meta"]["versionId"]}"' != etag
    assert ok.headers["location"].startswith(f"{sim.base_url}/{ref}/_history/")
    stale = client.put(ref, json=enc, headers={"If-Match": etag})
    assert_outcome(stale, 412)
    assert client.get(ref).json()["meta"]["versionId"] == new["meta"]["versionId"]
    # without If-Match: last writer wins
    assert client.put(ref, json=enc).status_code == 200
    # body must match the URL
    assert_outcome(client.put(ref, json={**enc, "id": "other"}), 400)
    assert_outcome(client.put(ref, json={**enc, "resourceType": "Patient"}), 400)
    assert_outcome(client.put(ref, content=b"{not json", headers={"Content-Type": FHIR}), 400)


def test_client_writes_keep_list_in_step(sim: SimServer, client: httpx.Client) -> None:
    ref = sim.clinic.active_encounters()[0]
    enc = client.get(ref).json()
    enc["status"] = "finished"
    assert client.put(ref, json=enc).status_code == 200
    assert ref not in sim.clinic.list_items()
    new_enc = {
        "resourceType": "Encounter",
        "status": "arrived",
        "class": {"system": codes.V3_ACT_CODE, "code": "EMER"},
        "identifier": [{"system": codes.CLIENT_REQUEST_SYSTEM, "value": "req-1"}],
        "subject": enc["subject"],
        "location": [{"location": {"reference": sim.clinic_ref}}],
    }
    created = client.post("Encounter", json=new_enc)
    assert created.status_code == 201
    new_ref = f"Encounter/{created.json()['id']}"
    assert new_ref in sim.clinic.list_items()
    assert set(sim.clinic.list_items()) == set(sim.clinic.active_encounters())


def test_post_if_none_exist_is_idempotent(sim: SimServer, client: httpx.Client) -> None:
    doc = {
        "resourceType": "DocumentReference",
        "status": "current",
        "docStatus": "preliminary",
        "identifier": [{"system": codes.CLIENT_REQUEST_SYSTEM, "value": "note-42"}],
        "context": {"encounter": [{"reference": sim.clinic.active_encounters()[0]}]},
        "content": [{"attachment": {"contentType": "text/plain", "data": "SGVp"}}],
    }
    header = {"If-None-Exist": f"identifier={codes.CLIENT_REQUEST_SYSTEM}|note-42"}
    first = client.post("DocumentReference", json=doc, headers=header)
    assert first.status_code == 201
    rid, vid = first.json()["id"], first.json()["meta"]["versionId"]
    assert first.headers["location"] == f"{sim.base_url}/DocumentReference/{rid}/_history/{vid}"
    assert first.headers["etag"] == f'W/"{vid}"'
    again = client.post("DocumentReference", json=doc, headers=header)
    assert again.status_code == 200
    assert again.json()["id"] == rid and again.json()["meta"]["versionId"] == vid
    search = client.get("DocumentReference", params={"identifier": f"{codes.CLIENT_REQUEST_SYSTEM}|note-42"}).json()
    assert search["total"] == 1
    enc_id = sim.clinic.active_encounters()[0].split("/")[1]
    assert client.get("DocumentReference", params={"encounter": enc_id}).json()["total"] == 1
    # two existing matches -> 412
    assert client.post("DocumentReference", json=doc).status_code == 201
    assert_outcome(client.post("DocumentReference", json=doc, headers=header), 412)
    # Communication is stored generically too
    comm = {"resourceType": "Communication", "status": "in-progress",
            "payload": [{"contentReference": {"reference": f"DocumentReference/{rid}"}}]}  # fmt: skip
    c = client.post("Communication", json=comm)
    assert c.status_code == 201
    assert client.get(f"Communication/{c.json()['id']}").json()["status"] == "in-progress"


def test_create_validation(client: httpx.Client) -> None:
    assert_outcome(client.post("Patient", json={"resourceType": "Encounter"}), 400)
    assert_outcome(client.post("Patient", content=b"[1,2", headers={"Content-Type": FHIR}), 400)
    r = client.post("Patient", json={"resourceType": "Patient", "id": "mine"}, headers={"Prefer": "return=minimal"})
    assert r.status_code == 201 and r.content == b""
    assert "/fhir/Patient/" in r.headers["location"]
    assert "/Patient/mine/" not in r.headers["location"]  # the server assigns ids on create


@pytest.mark.parametrize("path", ["Encounter/_history", "Patient", "List", "Practitioner", "Location"])
def test_everything_is_json(client: httpx.Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"] == FHIR
    assert r.json()["resourceType"] == "Bundle"
