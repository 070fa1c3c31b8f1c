"""The elided label and the priority row: a short row shares its width by importance, never widens its window.

Oracle: widths worked out by hand for boxes that ask for a known least and wanted width.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from legevakt.ui.elide import ElidedLabel, PriorityRow


class Box(QWidget):
    """A widget that needs ``least`` pixels and would like ``wanted``."""

    def __init__(self, least: int, wanted: int, parent: QWidget) -> None:
        super().__init__(parent)
        self._least, self._wanted = least, wanted

    def minimumSizeHint(self) -> QSize:
        return QSize(self._least, 10)

    def sizeHint(self) -> QSize:
        return QSize(self._wanted, 10)


def row_of(qtbot: QtBot) -> tuple[QWidget, PriorityRow, Box, Box, Box]:
    host = QWidget()
    qtbot.addWidget(host)
    row = PriorityRow(host)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(0)
    first, later, reason = Box(10, 100, host), Box(10, 100, host), Box(10, 50, host)
    row.add(first, 0)
    row.add(later, 1)
    row.add(reason, 0, stretch=True)
    return host, row, first, later, reason


def test_a_short_row_gives_the_first_priority_its_whole_width_before_the_next(qtbot: QtBot) -> None:
    _host, row, *_ = row_of(qtbot)
    # 200 px: each gets 10; the two of priority 0 then take 90 and 40; priority 1 the last 40.
    assert row.widths(200) == ([100, 50, 50], 0)
    # Narrower than the least widths: each keeps its least (its few characters), none grows.
    assert row.widths(20) == ([10, 10, 10], 0)
    assert row.minimumSize().width() == 30
    assert row.sizeHint().width() == 250


def test_a_wide_row_gives_the_rest_to_the_stretch_item_and_places_them_in_order(qtbot: QtBot) -> None:
    host, row, first, later, reason = row_of(qtbot)
    assert row.widths(400) == ([100, 100, 200], 0)
    host.resize(400, 10)
    host.show()
    qtbot.waitExposed(host)
    assert [(w.x(), w.width()) for w in (first, later, reason)] == [(0, 100), (100, 100), (200, 200)]


def test_a_hidden_item_takes_no_width_and_the_spare_goes_where_the_fill_is(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    row = PriorityRow(host)
    row.setContentsMargins(5, 0, 5, 0)
    row.setSpacing(4)
    left, gone, right = Box(20, 40, host), Box(20, 40, host), Box(20, 40, host)
    row.add(left)
    row.add(gone)
    row.add_gap(6)
    row.add_fill()
    row.add(right)
    gone.hide()
    # 5 + 40 + 4 + (gap 6) + 40 + 5 = 100 used of 150: the 50 left go before ``right``.
    assert row.widths(150) == ([40, 40], 50)
    host.resize(150, 10)
    host.show()
    qtbot.waitExposed(host)
    assert (left.x(), left.width()) == (5, 40)
    assert (right.x(), right.width()) == (5 + 40 + 4 + 6 + 50, 40)


def test_an_elided_label_keeps_a_few_characters_and_the_whole_text_in_its_tooltip(qtbot: QtBot) -> None:
    label = ElidedLabel("Kristiansen-Bergersen, Anne-Margrethe Solveig · Sykepleier")
    qtbot.addWidget(label)
    label.setToolTip("HPR 1234567")
    fm = label.fontMetrics()
    assert label.minimumSizeHint().width() < fm.horizontalAdvance(label.text()) // 3
    assert label.sizeHint().width() >= fm.horizontalAdvance(label.text())
    label.resize(120, 20)
    label.show()
    qtbot.waitExposed(label)
    assert label.is_elided() and label.shown_text().endswith("…")
    assert label.plain_tip() == label.text() + "\n\nHPR 1234567"
    label.resize(label.sizeHint().width(), 20)
    assert not label.is_elided() and label.plain_tip() == "HPR 1234567"
