"""The headless writes: ``legevakt do`` and ``legevakt outbox``, and pending writes in the sync document."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from legevakt.app.runtime import Runtime, state_json
from legevakt.app.settings import load
from legevakt.sim import SimServer
from legevakt.sync.mapping import encounter_from_fhir
from legevakt.worklist.commands import CommandKind, make_command
from legevakt.worklist.triage import MTS
from tests.cli.conftest import Run

DEAD = "http://127.0.0.1:9/fhir"


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=4, initial_patients=4)


def where(sim: SimServer, data: Path, platform: str | None = None) -> list[str]:
    return ["--platform", platform or sim.base_url, "--location", sim.clinic_ref, "--data-dir", str(data)]


def synced(run: Run, sim: SimServer, data: Path) -> dict[str, Any]:
    code, out, err = run("sync", "--once", "--json", *where(sim, data))
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def outbox(run: Run, data: Path, *flags: str) -> list[dict[str, Any]]:
    code, out, err = run("outbox", "--json", "--data-dir", str(data), *flags)
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def on_platform(sim: SimServer, ref: str) -> Any:
    resource = sim.clinic.read(ref)
    assert resource is not None
    return encounter_from_fhir(resource, clinic_ref=sim.clinic_ref, scale=MTS)


def one_line(err: str) -> bool:
    return err.startswith("legevakt: ") and err.count("\n") == 1


def test_do_queues_one_command_per_field_in_order_and_applies_them(run: Run, sim: SimServer, tmp_path: Path) -> None:
    ref = sim.clinic.admit()
    synced(run, sim, tmp_path)
    room, nurse = sim.clinic.rooms[0][0], sim.clinic.nurses[0].ref
    code, out, err = run("do", ref, "--by", "sykepleier-1", "--state", "triaged", "--nurse", nurse,
                         "--room", room, "--triage", "orange", "--json", *where(sim, tmp_path))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["applied"] is True and doc["pending_writes"] == 0
    assert [(r["field"], r["target"], r["outcome"]) for r in doc["results"]] == [
        ("triage", "orange", "applied"), ("room", room, "applied"), ("nurse", nurse, "applied"),
        ("state", "triaged", "applied")]
    assert [r["command"] for r in doc["results"]] == doc["queued"]
    platform = on_platform(sim, ref)
    assert (platform.triage, platform.room, platform.nurse, platform.status.value) == ("orange", room, nurse,
                                                                                       "triaged")
    rows = outbox(run, tmp_path, "--all")
    assert [(r["kind"], r["state"], r["created_by"]) for r in rows] == [
        ("set-triage", "applied", "sykepleier-1"), ("assign-room", "applied", "sykepleier-1"),
        ("assign-nurse", "applied", "sykepleier-1"), ("set-state", "applied", "sykepleier-1")]
    assert outbox(run, tmp_path) == []

    code, out, err = run("do", ref, "--by", "lege-1", "--state", "finished", "--disposition", "admitted",
                         *where(sim, tmp_path))
    assert code == 0, err
    assert "applied" in out and "finished:admitted" in out
    assert ref not in sim.clinic.list_items()
    doc = synced(run, sim, tmp_path)
    assert ref not in [r["encounter"] for r in doc["queue"]]
    assert doc["census"]["departed_by_reason"].get("admitted", 0) >= 1


def test_do_syncs_first_when_the_encounter_is_not_known_here(run: Run, sim: SimServer, tmp_path: Path) -> None:
    ref = sim.clinic.admit()
    code, _, err = run("do", ref, "--by", "n", "--triage", "green", *where(sim, tmp_path))
    assert code == 0, err
    assert on_platform(sim, ref).triage == "green"


@pytest.mark.parametrize(("flags", "message"), [
    (["--triage", "purple", "--room", "Location/lv-trondheim-rom-1"], "unknown triage code 'purple'"),
    (["--room", "Practitioner/x"], "the room must be a Location/<id> reference"),
    (["--doctor", "Location/x"], "the doctor must be a Practitioner/<id> reference"),
    (["--state", "onleave"], "cannot change from arrived to onleave"),
    (["--state", "finished"], "finishing needs a disposition"),
    (["--state", "finished", "--disposition", "beamed-up"], "unknown disposition 'beamed-up'"),
    (["--triage", "red", "--disposition", "home"], "--disposition goes with --state finished"),
    ([], "give at least one change"),
])
def test_bad_input_is_a_one_line_error_and_queues_nothing(run: Run, sim: SimServer, tmp_path: Path,
                                                          flags: list[str], message: str) -> None:
    ref = sim.clinic.admit()
    synced(run, sim, tmp_path)
    code, out, err = run("do", ref, "--by", "n", *flags, *where(sim, tmp_path))
    assert code == 1 and out == ""
    assert one_line(err) and message in err, err
    assert outbox(run, tmp_path, "--all") == []


@pytest.mark.parametrize(("ref", "message"), [
    ("Patient/p1", "the encounter must be a Encounter/<id> reference"),
    ("Encounter/not-at-this-clinic", "is not in this clinic's worklist"),
])
def test_an_encounter_that_is_not_ours_is_a_one_line_error(run: Run, sim: SimServer, tmp_path: Path, ref: str,
                                                           message: str) -> None:
    code, _, err = run("do", ref, "--by", "n", "--triage", "red", *where(sim, tmp_path))
    assert code == 1 and one_line(err) and message in err, err
    assert "nothing queued" in err


def test_a_conflict_exits_3_and_raises_write_conflict(run: Run, sim: SimServer, tmp_path: Path) -> None:
    ref = sim.clinic.admit()
    synced(run, sim, tmp_path)
    sim.clinic.triage(ref, "yellow")  # someone else, after our last sync
    code, out, err = run("do", ref, "--by", "n", "--triage", "red", *where(sim, tmp_path))
    assert code == 3
    assert one_line(err) and "the triage change is in conflict" in err and "theirs yellow" in err
    assert "conflict" in out
    code, out, _ = run("alerts", "--json", "--data-dir", str(tmp_path))
    (alert,) = [a for a in json.loads(out) if a["kind"] == "WRITE_CONFLICT"]
    assert alert["severity"] == "critical" and alert["encounter"] == ref
    assert "ours red" in alert["detail"] and "theirs yellow" in alert["detail"]
    assert on_platform(sim, ref).triage == "yellow"


def test_a_refusal_exits_3_with_the_platforms_text(run: Run, sim: SimServer, tmp_path: Path) -> None:
    ref = sim.clinic.admit()
    synced(run, sim, tmp_path)
    sim.faults.reject_writes_next = 1
    code, _, err = run("do", ref, "--by", "n", "--triage", "red", "--json", *where(sim, tmp_path))
    assert code == 3 and one_line(err)
    assert "refused by the platform: HTTP 422: write rejected by the platform" in err
    code, out, _ = run("alerts", "--json", "--data-dir", str(tmp_path))
    (alert,) = [a for a in json.loads(out) if a["kind"] == "WRITE_NOT_APPLIED"]
    assert alert["severity"] == "critical" and "simulated business rule" in alert["detail"]
    assert [r["state"] for r in outbox(run, tmp_path, "--all")] == ["refused"]


def test_an_unreachable_platform_keeps_the_change_pending_until_the_next_sync(run: Run, sim: SimServer,
                                                                              tmp_path: Path) -> None:
    ref = sim.clinic.admit()
    synced(run, sim, tmp_path)
    code, out, err = run("do", ref, "--by", "n", "--triage", "blue", *where(sim, tmp_path, DEAD))
    assert code == 3 and one_line(err) and "still pending" in err
    assert "Pending writes: 1" in out
    (row,) = outbox(run, tmp_path)
    assert (row["encounter"], row["target"], row["state"], row["attempts"]) == (ref, "blue", "pending", 1)
    assert "Cannot reach the platform" in row["last_error"]
    code, out, _ = run("outbox", "--data-dir", str(tmp_path))
    assert ref in out and "blue" in out

    doc = synced(run, sim, tmp_path)  # the next sync sends it first
    assert doc["pending_writes"] == 0
    assert on_platform(sim, ref).triage == "blue"
    assert next(r for r in doc["queue"] if r["encounter"] == ref)["triage"] == "blue"
    assert outbox(run, tmp_path) == []


def test_pending_writes_show_per_row_in_the_link_and_the_sync_document(sim: SimServer, tmp_path: Path) -> None:
    settings = load(tmp_path / "none.toml", {"platform": sim.base_url, "location": sim.clinic_ref,
                                             "data_dir": str(tmp_path / "data")})
    ref = sim.clinic.admit()
    runtime = Runtime.open(settings)
    try:
        outcome = runtime.engine.cycle()
        entry = runtime.engine.state.entries[ref]
        for kind, target in [(CommandKind.ASSIGN_ROOM, sim.clinic.rooms[6][0]),
                             (CommandKind.ASSIGN_DOCTOR, sim.clinic.doctors[0].ref)]:
            command = make_command(runtime.engine.state.entries[ref], kind, target, by="n", now=outcome.at,
                                   scale=MTS)
            runtime.engine.submit(command)
        assert runtime.pending_by_encounter() == {ref: 2}
        link = runtime.link(outcome)
        assert link.pending_writes == 2
        doc = state_json(runtime.engine.state, settings, complete=True, synced_at=outcome.at, link=link,
                         pending=runtime.pending_by_encounter())
        assert doc["pending_writes"] == 2
        rows = {r["encounter"]: r for r in doc["queue"]}
        assert rows[ref]["pending"] == 2 and rows[ref]["room"] == sim.clinic.rooms[6][0]
        assert all(r["pending"] == 0 for k, r in rows.items() if k != ref)
        assert entry.encounter.room != rows[ref]["room"]  # the optimistic local effect shows at once

        runtime.engine.cycle()
        assert runtime.pending_by_encounter() == {}
        assert runtime.link(outcome).pending_writes == 0
    finally:
        runtime.close()
