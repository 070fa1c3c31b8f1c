"""The CLI talks to the application layer only: no module of ``legevakt.cli`` imports the store or the sync
package (directly or by ``from legevakt import store``); it reaches them through ``legevakt.app``."""

from __future__ import annotations

import ast
from pathlib import Path

import legevakt.cli

FORBIDDEN = ("legevakt.store", "legevakt.sync")
CLI_DIR = Path(legevakt.cli.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def forbidden_imports(path: Path) -> list[str]:
    return sorted(n for n in imported_modules(path) if any(n == f or n.startswith(f + ".") for f in FORBIDDEN))


def test_the_cli_package_has_its_command_modules() -> None:
    modules = {p.stem for p in CLI_DIR.glob("*.py")}
    assert {"__init__", "options", "sync", "alerts", "census", "do", "outbox", "auth", "sim", "gui"} <= modules


def test_no_cli_module_imports_the_store_or_the_sync_package() -> None:
    offenders = {p.name: forbidden_imports(p) for p in sorted(CLI_DIR.glob("*.py"))}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_the_check_sees_a_direct_store_import(tmp_path: Path) -> None:
    """The checker itself can fail: each way of importing the store is caught."""
    for line in ("from legevakt.store.db import open_store", "import legevakt.sync.engine",
                 "from legevakt import store", "from legevakt import sync as s"):
        probe = tmp_path / "probe.py"
        probe.write_text(line + "\n", encoding="utf-8")
        assert forbidden_imports(probe), line
