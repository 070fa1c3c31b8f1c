"""Keyboard first: accelerator letters for every menu, and the F1 list of the window's shortcuts.

The list is read from the window itself (its QActions and QShortcuts, and those of its child windows),
so a shortcut added anywhere shows in Help > Keyboard shortcuts without a second list to keep in step.
A QShortcut names itself with ``describe`` (its area and what it does); a QAction by its text and menu.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QMenu,
    QMenuBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

translate = QCoreApplication.translate

AREA = "shortcutArea"


def describe(shortcut: QShortcut, area: str, text: str) -> QShortcut:
    """Name a QShortcut for the F1 list: its ``area`` (a group heading) and what it does."""
    shortcut.setProperty(AREA, area)
    shortcut.setWhatsThis(text)
    return shortcut


def accelerator(text: str) -> str | None:
    """The accelerator letter of a menu text ("&Vakt" -> "v"), None without one ("&&" is a literal &)."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] != "&":
                return text[i + 1].lower()
            i += 1
        i += 1
    return None


def plain(text: str) -> str:
    """A menu text without its accelerator marks and shown shortcut ("Sh&ift…\tCtrl+P" -> "Shift…")."""
    return text.split("\t", 1)[0].replace("&&", "\0").replace("&", "").replace("\0", "&")


#: A menu item that only names what the menu is about (e.g. the patient): no accelerator, never chosen.
HEADING = "menuHeading"


def _actions(menu: QMenu | QMenuBar) -> list[QAction]:
    return [a for a in menu.actions() if not a.isSeparator() and a.text() and not a.property(HEADING)]


def assign_accelerators(menu: QMenu | QMenuBar) -> None:
    """Give every item of ``menu`` (and its submenus) without an accelerator the first free letter of its text."""
    actions = _actions(menu)
    used = {k for a in actions if (k := accelerator(a.text())) is not None}
    for action in actions:
        text = action.text()
        if accelerator(text) is None:
            label, tab, shown = text.partition("\t")
            for i, ch in enumerate(label):
                if ch.isalnum() and ch.lower() not in used and (i == 0 or label[i - 1] != "&"):
                    used.add(ch.lower())
                    action.setText(label[:i] + "&" + label[i:] + tab + shown)
                    break
        sub = action.menu()
        if isinstance(sub, QMenu):
            assign_accelerators(sub)


def menu_problems(menu: QMenu | QMenuBar, path: str = "") -> list[str]:
    """What breaks keyboard-first in ``menu`` and below: an item without an accelerator, two items with the
    same one, an item whose shortcut the menu does not show."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for action in _actions(menu):
        name = f"{path}/{plain(action.text())}"
        key = accelerator(action.text())
        if key is None:
            problems.append(f"{name}: no accelerator")
        elif key in seen:
            problems.append(f"{name}: accelerator {key!r} also on {seen[key]}")
        else:
            seen[key] = name
        hidden = QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_DontShowShortcutsInContextMenus)
        if not action.shortcut().isEmpty() and hidden and not action.isShortcutVisibleInContextMenu():
            problems.append(f"{name}: shortcut not shown")
        sub = action.menu()
        if isinstance(sub, QMenu):
            problems += menu_problems(sub, name)
    return problems


def _menu_of(action: QAction) -> QMenu | None:
    for obj in action.associatedObjects():
        if isinstance(obj, QMenu):
            return obj
    return None


def area_of(obj: QAction | QShortcut, window: QWidget) -> str:
    area = obj.property(AREA)
    if isinstance(area, str) and area:
        return area
    if isinstance(obj, QAction) and (menu := _menu_of(obj)) is not None:
        return plain(menu.title())
    parent = obj.parent()
    if isinstance(parent, QWidget) and parent.window() is not window and parent.window().windowTitle():
        return parent.window().windowTitle()
    return translate("Keyboard", "General")


def registered(window: QWidget) -> list[QAction | QShortcut]:
    """Every QAction with a shortcut and every QShortcut of ``window`` and the windows it owns."""
    found: list[QAction | QShortcut] = [a for a in window.findChildren(QAction) if not a.shortcut().isEmpty()]
    found += [s for s in window.findChildren(QShortcut) if not s.key().isEmpty()]
    return found


def rows(window: QWidget) -> list[tuple[str, str, str]]:
    """(area, what it does, keys in the platform's text), in the window's order, one row per key sequence."""
    out: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    for obj in registered(window):
        text = plain(obj.text()) if isinstance(obj, QAction) else obj.whatsThis() or obj.objectName()
        keys = obj.shortcuts() if isinstance(obj, QAction) else [obj.key()]
        for key in keys:
            row = (area_of(obj, window), text.strip(),
                   key.toString(QKeySequence.SequenceFormat.NativeText))
            if row not in seen:
                seen.add(row)
                out.append(row)
    return out


class ShortcutsDialog(QDialog):
    """Help > Keyboard shortcuts (F1): every shortcut of the window, grouped by area."""

    def __init__(self, window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle(translate("Keyboard", "Keyboard shortcuts"))
        self._window = window
        layout = self._layout = QVBoxLayout(self)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("shortcutsTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([translate("Keyboard", "Action"), translate("Keyboard", "Keys")])
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        layout.addWidget(self.tree)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        buttons = QDialogButtonBox(self)
        close = buttons.addButton(translate("Keyboard", "Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setObjectName("closeButton")
        self.close_button = close
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 620)

    def refresh(self) -> None:
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for area, text, keys in rows(self._window):
            group = groups.get(area)
            if group is None:
                group = QTreeWidgetItem(self.tree, [area])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFirstColumnSpanned(True)
                groups[area] = group
            QTreeWidgetItem(group, [text, keys])
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self.tree.setColumnWidth(0, self.tree.columnWidth(0) + 3 * self.tree.fontMetrics().averageCharWidth())
        self.tree.resizeColumnToContents(1)
        self._fit()

    def _fit(self) -> None:
        """Wide enough for the longest action and its keys, tall enough for every row, within the screen."""
        tree = self.tree
        frame = 2 * tree.frameWidth() + tree.verticalScrollBar().sizeHint().width() + 8
        width = tree.columnWidth(0) + tree.columnWidth(1) + frame + self._layout.contentsMargins().left() * 2
        rows = sum(1 + (g.childCount() if (g := tree.topLevelItem(i)) is not None else 0)
                   for i in range(tree.topLevelItemCount()))
        row_height = max(tree.sizeHintForRow(0), tree.fontMetrics().height() + 4)
        height = (rows * row_height + tree.header().sizeHint().height() + frame
                  + self.close_button.sizeHint().height() + 4 * self._layout.spacing() + 40)
        screen = (self._window.screen() or self.screen()).availableGeometry()
        self.resize(min(max(560, width), int(screen.width() * 0.9)), min(max(420, height), int(screen.height() * 0.9)))

    def shown_rows(self) -> list[tuple[str, str, str]]:
        """What the dialog lists: (area, action, keys)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount() if group is not None else 0):
                item = group.child(j) if group is not None else None
                if group is not None and item is not None:
                    out.append((group.text(0), item.text(0), item.text(1)))
        return out

    def open(self) -> None:
        self.refresh()
        super().open()
        self.close_button.setFocus()  # Enter or Esc closes; no row looks chosen


def add_action(owner: QWidget, menu: QMenu, text: str, keys: str | QKeySequence, slot: object,
               *, name: str = "") -> QAction:
    """A QAction in ``menu`` whose shortcut works across ``owner`` (it is added there too)."""
    action = QAction(text, owner)
    if name:
        action.setObjectName(name)
    action.setShortcut(QKeySequence(keys))
    action.triggered.connect(slot)
    menu.addAction(action)
    owner.addAction(action)
    return action


def add_shown(menu: QMenu, text: str, shortcut: QShortcut) -> QAction:
    """A menu item that shows (and triggers) a QShortcut that lives on another widget, without a second
    binding of its keys (two would make the key ambiguous)."""
    keys = shortcut.key().toString(QKeySequence.SequenceFormat.NativeText)
    action = menu.addAction(f"{text}\t{keys}")
    action.triggered.connect(shortcut.activated.emit)
    return action

