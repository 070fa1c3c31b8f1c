"""Compile the Qt Linguist ``.ts`` sources to ``.qm`` with Qt's ``lrelease`` (shipped with PySide6).

Run at build time, never by the running app: ``setup.py``'s ``build_py`` step (also for
``pip install -e .``) loads this file by path, and ``python -m legevakt.ui.i18n build`` runs it by hand
(``scripts/test`` and ``scripts/demo`` do, so an edited ``.ts`` is never stale in a checkout).

Standard library only, and no import of the ``legevakt`` package: the build backend runs it in an
isolated environment where only the build requirements (setuptools, PySide6) are installed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TIMEOUT_S = 60
PREFIX = "legevakt_"


class LreleaseError(RuntimeError):
    """lrelease is missing or failed; the message says which file and why."""


def find_lrelease() -> Path | None:
    """Qt's lrelease: the binary inside the PySide6 package, else ``pyside6-lrelease`` or ``lrelease``."""
    suffix = ".exe" if sys.platform == "win32" else ""
    spec = importlib.util.find_spec("PySide6")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        pkg = Path(location)
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


def ts_sources(ts_dir: Path) -> list[Path]:
    return sorted(ts_dir.glob(f"{PREFIX}*.ts"))


def qm_name(ts: Path) -> str:
    return ts.with_suffix(".qm").name


def compile_one(ts: Path, qm: Path, lrelease: Path) -> None:
    """Build ``qm`` from ``ts`` atomically (a reader never sees half a file). Unfinished messages are left out."""
    qm.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=qm.name, suffix=".tmp", dir=qm.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        done = subprocess.run(  # a fixed tool on our own files
            [str(lrelease), "-silent", "-nounfinished", str(ts), "-qm", str(tmp)],
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
        )
        if done.returncode != 0 or tmp.stat().st_size == 0:
            raise LreleaseError(f"lrelease failed on {ts.name} (exit {done.returncode}): "
                                f"{(done.stderr or done.stdout).strip()[:500]}")
        tmp.chmod(0o644)  # mkstemp makes it private; installed data is world-readable
        tmp.replace(qm)
    except (OSError, subprocess.SubprocessError) as exc:
        raise LreleaseError(f"lrelease could not compile {ts.name}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def build(ts_dir: Path, out_dir: Path, lrelease: Path | None = None) -> list[Path]:
    """Compile every ``legevakt_<lang>.ts`` in ``ts_dir`` into ``out_dir``; the ``.qm`` files written."""
    sources = ts_sources(ts_dir)
    if not sources:
        raise LreleaseError(f"no {PREFIX}*.ts in {ts_dir}")
    tool = lrelease or find_lrelease()
    if tool is None:
        raise LreleaseError("Qt's lrelease was not found (it ships with PySide6: pip install PySide6-Essentials)")
    built = []
    for ts in sources:
        qm = out_dir / qm_name(ts)
        compile_one(ts, qm, tool)
        built.append(qm)
    return built


def stale(ts_dir: Path, out_dir: Path, lrelease: Path | None = None) -> list[str]:
    """The ``.qm`` files in ``out_dir`` that are missing or differ from a fresh compile of their ``.ts``."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = build(ts_dir, Path(scratch), lrelease)
        return [qm.name for qm in fresh
                if not (out_dir / qm.name).is_file() or (out_dir / qm.name).read_bytes() != qm.read_bytes()]
