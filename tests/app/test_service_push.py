"""The service with push: the status bar's link says push / poll / offline, and a drop is shown by push.

No timed asserts: polling is set to an hour, so a drop that reaches the UI at all (within a generous
wait) was fetched by a cycle that push woke.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from legevakt.app.service import AppService
from legevakt.app.settings import Settings
from legevakt.app.summary import ChangeSummary, LinkMode
from legevakt.problems import ProblemKind
from legevakt.sim import SimServer
from legevakt.worklist.models import AlertKind


@dataclass
class Running:
    sim: SimServer
    service: AppService
    summaries: list[ChangeSummary]
    qtbot: QtBot

    def wait(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Until ``predicate`` holds, delivering the service's signals meanwhile (fails after ``timeout``)."""
        self.qtbot.waitUntil(predicate, timeout=int(timeout * 1000))

    def since(self, n: int) -> list[ChangeSummary]:
        return self.summaries[n:]


@pytest.fixture
def running(make_sim: Callable[..., SimServer], tmp_path: Path, qtbot: QtBot) -> Iterator[Running]:
    sim = make_sim(seed=4, initial_patients=12)
    # Polling every hour: any cycle after the first one in these tests was woken by push.
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path), poll_seconds=3600,
                        timeout_seconds=2, user="Test")
    service = AppService(settings)
    summaries: list[ChangeSummary] = []
    service.changed.connect(summaries.append)  # queued to this (the GUI) thread, as the window gets them
    service.start()
    try:
        yield Running(sim, service, summaries, qtbot)
    finally:
        service.stop()


def test_the_link_shows_push_and_a_drop_reaches_the_ui_by_push(running: Running) -> None:
    running.wait(lambda: any(s.link.mode is LinkMode.PUSH and s.complete for s in running.summaries))
    victim = sorted(running.sim.clinic.list_items())[0]
    running.sim.clinic.drop_from_list(victim)
    running.wait(lambda: any(a.kind is AlertKind.DROPPED_FROM_QUEUE and a.encounter == victim
                             for s in running.summaries for a in s.alerts))
    # No poll was due for an hour: the worker ran only its first cycle and the ones push woke.
    assert running.service.worker.last is not None
    assert running.service.worker.cycles >= 2


def test_the_link_falls_back_to_poll_and_returns_to_push(running: Running) -> None:
    running.wait(lambda: any(s.link.mode is LinkMode.PUSH for s in running.summaries))
    n = len(running.summaries)
    running.sim.faults.drop_websockets_now()
    running.wait(lambda: any(s.link.mode is LinkMode.POLL for s in running.since(n)))
    n = len(running.summaries)
    running.wait(lambda: any(s.link.mode is LinkMode.PUSH for s in running.since(n)))


def test_the_link_is_offline_when_the_platform_cannot_be_reached(running: Running) -> None:
    running.wait(lambda: any(s.link.mode is LinkMode.PUSH for s in running.summaries))
    n = len(running.summaries)
    running.sim.stop()  # the platform is gone: push drops, and the cycle it wakes fails
    running.wait(lambda: any(s.link.mode is LinkMode.OFFLINE for s in running.since(n)), timeout=10)
    offline = next(s for s in running.since(n) if s.link.mode is LinkMode.OFFLINE)
    assert offline.link.problem is not None and offline.link.problem.kind is ProblemKind.PLATFORM_UNREACHABLE
    running.service.stop()
    assert not [t for t in threading.enumerate() if t.name in ("legevakt-sync", "legevakt-push")]
