from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx


def test_standalone_prints_url_and_clinic_then_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "legevakt.sim", "--port", "0", "--speed", "600", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        clinic_ref = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/fhir")
        assert clinic_ref == "Location/lv-trondheim"
        with httpx.Client(base_url=base_url + "/", timeout=5) as c:
            assert c.get("metadata").json()["fhirVersion"] == "4.0.1"
            assert c.get(clinic_ref).json()["resourceType"] == "Location"
            deadline = time.monotonic() + 5
            while c.get("_sim/state").json()["sim_minutes"] < 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert c.get("_sim/state").json()["sim_minutes"] >= 1
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert out == ""  # nothing printed beyond the two startup lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_main_rejects_a_busy_port() -> None:
    import socket

    from legevakt.sim.__main__ import main

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["--port", str(port), "--speed", "0"]) == 1


def test_simulator_imports_no_client_package() -> None:
    code = (
        "import sys, legevakt.sim, legevakt.sim.__main__\n"
        "bad = [m for m in sys.modules if m.split('.')[:2] in "
        "[['legevakt', p] for p in ('worklist', 'journal', 'sync', 'store', 'app', 'ui', 'cli')]]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
