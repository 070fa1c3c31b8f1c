"""A label that never widens its window: long text is elided to the width it gets, the whole text in the
tooltip. For every place where words from the platform or a long translation land in a row of widgets (the
banner's lines, the status bar): a plain ``QLabel`` asks for its whole text's width as its minimum, and the
window grows past the screen to give it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from legevakt.ui import texts

#: Characters of text an elided label keeps at least (plus the ellipsis), so it never shrinks to nothing.
MIN_CHARS = 8


class ElidedLabel(QLabel):
    """A one-line plain-text label that elides on the right; ``text()`` is always the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._tip = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    # -- the whole text ---------------------------------------------------------------------------
    def setText(self, text: str) -> None:
        text = text or ""
        if text == self._full and super().text():
            return
        self._full = text
        self._elide()
        self.updateGeometry()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        """What is painted (the elided text when it does not fit)."""
        return super().text()

    def is_elided(self) -> bool:
        return self.shown_text() != self._full

    def setToolTip(self, tip: str) -> None:
        self._tip = tip or ""
        self._elide()

    # -- sizing -----------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        m = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + m.left() + m.right() + 2
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        fm = self.fontMetrics()
        m = self.contentsMargins()
        least = fm.horizontalAdvance("…") + MIN_CHARS * fm.averageCharWidth()
        width = min(fm.horizontalAdvance(self._full), least) + m.left() + m.right() + 2
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width()
        fm = self.fontMetrics()
        shown = self._full
        if self._full and fm.horizontalAdvance(self._full) > width:
            shown = fm.elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, width))
        if super().text() != shown:
            QLabel.setText(self, shown)
        tip = self._tip
        if shown != self._full:
            tip = f"{self._full}\n\n{self._tip}" if self._tip and self._tip != self._full else self._full
        QLabel.setToolTip(self, texts.plain_tooltip(tip) if tip else "")
