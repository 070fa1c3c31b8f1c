"""The queue as a Qt table model: an adapter over entries keyed by encounter ref.

``QueueModel.apply(summary)`` turns a ``ChangeSummary`` into ``beginInsertRows``/``endInsertRows``,
``dataChanged`` with explicit role lists and ``beginRemoveRows``/``endRemoveRows``; it never resets on a
sync, so selection and scroll position survive. Rows are kept in arrival order of the *adapter* (new
refs are appended); the visible order (dropped first, then triage urgency, then arrival) and the filters
live in ``QueueFilterProxy``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from legevakt.app import clinic_time
from legevakt.app.summary import ChangeSummary
from legevakt.ui import style, texts
from legevakt.ui.i18n import current_language
from legevakt.ui.roles import ACCESSIBLE, ALIGN, BACKGROUND, DECORATION, DISPLAY, FONT, FOREGROUND, TOOLTIP, USER
from legevakt.worklist.identifiers import is_d_number
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Entry, Fate, Severity
from legevakt.worklist.triage import MTS, TriageLevel, TriageScale

log = logging.getLogger("legevakt.ui")
translate = QCoreApplication.translate



class QueueRole(IntEnum):
    """Custom data roles (same value in every column)."""

    ENTRY = USER + 1  # the Entry
    SORT_KEY = USER + 2  # tuple: dropped first, untriaged, triage rank, arrival, ref
    REF = USER + 3  # encounter ref
    TRIAGE_RANK = USER + 4  # int; -1 untriaged
    ARRIVED = USER + 5  # aware datetime
    FATE = USER + 6  # Fate value (str)
    WAIT_LEVEL = USER + 7  # 0 within target, 1 past target, 2 past twice the target
    ALERTS = USER + 8  # tuple[Alert, ...], open alerts on this encounter
    TRIAGE_LEVEL = USER + 9  # TriageLevel | None
    GROUP = USER + 10  # bool: the mass-departure group row, or an entry gathered under it


class Column(IntEnum):
    TRIAGE = 0
    WAITING = 1
    NAME = 2
    IDENT = 3
    AGE_SEX = 4
    COMPLAINT = 5
    STATE = 6
    ROOM = 7
    NURSE = 8
    DOCTOR = 9
    ALERTS = 10
    PENDING = 11  # changes not yet confirmed by the platform (a narrow fixed column, never cut off)


def _headers() -> dict[Column, tuple[str, str]]:
    """(header, tooltip) per column, translated now."""
    return {
        Column.TRIAGE: (translate("QueueModel", "Triage"), translate("QueueModel", "Triage level")),
        Column.WAITING: (translate("QueueModel", "Waiting"), translate("QueueModel", "Time since arrival")),
        Column.NAME: (translate("QueueModel", "Name"), translate("QueueModel", "Patient name")),
        Column.IDENT: (translate("QueueModel", "Born"),
                       translate("QueueModel", "Birth date (from the patient record); the identity number masked in "
                                               "the tooltip")),
        Column.AGE_SEX: (translate("QueueModel", "Age"), translate("QueueModel", "Age and sex")),
        Column.COMPLAINT: (translate("QueueModel", "Complaint"), translate("QueueModel", "Chief complaint")),
        Column.STATE: (translate("QueueModel", "State"), translate("QueueModel", "Where the patient is in the visit")),
        Column.ROOM: (translate("QueueModel", "Room"), translate("QueueModel", "Room")),
        Column.NURSE: (translate("QueueModel", "Nurse"), translate("QueueModel", "Responsible nurse")),
        Column.DOCTOR: (translate("QueueModel", "Doctor"), translate("QueueModel", "Doctor")),
        Column.ALERTS: (translate("QueueModel", "Alerts"), translate("QueueModel", "Open alerts on this visit")),
        Column.PENDING: ("⟳", translate("QueueModel", "Changes not yet confirmed by the platform")),
    }


_COLUMNS: tuple[Column, ...] = tuple(Column)
_NCOLUMNS = len(_COLUMNS)

# Roles that change when an entry's data changes (every column).
ROW_ROLES: tuple[int, ...] = (
    DISPLAY, DECORATION, TOOLTIP, FONT, BACKGROUND, FOREGROUND, ACCESSIBLE,
    *(int(r) for r in QueueRole),
)
# Roles that change when the clock moves (waiting column only).
TICK_ROLES: tuple[int, ...] = (
    DISPLAY, TOOLTIP, FONT, BACKGROUND, FOREGROUND, ACCESSIBLE, int(QueueRole.WAIT_LEVEL),
)
# Roles that change when an encounter's alerts change (alerts column, plus row-wide custom roles).
ALERT_ROLES: tuple[int, ...] = (DISPLAY, DECORATION, TOOLTIP, ACCESSIBLE, int(QueueRole.ALERTS))


def _utcnow() -> datetime:
    return datetime.now(UTC)


def waiting_for_doctor(entry: Entry) -> bool:
    """Still counts against the triage target: no doctor has taken over (as reconciliation judges)."""
    enc = entry.encounter
    return entry.fate is not Fate.DEPARTED and enc.status.waiting_for_doctor and enc.doctor is None


def wait_level(entry: Entry, level: TriageLevel | None, now: datetime) -> int:
    """0 within the triage target, 1 past it, 2 past twice it (only while waiting for a doctor)."""
    if level is None or not waiting_for_doctor(entry):
        return 0
    waited = (now - entry.arrived_at).total_seconds() / 60
    if waited >= 2 * level.target_minutes:
        return 2
    if waited >= level.target_minutes:
        return 1
    return 0


#: Waiting past the target (1) and past twice it (2): (background, text) colours.
_WAIT_COLOURS: dict[int, tuple[str, str]] = {
    1: (style.WARNING_BG, style.WARNING_FG),
    2: (style.CRITICAL_SOFT_BG, style.CRITICAL_SOFT_FG),
}


#: The mass-departure group row's reference and sort key (before every dropped row: rank -1 is untriaged).
GROUP_REF = "group:mass-departure"
GROUP_KEY: tuple[int, int, datetime, str] = (0, -9, datetime.min.replace(tzinfo=UTC), GROUP_REF)


def search_words(text: str) -> str:
    """A search text as the queue compares it: case- and space-insensitive."""
    return " ".join(text.casefold().split())


def matches_search(entry: Entry, words: str) -> bool:
    """Whether the patient's name, identity number (digits, spaces ignored) or room contains ``words``."""
    if not words:
        return True
    pat, enc = entry.patient, entry.encounter
    if pat is not None and pat.name and words in " ".join(pat.name.casefold().split()):
        return True
    digits = words.replace(" ", "")
    if pat is not None and pat.identifier and digits.isdigit() and digits in pat.identifier:
        return True
    return bool(enc.room_name and words in " ".join(enc.room_name.casefold().split()))


def sort_key(entry: Entry, level: TriageLevel | None) -> tuple[int, int, datetime, str]:
    """Dropped first, then untriaged (they need triage), then triage rank, then arrival."""
    rank = level.rank if level is not None else -1
    return (0 if entry.fate is Fate.DROPPED else 1, rank, entry.arrived_at, entry.ref)


class QueueModel(QAbstractTableModel):
    """Adapter over the queue's entries; one row per encounter ref."""

    def __init__(self, parent: QObject | None = None, *, scale: TriageScale = MTS,
                 clock: Callable[[], datetime] = _utcnow, language: str | None = None) -> None:
        super().__init__(parent)
        self._scale = scale
        self._clock = clock
        self._language = language or current_language()
        self._now = clock()
        self._refs: list[str] = []
        #: The sort key of each row (``sort_key``), kept beside ``_refs``: the proxy compares these directly,
        #: thousands of times per reset and a dozen per changed row.
        self.keys: list[tuple[int, int, datetime, str]] = []
        self._row: dict[str, int] = {}
        self._entries: dict[str, Entry] = {}
        self._alerts: dict[str, dict[str, Alert]] = {}  # encounter ref -> alert id -> open alert
        self._alert_ref: dict[str, str] = {}  # alert id -> encounter ref
        self._pending: dict[str, int] = {}  # encounter ref -> commands waiting in the outbox
        # Which filter each row counts under (dropped, waiting, in treatment) and the tally, kept as rows
        # change: the filter buttons' counts cost nothing per sync (recounting 10 000 rows did).
        self._kind: dict[str, QueueFilter] = {}
        self._tally: dict[QueueFilter, int] = dict.fromkeys(_KINDS, 0)
        #: "Mine": the signed-in clinician's Practitioner reference, and the present entries where they are
        #: nurse or doctor (kept as rows change, like the tally).
        self._practitioner = ""
        self._mine: set[str] = set()
        #: Open mass departures (alert id -> the encounters involved) and the dropped entries among them: they
        #: gather under one group row, after the entries (row ``len(self._refs)``) while there is any.
        self._mass: dict[str, tuple[str, ...]] = {}
        self._members: set[str] = set()
        self._group = False
        self.group_expanded = False  # shown by the group row's arrow; the proxy decides what is visible
        self._headers = _headers()
        self._bold = QFont()
        self._bold.setBold(True)

    # -- reading ------------------------------------------------------------------------------
    @property
    def scale(self) -> TriageScale:
        return self._scale

    @property
    def now(self) -> datetime:
        return self._now

    def refs(self) -> tuple[str, ...]:
        return tuple(self._refs)

    def entries(self) -> tuple[Entry, ...]:
        return tuple(self._entries[r] for r in self._refs)

    def entry(self, ref: str) -> Entry | None:
        return self._entries.get(ref)

    def entry_at(self, row: int) -> Entry:
        return self._entries[self._refs[row]]

    def is_group_row(self, row: int) -> bool:
        return self._group and row == len(self._refs)

    def group_row(self) -> int:
        """The source row of the mass-departure group, or -1."""
        return len(self._refs) if self._group else -1

    def members(self) -> frozenset[str]:
        """The dropped entries gathered under the group row."""
        return frozenset(self._members)

    def is_member(self, ref: str) -> bool:
        return ref in self._members

    def key_at(self, row: int) -> tuple[int, int, datetime, str]:
        keys = self.keys
        return keys[row] if row < len(keys) else GROUP_KEY

    @property
    def practitioner(self) -> str:
        return self._practitioner

    def set_practitioner(self, practitioner: str) -> None:
        """Whose patients "Mine" shows (a Practitioner reference; empty: nobody's)."""
        self._practitioner = practitioner or ""
        self._mine = {ref for ref, e in self._entries.items() if self._is_mine(e)}

    def _is_mine(self, entry: Entry) -> bool:
        p = self._practitioner
        return bool(p) and entry.fate is not Fate.DROPPED and p in (entry.encounter.nurse, entry.encounter.doctor)

    def row_of(self, ref: str) -> int:
        """The row of ``ref``, or -1."""
        row = self._row.get(ref, -1)
        if row >= 0 and (row >= len(self._refs) or self._refs[row] != ref):  # asked between two removals
            self._row = {r: i for i, r in enumerate(self._refs)}
            row = self._row.get(ref, -1)
        return row

    def counts(self) -> dict[QueueFilter, int]:
        """How many entries each filter shows (dropped entries only under *all* and *dropped* here)."""
        return {QueueFilter.ALL: len(self._refs), **self._tally, QueueFilter.MINE: len(self._mine)}

    def _count(self, ref: str, entry: Entry | None) -> None:
        """Move ``ref`` to the tally of ``entry``'s kind (None: out of the queue)."""
        old = self._kind.pop(ref, None)
        if old is not None:
            self._tally[old] -= 1
        self._mine.discard(ref)
        if entry is not None:
            kind = _kind(entry)
            self._kind[ref] = kind
            self._tally[kind] += 1
            if self._is_mine(entry):
                self._mine.add(ref)

    def directory(self) -> dict[str, dict[str, str]]:
        """Rooms, nurses and doctors seen in the queue (ref -> name), for assigning from the window."""
        found: dict[str, dict[str, str]] = {"room": {}, "nurse": {}, "doctor": {}}
        for entry in self._entries.values():
            enc = entry.encounter
            for kind, ref, name in (("room", enc.room, enc.room_name), ("nurse", enc.nurse, enc.nurse_name),
                                    ("doctor", enc.doctor, enc.doctor_name)):
                if ref is not None:
                    found[kind][ref] = name or found[kind].get(ref) or ref
        return {kind: dict(sorted(names.items(), key=lambda kv: kv[1])) for kind, names in found.items()}

    def pending_for(self, ref: str) -> int:
        """Commands for this encounter still waiting in the outbox."""
        return self._pending.get(ref, 0)

    def alerts_for(self, ref: str) -> tuple[Alert, ...]:
        found = self._alerts.get(ref)
        if not found:
            return ()
        return tuple(sorted(found.values(), key=lambda a: (a.severity is not Severity.CRITICAL, a.raised_at)))

    def level_of(self, entry: Entry) -> TriageLevel | None:
        return self._scale.level(entry.encounter.triage)

    # -- Qt model interface -------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._refs) + (1 if self._group else 0)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _NCOLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        role = int(role)
        if role == DISPLAY:
            return self._headers[Column(section)][0]
        if role == TOOLTIP:
            return self._headers[Column(section)][1]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> Any:
        # A table: a valid index of this model has no parent. Painting asks ~8 roles per cell: kept lean.
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._refs) and 0 <= col < _NCOLUMNS):
            if self._group and row == len(self._refs) and 0 <= col < _NCOLUMNS:
                return self._group_data(_COLUMNS[col], int(role))
            return None
        entry = self._entries[self._refs[row]]
        role = int(role)
        column = _COLUMNS[col]
        if role in (DISPLAY, ACCESSIBLE):
            text = self._text(entry, column)
            if role == ACCESSIBLE and column is Column.PENDING and text:
                return translate("QueueModel", "saving…")
            if role == ACCESSIBLE and column is Column.TRIAGE and entry.fate is Fate.DROPPED:
                return f"{texts.state_label(entry)}. {text}"
            return text
        if role == DECORATION:
            return self._decoration(entry, column)
        if role == BACKGROUND:
            return self._background(entry, column)
        if role == FOREGROUND:
            return self._foreground(entry, column)
        if role == FONT:
            return self._font(entry, column)
        if role == TOOLTIP:
            return self._tooltip(entry, column)
        if role == ALIGN:
            if column in (Column.WAITING, Column.AGE_SEX):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if column is Column.PENDING:
                return int(Qt.AlignmentFlag.AlignCenter)
            return None
        return self._custom(entry, role)

    def _custom(self, entry: Entry, role: int) -> Any:
        if role == QueueRole.ENTRY:
            return entry
        if role == QueueRole.REF:
            return entry.ref
        level = self.level_of(entry)
        if role == QueueRole.SORT_KEY:
            return sort_key(entry, level)
        if role == QueueRole.TRIAGE_RANK:
            return level.rank if level is not None else -1
        if role == QueueRole.ARRIVED:
            return entry.arrived_at
        if role == QueueRole.FATE:
            return entry.fate.value
        if role == QueueRole.WAIT_LEVEL:
            return wait_level(entry, level, self._now)
        if role == QueueRole.ALERTS:
            return self.alerts_for(entry.ref)
        if role == QueueRole.TRIAGE_LEVEL:
            return level
        if role == QueueRole.GROUP:
            return entry.ref in self._members
        return None

    def group_text(self) -> str:
        n = len(self._members)
        return translate("QueueModel", "{name} – possible platform fault: %n patients", None, n).format(
            name=texts.alert_short(AlertKind.MASS_DEPARTURE))

    def _group_data(self, column: Column, role: int) -> Any:
        """The group row: one line across the table (the window spans it), red like the rows it gathers."""
        if role in (DISPLAY, ACCESSIBLE):
            if column is not Column.TRIAGE:
                return ""
            hint = translate("QueueModel", "click or Enter to show or hide them")
            mark = "▾" if self.group_expanded else "▸"
            return f"{mark}  {self.group_text()}  ·  {hint}"
        if role == TOOLTIP:
            return translate("QueueModel", "The patients of a mass departure, gathered in one row so the others "
                                           "stay in view. Alerts > Confirm the whole group acknowledges them all.")
        if role == BACKGROUND:
            return QBrush(QColor(style.CRITICAL_BG))
        if role == FOREGROUND:
            return QBrush(QColor(style.CRITICAL_FG))
        if role == FONT:
            return self._bold
        if role == QueueRole.REF:
            return GROUP_REF
        if role == QueueRole.SORT_KEY:
            return GROUP_KEY
        if role == QueueRole.GROUP:
            return True
        if role == QueueRole.FATE:
            return "group"
        if role == QueueRole.TRIAGE_RANK:
            return -1
        return None

    def _text(self, entry: Entry, column: Column) -> str:
        enc, pat = entry.encounter, entry.patient
        if column is Column.TRIAGE:
            return texts.triage_short(self._scale, enc.triage, self._language)
        if column is Column.WAITING:
            if not waiting_for_doctor(entry) and entry.fate is not Fate.DROPPED:
                return translate("QueueModel", "With doctor")  # the triage clock has stopped
            return texts.minutes_text(int((self._now - entry.arrived_at).total_seconds() // 60))
        if column is Column.NAME:
            return texts.patient_name(entry)
        if column is Column.IDENT:
            # From Patient.birthDate, never the identifier's digits (a D-number's day is 40 more).
            born = texts.birth_date_text(pat.birth_date if pat else None)
            flag = f" {texts.INVALID_ID_MARK}" if texts.identifier_warning(entry) else ""
            if pat is not None and pat.identifier and is_d_number(pat.identifier):
                return translate("QueueModel", "{date} D-no.").format(date=born) + flag
            return born + flag
        if column is Column.AGE_SEX:
            return texts.age_sex(entry, clinic_time.today(self._now))
        if column is Column.COMPLAINT:
            return texts.complaint_text(enc)
        if column is Column.STATE:
            return texts.state_label(entry)
        if column is Column.PENDING:
            return "⟳" if self._pending.get(entry.ref) else ""
        if column is Column.ROOM:
            return texts.place_name(enc.room_name, enc.room)
        if column is Column.NURSE:
            return texts.place_name(enc.nurse_name, enc.nurse)
        if column is Column.DOCTOR:
            return texts.place_name(enc.doctor_name, enc.doctor)
        alerts = self.alerts_for(entry.ref)
        return ", ".join(dict.fromkeys(texts.alert_short(a.kind) for a in alerts))

    def _decoration(self, entry: Entry, column: Column) -> Any:
        if column is Column.TRIAGE:
            return style.triage_colour(self.level_of(entry))
        if column is Column.ALERTS:
            alerts = self.alerts_for(entry.ref)
            if alerts:
                return style.alert_icon(any(a.severity is Severity.CRITICAL for a in alerts))
        return None

    def _background(self, entry: Entry, column: Column) -> Any:
        if column is Column.TRIAGE:
            return QBrush(style.triage_colour(self.level_of(entry)))
        if entry.fate is Fate.DROPPED:
            return QBrush(QColor(style.CRITICAL_BG))
        if column is Column.WAITING:
            colours = _WAIT_COLOURS.get(wait_level(entry, self.level_of(entry), self._now))
            if colours is not None:
                return QBrush(QColor(colours[0]))
        return None

    def _foreground(self, entry: Entry, column: Column) -> Any:
        if column is Column.TRIAGE:
            return QBrush(style.triage_text_colour(self.level_of(entry)))
        if entry.fate is Fate.DROPPED:
            return QBrush(QColor(style.CRITICAL_FG))
        if column is Column.WAITING:
            colours = _WAIT_COLOURS.get(wait_level(entry, self.level_of(entry), self._now))
            if colours is not None:
                return QBrush(QColor(colours[1]))
        if column is Column.ALERTS and any(a.severity is Severity.CRITICAL for a in self.alerts_for(entry.ref)):
            return QBrush(QColor(style.CRITICAL_SOFT_FG))
        return None

    def _font(self, entry: Entry, column: Column) -> Any:
        if column in (Column.TRIAGE, Column.NAME):
            return self._bold
        if entry.fate is Fate.DROPPED and column is Column.STATE:
            return self._bold
        if column is Column.WAITING and wait_level(entry, self.level_of(entry), self._now) > 0:
            return self._bold
        return None

    def _tooltip(self, entry: Entry, column: Column) -> Any:
        if column is Column.PENDING and not self._pending.get(entry.ref):
            return None
        if column is Column.WAITING:
            level = self.level_of(entry)
            arrived = translate("QueueModel", "Arrived {time}").format(time=texts.clock_text(entry.arrived_at))
            if level is None or not waiting_for_doctor(entry):
                return arrived
            target = translate("QueueModel", "target {minutes} min").format(minutes=level.target_minutes)
            return f"{arrived} · {target}"
        if column is Column.ALERTS:
            alerts = self.alerts_for(entry.ref)
            return "\n".join(_alert_line(a) for a in alerts) or None
        if column is Column.PENDING and self._pending.get(entry.ref):
            return translate("QueueModel", "{count} change(s) not yet confirmed by the platform").format(
                count=self._pending[entry.ref])
        if column is Column.STATE and entry.fate is Fate.DROPPED:
            return translate("QueueModel", "Dropped out of the platform's queue list while the visit is still "
                                           "active. Last known data is shown until a person resolves it.")
        if column is Column.TRIAGE:
            return texts.triage_label(self._scale, entry.encounter.triage, self._language)
        if column in (Column.NAME, Column.COMPLAINT, Column.ROOM, Column.NURSE, Column.DOCTOR):
            return self._text(entry, column) or None
        if column is Column.IDENT:
            pat = entry.patient
            born = texts.birth_date_text(pat.birth_date if pat else None)
            if pat is None or not pat.identifier:
                return translate("QueueModel", "Born {date}").format(date=born)
            kind = (translate("QueueModel", "D-number") if is_d_number(pat.identifier)
                    else translate("QueueModel", "National identity number"))
            line = translate("QueueModel", "Born {date} · {kind} {masked}").format(
                date=born, kind=kind, masked=texts.masked_identifier(entry))
            warning = texts.identifier_warning(entry)
            return f"{texts.INVALID_ID_MARK} {warning}\n{line}" if warning else line
        return None

    # -- updating -----------------------------------------------------------------------------
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
            # The first summary holds everything known: anything else here is stale.
            removed |= {ref for ref in self._refs if ref not in upserts}
            alert_ids = {a.id for a in summary.alerts}
            stale_alerts = [aid for aid in self._alert_ref if aid not in alert_ids]
        else:
            stale_alerts = []

        self._remove(removed)
        self._update_mass(summary.alerts, initial=summary.initial)
        alert_touched = self._update_alerts(summary.alerts, stale_alerts)
        if summary.pending is not None:
            before, self._pending = self._pending, dict(summary.pending)
            alert_touched = set(alert_touched) | {ref for ref in before.keys() | self._pending.keys()
                                                  if before.get(ref) != self._pending.get(ref)}

        # Write and announce one changed row at a time. A sorting proxy keeps a changed row in place when
        # it is in order with its neighbours; if several rows changed before any was announced, stale
        # neighbours fool that check and rows end up mis-sorted (found by fuzzing, seen in the window).
        # Changes go before insertions, which the proxy places by binary search over its current order.
        changed: set[int] = set()
        new: list[Entry] = []
        last_col = _NCOLUMNS - 1
        for ref, entry in upserts.items():
            row = self._row.get(ref)
            if row is None:
                new.append(entry)
            elif self._entries[ref] != entry:
                self._entries[ref] = entry
                self.keys[row] = sort_key(entry, self.level_of(entry))
                self._count(ref, entry)
                changed.add(row)
                self.dataChanged.emit(self.index(row, 0), self.index(row, last_col), list(ROW_ROLES))
        alert_rows = [self._row[r] for r in alert_touched if r in self._row and self._row[r] not in changed]
        self._emit_rows(alert_rows, 0, last_col, ALERT_ROLES)
        if new:
            first = len(self._refs)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for i, entry in enumerate(new):
                self._refs.append(entry.ref)
                self._row[entry.ref] = first + i
                self._entries[entry.ref] = entry
                self.keys.append(sort_key(entry, self.level_of(entry)))
                self._count(entry.ref, entry)
            self.endInsertRows()
        self._regroup()

    def reload(self, summary: ChangeSummary) -> None:
        """Replace every row with the whole list in ``summary`` as one model reset (selection and scroll
        are lost). Syncs never come here, they ``apply``; this is the reset ``legevakt.bench ui`` measures
        the incremental path against."""
        self.beginResetModel()
        self._now = self._clock()
        self._entries = {e.ref: e for e in summary.upserted if e.fate is not Fate.DEPARTED}
        for ref in summary.removed:
            self._entries.pop(ref, None)
        self._refs = list(self._entries)
        self._row = {ref: i for i, ref in enumerate(self._refs)}
        self.keys = [sort_key(e, self.level_of(e)) for e in self._entries.values()]
        self._kind, self._tally = {}, dict.fromkeys(_KINDS, 0)
        for ref, entry in self._entries.items():
            self._count(ref, entry)
        self._alerts, self._alert_ref = {}, {}
        self._update_alerts(summary.alerts, ())
        if summary.pending is not None:
            self._pending = dict(summary.pending)
        self._mass = {}
        self._update_mass(summary.alerts, initial=True)
        self._members = self._find_members()
        self._group = bool(self._members)
        self.endResetModel()

    def tick(self, now: datetime | None = None) -> None:
        """Advance the clock: refresh the waiting column only."""
        self._now = now if now is not None else self._clock()
        if self._refs:  # the entries' waiting column (the group row has no clock)
            col = int(Column.WAITING)
            self.dataChanged.emit(self.index(0, col), self.index(len(self._refs) - 1, col), list(TICK_ROLES))

    def set_language(self, language: str) -> None:
        """Re-read headers and names after the translator changed (a user-chosen query change: reset ok)."""
        self._language = language
        self._headers = _headers()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)
        if self.rowCount():  # every row, the mass-departure group row's text too
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, len(Column) - 1),
                                  list(ROW_ROLES))

    def set_group_expanded(self, expanded: bool) -> None:
        self.group_expanded = expanded
        if self._group:
            row = len(self._refs)
            self.dataChanged.emit(self.index(row, 0), self.index(row, _NCOLUMNS - 1), [DISPLAY, ACCESSIBLE])

    def _update_mass(self, alerts: Sequence[Alert], *, initial: bool) -> None:
        if initial:
            self._mass = {}
        for alert in alerts:
            if alert.kind is not AlertKind.MASS_DEPARTURE:
                continue
            if alert.status is AlertStatus.RESOLVED:
                self._mass.pop(alert.id, None)
            else:
                self._mass[alert.id] = alert.related

    def _find_members(self) -> set[str]:
        entries = self._entries
        return {ref for related in self._mass.values() for ref in related
                if (e := entries.get(ref)) is not None and e.fate is Fate.DROPPED}

    def _regroup(self) -> None:
        """Gather the dropped entries of open mass departures under the group row, incrementally: rows
        that joined or left the group are announced (the proxy re-filters just those), the group row is
        inserted, changed or removed."""
        members = self._find_members() if self._mass or self._members else set()
        moved = members ^ self._members
        self._members = members
        if moved:
            rows = [self._row[r] for r in moved if r in self._row]
            self._emit_rows(rows, 0, _NCOLUMNS - 1, (int(QueueRole.GROUP),))
        end = len(self._refs)
        if members and not self._group:
            self.beginInsertRows(QModelIndex(), end, end)
            self._group = True
            self.endInsertRows()
        elif not members and self._group:
            self.beginRemoveRows(QModelIndex(), end, end)
            self._group = False
            self.endRemoveRows()
        elif moved and self._group:
            self.dataChanged.emit(self.index(end, 0), self.index(end, _NCOLUMNS - 1), [DISPLAY, ACCESSIBLE])

    def _remove(self, refs: Iterable[str]) -> None:
        rows = sorted((self._row[r] for r in refs if r in self._row), reverse=True)
        for first, last in _runs_descending(rows):
            self.beginRemoveRows(QModelIndex(), first, last)
            for ref in self._refs[first:last + 1]:
                del self._entries[ref]
                del self._row[ref]
                self._count(ref, None)
            del self._refs[first:last + 1]
            del self.keys[first:last + 1]
            self.endRemoveRows()
        if rows:  # renumber once, from the lowest row removed (the runs above went high to low)
            low = rows[-1]
            self._row.update(zip(self._refs[low:], range(low, len(self._refs)), strict=True))

    def _update_alerts(self, alerts: Sequence[Alert], stale: Iterable[str]) -> set[str]:
        touched: set[str] = set()
        for alert_id in stale:
            ref = self._alert_ref.pop(alert_id)
            self._alerts.get(ref, {}).pop(alert_id, None)
            touched.add(ref)
        for alert in alerts:
            old_ref = self._alert_ref.pop(alert.id, None)
            if old_ref is not None:
                self._alerts.get(old_ref, {}).pop(alert.id, None)
                touched.add(old_ref)
            if alert.encounter is not None and alert.status is not AlertStatus.RESOLVED:
                self._alerts.setdefault(alert.encounter, {})[alert.id] = alert
                self._alert_ref[alert.id] = alert.encounter
                touched.add(alert.encounter)
        for ref in touched:
            if not self._alerts.get(ref):
                self._alerts.pop(ref, None)
        return touched

    def _emit_rows(self, rows: Iterable[int], first_col: int, last_col: int, roles: Sequence[int]) -> None:
        ordered = sorted(set(rows))
        for first, last in _runs_ascending(ordered):
            self.dataChanged.emit(self.index(first, first_col), self.index(last, last_col), list(roles))


def _runs_ascending(rows: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    return runs


def _runs_descending(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Contiguous runs from rows sorted high to low, as (first, last), highest run first."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and r == runs[-1][0] - 1:
            runs[-1] = (r, runs[-1][1])
        else:
            runs.append((r, r))
    return runs


def _alert_line(alert: Alert) -> str:
    state = (translate("QueueModel", "acknowledged") if alert.status is AlertStatus.ACKNOWLEDGED
             else translate("QueueModel", "open"))
    severity = (translate("QueueModel", "critical") if alert.severity is Severity.CRITICAL
                else translate("QueueModel", "warning"))
    return f"{texts.alert_short(alert.kind)} ({severity}, {state})"


class QueueFilter(StrEnum):
    ALL = "all"
    WAITING = "waiting"
    IN_TREATMENT = "in-treatment"
    MINE = "mine"
    DROPPED = "dropped"


#: What an Encounter's participant points at: "Mine" can only match a person the platform knows by reference.
_PARTICIPANT_REF = re.compile(r"^Practitioner/[A-Za-z0-9\-.]{1,64}$")


def can_tell_mine(practitioner: str) -> bool:
    """Whether "Mine" can find this person's patients: only as the ``Practitioner/<id>`` the Encounter's
    nurse and doctor are written as. A local identity (an HPR number the platform has no Practitioner for,
    ``system|value``) is never a participant, so its count would read 0 whatever the queue holds."""
    return bool(_PARTICIPANT_REF.match(practitioner or ""))


def matches(entry: Entry, which: QueueFilter, practitioner: str = "") -> bool:
    """Whether ``entry`` belongs in the filter. Dropped entries show in every filter (pinned on top):
    hiding a dropped patient behind a filter would defeat the point of flagging it.

    Present entries split exactly into *waiting* (no doctor has taken over) and *in treatment* (with a
    clinician, away for x-ray or lab, or a doctor assigned)."""
    if entry.fate is Fate.DROPPED or which is QueueFilter.ALL:
        return True
    if which is QueueFilter.WAITING:
        return waiting_for_doctor(entry)
    if which is QueueFilter.IN_TREATMENT:
        return not waiting_for_doctor(entry)
    if which is QueueFilter.MINE:  # where the signed-in clinician is the nurse or the doctor
        return bool(practitioner) and practitioner in (entry.encounter.nurse, entry.encounter.doctor)
    return False  # DROPPED: only dropped entries, accepted above


def _kind(entry: Entry) -> QueueFilter:
    """The one filter besides *all* that counts ``entry``: dropped, waiting or in treatment."""
    if entry.fate is Fate.DROPPED:
        return QueueFilter.DROPPED
    return QueueFilter.WAITING if waiting_for_doctor(entry) else QueueFilter.IN_TREATMENT


_KINDS = (QueueFilter.WAITING, QueueFilter.IN_TREATMENT, QueueFilter.DROPPED)  # MINE is counted apart


class QueueFilterProxy(QSortFilterProxyModel):
    """Visible order and filters. Dropped entries pinned on top, then untriaged, then triage and arrival."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._filter = QueueFilter.ALL
        self._queue: QueueModel | None = None
        self._search = ""  # search_words() of the search field
        self._expanded = False  # the mass-departure group shows its rows
        self.setDynamicSortFilter(True)
        self.setSortRole(int(QueueRole.SORT_KEY))
        self.setFilterRole(int(QueueRole.ENTRY))
        self.sort(int(Column.TRIAGE), Qt.SortOrder.AscendingOrder)

    @property
    def queue_filter(self) -> QueueFilter:
        return self._filter

    def set_queue_filter(self, which: QueueFilter) -> None:
        if which is self._filter:
            return
        self._refilter(lambda: setattr(self, "_filter", which))

    @property
    def search(self) -> str:
        return self._search

    def set_search(self, text: str) -> None:
        """Show only patients whose name, identity number or room contains ``text`` (empty: everyone). While
        searching, the group's patients are searched too (the group row steps aside)."""
        words = search_words(text)
        if words != self._search:
            self._refilter(lambda: setattr(self, "_search", words))

    @property
    def expanded(self) -> bool:
        return self._expanded

    def set_expanded(self, expanded: bool) -> None:
        """Show (True) or hide the patients gathered under the mass-departure group row."""
        if expanded == self._expanded:
            return
        src = self._source()
        if src is not None:
            src.set_group_expanded(expanded)
        self._refilter(lambda: setattr(self, "_expanded", expanded))

    @property
    def practitioner(self) -> str:
        src = self._source()
        return src.practitioner if src is not None else ""

    def set_practitioner(self, practitioner: str) -> None:
        """Whose patients "Mine" shows."""
        src = self._source()
        if src is not None and src.practitioner != practitioner:
            self._refilter(lambda: src.set_practitioner(practitioner))

    def group_row(self) -> int:
        """The visible row of the group row, or -1."""
        src = self._source()
        if src is None or src.group_row() < 0:
            return -1
        return self.mapFromSource(src.index(src.group_row(), 0)).row()

    def is_group_row(self, proxy_row: int) -> bool:
        return proxy_row >= 0 and proxy_row == self.group_row()

    def _refilter(self, change: Callable[[], object]) -> None:
        """Change what the filter accepts: rows leave and join the view one by one (no reset)."""
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            change()
            self.invalidateRowsFilter()

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        self._queue = model if isinstance(model, QueueModel) else None
        super().setSourceModel(model)

    def _source(self) -> QueueModel | None:
        return self._queue

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        src = self._source()
        if src is None or source_parent.isValid():
            return False
        if src.is_group_row(source_row):
            return not self._search
        entry = src.entry_at(source_row)
        if self._search:
            return matches_search(entry, self._search) and matches(entry, self._filter, src.practitioner)
        if not self._expanded and src.is_member(entry.ref):
            return False
        return matches(entry, self._filter, src.practitioner)

    def lessThan(self, left: QModelIndex | QPersistentModelIndex,
                 right: QModelIndex | QPersistentModelIndex) -> bool:
        src = self._queue
        if src is None:
            return False
        keys, n = src.keys, len(src.keys)
        lr, rr = left.row(), right.row()
        return (keys[lr] if lr < n else GROUP_KEY) < (keys[rr] if rr < n else GROUP_KEY)

    def entry_at(self, proxy_row: int) -> Entry | None:
        src = self._source()
        if src is None or not 0 <= proxy_row < self.rowCount():
            return None
        row = self.mapToSource(self.index(proxy_row, 0)).row()
        return None if src.is_group_row(row) else src.entry_at(row)

    def row_of(self, ref: str) -> int:
        """The visible row of ``ref``, or -1."""
        src = self._source()
        if src is None:
            return -1
        row = src.row_of(ref)
        if row < 0:
            return -1
        return self.mapFromSource(src.index(row, 0)).row()

    def counts(self) -> dict[QueueFilter, int]:
        """How many entries each filter shows (the model keeps the tally as rows change)."""
        src = self._source()
        if src is None:
            return dict.fromkeys(QueueFilter, 0)
        return src.counts()
