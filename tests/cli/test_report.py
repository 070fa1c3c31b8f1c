"""``legevakt report --shift YYYY-MM-DD:NAME --pdf FILE [--json]``: bad input is one line on stderr, exit 1,
and no file; a good one writes the PDF (replacing an old one whole) and prints the report as data."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from legevakt.store.db import open_store
from tests.app.test_report import fill
from tests.cli.conftest import Run


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    store = open_store(path)
    try:
        fill(store)
    finally:
        store.close()
    return path


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "data")


@pytest.mark.parametrize("spec", ["evening@2025-12-02", "2025-12-02", "2026-12-32:evening", "2025-12-02:lunch",
                                  "current", "2025-12-02:evening:x", "9999-12-31:night", "9999-12-31:day",
                                  "0001-01-01:day"])
def test_a_bad_shift_is_one_line_exit_1_and_no_file(run: Run, data_dir: Path, tmp_path: Path, spec: str) -> None:
    out = tmp_path / "rapport.pdf"
    code, stdout, stderr = run("report", "--shift", spec, "--pdf", str(out), "--data-dir", str(data_dir))
    assert code == 1
    assert stdout == ""
    assert stderr.startswith("legevakt: --shift") and stderr.count("\n") == 1, stderr
    assert files_in(tmp_path) == []


def test_a_bad_shift_leaves_an_existing_file_alone(run: Run, data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapport.pdf"
    out.write_bytes(b"yesterday's report")
    code, _, _ = run("report", "--shift", "2025-12-02", "--pdf", str(out), "--data-dir", str(data_dir))
    assert code == 1
    assert out.read_bytes() == b"yesterday's report"
    assert files_in(tmp_path) == ["rapport.pdf"]


def test_neither_pdf_nor_json_is_an_error(run: Run, data_dir: Path) -> None:
    code, _, stderr = run("report", "--shift", "2025-12-02:evening", "--data-dir", str(data_dir))
    assert code == 1 and "--pdf" in stderr and stderr.count("\n") == 1


def test_a_missing_folder_is_one_line_and_nothing_written(qapp: QApplication, run: Run, data_dir: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "rapport.pdf"
    code, stdout, stderr = run("report", "--shift", "2025-12-02:evening", "--pdf", str(out),
                               "--data-dir", str(data_dir))
    assert code == 1 and stdout == ""
    assert "does not exist; nothing written" in stderr and stderr.count("\n") == 1
    assert not out.parent.exists()


def test_the_report_as_pdf_and_json(qapp: QApplication, run: Run, data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapport.pdf"
    out.write_bytes(b"an older report")
    code, stdout, stderr = run("report", "--shift", "2025-12-02:evening", "--pdf", str(out), "--json",
                               "--data-dir", str(data_dir))
    assert (code, stderr) == (0, "")
    doc = json.loads(stdout)
    assert doc["shift"] == "2025-12-02:evening"
    assert (doc["census"]["carried_over"], doc["census"]["arrived"], doc["census"]["departed"],
            doc["census"]["present"], doc["census"]["dropped"]) == (1, 5, 3, 2, 1)  # e6 from the day shift
    assert [a["id"] for a in doc["alerts"]] == ["AL-000003", "AL-000007", "AL-000002", "AL-000001"]
    assert [d["identifier"] for d in doc["undelivered"]] == ["d5", "d1", "d2"]
    assert [d["identifier"] for d in doc["rejected"]] == ["d3"]
    assert [w["state"] for w in doc["writes"]] == ["refused", "pending", "conflict"]
    assert doc["uptime"]["up_seconds"] == 7.25 * 3600
    assert doc["pdf"]["path"] == str(out) and doc["pdf"]["pages"] >= 1
    assert out.read_bytes().startswith(b"%PDF-")
    assert files_in(tmp_path) == ["rapport.pdf"]


def test_json_alone_writes_no_file(run: Run, data_dir: Path, tmp_path: Path) -> None:
    code, stdout, _ = run("report", "--shift", "2025-12-02:day", "--json", "--data-dir", str(data_dir))
    assert code == 0
    assert json.loads(stdout)["census"]["arrived"] == 1
    assert files_in(tmp_path) == []


def test_the_command_makes_its_own_offscreen_qt_application(data_dir: Path, tmp_path: Path) -> None:
    """In a fresh process, without any display: the command creates a QGuiApplication for the fonts."""
    out = tmp_path / "rapport.pdf"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, "-m", "legevakt.cli", "report", "--shift", "2025-12-02:night", "--pdf",
                           str(out), "--data-dir", str(data_dir)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(rf"wrote {re.escape(str(out))}: shift 2025-12-02:night, \d+ page\(s\)\n", done.stdout)
    assert out.read_bytes().startswith(b"%PDF-")


def test_a_sync_that_cannot_reach_the_platform_logs_the_link_down(run: Run, tmp_path: Path) -> None:
    """For the report's uptime: ``sync --once`` against nothing is a down row (the first: the state changed)."""
    data = tmp_path / "fresh"
    code, _, _ = run("sync", "--once", "--platform", "http://127.0.0.1:9/fhir", "--location", "Location/x",
                     "--data-dir", str(data))
    assert code == 4  # not synced: the stored (here empty) document, said incomplete
    store = open_store(data)
    try:
        assert [up for _, up in store.link_events()] == [False]
    finally:
        store.close()
