"""Renders the main window in its main states to screenshots/ (gitignored) for review at 1400x850."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from legevakt.app.summary import LinkMode
from legevakt.problems import Problem, ProblemKind
from legevakt.ui.i18n import install_translator
from legevakt.ui.main_window import MainWindow
from legevakt.worklist.models import AlertStatus
from tests.ui.conftest import NOW, FakeService, clinic, clock, make_link, make_summary


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
