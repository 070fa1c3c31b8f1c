"""A fødselsnummer with a bad checksum from the platform is flagged, never silently accepted (issue 11):
``sync --json`` names the issue on the patient's row, and the patient stays in the queue as before.

Oracle: the simulator's own patients (valid numbers, checked by python-stdnum) with one identifier
changed on the platform by hand to a wrong control digit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from stdnum.no import fodselsnummer

from legevakt.sim import SimServer
from tests.cli.conftest import Run
from tests.cli.test_store_faults import sync_args


def test_a_bad_checksum_is_flagged_on_the_patient_in_json(run: Run, make_sim: Callable[..., SimServer],
                                                          tmp_path: Path) -> None:
    sim = make_sim(seed=5, initial_patients=6)
    victim = sorted(sim.clinic.list_items())[0]
    patient_ref = (sim.clinic.read(victim) or {})["subject"]["reference"]
    patient = sim.clinic.store.read_copy(patient_ref)
    assert patient is not None
    good = patient["identifier"][0]["value"]
    assert fodselsnummer.is_valid(good)
    bad = good[:10] + str((int(good[10]) + 1) % 10)
    assert not fodselsnummer.is_valid(bad)
    patient["identifier"][0]["value"] = bad
    sim.clinic.store.update(patient)

    code, out, err = run(*sync_args(sim, tmp_path / "data"), "--json")
    assert code == 0, err
    rows = {row["encounter"]: row for row in json.loads(out)["queue"]}
    assert set(rows) == set(sim.clinic.list_items())  # nobody hidden nor dropped for it
    assert rows[victim]["identifier_issue"] == "bad-checksum"
    assert rows[victim]["fate"] == "present"
    assert [r["identifier_issue"] for ref, r in rows.items() if ref != victim] == [None] * (len(rows) - 1)
    assert bad not in out and good not in out  # the flag, never the number
