"""Safe actions: ending a visit is confirmed naming the patient, everything else can be undone for 10 s,
the menu acts on the patient selected when it opened, and a refused write names rooms and keeps the row."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from legevakt.problems import Problem, ProblemKind
from legevakt.ui import texts
from legevakt.ui.keyboard import plain
from legevakt.ui.main_window import MainWindow
from legevakt.ui.queue_model import Column
from legevakt.ui.safe_actions import UNDO_MS
from legevakt.worklist.commands import CommandKind, make_command
from legevakt.worklist.models import Alert, AlertKind, Entry
from legevakt.worklist.snapshot import WorklistState
from legevakt.worklist.triage import MTS
from legevakt.worklist.write_outcomes import apply_command, write_conflict, write_not_applied
from tests.ui.conftest import NOW, FakeService, bump, clinic, clock, make_entry, make_summary

SHOTS = Path("/work/helpers/shots")


def window_with_clinic(qtbot: QtBot, service: FakeService) -> tuple[MainWindow, list[Entry]]:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    window.resize(1400, 800)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    return window, entries


def by_name(entries: list[Entry], name: str) -> Entry:
    return next(e for e in entries if e.patient is not None and e.patient.name == name)


def open_menu(window: MainWindow, entry: Entry) -> QMenu:
    assert window.select_ref(entry.ref)
    menu = window.patient_menu()
    assert menu is not None
    return menu


def submenu(menu: QMenu, name: str) -> QMenu:
    found = menu.findChild(QMenu, name)
    assert found is not None
    return found


def action(menu: QMenu, data: str) -> QAction:
    return next(a for a in menu.actions() if a.data() == data)


def shown(toast: QWidget) -> bool:
    return not toast.isHidden()


def dialog(window: MainWindow) -> QMessageBox:
    box = window.safe.dialog
    assert box is not None and box.isVisible()
    return box


def button(box: QMessageBox, name: str) -> QPushButton:
    found = box.findChild(QPushButton, name)
    assert found is not None
    return found


# -- the four actions that end a visit ----------------------------------------------------------------------
DANGEROUS = [  # (menu, action data, submitted target, disposition, words in the question, in the toast after)
    ("finishMenu", "home", "finished", "home", "Avslutte besøket til", "Besøket avsluttet: Hjem"),  # discharge
    ("finishMenu", "deceased", "finished", "deceased", "som død", "Besøket avsluttet: Død"),
    ("finishMenu", "lwbs", "finished", "lwbs", "gikk uten å bli sett", "Besøket avsluttet: Gikk uten å bli sett"),
    ("stateMenu", "cancelled", "cancelled", None, "Avlyse besøket til", "Besøket avlyst"),
]


@pytest.mark.parametrize(("menu_name", "data", "target", "disposition", "words", "done"), DANGEROUS)
def test_ending_a_visit_asks_naming_the_patient_and_cancel_does_nothing(
        qtbot: QtBot, service: FakeService, menu_name: str, data: str, target: str, disposition: str | None,
        words: str, done: str) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Hansen, Lars")  # triaged: may be finished or cancelled
    action(submenu(open_menu(window, patient), menu_name), data).trigger()

    box = dialog(window)
    assert service.submitted == []  # nothing until confirmed
    assert "Hansen, Lars" in box.text() and texts.masked_identifier(patient) in box.text()
    assert words in box.text()
    assert box.defaultButton() is button(box, "cancelButton")  # Enter does not end a visit
    button(box, "cancelButton").click()
    assert window.safe.dialog is None
    assert service.submitted == []
    assert not shown(window.safe.toast)

    action(submenu(open_menu(window, patient), menu_name), data).trigger()
    button(dialog(window), "confirmButton").click()
    assert service.submitted == [(patient.ref, "set-state", target, disposition)]
    toast = window.safe.toast  # the row leaves the queue: the toast says what was done, with no "Angre"
    assert shown(toast) and not toast.can_undo
    said = toast.label.toolTip()  # the whole text (the label elides)
    assert "Hansen, Lars" in said and "kan ikke angres" in said and done in said


@pytest.mark.parametrize(("data", "yes"), [("deceased", "Registrer som død"), ("lwbs", "Registrer at pasienten gikk"),
                                           ("home", "Avslutt besøket")])
def test_the_confirming_button_says_what_it_registers(qtbot: QtBot, service: FakeService, data: str,
                                                      yes: str) -> None:
    window, entries = window_with_clinic(qtbot, service)
    action(submenu(open_menu(window, by_name(entries, "Hansen, Lars")), "finishMenu"), data).trigger()
    assert button(dialog(window), "confirmButton").text() == yes


def test_entered_in_error_is_confirmed_too(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Hansen, Lars")
    action(submenu(open_menu(window, patient), "stateMenu"), "entered-in-error").trigger()
    box = dialog(window)
    assert "Hansen, Lars" in box.text()
    box.reject()  # Esc
    assert service.submitted == []


# -- undo -------------------------------------------------------------------------------------------------
def test_a_triage_change_can_be_undone_with_exactly_the_inverse_command(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Eriksen, Henrik")  # green
    action(submenu(open_menu(window, patient), "triageMenu"), "orange").trigger()
    assert service.submitted == [(patient.ref, "set-triage", "orange", None)]
    toast = window.safe.toast
    assert shown(toast) and toast.can_undo
    assert "Eriksen, Henrik" in toast.label.toolTip() and "Oransje" in toast.label.toolTip()
    assert toast.timer.interval() == UNDO_MS == 10_000

    button_ = toast.findChild(QPushButton, "undoButton")
    assert button_ is not None and button_.text() == "Angre"
    button_.click()
    assert service.submitted == [(patient.ref, "set-triage", "orange", None),
                                 (patient.ref, "set-triage", "green", None)]
    # Each for the value it was meant for: changed by someone else in between, the service refuses it.
    assert service.expects == ["green", "orange"]
    assert not shown(toast)
    toast.undo()  # a second "Angre" (Ctrl+Z) finds nothing to undo
    assert len(service.submitted) == 2


def test_undoing_a_room_puts_back_the_room_it_had_by_name(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Nilsen, Sofie")  # Rom 3
    rooms = submenu(open_menu(window, patient), "roomMenu")
    other = next(a for a in rooms.actions() if plain(a.text()) == "Akuttrom 1")
    other.trigger()
    window.safe.toast.undo()
    assert service.submitted == [(patient.ref, "assign-room", "Location/akuttrom-1", None),
                                 (patient.ref, "assign-room", "Location/rom-3", None)]
    assert service.displays == ["Akuttrom 1", "Rom 3"]
    assert service.expects == ["Location/rom-3", "Location/akuttrom-1"]


def test_a_state_change_is_undone_to_the_state_before(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Hansen, Lars")  # triaged
    action(submenu(open_menu(window, patient), "stateMenu"), "onleave").trigger()
    window.safe.toast.undo()
    assert service.submitted == [(patient.ref, "set-state", "onleave", None),
                                 (patient.ref, "set-state", "triaged", None)]
    assert service.expects == ["triaged", "onleave"]


def test_an_action_without_an_inverse_says_so_instead_of_offering_angre(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Haugen, Emil")  # not triaged: there is no "no triage" to go back to
    action(submenu(open_menu(window, patient), "triageMenu"), "yellow").trigger()
    toast = window.safe.toast
    assert shown(toast) and not toast.can_undo
    assert toast.findChild(QPushButton, "undoButton").isHidden()  # type: ignore[union-attr]
    assert "kan ikke angres" in toast.label.toolTip()
    toast.undo()
    assert len(service.submitted) == 1


def test_the_toast_goes_away_after_its_time_and_then_undoes_nothing(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    toast = window.safe.toast
    toast.timer.setInterval(30)  # the 10 s, shortened for the test
    patient = by_name(entries, "Eriksen, Henrik")
    action(submenu(open_menu(window, patient), "triageMenu"), "yellow").trigger()
    assert shown(toast)
    qtbot.waitUntil(lambda: not shown(toast), timeout=5000)
    assert not toast.can_undo
    toast.undo()
    assert service.submitted == [(patient.ref, "set-triage", "yellow", None)]


def test_escape_dismisses_the_toast_and_ctrl_z_undoes(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    patient = by_name(entries, "Eriksen, Henrik")
    window.table.setFocus()
    action(submenu(open_menu(window, patient), "triageMenu"), "yellow").trigger()
    assert shown(window.safe.toast)
    qtbot.keyClick(window.table, Qt.Key.Key_Escape)
    assert not shown(window.safe.toast)
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # gone: nothing to undo
    assert len(service.submitted) == 1

    action(submenu(open_menu(window, patient), "triageMenu"), "red").trigger()
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert service.submitted[1:] == [(patient.ref, "set-triage", "red", None),
                                     (patient.ref, "set-triage", "green", None)]


def test_the_lock_closes_the_question_and_the_toast_they_name_a_patient(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Hansen, Lars")
    action(submenu(open_menu(window, patient), "triageMenu"), "red").trigger()
    action(submenu(open_menu(window, patient), "finishMenu"), "home").trigger()
    assert shown(window.safe.toast) and window.safe.dialog is not None
    window.idle_lock.locked.emit()
    assert window.locked and window.safe.dialog is None and not shown(window.safe.toast)
    assert service.submitted == [(patient.ref, "set-triage", "red", None)]  # closing is not confirming


# -- the patient stays the one selected when the menu opened --------------------------------------------------
def resorting_sync(entries: list[Entry]) -> list[Entry]:
    """Three new red arrivals and two patients re-triaged to red: every row below them moves."""
    new = [make_entry(40 + i, f"Ny, Pasient {i}", minutes_ago=200 + i, triage="red", born=date(1970, 1, 1 + i))
           for i in range(3)]
    moved = [bump(by_name(entries, "Karlsen, Jonas"), triage="red"),
             bump(by_name(entries, "Solberg, Astrid"), triage="red")]
    return new + moved


def test_the_menu_acts_on_the_patient_selected_when_it_opened_after_a_sync_resorts(
        qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Eriksen, Henrik")
    menu = open_menu(window, patient)
    row_before = window.proxy.row_of(patient.ref)

    service.emit(make_summary(resorting_sync(entries)))  # a sync while the menu is open
    assert window.proxy.row_of(patient.ref) != row_before  # the rows did move
    moved_into = window.proxy.entry_at(row_before)
    assert moved_into is not None and moved_into.ref != patient.ref

    action(submenu(menu, "triageMenu"), "yellow").trigger()
    assert service.submitted == [(patient.ref, "set-triage", "yellow", None)]
    window.safe.toast.undo()
    assert service.submitted[-1] == (patient.ref, "set-triage", "green", None)


def test_a_confirmation_open_during_a_sync_still_ends_the_patient_it_named(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Eriksen, Henrik")
    action(submenu(open_menu(window, patient), "finishMenu"), "home").trigger()
    service.emit(make_summary(resorting_sync(entries)))
    box = dialog(window)
    assert "Eriksen, Henrik" in box.text()
    button(box, "confirmButton").click()
    assert service.submitted == [(patient.ref, "set-state", "finished", "home")]


# -- a refused write -----------------------------------------------------------------------------------------
def refused(entry: Entry, kind: CommandKind, target: str, display: str | None = None, *,
            conflict_with: str | None = None) -> tuple[Entry, Alert]:
    """The worklist's own steps: the command's local effect, then the platform refuses it before reading
    the encounter (no platform value), or a conflict with ``conflict_with``."""
    state = WorklistState(entries={entry.ref: entry}, in_list=frozenset({entry.ref}), live=frozenset({entry.ref}))
    command = make_command(entry, kind, target, by="Hanne Lie", now=NOW, scale=MTS, display=display)
    pending = apply_command(state, command, NOW).state
    assert pending.entries[entry.ref] != entry  # the local effect showed
    if conflict_with is None:
        result = write_not_applied(pending, command, "403 forbidden", NOW, refused=True, platform_value=None)
    else:
        result = write_conflict(pending, command, command.target_value, conflict_with, NOW)
    (alert,) = [a for a in result.alerts if a.kind in (AlertKind.WRITE_NOT_APPLIED, AlertKind.WRITE_CONFLICT)]
    return result.state.entries[entry.ref], alert


def banner_texts(window: MainWindow) -> str:
    return "\n".join(label.text() for label in window.banner.findChildren(QLabel) if label.isVisibleTo(window))


def test_a_refused_room_names_the_room_and_the_row_keeps_its_room(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Nilsen, Sofie")  # Rom 3, orange
    # Known to the window from the menu (its directory), the platform's alert only has the reference.
    after, alert = refused(patient, CommandKind.ASSIGN_ROOM, "Location/akuttrom-1", "Akuttrom 1")
    service.emit(make_summary([after], alerts=[alert]))

    text = banner_texts(window)
    assert "Akuttrom 1" in text and "avvist" in text
    assert "Location/" not in text and "akuttrom-1" not in text
    row = window.queue_model.row_of(patient.ref)
    assert window.queue_model.index(row, int(Column.ROOM)).data() == "Rom 3"  # its last confirmed room, by name
    assert window.queue_model.index(row, int(Column.TRIAGE)).data() == \
        texts.triage_short(MTS, "orange", "nb")


def test_a_refused_triage_leaves_the_last_confirmed_triage_not_a_blank(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Eriksen, Henrik")  # green
    after, alert = refused(patient, CommandKind.SET_TRIAGE, "red")
    assert after.encounter.triage == "green"
    service.emit(make_summary([after], alerts=[alert]))
    row = window.queue_model.row_of(patient.ref)
    shown = window.queue_model.index(row, int(Column.TRIAGE)).data()
    assert shown == texts.triage_short(MTS, "green", "nb") and shown != texts.not_triaged()
    assert "Rød" in banner_texts(window)


def test_a_conflicting_doctor_names_both_doctors(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Nilsen, Sofie")  # Dahl, Kristin
    after, alert = refused(patient, CommandKind.ASSIGN_DOCTOR, "Practitioner/aas", "Aas, Morten",
                           conflict_with="Practitioner/dahl")
    assert alert.kind is AlertKind.WRITE_CONFLICT
    service.emit(make_summary([after], alerts=[alert]))
    text = banner_texts(window)
    assert "Aas, Morten" in text and "Dahl, Kristin" in text and "Practitioner/" not in text
    row = window.queue_model.row_of(patient.ref)
    assert window.queue_model.index(row, int(Column.DOCTOR)).data() == "Dahl, Kristin"


def test_a_refused_write_in_a_window_that_never_assigned_it_uses_the_queue_names(
        qtbot: QtBot, service: FakeService) -> None:
    """After a restart: the name comes from another row holding that reference."""
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Hansen, Lars")  # nurse Vik, Siri
    after, alert = refused(patient, CommandKind.ASSIGN_NURSE, "Practitioner/lie")  # no display given
    service.emit(make_summary([after], alerts=[alert]))
    text = banner_texts(window)
    assert "Lie, Hanne" in text and "Practitioner/" not in text


def test_a_command_the_service_refuses_names_the_patient_and_the_room_not_their_ids(
        qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    patient = by_name(entries, "Nilsen, Sofie")
    service.fail(Problem.of(ProblemKind.COMMAND_CHANGED_SINCE, field="room", encounter=patient.ref))
    (notice,) = [t for t in banner_texts(window).splitlines() if t.startswith("Ikke utført")]
    assert "Nilsen, Sofie (211119 *****)" in notice and "Encounter/" not in notice
    service.fail(Problem.of(ProblemKind.COMMAND_NOTHING_TO_CHANGE, field="room", value="Location/rom-3"))
    (notice,) = [t for t in banner_texts(window).splitlines() if t.startswith("Ikke utført")]
    assert "Rom 3" in notice and "Location/" not in notice


# -- screenshots ---------------------------------------------------------------------------------------------
def test_screenshots_of_the_confirmation_and_the_toast(qtbot: QtBot, service: FakeService) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    window, entries = window_with_clinic(qtbot, service)
    window.show()
    qtbot.waitExposed(window)
    patient = by_name(entries, "Hansen, Lars")
    action(submenu(open_menu(window, patient), "finishMenu"), "deceased").trigger()
    box = dialog(window)
    qtbot.wait(50)
    assert box.grab().save(str(SHOTS / "safe-confirm.png"))
    box.reject()
    action(submenu(open_menu(window, patient), "triageMenu"), "red").trigger()
    after, alert = refused(by_name(entries, "Nilsen, Sofie"), CommandKind.ASSIGN_ROOM, "Location/akuttrom-1",
                           "Akuttrom 1")
    service.emit(make_summary([after, replace(patient)], alerts=[alert]))
    qtbot.wait(50)
    assert shown(window.safe.toast)
    assert window.grab().save(str(SHOTS / "safe-toast.png"))


def test_the_queue_menu_offers_angre_with_its_keys_while_there_is_something_to_undo(
        qtbot: QtBot, service: FakeService) -> None:
    # Where a clinician looks for "Angre" (the menu bar), it is there with Ctrl+Z, and only while it can undo.
    window, entries = window_with_clinic(qtbot, service)
    menu = window.findChild(QMenu, "queueMenu")
    assert menu is not None

    def undo_item() -> QAction:
        menu.aboutToShow.emit()
        return next(a for a in menu.actions() if a.text().replace("&", "").startswith("Angre"))

    assert undo_item().text().endswith("\tCtrl+Z") and not undo_item().isEnabled()
    patient = by_name(entries, "Eriksen, Henrik")  # green
    action(submenu(open_menu(window, patient), "triageMenu"), "orange").trigger()
    item = undo_item()
    assert item.isEnabled()
    item.trigger()
    assert service.submitted == [(patient.ref, "set-triage", "orange", None),
                                 (patient.ref, "set-triage", "green", None)]
    assert not undo_item().isEnabled()


@pytest.mark.parametrize(("language", "back"), [("nb", "Avbryt"), ("en", "Go back")])
def test_the_question_that_ends_a_visit_has_a_way_back_that_says_so(
        qtbot: QtBot, service: FakeService, language: str, back: str) -> None:
    # "Cancel visit" beside "Do not" reads as two ways to cancel; the way out says it changes nothing.
    from legevakt.ui.i18n import install_translator
    install_translator(QApplication.instance(), language)  # type: ignore[arg-type]
    try:
        window, entries = window_with_clinic(qtbot, service)
        patient = by_name(entries, "Hansen, Lars")
        action(submenu(open_menu(window, patient), "stateMenu"), "cancelled").trigger()
        assert button(dialog(window), "cancelButton").text() == back
        button(dialog(window), "cancelButton").click()
        assert service.submitted == []
    finally:
        install_translator(QApplication.instance(), "nb")  # type: ignore[arg-type]


def test_triage_from_the_keyboard_ctrl_alt_digit_sets_the_selected_patient_s_level_with_undo(
        qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    patient = by_name(entries, "Eriksen, Henrik")  # green
    assert window.select_ref(patient.ref)
    qtbot.keyClick(window.table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    assert service.submitted == [(patient.ref, "set-triage", "orange", None)]  # MTS: 1 red, 2 orange, ...
    assert window.safe.toast.can_undo  # the same safe path as the menu
    # the patient menu shows the keys beside each level, and the Queue menu holds the window's actions
    levels = submenu(open_menu(window, patient), "triageMenu").actions()
    assert [a.shortcut().toString() for a in levels] == [f"Ctrl+Alt+{i}" for i in range(1, 6)]
    assert [a.shortcut().toString() for a in window.triage_actions] == [f"Ctrl+Alt+{i}" for i in range(1, 6)]


def test_keyboard_triage_is_not_offered_where_the_menu_does_not_offer_it(qtbot: QtBot, service: FakeService) -> None:
    window, entries = window_with_clinic(qtbot, service)
    window.table.clearSelection()
    window.table.setCurrentIndex(window.table.model().index(-1, -1))
    assert window.set_selected_triage("red") is False  # nobody selected
    from legevakt.worklist.roles import Permission
    service.may = lambda permission: permission is not Permission.TRIAGE  # type: ignore[attr-defined]
    assert window.select_ref(by_name(entries, "Eriksen, Henrik").ref)
    assert window.set_selected_triage("red") is False  # a role without triage: the menu's gate holds
    assert service.submitted == []


# -- where the toast shows (issue 9.5: it covered the queue's bottom row for 10 s) ----------------------------
def visible_rows(window: MainWindow) -> list[QRect]:
    """Each queue row's part in sight, in the window's coordinates."""
    table, viewport = window.table, window.table.viewport()
    rows = []
    for row in range(window.proxy.rowCount()):
        rect = table.visualRect(window.proxy.index(row, 0))
        rect = QRect(0, rect.y(), viewport.width(), rect.height()).intersected(viewport.rect())
        if not rect.isEmpty():
            rows.append(QRect(viewport.mapTo(window, rect.topLeft()), rect.size()))
    return rows


def test_the_undo_toast_covers_no_patient_row_and_the_changed_row_stays_in_sight(qtbot: QtBot,
                                                                                 service: FakeService) -> None:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    more = [make_entry(100 + i, minutes_ago=5 + i, triage="blue") for i in range(30)]  # more than fit
    service.emit(make_summary(entries + more, alerts=alerts, initial=True))
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    assert window.table.verticalScrollBar().maximum() > 0  # the queue fills the view
    # The last row in sight, chosen and changed: the toast comes.
    last = max(r for r in range(window.proxy.rowCount())
               if window.table.viewport().rect().contains(window.table.visualRect(window.proxy.index(r, 0))))
    patient = window.proxy.entry_at(last)
    assert patient is not None
    action(submenu(open_menu(window, patient), "triageMenu"), "orange").trigger()
    toast = window.safe.toast
    assert shown(toast)
    qtbot.wait(50)  # the layout makes room, the table keeps the row in sight
    where = QRect(toast.mapTo(window, QPoint(0, 0)), toast.size())
    assert where.height() > 0 and window.rect().contains(where)
    rows = visible_rows(window)
    assert rows and not any(row.intersects(where) for row in rows)
    changed = window.table.visualRect(window.proxy.index(window.proxy.row_of(patient.ref), 0))
    assert window.table.viewport().rect().contains(QRect(0, changed.y(), 1, changed.height()))
    # Nor does it cover the status bar (how fresh the list is)
    assert not QRect(window.status.mapTo(window, QPoint(0, 0)), window.status.size()).intersects(where)
    toast.dismiss()
    qtbot.wait(50)
    assert window.table.viewport().mapTo(window, QPoint(0, window.table.viewport().height())).y() > where.top()
