"""The shift lead's view (Vakt > Vaktleder-oversikt, Ctrl+Shift+O): the shift at a glance.

Counts per triage level and state, the waits against their targets (furthest past first), arrivals per clinic hour for
the last 12 hours as a bar chart, the shift's census with the patients carried over from the previous
shift, open alerts by kind and the writes still pending.

The window keeps its own copy of the entries and alerts, folded from every ``ChangeSummary`` the main
window receives (also while hidden, so it is complete when opened); the figures come from the pure
``legevakt.worklist.overview`` and are written into the labels, the chart and the tables in place: the
tables' models change row by row (``dataChanged``, an insert or removal at the end), never a reset.

QtCharts ships in PySide6-Addons; where it is missing the arrivals show as a table (the reason is logged).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from math import ceil
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QMargins,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from legevakt.app import clinic_time
from legevakt.app.summary import ChangeSummary, LinkMode, LinkStatus
from legevakt.ui import style, texts
from legevakt.ui.delegates import QueueDelegate, TriageDelegate
from legevakt.ui.i18n import current_language
from legevakt.ui.report_pdf import shift_title
from legevakt.ui.roles import ACCESSIBLE, ALIGN, BACKGROUND, DISPLAY, FONT, FOREGROUND, TOOLTIP
from legevakt.worklist.census import DEFAULT_SHIFTS, ShiftDef
from legevakt.worklist.models import Alert, EncounterStatus, Entry, Fate
from legevakt.worklist.overview import HOURS, HourCount, Overview, Wait, overview
from legevakt.worklist.triage import MTS, TriageScale

log = logging.getLogger("legevakt.ui")
translate = QCoreApplication.translate

TICK_MS = 20_000  # the waits grow while nothing syncs: refresh the figures this often while shown
LONGEST = 8  # the longest waits listed
KEEP_DEPARTED = timedelta(hours=36)  # departed entries older than this count nowhere here any more

CELL_ROLES: tuple[int, ...] = (DISPLAY, TOOLTIP, BACKGROUND, FOREGROUND, FONT, ALIGN, ACCESSIBLE)


def load_charts() -> tuple[Any | None, str | None]:
    """``PySide6.QtCharts``, or None and why not (it ships in PySide6-Addons, not in Essentials)."""
    try:
        return importlib.import_module("PySide6.QtCharts"), None
    except ImportError as exc:  # pragma: no cover - depends on the installation
        return None, f"{type(exc).__name__}: {exc}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


# -- a table of figures, updated in place -------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    tooltip: str | None = None
    background: str | None = None  # "#rrggbb"
    foreground: str | None = None
    bold: bool = False
    number: bool = False  # right-aligned


Row = tuple[Cell, ...]


class FigureModel(QAbstractTableModel):
    """Rows of cells. ``set_rows`` changes what differs row by row and inserts or removes at the end."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list[Row] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def rows(self) -> list[Row]:
        return list(self._rows)

    def texts(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self._rows]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and int(role) == DISPLAY and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= col < len(self._headers)):
            return None
        cells = self._rows[row]
        if col >= len(cells):
            return None
        cell = cells[col]
        role = int(role)
        if role in (DISPLAY, ACCESSIBLE):
            return cell.text
        if role == TOOLTIP:
            return cell.tooltip
        if role == BACKGROUND:
            return QBrush(QColor(cell.background)) if cell.background else None
        if role == FOREGROUND:
            return QBrush(QColor(cell.foreground)) if cell.foreground else None
        if role == FONT:
            return self._bold if cell.bold else None
        if role == ALIGN:
            if cell.number:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def set_rows(self, rows: Sequence[Row]) -> None:
        rows = [tuple(r) for r in rows]
        last_col = len(self._headers) - 1
        common = min(len(rows), len(self._rows))
        for i in range(common):
            if rows[i] != self._rows[i]:
                self._rows[i] = rows[i]
                self.dataChanged.emit(self.index(i, 0), self.index(i, last_col), list(CELL_ROLES))
        if len(rows) > len(self._rows):
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, len(rows) - 1)
            self._rows.extend(rows[first:])
            self.endInsertRows()
        elif len(rows) < len(self._rows):
            self.beginRemoveRows(QModelIndex(), len(rows), len(self._rows) - 1)
            del self._rows[len(rows):]
            self.endRemoveRows()


def _table(model: FigureModel, name: str, parent: QWidget, *, triage_column: int | None = None) -> QTableView:
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(24)
    hh = table.horizontalHeader()
    hh.setHighlightSections(False)
    hh.setSectionsClickable(False)
    hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    delegate = QueueDelegate(table)
    table.setItemDelegate(delegate)
    if triage_column is not None:
        table.setItemDelegateForColumn(triage_column, TriageDelegate(table))
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return table


class Tile(QFrame):
    """One big figure with its caption and a line of detail."""

    def __init__(self, name: str, caption: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("tile", True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        v = QVBoxLayout(self)
        v.setContentsMargins(14, 8, 14, 8)
        v.setSpacing(2)
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("tileCaption")
        self.value = QLabel("–", self)
        self.value.setObjectName("tileValue")
        self.detail = QLabel(self)
        self.detail.setObjectName("tileDetail")
        self.detail.setWordWrap(True)
        for label in (self.caption, self.value, self.detail):
            label.setTextFormat(Qt.TextFormat.PlainText)
            v.addWidget(label)
        v.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def show_figure(self, value: int, detail: str, level: str = "") -> None:
        """``level``: "" (calm), "warn" or "alarm" (the style sheet colours the tile)."""
        self.value.setText(str(value))
        self.detail.setText(detail)
        self.detail.setToolTip(detail)
        if self.property("level") != level:
            self.setProperty("level", level)
            self.style().unpolish(self)
            self.style().polish(self)


class _Body(QWidget):
    """The scrolled part: as tall as its minimum for the width, so the window's height goes to the tables.

    A scroll area gives a widget whose height depends on its width (the tiles' wrapped details) its
    *preferred* height for the width, which would make the figures scroll long before they need to."""

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        found = layout.minimumHeightForWidth(width) if layout is not None else -1
        return found if found > 0 else super().heightForWidth(width)


_STYLE = f"""
QWidget#shiftLeadView, QWidget#shiftLeadBody {{ background: {style.WINDOW}; color: {style.INK}; }}
QScrollArea#shiftLeadScroll {{ background: transparent; border: none; }}
QFrame[tile="true"] {{ background: {style.SURFACE}; border: 1px solid {style.LINE}; border-radius: 8px; }}
QFrame[tile="true"][level="warn"] {{ background: #fff3e0; border-color: {style.WARNING_STRONG}; }}
QFrame[tile="true"][level="alarm"] {{ background: {style.CRITICAL_SOFT_BG}; border-color: {style.CRITICAL_BG}; }}
QLabel#tileCaption {{ color: {style.MUTED}; font-size: 10pt; font-weight: 600; background: transparent; }}
QLabel#tileValue {{ font-size: 22pt; font-weight: 700; background: transparent; }}
QFrame[tile="true"][level="alarm"] QLabel#tileValue {{ color: {style.CRITICAL_SOFT_FG}; }}
QFrame[tile="true"][level="warn"] QLabel#tileValue {{ color: {style.WARNING_FG}; }}
QLabel#tileDetail {{ color: {style.INK}; font-size: 9.5pt; background: transparent; }}
QLabel#shiftLeadTitle {{ font-size: 15pt; font-weight: 700; color: #0d47a1; }}
QLabel#shiftLeadCaption {{ color: {style.MUTED}; }}
QLabel[section="true"] {{ font-size: 11pt; font-weight: 700; color: #1f3a5f; padding-top: 2px; }}
QTableView {{ background: {style.SURFACE}; alternate-background-color: #f7f9fb; border: 1px solid {style.LINE};
              border-radius: 6px; font-size: 10pt; }}
"""


def hour_labels(hours: Sequence[HourCount]) -> list[str]:
    """"14", "15"…; an autumn night's two 02 hours as "02 CEST" and "02 CET" (chart categories must differ)."""
    plain = [h.start.strftime("%H") for h in hours]
    return [f"{p} {h.start.tzname()}" if plain.count(p) > 1 else p for p, h in zip(plain, hours, strict=True)]


class ShiftLeadView(QWidget):
    """The shift lead's overview: a window of its own, fed with every change summary."""

    def __init__(self, service: object | None = None, *, scale: TriageScale | None = None,
                 clock: Callable[[], datetime] | None = None, language: str | None = None,
                 shifts: tuple[ShiftDef, ...] | None = None, tick_ms: int = TICK_MS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shiftLeadView")
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowTitle(translate("ShiftLeadView", "Shift lead overview"))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(_STYLE)
        self.resize(1280, 760)  # fits a 1280x800 screen with its title bar; smaller, the body scrolls
        settings = getattr(service, "settings", None)
        self._scale = scale or getattr(settings, "scale", None) or MTS
        self._clock = clock or _utcnow
        self._language = language or current_language()
        found = shifts or getattr(settings, "shifts", None)
        self._shifts: tuple[ShiftDef, ...] = found if isinstance(found, tuple) and found else DEFAULT_SHIFTS
        self._live: dict[str, Entry] = {}
        self._departed: dict[str, Entry] = {}
        self._alerts: dict[str, Alert] = {}
        self._pending: dict[str, int] = {}
        self._overview: Overview | None = None
        self._link: LinkStatus | None = None
        self._dirty = True

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 10, 16, 10)
        outer.setSpacing(8)
        head = QHBoxLayout()
        self.title = QLabel(translate("ShiftLeadView", "Shift lead overview"), self)
        self.title.setObjectName("shiftLeadTitle")
        head.addWidget(self.title)
        head.addSpacing(16)
        self.caption = QLabel(self)
        self.caption.setObjectName("shiftLeadCaption")
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        head.addWidget(self.caption, 1)
        self.link_label = QLabel(self)
        self.link_label.setObjectName("shiftLeadLink")
        self.link_label.setTextFormat(Qt.TextFormat.PlainText)
        self.link_label.setStyleSheet(f"background: {style.WARNING_BG}; color: {style.WARNING_FG}; font-weight: 700;"
                                      " border-radius: 4px; padding: 3px 10px;")
        self.link_label.hide()
        head.addWidget(self.link_label)
        outer.addLayout(head)

        # Below the title the figures scroll as one when the window is smaller than they need (a 1280x800
        # laptop with a taskbar): the tables keep their rows and nothing is drawn over a heading.
        self.body = _Body()
        self.body.setObjectName("shiftLeadBody")
        self.body.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(8)
        self.body_scroll = QScrollArea(self)
        self.body_scroll.setObjectName("shiftLeadScroll")
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setWidget(self.body)
        outer.addWidget(self.body_scroll, 1)

        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        self.tile_now = Tile("tileNow", translate("ShiftLeadView", "Patients now"), self)
        self.tile_over = Tile("tileOver", translate("ShiftLeadView", "Past the triage target"), self)
        self.tile_shift = Tile("tileShift", translate("ShiftLeadView", "In this shift"), self)
        self.tile_alerts = Tile("tileAlerts", translate("ShiftLeadView", "Open alerts"), self)
        self.tile_pending = Tile("tilePending", translate("ShiftLeadView", "Changes not yet saved"), self)
        for tile in (self.tile_now, self.tile_over, self.tile_shift, self.tile_alerts, self.tile_pending):
            tiles.addWidget(tile)
        body.addLayout(tiles)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        body.addLayout(grid, 1)

        self.levels_model = FigureModel([translate("ShiftLeadView", "Triage level"),
                                         translate("ShiftLeadView", "Patients")], self)
        self.levels_table = _table(self.levels_model, "levelsTable", self, triage_column=0)
        self.states_model = FigureModel([translate("ShiftLeadView", "State"),
                                         translate("ShiftLeadView", "Patients")], self)
        self.states_table = _table(self.states_model, "statesTable", self)
        self.census_model = FigureModel([translate("ShiftLeadView", "This shift"),
                                         translate("ShiftLeadView", "Patients")], self)
        self.census_table = _table(self.census_model, "censusTable", self)
        self.waits_model = FigureModel([
            translate("ShiftLeadView", "Triage"), translate("ShiftLeadView", "Name"),
            translate("ShiftLeadView", "Waiting"), translate("ShiftLeadView", "Target"),
            translate("ShiftLeadView", "Against target"), translate("ShiftLeadView", "State"),
            translate("ShiftLeadView", "Room")], self)
        self.waits_table = _table(self.waits_model, "waitsTable", self, triage_column=0)
        self.alerts_model = FigureModel([
            translate("ShiftLeadView", "Alert"), translate("ShiftLeadView", "Open"),
            translate("ShiftLeadView", "Critical"), translate("ShiftLeadView", "Not acknowledged")], self)
        self.alerts_table = _table(self.alerts_model, "alertsTable", self)

        def section(text: str) -> QLabel:
            label = QLabel(text, self)
            label.setProperty("section", True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            return label

        self.arrivals_title = section(translate("ShiftLeadView", "Arrivals per hour, last {hours} hours")
                                      .format(hours=HOURS))
        self.arrivals_widget = self._build_arrivals()
        # Left and middle: the waits (they grow), the counts below them, the alerts at the bottom.
        # Right: the arrivals over the census, which runs down to the bottom (its reasons vary in number).
        # The order (worklist.overview.wait_order): past the target first, the most over first; then the
        # untriaged; then the rest by the time left.
        grid.addWidget(section(translate("ShiftLeadView", "Waiting for a doctor, furthest past the target first")),
                       0, 0, 1, 2)
        grid.addWidget(self.waits_table, 1, 0, 1, 2)
        grid.addWidget(self.arrivals_title, 0, 2)
        grid.addWidget(self.arrivals_widget, 1, 2)
        grid.addWidget(section(translate("ShiftLeadView", "Per triage level")), 2, 0)
        grid.addWidget(section(translate("ShiftLeadView", "Per state")), 2, 1)
        grid.addWidget(self.levels_table, 3, 0)
        grid.addWidget(self.states_table, 3, 1)
        grid.addWidget(section(translate("ShiftLeadView", "Open alerts by kind")), 4, 0, 1, 2)
        grid.addWidget(self.alerts_table, 5, 0, 1, 2)
        grid.addWidget(section(translate("ShiftLeadView", "Census of the shift")), 2, 2)
        grid.addWidget(self.census_table, 3, 2, 3, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(1, 2)
        grid.setRowStretch(5, 1)
        body.addWidget(self._legend())
        self._size_columns()

        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(tick_ms)
        self.tick_timer.timeout.connect(self._tick)
        self.tick_timer.start()
        self.refresh()

    # -- the arrivals: a chart, or a table without QtCharts -----------------------------------------
    def _build_arrivals(self) -> QWidget:
        charts, reason = load_charts()
        self.chart_view: Any | None = None
        self.arrivals_set: Any | None = None
        self.arrivals_axis: Any | None = None
        self.arrivals_values: Any | None = None
        self.arrivals_model: FigureModel | None = None
        self.arrivals_table: QTableView | None = None
        self.charts_missing = reason
        if charts is None:
            log.info("shift-lead view: no QtCharts (%s); arrivals per hour shown as a table", reason)
            self.arrivals_model = FigureModel([translate("ShiftLeadView", "Hour"),
                                               translate("ShiftLeadView", "Arrivals")], self)
            self.arrivals_table = _table(self.arrivals_model, "arrivalsTable", self)
            return self.arrivals_table
        chart = charts.QChart()
        chart.setObjectName("arrivalsChart")
        chart.legend().hide()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(6)
        chart.setAnimationOptions(charts.QChart.AnimationOption.NoAnimation)
        bars = charts.QBarSet(translate("ShiftLeadView", "Arrivals"))
        bars.setColor(QColor(style.ACCENT))
        bars.setBorderColor(QColor(style.ACCENT))
        bars.setLabelColor(QColor(style.INK))
        bars.append([0.0] * HOURS)
        series = charts.QBarSeries()
        series.append(bars)
        series.setBarWidth(0.7)
        series.setLabelsVisible(True)
        series.setLabelsPosition(charts.QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.setLabelsFormat("@value")
        chart.addSeries(series)
        axis_x = charts.QBarCategoryAxis()
        axis_x.setTitleText(translate("ShiftLeadView", "Hour (clinic time)"))
        axis_y = charts.QValueAxis()
        axis_y.setLabelFormat("%d")
        axis_y.setRange(0, 4)
        axis_y.setTickType(charts.QValueAxis.TickType.TicksDynamic)
        axis_y.setTickAnchor(0)
        axis_y.setTickInterval(1)
        axis_y.setTitleText(translate("ShiftLeadView", "Patients"))
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, font.pointSizeF()))
        for axis in (axis_x, axis_y):
            axis.setLabelsFont(font)
        view: QWidget = charts.QChartView(chart, self)
        view.setObjectName("arrivalsChartView")
        view.setRenderHint(QPainter.RenderHint.Antialiasing)  # type: ignore[attr-defined]
        view.setMinimumHeight(220)
        self.chart_view, self.arrivals_set, self.arrivals_axis, self.arrivals_values = view, bars, axis_x, axis_y
        self._chart = chart
        self._series = series
        return view

    def _size_columns(self) -> None:
        """Column widths from the font (the longest fixed text each must hold); names take what is left."""
        base = QFont(self.font())
        base.setPointSizeF(10)
        bold = QFont(base)
        bold.setBold(True)
        fm, fmb = QFontMetrics(base), QFontMetrics(bold)
        pad = 2 * 6 + 14

        def fit(model: FigureModel, col: int, *samples: str) -> int:
            header = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
            return max(fmb.horizontalAdvance(t) for t in (header, *samples)) + pad

        levels = [texts.triage_short(self._scale, c, self._language) for c in (*self._scale.codes, None)]
        states = [texts.status_label(st) for st in EncounterStatus if st.is_active]
        minutes = texts.minutes_text(888)
        waits = self.waits_model
        for col, width in ((0, fit(waits, 0, *levels)), (2, fit(waits, 2, minutes)), (3, fit(waits, 3, minutes)),
                           (4, fit(waits, 4, translate("ShiftLeadView", "{m} min left").format(m=888))),
                           (5, max(fit(waits, 5), max(fm.horizontalAdvance(t) for t in states) + pad)),
                           (6, fit(waits, 6, "Akuttrom 1"))):
            self.waits_table.setColumnWidth(col, width)
        self.waits_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for table, model in ((self.levels_table, self.levels_model), (self.states_table, self.states_model),
                             (self.census_table, self.census_model)):
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            table.setColumnWidth(1, fit(model, 1, "888"))
        self.alerts_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            self.alerts_table.setColumnWidth(col, fit(self.alerts_model, col, "888"))
        if self.arrivals_model is not None and self.arrivals_table is not None:
            self.arrivals_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            self.arrivals_table.setColumnWidth(1, fit(self.arrivals_model, 1, "888"))
        # Tall enough for their usual rows without scrolling: every longest wait listed, the scale's levels
        # and "not triaged" (the states beside them: the five common ones; planned and unknown scroll), and
        # two kinds of alert (more scroll: the tile above counts them all).
        row_h = self.levels_table.verticalHeader().defaultSectionSize()
        for table, rows in ((self.waits_table, LONGEST), (self.levels_table, len(self._scale.levels) + 1),
                            (self.states_table, len(self._scale.levels) + 1), (self.alerts_table, 2)):
            header_h = table.horizontalHeader().sizeHint().height()
            table.setMinimumHeight(header_h + rows * row_h + 2 * table.frameWidth() + 2)
        self.levels_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _legend(self) -> QWidget:
        text = QLabel(translate(
            "ShiftLeadView", "Carried over: here when the shift began (arrived before it and had not left). "
                             "Waits count from arrival until a doctor takes over, as in the queue."), self)
        text.setObjectName("shiftLeadLegend")
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        text.setStyleSheet(f"color: {style.MUTED};")
        return text

    # -- state ------------------------------------------------------------------------------------
    @property
    def figures(self) -> Overview | None:
        """The figures last shown (None before the first refresh)."""
        return self._overview

    def apply_summary(self, summary: ChangeSummary) -> None:
        """Fold one change summary into this window's entries and alerts; redraw when shown."""
        if summary.initial:
            self._live.clear()
            self._departed.clear()
            self._alerts.clear()
        for entry in summary.upserted:
            self._put(entry)
        for entry in summary.departed:
            self._put(entry)
        now = self._clock()
        for ref in summary.removed:
            gone = self._live.pop(ref, None)
            if gone is not None and ref not in self._departed:  # no departed form given: it left now
                self._departed[ref] = replace(gone, fate=Fate.DEPARTED, left_at=now)
        for alert in summary.alerts:
            if alert.is_open:
                self._alerts[alert.id] = alert
            else:
                self._alerts.pop(alert.id, None)
        if summary.pending is not None:
            self._pending = {ref: n for ref, n in summary.pending.items() if n > 0}
        self._link = summary.link
        self._dirty = True
        if self.isVisible():
            self.refresh()

    def _put(self, entry: Entry) -> None:
        if entry.fate is Fate.DEPARTED:
            self._live.pop(entry.ref, None)
            self._departed[entry.ref] = entry
        else:
            self._departed.pop(entry.ref, None)
            self._live[entry.ref] = entry

    def open(self) -> None:
        """Show the window (or bring it forward) with the figures as of now."""
        self.refresh()
        self.show()
        self.raise_()
        self.activateWindow()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _tick(self) -> None:
        if self.isVisible():
            self.refresh()

    # -- drawing ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        now = self._clock()
        cutoff = now - KEEP_DEPARTED
        for ref in [r for r, e in self._departed.items() if (e.left_at or e.arrived_at) < cutoff]:
            del self._departed[ref]
        ov = overview([*self._live.values(), *self._departed.values()], self._alerts.values(), now,
                      scale=self._scale, pending=self._pending, tz=clinic_time.zone(), shifts=self._shifts,
                      longest=LONGEST)
        self._overview = ov
        self._dirty = False
        local = clinic_time.local(now)
        self.caption.setText(translate("ShiftLeadView", "{shift} · figures as of {time}").format(
            shift=shift_title(ov.shift, self._language), time=local.strftime("%H:%M")))
        self._show_link()
        self._show_tiles(ov)
        self.levels_model.set_rows(self._level_rows(ov))
        self.states_model.set_rows(self._state_rows(ov))
        self.census_model.set_rows(self._census_rows(ov))
        self.waits_model.set_rows(self._wait_rows(ov))
        self.alerts_model.set_rows(self._alert_rows(ov))
        self._show_arrivals(ov)

    def _show_link(self) -> None:
        """The figures are as old as the list: say so when the platform cannot be reached."""
        link = self._link
        if link is None or link.mode is not LinkMode.OFFLINE:
            self.link_label.hide()
            return
        if link.last_complete_at is None:
            text = translate("ShiftLeadView", "Offline: no complete list yet")
        else:
            text = translate("ShiftLeadView", "Offline: the figures are from the list of {time}").format(
                time=clinic_time.local(link.last_complete_at).strftime("%H:%M"))
        self.link_label.setText(text)
        self.link_label.show()

    def _show_tiles(self, ov: Overview) -> None:
        dropped = ov.dropped
        now_detail = translate("ShiftLeadView", "{waiting} waiting for a doctor · {dropped} dropped").format(
            waiting=ov.waiting, dropped=dropped)
        self.tile_now.show_figure(ov.present, now_detail, "alarm" if dropped else "")
        self.tile_over.show_figure(ov.over_target, translate(
            "ShiftLeadView", "of {waiting} waiting for a doctor").format(waiting=ov.waiting),
            "warn" if ov.over_target else "")
        self.tile_shift.show_figure(ov.in_shift, translate(
            "ShiftLeadView", "{carried} carried over ({here} still here) · {arrived} arrived").format(
            carried=ov.carried_over, here=ov.carried_over_here, arrived=ov.census.arrived))
        open_alerts = sum(c.open for c in ov.alerts)
        critical = sum(c.critical for c in ov.alerts)
        unacknowledged = sum(c.unacknowledged for c in ov.alerts)
        self.tile_alerts.show_figure(open_alerts, translate(
            "ShiftLeadView", "critical: {critical} · not acknowledged: {unack}").format(
            critical=critical, unack=unacknowledged), "alarm" if critical else ("warn" if open_alerts else ""))
        self.tile_pending.show_figure(ov.pending_writes, translate(
            "ShiftLeadView", "patients affected: {patients}").format(patients=ov.pending_patients)
            if ov.pending_writes else translate("ShiftLeadView", "everything saved on the platform"),
            "warn" if ov.pending_writes else "")

    def _triage_cell(self, code: str | None, *, short: bool = True) -> Cell:
        level = self._scale.level(code)
        name = (texts.triage_short if short else texts.triage_label)(self._scale, code, self._language)
        return Cell(name, tooltip=texts.triage_label(self._scale, code, self._language),
                    background=style.triage_colour(level).name(), foreground=style.triage_text_colour(level).name(),
                    bold=True)

    def _level_rows(self, ov: Overview) -> list[Row]:
        return [(self._triage_cell(c.code, short=False), Cell(str(c.count), number=True, bold=c.count > 0))
                for c in ov.by_level]

    def _state_rows(self, ov: Overview) -> list[Row]:
        rows: list[Row] = []
        for c in ov.by_state:  # of the patients now: the dropped are in the census and the first tile
            status = EncounterStatus(c.state)
            if c.count == 0 and status in (EncounterStatus.PLANNED, EncounterStatus.UNKNOWN):
                continue  # rare states only when someone is in them
            rows.append((Cell(texts.status_label(status)), Cell(str(c.count), number=True, bold=c.count > 0)))
        return rows

    def _census_rows(self, ov: Overview) -> list[Row]:
        """The census as its balance: carried over + arrived = in all = left (by reason) + here + dropped."""
        c = ov.census
        sub = "    "
        rows: list[Row] = [
            (Cell(translate("ShiftLeadView", "Carried over from the previous shift"), bold=True,
                  tooltip=translate("ShiftLeadView", "Here when the shift began: arrived before it and had not "
                                                     "left")),
             Cell(str(c.carried_over), number=True, bold=True)),
            (Cell(translate("ShiftLeadView", "Arrived this shift"), bold=True),
             Cell(str(c.arrived), number=True, bold=True)),
            (Cell(translate("ShiftLeadView", "In this shift, in all"), bold=True),
             Cell(str(ov.in_shift), number=True, bold=True)),
            (Cell(translate("ShiftLeadView", "Left during the shift")), Cell(str(c.departed), number=True)),
        ]
        for reason, count in c.departed_by_reason.items():
            rows.append((Cell(sub + translate("ShiftLeadView", "left: {reason}").format(
                reason=texts.departure_label(reason).lower())), Cell(str(count), number=True)))
        rows.append((Cell(translate("ShiftLeadView", "Still here")), Cell(str(c.present), number=True)))
        alarm = c.dropped > 0
        rows.append((Cell(translate("ShiftLeadView", "Dropped, not resolved"),
                          foreground=style.CRITICAL_SOFT_FG if alarm else None, bold=alarm),
                     Cell(str(c.dropped), number=True, foreground=style.CRITICAL_SOFT_FG if alarm else None,
                          bold=alarm)))
        return rows

    def _wait_rows(self, ov: Overview) -> list[Row]:
        if not ov.longest:
            return [(Cell(""), Cell(translate("ShiftLeadView", "Nobody is waiting for a doctor")),
                     Cell(""), Cell(""), Cell(""), Cell(""), Cell(""))]
        return [self._wait_row(w) for w in ov.longest]

    def _wait_row(self, w: Wait) -> Row:
        entry = w.entry
        name = texts.patient_name(entry)
        ident = texts.masked_identifier(entry)
        arrived = clinic_time.local(entry.arrived_at).strftime("%H:%M")
        waited = Cell(texts.minutes_text(w.waited_minutes), number=True, bold=w.over_target,
                      tooltip=translate("ShiftLeadView", "Arrived {time}").format(time=arrived))
        if w.target_minutes is None or w.over_minutes is None:
            target = Cell("–", number=True)
            against = Cell(texts.not_triaged(), foreground=style.WARNING_FG, bold=True)
        else:
            target = Cell(texts.minutes_text(w.target_minutes), number=True)
            twice = w.waited_minutes >= 2 * w.target_minutes
            if w.over_target:
                colours = (style.CRITICAL_SOFT_BG, style.CRITICAL_SOFT_FG) if twice else (style.WARNING_BG,
                                                                                            style.WARNING_FG)
                against = Cell(translate("ShiftLeadView", "{m} min over").format(m=w.over_minutes), number=True,
                               background=colours[0], foreground=colours[1], bold=True)
                waited = replace(waited, background=colours[0], foreground=colours[1])
            else:
                against = Cell(translate("ShiftLeadView", "{m} min left").format(m=-w.over_minutes), number=True,
                               foreground=style.OK_FG)
        return (self._triage_cell(entry.encounter.triage),
                Cell(name, tooltip=f"{name} ({ident})", bold=True),
                waited, target, against,
                Cell(texts.state_label(entry)),
                Cell(texts.place_name(entry.encounter.room_name, entry.encounter.room)))

    def _alert_rows(self, ov: Overview) -> list[Row]:
        if not ov.alerts:
            return [(Cell(translate("ShiftLeadView", "No open alerts")), Cell(""), Cell(""), Cell(""))]
        rows: list[Row] = []
        for c in ov.alerts:
            alarm = c.critical > 0
            fg = style.CRITICAL_SOFT_FG if alarm else None
            rows.append((Cell(texts.alert_short(c.kind), bold=alarm, foreground=fg),
                         Cell(str(c.open), number=True, bold=True),
                         Cell(str(c.critical), number=True, foreground=fg, bold=alarm),
                         Cell(str(c.unacknowledged), number=True)))
        return rows

    def _show_arrivals(self, ov: Overview) -> None:
        labels = hour_labels(ov.arrivals)
        counts = [h.arrivals for h in ov.arrivals]
        if self.arrivals_model is not None:  # the newest hour on top: it is what the shift lead looks for
            self.arrivals_model.set_rows([
                (Cell(f"{h.start:%H:%M}–{clinic_time.local(h.end):%H:%M}"
                      + (f" {h.start.tzname()}" if " " in label else "")),
                 Cell(str(h.arrivals), number=True, bold=h.arrivals > 0))
                for label, h in reversed(list(zip(labels, ov.arrivals, strict=True)))])
            return
        assert self.arrivals_set is not None and self.arrivals_axis is not None and self.arrivals_values is not None
        if list(self.arrivals_axis.categories()) != labels:
            self.arrivals_axis.setCategories(labels)
        for i, n in enumerate(counts):
            if self.arrivals_set.at(i) != n:
                self.arrivals_set.replace(i, float(n))
        top = max(counts, default=0)
        step = max(1, ceil(top / 6))
        self.arrivals_values.setTickInterval(step)
        self.arrivals_values.setRange(0, max(4, ((top + step) // step + 1) * step))  # room for the labels

    def arrivals_shown(self) -> list[tuple[str, int]]:
        """What the chart (or the table) shows: (hour, arrivals), oldest first."""
        if self.arrivals_model is not None:
            return [(row[0].text, int(row[1].text)) for row in reversed(self.arrivals_model.rows())]
        assert self.arrivals_set is not None and self.arrivals_axis is not None
        return [(label, int(self.arrivals_set.at(i))) for i, label in enumerate(self.arrivals_axis.categories())]


__all__ = ["Cell", "FigureModel", "ShiftLeadView", "hour_labels", "load_charts"]
