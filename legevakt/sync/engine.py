"""One sync cycle: fetch a snapshot, reconcile, persist; the checkpoint advances only after it is stored.

The engine is plain Python (no Qt): the app runs it in its one sync worker thread, the headless commands
call it directly. ``persist`` hands each result to the single database writer and waits for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

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
from legevakt.worklist.shared_alerts import apply_shared, import_shared
from legevakt.worklist.snapshot import Snapshot, WorklistState
from legevakt.worklist.write_outcomes import apply_command, as_of, merge

if TYPE_CHECKING:
    from legevakt.sync.alert_tasks import AlertTasks

log = logging.getLogger("legevakt.sync")

Persist = Callable[[Reconciled, str], None]  # (result, actor) -> stored, or raises
#: (result, outbox commands, actor) -> stored in one transaction, or raises
PersistWith = Callable[[Reconciled, Sequence[Command], str], None]


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
                 deadline: Deadline | None = None, tasks: AlertTasks | None = None,
                 persist_with: PersistWith | None = None) -> None:
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
        #: Shared alerts (FHIR Task): each alert change is stored with its Task command (``persist_with``)
        #: and the clinic's Tasks are followed each cycle. None (or no ``persist_with``): alerts stay local.
        self.tasks = tasks
        if tasks is not None:
            tasks.clock = clock  # when Tasks were seen open, on the clock alerts are raised by
        self.persist_with = persist_with
        self._tasks_queued = False  # Task commands were queued since the last replay

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
            return CycleOutcome(now, as_of(_after(replayed, _with(ticked, step)), self.state), None, exc,
                                journal=step)
        result = self._commit(reconcile(self.state, snapshot, now, self.config))
        self.assembler.stored(snapshot)  # only now, after the result is stored, may its cursor advance
        step = self.follow(now, replayed)
        shared = self.share(now, replayed)
        result = _with(result, step)
        if shared is not None:
            result = merge(result, shared)
        # as of the state now: an acknowledgement given while the cycle fetched is not undone on screen
        return CycleOutcome(now, as_of(_after(replayed, result), self.state), snapshot, journal=step)

    # -- shared alerts (legevakt.sync.alert_tasks) -----------------------------------------------------
    @property
    def alerts_shared(self) -> bool | None:
        """False where the platform refuses Task (alerts stay local); None without sharing."""
        if self.tasks is None or self.persist_with is None:
            return None
        return not self.tasks.refused

    def share(self, now: datetime | None = None, replayed: ReplayReport | None = None) -> Reconciled | None:
        """Send the Task commands queued since the replay, then follow the clinic's Tasks once and show
        other workstations' acknowledgements and resolutions here. None: nothing changed."""
        if self.tasks is None or self.persist_with is None or (self.deadline is not None and self.deadline.expired):
            return None
        if replayed is not None and replayed.error is not None:
            return None  # the platform is out of reach this cycle
        now = now if now is not None else self.clock()
        combined: Reconciled | None = None
        with self._bounded():
            if self._tasks_queued and self.replayer is not None:
                try:
                    report = self.replay(now)
                    if report is not None and report.reconciled is not None:
                        combined = report.reconciled
                except PlatformError as exc:
                    log.info("sharing alerts deferred: %s", type(exc).__name__)
            try:
                updates = self.tasks.follow(self.state, now)
            except PlatformError as exc:
                log.info("following shared alerts failed: %s", type(exc).__name__)
                return combined
            applied = apply_shared(self.state, updates, now, self.config) if updates else None
            if applied is not None:
                self._commit(applied, actor="platform", share=False)
                combined = applied if combined is None else merge(combined, applied)
            unheld = self.tasks.unheld(self.state)
            imported = import_shared(self.state, unheld, now, self.config) if unheld else None
            if imported is not None:  # note alerts another workstation raised: shown here too
                self._commit(imported, actor="platform", share=False)
                combined = imported if combined is None else merge(combined, imported)
        return combined

    def follow(self, now: datetime | None = None, replayed: ReplayReport | None = None) -> JournalStep | None:
        """Follow the journal's open deliveries once (its changes are stored by the follower)."""
        if self.journal is None or (self.deadline is not None and self.deadline.expired):
            return None
        with self._bounded():
            return self._follow(now, replayed)

    def _follow(self, now: datetime | None, replayed: ReplayReport | None) -> JournalStep | None:
        assert self.journal is not None
        hints = {i.command.command_id: i.created for i in (replayed.items if replayed else ()) if i.created}
        step = self.journal.follow(self.state, now if now is not None else self.clock(), hints,
                                   share=self._journal_tasks)
        if step.result is not None:
            self.state = step.result.state
        if step.tasks:
            self._tasks_queued = True
        if (step.commands or step.tasks) and self.replayer is not None and (replayed is None or replayed.error is None):
            # receipts came in, or note alerts changed: record them on the platform now, not a cycle later
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

    def _commit(self, result: Reconciled, actor: str = "system", *, share: bool = True) -> Reconciled:
        commands = self._task_commands(result, actor) if share else []
        if commands:
            assert self.persist_with is not None
            self.persist_with(result, commands, actor)  # the alert changes and their Tasks: one transaction
            self._tasks_queued = True
        elif (result.changed or result.alerts or result.events or result.state.seen is not self.state.seen
                or result.state.last_complete_at != self.state.last_complete_at):
            self.persist(result, actor)
        self.state = result.state
        return result

    def _journal_tasks(self, before: WorklistState, result: Reconciled,
                       patients: Mapping[str, str]) -> list[Command]:
        """The Task commands that share the journal follower's alert changes (stored with them by it)."""
        if self.tasks is None or self.persist_with is None or not result.alerts:
            return []
        return self.tasks.commands_for(before, result, self.clock(), "system", patients=patients)

    def _task_commands(self, result: Reconciled, actor: str) -> list[Command]:
        if self.tasks is None or self.persist_with is None or not result.alerts:
            return []
        return self.tasks.commands_for(self.state, result, self.clock(), actor)

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
                self._tasks_queued = False
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
