"""One sync cycle: fetch a snapshot, reconcile, persist; the checkpoint advances only after it is stored.

The engine is plain Python (no Qt): the app runs it in its one sync worker thread, the headless commands
call it directly. ``persist`` hands each result to the single database writer and waits for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from legevakt.problems import Problem
from legevakt.sync.deadline import Deadline
from legevakt.sync.errors import PlatformError
from legevakt.sync.journal_follow import JournalFollower, JournalStep
from legevakt.sync.outbox_replay import OutboxReplayer, ReplayReport
from legevakt.worklist.commands import Command
from legevakt.worklist.reconcile import (
    ReconcileConfig,
    Reconciled,
    acknowledge,
    reconcile,
    resolve,
    tick,
)
from legevakt.worklist.snapshot import Snapshot, WorklistState
from legevakt.worklist.write_outcomes import apply_command, merge

log = logging.getLogger("legevakt.sync")

Persist = Callable[[Reconciled, str], None]  # (result, actor) -> stored, or raises


def utcnow() -> datetime:
    return datetime.now(UTC)


class SnapshotSource(Protocol):
    """Where cycles get snapshots: ``SnapshotAssembler`` (full each time) or ``IncrementalSync``."""

    def fetch(self, *, tracked: Iterable[str], now: datetime) -> Snapshot: ...

    def stored(self, snapshot: Snapshot) -> None:
        """The cycle built on ``snapshot`` is stored (cursors may advance now, not before)."""


@dataclass(frozen=True, slots=True)
class CycleOutcome:
    at: datetime
    reconciled: Reconciled
    snapshot: Snapshot | None  # None when the platform could not be reached
    error: PlatformError | None = None
    journal: JournalStep | None = None  # the deliveries followed in this cycle (None: no journal)

    @property
    def complete(self) -> bool:
        return self.snapshot is not None and self.snapshot.complete

    @property
    def problems(self) -> tuple[Problem, ...]:
        if self.error is not None:
            return (self.error.problem,)
        own = self.snapshot.problems if self.snapshot is not None else ()
        return own + (self.journal.problems if self.journal is not None else ())


class SyncEngine:
    def __init__(self, assembler: SnapshotSource, persist: Persist, state: WorklistState,
                 config: ReconcileConfig, clock: Callable[[], datetime] = utcnow, *,
                 replayer: OutboxReplayer | None = None, journal: JournalFollower | None = None,
                 deadline: Deadline | None = None) -> None:
        self.assembler = assembler
        self.persist = persist
        self.state = state
        self.config = config
        self.clock = clock
        self.last_attempt_at: datetime | None = None
        self.replayer = replayer  # writes through the outbox; None: read-only
        self.last_replay: ReplayReport | None = None
        self.journal = journal  # follows the journal's deliveries each cycle; None: no journal
        #: The overall deadline of a cycle (shared with the FHIR client, which keeps to it); None: unbounded.
        self.deadline = deadline
        #: Local work (acknowledgements) to do while the snapshot is being fetched: it changes only the
        #: state that reconcile reads after the fetch, so nothing it does is lost or waits on the network.
        self.on_idle: Callable[[], None] | None = None

    @contextmanager
    def _bounded(self) -> Iterator[None]:
        with self.deadline.running() if self.deadline is not None else nullcontext():
            yield

    def cycle(self) -> CycleOutcome:
        """One cycle within the deadline: past it, the cycle is abandoned as incomplete (``CycleDeadline``,
        nothing inferred; ``tick`` still raises SYNC_STALE by its thresholds)."""
        with self._bounded():
            return self._cycle()

    def _cycle(self) -> CycleOutcome:
        now = self.clock()
        self.last_attempt_at = now
        replayed = self.replay(now)  # the outbox first, so the snapshot already shows our writes
        try:
            with self.deadline.idle_work(self.on_idle) if self.deadline is not None else nullcontext():
                snapshot = self.assembler.fetch(tracked=self.state.live, now=now)
        except PlatformError as exc:
            log.warning("sync failed: %s", type(exc).__name__)
            # staleness as of now, when the cycle gave up (after a deadline, not as of its start)
            ticked = self._commit(tick(self.state, max(now, self.clock()), self.config))
            step = self.follow(now, replayed)
            return CycleOutcome(now, _after(replayed, _with(ticked, step)), None, exc, journal=step)
        result = self._commit(reconcile(self.state, snapshot, now, self.config))
        self.assembler.stored(snapshot)  # only now, after the result is stored, may its cursor advance
        step = self.follow(now, replayed)
        return CycleOutcome(now, _after(replayed, _with(result, step)), snapshot, journal=step)

    def follow(self, now: datetime | None = None, replayed: ReplayReport | None = None) -> JournalStep | None:
        """Follow the journal's open deliveries once (its changes are stored by the follower)."""
        if self.journal is None or (self.deadline is not None and self.deadline.expired):
            return None
        with self._bounded():
            return self._follow(now, replayed)

    def _follow(self, now: datetime | None, replayed: ReplayReport | None) -> JournalStep | None:
        assert self.journal is not None
        hints = {i.command.command_id: i.created for i in (replayed.items if replayed else ()) if i.created}
        step = self.journal.follow(self.state, now if now is not None else self.clock(), hints)
        if step.result is not None:
            self.state = step.result.state
        if step.commands and self.replayer is not None and (replayed is None or replayed.error is None):
            # receipts came in: record their outcomes on the platform now, not a cycle later
            try:
                self.replay(now)
            except PlatformError as exc:
                log.info("recording receipt outcomes deferred: %s", type(exc).__name__)
        return step

    def tick(self) -> Reconciled:
        return self._commit(tick(self.state, self.clock(), self.config))

    def acknowledge(self, alert_id: str, by: str, comment: str | None) -> Reconciled:
        return self._commit(acknowledge(self.state, alert_id, by, comment, self.clock()), actor=by)

    def resolve(self, alert_id: str, by: str, reason: str) -> Reconciled:
        return self._commit(resolve(self.state, alert_id, by, reason, self.clock(), self.config), actor=by)

    def _commit(self, result: Reconciled, actor: str = "system") -> Reconciled:
        if (result.changed or result.alerts or result.events or result.state.seen is not self.state.seen
                or result.state.last_complete_at != self.state.last_complete_at):
            self.persist(result, actor)
        self.state = result.state
        return result

    # -- writes through the outbox (legevakt.sync.outbox_replay) --------------------------------------------
    def submit(self, command: Command) -> Reconciled:
        """Check the command, apply it locally and store it in the outbox with that effect (one transaction).

        Raises ``CommandError`` (nothing stored) when it cannot apply. The platform gets it at the next replay.
        """
        if self.replayer is None:
            raise RuntimeError("this sync engine has no outbox to write through")
        result = apply_command(self.state, command, self.clock(), self.config)
        self.replayer.enqueue(command, result)
        self.state = result.state
        return result

    def replay(self, now: datetime | None = None) -> ReplayReport | None:
        """Send the outbox's pending commands (transport trouble leaves them pending); None without an outbox."""
        if self.replayer is None:
            return None
        try:
            with self._bounded():
                report = self.replayer.replay(now if now is not None else self.clock(), self.state)
        finally:  # a replay cut short (e.g. a full disk) still stored its steps up to there
            self.state = self.replayer.stored_state or self.state
        self.last_replay = report
        return report


def _with(result: Reconciled, step: JournalStep | None) -> Reconciled:
    if step is None or step.result is None:
        return result
    return merge(result, step.result)


def _after(replayed: ReplayReport | None, result: Reconciled) -> Reconciled:
    """The cycle's step with the replay's alert changes before it (so the UI sees both)."""
    if replayed is None or replayed.reconciled is None:
        return result
    return merge(replayed.reconciled, result)
