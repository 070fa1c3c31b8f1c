"""Alerts that reach a person: a sound and a desktop notification for each NEW critical alert.

``CriticalWatch`` decides what is new (pure Python): a critical alert first seen open, or an alert that
escalated from a warning to critical; never an alert already known at start-up (the initial summary),
never twice for the same alert id. ``AlertNotifier`` rings the sound and raises the notification for
them (each switchable: settings ``alert_sound`` and ``alert_notifications``) and emits ``new_critical``
for the lock page's live line.

The sound is a ``QSoundEffect`` imported lazily on first use: where QtMultimedia or an audio device is
missing, the reason is logged once and sound stays off (never an exception). The notification is a
``QSystemTrayIcon`` message where the desktop has a tray, else logged once. Neither carries patient data:
both may be seen by anyone near the screen (a notification can appear over the screen lock), so they name
the kind of alert only.
"""

from __future__ import annotations

import logging
import math
import struct
import tempfile
import wave
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QObject, QUrl, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from legevakt.ui import style, texts
from legevakt.ui.texts import QT_TRANSLATE_NOOP
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Severity

log = logging.getLogger("legevakt.ui")
translate = QCoreApplication.translate

# The kind of a critical alert as the end of a sentence ("Nytt kritisk varsel: falt ut av køen").
_KIND_PHRASE: dict[AlertKind, str] = {
    AlertKind.DROPPED_FROM_QUEUE: QT_TRANSLATE_NOOP("Notify", "dropped from the queue"),
    AlertKind.NOT_IN_QUEUE: QT_TRANSLATE_NOOP("Notify", "active visit not in the queue"),
    AlertKind.STALE_ENTRY: QT_TRANSLATE_NOOP("Notify", "stale entry"),
    AlertKind.DUPLICATE_PATIENT: QT_TRANSLATE_NOOP("Notify", "possible duplicate patient"),
    AlertKind.TRIAGE_OVERDUE: QT_TRANSLATE_NOOP("Notify", "waiting past twice the triage target"),
    AlertKind.NOT_TRIAGED: QT_TRANSLATE_NOOP("Notify", "not triaged"),
    AlertKind.SYNC_STALE: QT_TRANSLATE_NOOP("Notify", "the list may be out of date"),
    AlertKind.MASS_DEPARTURE: QT_TRANSLATE_NOOP("Notify", "many patients left the queue at once"),
    AlertKind.NOTE_UNDELIVERED: QT_TRANSLATE_NOOP("Notify", "journal note not delivered"),
    AlertKind.NOTE_REJECTED: QT_TRANSLATE_NOOP("Notify", "journal note rejected"),
    AlertKind.NOTE_RECEIPT_ERRORS: QT_TRANSLATE_NOOP("Notify", "journal note receipted with errors"),
    AlertKind.WRITE_NOT_APPLIED: QT_TRANSLATE_NOOP("Notify", "change not saved on the platform"),
    AlertKind.WRITE_CONFLICT: QT_TRANSLATE_NOOP("Notify", "change conflicts with someone else's"),
}


def kind_phrase(kind: AlertKind) -> str:
    return translate("Notify", _KIND_PHRASE[kind])


def new_alert_line(alert: Alert) -> str:
    """'Nytt kritisk varsel: falt ut av køen (13:27)': the kind and the time, never the patient."""
    return translate("Notify", "New critical alert: {kind} ({time})").format(
        kind=kind_phrase(alert.kind), time=texts.clock_text(alert.raised_at))


def notification_text(alerts: list[Alert]) -> tuple[str, str]:
    """(title, message) of the desktop notification for the new critical alerts of one summary."""
    if len(alerts) == 1:
        return translate("Notify", "Legevakt: new critical alert"), kind_phrase(alerts[0].kind)
    kinds = sorted({kind_phrase(a.kind) for a in alerts})
    return (translate("Notify", "Legevakt: %n new critical alerts", None, len(alerts)), " · ".join(kinds))


class CriticalWatch:
    """Which alerts of a summary are new critical ones (to ring for)."""

    def __init__(self) -> None:
        self._severity: dict[str, Severity] = {}  # open alerts seen so far, by id
        self._rung: set[str] = set()  # ids already rung for (each at most once)

    def new_critical(self, alerts: Iterable[Alert], *, initial: bool = False) -> list[Alert]:
        fresh: list[Alert] = []
        latest = {a.id: a for a in alerts}
        for aid, alert in latest.items():
            before = self._severity.get(aid)
            if alert.status is AlertStatus.RESOLVED:
                self._severity.pop(aid, None)
                continue
            self._severity[aid] = alert.severity
            if initial or aid in self._rung:
                continue
            if (alert.severity is Severity.CRITICAL and alert.status is AlertStatus.OPEN
                    and before is not Severity.CRITICAL):
                self._rung.add(aid)
                fresh.append(alert)
        if initial:
            # Known at start-up: never rung for later, even if a later summary repeats them unchanged.
            self._rung.update(a.id for a in latest.values() if a.severity is Severity.CRITICAL)
        return fresh


class Sound(Protocol):
    def play(self) -> None: ...


class Notifier(Protocol):
    def show(self, title: str, message: str) -> None: ...


def alert_wav(path: Path | None = None) -> Path:
    """A short two-tone chime as a WAV file (written once to the temporary directory)."""
    path = path or Path(tempfile.gettempdir()) / "legevakt-alert-v1.wav"
    if path.is_file():
        return path
    rate = 22_050
    frames = bytearray()
    for freq, seconds in ((880.0, 0.18), (0.0, 0.05), (660.0, 0.28)):
        n = int(rate * seconds)
        for i in range(n):
            fade = min(1.0, i / 200, (n - i) / 400)
            value = 0.45 * fade * math.sin(2 * math.pi * freq * i / rate) if freq else 0.0
            frames += struct.pack("<h", int(value * 32767))
    tmp = path.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    tmp.replace(path)
    return path


class AlertSound:
    """The alert chime through QtMultimedia, loaded on first use; off (with the reason logged once) where
    audio is missing."""

    def __init__(self, parent: QObject | None = None) -> None:
        self._parent = parent
        self._effect: Any = None
        self.unavailable: str | None = None  # why there is no sound, once known

    def play(self) -> None:
        if self.unavailable is not None:
            return
        if self._effect is None:
            self._effect = self._load()
            if self._effect is None:
                return
        try:
            self._effect.play()
        except Exception as exc:  # noqa: BLE001 - a sound must never take the window down
            self._off(f"playing failed ({type(exc).__name__})")

    def _load(self) -> Any:
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError as exc:
            self._off(f"QtMultimedia cannot be loaded ({exc})")
            return None
        try:
            if QMediaDevices.defaultAudioOutput().isNull():
                self._off("no audio output device")
                return None
            effect = QSoundEffect(self._parent)
            effect.statusChanged.connect(lambda: self._status(effect))
            effect.setSource(QUrl.fromLocalFile(str(alert_wav())))
            effect.setVolume(0.9)
            return effect
        except Exception as exc:  # noqa: BLE001 - as above: degrade, say why, carry on
            self._off(f"the sound could not be prepared ({type(exc).__name__}: {exc})")
            return None

    def _status(self, effect: Any) -> None:
        from PySide6.QtMultimedia import QSoundEffect

        if effect.status() == QSoundEffect.Status.Error:
            self._off("the sound file could not be decoded")

    def _off(self, reason: str) -> None:
        if self.unavailable is None:
            self.unavailable = reason
            log.warning("alert sound is off: %s", reason)
        self._effect = None


class TrayNotifier:
    """Desktop notifications through the system tray, where the desktop has one (else logged once)."""

    def __init__(self, parent: QObject | None = None) -> None:
        self._parent = parent
        self._tray: QSystemTrayIcon | None = None
        self.unavailable: str | None = None

    def show(self, title: str, message: str) -> None:
        if self.unavailable is not None:
            return
        try:
            if self._tray is None:
                if not QSystemTrayIcon.isSystemTrayAvailable():
                    self._off("no system tray on this desktop")
                    return
                self._tray = QSystemTrayIcon(style.alert_icon(True, 32), self._parent)
                self._tray.setToolTip(translate("Notify", "Legevakt"))
                self._tray.show()
            if not self._tray.supportsMessages():
                self._off("the system tray does not show messages")
                return
            self._tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Critical, 15_000)
        except Exception as exc:  # noqa: BLE001 - a notification must never take the window down
            self._off(f"showing failed ({type(exc).__name__})")

    def _off(self, reason: str) -> None:
        if self.unavailable is None:
            self.unavailable = reason
            log.warning("desktop notifications are off: %s", reason)


class AlertNotifier(QObject):
    """Rings and notifies for the new critical alerts of each summary (once per summary, however many)."""

    new_critical = Signal(object)  # an Alert, for each new critical alert

    def __init__(self, *, sound: Sound | None = None, notifier: Notifier | None = None, sound_on: bool = True,
                 notifications_on: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.watch = CriticalWatch()
        self.sound: Sound = sound or AlertSound(self)
        self.notifier: Notifier = notifier or TrayNotifier(self)
        self.sound_on = sound_on
        self.notifications_on = notifications_on

    def apply_summary(self, summary: Any) -> list[Alert]:
        """The service's ``changed``: a ChangeSummary (its ``alerts`` and ``initial``)."""
        return self.apply(summary.alerts, initial=bool(summary.initial))

    def apply(self, alerts: Iterable[Alert], *, initial: bool = False) -> list[Alert]:
        fresh = self.watch.new_critical(alerts, initial=initial)
        if not fresh:
            return fresh
        log.info("%d new critical alert(s): %s", len(fresh), ", ".join(a.id for a in fresh))
        for alert in fresh:
            self.new_critical.emit(alert)
        if self.sound_on:
            self.sound.play()
        if self.notifications_on:
            self.notifier.show(*notification_text(fresh))
        return fresh
