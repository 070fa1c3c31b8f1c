"""Sign-in at start (name, HPR number, role, PIN), the PIN asked again to unlock, and the window's hooks.

The dialog validates the form (``app.signin.sign_in_problem``) with a clear message, stores the PIN as a
salted hash in the OS keyring (``app.signin.store_pin``; without a keyring it says what to install and
does not continue) and hands the ``Session`` to the service, which from then on is the author of every
write and refuses what the role may not do. ``install`` adds to the window: the user and role in the
status bar, "Log out / switch user", the shift-lead view only for the shift lead, the PIN on unlock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from legevakt.app.signin import HPR_SYSTEM, KeyringUnavailable, Session, sign_in_problem, store_pin, verify_pin
from legevakt.ui.actions import gate_widget, role_name, who_may
from legevakt.ui.elide import ElidedLabel
from legevakt.worklist.roles import Permission, Role, RoleRefused

translate = QCoreApplication.translate
MAX_ATTEMPTS = 3


def _problem_text(code: str) -> str:
    return {
        "name": translate("SignIn", "Write your name."),
        "hpr-empty": translate("SignIn", "Write your HPR number."),
        "hpr-not-digits": translate("SignIn", "The HPR number has digits only."),
        "hpr-length": translate("SignIn", "The HPR number has 6 to 9 digits."),
        "pin-short": translate("SignIn", "Choose a PIN of at least 4 characters."),
        "pin-differs": translate("SignIn", "The two PINs differ."),
    }.get(code, code)


class SignInDialog(QDialog):
    """Name, HPR number, role and a PIN (twice). ``session`` after ``accept``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle(translate("SignIn", "Sign in to Legevakt"))
        self.session: Session | None = None
        v = QVBoxLayout(self)
        intro = QLabel(translate("SignIn", "Who is working? Your name and HPR number are recorded on every "
                                           "change, acknowledgement and journal opening."), self)
        intro.setWordWrap(True)
        v.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setObjectName("signInName")
        self.hpr = QLineEdit(self)
        self.hpr.setObjectName("signInHpr")
        self.hpr.setPlaceholderText(translate("SignIn", "digits, e.g. 1234567"))
        self.role = QComboBox(self)
        self.role.setObjectName("signInRole")
        for role in Role:
            self.role.addItem(role_name(role), role.value)
        self.pin = QLineEdit(self)
        self.pin.setObjectName("signInPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_again = QLineEdit(self)
        self.pin_again.setObjectName("signInPinAgain")
        self.pin_again.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(translate("SignIn", "&Name"), self.name)
        form.addRow(translate("SignIn", "&HPR number"), self.hpr)
        form.addRow(translate("SignIn", "&Role"), self.role)
        form.addRow(translate("SignIn", "&PIN (to unlock the screen)"), self.pin)
        form.addRow(translate("SignIn", "PIN &again"), self.pin_again)
        v.addLayout(form)
        self.error = QLabel(self)
        self.error.setObjectName("signInError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.setVisible(False)
        v.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(translate("SignIn", "Sign in"))
        ok.setObjectName("signInOk")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(translate("SignIn", "Cancel"))
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        v.addWidget(buttons)
        self.setMinimumWidth(460)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)

    def try_sign_in(self) -> bool:
        name, hpr, pin = self.name.text().strip(), self.hpr.text().strip(), self.pin.text()
        problem = sign_in_problem(name, hpr, pin)
        if problem is None and pin != self.pin_again.text():
            problem = "pin-differs"
        if problem is not None:
            self.show_error(_problem_text(problem))
            return False
        try:
            store_pin(hpr, pin)
        except KeyringUnavailable:
            self.show_error(translate("SignIn", "No secure store for the PIN (OS keyring) is available, so "
                                                "Legevakt cannot sign you in. On Linux install and unlock a "
                                                "Secret Service provider (gnome-keyring or KWallet)."))
            return False
        role = Role(self.role.currentData())
        self.session = Session(name=name, hpr=hpr, role=role, practitioner=f"{HPR_SYSTEM}|{hpr}")
        self.accept()
        return True


def sign_in(parent: QWidget | None = None, reason: str = "") -> Session | None:
    """The sign-in dialog; ``reason`` (why it is asked again, e.g. too many wrong PINs) shown at its top."""
    dialog = SignInDialog(parent)
    if reason:
        dialog.show_error(reason)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        return dialog.session
    return None


def pin_dialog(parent: QWidget | None, prompt: str) -> QInputDialog:
    """The unlock question: the PIN hidden, its buttons in the window's language (not Qt's own English)."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(translate("SignIn", "Unlock"))
    dialog.setLabelText(prompt)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setOkButtonText(translate("SignIn", "Unlock"))
    dialog.setCancelButtonText(translate("SignIn", "Cancel"))
    return dialog


class PinCheck:
    """The idle lock's ``confirm``: the signed-in user's PIN, at most ``MAX_ATTEMPTS`` wrong in a row;
    then the user must sign in again (``on_exhausted``). ``ask`` returns the typed PIN or None."""

    def __init__(self, session: Callable[[], Session | None], parent: QWidget,
                 on_exhausted: Callable[[], None]) -> None:
        self._session = session
        self._parent = parent
        self._on_exhausted = on_exhausted
        self.failures = 0
        self.message = ""
        self.ask: Callable[[str], str | None] = self._ask

    def _ask(self, prompt: str) -> str | None:
        dialog = pin_dialog(self._parent, prompt)
        try:
            return dialog.textValue() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    def __call__(self) -> bool:
        session = self._session()
        if session is None:
            return True
        prompt = translate("SignIn", "{name}: your PIN to unlock").format(name=session.name)
        # A new unlock: what the last one said ("Feil PIN-kode", "logg inn på nytt") is no longer true.
        # Wrong PINs still count until a right one, so say how many tries are left, not that this one was wrong.
        self.message = "" if not self.failures else translate(
            "SignIn", "{left} attempts left before you must sign in again.").format(left=MAX_ATTEMPTS - self.failures)
        while True:
            pin = self.ask(prompt if not self.message else f"{self.message}\n{prompt}")
            if pin is None:
                return False
            try:
                ok = verify_pin(session.hpr, pin)
            except KeyringUnavailable:  # not a wrong PIN: the store cannot be read, so say that
                self.failures = 0
                self.message = translate("SignIn", "The PIN cannot be checked: the OS keyring is not available. "
                                                   "Sign in again.")
                self._on_exhausted()
                return False
            if ok:
                self.failures = 0
                self.message = ""
                return True
            self.failures += 1
            left = MAX_ATTEMPTS - self.failures
            if left <= 0:
                self.failures = 0
                self.message = translate("SignIn", "Too many wrong PINs: sign in again.")
                self._on_exhausted()
                return False
            self.message = translate("SignIn", "Wrong PIN. {left} attempts left.").format(left=left)


def install(window: Any, service: Any, *, ask_sign_in: Callable[[], Session | None] | None = None) -> None:
    """Hook the signed-in session into ``window`` (a MainWindow): status bar, role gates, PIN on unlock."""
    label = ElidedLabel("", window.status)  # a long name elides (whole in the tooltip), never widens the window
    label.setObjectName("signedInUser")
    window.status.add_trailing(label)

    def show(session: Session | None) -> None:
        if session is None:
            label.setText(translate("SignIn", "Not signed in"))
            return
        where = ("" if session.on_platform else translate("SignIn", " (local identity)"))
        label.setText(translate("SignIn", "{name} · {role} · HPR {hpr}").format(
            name=session.name, role=role_name(session.role), hpr=session.hpr) + where)
        label.setToolTip(session.practitioner if session.on_platform else translate(
            "SignIn", "Your HPR number was not found on the platform: you are recorded by HPR number ({ref}).")
            .format(ref=session.practitioner))
        header = getattr(window, "user_label", None)
        if header is not None:  # the header names the person, not the OS login
            header.setText(translate("MainWindow", "Signed in: {user}").format(
                user=f"{session.name} ({role_name(session.role)})"))
        lead = service.may(Permission.SHIFT_LEAD_VIEW)
        action = getattr(window, "shift_lead_action", None)
        if action is not None:
            action.setEnabled(lead)
            action.setToolTip("" if lead else who_may(Permission.SHIFT_LEAD_VIEW))
        group = getattr(window, "action_confirm_group", None)
        if group is not None:  # the banner's "Bekreft alle…" follows this action
            may_group = service.may(Permission.CONFIRM_GROUP)
            group.setEnabled(may_group)
            group.setToolTip("" if may_group else who_may(Permission.CONFIRM_GROUP))
        resolve_next = getattr(window, "action_resolve_next", None)
        if resolve_next is not None:  # Alerts > Resolve the next alert…: the shift lead's
            gate_widget(resolve_next, service.may(Permission.RESOLVE_ANY_ALERT), Permission.RESOLVE_ANY_ALERT)
        ack_next = getattr(window, "action_acknowledge_next", None)
        if ack_next is not None:
            gate_widget(ack_next, service.may(Permission.ACK_ALERT), Permission.ACK_ALERT)
        # The buttons of the banner, the alerts panel, the journal and the ledger follow the new role.
        for part, method in (("banner", "refresh"), ("alerts_panel", "refresh_buttons"),
                             ("journal", "refresh"), ("ledger_view", "refresh")):
            widget = getattr(window, part, None)
            if widget is not None and hasattr(widget, method):
                getattr(widget, method)()
        proxy = getattr(window, "proxy", None)
        if proxy is not None:  # "Mine" follows the person signed in now
            proxy.set_practitioner(session.practitioner)
            window._update_counts()

    def switch_user(reason: str = "") -> None:
        # the dialog, looked up when asked; why it is asked again (too many wrong PINs), when that is why
        session = (ask_sign_in or (lambda: sign_in(window, reason) if reason else sign_in(window)))()
        if session is not None:
            service.sign_in(session)

    def refused(refusal: RoleRefused) -> None:
        QMessageBox.information(window, translate("SignIn", "Not allowed"),
                                translate("SignIn", "Your role ({role}) may not do this. {who}").format(
                                    role=role_name(refusal.role), who=who_may(refusal.permission)))

    service.signed_in.connect(show)
    service.refused.connect(refused)
    switch = QAction(translate("SignIn", "Log &out / switch user"), window)
    switch.setObjectName("switchUserAction")
    switch.setShortcut(QKeySequence("Ctrl+Shift+L"))
    switch.triggered.connect(lambda: None if window.locked else switch_user())
    window.addAction(switch)
    window.shortcuts.append(switch)
    lock = QAction(translate("SignIn", "&Lock the screen"), window)
    lock.setObjectName("lockScreenAction")
    lock.setShortcut(QKeySequence("Ctrl+Alt+L"))  # leaving the desk: patient data hidden at once
    lock.triggered.connect(lambda: window.idle_lock.lock(by_hand=True))
    window.addAction(lock)
    window.shortcuts.append(lock)
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    if menus:
        menus[0].addSeparator()
        menus[0].addAction(lock)
        menus[0].addAction(switch)
    window.switch_user_action = switch
    window.pin_check = PinCheck(lambda: service.session, window, lambda: switch_user(window.pin_check.message))
    window.idle_lock.confirm = window.pin_check
    show(service.session)
    def guard(owner: object, name: str, permission: Permission) -> None:
        """Refuse ``owner.name()`` to a role without ``permission``, however it is triggered."""
        if owner is None or not hasattr(owner, name):
            return
        original = getattr(owner, name)

        def guarded(*args: object) -> object:
            if not service.may(permission):
                refused(RoleRefused(service.role, permission))
                return None
            return original(*args)
        setattr(owner, name, guarded)

    guard(getattr(window, "shift_lead_view", None), "open", Permission.SHIFT_LEAD_VIEW)
    guard(getattr(window, "banner", None), "confirm_group", Permission.CONFIRM_GROUP)
    # Past a disabled button or action (a shortcut, a script): refused in words, not silently ignored.
    guard(getattr(window, "banner", None), "resolve", Permission.RESOLVE_ANY_ALERT)
    guard(getattr(window, "banner", None), "acknowledge", Permission.ACK_ALERT)

