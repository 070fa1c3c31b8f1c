"""``legevakt note``, ``send`` and ``deliveries`` (and ``sync --json``'s deliveries): the pinned interface."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from legevakt.sim import SimServer
from tests.cli.conftest import Run

DOCTOR = "Practitioner/doc-cli-1"
DELIVERY_KEYS = {"note", "communication", "patient", "recipient", "state", "sent_at", "deadline", "receipt",
                 "resent_as"}


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    server = make_sim(seed=3, initial_patients=4)
    server.faults.apply({"transport_delay_seconds": 0, "receipt_delay_seconds": 0})
    return server


@pytest.fixture
def where(sim: SimServer, tmp_path: Path) -> list[str]:
    return ["--platform", sim.base_url, "--location", sim.clinic_ref, "--data-dir", str(tmp_path / "data")]


def _json(run: Run, *argv: str, code: int = 0) -> Any:
    got, out, err = run(*argv, "--json")
    assert got == code, err
    return json.loads(out)


def _encounter(sim: SimServer) -> str:
    return sorted(sim.clinic.active_encounters())[0]


def _settle(sim: SimServer, run: Run, where: list[str]) -> dict[str, Any]:
    for _ in range(3):
        sim.recipients.pump()
    _json(run, "sync", "--once", *where)
    return _json(run, "sync", "--once", *where)  # type: ignore[no-any-return]


def test_note_send_and_deliveries_follow_the_note_to_its_receipt(run: Run, sim: SimServer, where: list[str]) -> None:
    encounter = _encounter(sim)
    written = _json(run, "note", encounter, "--by", DOCTOR, "--text", "Sår sydd, kontroll om 10 dager.", "--sign",
                    *where)
    assert written["status"] == "final" and written["note"].startswith("DocumentReference/")
    on_platform = sim.store.read_copy(written["note"])
    assert on_platform is not None and on_platform["docStatus"] == "final"

    sent = _json(run, "send", written["note"], "--by", DOCTOR, *where)
    assert sent["communication"].startswith("Communication/") and sent["state"] in ("sent", "transported", "receipted")
    patient = sim.store.read_copy(encounter)["subject"]["reference"]
    gp = sim.store.read_copy(patient)["generalPractitioner"][0]["reference"]
    assert sent["recipient"] == gp

    doc = _settle(sim, run, where)
    (row,) = doc["deliveries"]
    assert set(row) == DELIVERY_KEYS
    assert row["state"] == "receipted" and row["communication"] == sent["communication"]
    assert row["receipt"] == {"status": "1", "errors": []} and row["resent_as"] is None
    assert row["patient"] == patient and row["note"] == written["note"]
    assert _json(run, "deliveries", *where) == doc["deliveries"]

    again = _json(run, "send", written["note"], "--by", DOCTOR, *where)  # receipted: nothing changes
    assert again["communication"] == sent["communication"] and again["created"] is False


def test_a_saved_note_is_signed_by_reference_and_an_unsigned_one_is_refused(
        run: Run, sim: SimServer, where: list[str]) -> None:
    saved = _json(run, "note", _encounter(sim), "--by", DOCTOR, "--text", "Foreløpig vurdering", *where)
    assert saved["status"] == "preliminary"
    code, out, err = run("send", saved["note"], "--by", DOCTOR, *where)
    assert code == 1 and "not signed" in err and out == ""
    signed = _json(run, "note", "--sign", saved["note"], "--by", DOCTOR, *where)
    assert signed == {**saved, "status": "final"}
    assert sim.store.read_copy(saved["note"])["authenticator"] == {"reference": DOCTOR}
    code, out, _ = run("note", "--sign", saved["note"], "--by", DOCTOR, *where)  # again, by its signer: a no-op
    assert code == 0 and "already signed" in out
    code, _, err = run("note", "--sign", saved["note"], "--by", "Practitioner/someone-else", *where)
    assert code == 1 and "already signed" in err


def test_a_rejected_note_is_resent_as_a_new_communication_on_a_second_send(
        run: Run, sim: SimServer, where: list[str]) -> None:
    note = _json(run, "note", _encounter(sim), "--by", DOCTOR, "--text", "Henvisning", "--sign", *where)["note"]
    sim.faults.apply({"receipt_mode": "reject", "receipt_error_code": "E21"})
    first = _json(run, "send", note, "--by", DOCTOR, "--to", "Organization/gpo-03", *where)
    doc = _settle(sim, run, where)
    (row,) = doc["deliveries"]
    assert row["state"] == "rejected"
    assert row["receipt"]["status"] == "2" and [e["code"] for e in row["receipt"]["errors"]] == ["E21"]
    assert row["receipt"]["errors"][0]["text"] == "Mottaker finnes ikke"
    (alert,) = [a for a in doc["alerts"] if a["kind"] == "NOTE_REJECTED"]
    assert alert["status"] == "open" and alert["severity"] == "critical"
    assert "E21 Mottaker finnes ikke" in alert["detail"]  # the reason, with the code list's Norwegian text

    sim.faults.apply({"receipt_mode": "ok"})
    resend = _json(run, "send", note, "--by", DOCTOR, "--to", "Organization/gpo-03", *where)
    assert resend["created"] is True and resend["communication"] != first["communication"]
    assert resend["resend_of"] == first["communication"]
    doc = _settle(sim, run, where)
    by_comm = {d["communication"]: d for d in doc["deliveries"]}
    assert by_comm[first["communication"]]["resent_as"] == resend["communication"]
    assert by_comm[resend["communication"]]["state"] == "receipted"
    assert not [a for a in doc["alerts"] if a["kind"] == "NOTE_REJECTED"]  # no longer open
    everything = _json(run, "alerts", "--status", "all", *where[4:])
    (alert,) = [a for a in everything if a["kind"] == "NOTE_REJECTED"]
    assert alert["status"] == "resolved" and alert["resolved_by"] is None


@pytest.mark.parametrize(("argv", "message"), [
    (["note", "Encounter/none-such", "--by", DOCTOR, "--text", "x"], "not in this clinic's worklist"),
    (["note", "ENC", "--by", "Patient/1", "--text", "x"], "Practitioner"),
    (["note", "ENC", "--by", DOCTOR, "--text", "   "], "needs text"),
    (["note", "ENC", "--by", DOCTOR], "--text"),
    (["send", "DocumentReference/unknown", "--by", DOCTOR], "no note"),
])
def test_bad_input_is_a_one_line_error_and_writes_nothing(
        run: Run, sim: SimServer, where: list[str], argv: list[str], message: str) -> None:
    argv = [_encounter(sim) if a == "ENC" else a for a in argv]
    before = len(list(sim.store.live("DocumentReference")))
    code, out, err = run(*argv, *where)
    assert code == 1 and message in err and out == ""
    assert len(err.strip().splitlines()) == 1
    assert len(list(sim.store.live("DocumentReference"))) == before


def test_an_unreachable_platform_leaves_the_note_queued_with_exit_3(
        run: Run, sim: SimServer, where: list[str]) -> None:
    encounter = _encounter(sim)
    _json(run, "sync", "--once", *where)
    sim.stop()
    code, out, err = run("note", encounter, "--by", DOCTOR, "--text", "Skrevet mens plattformen var nede",
                         "--sign", "--json", *where)
    assert code == 3 and "queued" in err
    doc = json.loads(out)
    assert doc["note"] is None and doc["status"] == "final" and doc["on_platform"] is False
    code, out, _ = run("outbox", "--json", *where[4:])
    assert code == 0 and len(json.loads(out)) == 1


def test_a_signature_the_platform_refused_is_exit_3_and_not_reported_signed(
        run: Run, sim: SimServer, where: list[str]) -> None:
    saved = _json(run, "note", _encounter(sim), "--by", DOCTOR, "--text", "Foreløpig vurdering", *where)
    sim.faults.apply({"reject_writes_next": 1})
    code, out, err = run("note", "--sign", saved["note"], "--by", DOCTOR, "--json", *where)
    assert sim.store.read_copy(saved["note"])["docStatus"] == "preliminary"  # the oracle
    assert code == 3 and "refused" in err and "next sync" not in err
    doc = json.loads(out)
    assert doc["status"] == "preliminary" and doc["on_platform"] is False
    code, _, err = run("send", saved["note"], "--by", DOCTOR, *where)
    assert code == 1 and "not signed" in err
    assert _json(run, "note", "--sign", saved["note"], "--by", DOCTOR, *where)["status"] == "final"  # again: ok


def test_a_write_the_platform_refused_says_refused_not_queued(run: Run, sim: SimServer, where: list[str]) -> None:
    encounter = _encounter(sim)
    sim.faults.apply({"reject_writes_next": 1})
    code, out, err = run("note", encounter, "--by", DOCTOR, "--text", "Avvist notat", "--sign", "--json", *where)
    assert code == 3 and "refused" in err and "next sync" not in err and "next sync" not in out
    assert json.loads(out)["note"] is None
    note = _json(run, "note", encounter, "--by", DOCTOR, "--text", "Henvisning", "--sign", *where)["note"]
    before = {a["id"] for a in _json(run, "alerts", *where[4:])}  # the refused note's write alert among them
    sim.faults.apply({"reject_writes_next": 1})
    code, out, err = run("send", note, "--by", DOCTOR, "--to", "Organization/gpo-03", "--json", *where)
    assert code == 3 and "refused" in err and "queued" not in err
    doc = json.loads(out)
    # not sent, said so: a state of its own (not "overdue"), nothing created, no deadline to wait for
    assert (doc["communication"], doc["state"], doc["created"], doc["deadline"]) == (None, "refused", False, None)
    assert not [c for c in sim.store.live("Communication") if c.get("about")]  # the oracle: nothing went
    alerts = [a for a in _json(run, "alerts", *where[4:]) if a["id"] not in before]
    assert [a["kind"] for a in alerts] == ["NOTE_UNDELIVERED"]  # one alert, not a write alert on top
    (alert,) = [a for a in alerts if a["kind"] == "NOTE_UNDELIVERED"]
    assert "refused" in alert["detail"] and "deadline" not in alert["detail"]
    again = _json(run, "send", note, "--by", DOCTOR, "--to", "Organization/gpo-03", *where)  # a resend at once
    assert again["created"] is True and again["communication"].startswith("Communication/")


def test_the_usual_options_may_stand_before_the_command(run: Run, sim: SimServer, where: list[str]) -> None:
    before = _json(run, *where, "sync", "--once")
    after = _json(run, "sync", "--once", *where)
    assert {r["encounter"] for r in before["queue"]} == {r["encounter"] for r in after["queue"]} == set(
        sim.clinic.active_encounters())
    code, out, err = run(*where, "deliveries", "--json")
    assert code == 0 and json.loads(out) == [], err
