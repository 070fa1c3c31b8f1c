"""The domain stays pure: no GUI, network, database or keyring imports in worklist/ or journal/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import legevakt

FORBIDDEN = ("PySide6", "httpx", "sqlalchemy", "starlette", "uvicorn", "keyring", "websockets")
PURE_PACKAGES = ("worklist", "journal")
ROOT = Path(legevakt.__file__).parent


def forbidden_imports(source: str, filename: str) -> list[str]:
    """``module (line n)`` for every import of a forbidden top-level package, however it is spelled."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
              and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
              in ("__import__", "import_module") and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            names = [node.args[0].value]
        found += [f"{name} (line {node.lineno})" for name in names
                  if name.split(".")[0].lower() in {f.lower() for f in FORBIDDEN}]
    return found


def _modules() -> list[Path]:
    return sorted(p for pkg in PURE_PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_the_pure_packages_exist_and_have_modules() -> None:
    assert (ROOT / "worklist" / "reconcile.py") in _modules()
    assert all((ROOT / pkg / "__init__.py").exists() for pkg in PURE_PACKAGES)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_gui_network_or_database_imports(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8"), str(path)) == []


@pytest.mark.parametrize("source", [
    "import PySide6.QtCore",
    "from PySide6 import QtWidgets",
    "import httpx as h",
    "from sqlalchemy.orm import Session",
    "def f():\n    import keyring",
    "import os, websockets",
    "importlib.import_module('starlette.responses')",
    "__import__('uvicorn')",
    "try:\n    import SQLAlchemy\nexcept ImportError:\n    pass",
])
def test_the_check_catches_each_spelling(source: str) -> None:
    assert forbidden_imports(source, "<test>")


def test_the_check_allows_the_standard_library_and_our_own_code() -> None:
    assert forbidden_imports("import heapq\nfrom legevakt.worklist.models import Entry\nfrom . import x", "<t>") == []
