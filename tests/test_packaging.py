"""The PyInstaller recipe (packaging/legevakt.spec) points at what exists: the bundle's launcher calls the
very entry point pyproject.toml installs as the ``legevakt`` command, and every path the spec names is in
the checkout. (CI's scripts/check-build builds and runs the bundle itself; this catches a moved module in
the fast suite, as when legevakt/cli.py became the package legevakt/cli/.)"""

from __future__ import annotations

import ast
import re
import tomllib
from functools import reduce
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "legevakt.spec"


def test_the_launcher_calls_the_installed_console_script() -> None:
    script = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]["legevakt"]
    module, _, func = script.partition(":")
    launcher = ast.parse((ROOT / "packaging" / "launcher.py").read_text(encoding="utf-8"))
    imported = {(node.module, alias.name) for node in ast.walk(launcher) if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    assert (module, func) in imported
    called = {node.func.id for node in ast.walk(launcher)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert func in called
    assert '"packaging" / "launcher.py"' in SPEC.read_text(encoding="utf-8")


def test_every_path_the_spec_names_exists() -> None:
    text = SPEC.read_text(encoding="utf-8")
    paths = [reduce(lambda p, part: p / part, re.findall(r'"([^"]+)"', chain), ROOT)
             for chain in re.findall(r'root((?:\s*/\s*"[^"]+")+)', text)]
    assert len(paths) >= 4  # the launcher, migrations, translations, resources
    assert [p for p in paths if not p.exists()] == []
