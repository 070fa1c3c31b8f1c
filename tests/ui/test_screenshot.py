"""Renders the main window in its main states to screenshots/ (gitignored) for review at 1400x850."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from legevakt.app.summary import LinkMode
from legevakt.journal.model import DeliveryState, Recipient
from legevakt.problems import Problem, ProblemKind
from legevakt.ui.i18n import install_translator
from legevakt.ui.main_window import MainWindow
from legevakt.worklist.models import AlertKind, AlertStatus
from tests.ui.conftest import (
    NOW,
    FakeService,
    clinic,
    clock,
    make_alert,
    make_delivery,
    make_link,
    make_note,
    make_page,
    make_summary,
)


def render(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    window.resize(1400, 850)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    assert window.grab().save(str(path))
    assert path.stat().st_size > 10_000
    # Nothing in the queue needs a horizontal scroll at 1400 px.
    assert not window.table.horizontalScrollBar().isVisible()


def test_main_window_screenshot(qtbot: QtBot, screenshots_dir: Path) -> None:
    service = FakeService(demo=True)
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, link=make_link(demo=True, pending=1), initial=True))
    assert window.select_ref(entries[2].ref)
    render(qtbot, window, screenshots_dir / "ui-main.png")
    assert window.banner.is_critical()


def test_acknowledged_drop_and_offline_screenshot(qtbot: QtBot, screenshots_dir: Path) -> None:
    service = FakeService()
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    acked = replace(alerts[0], status=AlertStatus.ACKNOWLEDGED, acknowledged_by="Hanne Lie",
                    acknowledged_at=NOW - timedelta(minutes=1), ack_comment="Leter etter pasienten")
    link = make_link(LinkMode.OFFLINE, age_s=75, pending=2, problem=Problem.of(ProblemKind.PLATFORM_UNREACHABLE))
    service.emit(make_summary(entries, alerts=[acked, *alerts[1:]], link=link, complete=False, initial=True))
    service.fail("Varselet kunne ikke kvitteres: ingen forbindelse med plattformen")
    assert window.select_ref(entries[0].ref)
    render(qtbot, window, screenshots_dir / "ui-offline-acknowledged.png")
    assert not window.banner.is_critical()


def test_english_screenshot(qtbot: QtBot, qapp: QApplication, qm_cache: Path, screenshots_dir: Path) -> None:
    install_translator(qapp, "en")
    service = FakeService(language="en")
    window = MainWindow(service, language="en", clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, link=make_link(LinkMode.POLL, age_s=22), initial=True))
    assert window.select_ref(entries[4].ref)
    render(qtbot, window, screenshots_dir / "ui-main-en.png")


def journal_scene(service: FakeService, window: MainWindow) -> None:
    """Hansen, Lars with three signed notes: receipted OK, rejected (E21), overdue; one saved draft."""
    entries, alerts = clinic()
    patient = entries[2]
    ok = make_note(1, patient, "Elveblest og hevelse i leppene etter peanøtter. Aerius 10 mg og Prednisolon "
                   "50 mg gitt. Observert 1 time, klar bedring.", minutes_ago=80, signed=True)
    rejected = make_note(2, patient, "Kontroll etter 1 time: fortsatt lett hevelse, ingen pustevansker. "
                         "<b>Ikke HTML</b>", minutes_ago=50, signed=True)
    late = make_note(3, patient, "Utskrevet til hjemmet. Fastlege følger opp i morgen.", minutes_ago=25,
                     signed=True)
    draft = make_note(4, patient, "Ringt pårørende.", minutes_ago=3)
    deliveries = [
        make_delivery(1, ok, DeliveryState.RECEIPTED, minutes_ago=75),
        make_delivery(2, rejected, DeliveryState.REJECTED, recipient="Organization/gpo-99", minutes_ago=45,
                      errors=("E21",), free_text="Mottaker ukjent hos oss"),
        make_delivery(3, late, DeliveryState.OVERDUE, recipient="Practitioner/gp-07", minutes_ago=45),
    ]
    window.recipient_names.learn([Recipient("Practitioner/gp-03", "Kari Testlege"),
                                  Recipient("Practitioner/gp-07", "Ola Prøvelege")])
    journal_alerts = [
        replace(make_alert(20, AlertKind.NOTE_REJECTED, patient, minutes_ago=40), key=deliveries[1].identifier),
        replace(make_alert(21, AlertKind.NOTE_UNDELIVERED, patient, minutes_ago=15), key=deliveries[2].identifier),
    ]
    service.emit(make_summary(entries, alerts=[*alerts, *journal_alerts], link=make_link(demo=True), initial=True,
                              deliveries=deliveries))
    assert window.select_ref(patient.ref)
    service.page(make_page(patient, [draft, late, rejected, ok], deliveries))


def test_journal_screenshot(qtbot: QtBot, screenshots_dir: Path) -> None:
    service = FakeService(demo=True)
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    journal_scene(service, window)
    render(qtbot, window, screenshots_dir / "ui-journal.png")
    assert [c.note.identifier for c in window.journal.cards] == ["note-004", "note-003", "note-002", "note-001"]
    # Picking the oldest note scrolls the list to it.
    window.journal.pick("note-002")
    window.journal.pick("note-001")
    qtbot.wait(50)
    oldest = window.journal.cards[-1]
    viewport = window.journal.notes_scroll.viewport()
    top = oldest.mapTo(viewport, oldest.rect().topLeft()).y()
    assert 0 <= top < viewport.height()
    render(qtbot, window, screenshots_dir / "ui-journal-oldest.png")


def test_journal_wide_screenshot(qtbot: QtBot, screenshots_dir: Path) -> None:
    """On a 1920 px screen the queue keeps its width and the journal gets the rest."""
    service = FakeService(demo=True)
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    journal_scene(service, window)
    window.journal.pick("note-002")
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    assert not window.table.horizontalScrollBar().isVisible()
    assert window.panel.width() > 600
    assert window.grab().save(str(screenshots_dir / "ui-journal-wide.png"))


def test_ledger_screenshot(qtbot: QtBot, screenshots_dir: Path) -> None:
    service = FakeService(demo=True)
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    journal_scene(service, window)
    window.open_ledger()
    window.ledger_view.set_needs_action_only(True)
    qtbot.waitExposed(window.ledger_view)
    qtbot.wait(50)
    assert window.ledger_view.proxy.rowCount() == 2
    assert window.ledger_view.grab().save(str(screenshots_dir / "ui-ledger.png"))
