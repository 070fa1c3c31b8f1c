"""Item delegates for the queue table: the model's colours are painted here, and stay visible under the
selection (a plain highlight would hide the red of a dropped row exactly when the nurse looks at it).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from legevakt.ui import style
from legevakt.ui.roles import BACKGROUND, DECORATION

_SELECTION_FILL = QColor(21, 101, 192, 40)
_SELECTION_EDGE = QColor(style.ACCENT)
_ROW_LINE = QColor("#e8edf2")
_PAD = 6  # text padding left and right

ICON_SIZE = 16


class QueueDelegate(QStyledItemDelegate):
    """Paints the cell's background (model colour, else the alternating base), its text with padding,
    a hairline between rows, and for a selected row a tint with accent edges."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        rect = QRect(opt.rect)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        opt.state &= ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus
                       | QStyle.StateFlag.State_MouseOver)

        bg = index.data(BACKGROUND)
        if isinstance(bg, QBrush) and bg.style() != Qt.BrushStyle.NoBrush:
            fill = bg
        elif isinstance(bg, QColor):
            fill = QBrush(bg)
        else:
            alternate = bool(opt.features & QStyleOptionViewItem.ViewItemFeature.Alternate)
            palette: QPalette = opt.palette
            fill = palette.alternateBase() if alternate else palette.base()
        painter.fillRect(rect, fill)
        painter.save()
        painter.setPen(_ROW_LINE)
        painter.drawLine(rect.left(), rect.bottom(), rect.right(), rect.bottom())
        painter.restore()

        opt.backgroundBrush = QBrush()
        opt.features &= ~QStyleOptionViewItem.ViewItemFeature.Alternate
        opt.rect = rect.adjusted(_PAD, 0, -_PAD, 0)
        self.adjust(opt, index)
        widget = opt.widget
        qstyle = widget.style() if widget is not None else QApplication.style()
        qstyle.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        if selected:
            self.paint_selection(painter, rect, index)

    def adjust(self, opt: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        """Hook for subclasses: change the option before the text is painted."""

    def paint_selection(self, painter: QPainter, rect: QRect, index: QModelIndex | QPersistentModelIndex) -> None:
        painter.save()
        painter.fillRect(rect, _SELECTION_FILL)
        pen = QPen(_SELECTION_EDGE)
        pen.setWidth(2)
        painter.setPen(pen)
        painter.drawLine(rect.left(), rect.top() + 1, rect.right(), rect.top() + 1)
        painter.drawLine(rect.left(), rect.bottom(), rect.right(), rect.bottom())
        if index.column() == 0:
            painter.fillRect(QRect(rect.left(), rect.top(), 5, rect.height()), _SELECTION_EDGE)
        painter.restore()


class TriageDelegate(QueueDelegate):
    """The triage cell is filled with the level's colour (BackgroundRole); the swatch in DecorationRole
    would vanish on it, so only the level's name is drawn, in the colour that reads on it."""

    def adjust(self, opt: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        opt.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration
        opt.displayAlignment = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

    def paint_selection(self, painter: QPainter, rect: QRect, index: QModelIndex | QPersistentModelIndex) -> None:
        # No tint here: the triage colour must stay true. Edges and the accent bar mark the row.
        painter.save()
        pen = QPen(_SELECTION_EDGE)
        pen.setWidth(2)
        painter.setPen(pen)
        painter.drawLine(rect.left(), rect.top() + 1, rect.right(), rect.top() + 1)
        painter.drawLine(rect.left(), rect.bottom(), rect.right(), rect.bottom())
        painter.fillRect(QRect(rect.left(), rect.top(), 5, rect.height()), _SELECTION_EDGE)
        painter.restore()


class IconDelegate(QueueDelegate):
    """Icon only (the alert kinds are in the tooltip and the accessible text): the row's colours already
    say what the alert is about; the icon says that one is open, red when critical."""

    def adjust(self, opt: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        opt.text = ""
        opt.decorationSize = QSize(ICON_SIZE, ICON_SIZE)
        opt.decorationAlignment = Qt.AlignmentFlag.AlignCenter
        opt.displayAlignment = Qt.AlignmentFlag.AlignCenter
        icon = index.data(DECORATION)
        if not isinstance(icon, QIcon):
            opt.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration
