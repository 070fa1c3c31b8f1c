"""No false alarms at registration (issue 10, item 2): on a platform where the List entry appears a few
seconds after the Encounter (the simulator's ``list_lag_seconds``), registrations raise no NOT_IN_QUEUE;
one whose entry never comes is still raised once ``not_in_queue_grace`` (30 s) has passed. The
simulator's ground truth is the oracle."""

from __future__ import annotations

import time
from datetime import timedelta

from legevakt.worklist.models import AlertKind, Fate

from .conftest import Link, MakeLink


def not_in_queue(link: Link) -> set[str]:
    return {a.encounter for a in link.state.alerts.values() if a.kind is AlertKind.NOT_IN_QUEUE}


def test_registrations_with_a_lagging_list_raise_no_false_not_in_queue(make_link: MakeLink) -> None:
    link = make_link()
    clinic = link.sim.clinic
    link.sim.faults.list_lag_seconds = 2.0
    assert link.cycle().complete
    admitted = []
    deadline = time.monotonic() + 4.0
    while time.monotonic() < deadline:  # a stream of registrations, a cycle every 0.25 s meanwhile
        if len(admitted) < 6:
            admitted.append(clinic.admit())
        assert link.cycle().complete
        assert not_in_queue(link) == set()
        time.sleep(0.25)
    time.sleep(2.2)  # every entry has come by now
    assert link.cycle().complete
    truth = clinic.ground_truth()
    assert all(truth[ref].fate == "present" for ref in admitted)
    assert all(link.state.entries[ref].fate is Fate.PRESENT for ref in admitted)
    assert not_in_queue(link) == set()


def test_an_entry_that_never_comes_is_raised_after_the_grace(make_link: MakeLink) -> None:
    link = make_link()
    clinic = link.sim.clinic
    assert link.cycle().complete
    link.sim.faults.list_lag_seconds = 3600.0  # never, within this test
    lost = clinic.admit()
    link.sim.faults.list_lag_seconds = 0.0
    assert link.cycle().complete
    assert not_in_queue(link) == set()  # within the grace: not yet
    link.offset += timedelta(seconds=31)
    assert link.cycle().complete
    assert clinic.ground_truth()[lost].fate == "dropped"  # active at the clinic, missing from the List
    assert not_in_queue(link) == {lost}
