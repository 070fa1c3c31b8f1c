"""Issue 9 item 8: the English window holds no bokmål string and the bokmål window no English one.

Every visible text, tooltip, placeholder, menu and action, header and cell of both windows (with a dropped
patient and a mass departure) is compared with the .ts: a bokmål-window string may not be an English
source whose translation differs; an English-window string may not be a bokmål translation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from legevakt.ui.i18n import install_translator, ts_path
from legevakt.ui.main_window import MainWindow
from tests.ui.conftest import FakeService
from tests.ui.test_flood_and_queue import flood


def ts_pairs() -> list[tuple[str, str]]:
    pairs = []
    for message in ET.parse(ts_path("nb")).getroot().iter("message"):
        source = message.findtext("source") or ""
        tr = message.find("translation")
        forms = [f.text or "" for f in tr.iter("numerusform")] if tr is not None else []
        for form in forms or [tr.text or "" if tr is not None else ""]:
            if form != source:  # an empty form: untranslated, the window would show the English source
                pairs.append((source, form))
    return pairs


def window_strings(window: MainWindow) -> set[str]:
    found: set[str] = set()
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window):
            continue
        found.add(widget.toolTip())
        if isinstance(widget, QLabel | QAbstractButton):
            found.add(widget.text())
        if isinstance(widget, QLineEdit):
            found.add(widget.placeholderText())
    for action in window.findChildren(QAction):
        found.update((action.text().replace("&", ""), action.toolTip().replace("&", "")))
    for menu_action in window.menuBar().actions():
        found.add(menu_action.text().replace("&", ""))
    model = window.proxy
    for c in range(model.columnCount()):
        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            found.add(str(model.headerData(c, Qt.Orientation.Horizontal, role) or ""))
        for r in range(model.rowCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                found.add(str(model.index(r, c).data(role) or ""))
    for line in window.banner.lines():
        found.update((line.text, line.detail, line.button, line.detail_button))
    found.update(window.status.text().split(" · "))
    return {s.strip() for s in found if s and s.strip()}


def test_the_bokmal_window_holds_no_english_string(qtbot: QtBot, service: FakeService) -> None:
    pairs = ts_pairs()
    english = {src for src, _ in pairs} - {tr for _, tr in pairs}
    window, _, _ = flood(qtbot, service)
    window.set_group_expanded(True)
    window.banner.set_expanded(True)
    leaked = sorted(window_strings(window) & english)
    assert leaked == []


def test_the_english_window_holds_no_bokmal_string(qtbot: QtBot, qapp: QApplication) -> None:
    pairs = ts_pairs()
    bokmal = {tr for _, tr in pairs if tr} - {src for src, _ in pairs}
    install_translator(qapp, "en")
    service = FakeService(language="en")
    window, _, _ = flood(qtbot, service)
    window.set_group_expanded(True)
    window.banner.set_expanded(True)
    leaked = sorted(window_strings(window) & bokmal)
    assert leaked == []
