"""Issue 9 items 3 and 5: a mass departure stays readable, the queue's filters, search, elision, clinic time."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from legevakt.app import clinic_time
from legevakt.ui.alert_banner import LineKind
from legevakt.ui.i18n import install_translator
from legevakt.ui.main_window import PANEL_MIN_WIDTH, MainWindow, fit_columns
from legevakt.ui.queue_model import Column, QueueFilter
from legevakt.worklist.models import AlertKind, AlertStatus, Fate
from tests.ui.conftest import NOW, FakeService, clinic, clock, make_alert, make_entry, make_summary

N_DROPPED = 7  # hand-counted: entries 3..9 of the clinic drop at once


def flood(qtbot: QtBot, service: FakeService) -> tuple[MainWindow, list, list]:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    dropped = [replace(e, fate=Fate.DROPPED, in_list=False, drop_confirmed=True) for e in entries[2:9]]
    entries = [entries[0], entries[1], *dropped, *entries[9:]]
    drops = [make_alert(100 + i, AlertKind.DROPPED_FROM_QUEUE, e) for i, e in enumerate(dropped)]
    mass = make_alert(99, AlertKind.MASS_DEPARTURE, None, key="mass-departure", related=tuple(e.ref for e in dropped))
    service.emit(make_summary(entries, alerts=[*alerts, *drops, mass], initial=True))
    return window, dropped, [mass, *drops]


def test_the_banner_explains_a_mass_departure_first_above_a_collapsed_list(qtbot: QtBot,
                                                                           service: FakeService) -> None:
    window, dropped, _group = flood(qtbot, service)
    lines = window.banner.lines()
    assert lines[0].kind is LineKind.GROUP
    assert lines[0].text == f"Mange forsvant samtidig – mulig plattformfeil: {N_DROPPED} pasienter"
    # collapsed: none of the seven drop lines; the earlier single drop (not in the group) keeps its own line
    assert [ln.alert_id for ln in lines if ln.kind is LineKind.CRITICAL] == ["AL-000001"]
    window.banner.set_expanded(True)
    members = [ln for ln in window.banner.lines() if ln.member]
    assert len(members) == 5 + 1  # MAX_LINES drop lines and "+ 2 more"
    for line in window.banner.lines():  # no raw FHIR id in any line kind; the ids are in the tooltips
        assert "Encounter/" not in line.text + line.detail and "Patient/" not in line.text + line.detail
    assert dropped[0].ref in members[0].tooltip


def test_the_dropped_rows_gather_in_one_group_row_so_live_patients_stay_in_view(
        qtbot: QtBot, service: FakeService, qtmodeltester: ModelTester) -> None:
    window, dropped, _ = flood(qtbot, service)
    qtmodeltester.check(window.queue_model, force_py=True)
    resets: list[int] = []
    window.queue_model.modelReset.connect(lambda: resets.append(1))
    window.proxy.modelReset.connect(lambda: resets.append(1))
    proxy = window.proxy
    assert proxy.is_group_row(0)
    assert proxy.entry_at(1) is not None and proxy.entry_at(1).ref == "Encounter/enc-001"  # the lone drop
    assert proxy.rowCount() == 14 - N_DROPPED + 1
    assert window.table.columnSpan(0, 0) == len(Column)
    window.set_group_expanded(True)
    assert proxy.rowCount() == 14 + 1
    window.set_group_expanded(False)
    # one of them is back in the queue List: it leaves the group, incrementally
    back = replace(dropped[0], fate=Fate.PRESENT, in_list=True)
    service.emit(make_summary([back]))
    assert proxy.row_of(back.ref) >= 0 and not window.queue_model.is_member(back.ref)
    assert proxy.rowCount() == 14 - N_DROPPED + 2
    assert resets == []


def test_the_group_is_confirmed_with_one_comment_recorded_on_each_alert(qtbot: QtBot, service: FakeService) -> None:
    window, _dropped, group = flood(qtbot, service)
    assert window.action_confirm_group.shortcut().toString() == "Ctrl+Shift+G"
    window.action_confirm_group.trigger()
    dialog = window.banner.dialog
    assert dialog is not None
    assert not dialog.action_button.isEnabled()  # a comment is required
    dialog.editor.setPlainText("Plattformfeil bekreftet med IT, alle pasienter er på venterommet")
    dialog.action_button.click()
    assert sorted(service.acknowledged) == sorted(
        (a.id, "Hanne Lie", "Plattformfeil bekreftet med IT, alle pasienter er på venterommet") for a in group)
    assert "AL-000001" not in {a for a, _, _ in service.acknowledged}  # the lone drop is not in the group


def test_a_role_rule_that_disables_the_action_disables_the_banner_button(qtbot: QtBot, service: FakeService) -> None:
    window, _, _ = flood(qtbot, service)
    assert window.banner.confirm_button is not None and window.banner.confirm_button.isEnabled()
    window.action_confirm_group.setEnabled(False)
    assert window.banner.confirm_button is not None and not window.banner.confirm_button.isEnabled()


def test_filter_mine_and_search(qtbot: QtBot) -> None:
    service = FakeService(practitioner="Practitioner/lie")  # "Lie, Hanne" in the clinic
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    assert window.filter_buttons[QueueFilter.MINE].text() == "Mine  5"  # entries 2, 5, 7, 9, 11
    window.set_filter(QueueFilter.MINE)
    assert window.proxy.rowCount() == 6  # the five and the dropped patient, pinned
    window.set_filter(QueueFilter.ALL)
    window.action_toggle_group.trigger()  # no group: nothing happens
    window.search_action.trigger()
    window.search_field.setText("nilsen")
    assert [window.proxy.entry_at(r).ref for r in range(window.proxy.rowCount())] == [entries[3].ref]
    window.search_field.setText("rom 3")  # the room
    assert window.proxy.rowCount() == 1
    assert entries[7].patient is not None
    window.search_field.setText(entries[7].patient.identifier[:6])  # the birth-date digits of the number
    assert entries[7].ref in [window.proxy.entry_at(r).ref for r in range(window.proxy.rowCount())]
    window.search_field.clear()
    assert window.proxy.rowCount() == 14


def test_a_long_message_never_widens_the_window(qtbot: QtBot, service: FakeService) -> None:
    window, _, _ = flood(qtbot, service)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    width = window.width()
    long = "Plattformen svarte: " + "x" * 2000
    window.status.showMessage(long)
    window.status.problem_label.setText(long)
    window.banner.show_notice(long)
    qtbot.wait(50)
    assert window.width() == width == 1280
    assert window.minimumSizeHint().width() <= 1280


@pytest.fixture
def machine_in_utc() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()
    clinic_time.set_zone(None)


def test_clock_times_are_the_clinics_not_the_machines(qtbot: QtBot, service: FakeService,
                                                      machine_in_utc: None) -> None:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entry = make_entry(1, minutes_ago=30)  # arrived 13:00 UTC = 14:00 in Oslo (CET, March)
    alert = make_alert(1, AlertKind.DROPPED_FROM_QUEUE, entry, minutes_ago=0)
    service.emit(make_summary([entry], alerts=[alert], initial=True))
    tip = window.queue_model.index(0, int(Column.WAITING)).data(3)
    assert tip.startswith("Ankom 14:00")
    assert "14:30" in window.banner.text()  # raised at NOW, 13:30 UTC
    clinic_time.set_zone("America/New_York")
    assert window.queue_model.index(0, int(Column.WAITING)).data(3).startswith("Ankom 09:00")
    assert NOW.hour == 13 and AlertStatus.OPEN


# -- columns from 1280 px up -------------------------------------------------------------------------
def shown_at(qtbot: QtBot, service: FakeService, width: int, height: int, extra: int = 0) -> MainWindow:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    more = [make_entry(200 + i, minutes_ago=5 + i) for i in range(extra)]
    service.emit(make_summary(entries + more, alerts=alerts, initial=True))
    window.resize(width, height)
    window.show()
    qtbot.waitUntil(lambda: window.table.viewport().width() > 0)
    QApplication.processEvents()
    return window


def fits(window: MainWindow, column: Column, text: str, *, bold: bool = False) -> bool:
    """Whether ``text`` shows in full in ``column`` (measured with the table's own font, plus the cell's
    padding: the delegate's 6 px and the style's text margin on each side)."""
    font = QFont(window.table.font())
    font.setBold(bold)
    return QFontMetrics(font).horizontalAdvance(text) + 2 * 6 + 2 * 4 <= window.table.columnWidth(int(column))


@pytest.mark.parametrize("rows", [0, 30], ids=["clinic", "with-a-scroll-bar"])
def test_at_1280_the_complaint_reads_in_full_names_elide_and_nothing_is_cut_off(
        qtbot: QtBot, service: FakeService, rows: int) -> None:
    window = shown_at(qtbot, service, 1280, 800, extra=rows)
    table = window.table
    visible = [c for c in Column if not table.isColumnHidden(int(c))]
    # No sideways scrolling: the alert icons and the pending-write marker are in view.
    assert sum(table.columnWidth(int(c)) for c in visible) <= table.viewport().width()
    assert Column.PENDING in visible and Column.ALERTS in visible
    # Every complaint of the clinic reads in full (hand-picked longest: "Feber og nakkestivhet").
    for entry in clinic()[0]:
        assert fits(window, Column.COMPLAINT, entry.encounter.complaint or ""), entry.encounter.complaint
    # A long name elides, with the whole name in the tooltip.
    long_name = "Johansen, Ole Martin"
    assert not fits(window, Column.NAME, long_name, bold=True)
    row = window.proxy.row_of("Encounter/enc-001")
    assert window.proxy.index(row, int(Column.NAME)).data(int(Qt.ItemDataRole.ToolTipRole)) == long_name
    # The patient panel keeps a sensible width; birth dates with their D-number mark read in full.
    assert window.panel.width() >= PANEL_MIN_WIDTH
    assert fits(window, Column.IDENT, "09.09.1983 D-nr.")
    assert fits(window, Column.STATE, "Venter på lege") and fits(window, Column.TRIAGE, "Ikke triert", bold=True)


@pytest.mark.parametrize("width", [1280, 1600])
def test_an_infants_age_in_months_or_days_reads_in_full(qtbot: QtBot, service: FakeService, width: int) -> None:
    # Hand-written bokmål: the oldest child counted in months (23 mnd) and a newborn in days (30 d). A
    # 22-month-old cut to "22 …" reads as 22 years: the age column shows the whole age or steps aside (age
    # and sex stay in the patient panel), never a cut one.
    window = shown_at(qtbot, service, width, 800)
    if width >= 1600:
        assert not window.table.isColumnHidden(int(Column.AGE_SEX))
    if not window.table.isColumnHidden(int(Column.AGE_SEX)):
        for age in ("23 mnd K", "23 mnd M", "30 d K", "104 M"):
            assert fits(window, Column.AGE_SEX, age), age


@pytest.mark.parametrize("width", [1600, 1920])
def test_from_1600_every_column_shows_and_typical_names_read_in_full(qtbot: QtBot, service: FakeService,
                                                                     width: int) -> None:
    window = shown_at(qtbot, service, width, 900)
    table = window.table
    assert not any(table.isColumnHidden(int(c)) for c in Column)
    assert sum(table.columnWidth(int(c)) for c in Column) <= table.viewport().width()
    for name in ("Andersen, Kristian", "Larsen, Kristoffer"):
        assert fits(window, Column.NAME, name, bold=True)
    for clinician in ("Lie, Hanne", "Dahl, Kristin", "Aas, Morten"):
        assert fits(window, Column.NURSE, clinician) and fits(window, Column.DOCTOR, clinician)
    assert fits(window, Column.STATE, "Under behandling") and fits(window, Column.ROOM, "Akuttrom 1")
    assert window.panel.width() > PANEL_MIN_WIDTH


def test_fit_columns_by_hand() -> None:
    """Three columns: A ideal 100 (least 60), the complaint ideal 120 (least 100), B ideal 50 (fixed)."""
    a, complaint, b = Column.NAME, Column.COMPLAINT, Column.TRIAGE
    ideal = {a: 100, complaint: 120, b: 50, Column.AGE_SEX: 30}
    least = {a: 60, complaint: 100, b: 50, Column.AGE_SEX: 30}
    assert fit_columns(ideal, least, 400) == ideal  # fits: ideal (the complaint stretches into the rest)
    # 280 wide: 20 px short of ideal; the complaint gives its comfort first (120 -> 100), A keeps its 100.
    assert fit_columns(ideal, least, 280) == {a: 100, complaint: 100, b: 50, Column.AGE_SEX: 30}
    # 260: the complaint is at its least; A gives the other 20 of the 40 it could: 60 + 40 * 20/40.
    assert fit_columns(ideal, least, 260) == {a: 80, complaint: 100, b: 50, Column.AGE_SEX: 30}
    # 240: even the least widths (240) just fit.
    assert fit_columns(ideal, least, 240) == {a: 60, complaint: 100, b: 50, Column.AGE_SEX: 30}
    # 230: not even those: the age column steps aside, and A gets back what it frees (30 of 40 it gave).
    assert fit_columns(ideal, least, 230) == {a: 80, complaint: 100, b: 50, Column.AGE_SEX: 0}


def test_a_language_change_rewrites_the_group_row_too(qtbot: QtBot, service: FakeService,
                                                      qapp: QApplication) -> None:
    window, _dropped, _ = flood(qtbot, service)
    model = window.queue_model
    group = model.group_row()
    assert group == model.rowCount() - 1  # after the entries
    told: list[tuple[int, int, list[int]]] = []
    model.dataChanged.connect(lambda tl, br, roles=(): told.append((tl.row(), br.row(), list(roles))))
    install_translator(qapp, "en")
    try:
        model.set_language("en")
        assert any(top <= group <= bottom and int(Qt.ItemDataRole.DisplayRole.value) in roles
                   for top, bottom, roles in told), "the view was not told the group row's text changed"
        text = model.index(group, 0).data()
        assert f"Many vanished at once – possible platform fault: {N_DROPPED} patients" in text
    finally:
        install_translator(qapp, "nb")
        model.set_language("nb")
    assert "Mange forsvant samtidig" in model.index(group, 0).data()
