"""``python -m legevakt.bench load --quick --json``: the shape of its answer only (a benchmark is a script,
never a timed assertion)."""

from __future__ import annotations

import pytest

from legevakt.bench.load import run


@pytest.mark.slow
def test_bench_load_quick_prints_the_agreed_keys() -> None:
    result = run(quick=True, cycles=3)
    assert {"patients", "push", "poll", "refetch_20s", "refetch_60s", "bytes_ratio_poll_vs_20s",
            "latency"} <= result.keys()
    for key in ("push", "poll", "refetch_20s", "refetch_60s"):
        assert set(result[key]) == {"requests_per_h", "bytes_per_h"}
    assert [row["patients"] for row in result["latency"]] == [60, 500]
    assert all({"patients", "p50_ms", "p99_ms"} <= row.keys() for row in result["latency"])
