"""The guard against the binding's reference loss on None/True/False (see legevakt/ui/qtcompat.py)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from legevakt.ui import qtcompat


def test_the_installed_binding_keeps_its_references(qtbot: QtBot) -> None:
    """pyproject excludes PySide6 6.12.0, which loses a reference to None/True per call on 3.11 and
    aborts the app within minutes. If a leaking binding is ever installed again, fail here, loudly."""
    assert not qtcompat.binding_loses_references()


def test_many_binding_calls_do_not_exhaust_none(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    for i in range(20_000):  # several times None's natural reference count
        label.setText(str(i % 7))
    assert sys.getrefcount(None) > 0
