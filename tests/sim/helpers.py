"""Shared helpers for the simulator tests."""

from __future__ import annotations

from typing import Any

import httpx

from legevakt.sim import SimServer

NOTE_KIND = {"system": "urn:legevakt:codesystem:message-kind", "code": "note"}
APPREC = {"system": "urn:legevakt:codesystem:message-kind", "code": "apprec"}


def search_all(
    client: httpx.Client, url: str, params: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follow next links to the end; returns (bundles, match entries)."""
    bundles: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    r = client.get(url, params=params)
    while True:
        assert r.status_code == 200, r.text
        b = r.json()
        bundles.append(b)
        entries.extend(e for e in b.get("entry", []) if e.get("search", {}).get("mode", "match") == "match")
        nxt = [link["url"] for link in b.get("link", []) if link["relation"] == "next"]
        if not nxt:
            return bundles, entries
        assert len(bundles) < 500
        r = client.get(nxt[0])


class FakeClock:
    """The recipients' clock in tests (the ``clock`` fixture installs one): moved by ``run_recipients``."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def run_recipients(sim: SimServer, clock: FakeClock, seconds: float) -> None:
    clock.t += seconds
    sim.recipients.pump()


def patient_with_gp(client: httpx.Client) -> dict[str, Any]:
    _, entries = search_all(client, "Patient", {"_count": "50"})
    patients = [e["resource"] for e in entries]
    assert patients and all(p.get("generalPractitioner") for p in patients)
    return patients[0]


def send_note(client: httpx.Client, patient: dict[str, Any], to: str, ident: str = "req-1") -> httpx.Response:
    """Create a sent note's Communication as the client does (If-None-Exist on its identifier)."""
    body = {
        "resourceType": "Communication",
        "identifier": [{"system": "urn:legevakt:client-request", "value": ident}],
        "status": "in-progress",
        "category": [{"coding": [NOTE_KIND]}],
        "subject": {"reference": f"Patient/{patient['id']}"},
        "sent": "2026-03-01T18:00:00Z",
        "sender": {"reference": "Practitioner/d1"},
        "recipient": [{"reference": to}],
        "payload": [{"contentReference": {"reference": "DocumentReference/n1"}}],
    }
    headers = {"If-None-Exist": f"identifier=urn:legevakt:client-request|{ident}"}
    return client.post("Communication", json=body, headers=headers)


def receipts_of(client: httpx.Client, comm_id: str) -> list[dict[str, Any]]:
    """The receipts on the platform for one sent Communication (``part-of``)."""
    _, entries = search_all(client, "Communication", {"part-of": f"Communication/{comm_id}"})
    return [e["resource"] for e in entries]
