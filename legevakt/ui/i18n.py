"""Translations: Norwegian bokmål by default, English as the source language.

Every user-visible string is written in English in the code and passed through
``QCoreApplication.translate(context, text)``; ``resources/translations/legevakt_<lang>.ts`` holds the
translations. They are compiled to ``legevakt/ui/translations/legevakt_<lang>.qm`` at build time with
Qt's ``lrelease`` (``setup.py``'s ``build_py``, which ``pip install`` and ``pip install -e .`` run, or
``python -m legevakt.ui.i18n build``), and shipped as package data. At start the app only loads the
``.qm`` with ``QTranslator.load``: no XML parsing and no subprocess on the UI thread.

Bokmål is the default, so a missing ``.qm`` is an installation error and raises
``TranslationMissingError`` rather than silently showing English.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from legevakt.ui import lrelease
from legevakt.ui.paths import resources_dir

log = logging.getLogger("legevakt.ui")

DEFAULT_LANGUAGE = "nb"
LANGUAGES = ("nb", "en")  # "en" is the source language: no translator
#: Where the compiled translations live: package data beside this module (also in a frozen bundle).
QM_DIR = Path(__file__).resolve().with_name("translations")
BUILD_COMMAND = "python -m legevakt.ui.i18n build"

_state: dict[str, object] = {"language": DEFAULT_LANGUAGE, "translator": None}


class TranslationMissingError(RuntimeError):
    """The compiled translation for a language is not installed (the build step did not run)."""


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


def ts_dir() -> Path:
    return resources_dir() / "translations"


def ts_path(language: str) -> Path:
    """The translation source (for translators and tests; the running app never reads it)."""
    return ts_dir() / f"{lrelease.PREFIX}{language}.ts"


def qm_path(language: str, directory: Path | None = None) -> Path:
    """The compiled translation the app loads for ``language``."""
    return (directory if directory is not None else QM_DIR) / f"{lrelease.PREFIX}{language}.qm"


def install_translator(app: QCoreApplication, language: str = DEFAULT_LANGUAGE, *,
                       directory: Path | None = None) -> QTranslator | None:
    """Install the translator for ``language`` ("nb" default; "en" shows the English source strings).

    Replaces a translator installed earlier by this function. Returns the installed translator (kept
    alive here), or None for English. ``directory`` overrides where the ``.qm`` files are (tests).
    Raises ``TranslationMissingError`` when the ``.qm`` is missing or unreadable.
    """
    lang = normalise_language(language)
    translator: QTranslator | None = None
    if lang != "en":
        qm = qm_path(lang, directory)
        translator = QTranslator()  # kept alive in _state
        if not qm.is_file() or not translator.load(str(qm)) or translator.isEmpty():
            raise TranslationMissingError(
                f"the {lang} translation {qm} is missing or empty: the build step did not run "
                f"(pip install . runs it; in a checkout run `{BUILD_COMMAND}`)")
    old = _state["translator"]
    if isinstance(old, QTranslator):
        app.removeTranslator(old)
    _state["translator"] = translator
    _state["language"] = lang
    if translator is not None:
        app.installTranslator(translator)
    log.info("language %s installed", lang)
    return translator


def main(argv: list[str] | None = None) -> int:
    """``build``: compile the ``.ts`` sources into the package; ``check``: fail if a ``.qm`` is stale."""
    parser = argparse.ArgumentParser(prog="python -m legevakt.ui.i18n", description=main.__doc__)
    parser.add_argument("command", choices=("build", "check"))
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            for qm in lrelease.build(ts_dir(), QM_DIR):
                sys.stdout.write(f"built {qm}\n")
            return 0
        outdated = lrelease.stale(ts_dir(), QM_DIR)
    except lrelease.LreleaseError as exc:
        sys.stderr.write(f"legevakt.ui.i18n: {exc}\n")
        return 1
    if outdated:
        sys.stderr.write(f"legevakt.ui.i18n: stale or missing: {', '.join(outdated)} (run `{BUILD_COMMAND}`)\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
