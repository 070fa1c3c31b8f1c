"""With ``--json`` an error is a JSON object on stdout too: ``{"error": {"kind", "message", "params"}}``.

``kind`` is the typed problem's kind (``legevakt.problems.ProblemKind``), or ``usage`` for a command line
that asks for something missing or contradictory; the exit code and the one stderr line stay as without
``--json``, and without it stdout stays empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from legevakt.cli import main
from legevakt.problems import ProblemKind
from legevakt.sim import SimServer
from tests.cli.conftest import Run

DOCTOR = "Practitioner/doc-json-1"


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=5, initial_patients=3)


@pytest.fixture
def where(sim: SimServer, tmp_path: Path) -> list[str]:
    return ["--platform", sim.base_url, "--location", sim.clinic_ref, "--data-dir", str(tmp_path / "data")]


def _saved_note(run: Run, sim: SimServer, where: list[str]) -> str:
    encounter = sorted(sim.clinic.active_encounters())[0]
    code, out, err = run("note", encounter, "--by", DOCTOR, "--text", "Foreløpig", "--json", *where)
    assert code == 0, err
    return str(json.loads(out)["note"])


CASES = [
    # (argv, expected kind); NOTE: a saved, unsigned note; ENC: an encounter of the clinic
    (["send", "NOTE", "--by", DOCTOR], ProblemKind.NOTE_NOT_SIGNED.value),
    (["send", "DocumentReference/none-such", "--by", DOCTOR], ProblemKind.NOTE_UNKNOWN.value),
    (["note", "ENC", "--by", DOCTOR, "--sign"], "usage"),
    (["note", "ENC", "--by", DOCTOR, "--text", "   "], ProblemKind.NOTE_EMPTY.value),
    (["note", "Encounter/none-such", "--by", DOCTOR, "--text", "x"], ProblemKind.NOTE_WRONG_ENCOUNTER.value),
    (["note", "ENC", "--by", "Patient/1", "--text", "x"], ProblemKind.COMMAND_BAD_REFERENCE.value),
    (["do", "ENC", "--by", "nurse", "--triage", "purple"], ProblemKind.COMMAND_UNKNOWN_TRIAGE.value),
    (["do", "ENC", "--by", "nurse"], "usage"),
    (["census", "--shift", "brunch@2026-12-01"], "usage"),
    (["report", "--shift", "not-a-shift", "--pdf", "unused.pdf"], "usage"),
    (["sync", "--json"], "usage"),  # neither --once nor --watch
]


@pytest.mark.parametrize(("argv", "kind"), CASES, ids=[" ".join(a[:2]) + f" -> {k}" for a, k in CASES])
def test_an_error_with_json_is_a_json_object_naming_its_kind(
        run: Run, sim: SimServer, where: list[str], argv: list[str], kind: str) -> None:
    note = _saved_note(run, sim, where) if "NOTE" in argv else ""
    encounter = sorted(sim.clinic.active_encounters())[0]
    argv = [note if a == "NOTE" else encounter if a == "ENC" else a for a in argv]
    local = argv[0] in ("census", "report")  # these take no --platform
    options = where[4:] if local else where
    flags = [] if "--json" in argv else ["--json"]

    code, out, err = run(*argv, *flags, *options)
    assert code == 1
    doc = json.loads(out)
    assert set(doc) == {"error"} and set(doc["error"]) == {"kind", "message", "params"}
    assert doc["error"]["kind"] == kind
    assert err == f"legevakt: {doc['error']['message']}\n"  # the same words as without --json

    plain = [a for a in argv if a != "--json"]
    code, out, plain_err = run(*plain, *options)
    assert (code, out) == (1, "") and plain_err == err


def test_an_unknown_alert_is_named_in_the_error(run: Run, where: list[str]) -> None:
    code, out, _ = run("alerts", "ack", "no-such-alert", "--by", "nurse", "--comment", "x", "--json",
                       *where[4:])
    assert code == 1
    assert json.loads(out)["error"] == {
        "kind": ProblemKind.ALERT_NOT_OPEN.value, "message": "no alert with id no-such-alert",
        "params": {"alert": "no-such-alert"}}



@pytest.mark.parametrize("as_json", [True, False])
def test_a_command_line_argparse_cannot_parse_is_a_usage_error_in_json_too(
        capsys: pytest.CaptureFixture[str], where: list[str], as_json: bool) -> None:
    argv = ["note", "Encounter/1", "--text", "x", *where] + (["--json"] if as_json else [])  # no --by
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    assert exit_.value.code == 2  # argparse's own exit code for a bad command line
    assert "--by" in err
    if as_json:
        error = json.loads(out)["error"]
        assert error["kind"] == "usage" and "--by" in error["message"]
    else:
        assert out == ""
