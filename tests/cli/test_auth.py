"""``legevakt login``: credentials checked against the platform, kept in the OS keyring and nowhere else."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from legevakt.cli import main
from legevakt.sim import SimServer

Run = Callable[..., tuple[int, str, str]]
SECRET = "demo-secret"


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))  # not a terminal: the secret is read from stdin
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=3, initial_patients=6, require_auth=True)


def sync(run: Run, sim: SimServer, data: Path) -> tuple[int, str, str]:
    return run("sync", "--once", "--json", "--platform", sim.base_url, "--location", sim.clinic_ref,
               "--data-dir", str(data))


def test_login_checks_and_stores_the_credentials_and_sync_then_uses_them(
        run: Run, sim: SimServer, tmp_path: Path, memory_keyring: object, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    code, out, err = run("login", "--platform", sim.base_url, "--client-id", sim.config.client_id,
                         "--data-dir", str(tmp_path), stdin=SECRET + "\n")
    assert code == 0, err
    assert "keyring" in out
    stored = keyring.get_keyring().get_password("legevakt", sim.base_url)
    assert stored is not None and json.loads(stored)["client_secret"] == SECRET

    code, out, err = sync(run, sim, tmp_path)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["complete"] and doc["link"] == "poll" and len(doc["queue"]) == 6

    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaked == []  # not in the database, the config or a log file
    assert SECRET not in out + err + caplog.text


def test_the_client_id_can_be_typed_too(run: Run, sim: SimServer, tmp_path: Path) -> None:
    code, _, err = run("login", "--platform", sim.base_url, "--data-dir", str(tmp_path),
                       stdin=f"{sim.config.client_id}\n{SECRET}\n")
    assert code == 0, err
    assert keyring.get_keyring().get_password("legevakt", sim.base_url) is not None


def test_credentials_the_platform_refuses_are_not_stored(run: Run, sim: SimServer, tmp_path: Path) -> None:
    code, out, err = run("login", "--platform", sim.base_url, "--client-id", sim.config.client_id,
                         "--data-dir", str(tmp_path), stdin="wrong\n")
    assert code == 1 and out == ""
    assert "refused" in err and "nothing was stored" in err and err.count("\n") == 1
    assert keyring.get_keyring().get_password("legevakt", sim.base_url) is None


def test_without_a_keyring_login_says_what_to_install_and_writes_nothing(
        run: Run, sim: SimServer, tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    stdin = io.StringIO(SECRET + "\n")
    code, out, err = run("login", "--platform", sim.base_url, "--client-id", "x", "--data-dir", str(tmp_path),
                         stdin=stdin.getvalue())
    assert code == 1 and out == ""
    assert "keyring" in err.lower() and "plain-text" in err
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_platform_that_wants_a_login_says_so(run: Run, sim: SimServer, tmp_path: Path) -> None:
    code, out, err = sync(run, sim, tmp_path)
    assert code == 1  # to be fixed here, not an outage: an error, not the stored document
    assert "legevakt login" in err
    assert json.loads(out)["error"]["kind"] == "platform-no-credentials"  # --json: the error as JSON


def test_logout_removes_the_credentials(run: Run, sim: SimServer, tmp_path: Path) -> None:
    assert run("login", "--platform", sim.base_url, "--client-id", sim.config.client_id,
               "--data-dir", str(tmp_path), stdin=SECRET + "\n")[0] == 0
    code, _, err = run("logout", "--platform", sim.base_url, "--data-dir", str(tmp_path))
    assert code == 0, err
    assert keyring.get_keyring().get_password("legevakt", sim.base_url) is None
