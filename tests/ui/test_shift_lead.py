"""The shift-lead view: figures as counted by hand, live updates in place, the chart (or its table), the lock."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QAbstractItemModel, QRect, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from legevakt.app.summary import LinkMode
from legevakt.ui import shift_lead
from legevakt.ui.i18n import install_translator
from legevakt.ui.main_window import MainWindow
from legevakt.ui.shift_lead import Cell, FigureModel, ShiftLeadView, hour_labels
from legevakt.worklist.models import AlertKind, AlertStatus, DepartureReason, EncounterStatus, Fate, Severity
from legevakt.worklist.overview import HourCount
from tests.ui.conftest import (
    NOW,
    FakeService,
    bump,
    clinic,
    clock,
    make_alert,
    make_entry,
    make_link,
    make_summary,
)

# NOW is 14:30 in Oslo on a Friday in March (CET): the day shift, 07:00-15:00, began 7.5 hours ago.


def tile(view: ShiftLeadView, name: str) -> tuple[str, str]:
    t = getattr(view, name)
    return t.value.text(), t.detail.text()


def shown_view(qtbot: QtBot, view: ShiftLeadView) -> ShiftLeadView:
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def kept() -> Iterator[list[ShiftLeadView]]:
    """Views (and so their models) kept alive until the model testers have let go of them."""
    views: list[ShiftLeadView] = []
    yield views
    for view in views:
        view.close()
        view.deleteLater()


@pytest.fixture
def model_testers(request: pytest.FixtureRequest, kept: list[ShiftLeadView]) -> Iterator[list[ModelTester]]:
    """One qtmodeltester per model (a single tester watches one model)."""
    testers: list[ModelTester] = []
    yield testers
    for tester in testers:
        tester._cleanup()


def watch_resets(*models: QAbstractItemModel) -> list[str]:
    seen: list[str] = []
    for model in models:
        model.modelAboutToBeReset.connect(lambda: seen.append("reset"))
        model.layoutAboutToBeChanged.connect(lambda *_: seen.append("layout"))
    return seen


def all_models(view: ShiftLeadView) -> list[FigureModel]:
    found = [view.levels_model, view.states_model, view.census_model, view.waits_model, view.alerts_model]
    return found + ([view.arrivals_model] if view.arrivals_model is not None else [])


def test_the_figures_as_counted_by_hand(qtbot: QtBot) -> None:
    view = shown_view(qtbot, ShiftLeadView(clock=clock))
    entries, alerts = clinic()
    view.apply_summary(make_summary(entries, alerts=alerts, initial=True, pending={entries[3].ref: 2}))

    # 13 here now (1, Johansen, dropped out of the queue: counted once, as dropped, neither here nor waiting).
    # Waiting for a doctor: 3, 5, 7, 8, 10, 11, 12, 13, 14 (2, 4 and 9 are with one; 6 is away with one).
    assert tile(view, "tile_now") == ("13", "9 venter på lege · 1 falt ut")
    # Past target: 3 (orange 16/10), 5 (yellow 72/60), 8 (green 130/120).
    assert tile(view, "tile_over") == ("3", "av 9 som venter på lege")
    assert tile(view, "tile_shift") == ("14", "0 overført (0 fortsatt her) · 14 ankommet")
    assert tile(view, "tile_alerts") == ("5", "kritiske: 1 · ikke kvittert: 5")
    assert tile(view, "tile_pending") == ("2", "berørte pasienter: 1")
    assert view.levels_model.texts() == [
        ["Rød – umiddelbart", "1"], ["Oransje – svært haster", "2"], ["Gul – haster", "3"],
        ["Grønn – standard", "3"], ["Blå – ikke hastende", "2"], ["Ikke triert", "2"]]
    assert view.states_model.texts() == [
        ["Registrert", "2"], ["Venter på lege", "7"], ["Under behandling", "3"], ["Ute: røntgen, lab", "1"]]
    # One screen, one count: the levels, the states and the census's "still here" are the 13 here now.
    for model in (view.levels_model, view.states_model):
        assert sum(int(row[1]) for row in model.texts()) == 13
    # Past target first, the most over relative to the target first (16/10, 72/60, 130/120); then the
    # untriaged, longest first; then the rest by the time left (Bakken's 210 min left does not make the 8).
    waits = view.waits_model.texts()
    assert [(r[1], r[2], r[3], r[4]) for r in waits] == [
        ("Hansen, Lars", "16 min", "10 min", "6 min over"),
        ("Larsen, Kristoffer", "72 min", "60 min", "12 min over"),
        ("Karlsen, Jonas", "130 min", "120 min", "10 min over"),
        ("Haugen, Emil", "18 min", "–", "Ikke triert"),
        ("Moen, Sara", "4 min", "–", "Ikke triert"),
        ("Pedersen, Nora", "50 min", "60 min", "10 min igjen"),
        ("Eriksen, Henrik", "20 min", "120 min", "100 min igjen"),
        ("Solberg, Astrid", "90 min", "240 min", "150 min igjen"),
    ]
    assert "Johansen, Ole Martin" not in {r[1] for r in waits}  # dropped: not waiting
    assert view.alerts_model.texts() == [["Falt ut", "1", "1", "1"], ["Over triagetid", "3", "0", "3"],
                                         ["Ikke triert", "1", "0", "1"]]
    assert view.census_model.texts() == [
        ["Overført fra forrige vakt", "0"], ["Ankommet denne vakten", "14"], ["I vakten totalt", "14"],
        ["Reist i løpet av vakten", "0"], ["Fortsatt her", "13"], ["Falt ut, ikke avklart", "1"]]
    assert view.caption.text() == "Dagvakt 14.03.2025 07:00–15:00 · tall per 14:30"


def test_the_patients_carried_over_from_the_previous_shift(qtbot: QtBot) -> None:
    view = shown_view(qtbot, ShiftLeadView(clock=clock))
    # The shift began 450 minutes ago (07:00).
    night = make_entry(30, "Natt, Per", minutes_ago=500, triage="green")  # 06:10, still here
    left_early = replace(make_entry(31, minutes_ago=600), fate=Fate.DEPARTED, left_at=NOW - timedelta(minutes=460),
                         departure=DepartureReason.HOME)  # 04:30-06:50: gone before the shift
    left_later = replace(make_entry(32, minutes_ago=520), fate=Fate.DEPARTED, left_at=NOW - timedelta(minutes=400),
                         departure=DepartureReason.ADMITTED)  # 05:50-07:50: here at 07:00
    today = replace(make_entry(33, minutes_ago=100), fate=Fate.DEPARTED, left_at=NOW - timedelta(minutes=30),
                    departure=DepartureReason.LWBS)
    gone_now = make_entry(34, minutes_ago=480)  # 06:30, leaves in the next step (no departed form given)
    view.apply_summary(replace(make_summary([night, gone_now], initial=True),
                               departed=(left_early, left_later, today)))
    assert tile(view, "tile_shift") == ("4", "3 overført (2 fortsatt her) · 1 ankommet")
    view.apply_summary(make_summary(removed=[gone_now.ref]))
    assert tile(view, "tile_shift") == ("4", "3 overført (1 fortsatt her) · 1 ankommet")
    # Carried over: night, left_later and gone_now (left_early went before 07:00); arrived: today. Left during
    # the shift: left_later (admitted), gone_now (no reason given) and today (left without being seen).
    assert view.census_model.texts() == [
        ["Overført fra forrige vakt", "3"], ["Ankommet denne vakten", "1"], ["I vakten totalt", "4"],
        ["Reist i løpet av vakten", "3"], ["    reist: innlagt", "1"], ["    reist: gikk uten å bli sett", "1"],
        ["    reist: avsluttet uten årsak", "1"], ["Fortsatt her", "1"], ["Falt ut, ikke avklart", "0"]]
    assert tile(view, "tile_now") == ("1", "1 venter på lege · 0 falt ut")


def test_updates_live_in_place_without_a_reset(qtbot: QtBot) -> None:
    now = [NOW]
    view = shown_view(qtbot, ShiftLeadView(clock=lambda: now[0]))
    entries, alerts = clinic()
    view.apply_summary(make_summary(entries, alerts=alerts, initial=True))
    tables_before = [view.waits_table.model(), view.levels_table.model()]
    resets = watch_resets(*all_models(view))
    changes: list[int] = []
    view.levels_model.dataChanged.connect(lambda tl, br, roles: changes.extend(range(tl.row(), br.row() + 1)))

    # A red arrival, Karlsen (130 min) goes home, Johansen's drop alert is resolved, Larsen sees a doctor.
    red = make_entry(40, "Ny, Rød", minutes_ago=1, triage="red")
    larsen = bump(entries[4], status=EncounterStatus.IN_PROGRESS, doctor="Practitioner/aas", doctor_name="Aas, Morten")
    karlsen = replace(entries[7], fate=Fate.DEPARTED, left_at=NOW, departure=DepartureReason.HOME)
    resolved = replace(alerts[0], status=AlertStatus.RESOLVED, resolved_at=NOW, resolved_by="Kari")
    view.apply_summary(replace(make_summary([red, larsen], removed=[karlsen.ref], alerts=[resolved]),
                               departed=(karlsen,)))

    assert resets == []
    assert [view.waits_table.model(), view.levels_table.model()] == tables_before
    assert sorted(set(changes)) == [0, 3]  # red 1 -> 2, green 3 -> 2; the other rows untouched
    assert tile(view, "tile_now") == ("13", "8 venter på lege · 1 falt ut")
    assert tile(view, "tile_over") == ("2", "av 8 som venter på lege")  # red 1/0, Hansen 16/10
    assert tile(view, "tile_alerts") == ("4", "kritiske: 0 · ikke kvittert: 4")
    assert [r[1] for r in view.waits_model.texts()][:3] == ["Ny, Rød", "Hansen, Lars", "Haugen, Emil"]
    assert view.alerts_model.texts()[0] == ["Over triagetid", "3", "0", "3"]

    # The clock moves on with no sync: the waits grow (in place too).
    now[0] = NOW + timedelta(minutes=10)
    view._tick()
    assert [r[2] for r in view.waits_model.texts()][:2] == ["11 min", "26 min"]
    assert resets == []


def test_a_hidden_view_keeps_up_and_draws_when_shown(qtbot: QtBot) -> None:
    view = ShiftLeadView(clock=clock)
    qtbot.addWidget(view)
    entries, alerts = clinic()
    view.apply_summary(make_summary(entries, alerts=alerts, initial=True))
    view.apply_summary(make_summary([make_entry(41, minutes_ago=2, triage="orange")]))
    assert not view.isVisible() and tile(view, "tile_now")[0] == "0"  # not redrawn while hidden
    view.open()
    qtbot.waitExposed(view)
    assert tile(view, "tile_now")[0] == "14" and view.levels_model.texts()[1] == ["Oransje – svært haster", "3"]


def test_the_figure_model_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = FigureModel(["A", "B"])
    model.set_rows([(Cell("x"), Cell("1", number=True)), (Cell("y", bold=True), Cell("2", background="#ffe0b2"))])
    qtmodeltester.check(model, force_py=True)
    model.set_rows([(Cell("x"), Cell("3")), (Cell("y"), Cell("2")), (Cell("z"), Cell("0"))])
    model.set_rows([(Cell("only"), Cell("1"))])
    model.set_rows([])
    assert model.texts() == []


def test_the_views_models_stay_valid_while_they_change(qtbot: QtBot, pytestconfig: pytest.Config,
                                                      kept: list[ShiftLeadView],
                                                      model_testers: list[ModelTester]) -> None:
    view = shown_view(qtbot, ShiftLeadView(clock=clock))
    kept.append(view)
    for model in all_models(view):
        tester = ModelTester(pytestconfig)
        model_testers.append(tester)
        tester.check(model, force_py=True)  # watches every change from here on
    entries, alerts = clinic()
    view.apply_summary(make_summary(entries, alerts=alerts, initial=True))
    view.apply_summary(make_summary(removed=[e.ref for e in entries[:10]]))
    view.apply_summary(make_summary(entries[:3], alerts=[make_alert(9, AlertKind.SYNC_STALE, None)], initial=True))
    assert view.waits_model.rowCount() == 1  # Hansen (Johansen dropped, Berg with a doctor)


def test_the_arrivals_chart_shows_the_last_twelve_hours(qtbot: QtBot) -> None:
    pytest.importorskip("PySide6.QtCharts", reason="QtCharts ships in PySide6-Addons")
    view = shown_view(qtbot, ShiftLeadView(clock=clock))
    assert view.chart_view is not None and view.arrivals_model is None and view.charts_missing is None
    entries, _ = clinic()
    view.apply_summary(make_summary(entries, initial=True))
    # By hand from the arrival minutes: 12:20 12:55 | 13:00 13:18 13:40 13:45 13:55 | 14:00 ... 14:26 (7).
    assert view.arrivals_shown() == [("03", 0), ("04", 0), ("05", 0), ("06", 0), ("07", 0), ("08", 0),
                                     ("09", 0), ("10", 0), ("11", 0), ("12", 2), ("13", 5), ("14", 7)]
    view.apply_summary(make_summary([make_entry(50, minutes_ago=0)]))
    assert view.arrivals_shown()[-1] == ("14", 8)


def test_without_qtcharts_the_arrivals_are_a_table_and_the_reason_is_logged(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        kept: list[ShiftLeadView], qtmodeltester: ModelTester) -> None:
    monkeypatch.setattr(shift_lead, "load_charts", lambda: (None, "ModuleNotFoundError: No module named 'x'"))
    caplog.set_level(logging.INFO, logger="legevakt.ui")
    view = shown_view(qtbot, ShiftLeadView(clock=clock))
    kept.append(view)
    assert view.chart_view is None and view.arrivals_model is not None
    assert any("no QtCharts (ModuleNotFoundError" in r.getMessage() for r in caplog.records)
    qtmodeltester.check(view.arrivals_model, force_py=True)
    entries, _ = clinic()
    view.apply_summary(make_summary(entries, initial=True))
    shown = view.arrivals_shown()
    assert shown[-3:] == [("12:00–13:00", 2), ("13:00–14:00", 5), ("14:00–15:00", 7)] and len(shown) == 12
    assert view.arrivals_model.texts()[0] == ["14:00–15:00", "7"]  # the newest hour on top, in view


def test_an_autumn_night_labels_its_two_two_oclocks_apart() -> None:
    from zoneinfo import ZoneInfo

    oslo = ZoneInfo("Europe/Oslo")
    first = datetime(2025, 10, 26, 2, tzinfo=oslo)
    second = datetime(2025, 10, 26, 2, tzinfo=oslo, fold=1)
    hours = [HourCount(datetime(2025, 10, 26, 1, tzinfo=oslo), first, 0), HourCount(first, second, 1),
             HourCount(second, datetime(2025, 10, 26, 3, tzinfo=oslo), 2)]
    assert hour_labels(hours) == ["01", "02 CEST", "02 CET"]


# -- in the main window ----------------------------------------------------------------------------
def shift_menu_actions(window: MainWindow) -> list[str]:
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text() == "&Vakt":
            return [a.objectName() for a in action.menu().actions()]
    raise AssertionError("no Vakt menu")


def test_the_main_window_opens_it_from_the_shift_menu_and_feeds_it(qtbot: QtBot, service: FakeService) -> None:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))  # before the view was ever opened
    assert shift_menu_actions(window) == ["shiftReportAction", "shiftLeadAction"]
    action = window.shift_lead_action
    assert action.text() == "&Vaktleder-oversikt"
    assert action.shortcut() == QKeySequence("Ctrl+Shift+O")
    window.show()
    qtbot.waitExposed(window)
    action.trigger()
    view = window.shift_lead_view
    qtbot.waitExposed(view)
    assert view.isVisible() and view.windowTitle() == "Vaktleder-oversikt"
    assert tile(view, "tile_now")[0] == "13"
    service.emit(make_summary([make_entry(60, "Ny, Pasient", minutes_ago=1, triage="red")]))
    assert tile(view, "tile_now")[0] == "14" and view.levels_model.texts()[0][1] == "2"


def test_the_idle_lock_hides_it(qtbot: QtBot, service: FakeService) -> None:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    window.show()
    qtbot.waitExposed(window)
    window.shift_lead_action.trigger()
    assert window.shift_lead_view.isVisible()
    window.idle_lock.lock()
    assert window.locked and not window.shift_lead_view.isVisible()
    assert not window.shift_lead_action.isEnabled()
    window.shift_lead_action.trigger()  # disabled: nothing opens behind the lock
    assert not window.shift_lead_view.isVisible()
    # Still fed while locked: current when opened again.
    service.emit(make_summary([make_entry(61, minutes_ago=1, triage="blue", fate=Fate.PRESENT)]))
    window.idle_lock.unlock()
    assert not window.locked and window.shift_lead_action.isEnabled()
    window.shift_lead_action.trigger()
    assert window.shift_lead_view.isVisible() and tile(window.shift_lead_view, "tile_now")[0] == "14"


def test_english_and_bokmal_each_stay_in_their_language(qtbot: QtBot, qapp: QApplication) -> None:
    entries, alerts = clinic()
    view = shown_view(qtbot, ShiftLeadView(clock=clock))
    view.apply_summary(make_summary(entries, alerts=alerts, initial=True))
    nb = " | ".join(label.text() for label in view.findChildren(QLabel))
    for english in ("Patients now", "waiting for a doctor", "furthest past the target", "Census", "Open alerts",
                    "still here"):
        assert english not in nb
    install_translator(qapp, "en")
    en_view = shown_view(qtbot, ShiftLeadView(clock=clock, language="en"))
    en_view.apply_summary(make_summary(entries, alerts=alerts, initial=True))
    en = " | ".join(label.text() for label in en_view.findChildren(QLabel))
    assert "Shift lead overview" in en and "Patients now" in en and "9 waiting for a doctor · 1 dropped" in en
    for norsk in ("Pasienter", "venter på lege", "Vaktleder", "fortsatt"):
        assert norsk not in en
    assert en_view.levels_model.texts()[0] == ["Red – immediate", "1"]


def test_a_critical_alert_reddens_the_alerts_tile(qtbot: QtBot) -> None:
    view = shown_view(qtbot, ShiftLeadView(clock=clock))
    entries, _ = clinic()
    view.apply_summary(make_summary(entries, alerts=[make_alert(1, AlertKind.TRIAGE_OVERDUE, entries[4],
                                                                severity=Severity.WARNING)], initial=True))
    assert view.tile_alerts.property("level") == "warn"
    view.apply_summary(make_summary(alerts=[make_alert(2, AlertKind.NOT_IN_QUEUE, entries[5])]))
    assert view.tile_alerts.property("level") == "alarm" and view.alerts_model.texts()[0][0] == "Ikke i køen"


def test_offline_says_how_old_the_figures_are(qtbot: QtBot) -> None:
    view = shown_view(qtbot, ShiftLeadView(clock=clock))
    entries, alerts = clinic()
    view.apply_summary(make_summary(entries, alerts=alerts, initial=True))
    assert not view.link_label.isVisible()
    view.apply_summary(make_summary(link=make_link(LinkMode.OFFLINE, age_s=600)))
    assert view.link_label.isVisible()
    assert view.link_label.text() == "Frakoblet: tallene er fra listen kl. 14:20"
    view.apply_summary(make_summary(link=make_link(age_s=1)))
    assert not view.link_label.isVisible()


def laid_out_parts(view: ShiftLeadView) -> list[tuple[str, QRect]]:
    """The body's visible parts (tiles, headings, tables, the chart) and where they are, in body coordinates."""
    parts = []
    for child in view.body.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if child.isVisible():
            label = child.text() if isinstance(child, QLabel) else child.objectName()
            parts.append((label, child.geometry()))
    return parts


@pytest.mark.parametrize("height", [800, 560])
def test_it_fits_a_1280_by_800_screen_and_nothing_overlaps(qtbot: QtBot, height: int) -> None:
    view = shown_view(qtbot, ShiftLeadView(clock=clock))
    entries, alerts = clinic()
    view.apply_summary(make_summary(entries, alerts=[*alerts, make_alert(9, AlertKind.SYNC_STALE, None)],
                                    initial=True, pending={entries[3].ref: 2}))
    assert view.minimumSizeHint().height() <= 800 and view.minimumSizeHint().width() <= 1280
    view.resize(1280, height)
    QApplication.processEvents()
    parts = laid_out_parts(view)
    assert len(parts) >= 15  # five tiles, six headings, five tables, the chart (or its table), the legend
    for i, (name, rect) in enumerate(parts):
        for other, other_rect in parts[i + 1:]:
            assert not rect.intersects(other_rect), f"{name!r} overlaps {other!r}"
    # Every wait and every level shows without scrolling inside its table.
    for table, rows in ((view.waits_table, shift_lead.LONGEST), (view.levels_table, 6)):
        assert table.viewport().height() >= rows * table.verticalHeader().defaultSectionSize()
    scrolls = view.body_scroll.verticalScrollBar().maximum() > 0
    assert scrolls is (height < 800)  # at 1280x800 it all fits; lower, the figures scroll as one
