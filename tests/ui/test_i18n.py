"""Translations: bokmål by default, English on request, and the .ts covers every string the UI uses."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from legevakt.ui import i18n, lrelease
from legevakt.ui.i18n import TranslationMissingError, install_translator, qm_path, ts_path
from legevakt.ui.lrelease import find_lrelease
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


def test_the_ts_holds_no_string_the_ui_no_longer_uses(tmp_path: Path) -> None:
    """An entry no code asks for is dead weight that reads as if it were shown (e.g. an old wording of the
    mass-departure line). lupdate finds the strings the code uses; plural strings (``%n``, which this
    lupdate does not pick out of a four-argument ``translate``) must appear literally in the sources."""
    lupdate = find_lupdate()
    if lupdate is None:
        pytest.skip("lupdate is not available")
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in UI_DIR.glob("*.py"))
    subprocess.run([str(lupdate), *sources, "-ts", str(fresh), "-locations", "none", "-silent"],
                   check=True, capture_output=True, timeout=60)
    used = set(ts_messages(fresh))
    code = "\n".join(Path(p).read_text(encoding="utf-8") for p in sources)
    stale = sorted(key for key in set(ts_messages(ts_path("nb"))) - used
                   if not ("%n" in key[1] and f'"{key[1]}"' in code))
    assert stale == [], f"in legevakt_nb.ts but used nowhere: {stale}"


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


def test_english_shows_the_source_strings(qtbot: QtBot, qapp: QApplication) -> None:
    install_translator(qapp, "en")
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


def test_the_packaged_qm_translates_to_bokmal(qapp: QApplication) -> None:
    qm = qm_path("nb")
    assert qm.parent == UI_DIR / "translations", "the .qm ships as package data beside i18n.py"
    assert qm.is_file(), f"{qm} is missing: pip install -e . or `{i18n.BUILD_COMMAND}` builds it"
    translator = QTranslator()
    assert translator.load(str(qm))
    assert translator.language() == "nb_NO"
    assert translator.translate("QueueModel", "Waiting") == "Venter"
    assert translator.translate("QueueModel", "not there") == ""
    assert translator.translate("SyncStatusBar", "%n changes waiting to be saved", None, 1) == \
        "%n endring venter på lagring"
    assert translator.translate("SyncStatusBar", "%n changes waiting to be saved", None, 3) == \
        "%n endringer venter på lagring"


def test_the_packaged_qm_is_the_compiled_ts() -> None:
    """Byte for byte what lrelease makes of the .ts today: an edited .ts with a stale .qm fails here."""
    assert find_lrelease() is not None, "lrelease ships with PySide6"
    assert lrelease.stale(i18n.ts_dir(), i18n.QM_DIR) == [], f"run `{i18n.BUILD_COMMAND}`"
    assert i18n.main(["check"]) == 0


def test_the_check_sees_an_edited_ts(tmp_path: Path) -> None:
    edited = tmp_path / "ts"
    edited.mkdir()
    tree = ET.parse(ts_path("nb"))
    assert ts_messages(ts_path("nb"))[("QueueModel", "Waiting")].findtext("translation") == "Venter"
    for ctx in tree.getroot().iter("context"):
        if ctx.findtext("name") == "QueueModel":
            for msg in ctx.iter("message"):
                if msg.findtext("source") == "Waiting":
                    translation = msg.find("translation")
                    assert translation is not None
                    translation.text = "Venter lenge"
    tree.write(edited / "legevakt_nb.ts", encoding="utf-8", xml_declaration=True)
    assert lrelease.stale(edited, i18n.QM_DIR) == ["legevakt_nb.qm"]
    built = lrelease.build(edited, tmp_path / "qm")
    assert built == [tmp_path / "qm" / "legevakt_nb.qm"]
    assert lrelease.stale(edited, tmp_path / "qm") == []
    translator = QTranslator()
    assert translator.load(str(built[0]))
    assert translator.translate("QueueModel", "Waiting") == "Venter lenge"


def test_start_loads_the_qm_without_parsing_xml_or_running_tools(qapp: QApplication,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the running app must not parse the .ts nor run lrelease")

    for name in ("run", "Popen", "call", "check_output"):
        monkeypatch.setattr(subprocess, name, forbidden)
    for name in ("parse", "iterparse", "XMLParser", "fromstring"):
        monkeypatch.setattr(ET, name, forbidden)
    installed = install_translator(qapp, "en")
    assert installed is None and QCoreApplication.translate("SyncStatusBar", "Offline") == "Offline"
    installed = install_translator(qapp, "nb")
    assert isinstance(installed, QTranslator)
    assert QCoreApplication.translate("SyncStatusBar", "Offline") == "Frakoblet"
    assert QCoreApplication.translate("SyncStatusBar", "%n changes waiting to be saved", None, 1) == \
        "1 endring venter på lagring"
    assert QCoreApplication.translate("SyncStatusBar", "%n changes waiting to be saved", None, 2) == \
        "2 endringer venter på lagring"


def test_a_missing_qm_fails_loudly_and_keeps_the_installed_language(qapp: QApplication, tmp_path: Path) -> None:
    with pytest.raises(TranslationMissingError, match=r"legevakt_nb\.qm.*python -m legevakt\.ui\.i18n build"):
        install_translator(qapp, "nb", directory=tmp_path)
    (tmp_path / "legevakt_nb.qm").write_bytes(b"not a qm file")
    with pytest.raises(TranslationMissingError, match="legevakt_nb"):
        install_translator(qapp, "nb", directory=tmp_path)
    assert i18n.current_language() == "nb"
    assert QCoreApplication.translate("SyncStatusBar", "Offline") == "Frakoblet"


def test_the_qm_is_declared_package_data() -> None:
    """pyproject.toml's package-data glob picks up the .qm, so a wheel (not only a checkout) carries it."""
    root = UI_DIR.parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["legevakt"]
    shipped = {p for pattern in patterns for p in (root / "legevakt").glob(pattern)}
    assert qm_path("nb").resolve() in {p.resolve() for p in shipped}
    assert "setup.py" in {p.name for p in root.iterdir()}  # its build_py step compiles the .qm


def test_language_names_are_normalised() -> None:
    assert i18n.normalise_language("en_GB") == "en"
    assert i18n.normalise_language("no") == "nb"
    assert i18n.normalise_language(None) == "nb"
