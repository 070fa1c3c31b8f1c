"""A change summary carries the departed entries behind ``removed`` (the shift-lead view counts them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.sim import SimServer
from legevakt.worklist.models import DepartureReason, Fate


def test_departures_reach_the_summary_and_the_initial_one_after_a_restart(
        make_sim: Callable[..., SimServer], tmp_path: Path) -> None:
    sim = make_sim(seed=5, initial_patients=6)
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path))
    runtime = Runtime.open(settings)
    try:
        runtime.engine.cycle()
        gone, admitted = sorted(sim.clinic.list_items())[:2]
        sim.clinic.discharge(gone, "home")
        sim.clinic.discharge(admitted, "admitted")
        outcome = runtime.engine.cycle()
        summary = runtime.summary(outcome.reconciled, runtime.link(outcome), complete=outcome.complete)
        assert sorted(summary.removed) == sorted([gone, admitted])
        assert {e.ref: e.departure for e in summary.departed} == {
            gone: DepartureReason.HOME, admitted: DepartureReason.ADMITTED}
        assert all(e.fate is Fate.DEPARTED and e.left_at is not None for e in summary.departed)
    finally:
        runtime.close()

    restarted = Runtime.open(settings)  # a new window on the same data: it learns who left before it opened
    try:
        initial = restarted.summary(None, restarted.link(None), complete=False, initial=True)
        assert sorted(e.ref for e in initial.departed) == sorted([gone, admitted])
        assert initial.removed == () and {e.ref for e in initial.upserted}.isdisjoint({gone, admitted})
    finally:
        restarted.close()
