"""Safe actions in the whole product: simulator -> sync worker -> store -> service -> window.

A nurse re-triages a patient and presses "Angre": the platform holds the old triage again (the inverse
went through the same outbox). Finishing a visit is confirmed first, and then the platform has it finished.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QPushButton
from pytestqt.qtbot import QtBot

from legevakt.app.service import AppService
from legevakt.app.settings import Settings
from legevakt.sim import SimServer
from legevakt.sync.mapping import encounter_from_fhir
from legevakt.ui.main_window import MainWindow
from legevakt.worklist.models import Encounter, EncounterStatus
from legevakt.worklist.triage import MTS


@pytest.fixture
def running(make_sim: Callable[..., SimServer], tmp_path: Path, qtbot: QtBot,
            ) -> Iterator[tuple[SimServer, AppService, MainWindow]]:
    sim = make_sim(seed=5, initial_patients=6)
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path), poll_seconds=0.2,
                        push_poll_seconds=0.2, user="Kari Sykepleier")
    service = AppService(settings)
    window = MainWindow(service)
    qtbot.addWidget(window)
    window.safe.toast.timer.setInterval(600_000)  # the test waits on the platform, not on the toast
    service.start()
    try:
        yield sim, service, window
    finally:
        service.stop()


def platform(sim: SimServer, ref: str) -> Encounter:
    resource = sim.clinic.read(ref)
    assert resource is not None
    return encounter_from_fhir(resource, clinic_ref=sim.clinic_ref, scale=MTS)


def menu_action(window: MainWindow, ref: str, menu_name: str, data: str) -> QAction:
    assert window.select_ref(ref)
    menu = window.patient_menu()
    assert menu is not None
    sub = menu.findChild(QMenu, menu_name)
    assert sub is not None
    return next(a for a in sub.actions() if a.data() == data)


@pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)")
def test_angre_puts_the_old_triage_back_on_the_platform_and_a_finish_is_confirmed_first(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot) -> None:
    sim, _service, window = running
    qtbot.waitUntil(lambda: window.queue_model.rowCount() == len(sim.clinic.active_encounters()), timeout=10_000)
    ref = next(r for r in sorted(sim.clinic.list_items())
               if platform(sim, r).status in (EncounterStatus.ARRIVED, EncounterStatus.TRIAGED))
    if platform(sim, ref).triage is None:  # give it a triage first (nothing to go back to: no "Angre")
        menu_action(window, ref, "triageMenu", "green").trigger()
        qtbot.waitUntil(lambda: platform(sim, ref).triage == "green", timeout=10_000)
        qtbot.waitUntil(lambda: window.queue_model.entry(ref).encounter.triage == "green"  # type: ignore[union-attr]
                        and window.queue_model.pending_for(ref) == 0, timeout=10_000)
    before = platform(sim, ref).triage
    assert before is not None
    other = "red" if before != "red" else "yellow"

    menu_action(window, ref, "triageMenu", other).trigger()
    qtbot.waitUntil(lambda: platform(sim, ref).triage == other, timeout=10_000)
    toast = window.safe.toast
    assert toast.can_undo
    button = toast.findChild(QPushButton, "undoButton")
    assert button is not None
    button.click()
    qtbot.waitUntil(lambda: platform(sim, ref).triage == before, timeout=10_000)
    qtbot.waitUntil(lambda: window.queue_model.entry(ref).encounter.triage == before  # type: ignore[union-attr]
                    and window.queue_model.pending_for(ref) == 0, timeout=10_000)

    menu_action(window, ref, "finishMenu", "home").trigger()
    box = window.safe.dialog
    assert box is not None
    assert platform(sim, ref).status is not EncounterStatus.FINISHED  # asked, not done
    confirm = box.findChild(QPushButton, "confirmButton")
    assert confirm is not None
    confirm.click()
    qtbot.waitUntil(lambda: platform(sim, ref).status is EncounterStatus.FINISHED, timeout=10_000)
