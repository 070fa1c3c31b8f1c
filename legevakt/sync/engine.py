"""One sync cycle: fetch a snapshot, reconcile, persist; the checkpoint advances only after it is stored.

The engine is plain Python (no Qt): the app runs it in its one sync worker thread, the headless commands
call it directly. ``persist`` hands each result to the single database writer and waits for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from legevakt.sync.assemble import SnapshotAssembler
from legevakt.sync.errors import PlatformError
from legevakt.worklist.reconcile import (
    ReconcileConfig,
    Reconciled,
    acknowledge,
    reconcile,
    resolve,
    tick,
)
from legevakt.worklist.snapshot import Snapshot, WorklistState

log = logging.getLogger("legevakt.sync")

Persist = Callable[[Reconciled, str], None]  # (result, actor) -> stored, or raises


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CycleOutcome:
    at: datetime
    reconciled: Reconciled
    snapshot: Snapshot | None  # None when the platform could not be reached
    error: PlatformError | None = None

    @property
    def complete(self) -> bool:
        return self.snapshot is not None and self.snapshot.complete

    @property
    def problems(self) -> tuple[str, ...]:
        if self.error is not None:
            return (str(self.error),)
        return self.snapshot.problems if self.snapshot is not None else ()


class SyncEngine:
    def __init__(self, assembler: SnapshotAssembler, persist: Persist, state: WorklistState,
                 config: ReconcileConfig, clock: Callable[[], datetime] = utcnow) -> None:
        self.assembler = assembler
        self.persist = persist
        self.state = state
        self.config = config
        self.clock = clock
        self.last_attempt_at: datetime | None = None

    def cycle(self) -> CycleOutcome:
        now = self.clock()
        self.last_attempt_at = now
        try:
            snapshot = self.assembler.fetch(tracked=self.state.live, now=now)
        except PlatformError as exc:
            log.warning("sync failed: %s", type(exc).__name__)
            return CycleOutcome(now, self._commit(tick(self.state, now, self.config)), None, exc)
        result = reconcile(self.state, snapshot, now, self.config)
        return CycleOutcome(now, self._commit(result), snapshot)

    def tick(self) -> Reconciled:
        return self._commit(tick(self.state, self.clock(), self.config))

    def acknowledge(self, alert_id: str, by: str, comment: str | None) -> Reconciled:
        return self._commit(acknowledge(self.state, alert_id, by, comment, self.clock()), actor=by)

    def resolve(self, alert_id: str, by: str, reason: str) -> Reconciled:
        return self._commit(resolve(self.state, alert_id, by, reason, self.clock(), self.config), actor=by)

    def _commit(self, result: Reconciled, actor: str = "system") -> Reconciled:
        if result.changed or result.alerts or result.events or result.state.seen is not self.state.seen:
            self.persist(result, actor)
        self.state = result.state
        return result
