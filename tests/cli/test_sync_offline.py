"""``sync --once`` with the platform out of reach: the same document, from what is stored, said incomplete.

The product's rule: when it cannot know, it says so and infers nothing. So an unreachable platform is not
an empty answer (nobody has left) and not a missing document (a script still gets the queue it had).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from legevakt.sim import SimServer
from tests.cli.conftest import Run

UNREACHABLE = "http://127.0.0.1:1/fhir"  # nothing listens on port 1: refused at once


def _sync(run: Run, platform: str, location: str, data: Path) -> tuple[int, Any, str]:
    code, out, err = run("sync", "--once", "--json", "--platform", platform, "--location", location,
                         "--data-dir", str(data))
    return code, json.loads(out) if out else None, err


def test_an_unreachable_platform_prints_the_stored_queue_said_incomplete_with_exit_4(
        run: Run, sim: SimServer, tmp_path: Path) -> None:
    code, online, err = _sync(run, sim.base_url, sim.clinic_ref, tmp_path)
    assert code == 0 and online["complete"] is True, err
    present = {ref for ref, o in sim.clinic.ground_truth().items() if o.fate == "present"}  # the oracle

    code, offline, err = _sync(run, UNREACHABLE, sim.clinic_ref, tmp_path)

    assert code == 4
    assert set(offline) == set(online)  # the same stable document, key for key
    assert offline["complete"] is False and offline["link"] == "offline"
    assert [p["kind"] for p in offline["problem_kinds"]] == ["platform-unreachable"]
    assert len(offline["problems"]) == 1
    assert offline["last_complete_at"] == online["last_complete_at"]  # the age of what is shown
    # Nothing inferred from the missing answer: the same patients, nobody dropped, no new alert.
    assert {r["encounter"] for r in offline["queue"]} == present
    assert all(r["fate"] != "dropped" for r in offline["queue"])
    assert offline["alerts"] == online["alerts"] and offline["census"] == online["census"]
    assert err.startswith("legevakt: cannot reach the platform") and err.count("\n") == 1


def test_an_unreachable_platform_on_a_new_store_is_an_empty_document_that_knows_nothing(
        run: Run, tmp_path: Path) -> None:
    code, doc, _ = _sync(run, UNREACHABLE, "Location/x", tmp_path)
    assert code == 4
    assert doc["complete"] is False and doc["last_complete_at"] is None
    assert doc["queue"] == [] and doc["deliveries"] == []
    assert [p["kind"] for p in doc["problem_kinds"]] == ["platform-unreachable"]


def test_without_json_the_text_says_not_synced_and_shows_what_is_stored(
        run: Run, sim: SimServer, tmp_path: Path) -> None:
    assert _sync(run, sim.base_url, sim.clinic_ref, tmp_path)[0] == 0
    code, out, err = run("sync", "--once", "--platform", UNREACHABLE, "--location", sim.clinic_ref,
                         "--data-dir", str(tmp_path))
    assert code == 4
    first, second = out.splitlines()[:2]
    assert first.startswith("NOT synced") and "INCOMPLETE" in first
    assert second == f"Queue: {len(sim.clinic.active_encounters())} entries"
    assert "cannot reach the platform" in err
