"""The settings dialog: the settings a clinic changes, written to ``config.toml``.

Each field is checked by its setting's own check (``legevakt.app.settings``); a bad value gets a bokmål
message next to it and nothing is written while any field is bad. Saving writes the file (atomically, the
file's other keys kept) and says that the changes take effect at the next start: nothing is re-wired live.
The dialog writes a small file, no database, so it runs in the UI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from legevakt.app.settings import SETTINGS, Settings, SettingsError, load, save
from legevakt.ui.i18n import current_language
from legevakt.ui.texts import QT_TRANSLATE_NOOP
from legevakt.worklist.triage import BUILT_IN

translate = QCoreApplication.translate

#: The settings this dialog edits, in the order shown.
FIELDS = ("platform", "location", "poll_seconds", "triage_scale", "idle_lock_minutes", "alert_sound",
          "alert_notifications", "language", "time_zone")
_INFO = {s.name: s for s in SETTINGS}

#: The settings' own check phrases (legevakt.app.settings, legevakt.sync.origins), as the user reads them.
_PHRASES = {
    "must be an http(s) URL": QT_TRANSLATE_NOOP(
        "SettingsDialog", "Must be a web address starting with https://, e.g. https://fhir.example.no/r4"),
    "must use https:// (plain http:// is accepted only for this machine: localhost, 127.0.0.1, ::1, as "
    "anything sent over it can be read on the way)": QT_TRANSLATE_NOOP(
        "SettingsDialog", "Must use https:// (plain http:// only to this machine: localhost, 127.0.0.1)"),
    "must look like Location/<id>": QT_TRANSLATE_NOOP("SettingsDialog", "Must look like Location/<id>"),
    "must be positive": QT_TRANSLATE_NOOP("SettingsDialog", "Must be greater than zero"),
    "must be 'nb' or 'en'": QT_TRANSLATE_NOOP("SettingsDialog", "Must be bokmål or English"),
    "must be an IANA time zone such as Europe/Oslo": QT_TRANSLATE_NOOP(
        "SettingsDialog", "Unknown time zone: use a name such as Europe/Oslo"),
}


class SettingsDialog(QDialog):
    """Edit the settings in ``path``; ``current`` (default: what the file holds) fills the fields."""

    def __init__(self, path: Path, current: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(translate("SettingsDialog", "Settings"))
        self.path = path
        if current is None:
            try:
                current = load(path)
            except SettingsError:
                current = Settings()
        self.saved = False
        self.errors: dict[str, QLabel] = {}
        self.inputs: dict[str, QWidget] = {}
        nb = current_language() == "nb"

        self.platform = QLineEdit(current.platform)
        self.platform.setPlaceholderText(translate("SettingsDialog", "e.g. https://fhir.example.no/r4"))
        self.location = QLineEdit(current.location)
        self.location.setPlaceholderText(translate("SettingsDialog", "e.g. Location/emergency-clinic-bergen"))
        self.poll_seconds = QLineEdit(f"{current.poll_seconds:g}")
        self.triage_scale = QComboBox()
        scales = {**BUILT_IN, **current.local_scales}
        for key, scale in scales.items():
            self.triage_scale.addItem(scale.title_nb if nb else scale.title_en, key)
        self.triage_scale.setCurrentIndex(max(0, self.triage_scale.findData(current.triage_scale)))
        self.idle_lock_minutes = QLineEdit(str(current.idle_lock_minutes))
        self.alert_sound = QCheckBox(translate("SettingsDialog", "Play a sound for a new critical alert"))
        self.alert_sound.setChecked(current.alert_sound)
        self.alert_notifications = QCheckBox(
            translate("SettingsDialog", "Show a desktop notification for a new critical alert"))
        self.alert_notifications.setChecked(current.alert_notifications)
        self.language = QComboBox()
        self.language.addItem(translate("SettingsDialog", "Norwegian bokmål"), "nb")
        self.language.addItem(translate("SettingsDialog", "English"), "en")
        self.language.setCurrentIndex(max(0, self.language.findData(current.language)))
        self.time_zone = QLineEdit(current.time_zone)
        completer = QCompleter(sorted(available_timezones()), self.time_zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.time_zone.setCompleter(completer)

        labels = {
            "platform": translate("SettingsDialog", "&Platform address (FHIR R4):"),
            "location": translate("SettingsDialog", "&Clinic (Location):"),
            "poll_seconds": translate("SettingsDialog", "Seconds between &polls:"),
            "triage_scale": translate("SettingsDialog", "&Triage scale:"),
            "idle_lock_minutes": translate("SettingsDialog", "Lock after idle &minutes:"),
            "alert_sound": translate("SettingsDialog", "Sound:"),
            "alert_notifications": translate("SettingsDialog", "Notifications:"),
            "language": translate("SettingsDialog", "&Language:"),
            "time_zone": translate("SettingsDialog", "Time &zone:"),
        }
        form = QFormLayout()
        for name in FIELDS:
            widget: QWidget = getattr(self, name)
            widget.setObjectName(name)
            self.inputs[name] = widget
            error = QLabel()
            error.setObjectName(f"error_{name}")
            error.setTextFormat(Qt.TextFormat.PlainText)
            error.setWordWrap(True)
            error.setStyleSheet("color: #b00020;")
            error.hide()
            self.errors[name] = error
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(widget)
            column.addWidget(error)
            label = QLabel(labels[name])
            label.setBuddy(widget)
            form.addRow(label, column)

        self.message = QLabel(translate("SettingsDialog", "Changes take effect after Legevakt is restarted."))
        self.message.setObjectName("settingsMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(translate("SettingsDialog", "&Save"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(translate("SettingsDialog", "Cancel"),
                                                    QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    # -- reading and checking the fields ---------------------------------------------------------------
    def raw_values(self) -> dict[str, Any]:
        """What the fields hold, as the settings module takes it (text for the typed fields)."""
        return {
            "platform": self.platform.text().strip(),
            "location": self.location.text().strip(),
            "poll_seconds": self.poll_seconds.text().strip().replace(",", "."),
            "triage_scale": self.triage_scale.currentData(),
            "idle_lock_minutes": self.idle_lock_minutes.text().strip(),
            "alert_sound": self.alert_sound.isChecked(),
            "alert_notifications": self.alert_notifications.isChecked(),
            "language": self.language.currentData(),
            "time_zone": self.time_zone.text().strip(),
        }

    def check(self) -> dict[str, Any] | None:
        """The fields' values, each checked by its setting; None (with a message at each bad field) if any is bad."""
        values: dict[str, Any] = {}
        bad = False
        for name, raw in self.raw_values().items():
            info = _INFO[name]
            try:
                value = info.coerce(raw, "settings")
            except SettingsError:
                self._show(name, translate("SettingsDialog", "Must be a whole number") if info.type is int
                           else translate("SettingsDialog", "Must be a number"))
                bad = True
                continue
            wrong = info.wrong(value)
            if wrong:
                phrase = _PHRASES.get(wrong)
                self._show(name, translate("SettingsDialog", phrase) if phrase
                           else translate("SettingsDialog", "Not a valid value"))
                bad = True
                continue
            self._show(name, "")
            values[name] = value
        return None if bad else values

    def _show(self, name: str, text: str) -> None:
        label = self.errors[name]
        label.setText(text)
        label.setVisible(bool(text))

    # -- saving ---------------------------------------------------------------------------------------
    def save(self) -> bool:
        """Check every field, then write the file; True when written. Nothing is written while a field is bad."""
        values = self.check()
        if values is None:
            return False
        try:
            save(self.path, values)
        except SettingsError as exc:
            text = str(exc)
            if "verify_tls" in text:
                self._show("platform", translate(
                    "SettingsDialog", "This platform is on another machine and its TLS certificate is not "
                    "checked (verify_tls = false in the file): refused"))
            else:
                self._fail(translate("SettingsDialog", "The settings file {path} has a bad value elsewhere; "
                                     "nothing was saved.").replace("{path}", str(self.path)))
            return False
        except OSError as exc:
            self._fail(translate("SettingsDialog", "Could not write {path}: {message}").replace(
                "{path}", str(self.path)).replace("{message}", exc.strerror or type(exc).__name__))
            return False
        self.saved = True
        self.message.setText(translate("SettingsDialog", "Saved to {path}. The changes take effect when "
                                       "Legevakt is restarted.").replace("{path}", str(self.path)))
        self.message.setStyleSheet("")
        self.save_button.hide()
        self.cancel_button.setText(translate("SettingsDialog", "Close"))
        return True

    def _fail(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;")
