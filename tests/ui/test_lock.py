"""After idle time the screen locks and hides every patient detail; a key or click brings it back."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from legevakt.ui.main_window import MainWindow
from tests.ui.conftest import FakeService, clinic, clock, make_summary


def locked_window(qtbot: QtBot, service: FakeService, idle_ms: int = 60) -> MainWindow:
    window = MainWindow(service, clock=clock, idle_lock_ms=idle_ms)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.locked, timeout=3000)
    return window


def visible_text(window: MainWindow) -> str:
    page = window.pages.currentWidget()
    return " ".join(label.text() for label in page.findChildren(QLabel) if label.isVisibleTo(window))


def test_idle_time_locks_the_screen_and_hides_patient_data(qtbot: QtBot, service: FakeService) -> None:
    window = locked_window(qtbot, service)
    text = visible_text(window)
    assert "Legevakt er låst" in text
    assert "Johansen" not in text and "110258" not in text  # the dropped patient in the fixture
    assert "1 kritisk varsel venter" in text  # a count: something waits, nobody is named
    assert not window.table.isVisibleTo(window) and not window.banner.isVisibleTo(window)


def test_a_key_unlocks_without_acting_on_the_queue(qtbot: QtBot, service: FakeService) -> None:
    window = locked_window(qtbot, service)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)  # would acknowledge
    qtbot.waitUntil(lambda: not window.locked, timeout=1000)
    assert service.acknowledged == []  # the unlocking key did nothing else:
    assert window.banner.dialog is None  # no acknowledge dialog opened behind the lock
    assert window.table.isVisibleTo(window)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.banner.dialog is not None  # unlocked: the shortcut works again


def test_activity_keeps_the_screen_unlocked(qtbot: QtBot, service: FakeService) -> None:
    window = MainWindow(service, clock=clock, idle_lock_ms=300)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    for _ in range(6):
        qtbot.wait(100)
        qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert not window.locked


def test_the_lock_page_as_a_passer_by_sees_it(qtbot: QtBot, service: FakeService, screenshots_dir: Path) -> None:
    window = locked_window(qtbot, service)
    window.resize(1400, 850)
    assert window.grab().save(str(screenshots_dir / "ui-locked.png"))
