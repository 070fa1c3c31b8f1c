"""Three workstations as real processes (issue 10 item 6): each one ``legevakt`` command at a time in a
process of its own, on its own data directory, against one simulator. One Task per condition; an
acknowledgement seen everywhere within a cycle, with who; two acknowledgements at once both survive; one
workstation offline while another resolves, then all agree.

Oracle: the simulator's Task store. The in-process forms of the same checks run in tests/app and tests/cli
(test_shared_alerts.py); this one is marked slow (about twenty process starts)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from legevakt.codes import ALERT_CODE_SYSTEM
from legevakt.sim import SimServer

A, B, C = "Practitioner/triage", "Practitioner/doctor", "Practitioner/lead"


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(seed=11, initial_patients=6)


def legevakt(*argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "legevakt.cli", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def done(proc: subprocess.Popen[str]) -> Any:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out) if out.strip() else None


def drop_tasks(sim: SimServer, victim: str) -> list[dict[str, Any]]:
    return [v.resource for v in sim.store.live_versions("Task") if v.resource
            and v.resource["focus"]["reference"] == victim
            and {"system": ALERT_CODE_SYSTEM, "code": "DROPPED_FROM_QUEUE"} in v.resource["code"]["coding"]]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_three_workstations_show_one_picture(sim: SimServer, tmp_path: Path) -> None:
    where = ("--platform", sim.base_url, "--location", sim.clinic_ref)
    dirs = {name: str(tmp_path / name) for name in ("a", "b", "c")}

    def sync_all(*names: str) -> dict[str, Any]:
        procs = {n: legevakt("sync", "--once", "--json", *where, "--data-dir", dirs[n]) for n in names}
        return {n: done(p) for n, p in procs.items()}  # at the same time, as three desks would

    def drop_alert(name: str, status: str = "all") -> dict[str, Any]:
        found = done(legevakt("alerts", "--json", "--status", status, "--data-dir", dirs[name]))
        [alert] = [x for x in found if x["kind"] == "DROPPED_FROM_QUEUE" and x["encounter"] == victim]
        return alert  # type: ignore[no-any-return]

    sync_all("a", "b", "c")
    victim = sorted(sim.clinic.list_items())[0]
    sim.clinic.drop_from_list(victim)
    sync_all("a", "b", "c")
    assert [t["status"] for t in drop_tasks(sim, victim)] == ["requested"]  # one Task for the condition

    done(legevakt("alerts", "ack", drop_alert("a")["id"], "--by", A, "--comment", "ser på det", "--json", *where,
                  "--data-dir", dirs["a"]))
    sync_all("b", "c")
    for name in ("b", "c"):
        assert (drop_alert(name)["acknowledged_by"], drop_alert(name)["ack_comment"]) == (A, "ser på det")

    # B and C add their comments at the same moment: both survive, A stays the one who acknowledged first
    b_id, c_id = drop_alert("b")["id"], drop_alert("c")["id"]
    racing = [legevakt("alerts", "resolve", b_id, "--by", B, "--reason", "innlagt", "--json", *where,
                       "--data-dir", dirs["b"]),
              legevakt("alerts", "resolve", c_id, "--by", C, "--reason", "innlagt medisinsk", "--json",
                       "--data-dir", dirs["c"])]  # C is offline: no platform given, so it is queued
    for proc in racing:
        done(proc)
    [task] = drop_tasks(sim, victim)
    assert (task["status"], task["owner"]) == ("completed", {"reference": A})
    assert task["statusReason"] == {"text": "innlagt"}
    sync_all("a", "b", "c")  # C comes back: its resolution goes out once, then all agree
    [task] = drop_tasks(sim, victim)
    assert sorted(n["text"] for n in task["note"]) == ["innlagt", "innlagt medisinsk", "ser på det"]
    assert drop_alert("a")["status"] == drop_alert("b")["status"] == drop_alert("c")["status"] == "resolved"
    assert drop_alert("a")["resolved_by"] == B
    sync_all("c")
    assert len(drop_tasks(sim, victim)[0]["note"]) == 3  # exactly once
