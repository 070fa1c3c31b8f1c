"""Translations: Norwegian bokmål by default, English as the source language.

Every user-visible string is written in English in the code and passed through
``QCoreApplication.translate(context, text)``; ``resources/translations/legevakt_<lang>.ts`` holds the
translations. At start the ``.ts`` is compiled to ``.qm`` with Qt's ``lrelease`` (shipped with
PySide6) into the user's cache directory, when the ``.qm`` is missing or older than the ``.ts``.
Where ``lrelease`` is not available (a frozen bundle without the tool) or fails, ``TsTranslator``
reads the ``.ts`` XML directly, so the UI is Norwegian either way.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from legevakt.ui.paths import cache_dir, resources_dir

log = logging.getLogger("legevakt.ui")

DEFAULT_LANGUAGE = "nb"
LANGUAGES = ("nb", "en")  # "en" is the source language: no translator
_LRELEASE_TIMEOUT_S = 30

_state: dict[str, object] = {"language": DEFAULT_LANGUAGE, "translator": None}


def current_language() -> str:
    """The language last installed with ``install_translator`` ("nb" until then)."""
    return str(_state["language"])


def normalise_language(language: str | None) -> str:
    lang = (language or DEFAULT_LANGUAGE).lower().replace("_", "-")
    if lang.startswith("en"):
        return "en"
    if lang.startswith(("nb", "no", "nn")):
        return "nb"
    log.warning("unknown language %r; using %s", language, DEFAULT_LANGUAGE)
    return DEFAULT_LANGUAGE


def ts_path(language: str) -> Path:
    return resources_dir() / "translations" / f"legevakt_{language}.ts"


def find_lrelease() -> Path | None:
    """Qt's lrelease: the binary inside the PySide6 package, or the ``pyside6-lrelease`` wrapper."""
    try:
        import PySide6
    except ImportError:  # pragma: no cover - PySide6 is a hard dependency
        return None
    pkg = Path(PySide6.__file__).parent
    suffix = ".exe" if sys.platform == "win32" else ""
    for candidate in (pkg / f"lrelease{suffix}", pkg / "Qt" / "bin" / f"lrelease{suffix}"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    for name in ("pyside6-lrelease", "lrelease"):
        beside = Path(sys.executable).parent / f"{name}{suffix}"
        if beside.is_file():
            return beside
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def compile_qm(ts: Path, qm: Path, lrelease: Path) -> bool:
    """Build ``qm`` from ``ts`` (atomically). True on success; failures are logged, not raised."""
    qm.parent.mkdir(parents=True, exist_ok=True)
    tmp = qm.with_suffix(".qm.tmp")
    try:
        done = subprocess.run(  # a fixed tool on our own files
            [str(lrelease), "-silent", str(ts), "-qm", str(tmp)],
            capture_output=True, text=True, timeout=_LRELEASE_TIMEOUT_S, check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("lrelease could not run (%s); reading the .ts directly", exc)
        return False
    if done.returncode != 0 or not tmp.is_file():
        log.warning("lrelease failed (exit %s): %s", done.returncode, done.stderr.strip()[:500])
        tmp.unlink(missing_ok=True)
        return False
    tmp.replace(qm)
    return True


def qm_for(language: str, *, cache: Path | None = None, lrelease: Path | None = None) -> Path | None:
    """The compiled ``.qm`` for ``language``, (re)built when missing or older than the ``.ts``."""
    ts = ts_path(language)
    if not ts.is_file():
        log.warning("no translation source for %s", language)
        return None
    tool = lrelease if lrelease is not None else find_lrelease()
    if tool is None:
        return None
    qm = (cache if cache is not None else cache_dir() / "translations") / f"legevakt_{language}.qm"
    try:
        fresh = qm.is_file() and qm.stat().st_mtime >= ts.stat().st_mtime
    except OSError:
        fresh = False
    if fresh or compile_qm(ts, qm, tool):
        return qm
    return None


class TsTranslator(QTranslator):
    """A translator that reads a Qt Linguist ``.ts`` file directly (no compile step).

    Unfinished and obsolete messages are ignored, as ``lrelease`` does. Plural forms follow the
    two-form rule of Norwegian and English (n == 1, otherwise).
    """

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._messages: dict[tuple[str, str], tuple[str, ...]] = {}
        self._language = ""

    def load_ts(self, path: Path) -> bool:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as exc:
            log.warning("cannot read translation %s: %s", path.name, exc)
            return False
        self._language = root.get("language", "")
        messages: dict[tuple[str, str], tuple[str, ...]] = {}
        for ctx in root.iter("context"):
            name = ctx.findtext("name", default="")
            for msg in ctx.iter("message"):
                source = msg.findtext("source")
                trans = msg.find("translation")
                if source is None or trans is None or trans.get("type") in ("unfinished", "obsolete", "vanished"):
                    continue
                forms = tuple(f.text or "" for f in trans.iter("numerusform"))
                if msg.get("numerus") == "yes" and forms:
                    messages[(name, source)] = forms
                elif trans.text:
                    messages[(name, source)] = (trans.text,)
        self._messages = messages
        return True

    def isEmpty(self) -> bool:
        return not self._messages

    def language(self) -> str:
        return self._language

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        forms = self._messages.get((context, source))
        if not forms:
            return ""
        if len(forms) > 1 and n >= 0:
            return forms[0 if n == 1 else 1]
        return forms[0]


def install_translator(app: QCoreApplication, language: str = DEFAULT_LANGUAGE, *,
                       cache: Path | None = None, use_lrelease: bool = True) -> QTranslator | None:
    """Install the translator for ``language`` ("nb" default; "en" shows the English source strings).

    Replaces a translator installed earlier by this function. Returns the installed translator (kept
    alive here), or None for English.
    """
    lang = normalise_language(language)
    old = _state["translator"]
    if isinstance(old, QTranslator):
        app.removeTranslator(old)
    _state["translator"] = None
    _state["language"] = lang
    if lang == "en":
        return None
    translator: QTranslator | None = None
    kind = "qm"
    qm = qm_for(lang, cache=cache) if use_lrelease else None
    if qm is not None:
        candidate = QTranslator(app)
        if candidate.load(str(qm)):
            translator = candidate
        else:
            log.warning("could not load compiled translation for %s; reading the .ts directly", lang)
    if translator is None:
        ts_translator = TsTranslator(app)
        if not ts_translator.load_ts(ts_path(lang)):
            return None
        translator = ts_translator
        kind = "ts"
    app.installTranslator(translator)
    _state["translator"] = translator
    log.info("language %s installed (%s)", lang, kind)
    return translator
