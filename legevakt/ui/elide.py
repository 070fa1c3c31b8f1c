"""A label that never widens its window: long text is elided to the width it gets, the whole text in the
tooltip. For every place where words from the platform or a long translation land in a row of widgets (the
banner's lines, the status bar, the header): a plain ``QLabel`` asks for its whole text's width as its
minimum, and the window grows past the screen to give it. ``PriorityRow`` lays such labels out in a row that,
short of width, gives it to the most important first (the status bar: the link's state and its reason)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QSizePolicy, QWidget

from legevakt.ui import texts

#: Characters of text an elided label keeps at least (plus the ellipsis), so it never shrinks to nothing.
MIN_CHARS = 8


class ElidedLabel(QLabel):
    """A one-line plain-text label that elides on the right; ``text()`` is always the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, least_chars: int = MIN_CHARS) -> None:
        """``least_chars``: how many characters it keeps at least (0: it may shrink to nothing)."""
        super().__init__(parent)
        self._least_chars = least_chars
        self._full = ""
        self._tip = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        # No indent: QLabel indents by half an "x" when a style sheet gives it padding (a frame), which its
        # own size hint counts and the width measured here would not: the last letter would be cut.
        self.setIndent(0)
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

    def plain_tip(self) -> str:
        """The tooltip as a person reads it (``toolTip()`` is its escaped rich-text form): the whole text
        first when it is elided, then the tooltip given."""
        if not self.is_elided():
            return self._tip
        return f"{self._full}\n\n{self._tip}" if self._tip and self._tip != self._full else self._full

    # -- sizing -----------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        m = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + m.left() + m.right() + 2 * self.margin() + 2
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        fm = self.fontMetrics()
        m = self.contentsMargins()
        least = fm.horizontalAdvance("…") + self._least_chars * fm.averageCharWidth() if self._least_chars else 0
        width = min(fm.horizontalAdvance(self._full), least) + m.left() + m.right() + 2 * self.margin() + 2
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width() - 2 * self.margin()
        fm = self.fontMetrics()
        shown = self._full
        if self._full and fm.horizontalAdvance(self._full) > width:
            shown = fm.elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, width))
        if super().text() != shown:
            QLabel.setText(self, shown)
        tip = self.plain_tip()
        QLabel.setToolTip(self, texts.plain_tooltip(tip) if tip else "")


class PriorityRow(QLayout):
    """A row of widgets that shares a short width by importance, not evenly (as ``QHBoxLayout`` does).

    Every shown item first gets its least width (an :class:`ElidedLabel` its first few characters, a button
    all of it); what is left goes to the items in order of ``priority`` (0 first), each up to the width it
    asks for; then to the ``stretch`` items (up to their maximum width); what remains after that is empty
    space where :meth:`add_fill` was called (else at the end). So in a narrow window the link's state and
    its reason read in full while the census and the person signed in elide.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._priority: dict[int, int] = {}  # id(item) -> priority
        self._stretch: set[int] = set()
        self._gap: dict[int, int] = {}  # id(item) -> extra pixels before it
        self._next_gap = 0
        self._fill: int | None = None  # id of the item the empty space goes before
        self._fill_next = False

    # -- filling ----------------------------------------------------------------------------------
    def add(self, widget: QWidget, priority: int = 0, *, stretch: bool = False) -> None:
        """Add ``widget`` at the end of the row."""
        self.addWidget(widget)
        item = self._items[-1]
        self._priority[id(item)] = priority
        if stretch:
            self._stretch.add(id(item))
        if self._next_gap:
            self._gap[id(item)], self._next_gap = self._next_gap, 0
        if self._fill_next:
            self._fill, self._fill_next = id(item), False
        self.invalidate()

    def add_gap(self, pixels: int) -> None:
        """Extra space before the next widget (besides the spacing)."""
        self._next_gap += pixels

    def add_fill(self) -> None:
        """The row's spare width goes here (before the next widget), not at its end."""
        self._fill_next = True

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if not 0 <= index < len(self._items):
            return None
        item = self._items.pop(index)
        for table in (self._priority, self._gap):
            table.pop(id(item), None)
        self._stretch.discard(id(item))
        return item

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal

    # -- sizing -----------------------------------------------------------------------------------
    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _total(self, shown: list[QLayoutItem], widths: list[int]) -> int:
        m = self.contentsMargins()
        gaps = sum(self._gap.get(id(item), 0) for item in shown[1:])
        return sum(widths) + max(0, len(widths) - 1) * max(0, self.spacing()) + gaps + m.left() + m.right()

    def _height(self, sizes: list[QSize]) -> int:
        m = self.contentsMargins()
        return max((s.height() for s in sizes), default=0) + m.top() + m.bottom()

    def sizeHint(self) -> QSize:
        shown = self._shown()
        hints = [item.sizeHint() for item in shown]
        return QSize(self._total(shown, [h.width() for h in hints]), self._height(hints))

    def minimumSize(self) -> QSize:
        shown = self._shown()
        least = [item.minimumSize().width() for item in shown]
        return QSize(self._total(shown, least), self._height([i.sizeHint() for i in shown]))

    def widths(self, available: int) -> tuple[list[int], int]:
        """The width of each shown item in a row ``available`` pixels wide (margins included), and the
        empty width left over."""
        shown = self._shown()
        widths = [item.minimumSize().width() for item in shown]
        spare = available - self._total(shown, widths)
        for priority in sorted({self._priority.get(id(item), 0) for item in shown}):
            for i, item in enumerate(shown):
                if spare > 0 and self._priority.get(id(item), 0) == priority:
                    grant = min(spare, max(0, item.sizeHint().width() - widths[i]))
                    widths[i] += grant
                    spare -= grant
        stretched = [i for i, item in enumerate(shown) if id(item) in self._stretch]
        for n, i in enumerate(stretched):
            if spare <= 0:
                break
            grant = min(spare // (len(stretched) - n), max(0, shown[i].maximumSize().width() - widths[i]))
            widths[i] += grant
            spare -= grant
        return widths, max(0, spare)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        m = self.contentsMargins()
        inner = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        shown = self._shown()
        widths, spare = self.widths(rect.width())
        x = inner.x()
        for n, (item, width) in enumerate(zip(shown, widths, strict=True)):
            if n:
                x += self._gap.get(id(item), 0)
            if id(item) == self._fill:
                x += spare
            item.setGeometry(QRect(x, inner.y(), width, inner.height()))
            x += width + max(0, self.spacing())
