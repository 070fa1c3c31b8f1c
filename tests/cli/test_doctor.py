"""``legevakt doctor`` (issue 11 item 6): before go-live, one line per check, OK/WARN/FAIL, and for each
one that is not OK a sentence saying what to fix; exit 0 when nothing fails, else 1.

Against the demo simulator every check is OK. Each misconfiguration is staged for real, on 127.0.0.1: a
port nobody listens on, a server whose CapabilityStatement leaves out Task (a reverse proxy in front of
the simulator), a data directory with mode 0755, a server whose HTTP ``Date`` is ten minutes off (a tiny
server of our own, forwarding to the simulator), a certificate the system does not trust, and
``verify_tls = false`` for another machine. The oracle is what was staged (the offset we gave the clock,
the mode we set), never the doctor's own logic.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
from keyring.backends import fail

from legevakt.sim import SimServer
from legevakt.sim.search import RESOURCE_TYPES
from legevakt.store.engine import prepare_data_dir

from ..sync.hostile import Answer, HostileServer, Proxy, Seen, fhir, rewrite_json
from .conftest import Run

CHECKS = ["config", "keyring", "data directory", "log directory", "platform", "FHIR version", "push", "history",
          "Task", "clock", "location"]
TASK = {"type": "Task", "interaction": [{"code": c} for c in ("read", "create", "update", "search-type")]}


def lines(out: str) -> dict[str, tuple[str, str, str]]:
    """check name -> (status, detail, fix) from the plain output."""
    found: dict[str, tuple[str, str, str]] = {}
    current = ""
    for line in out.splitlines():
        if line.startswith("      fix: "):
            status, detail, _ = found[current]
            found[current] = (status, detail, line.removeprefix("      fix: "))
        elif line[:4] in ("OK  ", "WARN", "FAIL"):
            name, _, detail = line[6:].partition(": ")
            current = name
            found[name] = (line[:4].strip(), detail, "")
    return found


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=3)


@pytest.fixture
def make_server() -> Iterator[Callable[..., HostileServer]]:
    started: list[HostileServer] = []

    def make(handler: Callable[[Seen], Answer], **kw: Any) -> HostileServer:
        server = HostileServer(handler, **kw)
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def proxied(make_server: Callable[..., HostileServer], sim: SimServer) -> Iterator[Callable[..., str]]:
    """A reverse proxy in front of the simulator whose CapabilityStatement ``change`` alters; its base URL."""
    proxies: list[Proxy] = []

    def make(change: Callable[[dict[str, Any]], None]) -> str:
        proxy = Proxy(sim.base_url)
        proxies.append(proxy)

        def rewrite(seen: Seen, answer: Answer) -> Answer:
            return rewrite_json(answer, change) if seen.path.startswith("/fhir/metadata") else answer

        proxy.rewrite = rewrite
        server = make_server(proxy)
        proxy.public = server.origin
        return f"{server.origin}/fhir"

    yield make
    for proxy in proxies:
        proxy.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the demo: all OK --------------------------------------------------------------------------------------

def test_against_the_demo_simulator_every_check_is_ok(run: Run, sim: SimServer, tmp_path: Path) -> None:
    where = ["--platform", sim.base_url, "--location", sim.clinic_ref, "--data-dir", str(tmp_path / "data")]
    assert run("sync", "--once", "--json", *where)[0] == 0  # the store made its directory: a real one to check
    code, out, _ = run("doctor", *where)
    found = lines(out)
    assert list(found) == CHECKS, out
    # Task is OK exactly when the simulator offers it (its own CapabilityStatement is the oracle).
    expected = {name: "OK" for name in CHECKS} | {"Task": "OK" if "Task" in RESOURCE_TYPES else "WARN"}
    assert {name: status for name, (status, _, _) in found.items()} == expected, out
    assert code == 0
    assert "(mode 0700, user-only)" in found["data directory"][1]
    assert found["location"][1] == f"{sim.clinic_ref} found"

    code, out, _ = run("doctor", "--json", *where)
    doc = json.loads(out)
    assert code == 0 and doc["ok"] is True
    assert [c["check"] for c in doc["checks"]] == CHECKS
    assert all(c["fix"] == "" for c in doc["checks"] if c["status"] == "ok")


def test_a_platform_that_offers_task_with_its_interactions_is_ok(
        run: Run, sim: SimServer, proxied: Callable[..., str], tmp_path: Path) -> None:
    def with_task(doc: dict[str, Any]) -> None:
        resources = doc["rest"][0]["resource"]
        resources[:] = [r for r in resources if r["type"] != "Task"] + [TASK]

    base = proxied(with_task)
    code, out, _ = run("doctor", "--platform", base, "--location", sim.clinic_ref, "--data-dir", str(tmp_path))
    assert lines(out)["Task"][0] == "OK", out
    assert code == 0


# -- misconfigured setups ---------------------------------------------------------------------------------

def test_a_wrong_port_is_unreachable_and_says_to_check_url_and_port(run: Run, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{free_port()}/fhir"
    code, out, _ = run("doctor", "--platform", base, "--location", "Location/x", "--data-dir", str(tmp_path))
    found = lines(out)
    status, detail, fix = found["platform"]
    assert status == "FAIL" and f"cannot reach {base}" in detail
    assert "URL and port" in fix
    assert "location" not in found  # nothing behind an unreachable platform is claimed either way
    assert code == 1


def test_a_server_without_task_in_its_capability_statement_warns_that_alerts_stay_local(
        run: Run, sim: SimServer, proxied: Callable[..., str], tmp_path: Path) -> None:
    def without_task(doc: dict[str, Any]) -> None:
        resources = doc["rest"][0]["resource"]
        resources[:] = [r for r in resources if r["type"] != "Task"]

    base = proxied(without_task)
    code, out, _ = run("doctor", "--platform", base, "--location", sim.clinic_ref, "--data-dir", str(tmp_path))
    status, detail, fix = lines(out)["Task"]
    assert status == "WARN" and "does not offer Task" in detail
    assert fix.startswith("Enable Task")
    assert code == 0  # a warning: alerts still work, on each workstation


def test_a_data_directory_with_mode_0755_fails_with_chmod_700(run: Run, sim: SimServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o755)
    code, out, _ = run("doctor", "--platform", sim.base_url, "--location", sim.clinic_ref, "--data-dir", str(data))
    status, detail, fix = lines(out)["data directory"]
    assert (status, detail) == ("FAIL", f"{data} has mode 0755: other users can look inside")
    assert f"chmod 700 {data}" in fix
    assert code == 1


def test_a_database_file_readable_by_others_fails_with_chmod_600(run: Run, tmp_path: Path) -> None:
    data = tmp_path / "data"
    database = prepare_data_dir(data)  # as the store makes it: 0700 and 0600
    os.chmod(database, 0o644)
    code, out, _ = run("doctor", "--data-dir", str(data))
    status, detail, fix = lines(out)["data directory"]
    assert status == "FAIL" and detail == f"{database} has mode 0644: readable by others"
    assert "chmod 600" in fix
    assert code == 1


def test_a_log_directory_with_mode_0755_fails(run: Run, isolated_user_dirs: Path, tmp_path: Path) -> None:
    logs = isolated_user_dirs / "state" / "legevakt" / "log"  # platformdirs' log directory under XDG_STATE_HOME
    logs.mkdir(parents=True, mode=0o755)
    os.chmod(logs, 0o755)
    code, out, _ = run("doctor", "--data-dir", str(tmp_path))
    status, detail, _ = lines(out)["log directory"]
    assert (status, detail) == ("FAIL", f"{logs} has mode 0755: other users can look inside")
    assert code == 1


class SkewedClock:
    """A tiny server on 127.0.0.1 that forwards to the simulator and sends its own ``Date``, ``offset``
    seconds from this machine's clock."""

    def __init__(self, upstream: str, offset: float) -> None:
        outer = self
        self.upstream = upstream.removesuffix("/fhir")

        class Handle(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def date_time_string(self, timestamp: float | None = None) -> str:
                return formatdate(time.time() + offset, usegmt=True)

            def do_GET(self) -> None:
                resp = httpx.get(outer.upstream + self.path, headers={"Accept": "application/fhir+json"})
                body = resp.content.replace(outer.upstream.encode(), outer.origin.encode())
                self.send_response(resp.status_code)  # sends our Date
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize(("offset", "status"), [(600, "FAIL"), (-600, "FAIL"), (90, "WARN"), (5, "OK")])
def test_clock_skew_against_the_platforms_date_header(run: Run, sim: SimServer, tmp_path: Path, offset: int,
                                                      status: str) -> None:
    server = SkewedClock(sim.base_url, offset)
    try:
        code, out, _ = run("doctor", "--platform", f"{server.origin}/fhir", "--location", sim.clinic_ref,
                           "--data-dir", str(tmp_path))
    finally:
        server.stop()
    found, detail, fix = lines(out)["clock"]
    assert found == status, out
    seconds = int(detail.split(" is ")[1].split(" s ")[0])
    assert abs(seconds - abs(offset)) <= 2  # the Date header has whole seconds
    assert ("behind" if offset > 0 else "ahead of") in detail
    assert (fix != "") == (status != "OK") and (not fix or "Synchronise this machine's clock" in fix)
    assert code == (1 if status == "FAIL" else 0)


def test_a_certificate_the_system_does_not_trust_is_named_a_tls_failure(
        run: Run, make_server: Callable[..., HostileServer], tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()  # not in the system's trust store
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = make_server(lambda seen: fhir({"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1",
                                            "rest": []}), tls=context)
    code, out, _ = run("doctor", "--platform", f"{server.origin}/fhir", "--location", "Location/x",
                       "--data-dir", str(tmp_path))
    status, detail, fix = lines(out)["platform"]
    assert status == "FAIL" and "TLS certificate failure" in detail and "certificate verify failed" in detail
    assert "certificate authority" in fix
    assert server.requests == []  # the handshake failed: nothing (no token) was sent
    assert code == 1


def test_verify_tls_false_for_another_machine_fails_and_nothing_is_contacted(
        run: Run, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('platform = "https://fhir.example.invalid/r4"\nlocation = "Location/x"\nverify_tls = false\n',
                      encoding="utf-8")
    code, out, _ = run("doctor", "--config", str(config), "--data-dir", str(tmp_path / "data"))
    found = lines(out)
    status, detail, fix = found["config"]
    assert status == "FAIL" and "verify_tls" in detail
    assert fix.startswith("Install the platform's certificate authority")
    assert "platform" not in found  # refused before any connection
    assert code == 1


def test_no_keyring_backend_fails_with_what_to_install(run: Run, tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())  # the autouse fixture restores the previous one
    code, out, _ = run("doctor", "--data-dir", str(tmp_path))
    status, _, fix = lines(out)["keyring"]
    assert status == "FAIL" and "Secret Service" in fix
    assert code == 1


def test_a_server_that_is_not_fhir_r4_fails_the_version_check(
        run: Run, sim: SimServer, proxied: Callable[..., str], tmp_path: Path) -> None:
    base = proxied(lambda doc: doc.update(fhirVersion="3.0.2"))  # STU3
    code, out, _ = run("doctor", "--platform", base, "--location", sim.clinic_ref, "--data-dir", str(tmp_path))
    status, detail, fix = lines(out)["FHIR version"]
    assert status == "FAIL" and "'3.0.2'" in detail
    assert "R4 (4.0.x)" in fix
    assert code == 1


def test_an_invalid_config_file_fails_naming_the_setting(run: Run, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('poll_secnds = 5\n', encoding="utf-8")
    code, out, _ = run("doctor", "--config", str(config), "--data-dir", str(tmp_path / "data"))
    status, detail, fix = lines(out)["config"]
    assert status == "FAIL" and "unknown setting 'poll_secnds'" in detail and "poll_seconds" in detail
    assert fix.startswith(f"Correct that setting in {config}")
    assert code == 1
