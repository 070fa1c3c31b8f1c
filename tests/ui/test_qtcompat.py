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
    """A binding that loses one reference per call would lose 20 000 here; ours may move a few either way."""
    label = QLabel()
    qtbot.addWidget(label)
    before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    for i in range(20_000):  # several times None's natural reference count
        label.setText(str(i % 7))
        label.setVisible(False)
        label.isVisible()
    after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    lost = [b - a for b, a in zip(before, after, strict=True)]
    assert all(n < 1_000 for n in lost), lost
