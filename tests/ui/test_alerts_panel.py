"""Alerts > All alerts…: every alert of the shift by severity and status, with acknowledge, resolve and history."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from legevakt.ui import texts
from legevakt.ui.alerts_panel import AlertsColumn, ShiftAlertsModel, StatusFilter
from legevakt.ui.main_window import MainWindow
from legevakt.worklist.models import AlertKind, AlertStatus, Severity
from legevakt.worklist.write_outcomes import CLEARED_BY_CHANGE
from tests.ui.conftest import NOW, FakeService, clinic, clock, make_alert, make_entry, make_summary

SHOTS = Path("/work/helpers/shots")


def shift_alerts() -> tuple[list, list]:  # type: ignore[type-arg]
    """Hand-made: the clinic's five, plus an acknowledged critical, a resolved one (by a person) and an
    automatically resolved warning."""
    entries, alerts = clinic()
    acked = make_alert(6, AlertKind.NOT_IN_QUEUE, entries[5], minutes_ago=40, status=AlertStatus.ACKNOWLEDGED,
                       acknowledged_by="Hanne Lie", acknowledged_at=NOW - timedelta(minutes=35),
                       ack_comment="Er på røntgen")
    resolved = make_alert(7, AlertKind.DROPPED_FROM_QUEUE, entries[8], minutes_ago=60,
                          status=AlertStatus.RESOLVED, acknowledged_by="Siri Vik",
                          acknowledged_at=NOW - timedelta(minutes=55), ack_comment="Ringt",
                          resolved_by="Morten Aas", resolved_at=NOW - timedelta(minutes=50),
                          resolution="Hentet av pårørende")
    auto = make_alert(8, AlertKind.NOT_TRIAGED, entries[12], severity=Severity.WARNING, minutes_ago=20,
                      status=AlertStatus.RESOLVED, resolved_at=NOW - timedelta(minutes=15),
                      resolution="triaged")
    return entries, [*alerts, acked, resolved, auto]


def panel_window(qtbot: QtBot, service: FakeService) -> MainWindow:
    window = MainWindow(service, clock=clock, idle_lock_ms=0)
    qtbot.addWidget(window)
    entries, alerts = shift_alerts()
    service.emit(make_summary(entries, alerts=alerts[:5], initial=True))
    service.emit(make_summary(alerts=alerts[5:]))  # an acknowledgement and two resolutions, later
    return window


def cell(window: MainWindow, row: int, column: AlertsColumn) -> str:
    proxy = window.alerts_panel.proxy
    return str(proxy.data(proxy.index(row, int(column))) or "")


def test_the_panel_lists_the_shift_by_severity_then_status_then_age(qtbot: QtBot, service: FakeService) -> None:
    window = panel_window(qtbot, service)
    window.open_alerts()
    panel = window.alerts_panel
    assert panel.isVisible()
    # Hand-ordered: critical (open AL-1; acknowledged AL-6; resolved AL-7), then warnings: open oldest
    # first (AL-3 12 min, AL-4 10 min, AL-2 6 min, AL-5 3 min), then the resolved AL-8.
    assert [a.id for a in panel.rows()] == ["AL-000001", "AL-000006", "AL-000007", "AL-000003", "AL-000004",
                                            "AL-000002", "AL-000005", "AL-000008"]
    assert [cell(window, r, AlertsColumn.SEVERITY) for r in (0, 3)] == ["Kritisk", "Advarsel"]
    assert [cell(window, r, AlertsColumn.STATUS) for r in range(3)] == ["Ikke kvittert", "Kvittert", "Løst"]
    assert cell(window, 0, AlertsColumn.KIND) == "Falt ut"
    assert cell(window, 0, AlertsColumn.PATIENT).startswith("Johansen, Ole Martin (")
    assert "110258" in cell(window, 0, AlertsColumn.PATIENT)  # birth date part of the masked identifier
    assert "*****" in cell(window, 0, AlertsColumn.PATIENT)
    assert panel.caption.text() == "8 varsler denne vakten · ikke løst: 6 · kritiske, ikke kvittert: 1"


def test_history_shows_who_and_when(qtbot: QtBot, service: FakeService) -> None:
    window = panel_window(qtbot, service)
    t = texts.clock_text
    assert cell(window, 1, AlertsColumn.ACKNOWLEDGED) == f"Hanne Lie {t(NOW - timedelta(minutes=35))}"
    assert cell(window, 1, AlertsColumn.COMMENT) == "Er på røntgen"
    assert cell(window, 1, AlertsColumn.RESOLVED) == ""
    assert cell(window, 2, AlertsColumn.ACKNOWLEDGED) == f"Siri Vik {t(NOW - timedelta(minutes=55))}"
    assert cell(window, 2, AlertsColumn.RESOLVED) == f"Morten Aas {t(NOW - timedelta(minutes=50))}"
    assert cell(window, 2, AlertsColumn.REASON) == "Hentet av pårørende"
    assert cell(window, 7, AlertsColumn.RESOLVED) == f"automatisk {t(NOW - timedelta(minutes=15))}"
    assert cell(window, 7, AlertsColumn.REASON) == "årsaken er borte"  # not the English evidence
    assert cell(window, 0, AlertsColumn.RAISED) == t(NOW - timedelta(minutes=3))


def test_an_alert_a_persons_change_cleared_names_them_and_the_change_in_norwegian(
        qtbot: QtBot, service: FakeService) -> None:
    window = MainWindow(service, clock=clock, idle_lock_ms=0)
    qtbot.addWidget(window)
    entries, _ = clinic()
    cleared = make_alert(9, AlertKind.TRIAGE_OVERDUE, entries[0], minutes_ago=30, status=AlertStatus.RESOLVED,
                         resolved_by="Kari Sykepleier", resolved_at=NOW - timedelta(minutes=2),
                         resolution=CLEARED_BY_CHANGE.format(field="triage"))
    service.emit(make_summary(entries, alerts=[cleared], initial=True))
    assert cell(window, 0, AlertsColumn.RESOLVED) == f"Kari Sykepleier {texts.clock_text(NOW - timedelta(minutes=2))}"
    assert cell(window, 0, AlertsColumn.REASON) == "løst ved endring av triage"  # not the English record


def test_the_status_filter(qtbot: QtBot, service: FakeService) -> None:
    window = panel_window(qtbot, service)
    panel = window.alerts_panel
    panel.set_status_filter(StatusFilter.RESOLVED)
    assert [a.id for a in panel.rows()] == ["AL-000007", "AL-000008"]
    panel.set_status_filter(StatusFilter.OPEN)
    assert [a.id for a in panel.rows()] == ["AL-000001", "AL-000003", "AL-000004", "AL-000002", "AL-000005"]
    panel.set_status_filter(StatusFilter.UNRESOLVED)
    assert len(panel.rows()) == 6
    panel.filter_box.setCurrentIndex(panel.filter_box.findData(int(StatusFilter.ACKNOWLEDGED)))
    assert [a.id for a in panel.rows()] == ["AL-000006"]


def test_acknowledging_a_critical_alert_needs_a_comment(qtbot: QtBot, service: FakeService) -> None:
    window = panel_window(qtbot, service)
    window.open_alerts()
    panel = window.alerts_panel
    assert panel.select_alert("AL-000001")
    assert panel.ack_button.isEnabled() and panel.resolve_button.isEnabled()  # a person may resolve a drop
    qtbot.mouseClick(panel.ack_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible() and dialog.parent() is panel
    assert "Johansen, Ole Martin" in dialog.heading_label.text()  # the banner's dialog, naming the patient
    assert not dialog.action_button.isEnabled()
    dialog.action_button.click()
    dialog._accept_if_valid()  # the Ctrl+Enter path, too: refused without a comment
    assert service.acknowledged == [] and dialog.isVisible()
    qtbot.keyClicks(dialog.editor, "Ringt pasienten, kommer tilbake")
    qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    assert service.acknowledged == [("AL-000001", "Hanne Lie", "Ringt pasienten, kommer tilbake")]
    assert not panel.ack_button.isEnabled()  # pending until the acknowledgement comes back
    qtbot.mouseClick(panel.ack_button, Qt.MouseButton.LeftButton)
    assert len(service.acknowledged) == 1


def test_a_warning_may_be_acknowledged_without_a_comment(qtbot: QtBot, service: FakeService) -> None:
    window = panel_window(qtbot, service)
    panel = window.alerts_panel
    assert panel.select_alert("AL-000003")
    dialog = panel.acknowledge_selected()
    assert dialog is not None and dialog.action_button.isEnabled()
    dialog.action_button.click()
    assert service.acknowledged == [("AL-000003", "Hanne Lie", "")]


def test_resolving_needs_a_reason_and_comes_back_as_history(qtbot: QtBot, service: FakeService) -> None:
    window = panel_window(qtbot, service)
    panel = window.alerts_panel
    assert panel.select_alert("AL-000006")
    assert not panel.ack_button.isEnabled() and panel.resolve_button.isEnabled()
    dialog = panel.resolve_selected()
    assert dialog is not None and not dialog.action_button.isEnabled()
    dialog.editor.setPlainText("Tilbake fra røntgen")
    dialog.action_button.click()
    assert service.resolved == [("AL-000006", "Hanne Lie", "Tilbake fra røntgen")]
    acked = panel.model.alert("AL-000006")
    assert acked is not None
    service.emit(make_summary(alerts=[replace(acked, status=AlertStatus.RESOLVED, resolved_by="Hanne Lie",
                                              resolved_at=NOW, resolution="Tilbake fra røntgen")]))
    row = [a.id for a in panel.rows()].index("AL-000006")
    assert cell(window, row, AlertsColumn.STATUS) == "Løst"
    assert cell(window, row, AlertsColumn.RESOLVED) == f"Hanne Lie {texts.clock_text(NOW)}"
    assert panel.select_alert("AL-000006") and not panel.resolve_button.isEnabled()


def test_the_lock_hides_the_panel_and_its_shortcut(qtbot: QtBot, service: FakeService) -> None:
    window = panel_window(qtbot, service)
    window.show()
    qtbot.waitExposed(window)
    window.alerts_action.trigger()  # the menu entry (its shortcut below)
    assert window.alerts_panel.isVisible()
    assert window.alerts_action.shortcut().toString() == "Ctrl+Shift+A"
    window.idle_lock.lock()
    assert not window.alerts_panel.isVisible() and not window.alerts_action.isEnabled()
    window.open_alerts()
    window.alerts_action.trigger()
    assert not window.alerts_panel.isVisible()


def test_the_model_is_incremental_and_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    entries, alerts = shift_alerts()
    names = {e.ref: e for e in entries}
    model = ShiftAlertsModel(entry_lookup=names.get)
    qtmodeltester.check(model)
    resets: list[int] = []
    inserted: list[tuple[int, int]] = []
    changed: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.dataChanged.connect(lambda tl, br, _r: changed.append((tl.row(), br.row())))
    model.apply(alerts)
    qtmodeltester.check(model)
    qtmodeltester.check(model, force_py=True)
    assert inserted == [(0, 7)]
    model.apply([replace(alerts[0], status=AlertStatus.ACKNOWLEDGED, acknowledged_by="X")])
    model.apply(alerts[1:3])  # unchanged: nothing
    assert changed == [(0, 0)] and resets == []
    model.refresh_patients([entries[0].ref])
    assert changed == [(0, 0), (0, 0)]
    assert model.prune(NOW - timedelta(minutes=20)) == 1  # AL-7 resolved 50 minutes ago
    assert [a.id for a in model.alerts()][-2:] == ["AL-000006", "AL-000008"]
    qtmodeltester.check(model)
    # A new patient's alert with no entry known, and a mass departure, read without raw ids.
    mass = make_alert(9, AlertKind.MASS_DEPARTURE, None, related=("Encounter/a", "Encounter/b", "Encounter/c"))
    unknown = make_alert(10, AlertKind.NOT_IN_QUEUE, make_entry(99))
    model.apply([mass, unknown])
    assert model.patient_text(mass) == "3 pasienter"
    assert model.patient_text(unknown) == "ukjent pasient"


def test_the_alerts_panel_as_the_shift_lead_sees_it(qtbot: QtBot, service: FakeService) -> None:
    window = panel_window(qtbot, service)
    window.open_alerts()
    panel = window.alerts_panel
    panel.resize(1400, 420)
    panel.select_alert("AL-000001")
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert panel.grab().save(str(SHOTS / "alerts-panel.png"))


def test_a_refused_acknowledgement_can_be_tried_again(qtbot: QtBot, service: FakeService) -> None:
    window = panel_window(qtbot, service)
    panel = window.alerts_panel
    assert panel.select_alert("AL-000001")
    dialog = panel.acknowledge_selected()
    assert dialog is not None
    dialog.editor.setPlainText("Sett til")
    dialog.action_button.click()
    assert not panel.ack_button.isEnabled()
    service.fail("the platform refused")
    assert panel.ack_button.isEnabled()


def test_opening_reads_the_shift_and_a_read_never_takes_an_alert_back(qtbot: QtBot, service: FakeService) -> None:
    window = panel_window(qtbot, service)
    window.open_alerts()
    assert service.alert_reads == [window.shift_start()]
    panel = window.alerts_panel
    # From the store: an alert resolved before this window started, and an older form of AL-000006
    # (open, where the summaries already said acknowledged).
    entries = clinic()[0]
    earlier = make_alert(50, AlertKind.DROPPED_FROM_QUEUE, entries[3], minutes_ago=80, status=AlertStatus.RESOLVED,
                         resolved_by="Dag Vakt", resolved_at=NOW - timedelta(minutes=70), resolution="Funnet")
    stale = make_alert(6, AlertKind.NOT_IN_QUEUE, entries[5], minutes_ago=40)
    service.alerts_loaded.emit((earlier, stale))
    ids = [a.id for a in panel.rows()]
    assert "AL-000050" in ids and len(ids) == 9
    acked = panel.model.alert("AL-000006")
    assert acked is not None and acked.status is AlertStatus.ACKNOWLEDGED


def test_a_resolve_button_that_is_off_for_an_alert_that_clears_by_itself_says_so(
        qtbot: QtBot, service: FakeService) -> None:
    # A shift lead (who may resolve any alert) finding "Løs…" greyed for a waiting-time alert is told why.
    window = panel_window(qtbot, service)
    panel = window.alerts_panel
    assert panel.select_alert("AL-000002")  # over the triage target: clears when the patient is seen
    assert not panel.resolve_button.isEnabled()
    assert "av seg selv" in panel.resolve_button.toolTip()
    assert panel.select_alert("AL-000006")  # a drop, which a person resolves: no such words
    assert panel.resolve_button.isEnabled() and "av seg selv" not in panel.resolve_button.toolTip()


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_status_column_reads_each_status_in_full(qtbot: QtBot, service: FakeService, language: str) -> None:
    # "Not acknowledged" cut to "Not acknowle…" hides the one word that matters on a critical alert.
    from PySide6.QtGui import QFont, QFontMetrics
    from PySide6.QtWidgets import QApplication

    from legevakt.ui.i18n import install_translator
    install_translator(QApplication.instance(), language)  # type: ignore[arg-type]
    try:
        window = panel_window(qtbot, service)
        table = window.alerts_panel.table
        words = {"nb": ("Ikke kvittert", "Kvittert", "Løst"),
                 "en": ("Not acknowledged", "Acknowledged", "Resolved")}[language]  # by hand
        width = table.columnWidth(int(AlertsColumn.STATUS))
        for text in words:
            assert QFontMetrics(QFont(table.font())).horizontalAdvance(text) + 2 * 6 + 2 * 4 <= width, text
    finally:
        install_translator(QApplication.instance(), "nb")  # type: ignore[arg-type]


def test_at_1280_px_the_reason_and_comment_are_readable_and_whole_in_the_tooltip(
        qtbot: QtBot, service: FakeService) -> None:
    """The reason column was about 40 px at 1280 px (the others' fixed widths took it all)."""
    from PySide6.QtGui import QFontMetrics

    window = panel_window(qtbot, service)
    long_reason = "Hentet av pårørende etter samtale med vakthavende lege; pasienten ville ikke vente lenger"
    resolved = next(a for a in shift_alerts()[1] if a.id == "AL-000007")
    service.emit(make_summary(alerts=[replace(resolved, resolution=long_reason)]))
    window.open_alerts()
    panel = window.alerts_panel
    panel.resize(1280, 520)
    qtbot.waitUntil(lambda: panel.table.viewport().width() > 1200)
    table = panel.table
    assert table.columnWidth(int(AlertsColumn.REASON)) >= 150
    assert table.columnWidth(int(AlertsColumn.COMMENT)) >= 150
    head = QFontMetrics(table.horizontalHeader().font())
    for column in AlertsColumn:  # every heading whole ("Oppstått", "Begrunnelse")
        title = str(panel.proxy.headerData(int(column), Qt.Orientation.Horizontal))
        assert head.horizontalAdvance(title) + 16 <= table.columnWidth(int(column)), title
    tip = int(Qt.ItemDataRole.ToolTipRole.value)
    assert cell(window, 2, AlertsColumn.REASON) == long_reason
    assert panel.proxy.index(2, int(AlertsColumn.REASON)).data(tip) == texts.plain_tooltip(long_reason)
    assert panel.proxy.index(7, int(AlertsColumn.REASON)).data(tip) == "årsaken er borte"  # not "triaged"
    assert panel.proxy.index(1, int(AlertsColumn.COMMENT)).data(tip) == texts.plain_tooltip("Er på røntgen")
