"""The alerts panel's read of the shift: every alert raised in it or still open at its start, resolved ones too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from legevakt.app.report import parse_report_shift
from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.app.worker import SyncWorker
from legevakt.store.db import Store, open_store
from legevakt.worklist.models import Alert
from tests.app.test_report import fill


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path / "data"), location="Location/lv-test")


@pytest.fixture
def filled(settings: Settings) -> Iterator[Store]:
    store = open_store(settings.data_path())
    yield fill(store)
    store.close()


def test_the_shift_read_holds_what_was_raised_in_it_or_open_at_its_start(filled: Store, settings: Settings) -> None:
    start = parse_report_shift(settings, "2025-12-02:evening").start  # 15:00 Oslo
    got = Runtime.shift_alerts(SimpleNamespace(store=filled), start)  # type: ignore[arg-type]
    # By hand from fill(): 1, 2 and 6 raised from 15:00 on; 3 open since 14:30; 7 resolved at 15:20;
    # 4 resolved at 13:00 and 5 exactly at 15:00 were not open in the shift.
    assert sorted(a.id for a in got) == ["AL-000001", "AL-000002", "AL-000003", "AL-000006", "AL-000007"]
    resolved = {a.id: a for a in got}["AL-000001"]
    assert (resolved.acknowledged_by, resolved.resolved_by, resolved.resolution) == (
        "Hanne Lie", "Morten Aas", "Funnet på røntgen")


def test_the_worker_reads_in_its_turn_and_hands_the_alerts_out(filled: Store, settings: Settings) -> None:
    start = parse_report_shift(settings, "2025-12-02:evening").start
    got: list[tuple[Alert, ...]] = []

    class FakeRuntime:
        def shift_alerts(self, since: object) -> tuple[Alert, ...]:
            assert since == start
            return Runtime.shift_alerts(SimpleNamespace(store=filled), start)  # type: ignore[arg-type]

        def catch_up(self) -> bool:
            return False

    worker = SyncWorker(FakeRuntime(), on_alerts=got.append)  # type: ignore[arg-type]
    worker.load_alerts(start)
    assert got == []  # queued for the worker's turn
    assert worker.run_pending() == 1
    assert len(got) == 1 and len(got[0]) == 5
