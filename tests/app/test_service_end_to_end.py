"""The whole product in one process: simulator -> sync worker -> store -> service -> window.

A patient removed from the platform's queue List shows up as a red banner naming them, stays until a
person acknowledges it, and no sync ever resets the queue model or loses the nurse's selection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from legevakt.app.service import AppService
from legevakt.app.settings import Settings
from legevakt.app.summary import ChangeSummary
from legevakt.problems import Problem, ProblemKind
from legevakt.sim import SimServer
from legevakt.store.db import open_store
from legevakt.ui.alert_banner import LineKind
from legevakt.ui.main_window import MainWindow
from legevakt.worklist.commands import CommandKind
from legevakt.worklist.models import AlertKind, AlertStatus, Fate
from legevakt.worklist.triage import MTS


@pytest.fixture
def running(make_sim: Callable[..., SimServer], tmp_path: Path, qtbot: QtBot,
            ) -> Iterator[tuple[SimServer, AppService, MainWindow, list[ChangeSummary]]]:
    sim = make_sim(seed=11, initial_patients=14)
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path), poll_seconds=0.2,
                        push_poll_seconds=0.2,
                        user="Kari Sykepleier")
    service = AppService(settings)
    window = MainWindow(service)
    qtbot.addWidget(window)
    summaries: list[ChangeSummary] = []
    service.changed.connect(summaries.append)
    service.start()
    try:
        yield sim, service, window, summaries
    finally:
        service.stop()


def test_a_dropped_patient_raises_a_banner_that_stays_until_acknowledged(
        running: tuple[SimServer, AppService, MainWindow, list[ChangeSummary]], qtbot: QtBot) -> None:
    sim, service, window, summaries = running
    model = window.queue_model
    qtbot.waitUntil(lambda: model.rowCount() == len(sim.clinic.active_encounters()), timeout=10_000)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))

    keep = sorted(sim.clinic.list_items())[-1]
    assert window.select_ref(keep)
    victim = sorted(sim.clinic.list_items())[0]
    entry = model.entry(victim)
    assert entry is not None and entry.patient is not None
    name = entry.patient.name

    sim.clinic.drop_from_list(victim)

    def victim_line() -> LineKind | None:
        return next((ln.kind for ln in window.banner.lines() if name in ln.text), None)

    qtbot.waitUntil(lambda: victim_line() is LineKind.CRITICAL, timeout=10_000)
    dropped = model.entry(victim)
    assert dropped is not None and dropped.fate is Fate.DROPPED
    assert model.row_of(victim) >= 0  # still on screen, with its last known data

    syncs_before = len(summaries)
    qtbot.waitUntil(lambda: len(summaries) >= syncs_before + 3, timeout=10_000)
    assert victim_line() is LineKind.CRITICAL  # several syncs later: still there, nobody acknowledged
    alert = next(a for s in summaries for a in s.alerts
                 if a.kind is AlertKind.DROPPED_FROM_QUEUE and a.encounter == victim)

    service.acknowledge(alert.id, service.user, "Ringt plattformstøtte")
    qtbot.waitUntil(lambda: victim_line() is LineKind.ACKNOWLEDGED, timeout=10_000)

    def latest() -> object:  # the window and this list each get the summary as its own queued event
        return next(a for s in reversed(summaries) for a in s.alerts if a.id == alert.id)
    qtbot.waitUntil(lambda: getattr(latest(), "status", None) is AlertStatus.ACKNOWLEDGED, timeout=10_000)
    acked = next(a for s in reversed(summaries) for a in s.alerts if a.id == alert.id)
    assert acked.acknowledged_by == "Kari Sykepleier"
    qtbot.wait(500)  # later syncs (every 0.2 s) never show it unacknowledged again
    assert victim_line() is LineKind.ACKNOWLEDGED
    assert next(a for s in reversed(summaries) for a in s.alerts if a.id == alert.id).status \
        is AlertStatus.ACKNOWLEDGED

    assert resets == []  # every sync was applied incrementally
    selected = window.selected_entry()
    assert selected is not None and selected.ref == keep  # the nurse's selection survived every sync


def test_a_critical_acknowledgement_without_a_comment_is_refused_in_plain_words(
        running: tuple[SimServer, AppService, MainWindow, list[ChangeSummary]], qtbot: QtBot) -> None:
    sim, service, window, summaries = running
    victim = sorted(sim.clinic.list_items())[0]
    qtbot.waitUntil(lambda: window.queue_model.rowCount() > 0, timeout=10_000)
    sim.clinic.drop_from_list(victim)
    qtbot.waitUntil(lambda: any(a.kind is AlertKind.DROPPED_FROM_QUEUE for s in summaries for a in s.alerts),
                    timeout=10_000)
    alert = next(a for s in summaries for a in s.alerts if a.kind is AlertKind.DROPPED_FROM_QUEUE)
    with qtbot.waitSignal(service.failed, timeout=5_000) as failed:
        service.acknowledge(alert.id, service.user, "")
    problem = failed.args[0]
    assert problem == Problem.of(ProblemKind.ALERT_COMMENT_REQUIRED, alert=alert.id)


def test_stopping_the_service_leaves_no_thread_running(
        running: tuple[SimServer, AppService, MainWindow, list[ChangeSummary]], qtbot: QtBot) -> None:
    _, service, _, summaries = running
    qtbot.waitUntil(lambda: any(s.complete for s in summaries), timeout=10_000)
    service.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith("legevakt-sync")]


def test_opening_a_patient_is_written_to_the_audit_log(
        running: tuple[SimServer, AppService, MainWindow, list[ChangeSummary]], qtbot: QtBot,
        tmp_path: Path) -> None:
    sim, service, window, _ = running
    qtbot.waitUntil(lambda: window.queue_model.rowCount() > 0, timeout=10_000)
    ref = sorted(sim.clinic.list_items())[1]
    assert window.select_ref(ref)
    service.stop()  # drains the worker's queue: the audit row is written before it returns

    store = open_store(tmp_path)
    try:
        rows = store.audit(limit=50, target=ref)
    finally:
        store.close()
    opened = [r for r in rows if r.action == "journal.opened"]
    assert [(r.actor, r.target) for r in opened] == [("Kari Sykepleier", ref)]
    assert all("Sykepleier" not in r.detail for r in rows)


def test_a_triage_set_in_the_window_reaches_the_platform_once(
        running: tuple[SimServer, AppService, MainWindow, list[ChangeSummary]], qtbot: QtBot) -> None:
    sim, _, window, _ = running
    model = window.queue_model
    qtbot.waitUntil(lambda: model.rowCount() == len(sim.clinic.active_encounters()), timeout=10_000)
    target = next(ref for ref in sorted(sim.clinic.list_items())
                  if (e := model.entry(ref)) is not None and e.encounter.triage == "green")
    window.select_ref(target)
    window._submit(target, CommandKind.SET_TRIAGE, "yellow", None)

    def platform_triage() -> str | None:
        res = sim.clinic.read(target) or {}
        codings = (res.get("priority") or {}).get("coding") or []
        return next((c["code"] for c in codings if c.get("system") == MTS.system), None)

    qtbot.waitUntil(lambda: platform_triage() == "yellow", timeout=10_000)
    qtbot.waitUntil(lambda: (e := model.entry(target)) is not None and e.encounter.triage == "yellow"
                    and model.pending_for(target) == 0, timeout=10_000)
    # Exactly one change to yellow on the platform for one command: no duplicate write.
    codes = [next((c["code"] for c in (v.resource.get("priority") or {}).get("coding", [])
                   if c.get("system") == MTS.system), None)
             for v in sim.store.history("Encounter", target.split("/")[1]) if v.resource is not None]
    changes_to_yellow = sum(1 for a, b in pairwise(codes) if a != "yellow" and b == "yellow")
    assert changes_to_yellow == 1
