"""The wall board (``legevakt --wallboard``): the queue on a screen in the corridor.

Patients and staff read it from five metres while they walk past, so it shows little and shows it large:
the triage level (colour and name), the waiting time (live, coloured past the level's target as in the
main window; "Hos lege" once a doctor has taken over instead of a count), the patient's initials and age,
and the room. Never the name, birth date, national identity number, complaint, a clinician or any
platform id: the model holds entries but no data role hands one out.

Sorted as the main queue: dropped patients first, then untriaged, then triage level and arrival. A
dropped patient stays on the board as a red row that says "Savnet" and the header counts them: a patient
who is unaccounted for is never hidden, and the patient, if still in the waiting room, sees the row and
the staff walking past see that somebody is missing. When many leave the list at once (a mass departure,
most likely a platform fault) their rows stay as last known, in their place, and one calm line says so
("Mange pasienter mangler i listen – mulig plattformfeil") instead of a red queue. When more rows than
fit, the board turns pages by itself (page 1 always starts with the dropped and the most urgent).

No actions: no menu, context menu, selection, focus or edit; no keyboard command other than Esc (leave
full screen), F11 (toggle full screen) and Ctrl+Q (quit). When the data is stale (the last complete
snapshot is older than the sync-stale critical threshold, the settings' ``sync_stale_critical_seconds``,
or the link is offline) a banner says "Ikke oppdatert siden HH:MM" and the rows are greyed; it clears by
itself when a fresh summary comes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QKeySequence, QPainter, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from legevakt.app import clinic_time
from legevakt.app.summary import ChangeSummary, LinkMode, LinkStatus
from legevakt.text import shown
from legevakt.ui import style, texts
from legevakt.ui.i18n import current_language
from legevakt.ui.queue_model import sort_key, wait_level, waiting_for_doctor
from legevakt.ui.roles import ACCESSIBLE, ALIGN, BACKGROUND, DISPLAY, FONT, FOREGROUND, USER
from legevakt.ui.status import CRITICAL_AFTER
from legevakt.worklist.models import EncounterStatus, Entry, Fate
from legevakt.worklist.triage import MTS, TriageLevel, TriageScale

translate = QCoreApplication.translate


TICK_MS = 1000  # the stale check, the clock and the waiting times
PAGE_MS = 12_000  # how long one page shows when the rows do not fit
#: The screenshot's size (``--wallboard --screenshot``): a full-HD corridor screen.
SCREEN_SIZE = (1920, 1080)

# Greyed rows while the data is stale: readable, but plainly not live.
STALE_TEXT = "#8a96a3"
STALE_CELL_TEXT = "#3e4c59"  # on the muted triage and dropped colours
_STALE_BLEND = QColor("#e4e8ec")
_ROW_LINE = QColor("#dfe4ea")


class WallColumn(IntEnum):
    TRIAGE = 0
    WAITING = 1
    INITIALS = 2
    AGE = 3
    ROOM = 4


class WallRole(IntEnum):
    """Custom data roles (same in every column). None carries a name, an identifier or a reference."""

    WAIT_LEVEL = USER + 1  # 0 within the target, 1 past it, 2 past twice it (as QueueRole.WAIT_LEVEL)
    DROPPED = USER + 2  # bool
    STALE = USER + 3  # bool: the board's data is not live
    SORT = USER + 4  # the proxy's sort role; no data (the proxy asks the model for the key)


def _headers() -> dict[WallColumn, str]:
    return {
        WallColumn.TRIAGE: translate("Wallboard", "Urgency"),
        WallColumn.WAITING: translate("Wallboard", "Waiting"),
        WallColumn.INITIALS: translate("Wallboard", "Patient"),
        WallColumn.AGE: translate("Wallboard", "Age"),
        WallColumn.ROOM: translate("Wallboard", "Room"),
    }


# Roles that change with an entry (every column).
ROW_ROLES: tuple[int, ...] = (DISPLAY, ACCESSIBLE, FONT, BACKGROUND, FOREGROUND, *(int(r) for r in WallRole))
# Roles that change with the clock (waiting column only).
TICK_ROLES: tuple[int, ...] = (DISPLAY, ACCESSIBLE, FONT, BACKGROUND, FOREGROUND, int(WallRole.WAIT_LEVEL))
# Roles that change when the board goes stale or live again (every column).
STALE_ROLES: tuple[int, ...] = (FONT, BACKGROUND, FOREGROUND, int(WallRole.STALE))


def _utcnow() -> datetime:
    return datetime.now(UTC)


# -- what the board says about a patient ---------------------------------------------------------------
def initials(name: str | None) -> str:
    """The initials of a display name: "Kari Nordmann" and "Nordmann, Kari Marie" are both "K.N."

    The first given name's initial and the family name's (the first part of a double family name): a
    corridor shows as little as still tells two patients apart, with the age beside it. A name of one
    word gives one initial; no name gives a dash.
    """
    name = shown(name)  # no bidi or control character becomes an "initial"
    if not name or not name.strip():
        return "–"
    if "," in name:
        family, given = (part.split() for part in name.split(",", 1))
    else:
        words = name.split()
        family, given = words[-1:], words[:-1]
    letters = [w for w in (_first_letter(given), _first_letter(family)) if w]
    return "".join(f"{letter}." for letter in letters) or "–"


def _first_letter(words: list[str]) -> str:
    for word in words:
        for char in word:
            if char.isalpha():
                return char.upper()
    return ""


def age_label(born: date | None, today: date) -> str:
    """Years from two years up ("37 år"), months below ("13 mnd"), days in the first month ("10 d")."""
    if born is None or born > today:
        return "–"
    years = texts.age_years(born, today)
    if years >= 2:
        return translate("Wallboard", "{n} yrs").format(n=years)
    return texts.age_short(born, today)  # months below two, days in the first month: as in the queue


def is_missing(entry: Entry) -> bool:
    """One patient gone from the queue list: the board's red "Savnet" row. Those held back by a mass
    departure (many gone at once, most likely the platform's fault) keep their last known row instead,
    and the board says once, calmly, what happened."""
    return entry.fate is Fate.DROPPED and not entry.mass_departure


def is_held(entry: Entry) -> bool:
    """Gone from the list with many others at once (a mass departure): shown as last known."""
    return entry.fate is Fate.DROPPED and entry.mass_departure


def waiting_label(entry: Entry, now: datetime) -> str:
    """Minutes while waiting for a doctor; otherwise where the patient is, not a count."""
    if is_missing(entry):
        return translate("Wallboard", "Missing")
    if waiting_for_doctor(entry):
        return texts.minutes_text(int((now - entry.arrived_at).total_seconds() // 60))
    enc = entry.encounter
    if enc.status is EncounterStatus.ONLEAVE:
        return translate("Wallboard", "At x-ray/lab")
    if enc.doctor is not None:
        return translate("Wallboard", "With doctor")
    return translate("Wallboard", "In treatment")


def room_label(entry: Entry) -> str:
    """The room's display name; a room known only by its id says that one is assigned (never the id)."""
    enc = entry.encounter
    if enc.room_name and texts.place_name(enc.room_name, None):
        return texts.place_name(enc.room_name, None)
    if enc.room:
        return translate("Wallboard", "assigned")
    return ""


def _waiting_samples() -> list[str]:
    return [texts.minutes_text(888), translate("Wallboard", "Missing"), translate("Wallboard", "At x-ray/lab"),
            translate("Wallboard", "With doctor"), translate("Wallboard", "In treatment")]


def mute(colour: QColor) -> QColor:
    """A colour greyed for the stale state: still recognisable, plainly not live."""
    k = 0.62
    return QColor(round(colour.red() * (1 - k) + _STALE_BLEND.red() * k),
                  round(colour.green() * (1 - k) + _STALE_BLEND.green() * k),
                  round(colour.blue() * (1 - k) + _STALE_BLEND.blue() * k))


#: Waiting past the target (1) and past twice it (2): (background, text), the main window's amber and red;
#: the red one step stronger than the window's, so it still reads as red from across the corridor.
PAST_TWICE_BG = "#ffcdd2"
WAIT_COLOURS: dict[int, tuple[str, str]] = {
    1: (style.WARNING_BG, style.WARNING_FG),
    2: (PAST_TWICE_BG, style.CRITICAL_SOFT_FG),
}


def is_stale(link: LinkStatus | None, now: datetime, since: datetime, critical_after: timedelta) -> bool:
    """Not live: the link is offline, or the last complete snapshot (before any: the board's start) is
    older than ``critical_after``."""
    last = link.last_complete_at if link is not None else None
    if last is None:
        return now - since > critical_after
    if link is not None and link.mode is LinkMode.OFFLINE:
        return True
    return now - last > critical_after


# -- the model ------------------------------------------------------------------------------------------
class WallboardModel(QAbstractTableModel):
    """The board's rows, one per encounter, kept in arrival order of the adapter (the proxy sorts).

    ``apply(summary)`` updates incrementally (insert, ``dataChanged`` with role lists, remove; never a
    reset). Every role gives a derived text or colour, never the entry, its name or its references."""

    def __init__(self, parent: QObject | None = None, *, scale: TriageScale = MTS,
                 clock: Callable[[], datetime] = _utcnow, language: str | None = None) -> None:
        super().__init__(parent)
        self._scale = scale
        self._clock = clock
        self._language = language or current_language()
        self._now = clock()
        self._stale = False
        self._refs: list[str] = []
        self._row: dict[str, int] = {}
        self._entries: dict[str, Entry] = {}
        self._headers = _headers()
        self._bold = QFont()
        self._bold.setBold(True)

    # -- reading ----------------------------------------------------------------------------
    @property
    def stale(self) -> bool:
        return self._stale

    @property
    def now(self) -> datetime:
        return self._now

    @property
    def scale(self) -> TriageScale:
        return self._scale

    def sort_key_at(self, row: int) -> tuple[int, int, datetime, str]:
        """The main queue's order (``queue_model.sort_key``) of a row, for the proxy."""
        entry = self._entries[self._refs[row]]
        key = sort_key(entry, self._level(entry))
        return (1, *key[1:]) if is_held(entry) else key  # held: in its place, not on top of the live ones

    def dropped_count(self) -> int:
        """The single missing patients (the red rows); those of a mass departure are ``held_count``."""
        return sum(1 for e in self._entries.values() if is_missing(e))

    def held_count(self) -> int:
        return sum(1 for e in self._entries.values() if is_held(e))

    def _level(self, entry: Entry) -> TriageLevel | None:
        return self._scale.level(entry.encounter.triage)

    def _today(self) -> date:
        return clinic_time.local(self._now).date()

    # -- Qt model interface -----------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._refs)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(WallColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(WallColumn):
            return None
        if int(role) in (DISPLAY, ACCESSIBLE):
            return self._headers[WallColumn(section)]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren  # not selectable, not editable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._refs) and 0 <= col < len(WallColumn)):
            return None
        entry = self._entries[self._refs[row]]
        column = WallColumn(col)
        role = int(role)
        if role == DISPLAY:
            return self._text(entry, column)
        if role == ACCESSIBLE:
            text = self._text(entry, column)
            if column is WallColumn.TRIAGE and is_missing(entry):
                return f"{translate('Wallboard', 'Missing')}. {text}"
            return text
        if role == BACKGROUND:
            return self._background(entry, column)
        if role == FOREGROUND:
            return self._foreground(entry, column)
        if role == FONT:
            return self._bold if self._is_bold(entry, column) else None
        if role == ALIGN:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == WallRole.WAIT_LEVEL:
            return self._wait_level(entry)
        if role == WallRole.DROPPED:
            return is_missing(entry)
        if role == WallRole.STALE:
            return self._stale
        return None

    def _wait_level(self, entry: Entry) -> int:
        return wait_level(entry, self._level(entry), self._now)

    def _text(self, entry: Entry, column: WallColumn) -> str:
        if column is WallColumn.TRIAGE:
            return texts.triage_short(self._scale, entry.encounter.triage, self._language)
        if column is WallColumn.WAITING:
            return waiting_label(entry, self._now)
        if column is WallColumn.INITIALS:
            return initials(entry.patient.name if entry.patient is not None else None)
        if column is WallColumn.AGE:
            return age_label(entry.patient.birth_date if entry.patient is not None else None, self._today())
        return room_label(entry)

    def _background(self, entry: Entry, column: WallColumn) -> QBrush | None:
        colour: QColor | None = None
        if column is WallColumn.TRIAGE:
            colour = style.triage_colour(self._level(entry))
        elif is_missing(entry):
            colour = QColor(style.CRITICAL_BG)
        elif column is WallColumn.WAITING and not self._stale:
            pair = WAIT_COLOURS.get(self._wait_level(entry))
            colour = QColor(pair[0]) if pair is not None else None
        if colour is None:
            return None
        return QBrush(mute(colour) if self._stale else colour)

    def _foreground(self, entry: Entry, column: WallColumn) -> QBrush:
        if self._stale:
            cell = column is WallColumn.TRIAGE or is_missing(entry)
            return QBrush(QColor(STALE_CELL_TEXT if cell else STALE_TEXT))
        if column is WallColumn.TRIAGE:
            return QBrush(style.triage_text_colour(self._level(entry)))
        if is_missing(entry):
            return QBrush(QColor(style.CRITICAL_FG))
        if column is WallColumn.WAITING:
            pair = WAIT_COLOURS.get(self._wait_level(entry))
            if pair is not None:
                return QBrush(QColor(pair[1]))
        return QBrush(QColor(style.INK))

    def _is_bold(self, entry: Entry, column: WallColumn) -> bool:
        if column in (WallColumn.TRIAGE, WallColumn.INITIALS):
            return True
        if column is WallColumn.WAITING:
            return is_missing(entry) or self._wait_level(entry) > 0
        return False

    # -- updating ---------------------------------------------------------------------------
    def apply(self, summary: ChangeSummary) -> None:
        """Fold one change summary into the rows, incrementally (never a reset)."""
        self._now = self._clock()
        upserts: dict[str, Entry] = {}
        removed: set[str] = set(summary.removed)
        for entry in summary.upserted:
            if entry.fate is Fate.DEPARTED:
                removed.add(entry.ref)
            else:
                upserts[entry.ref] = entry
                removed.discard(entry.ref)
        if summary.initial:
            removed |= {ref for ref in self._refs if ref not in upserts}
        self._remove(removed)
        # One changed row announced at a time, changes before insertions: a sorting proxy then keeps every
        # row in order (see QueueModel.apply).
        last = len(WallColumn) - 1
        new: list[Entry] = []
        for ref, entry in upserts.items():
            row = self._row.get(ref)
            if row is None:
                new.append(entry)
            elif self._entries[ref] != entry:
                self._entries[ref] = entry
                self.dataChanged.emit(self.index(row, 0), self.index(row, last), list(ROW_ROLES))
        if new:
            first = len(self._refs)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for i, entry in enumerate(new):
                self._refs.append(entry.ref)
                self._row[entry.ref] = first + i
                self._entries[entry.ref] = entry
            self.endInsertRows()

    def tick(self, now: datetime | None = None) -> None:
        """Advance the clock: the waiting column only."""
        self._now = now if now is not None else self._clock()
        if self._refs:
            col = int(WallColumn.WAITING)
            self.dataChanged.emit(self.index(0, col), self.index(len(self._refs) - 1, col), list(TICK_ROLES))

    def set_stale(self, stale: bool) -> None:
        """Grey every row (stale) or give them their colours back."""
        if stale == self._stale:
            return
        self._stale = stale
        if self._refs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._refs) - 1, len(WallColumn) - 1),
                                  list(STALE_ROLES))

    def _remove(self, refs: Iterable[str]) -> None:
        rows = sorted((self._row[r] for r in refs if r in self._row), reverse=True)
        for first, last in _runs_descending(rows):
            self.beginRemoveRows(QModelIndex(), first, last)
            for ref in self._refs[first:last + 1]:
                del self._entries[ref]
                del self._row[ref]
            del self._refs[first:last + 1]
            for i in range(first, len(self._refs)):
                self._row[self._refs[i]] = i
            self.endRemoveRows()


def _runs_descending(rows: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs from rows sorted high to low, as (first, last), highest run first."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and r == runs[-1][0] - 1:
            runs[-1] = (r, runs[-1][1])
        else:
            runs.append((r, r))
    return runs


class WallboardProxy(QSortFilterProxyModel):
    """The main queue's order: dropped first, then untriaged, then triage level and arrival."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setDynamicSortFilter(True)
        self.setSortRole(int(WallRole.SORT))
        self.sort(int(WallColumn.TRIAGE), Qt.SortOrder.AscendingOrder)

    def lessThan(self, left: QModelIndex | QPersistentModelIndex,
                 right: QModelIndex | QPersistentModelIndex) -> bool:
        src = self.sourceModel()
        if not isinstance(src, WallboardModel):
            return False
        return src.sort_key_at(left.row()) < src.sort_key_at(right.row())


# -- painting -------------------------------------------------------------------------------------------
class WallDelegate(QStyledItemDelegate):
    """Flat cells in the model's colours, the text large with padding, a line between rows."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pad = 14

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        rect = QRect(option.rect)
        painter.save()
        bg = index.data(BACKGROUND)
        if isinstance(bg, QBrush) and bg.style() != Qt.BrushStyle.NoBrush:
            painter.fillRect(rect, bg)
        font = QFont(option.font)
        model_font = index.data(FONT)
        if isinstance(model_font, QFont) and model_font.bold():
            font.setBold(True)
        painter.setFont(font)
        fg = index.data(FOREGROUND)
        painter.setPen(fg.color() if isinstance(fg, QBrush) else QColor(style.INK))
        text = str(index.data(DISPLAY) or "")
        inner = rect.adjusted(self.pad, 0, -self.pad, 0)
        painter.drawText(inner, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, inner.width()))
        painter.setPen(_ROW_LINE)
        painter.drawLine(rect.left(), rect.bottom(), rect.right(), rect.bottom())
        painter.restore()


# -- the board ------------------------------------------------------------------------------------------
class WallService(Protocol):
    """What the board needs of the application service (``legevakt.app.service.AppService``)."""

    changed: Any  # Signal(object): ChangeSummary
    demo: bool

    def start(self) -> None: ...
    def stop(self) -> None: ...


def _critical_after(service: object) -> timedelta:
    """The settings' ``sync_stale_critical_seconds`` (as the status bar and reconciliation), else 60 s."""
    seconds = getattr(getattr(service, "settings", None), "sync_stale_critical_seconds", None)
    if isinstance(seconds, int | float) and not isinstance(seconds, bool):
        return timedelta(seconds=seconds)
    return CRITICAL_AFTER


def _service_scale(service: object) -> TriageScale:
    for scale in (getattr(service, "triage_scale", None),
                  getattr(getattr(service, "settings", None), "scale", None)):
        if isinstance(scale, TriageScale):
            return scale
    return MTS


def clinic_clock(moment: datetime, now: datetime) -> str:
    """HH:MM in the clinic's time zone; with the date when it is not today's."""
    local = clinic_time.local(moment)
    if local.date() == clinic_time.local(now).date():
        return local.strftime("%H:%M")
    return local.strftime("%d.%m. %H:%M")


def _sizes(height: int) -> dict[str, int]:
    """Pixel sizes from the screen's height: rows readable from 5 m on a corridor screen."""
    row = max(28, min(72, height // 27))  # 40 px text at 1080 px
    return {"row": row, "line": round(row * 1.6), "title": row, "banner": round(row * 1.15),
            "small": max(18, round(row * 0.6)), "header": max(18, round(row * 0.55))}


def _style_sheet(s: dict[str, int]) -> str:
    return f"""
QWidget#wallboard {{ background: {style.WINDOW}; }}
QFrame#wallHeader {{ background: #0d47a1; }}
QLabel#wallTitle {{ color: #ffffff; font-size: {s['title']}px; font-weight: 700; }}
QLabel#wallSubtitle {{ color: #bbdefb; font-size: {s['small']}px; padding-top: 4px; }}
QLabel#wallCount {{ color: #e3f2fd; font-size: {s['small']}px; font-weight: 600; }}
QLabel#wallClock {{ color: #ffffff; font-size: {s['title']}px; font-weight: 700; }}
QLabel#wallMissing {{ background: {style.CRITICAL_BG}; color: #ffffff; font-size: {s['small']}px;
                      font-weight: 700; border: 2px solid #ffffff; border-radius: 6px; padding: 2px 14px; }}
QLabel#wallDemo {{ background: #6a1b9a; color: #ffffff; font-size: {s['header']}px; font-weight: 700;
                   border-radius: 6px; padding: 2px 12px; }}
QLabel#wallHeld {{ background: #e3f2fd; color: #0d47a1; font-size: {s['small']}px; font-weight: 600;
                   border-bottom: 1px solid #bbdefb; padding: 8px 24px; }}
QFrame#wallStale {{ background: #ffb300; border-top: 4px solid #1b1f24; border-bottom: 4px solid #1b1f24; }}
QLabel#wallStaleTitle {{ color: #1b1f24; font-size: {s['banner']}px; font-weight: 800; }}
QLabel#wallStaleText {{ color: #1b1f24; font-size: {s['small']}px; font-weight: 600; }}
QTableView#wallTable {{ background: {style.SURFACE}; alternate-background-color: #f6f8fa; border: none;
                        font-size: {s['row']}px; }}
QHeaderView#wallColumns::section {{ background: #eef2f6; color: #3e4c59; font-size: {s['header']}px;
                                    font-weight: 700; border: none; border-bottom: 2px solid #d5dde6;
                                    padding: 6px 14px; }}
QLabel#wallEmpty {{ background: {style.SURFACE}; color: {style.MUTED}; font-size: {s['row']}px; }}
QFrame#wallFooter {{ background: {style.WINDOW}; border-top: 1px solid {style.LINE}; }}
QLabel#wallNote {{ color: {style.MUTED}; font-size: {s['small']}px; }}
QLabel#wallPage {{ color: #0d47a1; background: #ffffff; font-size: {s['small']}px; font-weight: 700;
                   border-radius: 6px; padding: 2px 14px; }}
"""


class Wallboard(QWidget):
    """The corridor's view of the queue. Fed by the service's ``changed`` signal; sends nothing back."""

    def __init__(self, service: WallService, *, language: str | None = None,
                 clock: Callable[[], datetime] | None = None, scale: TriageScale | None = None,
                 critical_after: timedelta | None = None, tick_ms: int = TICK_MS, page_ms: int = PAGE_MS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallboard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.service = service
        self._language = language or current_language()
        service_clock = getattr(service, "now", None)
        self._clock: Callable[[], datetime] = clock or (service_clock if callable(service_clock) else _utcnow)
        self._critical_after = critical_after if critical_after is not None else _critical_after(service)
        self._started = self._clock()
        self._link: LinkStatus | None = None
        self._demo = bool(getattr(service, "demo", False))
        self._page = 0
        self._sized_for = -1

        self.model = WallboardModel(self, scale=scale or _service_scale(service), clock=self._clock,
                                    language=self._language)
        self.proxy = WallboardProxy(self)
        self.proxy.setSourceModel(self.model)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._build_header())
        outer.addWidget(self._build_stale_banner())
        # A mass departure: one calm line for everyone, not a red "Savnet" on every row.
        self.held_label = QLabel(translate("Wallboard", "Many patients are missing from the list – possibly a "
                                                        "platform fault"), self)
        self.held_label.setObjectName("wallHeld")
        self.held_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.held_label.setWordWrap(True)
        self.held_label.hide()
        outer.addWidget(self.held_label)
        self.pages = QStackedWidget(self)
        self.table = self._build_table()
        self.empty_label = QLabel(self.pages)
        self.empty_label.setObjectName("wallEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty_label)
        outer.addWidget(self.pages, 1)
        outer.addWidget(self._build_footer())
        for w in self.findChildren(QWidget):
            w.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.shortcuts: list[QShortcut] = []
        for keys, slot in ((QKeySequence(Qt.Key.Key_Escape), self.leave_full_screen),
                           (QKeySequence(Qt.Key.Key_F11), self.toggle_full_screen),
                           (QKeySequence("Ctrl+Q"), self.close)):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

        self.setWindowTitle(translate("Wallboard", "Legevakt – waiting board"))
        self._apply_sizes(SCREEN_SIZE[1])

        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.layoutChanged):
            signal.connect(self._rows_changed)
        self.table.viewport().installEventFilter(self)

        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(tick_ms)
        self.tick_timer.timeout.connect(self.refresh)
        self.tick_timer.start()
        self.page_timer = QTimer(self)
        self.page_timer.setInterval(page_ms)
        self.page_timer.timeout.connect(self.next_page)
        self.page_timer.start()
        service.changed.connect(self.apply_summary)
        self.refresh()

    # -- building ---------------------------------------------------------------------------
    def _build_header(self) -> QFrame:
        header = QFrame(self)
        header.setObjectName("wallHeader")
        h = QHBoxLayout(header)
        h.setContentsMargins(24, 10, 24, 10)
        h.setSpacing(18)
        title = QLabel(translate("Wallboard", "Legevakt"), header)
        title.setObjectName("wallTitle")
        subtitle = QLabel(translate("Wallboard", "Waiting list"), header)
        subtitle.setObjectName("wallSubtitle")
        self.count_label = QLabel(header)
        self.count_label.setObjectName("wallCount")
        self.missing_label = QLabel(header)
        self.missing_label.setObjectName("wallMissing")
        self.missing_label.hide()
        self.demo_label = QLabel(translate("Wallboard", "DEMO"), header)
        self.demo_label.setObjectName("wallDemo")
        self.demo_label.setVisible(self._demo)
        self.clock_label = QLabel(header)
        self.clock_label.setObjectName("wallClock")
        self.page_label = QLabel(header)  # in the header, where the eye is: more rows than this page shows
        self.page_label.setObjectName("wallPage")
        self.page_label.hide()
        h.addWidget(title)
        h.addWidget(subtitle)
        h.addStretch(1)
        h.addWidget(self.missing_label)
        h.addWidget(self.page_label)
        h.addWidget(self.count_label)
        h.addWidget(self.demo_label)
        h.addSpacing(12)
        h.addWidget(self.clock_label)
        return header

    def _build_stale_banner(self) -> QFrame:
        self.stale_banner = QFrame(self)
        self.stale_banner.setObjectName("wallStale")
        v = QVBoxLayout(self.stale_banner)
        v.setContentsMargins(24, 12, 24, 12)
        v.setSpacing(2)
        self.stale_title = QLabel(self.stale_banner)
        self.stale_title.setObjectName("wallStaleTitle")
        self.stale_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stale_text = QLabel(translate("Wallboard", "The list below may be out of date. Ask at the reception."),
                                 self.stale_banner)
        self.stale_text.setObjectName("wallStaleText")
        self.stale_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        v.addWidget(self.stale_title)
        v.addWidget(self.stale_text)
        self.stale_banner.hide()
        return self.stale_banner

    def _build_table(self) -> QTableView:
        table = QTableView(self.pages)
        table.setObjectName("wallTable")
        table.setModel(self.proxy)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setSortingEnabled(False)
        table.setCornerButtonEnabled(False)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)  # nothing to click
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        hh = table.horizontalHeader()
        hh.setObjectName("wallColumns")
        hh.setSectionsClickable(False)
        hh.setHighlightSections(False)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        hh.setSectionResizeMode(int(WallColumn.ROOM), QHeaderView.ResizeMode.Stretch)
        self._delegate = WallDelegate(table)
        table.setItemDelegate(self._delegate)
        table.setAccessibleName(translate("Wallboard", "Waiting list"))
        return table

    def _build_footer(self) -> QFrame:
        footer = QFrame(self)
        footer.setObjectName("wallFooter")
        h = QHBoxLayout(footer)
        h.setContentsMargins(24, 8, 24, 8)
        note = QLabel(translate("Wallboard", "Patients are seen in order of urgency, not of arrival."), footer)
        note.setObjectName("wallNote")
        h.addWidget(note, 1)
        return footer

    # -- full screen and quit: the only keys ---------------------------------------------------
    def leave_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    # -- sizes --------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_sizes(event.size().height())

    def _apply_sizes(self, height: int) -> None:
        s = _sizes(height)
        if s["row"] == self._sized_for:
            return
        self._sized_for = s["row"]
        self.setStyleSheet(_style_sheet(s))
        self._delegate.pad = max(10, s["row"] // 3)
        font = QFont(self.font())
        font.setPixelSize(s["row"])
        bold = QFont(font)
        bold.setBold(True)
        header_font = QFont(self.font())
        header_font.setPixelSize(s["header"])
        header_font.setBold(True)
        fm, fmb, fmh = QFontMetrics(font), QFontMetrics(bold), QFontMetrics(header_font)
        pad = 2 * self._delegate.pad + s["row"] // 2
        scale = self.model.scale
        headers = _headers()
        triage = [texts.triage_short(scale, lvl.code, self._language) for lvl in scale.levels]
        triage.append(texts.not_triaged())

        def fit(column: WallColumn, metrics: QFontMetrics, samples: list[str]) -> int:
            return max([fmh.horizontalAdvance(headers[column]), *(metrics.horizontalAdvance(t) for t in samples)]) + pad

        widths = {
            WallColumn.TRIAGE: fit(WallColumn.TRIAGE, fmb, triage),
            WallColumn.WAITING: fit(WallColumn.WAITING, fmb, _waiting_samples()),
            WallColumn.INITIALS: fit(WallColumn.INITIALS, fmb, ["W.W.W."]),
            WallColumn.AGE: fit(WallColumn.AGE, fm, [age_label(date(1900, 1, 1), date(2005, 1, 1)),
                                                     age_label(date(2000, 1, 1), date(2001, 12, 31))]),
        }
        for column, width in widths.items():
            self.table.setColumnWidth(int(column), width)
        self._row_target = s["line"]
        self.table.verticalHeader().setDefaultSectionSize(self._row_target)
        self.table.horizontalHeader().setFixedHeight(fmh.height() + 2 * 10 + 4)
        self._fit_rows()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_rows()
        return super().eventFilter(watched, event)

    def _fit_rows(self) -> None:
        """Whole rows only: the row height shares the viewport out evenly among as many as fit."""
        available = self.table.viewport().height()
        target = getattr(self, "_row_target", 0)
        if available <= 0 or target <= 0:
            return
        n = max(1, available // target)
        self.table.verticalHeader().setDefaultSectionSize(max(target, available // n))
        self._show_page()

    # -- pages ----------------------------------------------------------------------------------
    def rows_per_page(self) -> int:
        height = self.table.verticalHeader().defaultSectionSize()
        return max(1, self.table.viewport().height() // max(1, height))

    def page_count(self) -> int:
        return max(1, math.ceil(self.proxy.rowCount() / self.rows_per_page()))

    @property
    def page(self) -> int:
        return self._page

    def next_page(self) -> None:
        self._page = (self._page + 1) % self.page_count()
        self._show_page()

    def visible_rows(self) -> list[int]:
        """The proxy rows on the current page."""
        return [r for r in range(self.proxy.rowCount()) if not self.table.isRowHidden(r)]

    def _rows_changed(self, *_args: object) -> None:
        self._show_page()

    def _show_page(self) -> None:
        pages = self.page_count()
        if self._page >= pages:
            self._page = 0
        per = self.rows_per_page()
        height = self.table.verticalHeader().defaultSectionSize()
        first, last = self._page * per, (self._page + 1) * per
        for row in range(self.proxy.rowCount()):
            hidden = not first <= row < last
            if self.table.isRowHidden(row) != hidden:
                self.table.setRowHidden(row, hidden)
            # A row hidden while the default height changed comes back at its old height: set it.
            if not hidden and self.table.rowHeight(row) != height:
                self.table.setRowHeight(row, height)
        self.table.verticalScrollBar().setValue(0)
        self.page_label.setText(translate("Wallboard", "Page {page} of {pages}").format(page=self._page + 1,
                                                                                      pages=pages))
        self.page_label.setVisible(pages > 1)

    # -- updates ----------------------------------------------------------------------------------
    def apply_summary(self, summary: ChangeSummary) -> None:
        """Render one change summary (the service's ``changed`` signal)."""
        self.model.apply(summary)
        self._link = summary.link
        if summary.link.demo and not self._demo:
            self._demo = True
            self.demo_label.show()
        self.refresh()

    @property
    def stale(self) -> bool:
        return self.model.stale

    def refresh(self, now: datetime | None = None) -> None:
        """The clock, the stale state and the waiting times (every second, and after each summary)."""
        now = now if now is not None else self._clock()
        stale = is_stale(self._link, now, self._started, self._critical_after)
        self.model.set_stale(stale)
        self.model.tick(now)
        self.clock_label.setText(clinic_time.local(now).strftime("%H:%M"))
        last = self._link.last_complete_at if self._link is not None else None
        if stale:
            if last is None:
                self.stale_title.setText(translate("Wallboard", "Not updated: no data from the platform yet"))
            else:
                self.stale_title.setText(translate("Wallboard", "Not updated since {time}").format(
                    time=clinic_clock(last, now)))
        self.stale_banner.setVisible(stale)
        rows = self.model.rowCount()
        self.count_label.setText(translate("Wallboard", "Patients: {n}").format(n=rows))
        missing = self.model.dropped_count()
        self.missing_label.setText(translate("Wallboard", "Missing: {n}").format(n=missing))
        self.missing_label.setVisible(missing > 0)
        self.held_label.setVisible(self.model.held_count() > 0)
        if rows:
            self.pages.setCurrentWidget(self.table)
        else:
            self.empty_label.setText(translate("Wallboard", "Waiting for the first update…") if last is None
                                     else translate("Wallboard", "No patients waiting"))
            self.pages.setCurrentWidget(self.empty_label)

    def all_texts(self) -> list[str]:
        """Every text the board shows or carries (labels, tooltips, accessible names, title): for tests."""
        found = [self.windowTitle(), self.toolTip(), self.accessibleName()]
        for widget in self.findChildren(QWidget):
            found += [widget.toolTip(), widget.accessibleName(), widget.accessibleDescription(),
                      widget.statusTip(), widget.whatsThis()]
            if isinstance(widget, QLabel):
                found.append(widget.text())
        return [t for t in found if t]


__all__ = [
    "WallColumn",
    "WallRole",
    "Wallboard",
    "WallboardModel",
    "WallboardProxy",
    "age_label",
    "initials",
    "is_held",
    "is_missing",
    "is_stale",
    "waiting_label",
]
