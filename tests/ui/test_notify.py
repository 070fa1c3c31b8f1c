"""A new critical alert reaches a person: a sound, a desktop notification, a live line on the lock page.

Only NEW critical alerts ring (first seen open, or escalated from a warning); never those known at
start-up, never twice for one alert; missing audio degrades with a logged reason.
"""

from __future__ import annotations

import builtins
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from legevakt.app.settings import Settings
from legevakt.ui import notify, texts
from legevakt.ui.main_window import MainWindow
from legevakt.ui.notify import AlertNotifier, AlertSound, CriticalWatch, TrayNotifier
from legevakt.worklist.models import AlertKind, AlertStatus, Severity
from tests.ui.conftest import NOW, FakeService, clinic, clock, make_alert, make_entry, make_summary

SHOTS = Path("/work/helpers/shots")


class FakeSound:
    def __init__(self) -> None:
        self.plays = 0

    def play(self) -> None:
        self.plays += 1


class FakeNotifier:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def show(self, title: str, message: str) -> None:
        self.shown.append((title, message))


def window_with_fakes(qtbot: QtBot, service: FakeService, **kwargs: object) -> tuple[MainWindow, FakeSound,
                                                                                   FakeNotifier]:
    window = MainWindow(service, clock=clock, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    sound, notifier = FakeSound(), FakeNotifier()
    window.alert_notifier.sound = sound
    window.alert_notifier.notifier = notifier
    return window, sound, notifier


def test_a_new_critical_alert_rings_and_notifies_once(qtbot: QtBot, service: FakeService) -> None:
    _window, sound, notifier = window_with_fakes(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))  # AL-000001 is critical: known at start
    assert (sound.plays, notifier.shown) == (0, [])
    new = make_entry(20, "Strand, Eirik")
    dropped = make_alert(20, AlertKind.DROPPED_FROM_QUEUE, new)
    service.emit(make_summary([new], alerts=[dropped]))
    assert sound.plays == 1
    assert notifier.shown == [("Legevakt: nytt kritisk varsel", "falt ut av køen")]
    # The same alert again (its detail changed), and the start-up one changed: no second ring.
    service.emit(make_summary(alerts=[replace(dropped, detail="again"), replace(alerts[0], detail="again")]))
    assert sound.plays == 1 and len(notifier.shown) == 1
    # Acknowledged elsewhere and updated: still the same alert, still once.
    service.emit(make_summary(alerts=[replace(dropped, status=AlertStatus.ACKNOWLEDGED, acknowledged_by="X")]))
    assert sound.plays == 1 and len(notifier.shown) == 1


def test_the_notification_names_no_patient(qtbot: QtBot, service: FakeService) -> None:
    window, _sound, notifier = window_with_fakes(qtbot, service)
    service.emit(make_summary(initial=True))
    entry = make_entry(21, "Strand, Eirik")
    service.emit(make_summary([entry], alerts=[make_alert(21, AlertKind.DROPPED_FROM_QUEUE, entry)]))
    assert window.banner.text().count("Strand, Eirik") == 1  # the banner does name the patient
    text = " ".join(" ".join(pair) for pair in notifier.shown)
    assert text and "Strand" not in text and "Eirik" not in text
    assert entry.patient is not None and entry.patient.identifier[:6] not in text and "enc-021" not in text


def test_a_warning_does_not_ring_an_escalation_does(qtbot: QtBot, service: FakeService) -> None:
    _window, sound, notifier = window_with_fakes(qtbot, service)
    service.emit(make_summary(initial=True))
    entry = make_entry(22)
    warning = make_alert(22, AlertKind.TRIAGE_OVERDUE, entry, severity=Severity.WARNING)
    service.emit(make_summary([entry], alerts=[warning]))
    assert (sound.plays, notifier.shown) == (0, [])
    service.emit(make_summary(alerts=[replace(warning, severity=Severity.CRITICAL)]))  # same id, escalated
    assert sound.plays == 1
    assert notifier.shown == [("Legevakt: nytt kritisk varsel", "venter over dobbel triagetid")]


def test_a_warning_known_at_start_up_that_escalates_rings() -> None:
    watch = CriticalWatch()
    entry = make_entry(23)
    warning = make_alert(23, AlertKind.TRIAGE_OVERDUE, entry, severity=Severity.WARNING)
    critical = make_alert(24, AlertKind.DROPPED_FROM_QUEUE, entry)
    assert watch.new_critical([warning, critical], initial=True) == []
    assert watch.new_critical([critical]) == []
    escalated = replace(warning, severity=Severity.CRITICAL)
    assert watch.new_critical([escalated]) == [escalated]
    assert watch.new_critical([escalated]) == []


def test_several_at_once_ring_once_and_notify_once() -> None:
    sound, notifier = FakeSound(), FakeNotifier()
    alerts = AlertNotifier(sound=sound, notifier=notifier)
    arrived: list[str] = []
    alerts.new_critical.connect(lambda a: arrived.append(a.id))
    two = [make_alert(30, AlertKind.DROPPED_FROM_QUEUE, make_entry(30)),
           make_alert(31, AlertKind.NOT_IN_QUEUE, make_entry(31))]
    assert alerts.apply(two) == two
    assert arrived == ["AL-000030", "AL-000031"] and sound.plays == 1
    assert notifier.shown == [("Legevakt: 2 nye kritiske varsler", "aktivt besøk mangler i køen · falt ut av køen")]


def test_sound_and_notifications_can_be_switched_off(qtbot: QtBot) -> None:
    class Configured(FakeService):
        settings = Settings(alert_sound=False, alert_notifications=True)

    service = Configured()
    _window, sound, notifier = window_with_fakes(qtbot, service)
    service.emit(make_summary(initial=True))
    entry = make_entry(25)
    service.emit(make_summary([entry], alerts=[make_alert(25, AlertKind.DROPPED_FROM_QUEUE, entry)]))
    assert sound.plays == 0 and len(notifier.shown) == 1
    off = AlertNotifier(sound=sound, notifier=notifier, sound_on=True, notifications_on=False)
    off.apply([make_alert(26, AlertKind.DROPPED_FROM_QUEUE, entry)])
    assert sound.plays == 1 and len(notifier.shown) == 1


def test_missing_audio_is_logged_once_with_the_reason_and_never_raises(monkeypatch: pytest.MonkeyPatch,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    real_import = builtins.__import__

    def no_multimedia(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("PySide6.QtMultimedia"):
            raise ImportError("libpulse.so.0: cannot open shared object file")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_multimedia)
    sound = AlertSound()
    with caplog.at_level(logging.WARNING, logger="legevakt.ui"):
        sound.play()
        sound.play()
        sound.play()
    lines = [r.getMessage() for r in caplog.records if "alert sound is off" in r.getMessage()]
    assert lines == ["alert sound is off: QtMultimedia cannot be loaded (libpulse.so.0: cannot open shared "
                     "object file)"]
    assert sound.unavailable is not None


def test_no_system_tray_is_logged_once(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(notify.QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    tray = TrayNotifier()
    with caplog.at_level(logging.WARNING, logger="legevakt.ui"):
        tray.show("a", "b")
        tray.show("a", "b")
    assert [r.getMessage() for r in caplog.records if "notifications are off" in r.getMessage()] == [
        "desktop notifications are off: no system tray on this desktop"]


def test_the_chime_is_a_valid_wav(tmp_path: Path) -> None:
    import wave

    path = notify.alert_wav(tmp_path / "chime.wav")
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        assert 0.4 < w.getnframes() / w.getframerate() < 0.6


# -- the lock page -------------------------------------------------------------------------------------
def lock_text(window: MainWindow) -> str:
    page = window.lock_page
    return " ".join(label.text() for label in page.findChildren(QLabel) if label.isVisibleTo(page))


def test_the_lock_page_counts_and_shows_a_live_line_without_patient_data(qtbot: QtBot,
                                                                           service: FakeService) -> None:
    window, sound, _notifier = window_with_fakes(qtbot, service, idle_lock_ms=0)  # locked by hand below
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    window.resize(1400, 850)
    window.show()
    qtbot.waitExposed(window)
    window.idle_lock.lock()
    assert "1 kritisk varsel venter" in lock_text(window)
    assert "Nytt kritisk varsel" not in lock_text(window)

    new = make_entry(40, "Strand, Eirik", room="Rom 4")
    service.emit(make_summary([new], alerts=[make_alert(40, AlertKind.DROPPED_FROM_QUEUE, new, minutes_ago=0)]))
    assert window.locked and sound.plays == 1
    text = lock_text(window)
    assert "2 kritiske varsler venter" in text
    assert f"Nytt kritisk varsel: falt ut av køen ({texts.clock_text(NOW)})" in text  # the kind and the time
    everything = " ".join(label.text() for label in window.lock_page.findChildren(QLabel))
    for entry in [*entries, new]:
        assert entry.patient is not None
        for secret in (entry.patient.name, *entry.patient.name.split(", "), entry.patient.identifier,
                       entry.patient.identifier[:6], entry.ref, entry.ref.split("/")[1]):
            assert secret not in everything, secret
    assert "Rom 4" not in everything
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "alerts-lock.png"))

    # Unlocking returns to the alert: its patient is selected; the next lock starts without the line.
    qtbot.mouseClick(window.lock_page, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.locked, timeout=1000)
    selected = window.selected_entry()
    assert selected is not None and selected.ref == new.ref
    window.idle_lock.lock()
    assert "Nytt kritisk varsel" not in lock_text(window) and "2 kritiske varsler venter" in lock_text(window)


def test_the_lock_count_follows_acknowledgements_while_locked(qtbot: QtBot, service: FakeService) -> None:
    window, _sound, _notifier = window_with_fakes(qtbot, service, idle_lock_ms=0)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    window.idle_lock.lock()
    assert "1 kritisk varsel venter" in lock_text(window)
    service.emit(make_summary(alerts=[replace(alerts[0], status=AlertStatus.ACKNOWLEDGED, acknowledged_by="X")]))
    assert "kritisk" not in lock_text(window)
