"""The wall board: initials and age, never a name or an identifier; live waiting times; stale; no actions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QMenu,
    QMenuBar,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from legevakt.app.summary import ChangeSummary, LinkMode
from legevakt.codes import FNR_SYSTEM
from legevakt.ui import style
from legevakt.ui.i18n import install_translator
from legevakt.ui.launch import run_wallboard
from legevakt.ui.wallboard import (
    PAST_TWICE_BG,
    STALE_TEXT,
    Wallboard,
    WallboardModel,
    WallboardProxy,
    WallColumn,
    WallRole,
    age_label,
    initials,
    is_stale,
)
from legevakt.worklist.models import EncounterStatus, Entry, Fate, Patient
from tests.ui.conftest import NOW, FakeService, bump, clinic, make_entry, make_link, make_summary, person_number

_ALL_ROLES = range(0, int(Qt.ItemDataRole.UserRole.value) + 32)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_board(qtbot: QtBot, service: FakeService, clock: Clock, size: tuple[int, int] = (1920, 1080),
               **kwargs: object) -> Wallboard:
    board = Wallboard(service, clock=clock, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(board)
    board.resize(*size)
    board.show()
    qtbot.waitExposed(board)
    return board


def activate(qtbot: QtBot, board: Wallboard) -> None:
    board.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is board)


def column(board: Wallboard, col: WallColumn, role: int = int(Qt.ItemDataRole.DisplayRole.value)) -> list[object]:
    """One column as the board shows it (sorted), top to bottom."""
    proxy = board.proxy
    return [proxy.index(r, int(col)).data(role) for r in range(proxy.rowCount())]


def colour(value: object) -> str | None:
    if isinstance(value, QBrush):
        return value.color().name()
    if isinstance(value, QColor):
        return value.name()
    return None


# -- the hand-made patient -------------------------------------------------------------------------
BORN = date(1987, 5, 17)
IDENT = person_number(BORN, 123)


def kari(n: int = 1, *, minutes_ago: int = 75, **changes: object) -> Entry:
    """Kari Nordmann, 37 on 2025-03-14 (birthday in May), with everything a board must not show."""
    entry = make_entry(n, "Nordmann, Kari Marie", minutes_ago=minutes_ago, triage="yellow", born=BORN,
                       complaint="Brystsmerter og kvalme", room="Akuttrom 1", nurse="Lie, Hanne",
                       **changes)  # type: ignore[arg-type]
    assert entry.patient is not None
    patient = Patient(ref=f"Patient/f0a3-kari{n}", version="4", name="Nordmann, Kari Marie", birth_date=BORN,
                      gender="female", identifier_system=FNR_SYSTEM, identifier=IDENT)
    encounter = replace(entry.encounter, ref=f"Encounter/e77-kari{n}", patient_ref=patient.ref, room="Location/lok-991",
                        nurse="Practitioner/prac-55")
    return replace(entry, encounter=encounter, patient=patient)


FORBIDDEN = [
    r"\bNordmann\b", r"\bKari\b", r"\bMarie\b",  # the name
    r"17\.05\.1987", r"1987-05-17", r"\b170587", r"17\.05\.87", IDENT, IDENT[6:],  # born, the national id
    r"Brystsmerter", r"kvalme",  # the complaint
    r"\bLie\b", r"\bHanne\b",  # the nurse
    r"Encounter/", r"Patient/", r"Location/", r"Practitioner/", r"e77-kari", r"f0a3-kari", r"lok-991",
    r"prac-55",  # platform references and ids
    r"\bfemale\b",
]


def every_value(model: QAbstractItemModel) -> Iterator[str]:
    """Every data role of every cell and every header, as text."""
    for row in range(model.rowCount()):
        for col in range(model.columnCount()):
            index = model.index(row, col)
            for role in _ALL_ROLES:
                value = model.data(index, role)
                if value is not None:
                    yield str(value)
                    if isinstance(value, str | int | tuple):
                        yield repr(value)
    for col in range(model.columnCount()):
        for role in _ALL_ROLES:
            value = model.headerData(col, Qt.Orientation.Horizontal, role)
            if value is not None:
                yield str(value)


def test_initials_are_the_first_given_name_and_the_family_name() -> None:
    assert initials("Kari Nordmann") == "K.N."
    assert initials("Nordmann, Kari Marie") == "K.N."  # the platform's "Family, Given"
    assert initials("Berg Hansen, Ola") == "O.B."
    assert initials("ola   nordmann") == "O.N."
    assert initials("Øyvind") == "Ø."
    assert initials("Åsmund Ærø") == "Å.Æ."
    assert initials("") == "–"
    assert initials(None) == "–"


def test_age_in_years_months_below_two_and_days_in_the_first_month() -> None:
    today = date(2025, 3, 14)
    assert age_label(BORN, today) == "37 år"  # birthday in May
    assert age_label(date(1987, 3, 14), today) == "38 år"  # birthday today
    assert age_label(date(2023, 3, 14), today) == "2 år"
    assert age_label(date(2023, 3, 15), today) == "23 mnd"  # a day short of two
    assert age_label(date(2024, 1, 20), today) == "13 mnd"
    assert age_label(date(2025, 2, 14), today) == "1 mnd"
    assert age_label(date(2025, 3, 4), today) == "10 d"
    assert age_label(None, today) == "–"


def test_nothing_on_the_board_names_or_identifies_the_patient(qtbot: QtBot, service: FakeService,
                                                             clock: Clock) -> None:
    board = make_board(qtbot, service, clock)
    child = make_entry(2, "Nordmann, Ola", minutes_ago=12, triage="orange", born=date(2024, 1, 20))
    dropped = kari(3, fate=Fate.DROPPED)
    service.emit(make_summary([kari(), child, dropped], link=make_link(), initial=True))
    # What it does show, hand-computed.
    assert column(board, WallColumn.INITIALS) == ["K.N.", "O.N.", "K.N."]  # dropped, orange, yellow
    assert column(board, WallColumn.AGE) == ["37 år", "13 mnd", "37 år"]
    assert column(board, WallColumn.WAITING) == ["Savnet", "12 min", "75 min"]
    assert column(board, WallColumn.ROOM) == ["Akuttrom 1", "", "Akuttrom 1"]
    # What it must never show: every role of every cell, both models, every label, tooltip and title.
    board.refresh(clock.advance(seconds=90))  # and the stale state's texts too
    assert board.stale
    shown = [*every_value(board.model), *every_value(board.proxy), *board.all_texts()]
    assert len(shown) > 50
    for pattern in FORBIDDEN:
        hits = [text for text in shown if re.search(pattern, text, re.IGNORECASE)]
        assert hits == [], f"{pattern} on the wall board: {hits[:3]}"


def test_a_room_known_only_by_its_id_says_assigned_not_the_id(qtbot: QtBot, service: FakeService,
                                                             clock: Clock) -> None:
    board = make_board(qtbot, service, clock)
    entry = kari()
    service.emit(make_summary([replace(entry, encounter=replace(entry.encounter, room_name=None))], initial=True))
    assert column(board, WallColumn.ROOM) == ["tildelt"]


def test_waiting_time_is_coloured_past_the_target_and_a_doctor_stops_the_count(
        qtbot: QtBot, service: FakeService, clock: Clock) -> None:
    board = make_board(qtbot, service, clock)
    entries = [
        make_entry(1, "A, Anne", minutes_ago=30, triage="yellow"),  # yellow: target 60 min
        make_entry(2, "B, Berit", minutes_ago=75, triage="yellow"),  # past the target
        make_entry(3, "C, Cecilie", minutes_ago=130, triage="yellow"),  # past twice the target
        make_entry(4, "D, Dag", minutes_ago=200, triage="yellow", status=EncounterStatus.IN_PROGRESS,
                   doctor="Aas, Morten"),
        make_entry(5, "E, Eva", minutes_ago=200, triage="yellow", status=EncounterStatus.ONLEAVE,
                   doctor="Aas, Morten"),
        make_entry(6, "F, Frida", minutes_ago=200, triage="yellow", status=EncounterStatus.IN_PROGRESS),
        # Sent to x-ray from triage, no doctor yet: the clock runs (as reconciliation counts it).
        make_entry(7, "G, Gro", minutes_ago=190, triage="yellow", status=EncounterStatus.ONLEAVE),
    ]
    service.emit(make_summary(entries, initial=True))
    # Same triage: in order of arrival (earliest first).
    assert column(board, WallColumn.INITIALS) == ["D.D.", "E.E.", "F.F.", "G.G.", "C.C.", "B.B.", "A.A."]
    assert column(board, WallColumn.WAITING) == ["Hos lege", "Røntgen/lab", "Under behandling", "190 min",
                                                 "130 min", "75 min", "30 min"]
    backgrounds = [colour(v) for v in column(board, WallColumn.WAITING, int(Qt.ItemDataRole.BackgroundRole.value))]
    assert backgrounds == [None, None, None, PAST_TWICE_BG, PAST_TWICE_BG, style.WARNING_BG, None]
    assert column(board, WallColumn.WAITING, int(WallRole.WAIT_LEVEL)) == [0, 0, 0, 2, 2, 1, 0]


def test_waiting_times_run_with_the_clock(qtbot: QtBot, service: FakeService, clock: Clock) -> None:
    board = make_board(qtbot, service, clock, critical_after=timedelta(hours=1))  # no stale greying here
    service.emit(make_summary([make_entry(1, "A, Anne", minutes_ago=55, triage="yellow")],
                              link=make_link(age_s=1), initial=True))
    background = int(Qt.ItemDataRole.BackgroundRole.value)
    assert column(board, WallColumn.WAITING) == ["55 min"]
    assert column(board, WallColumn.WAITING, background) == [None]
    clock.advance(minutes=6)
    board.refresh()
    assert column(board, WallColumn.WAITING) == ["61 min"]
    assert colour(column(board, WallColumn.WAITING, background)[0]) == style.WARNING_BG


def test_sorted_as_the_main_queue_with_the_dropped_first(qtbot: QtBot, service: FakeService,
                                                        clock: Clock) -> None:
    board = make_board(qtbot, service, clock)
    entries, _ = clinic()
    service.emit(make_summary(entries, initial=True))
    # Hand-sorted from the clinic fixture: the dropped Johansen, the two untriaged (earliest first),
    # then red, orange (16 before 6 min), yellow (72, 50, 35), green (130, 45, 20), blue (90, 30).
    assert column(board, WallColumn.INITIALS) == ["O.J.", "E.H.", "S.M.", "I.B.", "L.H.", "S.N.", "K.L.", "N.P.",
                                                  "E.A.", "J.K.", "M.O.", "H.E.", "A.S.", "P.B."]
    assert column(board, WallColumn.WAITING)[0] == "Savnet"
    first = [colour(board.proxy.index(0, c).data(int(Qt.ItemDataRole.BackgroundRole.value)))
             for c in range(1, len(WallColumn))]
    assert first == [style.CRITICAL_BG] * (len(WallColumn) - 1)
    assert board.missing_label.isVisibleTo(board) and board.missing_label.text() == "Savnet: 1"
    assert board.count_label.text() == "Pasienter: 14"


def test_a_mass_departure_is_one_calm_line_not_a_red_queue(qtbot: QtBot, service: FakeService,
                                                          clock: Clock) -> None:
    """Seven leave the list at once (held by reconciliation as a mass departure): the board says once that
    many are missing, probably the platform, and keeps their rows as last known in their place; the one
    patient who dropped on her own is still the red "Savnet" on top."""
    board = make_board(qtbot, service, clock, size=(1280, 800))
    entries, _ = clinic()
    held = [replace(e, fate=Fate.DROPPED, in_list=False, drop_confirmed=True, mass_departure=True)
            for e in entries[2:9]]
    service.emit(make_summary([entries[0], entries[1], *held, *entries[9:]], initial=True))
    background = int(Qt.ItemDataRole.BackgroundRole.value)
    waiting = column(board, WallColumn.WAITING)
    assert waiting.count("Savnet") == 1 and waiting[0] == "Savnet"  # Johansen, dropped alone
    red = [r for r in range(board.proxy.rowCount())
           if colour(board.proxy.index(r, int(WallColumn.ROOM)).data(background)) == style.CRITICAL_BG]
    assert red == [0]
    assert board.held_label.isVisibleTo(board)
    assert board.held_label.text() == "Mange pasienter mangler i listen – mulig plattformfeil"
    assert board.missing_label.text() == "Savnet: 1"
    # in their place by urgency, as last known (Hansen, orange, 16 min, waits second after the red Berg)
    assert column(board, WallColumn.INITIALS)[:6] == ["O.J.", "E.H.", "S.M.", "I.B.", "L.H.", "S.N."]
    assert waiting[4] == "16 min"
    # the platform lists them again: the line goes
    service.emit(make_summary([replace(e, fate=Fate.PRESENT, in_list=True, mass_departure=False)
                               for e in entries[2:9]]))
    assert not board.held_label.isVisibleTo(board)


def test_a_dropped_patient_stays_on_the_first_page_and_the_pages_cover_everyone(
        qtbot: QtBot, service: FakeService, clock: Clock) -> None:
    board = make_board(qtbot, service, clock, size=(1280, 600))
    entries, _ = clinic()
    service.emit(make_summary(entries, initial=True))
    per_page = board.rows_per_page()
    assert 1 < per_page < 14
    heights_before = board.table.rowHeight(0)
    pages = board.page_count()
    assert pages == -(-14 // per_page)
    seen: list[int] = []
    for page in range(pages):
        assert board.page == page
        rows = board.visible_rows()
        if page == 0:
            assert rows[0] == 0 and board.proxy.index(0, WallColumn.WAITING).data() == "Savnet"
        assert board.page_label.text() == f"Side {page + 1} av {pages}" and board.page_label.isVisibleTo(board)
        assert board.missing_label.isVisibleTo(board)  # on every page
        # Whole rows of one height; a full page fills the table to within a pixel a row.
        heights = {board.table.rowHeight(r) for r in rows}
        assert len(heights) == 1
        if len(rows) == per_page:
            assert 0 <= board.table.viewport().height() - per_page * heights.pop() < per_page
        seen += rows
        board.next_page()
    assert seen == list(range(14))  # each row on exactly one page
    assert board.page == 0
    board.resize(1920, 1080)  # a bigger screen: bigger rows, still whole ones, fewer pages
    qtbot.waitUntil(lambda: board.table.rowHeight(0) > heights_before)
    default = board.table.verticalHeader().defaultSectionSize()
    assert {board.table.rowHeight(r) for r in board.visible_rows()} == {default}


def test_the_stale_banner_comes_after_the_threshold_and_goes_with_fresh_data(
        qtbot: QtBot, service: FakeService, clock: Clock) -> None:
    board = make_board(qtbot, service, clock)
    entries, _ = clinic()
    service.emit(make_summary(entries, link=make_link(age_s=3), initial=True))  # complete at 13:29:57 UTC
    foreground = int(Qt.ItemDataRole.ForegroundRole.value)
    assert not board.stale and not board.stale_banner.isVisibleTo(board)
    board.refresh(clock.advance(seconds=56))  # 59 s old: still live
    assert not board.stale and not board.stale_banner.isVisibleTo(board)
    live_ink = colour(board.proxy.index(3, WallColumn.INITIALS).data(foreground))
    assert live_ink == style.INK
    board.refresh(clock.advance(seconds=2))  # 61 s old
    assert board.stale and board.stale_banner.isVisibleTo(board)
    assert board.stale_title.text() == "Ikke oppdatert siden 14:29"  # Oslo time
    assert colour(board.proxy.index(3, WallColumn.INITIALS).data(foreground)) == STALE_TEXT
    waiting_bg = column(board, WallColumn.WAITING, int(Qt.ItemDataRole.BackgroundRole.value))
    assert [colour(v) for v in waiting_bg[1:]] == [None] * 13  # no live amber on stale data
    assert all(column(board, WallColumn.TRIAGE, int(WallRole.STALE)))
    # The next fresh summary clears it by itself.
    service.emit(make_summary([], link=replace(make_link(), last_complete_at=clock() - timedelta(seconds=1))))
    assert not board.stale and not board.stale_banner.isVisibleTo(board)
    assert colour(board.proxy.index(3, WallColumn.INITIALS).data(foreground)) == style.INK


def test_offline_is_stale_at_once(qtbot: QtBot, service: FakeService, clock: Clock) -> None:
    board = make_board(qtbot, service, clock)
    service.emit(make_summary(clinic()[0], link=make_link(LinkMode.OFFLINE, age_s=5), complete=False, initial=True))
    assert board.stale and board.stale_title.text() == "Ikke oppdatert siden 14:29"


def test_the_threshold_is_the_settings_sync_stale_critical(qtbot: QtBot, clock: Clock) -> None:
    @dataclass
    class Settings:
        sync_stale_critical_seconds: int = 30

    service = FakeService()
    service.settings = Settings()  # type: ignore[attr-defined]
    board = make_board(qtbot, service, clock)
    service.emit(make_summary(clinic()[0], link=make_link(age_s=3), initial=True))
    board.refresh(clock.advance(seconds=26))
    assert not board.stale
    board.refresh(clock.advance(seconds=2))
    assert board.stale


def test_before_any_data_the_board_says_it_waits_then_that_it_is_not_updated(
        qtbot: QtBot, service: FakeService, clock: Clock) -> None:
    board = make_board(qtbot, service, clock)
    assert board.empty_label.isVisibleTo(board) and board.empty_label.text() == "Venter på første oppdatering…"
    assert not board.stale_banner.isVisibleTo(board)
    board.refresh(clock.advance(seconds=61))
    assert board.stale_title.text() == "Ikke oppdatert: ingen data fra plattformen ennå"
    service.emit(make_summary([], link=replace(make_link(), last_complete_at=clock()), initial=True))
    assert not board.stale and board.empty_label.text() == "Ingen pasienter venter"


def test_is_stale_by_hand() -> None:
    since = NOW - timedelta(minutes=5)
    limit = timedelta(seconds=60)
    assert not is_stale(make_link(age_s=60), NOW, since, limit)
    assert is_stale(make_link(age_s=61), NOW, since, limit)
    assert is_stale(make_link(LinkMode.OFFLINE, age_s=1), NOW, since, limit)
    assert is_stale(make_link(age_s=None), NOW, since, limit)  # five minutes without a complete snapshot
    assert not is_stale(None, NOW, NOW - timedelta(seconds=30), limit)


def test_the_board_has_no_actions(qtbot: QtBot, service: FakeService, clock: Clock) -> None:
    board = make_board(qtbot, service, clock)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    assert board.findChildren(QAction) == []
    for kind in (QMenu, QMenuBar, QLineEdit):
        assert board.findChildren(kind) == [], kind
    buttons = board.findChildren(QAbstractButton)
    assert [b.objectName() for b in buttons] == ["qt_tableview_cornerbutton"]  # the table's, disabled
    assert not board.table.isCornerButtonEnabled()
    keys = sorted(s.key().toString() for s in board.findChildren(QShortcut))
    assert keys == ["Ctrl+Q", "Esc", "F11"]
    for widget in [board, *board.findChildren(QWidget)]:
        assert widget.contextMenuPolicy() is Qt.ContextMenuPolicy.NoContextMenu, widget.objectName()
        assert widget.focusPolicy() is Qt.FocusPolicy.NoFocus, widget.objectName()
    assert board.table.selectionMode() is QAbstractItemView.SelectionMode.NoSelection
    assert board.table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    flags = board.model.flags(board.model.index(0, 0))
    assert not flags & (Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable)
    # Keys that act in the main window do nothing here, and nothing reaches the service.
    activate(qtbot, board)
    none, ctrl = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier
    for key, mod in ((Qt.Key.Key_Delete, none), (Qt.Key.Key_T, ctrl), (Qt.Key.Key_K, ctrl), (Qt.Key.Key_Return, none),
                     (Qt.Key.Key_Menu, none), (Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)):
        qtbot.keyClick(board, key, mod)
    assert (service.submitted, service.acknowledged, service.resolved, service.journals_opened,
            service.journals_loaded) == ([], [], [], [], [])
    assert board.isVisible()


def test_esc_leaves_full_screen_f11_toggles_and_ctrl_q_quits(qtbot: QtBot, service: FakeService,
                                                            clock: Clock) -> None:
    board = Wallboard(service, clock=clock)
    qtbot.addWidget(board)
    board.showFullScreen()
    qtbot.waitExposed(board)
    activate(qtbot, board)
    assert board.isFullScreen()
    qtbot.keyClick(board, Qt.Key.Key_Escape)
    assert not board.isFullScreen() and board.isVisible()
    qtbot.keyClick(board, Qt.Key.Key_F11)
    assert board.isFullScreen()
    qtbot.keyClick(board, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not board.isVisible()


def run_changes(emit: Callable[[ChangeSummary], None], refresh: Callable[[datetime], None], clock: Clock) -> None:
    """A day's worth of changes: a re-sort, an arrival, removals, a drop, stale and live again, a restart."""
    entries, alerts = clinic()
    emit(make_summary(entries, alerts=alerts, initial=True))
    emit(make_summary([bump(entries[11], triage="red", status=EncounterStatus.TRIAGED),
                       make_entry(20, "Vik, Tone", minutes_ago=1, triage=None, status=EncounterStatus.ARRIVED)],
                      removed=[entries[5].ref]))
    emit(make_summary([replace(entries[7], fate=Fate.DEPARTED)]))
    emit(make_summary([replace(entries[9], fate=Fate.DROPPED, in_list=False)]))
    refresh(clock.advance(seconds=90))  # stale: every row greyed
    fresh = replace(make_link(), last_complete_at=clock())
    emit(make_summary([], link=fresh))  # live again
    emit(make_summary(entries[:10], link=fresh, initial=True))  # a restart's first summary: what is gone goes


# Hand-sorted: the restart's ten in their first form: Johansen dropped, red Berg, orange (16, 6 min),
# yellow by arrival (72, 50, 35 min), green (130, 45, 20 min).
AFTER_CHANGES = ["O.J.", "I.B.", "L.H.", "S.N.", "K.L.", "N.P.", "E.A.", "J.K.", "M.O.", "H.E."]


@pytest.mark.parametrize("which", ["model", "proxy"])
def test_the_models_pass_qtmodeltester_through_every_kind_of_change(qtmodeltester: ModelTester, clock: Clock,
                                                                    which: str) -> None:
    model = WallboardModel(clock=clock)
    proxy = WallboardProxy()
    proxy.setSourceModel(model)
    model.apply(make_summary(clinic()[0], initial=True))
    qtmodeltester.check(model if which == "model" else proxy, force_py=True)  # stays connected, rechecks

    def refresh(now: datetime) -> None:
        model.set_stale(True)
        model.tick(now)

    run_changes(model.apply, refresh, clock)
    model.set_stale(False)
    assert [proxy.index(r, WallColumn.INITIALS).data() for r in range(proxy.rowCount())] == AFTER_CHANGES


def test_the_board_updates_incrementally_never_a_reset(qtbot: QtBot, service: FakeService, clock: Clock) -> None:
    board = make_board(qtbot, service, clock)
    resets: list[str] = []
    board.model.modelReset.connect(lambda: resets.append("model"))
    board.proxy.modelReset.connect(lambda: resets.append("proxy"))
    inserted: list[int] = []
    removed: list[int] = []
    board.model.rowsInserted.connect(lambda _p, first, last: inserted.append(last - first + 1))
    board.model.rowsRemoved.connect(lambda _p, first, last: removed.append(last - first + 1))
    stale_seen: list[bool] = []

    def refresh(now: datetime) -> None:
        board.refresh(now)
        stale_seen.append(board.stale)

    run_changes(service.emit, refresh, clock)
    assert resets == []
    assert stale_seen == [True] and not board.stale
    # 14 at the start, Tone; Andersen and Karlsen removed, then the restart removes Tone, Haugen, Moen,
    # Solberg, Bakken (in runs) and brings Andersen and Karlsen back.
    assert inserted == [14, 1, 2] and sum(removed) == 2 + 5
    assert column(board, WallColumn.INITIALS) == AFTER_CHANGES


def test_no_english_on_the_bokmal_board(qtbot: QtBot, service: FakeService, clock: Clock) -> None:
    board = make_board(qtbot, service, clock)
    entries, _ = clinic()
    onleave = make_entry(30, "X, Y", status=EncounterStatus.ONLEAVE)
    treated = make_entry(31, "Z, W", status=EncounterStatus.IN_PROGRESS)
    service.emit(make_summary([*entries, onleave, treated], initial=True))
    board.refresh(clock.advance(seconds=90))
    shown = " | ".join([*board.all_texts(), *(str(v) for c in WallColumn for v in column(board, c)),
                        *(str(board.model.headerData(c, Qt.Orientation.Horizontal)) for c in WallColumn)])
    for english in ("Waiting", "Patient", "Urgency", "Age", "Room", "yrs", "With doctor", "In treatment",
                    "x-ray", "Missing", "Not updated", "Page", "reception", "urgency", "board", "list"):
        assert not re.search(rf"\b{re.escape(english)}\b", shown), (english, shown)


def test_the_english_board(qtbot: QtBot, qapp: QApplication, clock: Clock) -> None:
    install_translator(qapp, "en")
    service = FakeService(language="en")
    board = make_board(qtbot, service, clock)
    service.emit(make_summary([kari(), kari(2, fate=Fate.DROPPED)], link=make_link(age_s=3), initial=True))
    assert column(board, WallColumn.WAITING) == ["Missing", "75 min"]
    assert column(board, WallColumn.AGE) == ["37 yrs", "37 yrs"]
    board.refresh(clock.advance(seconds=60))
    assert board.stale_title.text() == "Not updated since 14:29"


def test_run_wallboard_saves_a_screenshot_after_the_first_complete_sync(qtbot: QtBot, tmp_path: Path) -> None:
    entries, alerts = clinic()
    service = FakeService(demo=True, on_start=(
        make_summary(entries, alerts=alerts, link=make_link(demo=True), complete=True, initial=True),))
    path = tmp_path / "shot" / "wallboard.png"
    assert run_wallboard(service, screenshot=str(path)) == 0
    assert path.is_file() and path.stat().st_size > 10_000
    assert service.started == 1 and service.stopped == 1


def test_legevakt_wallboard_opens_the_board_not_the_window(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from legevakt.cli import main
    from legevakt.ui import launch

    opened: list[tuple[str, object, str | None]] = []
    monkeypatch.setattr(launch, "run_wallboard", lambda service, screenshot=None, language="nb":
                        opened.append(("wallboard", service, screenshot)) or 0)
    monkeypatch.setattr(launch, "run_window", lambda service, screenshot=None, language="nb":
                        opened.append(("window", service, screenshot)) or 0)
    shot = str(tmp_path / "board.png")
    base = ["--platform", "http://127.0.0.1:9/fhir", "--location", "Location/clinic", "--data-dir", str(tmp_path)]
    assert main(["--wallboard", "--screenshot", shot, *base]) == 0
    assert main(["--screenshot", shot, *base]) == 0
    assert [(kind, screenshot) for kind, _, screenshot in opened] == [("wallboard", shot), ("window", shot)]
