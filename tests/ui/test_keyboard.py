"""Keyboard first: accelerator letters in every menu, shortcuts shown there, F1 lists every shortcut."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMenu, QMenuBar
from pytestqt.qtbot import QtBot

from legevakt.ui import keyboard
from legevakt.ui.i18n import install_translator
from legevakt.ui.main_window import MainWindow
from legevakt.ui.queue_model import QueueFilter
from tests.ui.conftest import FakeService, clinic, clock, make_summary


def make_window(qtbot: QtBot, language: str | None = None) -> tuple[MainWindow, FakeService]:
    service = FakeService(language=language) if language else FakeService()
    window = MainWindow(service, clock=clock, language=language)
    qtbot.addWidget(window)
    window.resize(1400, 850)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    window.table.selectRow(1)
    return window, service


def walk(menu: QMenu | QMenuBar) -> list[tuple[QMenu | QMenuBar, QAction]]:
    """Every (menu, item) below ``menu``: an independent walk, not keyboard.menu_problems'."""
    out: list[tuple[QMenu | QMenuBar, QAction]] = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        if action.property(keyboard.HEADING):  # names what the menu is about; never chosen, so no letter
            assert not action.isEnabled() and action.menu() is None, action.text()
            continue
        out.append((menu, action))
        if action.menu() is not None:
            out += walk(action.menu())
    return out


def marked_letter(text: str) -> str | None:
    label = text.split("\t")[0].replace("&&", "")
    i = label.find("&")
    return label[i + 1].lower() if 0 <= i < len(label) - 1 else None


def check_menus(root: QMenu | QMenuBar) -> int:
    items = walk(root)
    by_menu: dict[int, list[str]] = {}
    for menu, action in items:
        letter = marked_letter(action.text())
        assert letter is not None, f"{action.text()!r} has no accelerator"
        by_menu.setdefault(id(menu), []).append(letter)
        if not action.shortcut().isEmpty():  # the menu shows a QAction's shortcut: it must be on
            assert action.isShortcutVisibleInContextMenu() or not QApplication.testAttribute(
                Qt.ApplicationAttribute.AA_DontShowShortcutsInContextMenus)
    for letters in by_menu.values():
        assert len(letters) == len(set(letters)), letters
    return len(items)


@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_menu_item_has_its_own_accelerator(qtbot: QtBot, qapp: QApplication, language: str) -> None:
    install_translator(qapp, language)
    window, _service = make_window(qtbot, language)
    assert check_menus(window.menuBar()) >= 19  # 6 menus, 4 filters + 2 queue, 1 + 5 journal, 2 shift, 3 alerts, 1
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == (["&Kø", "&Journal", "&Vakt", "Verk&tøy", "V&arsler", "&Hjelp"] if language == "nb"
                      else ["&Queue", "&Journal", "&Shift", "&Tools", "&Alerts", "&Help"])
    menu = window.patient_menu()
    assert menu is not None
    assert check_menus(menu) > 10  # the submenus and their levels, states, reasons, rooms and people


def test_every_shortcut_is_shown_in_a_menu(qtbot: QtBot) -> None:
    window, _service = make_window(qtbot)
    shown = set()
    for _menu, action in walk(window.menuBar()):
        if not action.shortcut().isEmpty():
            shown.add(action.shortcut().toString())
        elif "\t" in action.text():
            shown.add(QKeySequence(action.text().split("\t")[1]).toString())
    # Hand-counted: the main window's own keys, and the "Angre" toast's Ctrl+Z (its Esc only closes it).
    expected = {"Ctrl+Z", "Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4", "Ctrl+5", "Ctrl+F", "Ctrl+G", "Ctrl+Shift+G",
                "F6", "Ctrl+T", "Ctrl+L", "Ctrl+S", "Ctrl+Shift+S",
                "Ctrl+Shift+F", "Ctrl+Shift+T", "Ctrl+N", "Ctrl+P", "Ctrl+Shift+O", "Ctrl+Shift+A", "Ctrl+K",
                "Ctrl+Shift+K", "F1", "Ctrl+,",
                "Ctrl+Alt+1", "Ctrl+Alt+2", "Ctrl+Alt+3", "Ctrl+Alt+4", "Ctrl+Alt+5"}  # Kø > Sett triage (MTS)
    assert shown == expected


def test_f1_lists_every_shortcut_of_the_window(qtbot: QtBot) -> None:
    window, _service = make_window(qtbot)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.keyClick(window.table, Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Hurtigtaster"
    listed = {keys for _area, _text, keys in dialog.shown_rows()}
    registered = [QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                  for a in window.findChildren(QAction) for k in a.shortcuts()]
    registered += [s.key().toString(QKeySequence.SequenceFormat.NativeText) for s in window.findChildren(QShortcut)]
    assert registered and set(registered) <= listed
    areas = {area for area, _text, _keys in dialog.shown_rows()}
    assert {"Kø", "Journal", "Vakt", "Varsler", "Hjelp", "Forsendelser", "Alle varsler"} <= areas
    rows = set(dialog.shown_rows())
    assert ("Kø", "Angre siste handling (i 10 sekunder)", "Ctrl+Z") in rows
    assert ("Journal", "Lagre notatet", "Ctrl+S") in rows
    assert ("Forsendelser", "Vis bare det som må følges opp", "Ctrl+F") in rows
    assert all(text for _area, text, _keys in rows)


@pytest.mark.parametrize("language", ["nb", "en"])
def test_f1_shows_every_action_whole_and_its_keys_beside_it_without_scrolling(qtbot: QtBot, language: str) -> None:
    window, _service = make_window(qtbot, language)
    window.resize(1280, 800)
    window.show()
    dialog = window.shortcuts_dialog
    dialog.open()
    qtbot.waitExposed(dialog)
    tree = dialog.tree
    metrics = tree.fontMetrics()
    for i in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(i)
        assert group is not None
        for j in range(group.childCount()):
            item = group.child(j)
            assert item is not None
            rect = tree.visualItemRect(item)
            assert rect.height() > 0
            assert tree.columnWidth(0) >= metrics.horizontalAdvance(item.text(0)) + tree.indentation()
            assert tree.columnViewportPosition(1) + metrics.horizontalAdvance(item.text(1)) <= tree.viewport().width()
    assert not tree.verticalScrollBar().isVisible() or dialog.height() >= int(dialog.screen().availableGeometry()
                                                                               .height() * 0.9) - 1
    assert not tree.horizontalScrollBar().isVisible()
    dialog.close()


def test_the_menu_item_of_a_panel_shortcut_runs_it(qtbot: QtBot) -> None:
    window, _service = make_window(qtbot)
    saved: list[bool] = []
    sc = window.journal.shortcuts[0]
    sc.activated.connect(lambda: saved.append(True))
    item = next(a for _m, a in walk(window.menuBar()) if a.text().endswith("\tCtrl+S"))
    item.trigger()
    assert saved == [True]


def test_menu_filters_and_f1_follow_the_idle_lock(qtbot: QtBot) -> None:
    window, _service = make_window(qtbot)
    window._lock()
    assert not window.help_action.isEnabled()
    window.help_action.trigger()
    assert not window.shortcuts_dialog.isVisible()
    window._unlock()
    assert window.help_action.isEnabled()
    filters = [a for a in window.menuBar().actions()[0].menu().actions() if a.shortcut().toString() == "Ctrl+2"]
    filters[0].trigger()
    assert window.proxy.queue_filter is QueueFilter.WAITING


def test_assign_accelerators_takes_the_first_free_letter() -> None:
    menu = QMenu()
    for text in ("&Alle", "Alle ut", "Rød", "Rom && seng", "\u00c5pne"):
        menu.addAction(text)
    keyboard.assign_accelerators(menu)
    assert [a.text() for a in menu.actions()] == ["&Alle", "A&lle ut", "&Rød", "R&om && seng", "&\u00c5pne"]
    assert keyboard.menu_problems(menu) == []
    assert keyboard.accelerator("Rom && seng") is None and keyboard.plain("S&kift…\tCtrl+P") == "Skift…"
