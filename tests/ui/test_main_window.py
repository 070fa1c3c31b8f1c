"""The main window: queue, filters, selected patient, banner and status bar working together."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QFrame, QMenu, QPushButton, QStyle, QStyleOptionFrame, QToolButton
from pytestqt.qtbot import QtBot

from legevakt.app.signin import Session
from legevakt.app.summary import LinkMode
from legevakt.journal.model import DeliveryState
from legevakt.problems import Problem, ProblemKind
from legevakt.ui.elide import ElidedLabel
from legevakt.ui.i18n import install_translator
from legevakt.ui.launch import run_window
from legevakt.ui.ledger_view import LedgerColumn
from legevakt.ui.main_window import MainWindow
from legevakt.ui.queue_model import Column, QueueFilter
from legevakt.worklist.census import Census, Shift, census
from legevakt.worklist.models import AlertKind, EncounterStatus, Entry, Fate, Severity
from legevakt.worklist.roles import Permission, Role, permits
from tests.ui.conftest import (
    NOW,
    FakeService,
    bump,
    clinic,
    clock,
    make_alert,
    make_delivery,
    make_entry,
    make_link,
    make_note,
    make_page,
    make_summary,
)


def make_window(qtbot: QtBot, service: FakeService, **kwargs: object) -> MainWindow:
    window = MainWindow(service, clock=clock, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.resize(1400, 850)
    return window


def test_title_and_badge_say_demo(qtbot: QtBot) -> None:
    plain = make_window(qtbot, FakeService())
    assert plain.windowTitle() == "Legevakt" and not plain.demo_badge.isVisibleTo(plain)
    demo = make_window(qtbot, FakeService(demo=True))
    assert demo.windowTitle() == "Legevakt – DEMO" and demo.demo_badge.isVisibleTo(demo)


def test_demo_link_turns_on_the_badge(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    service.emit(make_summary(clinic()[0], link=make_link(demo=True), initial=True))
    assert window.windowTitle() == "Legevakt – DEMO" and window.demo_badge.isVisibleTo(window)


def test_selection_survives_every_kind_of_update(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    window.show()
    qtbot.waitExposed(window)
    target = entries[6]  # Pedersen, Nora
    assert window.select_ref(target.ref)
    resets: list[int] = []
    window.proxy.modelReset.connect(lambda: resets.append(1))

    newcomer = make_entry(40, "Ny, Pasient", minutes_ago=1, triage="red")  # sorts above the selection
    service.emit(make_summary([newcomer]))
    service.emit(make_summary([bump(entries[2], status=EncounterStatus.IN_PROGRESS)]))  # re-sorts rows above
    service.emit(make_summary(removed=[entries[1].ref, entries[10].ref]))
    service.emit(make_summary([bump(target, room="Location/rom-4", room_name="Rom 4")]))  # the selection itself
    window.tick()

    selected = window.selected_entry()
    assert selected is not None and selected.ref == target.ref
    assert selected.encounter.room_name == "Rom 4"
    assert window.panel.fields["room"].text() == "Rom 4"
    assert resets == []


def test_scroll_position_survives_updates(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    window.resize(1000, 500)
    entries = [make_entry(i, f"Pasient, Nr {i:02d}", minutes_ago=200 - i, triage="green") for i in range(1, 61)]
    service.emit(make_summary(entries, initial=True))
    window.show()
    qtbot.waitExposed(window)
    bar = window.table.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)
    before = bar.value()
    service.emit(make_summary([make_entry(99, "Sist, Kommet", minutes_ago=0, triage="green")]))
    service.emit(make_summary([bump(entries[30], complaint="Endret")], removed=[entries[50].ref]))
    service.emit(make_summary(entries[:5]))  # unchanged
    assert bar.value() == before


def test_filters_by_button_and_shortcut(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    assert [b.text() for b in window.filter_buttons.values()] == [
        "Alle  14", "Venter  9", "Under behandling  4", "Mine  0", "Falt ut  1"]
    assert window.filter_buttons[QueueFilter.DROPPED].property("alarm") is True
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.keyClick(window.table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.proxy.queue_filter is QueueFilter.WAITING
    assert window.filter_buttons[QueueFilter.WAITING].isChecked()
    assert window.proxy.rowCount() == 10
    qtbot.keyClick(window.table, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.proxy.rowCount() == 1
    qtbot.mouseClick(window.filter_buttons[QueueFilter.IN_TREATMENT], Qt.MouseButton.LeftButton)
    assert window.proxy.queue_filter is QueueFilter.IN_TREATMENT and window.proxy.rowCount() == 5
    qtbot.keyClick(window.table, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.proxy.rowCount() == 14


def test_dropped_entry_pinned_on_top_of_the_table(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    top = window.proxy.entry_at(0)
    assert top is not None and top.fate is Fate.DROPPED
    assert window.proxy.data(window.proxy.index(0, Column.STATE)) == "FALT UT AV KØEN"
    # Another patient drops: both dropped ones on top.
    service.emit(make_summary([replace(entries[11], fate=Fate.DROPPED, in_list=False)]))
    assert {window.proxy.entry_at(0).ref, window.proxy.entry_at(1).ref} == {entries[0].ref, entries[11].ref}  # type: ignore[union-attr]


def test_panel_shows_the_selected_patient(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    assert window.panel.empty_label.isVisibleTo(window.panel)
    window.select_ref(entries[0].ref)
    panel = window.panel
    assert panel.name_label.text() == "Johansen, Ole Martin"
    assert panel.dropped_label.isVisibleTo(panel)
    assert panel.triage_label.text() == "Gul – haster"
    assert panel.fields["complaint"].text() == "Brystsmerter"
    assert panel.fields["state"].text() == "FALT UT AV KØEN"
    assert panel.fields["nurse"].text() == "Lie, Hanne"
    assert panel.fields["waiting"].text().startswith("95 min (mål 60 min)")
    assert panel.tabs is not None and panel.tabs.tabText(0) == "Journal"
    assert panel.tabs.currentWidget() is window.journal
    assert window.journal.header_label.text() == "Journal · 110258 *****"
    assert entries[0].patient.identifier not in panel.ident_label.text()  # type: ignore[union-attr]
    # The selected patient departs: the panel empties.
    service.emit(make_summary(removed=[entries[0].ref]))
    assert panel.entry is None and panel.empty_label.isVisibleTo(panel)


def test_waiting_times_tick(qtbot: QtBot, service: FakeService) -> None:
    times = iter([NOW + timedelta(minutes=m) for m in range(0, 1000)])
    window = MainWindow(service, clock=lambda: next(times), tick_ms=20)
    qtbot.addWidget(window)
    service.emit(make_summary([make_entry(1, "Vent, Ende", minutes_ago=0)], initial=True))
    index = window.proxy.index(0, Column.WAITING)
    first = window.proxy.data(index)
    qtbot.waitUntil(lambda: window.proxy.data(index) != first, timeout=2000)


def test_command_failure_is_shown(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    service.emit(make_summary(*clinic(), initial=True))
    service.fail("Ingen forbindelse med plattformen")
    assert "Ikke utført: Ingen forbindelse med plattformen" in window.banner.text()


def test_run_window_saves_a_screenshot_after_the_first_complete_sync(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGEVAKT_CACHE_DIR", str(tmp_path / "cache"))
    entries, alerts = clinic()
    service = FakeService(demo=True, on_start=(
        make_summary(entries, alerts=alerts, link=make_link(demo=True), complete=True, initial=True),))
    path = tmp_path / "shot" / "main.png"
    assert run_window(service, screenshot=str(path)) == 0
    assert path.is_file() and path.stat().st_size > 10_000
    assert service.started == 1 and service.stopped == 1


def test_run_window_without_a_complete_sync_still_saves_and_returns_2(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGEVAKT_CACHE_DIR", str(tmp_path / "cache"))
    service = FakeService(on_start=(make_summary([], link=make_link(age_s=None), complete=False, initial=True),))
    path = tmp_path / "waiting.png"
    assert run_window(service, screenshot=str(path), first_sync_timeout_s=0.2) == 2
    assert path.is_file()
    assert service.stopped == 1


def test_selection_is_cleared_not_moved_when_the_patient_is_filtered_away(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    window.select_ref(entries[1].ref)  # Berg: in treatment
    window.set_filter(QueueFilter.WAITING)
    assert window.selected_entry() is None and window.panel.entry is None
    window.select_ref(entries[4].ref)  # Larsen: waiting
    window.set_filter(QueueFilter.ALL)
    assert window.selected_entry() is not None and window.selected_entry().ref == entries[4].ref  # type: ignore[union-attr]


def test_opening_a_patient_is_audited_once_per_selection(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    assert window.select_ref(entries[3].ref)
    service.emit(make_summary([bump(entries[3], room="Location/rom-2", room_name="Rom 2")]))  # a sync: not a new open
    assert window.select_ref(entries[5].ref)
    assert service.journals_opened == [(entries[3].ref, service.user), (entries[5].ref, service.user)]


def test_a_missing_translation_ends_the_start_with_the_build_command_not_a_traceback(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from legevakt.ui import launch
    from legevakt.ui.i18n import TranslationMissingError

    def missing(app: object, language: str) -> None:
        raise TranslationMissingError("no compiled translation for 'nb'; run: python -m legevakt.ui.i18n build")

    monkeypatch.setattr(launch, "install_translator", missing)
    service = FakeService()
    assert run_window(service, screenshot=str(tmp_path / "x.png")) == 1
    assert "legevakt.ui.i18n build" in capsys.readouterr().err
    assert service.started == 0 and service.stopped == 1
    assert not (tmp_path / "x.png").exists()


# -- the journal and the delivery ledger -----------------------------------------------------------


def journal_window(qtbot: QtBot, service: FakeService) -> tuple[MainWindow, list[Entry]]:
    window = make_window(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    return window, entries


def test_selecting_a_patient_reads_their_journal_and_shows_it(qtbot: QtBot, service: FakeService) -> None:
    window, entries = journal_window(qtbot, service)
    target = entries[2]
    assert window.select_ref(target.ref)
    assert service.journals_opened == [(target.ref, service.user)]  # audited
    assert service.journals_loaded == [target.ref]
    note = make_note(1, target, "Allergisk reaksjon, bedring", signed=True)
    service.page(make_page(target, [note], [make_delivery(1, note, DeliveryState.RECEIPTED)]))
    assert [c.note.identifier for c in window.journal.cards] == ["note-001"]
    assert window.journal.cards[0].rows[0].state_label.text() == "Kvittert"
    service.emit(make_summary([bump(target, room="Location/rom-2", room_name="Rom 2")]))  # not about the journal
    assert service.journals_loaded == [target.ref]


def test_a_changed_delivery_or_a_replayed_write_reloads_the_open_journal(qtbot: QtBot, service: FakeService) -> None:
    window, entries = journal_window(qtbot, service)
    target, other = entries[2], entries[4]
    window.select_ref(target.ref)
    mine = make_note(1, target, signed=True)
    service.page(make_page(target, [mine], [make_delivery(1, mine, DeliveryState.SENT)]))
    theirs = make_note(2, other, signed=True)
    service.emit(make_summary(deliveries=[make_delivery(2, theirs, DeliveryState.RECEIPTED)]))
    assert service.journals_loaded == [target.ref]  # another patient's delivery: no reload
    service.emit(make_summary(deliveries=[make_delivery(1, mine, DeliveryState.REJECTED, errors=("E21",))]))
    assert service.journals_loaded == [target.ref, target.ref]
    # The outbox sent this patient's note (pending 1 -> 0): its platform id is known now.
    service.emit(make_summary(pending={target.ref: 1}))
    service.emit(make_summary(pending={}))
    assert service.journals_loaded == [target.ref] * 4


def test_the_ledger_opens_from_the_menu_and_ctrl_l_with_the_shift_start(qtbot: QtBot, service: FakeService) -> None:
    window, _entries = journal_window(qtbot, service)
    day_shift_start = datetime(2025, 3, 14, 6, 0, tzinfo=UTC)  # 07:00 in Oslo (CET), NOW is 14:30 there
    assert service.ledgers_loaded == [day_shift_start]  # read once at start: the banner's reasons need it
    menu = window.findChild(QMenu, "journalMenu")
    assert menu is not None and menu.title() == "&Journal"
    assert [a.text() for a in menu.actions()][:1] == ["&Forsendelser…"]  # then the journal panel's keys
    assert window.ledger_action.shortcut().toString() == "Ctrl+L"
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.ledger_view.isVisible()
    assert service.ledgers_loaded == [day_shift_start, day_shift_start]
    assert window.ledger_view.windowTitle() == "Forsendelser denne vakten"


def test_the_ledger_uses_the_census_shift_when_there_is_one(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    entries, _ = clinic()
    start = NOW - timedelta(hours=1, minutes=30)
    evening = Shift("evening", start, start + timedelta(hours=8))
    service.emit(replace(make_summary(entries, initial=True), census=census(entries, evening)))
    assert service.ledgers_loaded == [start]
    window.open_ledger()
    assert service.ledgers_loaded == [start, start]


def test_the_ledger_follows_every_sync_without_a_reset(qtbot: QtBot, service: FakeService) -> None:
    window, entries = journal_window(qtbot, service)
    resets: list[int] = []
    window.ledger_model.modelReset.connect(lambda: resets.append(1))
    window.ledger_view.proxy.modelReset.connect(lambda: resets.append(2))
    note = make_note(1, entries[2], signed=True)
    service.ledger([make_delivery(1, note, DeliveryState.SENT)])
    service.emit(make_summary(deliveries=[make_delivery(2, note, DeliveryState.SENT, recipient="Organization/gpo-03")]))
    service.emit(make_summary(deliveries=[make_delivery(1, note, DeliveryState.REJECTED, errors=("E21",))]))
    assert [d.identifier for d in window.ledger_model.deliveries()] == ["dlv-001", "dlv-002"]
    assert window.ledger_model.delivery("dlv-001").state is DeliveryState.REJECTED  # type: ignore[union-attr]
    model = window.ledger_model
    patient = model.data(model.index(0, int(LedgerColumn.PATIENT)))
    assert patient == "Hansen, Lars (030492 *****)"  # from the queue, the identifier masked
    assert resets == []


def test_journal_alerts_show_the_receipt_reason_in_norwegian(qtbot: QtBot, service: FakeService) -> None:
    window, entries = journal_window(qtbot, service)
    target = entries[2]
    note = make_note(1, target, signed=True)
    rejected = make_delivery(1, note, DeliveryState.REJECTED, errors=("E21",))
    with_errors = make_delivery(2, note, DeliveryState.RECEIPTED_WITH_ERRORS, errors=("E35",),
                                recipient="Organization/gpo-03")
    english = "DocumentReference/doc-001 to Practitioner/gp-03: rejected by the recipient: E21"
    alerts = [replace(make_alert(20, AlertKind.NOTE_REJECTED, target), key=rejected.identifier, detail=english),
              replace(make_alert(21, AlertKind.NOTE_RECEIPT_ERRORS, target, severity=Severity.WARNING),
                      key=with_errors.identifier, detail="receipted with errors: E35")]
    service.emit(make_summary(alerts=alerts, deliveries=[rejected, with_errors]))
    text = window.banner.text()
    assert "Journalnotat avvist av mottaker: Hansen, Lars (030492 *****)" in text
    assert "E21 Mottaker finnes ikke" in text and "rejected by the recipient" not in text
    assert "1 notat kvittert med feil" in text
    warnings = next(line for line in window.banner.lines() if line.kind.value == "warnings")
    assert "E35 Pasienten finnes ikke i mottakersystemet" in warnings.tooltip


def test_the_lock_hides_the_ledger_and_closes_the_recipient_picker(qtbot: QtBot, service: FakeService) -> None:
    window, entries = journal_window(qtbot, service)
    window.show()
    qtbot.waitExposed(window)
    window.select_ref(entries[2].ref)
    service.page(make_page(entries[2], [make_note(1, entries[2], signed=True)]))
    window.journal.pick("note-001")
    assert window.journal.pick_recipient() is not None
    window.open_ledger()
    assert window.ledger_view.isVisible()
    window.idle_lock.lock()
    assert window.locked
    assert not window.ledger_view.isVisible() and window.journal.dialog is None
    assert not window.ledger_action.isEnabled() and not window.menuBar().isVisible()
    window.open_ledger()
    assert not window.ledger_view.isVisible()


def test_without_a_practitioner_the_window_says_how_to_write_notes(qtbot: QtBot) -> None:
    service = FakeService(practitioner="")
    window, entries = journal_window(qtbot, service)
    window.select_ref(entries[2].ref)
    service.page(make_page(entries[2], []))
    assert window.journal.author_hint.isVisibleTo(window.journal)
    assert window.journal.editor.isReadOnly()


def test_a_journal_page_brings_the_ledger_up_to_date(qtbot: QtBot, service: FakeService) -> None:
    """A resend made by a command marks the first attempt as resent in the page, not in a sync summary."""
    window, entries = journal_window(qtbot, service)
    note = make_note(1, entries[2], signed=True)
    rejected = make_delivery(1, note, DeliveryState.REJECTED, errors=("E21",))
    service.emit(make_summary(deliveries=[rejected]))
    assert window.ledger_model.needs_action_count() == 1
    resend = make_delivery(2, note, DeliveryState.SENT, minutes_ago=0, resend_of=rejected.communication)
    service.page(make_page(entries[4], [note], [replace(rejected, resent_as=resend.communication), resend]))
    assert window.ledger_model.needs_action_count() == 0
    assert [d.identifier for d in window.ledger_model.deliveries()] == ["dlv-001", "dlv-002"]


def test_mine_with_a_local_identity_says_it_cannot_know_instead_of_a_silent_zero(qtbot: QtBot) -> None:
    """Signed in by an HPR number the platform has no Practitioner for: no visit names this person as
    nurse or doctor, so a count of 0 would read as "none of yours". The button says it cannot know."""
    from legevakt.codes import HPR_SYSTEM

    service = FakeService(practitioner=f"{HPR_SYSTEM}|1234567")
    window = make_window(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    mine = window.filter_buttons[QueueFilter.MINE]
    assert mine.text() == "Mine  –" and not mine.isEnabled()
    assert "HPR-nummeret ditt" in mine.toolTip()
    window.set_filter(QueueFilter.MINE)  # Ctrl+4 all the same: the whole queue, not an empty list
    assert window.proxy.queue_filter is QueueFilter.ALL and window.proxy.rowCount() == 14
    # The platform finds the Practitioner by HPR (the session's sign-in hook sets it): "Mine" counts.
    window.proxy.set_practitioner("Practitioner/lie")  # "Lie, Hanne": entries 2, 5, 7, 9, 11
    window._update_counts()
    assert mine.text() == "Mine  5" and mine.isEnabled() and mine.toolTip() == "Vis mine (Ctrl+4)"
    window.set_filter(QueueFilter.MINE)
    # ... and back to a local identity while "Mine" is shown: the whole queue again
    window.proxy.set_practitioner(f"{HPR_SYSTEM}|1234567")
    window._update_counts()
    assert window.proxy.queue_filter is QueueFilter.ALL and mine.text() == "Mine  –"


def test_mine_with_nobody_signed_in_says_so(qtbot: QtBot) -> None:
    window = make_window(qtbot, FakeService(practitioner=""))
    window.apply_summary(make_summary(clinic()[0], initial=True))
    mine = window.filter_buttons[QueueFilter.MINE]
    assert mine.text() == "Mine  –" and not mine.isEnabled()
    assert mine.toolTip() == "Legevakt kan ikke vite hvilke pasienter som er dine: ingen behandler er logget inn."


def test_the_shift_report_question_is_in_the_windows_language(qtbot: QtBot) -> None:
    """Qt's QInputDialog.getItem has English "OK"/"Cancel" (no bokmål Qt translation ships): ours names them."""
    from PySide6.QtWidgets import QPushButton

    from legevakt.ui.main_window import shift_dialog

    dialog = shift_dialog(None, ["Kveldsvakt 14.03.", "Dagvakt 14.03."])
    qtbot.addWidget(dialog)
    dialog.show()
    assert (dialog.windowTitle(), dialog.labelText()) == ("Vaktrapport", "Hvilken vakt?")
    assert sorted(b.text() for b in dialog.findChildren(QPushButton)) == ["Avbryt", "Neste…"]
    assert dialog.comboBoxItems() == ["Kveldsvakt 14.03.", "Dagvakt 14.03."] and not dialog.isComboBoxEditable()


# -- issue 9.5: from 1280 px up, no text widens the window; the link's reason reads first -------------------
LONG_NAME = "Kristiansen-Bergersen, Anne-Margrethe Solveig"
#: A census of a busy evening: every count with two or three digits.
BUSY_EVENING = Census(Shift("evening", NOW - timedelta(hours=2), NOW + timedelta(hours=6)), arrived=123,
                      departed=88, present=31, dropped=4, departed_by_reason={"home": 80, "admitted": 8},
                      carried_over=17)


class SignedInService(FakeService):
    """The fake service with a person signed in (as ``AppService``: ``session``, ``may``, ``signed_in``)."""

    signed_in = Signal(object)
    refused = Signal(object)

    def __init__(self, role: Role, name: str = LONG_NAME) -> None:
        # on the demo platform: its badge in the header makes the widest header
        super().__init__(practitioner="Practitioner/hanne-lie", user=name, demo=True)
        self.session = Session(name=name, hpr="1234567", role=role, practitioner="Practitioner/hanne-lie",
                               on_platform=True)

    @property
    def role(self) -> Role:
        return self.session.role

    def may(self, permission: Permission) -> bool:
        return permits(self.role, permission)


def offline_at_1280(qtbot: QtBot, role: Role, problem: Problem) -> MainWindow:
    """A signed-in person's window at 1280 x 800, offline for 39 s with ``problem``, on a busy evening."""
    service = SignedInService(role)
    window = MainWindow(service, clock=clock)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    entries, alerts = clinic()
    service.emit(replace(make_summary(entries, alerts=alerts, initial=True,
                                      link=make_link(LinkMode.OFFLINE, age_s=39, problem=problem)),
                         census=BUSY_EVENING))
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("role", [Role.NURSE, Role.DOCTOR, Role.SHIFT_LEAD])
def test_a_long_name_and_a_long_census_fit_a_1280_px_window(qtbot: QtBot, qapp: QApplication, role: Role,
                                                           language: str) -> None:
    install_translator(qapp, language)  # the autouse fixture puts bokmål back
    window = offline_at_1280(qtbot, role, Problem(ProblemKind.PLATFORM_UNREACHABLE))
    assert window.minimumSizeHint().width() <= 1280
    assert window.width() == 1280
    # A 300-character message from the platform (the origin it pointed to) does not widen it either.
    origin = "https://" + "x" * 280 + ".example.no:443"
    elsewhere = Problem(ProblemKind.FOREIGN_ORIGIN, {"via": "redirect", "origin": origin})
    window.status.apply(replace(make_summary(link=make_link(LinkMode.OFFLINE, age_s=39, problem=elsewhere)),
                                census=BUSY_EVENING))
    qtbot.wait(20)
    assert len(window.status.problem_label.text()) > 300
    assert window.minimumSizeHint().width() <= 1280
    assert window.width() == 1280
    # What was cut reads whole in the tooltip: the person signed in, in the header and in the status bar.
    user = window.findChild(ElidedLabel, "signedInUser")
    assert user is not None and user.is_elided() and LONG_NAME in user.plain_tip()
    assert window.user_label.is_elided() and LONG_NAME in window.user_label.plain_tip()
    assert window.status.problem_label.plain_tip().startswith(window.status.problem_label.text())


@pytest.mark.parametrize("role", [Role.NURSE, Role.SHIFT_LEAD])
def test_offline_at_1280_px_the_reason_reads_and_the_census_and_the_name_shorten(qtbot: QtBot, role: Role) -> None:
    """The reviewer saw "Kan være utdatert · 39 s · Frakoblet · Alle endringer lagret · Får ikke …": the one
    line saying why was cut while the census and the name kept their width."""
    window = offline_at_1280(qtbot, role, Problem(ProblemKind.PLATFORM_UNREACHABLE))
    status = window.status
    reason = status.problem_label
    assert reason.text().startswith("Får ikke kontakt med plattformen")
    assert reason.shown_text()[:40] == reason.text()[:40]  # at least its first 40 characters read
    assert status.live_label.shown_text() == "Kan være utdatert · oppdatert for 39 s siden"
    assert status.mode_label.shown_text() == "Frakoblet"
    census = status.census_label
    assert census.text() == "Kveldsvakt: 17 overført + 123 ankommet = 88 reist + 31 her + 4 falt ut"
    assert census.is_elided()
    user = window.findChild(ElidedLabel, "signedInUser")
    assert user is not None and user.is_elided()


@pytest.mark.parametrize(("language", "placeholder"), [("nb", "Søk: navn, fødselsnummer, rom (Ctrl+F)"),
                                                       ("en", "Search: name, ID number, room (Ctrl+F)")])
def test_the_search_field_shows_its_whole_placeholder_at_1280_px(qtbot: QtBot, qapp: QApplication, language: str,
                                                                 placeholder: str) -> None:
    """It read "Søk: navn, fødselsnummer, ro…": the field was narrower than its own placeholder."""
    install_translator(qapp, language)
    window = offline_at_1280(qtbot, Role.SHIFT_LEAD, Problem(ProblemKind.PLATFORM_UNREACHABLE))
    field = window.search_field
    assert field.placeholderText() == placeholder
    # Where Qt draws the placeholder: the style's contents rect, less QLineEdit's 2 px margin, up to the
    # clear button (placed even while hidden).
    option = QStyleOptionFrame()
    field.initStyleOption(option)
    contents = field.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, field)
    clear = field.findChild(QToolButton)
    assert clear is not None
    assert contents.left() + 2 + field.fontMetrics().horizontalAdvance(placeholder) <= clear.x()


# -- an empty search or filter says why, with the way back ---------------------------------------------------
def empty_note_shown(window: MainWindow) -> str:
    """What the note over the empty queue says ("" when it is not shown)."""
    note = window.findChild(QFrame, "queueEmptyNote")
    label = window.findChild(ElidedLabel, "queueEmptyText")
    assert note is not None and label is not None
    return label.text() if note.isVisibleTo(window) else ""


def test_a_search_that_finds_nobody_says_so_and_show_all_brings_everyone_back(qtbot: QtBot,
                                                                            service: FakeService) -> None:
    window = make_window(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    window.show()
    qtbot.waitExposed(window)
    assert empty_note_shown(window) == ""
    qtbot.keyClicks(window.search_field, "zzzz")
    assert window.proxy.rowCount() == 0
    assert empty_note_shown(window) == "Ingen pasienter passer «zzzz»"
    note = window.findChild(QFrame, "queueEmptyNote")
    assert note is not None and window.table.viewport().rect().contains(note.geometry())  # over the table
    qtbot.keyClick(window.search_field, Qt.Key.Key_Escape)  # Esc clears the search
    assert window.proxy.rowCount() == 14 and empty_note_shown(window) == ""
    qtbot.keyClicks(window.search_field, "zzzz")
    show_all = window.findChild(QPushButton, "showAllButton")
    assert show_all is not None and show_all.text() == "Vis alle"
    qtbot.mouseClick(show_all, Qt.MouseButton.LeftButton)
    assert window.search_field.text() == "" and window.proxy.rowCount() == 14
    assert empty_note_shown(window) == ""


def test_a_filter_with_nobody_says_which_and_show_all_clears_it(qtbot: QtBot, service: FakeService) -> None:
    window = make_window(qtbot, service)
    entries, _alerts = clinic()
    present = [e for e in entries if e.fate is not Fate.DROPPED]  # nobody has dropped out
    service.emit(make_summary(present, initial=True))
    window.show()
    qtbot.waitExposed(window)
    window.filter_buttons[QueueFilter.DROPPED].click()
    assert window.filter_buttons[QueueFilter.DROPPED].text() == "Falt ut  0"
    assert empty_note_shown(window) == "Ingen pasienter i «Falt ut»"
    window.search_field.setText("berg")  # a search inside the empty filter names both
    assert empty_note_shown(window) == "Ingen pasienter i «Falt ut» passer «berg»"
    window.findChild(QPushButton, "showAllButton").click()  # type: ignore[union-attr]
    assert window.proxy.queue_filter is QueueFilter.ALL and window.filter_buttons[QueueFilter.ALL].isChecked()
    assert window.proxy.rowCount() == len(present) and empty_note_shown(window) == ""
    # A patient arriving into the empty filter takes the note away by itself.
    window.set_filter(QueueFilter.DROPPED)
    assert empty_note_shown(window)
    dropped = next(e for e in entries if e.fate is Fate.DROPPED)
    service.emit(make_summary([dropped]))
    assert window.proxy.rowCount() == 1 and empty_note_shown(window) == ""
