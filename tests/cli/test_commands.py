"""The headless commands: sync --once --json, alerts (list, ack, resolve) and census."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from legevakt.sim import SimServer
from tests.cli.conftest import Run


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=3, initial_patients=10)


def sync_json(run: Run, sim: SimServer, data: Path) -> dict[str, object]:
    code, out, err = run("sync", "--once", "--json", "--platform", sim.base_url, "--location", sim.clinic_ref,
                         "--data-dir", str(data))
    assert code == 0, err
    doc: dict[str, object] = json.loads(out)
    return doc


def test_sync_once_prints_the_queue_alerts_and_the_census_the_simulator_knows(
        run: Run, sim: SimServer, tmp_path: Path) -> None:
    doc = sync_json(run, sim, tmp_path)
    truth = sim.clinic.ground_truth()  # the oracle: what the platform itself holds
    assert doc["complete"] is True
    queue = doc["queue"]
    assert isinstance(queue, list)
    assert {row["encounter"] for row in queue} == set(sim.clinic.active_encounters())
    row = queue[0]
    assert set(row) >= {"encounter", "patient", "state", "triage"}
    census = doc["census"]
    assert isinstance(census, dict)
    here = [ref for ref, outcome in truth.items() if outcome.fate == "present"]
    # A first sync sees the patients in the queue now; those who left before it were never ours to count.
    assert {k: census[k] for k in ("arrived", "departed", "present", "dropped", "carried_over")} == {
        "arrived": len(here), "departed": 0, "present": len(here), "dropped": 0, "carried_over": 0}
    # The shift's census carries over who was here when the shift began (by the platform's arrival times).
    shift = doc["census_shift"]
    assert isinstance(shift, dict)
    start = datetime.fromisoformat(shift["start"])
    before = sum(1 for ref in here if truth[ref].arrived_at < start)
    assert {k: shift[k] for k in ("carried_over", "arrived", "departed", "present", "dropped")} == {
        "carried_over": before, "arrived": len(here) - before, "departed": 0, "present": len(here), "dropped": 0}
    assert "synced_at" in doc


def test_two_runs_on_one_data_directory_see_a_drop_between_them(run: Run, sim: SimServer, tmp_path: Path) -> None:
    sync_json(run, sim, tmp_path)
    victim = sorted(sim.clinic.list_items())[2]
    resp = httpx.post(f"{sim.base_url}/_sim/faults/drop-from-list", json={"encounter": victim})
    assert resp.status_code == 200

    doc = sync_json(run, sim, tmp_path)

    alerts = [a for a in doc["alerts"] if a["kind"] == "DROPPED_FROM_QUEUE"]  # type: ignore[attr-defined]
    assert [(a["encounter"], a["severity"], a["status"]) for a in alerts] == [(victim, "critical", "open")]
    dropped = [r for r in doc["queue"] if r["fate"] == "dropped"]  # type: ignore[attr-defined]
    assert [r["encounter"] for r in dropped] == [victim]
    assert doc["census"]["dropped"] == 1  # type: ignore[index]


def test_an_unreachable_platform_is_a_one_line_error_beside_the_stored_document(run: Run, tmp_path: Path) -> None:
    code, out, err = run("sync", "--once", "--json", "--platform", "http://127.0.0.1:9/fhir",
                         "--location", "Location/x", "--data-dir", str(tmp_path))
    assert code == 4  # not synced: what is printed is what is stored here (tests/cli/test_sync_offline.py)
    assert json.loads(out)["complete"] is False
    assert err.startswith("legevakt: cannot reach the platform") and err.count("\n") == 1


def test_a_server_that_is_not_fhir_is_a_one_line_error(run: Run, sim: SimServer, tmp_path: Path) -> None:
    sim.faults.malformed_rate = 1.0
    code, _, err = run("sync", "--once", "--platform", sim.base_url, "--location", sim.clinic_ref,
                       "--data-dir", str(tmp_path))
    assert code == 1
    assert "does not look like a FHIR R4 server" in err


def test_missing_platform_or_location_is_a_clear_error(run: Run, tmp_path: Path) -> None:
    code, _, err = run("sync", "--once", "--data-dir", str(tmp_path))
    assert code == 1 and "--platform" in err


def test_a_drop_is_acknowledged_and_resolved_from_the_command_line(run: Run, sim: SimServer, tmp_path: Path) -> None:
    sync_json(run, sim, tmp_path)
    seen = {ref: o.arrived_at for ref, o in sim.clinic.ground_truth().items() if o.fate == "present"}
    victim = sorted(sim.clinic.list_items())[0]
    sim.clinic.drop_from_list(victim)
    sync_json(run, sim, tmp_path)
    code, out, _ = run("alerts", "--json", "--data-dir", str(tmp_path))
    assert code == 0
    alert = next(a for a in json.loads(out) if a["kind"] == "DROPPED_FROM_QUEUE")

    code, _, err = run("alerts", "ack", alert["id"], "--by", "sykepleier", "--data-dir", str(tmp_path))
    assert code == 1 and "comment is required" in err and err.count("\n") == 1

    code, out, _ = run("alerts", "ack", alert["id"], "--by", "sykepleier", "--comment", "ringer IT",
                       "--json", "--data-dir", str(tmp_path))
    assert code == 0
    acked = json.loads(out)
    assert (acked["status"], acked["acknowledged_by"], acked["ack_comment"]) == ("acknowledged", "sykepleier",
                                                                               "ringer IT")

    code, out, _ = run("alerts", "resolve", alert["id"], "--by", "vaktleder", "--reason", "pasienten dro hjem",
                       "--json", "--data-dir", str(tmp_path))
    assert code == 0
    assert json.loads(out)["status"] == "resolved"

    code, _, err = run("alerts", "ack", alert["id"], "--by", "x", "--comment", "y", "--data-dir", str(tmp_path))
    assert code == 1 and "already resolved" in err

    code, out, _ = run("census", "--json", "--data-dir", str(tmp_path))
    census = json.loads(out)
    assert census["balances"] is True
    # Hand count from the simulator's arrival times: everyone seen at the first sync who arrived before this
    # shift was here when it began (the frozen clinic lets nobody leave), the rest arrived in it; the
    # resolved drop left during the shift (closed by a person), whichever it was.
    start, end = datetime.fromisoformat(census["start"]), datetime.fromisoformat(census["end"])
    carried = {ref for ref, at in seen.items() if at < start}
    in_shift = {ref for ref, at in seen.items() if start <= at < end}
    assert (census["carried_over"], census["arrived"], census["departed"], census["present"],
            census["dropped"]) == (len(carried), len(in_shift), 1, len(carried) + len(in_shift) - 1, 0)
    assert census["departed_by_reason"] == {"closed-by-user": 1}


def test_an_unknown_alert_id_changes_nothing(run: Run, sim: SimServer, tmp_path: Path) -> None:
    sync_json(run, sim, tmp_path)
    _, before, _ = run("alerts", "--json", "--status", "all", "--data-dir", str(tmp_path))
    code, _, err = run("alerts", "resolve", "AL-999999", "--by", "x", "--reason", "y", "--data-dir", str(tmp_path))
    assert code == 1 and "no alert with id AL-999999" in err
    _, after, _ = run("alerts", "--json", "--status", "all", "--data-dir", str(tmp_path))
    assert before == after


def test_census_rejects_a_malformed_shift(run: Run, tmp_path: Path) -> None:
    code, _, err = run("census", "--shift", "lunch@2026-01-01", "--data-dir", str(tmp_path))
    assert code == 1 and "--shift" in err


@pytest.mark.parametrize(("spec", "words"), [
    ("night@9999-12-31", "out of range"),  # the night would end in the year 10000
    ("day@9999-12-31", "out of range"),
    ("day@0001-01-01", "out of range"),
    ("foo@2026-13-01", "NAME one of day, evening, night"),
    ("night@2026-13-01", "is not YYYY-MM-DD"),
    ("night@2026-02-30", "is not YYYY-MM-DD"),
    ("night@", "NAME@YYYY-MM-DD"),
    ("@2026-01-01", "NAME@YYYY-MM-DD"),
    ("yesterday", "NAME@YYYY-MM-DD"),
    ("night@99999-01-01", "is not YYYY-MM-DD"),
])
def test_a_shift_out_of_range_or_malformed_is_one_line_and_exit_1(run: Run, tmp_path: Path, spec: str,
                                                                 words: str) -> None:
    for extra in ((), ("--json",)):
        code, out, err = run("census", "--shift", spec, *extra, "--data-dir", str(tmp_path))
        assert code == 1
        assert err.startswith("legevakt: --shift") and words in err and err.count("\n") == 1, err
        assert "Traceback" not in err
        if extra:  # with --json the same words as a JSON error object (tests/cli/test_json_errors.py)
            assert json.loads(out)["error"]["message"] == err.removeprefix("legevakt: ").rstrip("\n")
        else:
            assert out == ""


def test_the_last_whole_shift_of_the_calendar_is_counted(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("census", "--shift", "night@9999-12-30", "--json", "--data-dir", str(tmp_path))
    assert code == 0
    doc = json.loads(out)
    assert (doc["start"], doc["end"]) == ("9999-12-30T23:00:00+01:00", "9999-12-31T07:00:00+01:00")
    assert (doc["carried_over"], doc["arrived"], doc["balances"]) == (0, 0, True)


def test_without_a_display_the_app_says_what_to_do(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run()
    assert code == 1 and "no display" in err and "--screenshot" in err


def test_a_reader_that_goes_away_ends_the_listing_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    # Many lines, and a reader that closes its end after the first: no traceback, the pipe's exit code.
    script = ("import sys\nimport legevakt.cli as c\n"
              "c._RUN['alerts'] = lambda args: [print('x' * 100) for _ in range(100_000)] and 0\n"
              f"sys.exit(c.main(['alerts', '--data-dir', {str(tmp_path)!r}]))\n")
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err
