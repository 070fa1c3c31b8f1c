"""Sign-in and roles in the whole product: simulator -> worker -> service -> window.

The role table's oracle is issue 9 item 1 (see tests/worklist/test_roles.py); here each role signs in to a
real window on the simulator and sees (or does not) its actions, an action refused for the role does not
reach the platform even when invoked past the menu, the note's author on the platform is the signed-in
Practitioner found by HPR, and the lock asks for the PIN before it returns to the alert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu
from pytestqt.qtbot import QtBot

from legevakt.app.service import AppService
from legevakt.app.settings import Settings
from legevakt.app.signin import PIN_SERVICE, Session, store_pin
from legevakt.codes import HPR_SYSTEM
from legevakt.sim import SimServer
from legevakt.ui.main_window import MainWindow
from legevakt.ui.signin import MAX_ATTEMPTS, SignInDialog
from legevakt.worklist.commands import CommandKind
from legevakt.worklist.roles import Role, RoleRefused

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)")


def test_the_dialog_refuses_a_malformed_hpr_number_and_stores_only_a_hash(qtbot: QtBot) -> None:
    dialog = SignInDialog()
    qtbot.addWidget(dialog)
    dialog.name.setText("Kari Nordmann")
    dialog.hpr.setText("12a4567")
    dialog.pin.setText("2468")
    dialog.pin_again.setText("2468")
    assert not dialog.try_sign_in()
    assert dialog.session is None
    assert dialog.error.isVisibleTo(dialog)
    assert dialog.error.text() in ("HPR-nummeret består bare av sifre.", "The HPR number has digits only.")
    assert keyring.get_password(PIN_SERVICE, "12a4567") is None

    dialog.hpr.setText("1234567")
    dialog.pin_again.setText("2469")
    assert not dialog.try_sign_in()  # the two PINs differ

    dialog.pin_again.setText("2468")
    dialog.role.setCurrentIndex(list(Role).index(Role.DOCTOR))
    assert dialog.try_sign_in()
    assert dialog.session == Session(name="Kari Nordmann", hpr="1234567", role=Role.DOCTOR,
                                     practitioner=f"{HPR_SYSTEM}|1234567")
    stored = keyring.get_password(PIN_SERVICE, "1234567")
    assert stored is not None and "2468" not in stored


@pytest.fixture
def running(make_sim: Callable[..., SimServer], tmp_path: Path, qtbot: QtBot,
            ) -> Iterator[tuple[SimServer, AppService, MainWindow]]:
    sim = make_sim(seed=5, initial_patients=6)
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path), poll_seconds=0.2,
                        push_poll_seconds=0.2, user="ignored")
    service = AppService(settings)
    window = MainWindow(service)
    qtbot.addWidget(window)
    window.safe.toast.timer.setInterval(600_000)
    service.start()
    try:
        qtbot.waitUntil(lambda: window.queue_model.rowCount() == len(sim.clinic.active_encounters()),
                        timeout=10_000)
        yield sim, service, window
    finally:
        service.stop()


def hpr_of(sim: SimServer, ref: str) -> str:
    res = sim.store.get_ref(ref) or {}
    return next(i["value"] for i in res["identifier"] if i["system"] == HPR_SYSTEM)


def sign_in(service: AppService, sim: SimServer, role: Role, qtbot: QtBot) -> Session:
    staff = sim.clinic.nurses[0] if role is Role.NURSE else sim.clinic.doctors[0]
    hpr = hpr_of(sim, staff.ref)
    store_pin(hpr, "2468")
    service.sign_in(Session(name="Test Person", hpr=hpr, role=role, practitioner=f"{HPR_SYSTEM}|{hpr}"))
    # Looked up in the worker: Practitioner?identifier=<HPR system>|<hpr> names the simulator's practitioner.
    qtbot.waitUntil(lambda: service.session is not None and service.session.on_platform, timeout=10_000)
    assert service.session is not None and service.session.practitioner == staff.ref
    return service.session


def submenu(window: MainWindow, ref: str, name: str) -> QMenu:
    assert window.select_ref(ref)
    menu = window.patient_menu()
    assert menu is not None
    sub = menu.findChild(QMenu, name)
    assert sub is not None
    return sub


@pytest.mark.parametrize(("role", "discharge", "doctor", "lead_view"), [
    (Role.NURSE, False, False, False),
    (Role.DOCTOR, True, True, False),
    (Role.SHIFT_LEAD, True, True, True),
])
def test_each_role_is_offered_its_actions_in_the_window(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot,
        role: Role, discharge: bool, doctor: bool, lead_view: bool) -> None:
    sim, service, window = running
    session = sign_in(service, sim, role, qtbot)
    ref = next(r for r in sorted(sim.clinic.list_items()))
    finish, doctors, triage = (submenu(window, ref, n) for n in ("finishMenu", "doctorMenu", "triageMenu"))
    assert triage.isEnabled()  # every role triages
    assert finish.isEnabled() is discharge
    assert doctors.isEnabled() is doctor
    if not discharge:
        assert "Lege" in finish.menuAction().toolTip() and "Vaktleder" in finish.menuAction().toolTip()
    assert window.shift_lead_action.isEnabled() is lead_view
    assert window.action_confirm_group.isEnabled() is lead_view  # only the shift lead confirms a whole group
    label = window.findChild(QLabel, "signedInUser")
    assert label is not None and session.name in label.text()


def test_a_nurse_is_refused_a_discharge_invoked_past_the_menu(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    sim, service, window = running
    sign_in(service, sim, Role.NURSE, qtbot)
    refusals: list[RoleRefused] = []
    monkeypatch.setattr("legevakt.ui.signin.QMessageBox.information", lambda *a: None)
    service.refused.connect(refusals.append)
    ref = next(r for r in sorted(sim.clinic.list_items()))
    before = (sim.store.get_ref(ref) or {})["status"]
    service.submit(ref, CommandKind.SET_STATE, "finished", disposition="home")
    service.submit(ref, CommandKind.SET_TRIAGE, "red")  # allowed: once it lands, the refused one would have too
    qtbot.waitUntil(lambda: window.queue_model.pending_for(ref) == 0
                    and ((sim.store.get_ref(ref) or {}).get("priority") is not None
                         or "red" in str(sim.store.get_ref(ref))), timeout=10_000)
    assert [r.permission.value for r in refusals] == ["discharge"]
    assert (sim.store.get_ref(ref) or {})["status"] == before


def test_confirming_a_whole_group_is_refused_to_a_nurse_however_it_is_invoked(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    sim, service, window = running
    sign_in(service, sim, Role.NURSE, qtbot)
    told: list[str] = []
    monkeypatch.setattr("legevakt.ui.signin.QMessageBox.information", lambda _w, _t, text: told.append(text))
    acknowledged: list[object] = []
    monkeypatch.setattr(service, "acknowledge", lambda *a, **k: acknowledged.append(a))
    window.banner.confirm_group()  # past the disabled action and button
    assert len(told) == 1 and "Vaktleder" in told[0]
    assert acknowledged == []


def test_mine_follows_the_signed_in_practitioner(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot) -> None:
    sim, service, window = running
    session = sign_in(service, sim, Role.DOCTOR, qtbot)
    assert window.queue_model.practitioner == session.practitioner


def test_the_author_of_a_note_on_the_platform_is_the_signed_in_practitioner(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot) -> None:
    sim, service, _window = running
    session = sign_in(service, sim, Role.NURSE, qtbot)
    ref = sorted(sim.clinic.list_items())[0]
    before = list(sim.store.live("DocumentReference"))
    service.save_note(ref, "Kontrollert, ingen funn.")
    qtbot.waitUntil(lambda: len(list(sim.store.live("DocumentReference"))) == len(before) + 1, timeout=10_000)
    doc = list(sim.store.live("DocumentReference"))[-1]
    assert [a["reference"] for a in doc["author"]] == [session.practitioner]


def test_the_author_of_an_encounter_change_on_the_platform_is_the_signed_in_practitioner(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot) -> None:
    """An Encounter has no author element: the platform holds an R4 Provenance of the version the change
    made, its agent the Practitioner the simulator knows by the signed-in HPR number."""
    sim, service, _window = running
    session = sign_in(service, sim, Role.NURSE, qtbot)
    ref = sorted(sim.clinic.list_items())[0]
    service.submit(ref, CommandKind.SET_TRIAGE, "red")
    qtbot.waitUntil(lambda: any(True for _ in sim.store.live("Provenance")), timeout=10_000)
    (provenance,) = sim.store.live("Provenance")
    latest = (sim.store.get_ref(ref) or {})["meta"]["versionId"]
    assert provenance["target"] == [{"reference": f"{ref}/_history/{latest}"}]
    assert [a["who"]["reference"] for a in provenance["agent"]] == [session.practitioner]
    assert session.practitioner == sim.clinic.nurses[0].ref  # found by HPR on the platform


def test_unlock_asks_for_the_pin_and_a_wrong_one_keeps_the_lock(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot) -> None:
    sim, service, window = running
    sign_in(service, sim, Role.NURSE, qtbot)
    typed = iter(["1111", "2468"])
    prompts: list[str] = []
    window.pin_check.ask = lambda prompt: (prompts.append(prompt), next(typed))[1]  # type: ignore[attr-defined]
    window.idle_lock.lock()
    assert window.locked
    window.idle_lock.unlock()
    assert not window.locked
    assert len(prompts) == 2
    assert "Feil PIN-kode" in prompts[1] or "Wrong PIN" in prompts[1]

    window.idle_lock.lock()
    cancelled: Callable[[str], None] = lambda _p: None  # noqa: E731
    window.pin_check.ask = cancelled  # type: ignore[attr-defined]
    window.idle_lock.unlock()
    assert window.locked  # cancelled: still locked


def test_a_nurse_leaving_the_desk_locks_the_screen_at_once_and_the_pin_opens_it(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot) -> None:
    sim, service, window = running
    sign_in(service, sim, Role.NURSE, qtbot)
    lock = window.findChild(QAction, "lockScreenAction")
    assert lock is not None and lock.shortcut().toString() == "Ctrl+Alt+L"
    queue_menu = window.menuBar().actions()[0].menu()
    assert queue_menu is not None and lock in queue_menu.actions()  # Kø > Lås skjermen, its keys shown
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.keyClick(window.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    assert window.locked
    shown = window.lock_page.text.text()
    assert "skjermen ble låst" in shown and "ubrukt" not in shown  # not "idle for 10 min": she locked it
    prompts: list[str] = []
    window.pin_check.ask = lambda prompt: (prompts.append(prompt), "2468")[1]  # type: ignore[attr-defined]
    window.idle_lock.unlock()
    assert not window.locked and len(prompts) == 1
    window.idle_lock.lock()  # the idle timer's lock says so again
    assert "ubrukt" in window.lock_page.text.text()


def test_too_many_wrong_pins_ask_for_a_new_sign_in(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    sim, service, window = running
    sign_in(service, sim, Role.NURSE, qtbot)
    asked: list[int] = []
    monkeypatch.setattr(window.pin_check, "_on_exhausted", lambda: asked.append(1))  # type: ignore[attr-defined]
    window.pin_check.ask = lambda _p: "0000"  # type: ignore[attr-defined]
    window.idle_lock.lock()
    window.idle_lock.unlock()
    assert window.locked and asked == [1]
    assert MAX_ATTEMPTS == 3


def test_an_unreadable_pin_store_is_said_in_words_not_counted_as_wrong_pins(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    # The keyring gone mid-shift: a nurse typing her right PIN must not read "Feil PIN-kode" three times.
    from PySide6.QtWidgets import QWidget

    from legevakt.app.signin import KeyringUnavailable
    from legevakt.ui.signin import PinCheck

    def unreadable(_hpr: str, _pin: str) -> bool:
        raise KeyringUnavailable("KeyringLocked")

    monkeypatch.setattr("legevakt.ui.signin.verify_pin", unreadable)
    parent = QWidget()
    qtbot.addWidget(parent)
    exhausted: list[int] = []
    check = PinCheck(lambda: Session(name="Hanne Lie", hpr="1234567", role=Role.NURSE,
                                     practitioner=f"{HPR_SYSTEM}|1234567"), parent, lambda: exhausted.append(1))
    prompts: list[str] = []
    check.ask = lambda prompt: prompts.append(prompt) or "4321"  # type: ignore[func-returns-value]
    assert check() is False
    assert len(prompts) == 1 and exhausted == [1]  # asked once, then a new sign-in
    assert "Feil PIN-kode" not in check.message and "nøkkelring" in check.message


def test_a_new_unlock_never_shows_the_last_ones_wrong_pin_message(qtbot: QtBot,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A nurse who typed a wrong PIN and cancelled, or who unlocked since, must not be told "Feil PIN-kode"
    before she has typed anything; the wrong tries still count, so she is told how many are left."""
    from PySide6.QtWidgets import QWidget

    from legevakt.ui.signin import PinCheck

    monkeypatch.setattr("legevakt.ui.signin.verify_pin", lambda _hpr, pin: pin == "2468")
    parent = QWidget()
    qtbot.addWidget(parent)
    exhausted: list[str] = []
    check = PinCheck(lambda: Session(name="Hanne Lie", hpr="1234567", role=Role.NURSE,
                                     practitioner=f"{HPR_SYSTEM}|1234567"), parent,
                     lambda: exhausted.append(check.message))
    plain = "Hanne Lie: PIN-koden din for å låse opp"

    def unlock(*typed: str | None) -> list[str]:
        prompts: list[str] = []
        answers = iter(typed)
        check.ask = lambda prompt: (prompts.append(prompt), next(answers))[1]  # type: ignore[method-assign]
        check()
        return prompts

    assert unlock("1111", None) == [plain, f"Feil PIN-kode. 2 forsøk igjen.\n{plain}"]  # wrong, then cancelled
    assert unlock("2468") == [f"2 forsøk igjen før du må logge inn på nytt.\n{plain}"]  # no stale "Feil PIN-kode"
    assert unlock("2468") == [plain]  # locked again after the right PIN: nothing left over
    assert unlock("0000", "0000", "0000") == [plain, f"Feil PIN-kode. 2 forsøk igjen.\n{plain}",
                                               f"Feil PIN-kode. 1 forsøk igjen.\n{plain}"]
    assert exhausted == ["For mange feil PIN-koder: logg inn på nytt."]  # said to the new sign-in
    assert unlock("2468") == [plain]  # signed in again: the old "For mange feil" is gone


def test_the_sign_in_asked_again_says_why(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from legevakt.ui.signin import sign_in

    seen: list[str] = []

    def shown(dialog: SignInDialog) -> int:
        seen.append(dialog.error.text() if not dialog.error.isHidden() else "")
        return 0

    monkeypatch.setattr(SignInDialog, "exec", shown)
    assert sign_in(None, "For mange feil PIN-koder: logg inn på nytt.") is None
    assert sign_in(None) is None
    assert seen == ["For mange feil PIN-koder: logg inn på nytt.", ""]


def test_the_unlock_question_is_in_the_windows_language(qtbot: QtBot) -> None:
    """Qt's own QInputDialog buttons are English without Qt's translations: ours name them."""
    from PySide6.QtWidgets import QPushButton

    from legevakt.ui.signin import pin_dialog

    dialog = pin_dialog(None, "Hanne Lie: PIN-koden din for å låse opp")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Lås opp"
    assert sorted(b.text() for b in dialog.findChildren(QPushButton)) == ["Avbryt", "Lås opp"]
    assert dialog.textEchoMode().name == "Password"
