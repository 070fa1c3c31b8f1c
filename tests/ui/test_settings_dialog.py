"""The settings dialog: bad values are refused at their field in bokmål with nothing written; a good save
reads back through ``load`` and keeps the file's other keys; the menu entry opens it and the lock closes it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from legevakt.app.settings import Settings, load
from legevakt.ui.main_window import MainWindow
from legevakt.ui.settings_dialog import FIELDS, SettingsDialog
from tests.ui.conftest import FakeService, clock
from tests.ui.test_no_other_language import ts_pairs

FILE = """\
config_version = 1
timeout_seconds = 20
user = "Kari Nordmann"
poll_seconds = 4

[shifts]
dag = "07:30"
kveld = "15:30"
natt = "23:00"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(FILE, encoding="utf-8")
    return path


def make_dialog(qtbot: QtBot, path: Path) -> SettingsDialog:
    dialog = SettingsDialog(path)
    qtbot.addWidget(dialog)
    return dialog


def field(dialog: SettingsDialog, name: str) -> QLineEdit:
    widget = dialog.findChild(QLineEdit, name)
    assert widget is not None, name
    return widget


def error(dialog: SettingsDialog, name: str) -> str:
    label = dialog.findChild(QLabel, f"error_{name}")
    assert label is not None
    return label.text() if not label.isHidden() else ""


def test_the_fields_start_from_the_file(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    assert field(dialog, "poll_seconds").text() == "4"
    assert field(dialog, "time_zone").text() == "Europe/Oslo"
    assert field(dialog, "idle_lock_minutes").text() == "10"
    assert all(dialog.findChild(QWidget, n) is not None for n in FIELDS)


@pytest.mark.parametrize(("name", "text", "message"), [
    ("poll_seconds", "0", "Må være større enn null"),
    ("poll_seconds", "fem", "Må være et tall"),
    ("idle_lock_minutes", "2.5", "Må være et helt tall"),
    ("idle_lock_minutes", "-1", "Må være større enn null"),
    ("location", "lv-bergen", "Må se ut som Location/<id>"),
    ("platform", "fhir.example.no", "Må være en nettadresse som begynner med https://"),
    ("platform", "http://fhir.example.no/r4", "Må bruke https://"),
    ("time_zone", "Europe/Olso", "Ukjent tidssone"),
])
def test_a_bad_value_is_refused_at_its_field_and_nothing_is_written(qtbot: QtBot, config: Path, name: str,
                                                                    text: str, message: str) -> None:
    dialog = make_dialog(qtbot, config)
    field(dialog, "time_zone").setText("Europe/London")  # a good change alongside: not written either
    field(dialog, name).setText(text)
    assert dialog.save() is False
    assert error(dialog, name).startswith(message)
    assert [n for n in FIELDS if error(dialog, n)] == [name]  # only the bad field says so
    assert config.read_text(encoding="utf-8") == FILE
    assert [p.name for p in config.parent.iterdir()] == ["config.toml"]
    assert not dialog.saved


def test_every_bad_field_says_so_at_once(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    field(dialog, "poll_seconds").setText("")
    field(dialog, "location").setText("Organization/x")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert {n for n in FIELDS if error(dialog, n)} == {"poll_seconds", "location"}
    assert config.read_text(encoding="utf-8") == FILE
    # mended, the messages go and it saves
    field(dialog, "poll_seconds").setText("6")
    field(dialog, "location").setText("Location/lv-voss")
    assert dialog.save()
    assert [n for n in FIELDS if error(dialog, n)] == []


def test_a_good_save_reads_back_through_load_and_keeps_the_other_keys(qtbot: QtBot, config: Path) -> None:
    before = load(config)
    dialog = make_dialog(qtbot, config)
    field(dialog, "platform").setText("https://fhir.helse-vest.no/r4")
    field(dialog, "location").setText("Location/lv-bergen")
    field(dialog, "poll_seconds").setText("2,5")  # a Norwegian decimal comma
    field(dialog, "idle_lock_minutes").setText("3")
    field(dialog, "time_zone").setText("Arctic/Longyearbyen")
    scale = dialog.findChild(QComboBox, "triage_scale")
    scale.setCurrentIndex(scale.findData("retts"))
    language = dialog.findChild(QComboBox, "language")
    language.setCurrentIndex(language.findData("en"))
    dialog.findChild(QCheckBox, "alert_sound").setChecked(False)
    dialog.findChild(QCheckBox, "alert_notifications").setChecked(False)
    assert dialog.save()
    after = load(config)
    expected = Settings(platform="https://fhir.helse-vest.no/r4", location="Location/lv-bergen", poll_seconds=2.5,
                        idle_lock_minutes=3, time_zone="Arctic/Longyearbyen", triage_scale="retts", language="en",
                        alert_sound=False, alert_notifications=False,
                        timeout_seconds=20.0, user="Kari Nordmann", shifts=before.shifts)
    assert after == expected
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    assert raw["config_version"] == 1 and raw["timeout_seconds"] == 20 and raw["user"] == "Kari Nordmann"
    assert raw["shifts"] == {"dag": "07:30", "kveld": "15:30", "natt": "23:00"}
    # it says the change waits for a restart, and offers to close
    assert "neste gang Legevakt startes" in dialog.message.text() and str(config) in dialog.message.text()
    assert dialog.save_button.isHidden() and dialog.cancel_button.text() == "Lukk"


def test_cancel_writes_nothing(qtbot: QtBot, config: Path) -> None:
    dialog = make_dialog(qtbot, config)
    field(dialog, "poll_seconds").setText("9")
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert config.read_text(encoding="utf-8") == FILE


def test_a_new_file_is_created(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "nested" / "config.toml"
    dialog = make_dialog(qtbot, path)
    field(dialog, "idle_lock_minutes").setText("5")
    assert dialog.save()
    assert load(path).idle_lock_minutes == 5
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_menu_entry_opens_it_on_the_services_file_and_the_lock_closes_it(qtbot: QtBot, config: Path) -> None:
    service = FakeService()
    service.config_path = config  # type: ignore[attr-defined]
    window = MainWindow(service, clock=clock)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
    assert window.settings_action.text() == "&Innstillinger…"
    assert window.settings_action in window.shortcuts
    dialog = window.open_settings()
    assert dialog is not None and dialog.path == config and dialog.isVisible()
    window.idle_lock.lock()
    assert not dialog.isVisible()
    assert not window.settings_action.isEnabled()
    assert window.open_settings() is None


def test_without_a_config_path_the_entry_is_off(qtbot: QtBot) -> None:
    window = MainWindow(FakeService(), clock=clock)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    assert not window.settings_action.isEnabled() and window.open_settings() is None


def test_every_hint_in_an_empty_field_reads_norwegian_in_the_bokmal_window(qtbot: QtBot, tmp_path: Path) -> None:
    """A placeholder is a visible text too: each one is a translation from legevakt_nb.ts, not a literal."""
    dialog = make_dialog(qtbot, tmp_path / "new.toml")  # a new file: empty fields show their hints
    translations = {tr for _, tr in ts_pairs()}
    hints = {w.objectName(): w.placeholderText() for w in dialog.findChildren(QLineEdit) if w.placeholderText()}
    assert set(hints) >= {"platform", "location"}
    assert {name: hint for name, hint in hints.items() if hint not in translations} == {}
    assert hints["location"] == "f.eks. Location/legevakt-bergen"
