"""The one back-off formula: capped exponential, full jitter. Bounds are hand-computed, not from the code."""

from __future__ import annotations

import random

import pytest

from legevakt.sync.backoff import full_jitter


def test_upper_bound_doubles_from_base_and_stops_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "uniform", lambda lo, hi: hi)  # the top of each jitter window
    assert [full_jitter(n, base=0.2, cap=1.0) for n in range(1, 6)] == pytest.approx([0.2, 0.4, 0.8, 1.0, 1.0])


def test_lower_bound_is_zero_full_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "uniform", lambda lo, hi: lo)
    assert full_jitter(3, base=0.5, cap=30.0) == 0.0


def test_random_delays_stay_inside_the_window() -> None:
    for n in range(1, 12):
        assert 0.0 <= full_jitter(n, base=0.5, cap=30.0) <= min(30.0, 0.5 * 2 ** (n - 1))
