"""The shift lead's figures against the simulator's ground truth: after a clinic day with patients dropped
from the queue List, the figures the view shows (``worklist.overview`` over the synced state) count exactly
the patients the simulator has in its queue as here now, each dropped one once (as dropped), and as waiting
for a doctor exactly those the simulator's own Encounters show waiting with no doctor on them."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from legevakt import codes
from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.sim import SimServer
from legevakt.worklist.models import EncounterStatus
from legevakt.worklist.overview import overview
from legevakt.worklist.triage import MTS

WAITING = {"planned", "arrived", "triaged", "onleave", "unknown"}  # no doctor has seen them yet (FHIR status)


def has_doctor(resource: dict[str, object]) -> bool:
    """The simulator's own record: a participant typed as the doctor."""
    return any(c.get("code") == codes.PARTICIPANT_DOCTOR
               for p in resource.get("participant", []) for t in p.get("type", [])  # type: ignore[union-attr]
               for c in t.get("coding", []))


def test_the_figures_match_the_simulators_own_count(make_sim: Callable[..., SimServer], tmp_path: Path) -> None:
    sim = make_sim(seed=31, initial_patients=16)
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path), timeout_seconds=5)
    runtime = Runtime.open(settings)
    rng = random.Random(31)
    try:
        assert runtime.engine.cycle().complete
        for step in range(30):
            sim.clinic.advance(4)
            if step % 6 == 5:  # now and then the platform loses a patient we have seen in its queue
                seen = runtime.engine.state.entries
                listed = [ref for ref in sim.clinic.list_items() if ref in seen and seen[ref].ever_in_list]
                if listed:
                    sim.clinic.drop_from_list(rng.choice(listed))
            runtime.engine.cycle()
        for _ in range(2):
            outcome = runtime.engine.cycle()
        assert outcome.complete
        state = runtime.engine.state
        ov = overview(state.entries.values(), state.alerts.values(), outcome.at, scale=MTS)
    finally:
        runtime.close()

    truth = sim.clinic.ground_truth()
    present = [ref for ref, o in truth.items() if o.fate == "present"]
    dropped = [ref for ref, o in truth.items() if o.fate == "dropped"]
    assert dropped, "the day must have dropped someone"
    resources = {ref: sim.clinic.read(ref) for ref in present}
    statuses = Counter(r["status"] for r in resources.values() if r is not None)
    waiting = sum(1 for r in resources.values() if r is not None and r["status"] in WAITING and not has_doctor(r))

    assert ov.present == len(present) == ov.census.present
    assert ov.dropped == len(dropped) == ov.census.dropped
    assert sum(c.count for c in ov.by_level) == sum(c.count for c in ov.by_state) == ov.present
    assert {c.state: c.count for c in ov.by_state if c.count} == {
        (s if s in {st.value for st in EncounterStatus} else "unknown"): n for s, n in statuses.items()}
    assert ov.waiting == waiting and ov.over_target <= ov.waiting
    assert {w.ref for w in ov.longest} <= set(present)  # nobody dropped is listed as waiting
