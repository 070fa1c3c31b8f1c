"""People's text on the command line (issue 11): ``--by``, ``--comment``, ``--reason`` and a note's text
have limits (a clear error, nothing changed), and control characters are neutralised when stored and when
``alerts`` prints them, so a terminal escape given in ``--by`` never reaches another person's terminal.

Oracle: the database file read with ``sqlite3`` before and after, and hand-written expected strings.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from legevakt.journal.model import new_note
from legevakt.problems import ProblemError, ProblemKind
from legevakt.sim import SimServer
from legevakt.store.engine import FILE_NAME
from tests.cli.conftest import Run
from tests.cli.test_store_faults import dump, open_alert, sync_args

ESC, CSI, BEL, RLO = "\x1b", "\x9b", "\x07", "\u202e"
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=3, initial_patients=8)


@pytest.fixture
def synced(run: Run, sim: SimServer, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    assert run(*sync_args(sim, data))[0] == 0
    sim.clinic.drop_from_list(sorted(sim.clinic.list_items())[0])
    assert run(*sync_args(sim, data))[0] == 0
    return data


def no_control(text: str) -> bool:
    return not any(c in text for c in (ESC, CSI, BEL, RLO))


def test_an_escape_in_by_is_neither_stored_nor_printed(run: Run, synced: Path) -> None:
    alert = open_alert(run, synced, "DROPPED_FROM_QUEUE")
    by = f"{ESC}[2J{ESC}]0;owned{BEL}Kari{CSI}31m"
    code, _, err = run("alerts", "ack", alert, "--by", by, "--comment", f"seen{ESC}[8m", "--data-dir", str(synced))
    assert code == 0, err
    db = sqlite3.connect(synced / FILE_NAME)
    stored = db.execute("select acknowledged_by, ack_comment from alerts where id = ?", (alert,)).fetchone()
    db.close()
    assert stored == ("[2J]0;ownedKari31m", "seen[8m")
    code, out, _ = run("alerts", "--data-dir", str(synced))
    assert code == 0 and "ack: [2J]0;ownedKari31m" in out
    assert no_control(out)


def test_text_stored_before_the_fix_is_printed_neutralised(run: Run, synced: Path) -> None:
    alert = open_alert(run, synced, "DROPPED_FROM_QUEUE")
    db = sqlite3.connect(synced / FILE_NAME)  # as an older version (or another workstation's Task) left it
    db.execute("update alerts set status = 'acknowledged', acknowledged_by = ?, detail = ? where id = ?",
               (f"{ESC}[31mKari{RLO}", f"left{CSI}2J the list", alert))
    db.commit()
    db.close()
    code, out, _ = run("alerts", "--data-dir", str(synced))
    assert code == 0 and f"{alert} acknowledged" in out
    assert "ack: [31mKari" in out and "left2J the list" in out
    assert no_control(out)


@pytest.mark.parametrize(("action", "option", "limit"), [
    ("ack", "--by", 200), ("ack", "--comment", 2000), ("resolve", "--by", 200), ("resolve", "--reason", 2000),
])
def test_text_past_its_limit_is_refused_and_nothing_changes(run: Run, synced: Path, action: str, option: str,
                                                             limit: int) -> None:
    alert = open_alert(run, synced, "DROPPED_FROM_QUEUE")
    text = {"--by": "Kari", "--comment": "seen", "--reason": "found"}
    extra = ("--reason" if action == "resolve" else "--comment")
    args = {"--by": text["--by"], extra: text[extra]}
    args[option] = "x" * (limit + 1)
    before = dump(synced)
    argv = ["alerts", action, alert, "--data-dir", str(synced)]
    for k, v in args.items():
        argv += [k, v]
    code, _, err = run(*argv)
    assert code == 1
    assert f"longer than {limit} characters" in err and "nothing changed" in err
    assert "Traceback" not in err
    assert dump(synced) == before
    args[option] = "x" * limit  # at the limit: accepted
    argv = ["alerts", action, alert, "--data-dir", str(synced), "--json"]
    for k, v in args.items():
        argv += [k, v]
    code, out, err = run(*argv)
    assert code == 0, err
    assert json.loads(out)["status"] == ("acknowledged" if action == "ack" else "resolved")


def test_a_note_has_a_limit_and_loses_its_controls_but_not_its_lines() -> None:
    note = new_note("n1", "Encounter/1", "Patient/1", "Practitioner/1", f"Line 1\r\nLine {ESC}[2J2\n", NOW)
    assert note.text == "Line 1\nLine [2J2\n"
    new_note("n2", "Encounter/1", "Patient/1", "Practitioner/1", "x" * 50_000, NOW)
    with pytest.raises(ProblemError) as caught:
        new_note("n3", "Encounter/1", "Patient/1", "Practitioner/1", "x" * 50_001, NOW)
    assert caught.value.problem.kind is ProblemKind.TEXT_TOO_LONG
    assert dict(caught.value.problem.params) == {"field": "note", "limit": 50_000}
