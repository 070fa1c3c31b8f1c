"""The UI benchmark runs and reports its shape, and its incremental path leaves the window as a reset would
(no timing assertions: timing belongs to the bench)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from legevakt.bench.__main__ import main
from legevakt.bench.ui import Bench, Case, build_case
from legevakt.ui.main_window import MainWindow
from legevakt.ui.queue_model import Column, QueueFilter
from legevakt.worklist.models import AlertStatus, EncounterStatus, Fate

_DISPLAY = Qt.ItemDataRole.DisplayRole


def shown(window: MainWindow) -> list[tuple[str, ...]]:
    """Every visible row, top to bottom, as its cells' texts."""
    proxy = window.proxy
    return [tuple(str(proxy.index(r, c).data(_DISPLAY)) for c in range(len(Column)))
            for r in range(proxy.rowCount())]


def buttons(window: MainWindow) -> dict[QueueFilter, str]:
    return {which: button.text() for which, button in window.filter_buttons.items()}


def fresh(case: Case, *, after: bool) -> MainWindow:
    """A new window that loaded the state from scratch (what a reset shows)."""
    bench = Bench(case)  # loads case.initial: the start state
    if after:
        bench.at_start = False
        bench.window_reset()  # reloads the after state
    return bench.window


def test_ui_bench_prints_one_json_object_with_the_pinned_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ui", "--json", "--rows", "500", "--repeats", "1"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert {"rows", "window_median_ms", "model_median_ms", "reset_median_ms", "ratio", "rss_mb"} <= set(row)
    assert row["rows"] == 500
    assert row["window_median_ms"] > 0 and row["model_median_ms"] > 0 and row["reset_median_ms"] > 0
    assert row["ratio"] == pytest.approx(row["window_median_ms"] / row["reset_median_ms"], rel=0.02)
    assert 0 < row["rss_mb"] <= row["rss_peak_mb"]
    assert 0 < row["window_apply_median_ms"] <= row["window_median_ms"]
    assert row["resets_in_steps"] == 0  # the incremental path never resets
    assert set(row["meets"]) == set(row["targets"])


def test_ui_bench_prints_a_table_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ui", "--rows", "300", "--repeats", "1"]) == 0
    assert "window, incremental" in capsys.readouterr().out


def test_the_change_set_is_one_percent_of_every_kind() -> None:
    case = build_case(2_000)
    forward = case.forward
    assert len(forward.upserted) + len(forward.removed) == 20  # 1 % of 2 000 (arrivals counted once)
    assert len(forward.removed) == 2 and len(forward.departed) == 2
    assert sum(1 for e in forward.upserted if e.ref not in case.start.queue) == 2  # arrivals
    assert sum(1 for e in forward.upserted if e.fate is Fate.DROPPED) == 2
    assert any(e.encounter.status is EncounterStatus.IN_PROGRESS and e.encounter.doctor for e in forward.upserted)
    assert {a.status for a in case.backward.alerts} == {AlertStatus.RESOLVED}  # undone: the new alerts resolve
    assert len(case.start.queue) == len(case.after.queue) == 2_000


def test_the_incremental_path_shows_what_a_reset_would(qapp: QApplication) -> None:
    case = build_case(500)
    bench = Bench(case)
    resets: list[object] = []
    bench.window.queue_model.modelReset.connect(lambda: resets.append(1))
    bench.window.proxy.modelReset.connect(lambda: resets.append(1))
    selected = bench.window.selected_entry()
    assert selected is not None

    bench.window_step()  # forward
    assert not resets
    assert bench.window.selected_entry() == selected  # the nurse's patient stays selected
    reset = fresh(case, after=True)
    assert shown(bench.window) == shown(reset)
    assert buttons(bench.window) == buttons(reset)
    assert bench.window.banner.lines() == reset.banner.lines()
    # against the case itself: the rows are the after state's queue, counted by hand
    assert set(bench.window.queue_model.refs()) == set(case.after.queue)
    dropped = sum(1 for e in case.after.queue.values() if e.fate is Fate.DROPPED)
    waiting = sum(1 for e in case.after.queue.values() if e.fate is Fate.PRESENT
                  and e.encounter.status.waiting_for_doctor and e.encounter.doctor is None)
    assert bench.window.proxy.counts() == {QueueFilter.ALL: 500, QueueFilter.DROPPED: dropped,
                                           QueueFilter.WAITING: waiting,
                                           QueueFilter.IN_TREATMENT: 500 - dropped - waiting,
                                           QueueFilter.MINE: 0}

    bench.window_step()  # and back
    assert not resets
    start = fresh(case, after=False)
    assert shown(bench.window) == shown(start)
    assert buttons(bench.window) == buttons(start)
    for window in (bench.window, reset, start):
        window.close()
