"""Where the UI finds its resources (style sheets, translations, icons) and keeps its caches."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

_APP = "legevakt"


def resources_dir() -> Path:
    """The ``resources/`` directory: beside the package in a checkout, or in a frozen bundle."""
    override = os.environ.get("LEGEVAKT_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def cache_dir() -> Path:
    """The user's cache directory for built artefacts (compiled translations)."""
    override = os.environ.get("LEGEVAKT_CACHE_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir(_APP, appauthor=False))
