"""Translations: bokmål by default, English on request, and the .ts covers every string the UI uses."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from legevakt.ui import i18n
from legevakt.ui.i18n import TsTranslator, find_lrelease, install_translator, qm_for, ts_path
from legevakt.ui.main_window import MainWindow
from legevakt.ui.queue_model import Column
from tests.ui.conftest import FakeService, clinic, clock, make_link, make_summary

UI_DIR = Path(i18n.__file__).parent


def ts_messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    root = ET.parse(path).getroot()
    found: dict[tuple[str, str], ET.Element] = {}
    for ctx in root.iter("context"):
        name = ctx.findtext("name", default="")
        for msg in ctx.iter("message"):
            found[(name, msg.findtext("source", default=""))] = msg
    return found


def find_lupdate() -> Path | None:
    import PySide6

    for candidate in (Path(PySide6.__file__).parent / "lupdate",):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("pyside6-lupdate")
    return Path(found) if found else None


def headers(window: MainWindow) -> list[str]:
    model = window.queue_model
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(Column))]


def test_every_ui_string_has_a_finished_norwegian_translation(tmp_path: Path) -> None:
    lupdate = find_lupdate()
    if lupdate is None:
        pytest.skip("lupdate is not available")
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in UI_DIR.glob("*.py"))
    subprocess.run([str(lupdate), *sources, "-ts", str(fresh), "-locations", "none", "-silent"],
                   check=True, capture_output=True, timeout=60)
    used = ts_messages(fresh)
    ours = ts_messages(ts_path("nb"))
    assert len(used) > 100
    missing = sorted(set(used) - set(ours))
    assert missing == [], f"not in legevakt_nb.ts (run lupdate and translate): {missing}"
    unfinished = sorted(key for key in used
                        if (tr := ours[key].find("translation")) is None
                        or tr.get("type") in ("unfinished", "obsolete", "vanished")
                        or not ((tr.text or "") + "".join(f.text or "" for f in tr.iter("numerusform"))).strip())
    assert unfinished == [], f"untranslated: {unfinished}"
    # Placeholders survive translation.
    for key in used:
        tr = ours[key].find("translation")
        assert tr is not None
        forms = [f.text or "" for f in tr.iter("numerusform")] or [tr.text or ""]
        for placeholder in ("{patient}", "{age}", "{who}", "{time}", "{message}", "{n}", "{m}", "%n"):
            if placeholder in key[1]:
                assert all(placeholder in f for f in forms), (key, placeholder)


def test_norwegian_is_the_default(qtbot: QtBot) -> None:
    service = FakeService()
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    service.emit(make_summary(clinic()[0], link=make_link(age_s=2), initial=True))
    assert i18n.current_language() == "nb"
    assert headers(window)[:3] == ["Triage", "Venter", "Navn"]
    assert window.status.live_label.text() == "Oppdatert for 2 s siden"
    assert window.filter_buttons[next(iter(window.filter_buttons))].text().startswith("Alle")
    assert window.windowTitle() == "Legevakt"


def test_english_shows_the_source_strings(qtbot: QtBot, qapp: QApplication, qm_cache: Path) -> None:
    install_translator(qapp, "en", cache=qm_cache)
    service = FakeService(language="en")
    window = MainWindow(service, language="en", clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, link=make_link(age_s=2), initial=True))
    assert headers(window)[:3] == ["Triage", "Waiting", "Name"]
    assert window.status.live_label.text() == "Updated 2 s ago"
    assert window.banner.lines()[0].text.startswith("DROPPED FROM QUEUE: Johansen, Ole Martin")
    model = window.queue_model
    assert model.data(model.index(2, Column.TRIAGE)) == "Orange"
    assert model.data(model.index(0, Column.STATE)) == "DROPPED"


def test_ts_translator_reads_the_ts_without_tools(qapp: QApplication) -> None:
    translator = TsTranslator()
    assert translator.load_ts(ts_path("nb"))
    assert not translator.isEmpty()
    assert translator.translate("QueueModel", "Waiting") == "Venter"
    assert translator.translate("QueueModel", "not there") == ""
    assert translator.translate("SyncStatusBar", "%n changes waiting to be saved", None, 1) == \
        "%n endring venter på lagring"
    assert translator.translate("SyncStatusBar", "%n changes waiting to be saved", None, 3) == \
        "%n endringer venter på lagring"


def test_fallback_without_lrelease_is_still_norwegian(qapp: QApplication, qm_cache: Path) -> None:
    installed = install_translator(qapp, "nb", use_lrelease=False)
    assert isinstance(installed, TsTranslator)
    assert QCoreApplication.translate("SyncStatusBar", "Offline") == "Frakoblet"
    assert QCoreApplication.translate("SyncStatusBar", "%n changes waiting to be saved", None, 2) == \
        "2 endringer venter på lagring"
    install_translator(qapp, "nb", cache=qm_cache)


def test_qm_is_built_into_the_cache_and_rebuilt_when_the_ts_is_newer(tmp_path: Path) -> None:
    if find_lrelease() is None:
        pytest.skip("lrelease is not available")
    qm = qm_for("nb", cache=tmp_path)
    assert qm is not None and qm.is_file() and qm.parent == tmp_path
    old = ts_path("nb").stat().st_mtime - 100
    os.utime(qm, (old, old))
    rebuilt = qm_for("nb", cache=tmp_path)
    assert rebuilt == qm and qm.stat().st_mtime >= ts_path("nb").stat().st_mtime


def test_compiled_translation_is_used_when_lrelease_exists(qapp: QApplication, qm_cache: Path) -> None:
    if find_lrelease() is None:
        pytest.skip("lrelease is not available")
    installed = install_translator(qapp, "nb", cache=qm_cache)
    assert installed is not None and not isinstance(installed, TsTranslator)
    assert QCoreApplication.translate("SyncStatusBar", "%n changes waiting to be saved", None, 1) == \
        "1 endring venter på lagring"


def test_language_names_are_normalised() -> None:
    assert i18n.normalise_language("en_GB") == "en"
    assert i18n.normalise_language("no") == "nb"
    assert i18n.normalise_language(None) == "nb"
