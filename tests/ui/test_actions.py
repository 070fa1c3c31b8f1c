"""Actions on the selected patient become commands to the service; pending writes show per row."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QPushButton
from pytestqt.qtbot import QtBot

from legevakt.ui import texts
from legevakt.ui.keyboard import plain
from legevakt.ui.main_window import MainWindow
from legevakt.ui.queue_model import Column
from legevakt.worklist.models import EncounterStatus
from tests.ui.conftest import FakeService, clinic, clock, make_summary


def window_with_clinic(qtbot: QtBot, service: FakeService) -> tuple[MainWindow, list]:  # type: ignore[type-arg]
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    return window, entries


def submenu(menu: QMenu, name: str) -> QMenu:
    found = menu.findChild(QMenu, name)
    assert found is not None
    return found


def action(menu: QMenu, data: str) -> QAction:
    return next(a for a in menu.actions() if a.data() == data)


def test_setting_triage_from_the_menu_sends_one_command(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    target = next(e for e in entries if e.encounter.triage == "green")
    assert window.select_ref(target.ref)
    menu = window.patient_menu()
    assert menu is not None
    triage = submenu(menu, "triageMenu")
    assert not action(triage, "green").isEnabled()  # the value it already has
    action(triage, "orange").trigger()
    assert service.submitted == [(target.ref, "set-triage", "orange", None)]


def test_the_menu_names_the_patient_it_acts_on_first(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    target = next(e for e in entries if e.encounter.triage == "green")
    assert window.select_ref(target.ref)
    menu = window.patient_menu()
    assert menu is not None
    first = menu.actions()[0]
    assert first.objectName() == "patientMenuHeader" and not first.isEnabled()
    assert first.text() == f"{texts.patient_name(target)} ({texts.masked_identifier(target)})"
    assert "*****" in first.text() and target.ref not in first.text()  # masked; no platform id
    menu.adjustSize()
    assert menu.grab().save("/tmp/patient-menu.png")


def test_finishing_a_visit_asks_why_it_ended(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    target = next(e for e in entries if e.encounter.status is EncounterStatus.IN_PROGRESS)
    assert window.select_ref(target.ref)
    menu = window.patient_menu()
    assert menu is not None
    action(submenu(menu, "finishMenu"), "admitted").trigger()
    assert service.submitted == []  # ending a visit is confirmed first (tests/ui/test_safe_actions.py)
    box = window.safe.dialog
    assert box is not None
    box.findChild(QPushButton, "confirmButton").click()
    assert service.submitted == [(target.ref, "set-state", "finished", "admitted")]


def test_only_allowed_state_changes_are_offered(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    target = next(e for e in entries if e.encounter.status is EncounterStatus.IN_PROGRESS)
    assert window.select_ref(target.ref)
    menu = window.patient_menu()
    assert menu is not None
    offered = {a.data() for a in submenu(menu, "stateMenu").actions()}
    assert offered == {"onleave", "entered-in-error"}


def test_nothing_selected_means_no_menu(qtbot: QtBot, service: FakeService) -> None:
    window, _ = window_with_clinic(qtbot, service)
    window.table.selectionModel().clear()
    assert window.patient_menu() is None


def test_a_pending_write_is_marked_on_its_row_until_confirmed(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    model = window.queue_model
    ref = entries[4].ref
    changed: list[int] = []
    model.dataChanged.connect(lambda tl, br, roles: changed.append(tl.row()))

    service.emit(replace(make_summary(), pending={ref: 1}))
    row = model.row_of(ref)
    marker = model.index(row, int(Column.PENDING))  # its own fixed column: never cut off
    assert marker.data() == "⟳"
    assert marker.data(int(Qt.ItemDataRole.AccessibleTextRole.value)) == "lagrer…"
    assert "1 endring(er) ikke bekreftet" in marker.data(3)  # tooltip
    assert model.index(row, int(Column.STATE)).data() == "Venter på lege"
    assert changed == [row]  # only that row was refreshed

    service.emit(replace(make_summary(), pending={}))
    assert model.index(row, int(Column.PENDING)).data() == ""


def test_rooms_and_clinicians_seen_in_the_queue_can_be_assigned(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    target = next(e for e in entries if e.encounter.doctor is None and e.encounter.room is None
                  and e.encounter.status is EncounterStatus.TRIAGED)
    assert window.select_ref(target.ref)
    menu = window.patient_menu()
    assert menu is not None
    rooms = submenu(menu, "roomMenu")
    doctors = submenu(menu, "doctorMenu")
    assert rooms.actions() and doctors.actions()
    room = rooms.actions()[0]
    room.trigger()
    assert service.submitted[-1] == (target.ref, "assign-room", room.data(), None)
    assert service.displays[-1] == plain(room.text())  # the local effect shows the room's name at once
    doctors.actions()[0].trigger()
    assert service.submitted[-1][1] == "assign-doctor"


def test_a_dropped_patients_menu_tells_a_nurse_who_resolves_the_alert(qtbot: QtBot) -> None:
    # A nurse may not resolve alerts (the shift lead does): "løs varselet først" would send her looking for a
    # button she does not have.
    from legevakt.ui.actions import patient_menu
    from legevakt.worklist.models import Fate
    from legevakt.worklist.roles import Role, permits
    from legevakt.worklist.triage import MTS
    from tests.ui.conftest import make_entry

    dropped = make_entry(1, "Hansen, Kari", fate=Fate.DROPPED)
    parent = QPushButton()
    qtbot.addWidget(parent)
    for role, says in ((Role.NURSE, "Vaktleder"), (Role.DOCTOR, "Vaktleder"), (Role.SHIFT_LEAD, "løs varselet")):
        menu = patient_menu(parent, dropped, MTS, "nb", lambda *a: None, may=lambda p, r=role: permits(r, p))
        note = [a.text() for a in menu.actions() if not a.isSeparator() and not a.menu()][-1]
        assert "Falt ut av køen" in note and says.lower() in note.lower(), (role, note)


def test_a_dropped_patients_panel_asks_for_what_every_role_can_do(qtbot: QtBot) -> None:
    # Finding the patient and acknowledging is every role's; resolving is the shift lead's alone.
    from legevakt.ui.patient_panel import PatientPanel
    from legevakt.worklist.triage import MTS

    panel = PatientPanel(MTS, "nb")
    qtbot.addWidget(panel)
    text = panel.dropped_label.text()
    assert "Finn pasienten og kvitter varselet" in text and "løs" not in text
