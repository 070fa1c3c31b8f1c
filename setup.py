"""Build step for the translations; all other metadata is in pyproject.toml.

``build_py`` compiles ``resources/translations/legevakt_<lang>.ts`` with Qt's ``lrelease`` (PySide6 is a
build requirement) into ``legevakt/ui/translations/legevakt_<lang>.qm``, which ships as package data.
It runs for ``pip install .``, for wheels and for ``pip install -e .`` (setuptools runs ``build_py`` for
an editable install too, where the package is the source tree, so the ``.qm`` lands beside ``i18n.py``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
TS_DIR = ROOT / "resources" / "translations"
QM_DIR = ROOT / "legevakt" / "ui" / "translations"


def _lrelease_module():  # type: ignore[no-untyped-def]
    """legevakt/ui/lrelease.py by path: importing the package would need its runtime dependencies."""
    spec = importlib.util.spec_from_file_location("_legevakt_lrelease", ROOT / "legevakt" / "ui" / "lrelease.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithTranslations(build_py):
    def run(self) -> None:
        tool = _lrelease_module()
        for qm in tool.build(TS_DIR, QM_DIR):  # raises (fails the install) when lrelease is missing or fails
            self.announce(f"compiled {qm.relative_to(ROOT)}", level=2)
        self.__dict__.pop("data_files", None)  # package data is globbed lazily: include the fresh .qm
        super().run()


setup(cmdclass={"build_py": BuildPyWithTranslations})
