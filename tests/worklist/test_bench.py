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


def test_journal_bench_prints_one_json_object_and_both_paths_search_alike(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["journal", "--json", "--n", "20", "--repeats", "1"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert set(row) == {"n", "repeats", "median_ms", "raw_ms", "ratio", "target", "meets_target", "cpu_ms",
                        "raw_cpu_ms", "requests", "raw_requests", "follower_requests", "same_urls", "batch",
                        "receipts_waiting", "changed", "commands", "checked", "alerts", "setup_s"}
    assert row["n"] == 20 and row["target"] == 1.5 and row["median_ms"] > 0 and row["raw_ms"] > 0
    # Hand count: 20 deliveries are one batch of part-of references (BATCH 40), and their 10 receipts
    # fit the simulator's default page of 20: one receipt search each, counted under both clients.
    assert row["receipts_waiting"] == 10
    assert row["requests"]["receipt"] == row["raw_requests"]["receipt"] == 1
    assert row["requests"] == row["raw_requests"] and row["same_urls"]
    assert sum(row["requests"].values()) == row["follower_requests"]  # the follower's own count agrees
    # the step did real work: every receipt settled its delivery with an outcome command, every kind of alert
    assert row["checked"] == 20 and row["commands"] == 10
    assert set(row["alerts"]) == {"NOTE_UNDELIVERED", "NOTE_REJECTED", "NOTE_RECEIPT_ERRORS"}
