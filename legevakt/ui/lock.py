"""The screen locks after idle time and hides patient data (DESIGN.md section 6).

After ``idle`` without a key press or mouse use, the window shows a lock page instead of the queue: no
names, no identifiers, no banner text, only how many critical alerts are waiting (a count never
identifies anyone) and, when a new one comes while locked, a live line with its kind and time
("Nytt kritisk varsel: falt ut av køen (13:27)"), so a passer-by learns nothing and a nurse still sees
that something needs her. Any key
or click brings the queue back, after ``confirm`` (when set: the signed-in user's PIN, ``ui/signin.py``)
says yes; while it asks, input reaches its dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

translate = QCoreApplication.translate

_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
             QEvent.Type.TouchBegin}
_UNLOCK = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin}


class LockPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockPage")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the style sheet's dark background
        v = QVBoxLayout(self)
        v.setAlignment(Qt.AlignmentFlag.AlignCenter)
        v.setSpacing(14)
        self.title = QLabel(translate("LockPage", "Legevakt is locked"), self)
        self.title.setObjectName("lockTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(self)
        self.text.setObjectName("lockText")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(460)
        self.text.setMaximumWidth(620)
        self.alerts = QLabel(self)
        self.alerts.setObjectName("lockAlerts")
        self.alerts.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # The newest critical alert that came while locked: its kind and time, never the patient.
        self.live = QLabel(self)
        self.live.setObjectName("lockLive")
        self.live.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.live.setTextFormat(Qt.TextFormat.PlainText)
        self.live.setVisible(False)
        for w in (self.title, self.text, self.alerts, self.live):
            v.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)

    def show_state(self, idle_minutes: int, critical: int, *, by_hand: bool = False) -> None:
        if by_hand:
            self.text.setText(translate(
                "LockPage", "Patient data is hidden: the screen was locked. Press a key or click to continue."))
        else:
            self.text.setText(translate(
                "LockPage", "Patient data is hidden because the screen was idle for {minutes} min. "
                            "Press a key or click to continue.").format(minutes=idle_minutes))
        self.live.clear()
        self.live.setVisible(False)
        self.set_critical(critical)

    def show_new_alert(self, line: str) -> None:
        """A live line for a critical alert that arrived while locked (words without patient data)."""
        self.live.setText(line)
        self.live.setVisible(True)
        self._relayout()

    def set_critical(self, critical: int) -> None:
        """How many critical alerts wait for acknowledgement (a count never identifies anyone)."""
        if critical == 1:
            self.alerts.setText(translate("LockPage", "1 critical alert waiting"))
        else:
            self.alerts.setText(translate("LockPage", "{count} critical alerts waiting").format(count=critical))
        self.alerts.setVisible(critical > 0)
        self._relayout()

    def _relayout(self) -> None:
        """Labels centred in the layout keep their old width until the next layout pass: a longer count
        ("12 kritiske varsler venter") would show cut until then."""
        layout = self.layout()
        if layout is not None:
            layout.activate()


class IdleLock(QObject):
    """Watches the application's input; emits ``locked``/``unlocked``."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, idle_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.is_locked = False
        self.by_hand = False  # the current lock was chosen by a person, not the idle timer
        #: Asked before unlocking (None: any key unlocks); False keeps the screen locked.
        self.confirm: Callable[[], bool] | None = None
        self._confirming = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(idle_ms)
        self.timer.timeout.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        if idle_ms > 0:
            self.timer.start()

    def lock(self, *, by_hand: bool = False) -> None:
        """Lock now (``by_hand``: a person chose to, e.g. before leaving the desk; not the idle timer)."""
        if not self.is_locked:
            self.is_locked = True
            self.by_hand = by_hand
            self.locked.emit()

    def unlock(self) -> None:
        if self.is_locked and self.confirm is not None:
            if self._confirming:
                return
            self._confirming = True
            try:
                ok = self.confirm()
            finally:
                self._confirming = False
            if not ok:
                return
        if self.is_locked:
            self.is_locked = False
            self.unlocked.emit()
        if self.timer.interval() > 0:
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self.is_locked and not self._confirming:
            if kind in _UNLOCK:
                # Unlock once this event (and any shortcut Qt derives from it) is fully handled, so the key
                # or click that unlocks does nothing else.
                event.accept()
                QTimer.singleShot(0, self.unlock)
                return True
        elif kind in _ACTIVITY and self.timer.interval() > 0:
            self.timer.start()
        return False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
