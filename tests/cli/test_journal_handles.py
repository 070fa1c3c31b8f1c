"""``note``/``send``/``deliveries`` as a reviewer drove them: offline sends, the identifier as a handle,
the ledger for a person, and signing twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from legevakt.sim import SimServer
from tests.cli.conftest import Run

DOCTOR = "Practitioner/doc-handles-1"
OTHER = "Practitioner/doc-handles-2"
UNREACHABLE = "http://127.0.0.1:1/fhir"


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    server = make_sim(seed=3, initial_patients=4)
    server.faults.apply({"transport_delay_seconds": 0, "receipt_delay_seconds": 0})
    return server


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def where(sim: SimServer, data: Path) -> list[str]:
    return ["--platform", sim.base_url, "--location", sim.clinic_ref, "--data-dir", str(data)]


@pytest.fixture
def offline(sim: SimServer, data: Path) -> list[str]:
    return ["--platform", UNREACHABLE, "--location", sim.clinic_ref, "--data-dir", str(data)]


def _json(run: Run, *argv: str, code: int = 0) -> Any:
    got, out, err = run(*argv, "--json")
    assert got == code, err
    return json.loads(out)


def _encounter(sim: SimServer) -> str:
    return sorted(sim.clinic.active_encounters())[0]


def _signed_note(run: Run, sim: SimServer, where: list[str]) -> str:
    _json(run, "sync", "--once", *where)
    return str(_json(run, "note", _encounter(sim), "--by", DOCTOR, "--text", "Sår sydd", "--sign", *where)["note"])


# -- 3. sending again while in flight, offline: the ledger answers ----------------------------------

def test_sending_again_offline_while_in_flight_returns_the_same_communication(
        run: Run, sim: SimServer, where: list[str], offline: list[str]) -> None:
    note = _signed_note(run, sim, where)
    sent = _json(run, "send", note, "--by", DOCTOR, *where)
    assert sent["created"] is True
    comms = _sending(sim, note)
    assert comms == 1

    again = _json(run, "send", note, "--by", DOCTOR, *offline)  # no --to: the GP cannot be read offline

    assert again["communication"] == sent["communication"] and again["created"] is False
    assert again["recipient"] == sent["recipient"]
    assert _sending(sim, note) == comms  # the oracle: nothing more sent on the platform


def _sending(sim: SimServer, note: str) -> int:
    """Communications on the platform that carry ``note`` (not the receipts that answer them)."""
    return sum(1 for c in sim.store.live("Communication")
               if any(p.get("contentReference", {}).get("reference") == note for p in c.get("payload") or []))


def test_a_first_send_offline_without_to_still_says_the_gp_cannot_be_read(
        run: Run, sim: SimServer, where: list[str], offline: list[str]) -> None:
    note = _signed_note(run, sim, where)
    code, out, err = run("send", note, "--by", DOCTOR, *offline)
    assert code == 1 and out == "" and "give --to" in err


# -- 4. the identifier: the handle of a note the platform does not have yet --------------------------

def test_a_queued_note_is_pending_and_its_identifier_signs_and_sends_it(
        run: Run, sim: SimServer, where: list[str], offline: list[str]) -> None:
    _json(run, "sync", "--once", *where)
    queued = _json(run, "note", _encounter(sim), "--by", DOCTOR, "--text", "Skrevet offline", *offline, code=3)
    assert queued["note"] is None and queued["pending"] is True and queued["on_platform"] is False
    handle = queued["identifier"]

    _json(run, "sync", "--once", *where)  # the outbox goes with the next sync
    signed = _json(run, "note", "--sign", handle, "--by", DOCTOR, *where)
    assert signed["status"] == "final" and signed["pending"] is False and signed["identifier"] == handle
    assert sim.store.read_copy(signed["note"])["docStatus"] == "final"  # the oracle
    sent = _json(run, "send", handle, "--by", DOCTOR, *where)
    assert sent["communication"].startswith("Communication/") and sent["created"] is True


def test_a_note_the_platform_refused_is_not_pending(run: Run, sim: SimServer, where: list[str]) -> None:
    _json(run, "sync", "--once", *where)
    sim.faults.apply({"reject_writes_next": 1})
    refused = _json(run, "note", _encounter(sim), "--by", DOCTOR, "--text", "Avvist", *where, code=3)
    assert refused["note"] is None and refused["pending"] is False and refused["on_platform"] is False
    on_platform = _json(run, "note", _encounter(sim), "--by", DOCTOR, "--text", "Godtatt", *where)
    assert on_platform["pending"] is False and on_platform["on_platform"] is True


# -- 5. deliveries for a person: clinic time, names, the patient masked ------------------------------

def test_the_ledger_text_is_in_clinic_time_with_the_recipient_named_and_the_patient_masked(
        run: Run, sim: SimServer, where: list[str], tmp_path: Path) -> None:
    note = _signed_note(run, sim, where)
    doctors = {(e.encounter.doctor, e.encounter.doctor_name) for e in _entries(tmp_path / "data")
               if e.encounter.doctor and e.encounter.doctor_name}
    doctor, name = sorted(doctors)[0]
    sent = _json(run, "send", note, "--by", DOCTOR, "--to", doctor, *where)
    config = tmp_path / "config.toml"
    config.write_text('time_zone = "Asia/Tokyo"\n', encoding="utf-8")  # not the default: read from the settings

    code, out, err = run("deliveries", "--config", str(config), *where)
    assert code == 0, err
    (line,) = out.splitlines()
    (row,) = _json(run, "deliveries", *where)  # JSON unchanged: UTC instants, ids
    assert row["deadline"].endswith("+00:00")

    tokyo = ZoneInfo("Asia/Tokyo")
    deadline = datetime.fromisoformat(row["deadline"]).astimezone(tokyo)
    today = datetime.now(tokyo).date()
    expected = deadline.strftime("%H:%M") if deadline.date() == today else deadline.strftime("%d.%m. %H:%M")
    assert f"deadline {expected}" in line
    assert "+00:00" not in line and row["deadline"][:19] not in line  # no UTC instants
    assert f"to {name} ({doctor})" in line
    patient = sim.store.read_copy(row["patient"])
    nin = next(i["value"] for i in patient["identifier"] if len(i.get("value", "")) == 11)
    assert f"patient {nin[:6]} *****" in line and nin not in line
    assert line.endswith(f"{note} {sent['communication']}")  # the ids last, for scripts


def _entries(data: Path) -> list[Any]:
    from legevakt.store.db import open_store

    store = open_store(data)
    try:
        return store.entries()
    finally:
        store.close()


# -- 6. signing twice ----------------------------------------------------------------------------------

def test_signing_a_signed_note_again_by_its_signer_changes_nothing_and_exits_0(
        run: Run, sim: SimServer, where: list[str]) -> None:
    note = _signed_note(run, sim, where)
    before = sim.store.read_copy(note)

    code, out, err = run("note", "--sign", note, "--by", DOCTOR, *where)
    assert code == 0, err
    assert "already signed" in out and "nothing changed" in out
    again = _json(run, "note", "--sign", note, "--by", DOCTOR, *where)
    assert again["status"] == "final" and again["on_platform"] is True and again["pending"] is False
    assert sim.store.read_copy(note) == before  # the oracle: the platform's copy untouched


def test_signing_a_note_someone_else_signed_is_refused(run: Run, sim: SimServer, where: list[str]) -> None:
    note = _signed_note(run, sim, where)
    code, out, _ = run("note", "--sign", note, "--by", OTHER, "--json", *where)
    assert code == 1
    error = json.loads(out)["error"]
    assert error["kind"] == "note-already-signed" and DOCTOR in error["message"]
    assert sim.store.read_copy(note)["authenticator"] == {"reference": DOCTOR}
