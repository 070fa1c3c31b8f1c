"""Issue 9 item 1: the role decides what every part of the window offers, not just the patient menu.

The oracle is the issue's table, written out here by hand: nurse: triage, room, nurse, state, notes;
doctor: also doctor, discharge, sign notes; shift lead: all, plus resolving any alert and the shift-lead
view. What a role may not use stays in sight but disabled, its tooltip naming the roles that may; invoked
past the button anyway (a shortcut, a call) it is refused in words and reaches no service.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QMenu
from pytestqt.qtbot import QtBot

from legevakt.app.journal import JournalPage
from legevakt.app.signin import Session
from legevakt.codes import HPR_SYSTEM
from legevakt.journal.model import DeliveryState
from legevakt.ui.ledger_view import LedgerView
from legevakt.ui.main_window import MainWindow
from legevakt.worklist.models import AlertKind, AlertStatus
from legevakt.worklist.roles import Permission, Role, RoleRefused, permits
from tests.ui.conftest import FakeService, clinic, clock, make_alert, make_delivery, make_note, make_page, make_summary

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)")

#: Issue 9 item 1, by hand: what each role may do beyond the nurse's.
MAY_SIGN = {Role.NURSE: False, Role.DOCTOR: True, Role.SHIFT_LEAD: True}
MAY_RESOLVE = {Role.NURSE: False, Role.DOCTOR: False, Role.SHIFT_LEAD: True}
WHO_SIGNS = ("Lege", "Vaktleder")
WHO_RESOLVES = ("Vaktleder",)


class RoleService(FakeService):
    """The fake service with a signed-in person (as ``AppService``: ``may``, ``signed_in``, ``refused``)."""

    signed_in = Signal(object)
    refused = Signal(object)

    def __init__(self, role: Role) -> None:
        super().__init__(practitioner="Practitioner/hanne-lie")
        self.session: Session | None = Session(name="Hanne Lie", hpr="1234567", role=role,
                                               practitioner="Practitioner/hanne-lie", on_platform=True)

    @property
    def role(self) -> Role | None:
        return self.session.role if self.session is not None else None

    def may(self, permission: Permission) -> bool:
        return self.role is None or permits(self.role, permission)

    def sign_in(self, session: Session) -> None:
        self.session = session
        self.signed_in.emit(session)


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the refusal message box would say (one entry per refusal)."""
    said: list[str] = []
    monkeypatch.setattr("legevakt.ui.signin.QMessageBox.information", lambda _w, _t, text: said.append(text))
    return said


def window_for(qtbot: QtBot, role: Role) -> tuple[MainWindow, RoleService]:
    service = RoleService(role)
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    window.safe.toast.timer.setInterval(600_000)
    entries, alerts = clinic()
    acked = make_alert(7, AlertKind.DROPPED_FROM_QUEUE, entries[4], status=AlertStatus.ACKNOWLEDGED,
                       acknowledged_by="Practitioner/x", ack_comment="Ringt pasienten")
    service.emit(make_summary(entries, alerts=[*alerts, acked], initial=True))
    return window, service


def journal_with_notes(window: MainWindow, service: RoleService) -> JournalPage:
    entry = window.queue_model.entry_at(2)
    assert window.select_ref(entry.ref)
    saved = make_note(1, entry, "Lagret notat", minutes_ago=30)
    signed = make_note(2, entry, "Signert notat", minutes_ago=10, signed=True)
    overdue = make_delivery(1, signed, DeliveryState.OVERDUE, recipient="Practitioner/gp-07", minutes_ago=50)
    page = make_page(entry, [saved, signed], [overdue])
    service.page(page)
    return page


@pytest.mark.parametrize("role", list(Role))
def test_the_journal_offers_signing_and_sending_only_to_doctor_and_shift_lead(
        qtbot: QtBot, role: Role, told: list[str]) -> None:
    window, service = window_for(qtbot, role)
    page = journal_with_notes(window, service)
    journal = window.journal
    journal.pick("note-001")  # saved on the platform, not signed: the sign button's moment
    assert journal.sign_button.isEnabled() is MAY_SIGN[role]
    tip = journal.sign_button.toolTip()
    assert all(r in tip for r in WHO_SIGNS) is (not MAY_SIGN[role])
    if not MAY_SIGN[role]:
        assert "Vaktleder" in journal.why_label.text()  # says why, instead of "Sign the note before sending it"
    journal.sign()  # the shortcut's path (Ctrl+Shift+S), past the disabled button
    assert bool(service.signed) is MAY_SIGN[role]
    service.page(page)  # the platform's answer: the panel is idle again

    journal.pick("note-002")  # signed: the send buttons' moment; its overdue delivery offers "Send again"
    for button in (journal.send_gp_button, journal.send_to_button):
        assert button.isEnabled() is MAY_SIGN[role]
        assert all(r in button.toolTip() for r in WHO_SIGNS) is (not MAY_SIGN[role])
    resend = next(row.resend_button for c in journal.cards for row in c.rows if row.resend_button is not None)
    assert resend.isEnabled() is MAY_SIGN[role]
    assert ("Vaktleder" in resend.toolTip()) is (not MAY_SIGN[role])
    journal.send_to_gp()
    journal.resend(next(row.delivery for c in journal.cards for row in c.rows if row.resend_button is not None))
    assert bool(service.sent) is MAY_SIGN[role]
    service.page(page)
    # Notes themselves are every role's: a new note can be written and saved.
    journal.new_note()
    journal.editor.setPlainText("Ny observasjon")
    assert journal.save_button.isEnabled()


@pytest.mark.parametrize("role", list(Role))
def test_the_journal_menu_offers_signing_and_sending_as_the_panel_does(qtbot: QtBot, role: Role) -> None:
    # The menu bar's Journal items may not offer a nurse what the panel's buttons refuse her.
    window, service = window_for(qtbot, role)
    journal_with_notes(window, service)
    window.journal.pick("note-001")  # saved, not signed: signing's moment; nothing to send yet
    menu = window.findChild(QMenu, "journalMenu")
    menu.aboutToShow.emit()
    items = {a.text().split("\t")[0].replace("&", ""): a for a in menu.actions() if not a.isSeparator()}
    sign = items["Signer notatet"]
    assert sign.isEnabled() is MAY_SIGN[role]
    assert all(r in sign.toolTip() for r in WHO_SIGNS) is (not MAY_SIGN[role])
    assert not items["Send notatet til fastlegen"].isEnabled()  # an unsigned note is not sent, by any role
    assert items["Lagre notatet"].isEnabled() is window.journal.save_button.isEnabled()
    assert items["Nytt notat"].isEnabled()


@pytest.mark.parametrize("role", list(Role))
def test_resolving_an_alert_is_offered_only_to_the_shift_lead_in_the_banner_and_the_alerts_panel(
        qtbot: QtBot, role: Role, told: list[str]) -> None:
    window, service = window_for(qtbot, role)
    banner = window.banner
    resolve = banner.buttons["AL-000007"]  # the acknowledged drop: "Resolve…"
    ack = banner.buttons["AL-000001"]  # the open drop: "Acknowledge…", every role's
    assert ack.isEnabled()
    assert resolve.isEnabled() is MAY_RESOLVE[role]
    assert ("Vaktleder" in resolve.toolTip()) is (not MAY_RESOLVE[role])
    assert window.action_resolve_next.isEnabled() is MAY_RESOLVE[role]
    assert window.action_acknowledge_next.isEnabled()

    window.open_alerts()
    panel = window.alerts_panel
    assert panel.select_alert("AL-000007")
    assert panel.resolve_button.isEnabled() is MAY_RESOLVE[role]
    assert all(r in panel.resolve_button.toolTip() for r in WHO_RESOLVES) is (not MAY_RESOLVE[role])
    assert panel.select_alert("AL-000001")
    assert panel.ack_button.isEnabled()

    # Past the buttons: the keyboard's "resolve the next alert", the banner's own method.
    banner.resolve_first()
    assert (banner.dialog is not None) is MAY_RESOLVE[role]
    if MAY_RESOLVE[role]:
        assert told == []
    else:
        assert len(told) == 1 and "Vaktleder" in told[0]
    banner.close_dialogs()
    panel.close()
    if not MAY_RESOLVE[role]:
        assert banner.resolve("AL-000007") is None and service.resolved == []


def test_the_shift_lead_view_and_the_group_confirmation_follow_a_switch_of_user(
        qtbot: QtBot, told: list[str]) -> None:
    window, service = window_for(qtbot, Role.SHIFT_LEAD)
    journal_with_notes(window, service)
    window.journal.pick("note-001")
    assert window.shift_lead_action.isEnabled() and window.banner.buttons["AL-000007"].isEnabled()
    assert window.journal.sign_button.isEnabled()
    # The nurse takes over the same window ("Log out / switch user"): every gate follows at once.
    nurse = replace(service.session, name="Siri Vik", hpr="7654321", role=Role.NURSE,
                    practitioner=f"{HPR_SYSTEM}|7654321")
    service.sign_in(nurse)
    assert not window.shift_lead_action.isEnabled()
    assert not window.action_confirm_group.isEnabled()
    assert not window.action_resolve_next.isEnabled()
    assert not window.banner.buttons["AL-000007"].isEnabled()
    assert not window.journal.sign_button.isEnabled()
    window.shift_lead_view.open()
    assert not window.shift_lead_view.isVisible() and "Vaktleder" in told[-1]


def test_log_out_switch_user_asks_for_a_sign_in_and_changes_who_is_signed_in(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    window, service = window_for(qtbot, Role.DOCTOR)
    doctor = service.session
    assert window.switch_user_action.shortcut().toString() == "Ctrl+Shift+L"
    assert window.switch_user_action.text().replace("&", "") == "Logg ut / bytt bruker"
    nurse = Session(name="Siri Vik", hpr="7654321", role=Role.NURSE, practitioner=f"{HPR_SYSTEM}|7654321")
    asked: list[object] = []
    monkeypatch.setattr("legevakt.ui.signin.sign_in", lambda parent=None: (asked.append(parent), nurse)[1])
    window.switch_user_action.trigger()
    assert asked == [window] and service.session is nurse
    label = window.findChild(QLabel, "signedInUser")
    assert label is not None and "Siri Vik" in label.text() and "Sykepleier" in label.text()
    assert doctor is not None and doctor.name not in label.text()
    # A cancelled sign-in keeps the person who was signed in; a locked window does not switch at all.
    monkeypatch.setattr("legevakt.ui.signin.sign_in", lambda parent=None: None)
    window.switch_user_action.trigger()
    assert service.session is nurse
    monkeypatch.setattr("legevakt.ui.signin.sign_in", lambda parent=None: (asked.append(parent), doctor)[1])
    window.idle_lock.lock()
    window.switch_user_action.trigger()
    assert service.session is nurse and len(asked) == 1


def test_a_refusal_names_the_role_and_who_may(qtbot: QtBot, told: list[str]) -> None:
    window, service = window_for(qtbot, Role.NURSE)
    service.refused.emit(RoleRefused(Role.NURSE, Permission.DISCHARGE))
    assert len(told) == 1 and "Sykepleier" in told[0] and "Lege" in told[0]
    assert isinstance(window.findChild(QMenu, "alertsMenu"), QMenu)


def test_the_demo_person_of_unattended_runs_is_named_for_the_role_it_has() -> None:
    from legevakt.app.signin import DEMO_SESSION
    from legevakt.ui.actions import role_name

    assert DEMO_SESSION.role is Role.SHIFT_LEAD  # the screenshots show the shift-lead view
    assert role_name(DEMO_SESSION.role) == "Vaktleder"  # the bokmål window's word for it
    assert DEMO_SESSION.name == "Demo Vaktleder"
    for role in Role:  # and no other role's word in the name
        assert role is DEMO_SESSION.role or role_name(role) not in DEMO_SESSION.name


@pytest.mark.parametrize("role", list(Role))
def test_sending_a_note_again_from_the_ledger_is_the_doctors_and_the_shift_leads(qtbot: QtBot, role: Role) -> None:
    from tests.ui.test_ledger_view import make_model, rows, shift

    service = RoleService(role)
    model = make_model(shift())
    view = LedgerView(service, model, writable=True)
    qtbot.addWidget(view)
    view.table.selectRow(rows(view.proxy).index("dlv-004"))  # overdue: "Send again" is the answer
    assert view.resend_button.isEnabled() is MAY_SIGN[role]
    assert ("Vaktleder" in view.resend_button.toolTip()) is (not MAY_SIGN[role])
    view.resend_selected()  # past the button
    assert bool(service.sent) is MAY_SIGN[role]


def test_too_many_wrong_pins_open_the_sign_in_saying_why(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    window, _service = window_for(qtbot, Role.NURSE)
    reasons: list[str] = []
    monkeypatch.setattr("legevakt.ui.signin.sign_in",
                        lambda parent=None, reason="": (reasons.append(reason), None)[1])
    monkeypatch.setattr("legevakt.ui.signin.verify_pin", lambda _hpr, _pin: False)
    window.pin_check.ask = lambda _prompt: "0000"  # type: ignore[attr-defined]
    window.idle_lock.lock()
    window.idle_lock.unlock()
    assert window.locked and reasons == ["For mange feil PIN-koder: logg inn på nytt."]
