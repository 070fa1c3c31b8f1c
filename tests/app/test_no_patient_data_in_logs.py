"""No patient data in any log line: sync, drop, write, fault and alert handling at DEBUG level."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.sim import SimServer
from legevakt.worklist.commands import CommandKind, make_command


def test_logs_name_platform_ids_only(make_sim: Callable[..., SimServer], tmp_path: Path,
                                     caplog: pytest.LogCaptureFixture) -> None:
    sim = make_sim(seed=9, initial_patients=12)
    secrets: set[str] = set()
    for ref in sim.clinic.active_encounters():
        enc = sim.clinic.read(ref) or {}
        patient = sim.clinic.read(enc["subject"]["reference"]) or {}
        for name in patient.get("name", []):
            secrets.update(p for p in [name.get("family"), *name.get("given", [])] if p)
        secrets.update(i["value"] for i in patient.get("identifier", []))
    assert len(secrets) > 20

    caplog.set_level(logging.DEBUG, logger="legevakt")
    runtime = Runtime.open(Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path)))
    try:
        runtime.engine.cycle()
        victim, other = sorted(sim.clinic.list_items())[:2]
        sim.clinic.drop_from_list(victim)
        runtime.engine.cycle()
        entry = runtime.engine.state.entries[other]
        runtime.engine.submit(make_command(entry, CommandKind.SET_TRIAGE, "red", by="Kari", now=runtime.engine.clock(),
                                           scale=runtime.engine.config.scale))
        sim.faults.reject_writes_next = 1
        runtime.engine.cycle()
        sim.faults.malformed_rate = 1.0
        runtime.engine.cycle()
        sim.faults.reset()
        runtime.engine.cycle()
    finally:
        runtime.close()

    text = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("legevakt")
                     and not r.name.startswith("legevakt.sim"))
    assert text  # the run did log
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == []
