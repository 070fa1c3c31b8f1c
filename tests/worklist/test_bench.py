"""The reconcile benchmark runs and reports its shape (no timing assertions: timing belongs to the bench)."""

from __future__ import annotations

import json

import pytest

from legevakt.bench.__main__ import main
from legevakt.bench.reconcile import build_case
from legevakt.worklist.reconcile import reconcile


def test_reconcile_bench_prints_one_json_object_per_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reconcile", "--json", "--sizes", "200,400", "--repeats", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["n"] for row in rows] == [200, 400]
    for row in rows:
        assert set(row) == {"n", "median_ms", "bound_ms", "ratio", "snapshot_of_ms", "with_snapshot_ms",
                            "with_snapshot_ratio"}
        assert row["median_ms"] > 0 and row["bound_ms"] > 0 and row["snapshot_of_ms"] > 0
        assert row["with_snapshot_ms"] >= row["median_ms"]  # Snapshot.of is reported beside, and added in


def test_reconcile_bench_prints_a_table_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reconcile", "--sizes", "200", "--repeats", "1"]) == 0
    assert "median ms" in capsys.readouterr().out


def test_the_bench_case_is_a_realistic_step() -> None:
    case = build_case(400)
    result = reconcile(case.state, case.snapshot, case.now)
    kinds = {e.kind.value for e in result.events}
    assert {"arrived", "departed", "dropped"} <= kinds  # churn of every sort
    assert case.state.alerts and len(case.snapshot.list_items) > 390  # time alerts fire; 1 % churn


def test_unknown_and_missing_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nope"]) == 2
    assert main([]) == 2
    assert main(["--help"]) == 0
    assert "reconcile" in capsys.readouterr().out
