"""The recipients' dedicated fault endpoints (``POST [base]/_sim/faults/<name>``) and ``GET [base]/_sim/receipts``.

Receipts run on the fake clock (the ``clock`` fixture): a test moves it and pumps, nothing waits. The
oracle for each outcome is the knob the test set by hand; ``_sim/receipts`` is checked against the
receipts found on the platform by search.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from legevakt import codes
from legevakt.sim import SimServer
from legevakt.sim.faults import RECEIPT_FAULTS

from .helpers import FakeClock, patient_with_gp, receipts_of, run_recipients, send_note


def _send_one(client: httpx.Client, ident: str, to: str | None = None) -> str:
    patient = patient_with_gp(client)
    r = send_note(client, patient, to or patient["generalPractitioner"][0]["reference"], ident)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _deliver(sim: SimServer, clock: FakeClock) -> None:
    """Past the transport delay, then far past any normal receipt delay."""
    run_recipients(sim, clock, 1.0)
    run_recipients(sim, clock, 100.0)


def _status_and_errors(receipt: dict[str, Any]) -> tuple[str, list[str]]:
    return (
        receipt["statusReason"]["coding"][0]["code"],
        [c["coding"][0]["code"] for c in receipt.get("reasonCode", [])],
    )


def _post(client: httpx.Client, name: str, body: Any = None) -> httpx.Response:
    return client.post(f"_sim/faults/{name}", json=body) if body is not None else client.post(f"_sim/faults/{name}")


def test_every_fault_endpoint_answers_with_the_knobs_in_force(sim: SimServer, client: httpx.Client) -> None:
    r = _post(client, "reject", {"code": "E21"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json() == client.get("_sim/faults").json()
    assert (r.json()["receipt_mode"], r.json()["receipt_error_code"]) == ("reject", "E21")
    assert (sim.faults.receipt_mode, sim.faults.receipt_error_code) == ("reject", "E21")
    expected = {
        "never-receipt": {"receipt_mode": "none"},
        "receipt-errors": {"receipt_mode": "errors", "receipt_error_code": "E21"},  # keeps the code in force
        "transport-never-acks": {"transport_never_acks": True},  # default on
        "late-receipts": {"late_receipts_next": 1, "late_receipt_seconds": 3600.0},  # defaults
        "receipts-ok": {"receipt_mode": "ok", "transport_never_acks": False, "late_receipts_next": 0},
    }
    for name, knobs in expected.items():
        r = _post(client, name)
        assert r.status_code == 200, (name, r.text)
        assert {k: r.json()[k] for k in knobs} == knobs, name
    assert set(RECEIPT_FAULTS) == set(expected) | {"reject"}


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("reject", {"code": "E99"}),
        ("reject", {"code": 21}),
        ("reject", {"cod": "E21"}),
        ("receipt-errors", {"code": "e35"}),
        ("transport-never-acks", {"on": "yes"}),
        ("transport-never-acks", {"on": 1}),
        ("late-receipts", {"next": -1}),
        ("late-receipts", {"next": 1.5}),
        ("late-receipts", {"next": True}),
        ("late-receipts", {"next": 2, "seconds": -1}),  # a good field with a bad one: neither is set
        ("late-receipts", {"next": 2, "seconds": "soon"}),
        ("never-receipt", {"mode": "none"}),
        ("receipts-ok", [1]),
    ],
)
def test_bad_input_is_400_and_changes_nothing(client: httpx.Client, name: str, body: Any) -> None:
    client.post("_sim/faults", json={"receipt_mode": "errors", "receipt_error_code": "E31"})
    before = client.get("_sim/faults").json()
    r = _post(client, name, body)
    assert r.status_code == 400, r.text
    assert r.json()["resourceType"] == "OperationOutcome" and r.json()["issue"][0]["diagnostics"]
    assert client.get("_sim/faults").json() == before


def test_a_body_that_is_not_json_is_400(client: httpx.Client) -> None:
    r = client.post("_sim/faults/reject", content=b"{code", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    ("name", "body", "status", "errors"),
    [
        ("reject", {"code": "E21"}, "2", ["E21"]),
        ("reject", {"code": "E53"}, "2", ["E53"]),
        ("receipt-errors", {"code": "E35"}, "3", ["E35"]),
        ("receipts-ok", None, "1", []),
    ],
)
def test_receipt_outcomes(
    sim: SimServer, client: httpx.Client, clock: FakeClock, name: str, body: Any, status: str, errors: list[str]
) -> None:
    assert _post(client, name, body).status_code == 200
    cid = _send_one(client, "n-1")
    _deliver(sim, clock)
    (rec,) = receipts_of(client, cid)
    assert _status_and_errors(rec) == (status, errors)
    assert rec["statusReason"]["coding"][0]["display"] == codes.APPREC_STATUS_TEXTS[status]
    assert [c["coding"][0]["display"] for c in rec.get("reasonCode", [])] == [
        codes.APPREC_ERROR_TEXTS[e] for e in errors
    ]
    truth = client.get("_sim/receipts").json()
    assert truth["receipted"] == {f"Communication/{cid}": {"receipt": f"Communication/{rec['id']}",
                                                          "status": status, "errors": errors}}


def test_never_receipt_then_back_to_normal(sim: SimServer, client: httpx.Client, clock: FakeClock) -> None:
    assert _post(client, "never-receipt").json()["receipt_mode"] == "none"
    silent = _send_one(client, "n-1")
    _deliver(sim, clock)
    run_recipients(sim, clock, 100_000.0)
    assert receipts_of(client, silent) == []
    assert client.get(f"Communication/{silent}").json().get("received")  # transported, never receipted
    truth = client.get("_sim/receipts").json()
    assert truth["receipted"] == {} and list(truth["transported"]) == [f"Communication/{silent}"]
    assert _post(client, "receipts-ok").json()["receipt_mode"] == "ok"
    answered = _send_one(client, "n-2")
    _deliver(sim, clock)
    assert len(receipts_of(client, answered)) == 1
    assert receipts_of(client, silent) == []  # the one sent while nobody answered stays unanswered
    assert set(client.get("_sim/receipts").json()["receipted"]) == {f"Communication/{answered}"}


def test_transport_that_never_acknowledges(sim: SimServer, client: httpx.Client, clock: FakeClock) -> None:
    assert _post(client, "transport-never-acks", {"on": True}).json()["transport_never_acks"] is True
    stuck = _send_one(client, "n-1")
    _deliver(sim, clock)
    run_recipients(sim, clock, 100_000.0)
    assert "received" not in client.get(f"Communication/{stuck}").json()
    assert receipts_of(client, stuck) == []
    assert client.get("_sim/receipts").json() == {"receipted": {}, "transported": {}, "pending": 0}
    assert _post(client, "transport-never-acks", {"on": False}).json()["transport_never_acks"] is False
    moving = _send_one(client, "n-2")
    _deliver(sim, clock)
    assert client.get(f"Communication/{moving}").json()["received"]
    assert len(receipts_of(client, moving)) == 1
    truth = client.get("_sim/receipts").json()
    assert set(truth["transported"]) == set(truth["receipted"]) == {f"Communication/{moving}"}
    assert truth["transported"][f"Communication/{moving}"] == client.get(f"Communication/{moving}").json()["received"]


def test_late_receipts_for_the_next_n(sim: SimServer, client: httpx.Client, clock: FakeClock) -> None:
    r = _post(client, "late-receipts", {"next": 2, "seconds": 900})
    assert (r.json()["late_receipts_next"], r.json()["late_receipt_seconds"]) == (2, 900)
    late = [_send_one(client, f"n-{i}") for i in range(2)]
    normal = _send_one(client, "n-9")
    run_recipients(sim, clock, 1.0)  # all three transported; the two late ones took the knob
    assert sim.faults.late_receipts_next == 0
    run_recipients(sim, clock, 100.0)
    assert [len(receipts_of(client, c)) for c in [*late, normal]] == [0, 0, 1]
    assert client.get("_sim/receipts").json()["pending"] == 2
    run_recipients(sim, clock, 798.0)  # t = 899 s; transported at 0.5 s, so due at 900.5 s
    assert [len(receipts_of(client, c)) for c in late] == [0, 0]
    run_recipients(sim, clock, 2.0)
    assert [len(receipts_of(client, c)) for c in late] == [1, 1]
    assert client.get("_sim/receipts").json()["pending"] == 0


def test_ground_truth_matches_what_is_on_the_platform(sim: SimServer, client: httpx.Client, clock: FakeClock) -> None:
    """Several notes under different knobs: _sim/receipts names exactly the receipts a search finds."""
    plan = [
        ("receipts-ok", None),
        ("reject", {"code": "E31"}),
        ("receipt-errors", {"code": "E36"}),
        ("never-receipt", None),
    ]
    sent: dict[str, tuple[str, list[str]] | None] = {}
    for i, (name, body) in enumerate(plan):
        _post(client, name, body)
        cid = _send_one(client, f"n-{i}")
        _deliver(sim, clock)
        sent[f"Communication/{cid}"] = {"receipts-ok": ("1", []), "reject": ("2", ["E31"]),
                                        "receipt-errors": ("3", ["E36"])}.get(name)
    _post(client, "receipts-ok")
    unknown = _send_one(client, "n-x", to="Practitioner/nobody")  # E21 whatever the mode
    _deliver(sim, clock)
    sent[f"Communication/{unknown}"] = ("2", ["E21"])
    truth = client.get("_sim/receipts").json()["receipted"]
    assert set(truth) == {ref for ref, want in sent.items() if want is not None}
    for ref, want in sent.items():
        found = receipts_of(client, ref.split("/")[1])
        if want is None:
            assert found == [] and ref not in truth
            continue
        (rec,) = found
        assert truth[ref] == {"receipt": f"Communication/{rec['id']}", "status": want[0], "errors": want[1]}
        assert _status_and_errors(rec) == want
