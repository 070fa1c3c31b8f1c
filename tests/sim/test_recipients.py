"""The simulator plays the recipients of notes: GPs, transport acknowledgement and application receipts.

The recipients run on a fake clock here, so nothing waits: a test moves the clock and pumps.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from legevakt.sim import SimServer
from tests.sim.helpers import APPREC, FakeClock, search_all
from tests.sim.helpers import patient_with_gp as _patient_with_gp
from tests.sim.helpers import receipts_of as _receipts
from tests.sim.helpers import run_recipients as _run
from tests.sim.helpers import send_note as _send


def test_patients_have_gps_that_can_be_found(sim: SimServer, client: httpx.Client) -> None:
    patient = _patient_with_gp(client)
    refs = [g["reference"] for g in patient["generalPractitioner"]]
    kinds = sorted(r.split("/")[0] for r in refs)
    assert kinds == ["Organization", "Practitioner"]
    pract = client.get(next(r for r in refs if r.startswith("Practitioner/"))).json()
    (hpr,) = [i["value"] for i in pract["identifier"] if i["system"] == "urn:oid:2.16.578.1.12.4.1.4.4"]
    found = client.get("Practitioner", params={"identifier": f"urn:oid:2.16.578.1.12.4.1.4.4|{hpr}"}).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [pract["id"]]
    org = client.get(next(r for r in refs if r.startswith("Organization/"))).json()
    by_name = client.get("Organization", params={"name": org["name"].split()[0]}).json()
    assert org["id"] in [e["resource"]["id"] for e in by_name["entry"]]


def test_a_sent_note_is_transported_then_receipted_ok(sim: SimServer, client: httpx.Client, clock: FakeClock) -> None:
    patient = _patient_with_gp(client)
    gp = patient["generalPractitioner"][0]["reference"]
    r = _send(client, patient, gp)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert _send(client, patient, gp).json()["id"] == cid  # If-None-Exist: a replay creates nothing
    assert "received" not in client.get(f"Communication/{cid}").json()
    _run(sim, clock, 1.0)  # past the transport delay (0.5 s), before any receipt (>= 1.5 s)
    assert client.get(f"Communication/{cid}").json().get("received")
    assert _receipts(client, cid) == []
    _run(sim, clock, 10.0)
    (rec,) = _receipts(client, cid)
    assert rec["status"] == "completed"
    assert rec["inResponseTo"] == [{"reference": f"Communication/{cid}"}]
    assert rec["category"] == [{"coding": [APPREC]}]
    assert rec["sender"] == {"reference": gp}
    assert rec["statusReason"]["coding"][0]["system"] == "urn:oid:2.16.578.1.12.4.1.1.8258"
    assert rec["statusReason"]["coding"][0]["code"] == "1" and "reasonCode" not in rec
    assert sim.recipients.receipted[f"Communication/{cid}"].status == "1"
    _run(sim, clock, 100.0)
    assert len(_receipts(client, cid)) == 1  # exactly one receipt


@pytest.mark.parametrize(("mode", "status"), [("reject", "2"), ("errors", "3")])
def test_rejection_and_ok_with_errors_carry_the_8221_code(
    sim: SimServer, client: httpx.Client, clock: FakeClock, mode: str, status: str
) -> None:
    assert client.post("_sim/faults", json={"receipt_mode": mode, "receipt_error_code": "E31"}).status_code == 200
    patient = _patient_with_gp(client)
    cid = _send(client, patient, patient["generalPractitioner"][0]["reference"]).json()["id"]
    _run(sim, clock, 1.0)
    _run(sim, clock, 10.0)
    (rec,) = _receipts(client, cid)
    assert rec["statusReason"]["coding"][0]["code"] == status
    assert [c["coding"][0]["code"] for c in rec["reasonCode"]] == ["E31"]
    assert rec["reasonCode"][0]["coding"][0]["system"] == "urn:oid:2.16.578.1.12.4.1.1.8221"


def test_an_unknown_recipient_is_rejected_with_e21(sim: SimServer, client: httpx.Client, clock: FakeClock) -> None:
    patient = _patient_with_gp(client)
    cid = _send(client, patient, "Practitioner/nobody").json()["id"]
    _run(sim, clock, 1.0)
    _run(sim, clock, 10.0)
    (rec,) = _receipts(client, cid)
    assert rec["statusReason"]["coding"][0]["code"] == "2"
    assert rec["reasonCode"][0]["coding"][0]["code"] == "E21"


@pytest.mark.parametrize("knobs", [{"receipt_mode": "none"}, {"transport_never_acks": True}])
def test_no_receipt_knobs(sim: SimServer, client: httpx.Client, clock: FakeClock, knobs: dict[str, Any]) -> None:
    assert client.post("_sim/faults", json=knobs).status_code == 200
    patient = _patient_with_gp(client)
    cid = _send(client, patient, patient["generalPractitioner"][0]["reference"]).json()["id"]
    _run(sim, clock, 1.0)
    _run(sim, clock, 10_000.0)
    assert _receipts(client, cid) == []
    assert bool(client.get(f"Communication/{cid}").json().get("received")) == ("receipt_mode" in knobs)


def test_a_late_receipt_comes_only_after_the_late_delay(sim: SimServer, client: httpx.Client, clock: FakeClock) -> None:
    client.post("_sim/faults", json={"late_receipts_next": 1, "late_receipt_seconds": 600})
    patient = _patient_with_gp(client)
    cid = _send(client, patient, patient["generalPractitioner"][0]["reference"]).json()["id"]
    _run(sim, clock, 1.0)
    _run(sim, clock, 598.0)
    assert _receipts(client, cid) == []
    _run(sim, clock, 2.0)
    assert len(_receipts(client, cid)) == 1


def test_bad_receipt_knobs_are_refused(client: httpx.Client) -> None:
    assert client.post("_sim/faults", json={"receipt_mode": "sometimes"}).status_code == 400
    assert client.post("_sim/faults", json={"receipt_error_code": "E99"}).status_code == 400


def test_document_reference_create_once_update_with_if_match_and_search(client: httpx.Client) -> None:
    ident = "urn:legevakt:client-request|note-1"
    body = {
        "resourceType": "DocumentReference",
        "identifier": [{"system": "urn:legevakt:client-request", "value": "note-1"}],
        "status": "current",
        "docStatus": "preliminary",
        "subject": {"reference": "Patient/p1"},
        "context": {"encounter": [{"reference": "Encounter/e1"}]},
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "data": "aGVp"}}],
    }
    first = client.post("DocumentReference", json=body, headers={"If-None-Exist": f"identifier={ident}"})
    again = client.post("DocumentReference", json=body, headers={"If-None-Exist": f"identifier={ident}"})
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    doc = first.json()
    doc["docStatus"] = "final"
    stale = client.put(f"DocumentReference/{doc['id']}", json=doc, headers={"If-Match": 'W/"no-such"'})
    assert stale.status_code == 412
    ok = client.put(f"DocumentReference/{doc['id']}", json=doc, headers={"If-Match": f'W/"{doc["meta"]["versionId"]}"'})
    assert ok.status_code == 200 and ok.json()["docStatus"] == "final"
    for params in ({"encounter": "Encounter/e1"}, {"subject": "Patient/p1"}, {"identifier": ident}):
        _, entries = search_all(client, "DocumentReference", params)
        assert [e["resource"]["id"] for e in entries] == [doc["id"]], params
