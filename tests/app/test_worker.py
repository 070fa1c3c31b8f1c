"""The Qt-free sync worker: commands between cycles, problems as values, a loop that ends on stop().

A hand-made runtime records the order of everything the worker makes it do, so each test checks the
worker's order against a hand-written expectation (the oracle), not against the worker's own code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from legevakt.app.summary import ChangeSummary, LinkMode, LinkStatus
from legevakt.app.worker import CycleReason, InlineExecutor, SyncWorker
from legevakt.problems import Problem, ProblemKind
from legevakt.store.errors import StoreError, StoreErrorKind
from legevakt.sync.engine import CycleOutcome
from legevakt.worklist.census import Census
from legevakt.worklist.commands import CommandKind
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled, tick
from legevakt.worklist.snapshot import WorklistState

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


@dataclass
class FakeEngine:
    log: list[str]
    during_cycle: list[Callable[[int], None]] = field(default_factory=list)  # run inside cycle n
    fail_cycles: dict[int, BaseException] = field(default_factory=dict)
    cycles: int = 0
    state: WorklistState = field(default_factory=WorklistState)
    config: ReconcileConfig = field(default_factory=ReconcileConfig)

    def clock(self) -> datetime:
        return NOW

    def cycle(self) -> CycleOutcome:
        self.cycles += 1
        n = self.cycles
        self.log.append(f"cycle {n}")
        for hook in self.during_cycle:
            hook(n)
        if n in self.fail_cycles:
            raise self.fail_cycles[n]
        return CycleOutcome(NOW, tick(self.state, NOW, self.config), None)

    def acknowledge(self, alert_id: str, by: str, comment: str | None) -> Reconciled:
        self.log.append(f"ack {alert_id}")
        return tick(self.state, NOW, self.config)


@dataclass
class FakeRuntime:
    log: list[str] = field(default_factory=list)
    engine: Any = None
    closed: bool = False
    pushed: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = FakeEngine(self.log)

    def link(self, outcome: CycleOutcome | None, mode: LinkMode | None = None) -> LinkStatus:
        return LinkStatus(LinkMode.POLL if outcome else LinkMode.CONNECTING, None, None)

    def summary(self, result: Reconciled | None, link: LinkStatus, *, complete: bool, initial: bool = False,
                problems: tuple[str, ...] = ()) -> ChangeSummary:
        return ChangeSummary((), (), (), link, Census(None, 0, 0, 0, 0, {}), complete, initial, problems)

    def start_push(self, wake: Callable[[], None]) -> None:
        self.pushed.append(wake)

    def audit(self, by: str, action: str, target: str) -> None:
        self.log.append(f"audit {action} {target}")

    def cycled(self, outcome: CycleOutcome) -> None:
        pass  # no link log here

    def catch_up(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
        self.log.append("closed")


def test_a_command_given_while_a_cycle_runs_is_applied_before_the_next_cycle() -> None:
    rt = FakeRuntime()
    worker = SyncWorker(rt, executor=InlineExecutor())
    # The GUI thread acknowledges while cycle 1 is on the wire; cycle 3 ends the test by stopping.
    rt.engine.during_cycle.append(lambda n: worker.acknowledge("A1", "Kari", "ok") if n == 1 else None)
    rt.engine.during_cycle.append(lambda n: worker.stop() if n == 2 else None)
    reasons: list[CycleReason] = []
    worker.on_cycle = lambda outcome, reason: reasons.append(reason)
    worker.start().result(0)  # inline: the whole loop runs here, and ends on stop()
    assert rt.log == ["cycle 1", "ack A1", "cycle 2"]
    assert reasons == [CycleReason.START, CycleReason.WAKE]
    assert worker.stopped


def test_a_failing_cycle_reports_a_problem_and_the_loop_goes_on() -> None:
    rt = FakeRuntime()
    rt.engine.fail_cycles = {1: StoreError(StoreErrorKind.DISK_FULL), 2: KeyError("a bug")}
    problems: list[Problem] = []
    summaries: list[ChangeSummary] = []
    worker = SyncWorker(rt, executor=InlineExecutor(), on_failed=problems.append, on_changed=summaries.append)
    assert worker.step() and worker.step() and worker.step()
    assert rt.log == ["cycle 1", "cycle 2", "cycle 3"]
    assert [p.kind for p in problems] == [ProblemKind.STORE_DISK_FULL, ProblemKind.BUG]
    assert problems[1].params["where"] == "sync"
    assert len(summaries) == 1 and not summaries[0].initial  # only the cycle that worked reports a summary


def test_a_refused_command_is_a_problem_and_the_next_command_still_runs() -> None:
    rt = FakeRuntime()
    problems: list[Problem] = []
    worker = SyncWorker(rt, executor=InlineExecutor(), on_failed=problems.append)
    worker.submit("Encounter/nobody", CommandKind.SET_TRIAGE, "red", by="Kari")
    worker.open_journal("Encounter/e1", "Kari")
    assert worker.run_pending() == 2
    assert problems == [Problem.of(ProblemKind.COMMAND_NOT_IN_QUEUE, encounter="Encounter/nobody")]
    assert rt.log == ["audit journal.opened Encounter/e1"]  # no cycle: run_pending only runs commands


def test_stop_ends_the_threaded_loop_after_the_commands_given_before_it() -> None:
    rt = FakeRuntime()
    first = threading.Event()
    rt.engine.during_cycle.append(lambda n: first.set())
    worker = SyncWorker(open_runtime=lambda: rt, interval=None, push=True)  # no polling: it waits for us
    future = worker.start()
    assert first.wait(30)
    worker.open_journal("Encounter/e1", "Kari")
    worker.stop(timeout=30)
    assert future.done() and future.exception() is None
    assert rt.log[-2:] == ["audit journal.opened Encounter/e1", "closed"]  # the command ran, then it closed
    assert len(rt.pushed) == 1  # push was started with the worker's wake-up
    assert not [t for t in threading.enumerate() if t.name == "legevakt-sync"]


def test_a_runtime_that_cannot_open_is_a_start_problem_and_no_loop() -> None:
    problems: list[Problem] = []

    def cannot() -> FakeRuntime:
        raise StoreError(StoreErrorKind.READ_ONLY)

    worker = SyncWorker(open_runtime=cannot, executor=InlineExecutor(), on_failed=problems.append)
    worker.start().result(0)
    assert [(p.kind, p.params["cause"]) for p in problems] == [(ProblemKind.START_FAILED, "store-read-only")]
    assert not worker.step()


def test_sync_once_runs_the_queued_commands_then_one_cycle_and_returns_its_outcome() -> None:
    rt = FakeRuntime()
    worker = SyncWorker(rt, executor=InlineExecutor())
    worker.acknowledge("A1", "Kari", "ok")
    outcome = worker.sync_once()
    assert outcome is not None and outcome.at == NOW
    assert rt.log == ["ack A1", "cycle 1"]
    worker.stop()
    assert not rt.closed  # the caller gave the runtime: the caller closes it


def test_while_push_is_up_the_worker_polls_only_as_a_safety_net() -> None:
    runtime = FakeRuntime()
    mode = [LinkMode.POLL]
    runtime.link = lambda outcome, m=None: LinkStatus(mode[0], None, None)  # type: ignore[method-assign]
    worker = SyncWorker(runtime, interval=5.0, push_interval=60.0, executor=InlineExecutor())
    assert worker._quiet(runtime) == 5.0  # no cycle yet
    worker.sync_once()
    assert worker._quiet(runtime) == 5.0  # polling
    mode[0] = LinkMode.PUSH
    assert worker._quiet(runtime) == 60.0  # push up: notifications wake it, a poll now and then
    runtime.engine.fail_cycles[2] = OSError("disk")
    worker.sync_once()
    assert worker._quiet(runtime) == 60.0  # the failed cycle reported no new outcome: still the last one
    from dataclasses import replace as _replace

    from legevakt.sync.journal_follow import JournalStep
    assert worker.last is not None
    worker.last = _replace(worker.last, journal=JournalStep(None, checked=2))
    assert worker._quiet(runtime) == 5.0  # notes wait for receipts, which push does not announce
    worker.last = _replace(worker.last, journal=JournalStep(None))
    assert worker._quiet(runtime) == 60.0
    no_net = SyncWorker(FakeRuntime(), interval=5.0, executor=InlineExecutor())
    no_net.sync_once()
    assert no_net._quiet(no_net.runtime) == 5.0  # type: ignore[arg-type]


@dataclass
class RecordingEngine(FakeEngine):
    submitted: list[Any] = field(default_factory=list)

    def submit(self, command: Any) -> Reconciled:
        self.submitted.append(command)
        return tick(self.state, NOW, self.config)

    def replay(self) -> None:
        return None


def test_a_command_for_a_value_someone_else_changed_meanwhile_is_refused_not_applied_on_top() -> None:
    """``expect``: the value the person saw (an undo: the value it undoes). The row holds another by now."""
    from tests.ui.conftest import make_entry

    entry = make_entry(1, triage="yellow")  # someone re-triaged it to yellow; the person saw (and set) green
    rt = FakeRuntime()
    rt.engine = RecordingEngine(rt.log, state=WorklistState(entries={entry.ref: entry}))
    problems: list[Problem] = []
    worker = SyncWorker(rt, executor=InlineExecutor(), on_failed=problems.append)
    worker.submit(entry.ref, CommandKind.SET_TRIAGE, "red", by="Kari", expect="green")
    worker.submit(entry.ref, CommandKind.SET_TRIAGE, "red", by="Kari", expect="yellow")
    worker.submit(entry.ref, CommandKind.SET_TRIAGE, "orange", by="Kari")  # no expectation: not checked
    assert worker.run_pending() == 3
    assert problems == [Problem.of(ProblemKind.COMMAND_CHANGED_SINCE, field="triage", encounter=entry.ref)]
    assert [(c.target, c.base) for c in rt.engine.submitted] == [("red", "yellow"), ("orange", "yellow")]
