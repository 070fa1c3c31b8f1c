"""A change summary carries the latest form of what it names.

An acknowledgement is local work that applies while a cycle waits for the platform (issue 11: never after
the cycle). The cycle's own step was partly computed before it (the outbox replay at its start raises a
write alert), so a summary built from that step alone would show the alert unacknowledged again, after the
acknowledgement's own summary: the window would ask the nurse a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.sim import SimServer
from legevakt.worklist.commands import CommandKind, make_command
from legevakt.worklist.models import AlertKind, AlertStatus


def test_an_acknowledgement_given_while_the_cycle_fetches_is_what_the_cycles_summary_shows(
        make_sim: Callable[..., SimServer], tmp_path: Path) -> None:
    sim = make_sim(seed=5, initial_patients=6)
    runtime = Runtime.open(Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path)))
    try:
        engine = runtime.engine
        assert engine.cycle().complete
        ref = sorted(sim.clinic.list_items())[0]
        entry = engine.state.entries[ref]
        engine.submit(make_command(entry, CommandKind.SET_TRIAGE, "red", by="Kari", now=engine.clock(),
                                   scale=engine.config.scale))  # queued: the next cycle's replay sends it
        sim.faults.apply({"reject_writes_next": 1, "latency_ms": 300})  # refused; then the search waits

        acked: list[str] = []

        def acknowledge_while_fetching() -> None:  # what the worker's idle work does with a queued ack
            alert = next((a for a in engine.state.alerts.values()
                          if a.kind is AlertKind.WRITE_NOT_APPLIED and a.status is AlertStatus.OPEN), None)
            if alert is not None and not acked:
                ack = engine.acknowledge(alert.id, "Kari", "Ringer plattformstøtte")
                assert any(a.id == alert.id and a.status is AlertStatus.ACKNOWLEDGED for a in ack.alerts)
                acked.append(alert.id)

        engine.on_idle = acknowledge_while_fetching
        outcome = engine.cycle()
        engine.on_idle = None
        assert acked, "the acknowledgement ran while the cycle waited for the platform"
        assert outcome.reconciled is not None

        summary = runtime.summary(outcome.reconciled, runtime.link(outcome), complete=outcome.complete)
        shown = [a for a in summary.alerts if a.id == acked[0]]
        assert len(shown) == 1
        assert shown[0].status is AlertStatus.ACKNOWLEDGED and shown[0].acknowledged_by == "Kari"
    finally:
        runtime.close()
