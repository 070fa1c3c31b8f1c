"""The one sync worker, without Qt: a command queue, wake-ups, and the loop over a ``Runtime``.

``SyncWorker`` owns the loop the desktop service, the headless commands, the tests and the benchmarks
all run: a cycle at start, then one after every batch of commands (a wake-up from push or "sync now" is
a command that does nothing) or after ``interval`` seconds of quiet. It reports by plain callbacks,
``on_changed(ChangeSummary)`` and ``on_failed(Problem)``, called in the worker's thread; ``AppService``
turns them into queued Qt signals.

Where the loop runs is up to the executor: ``ThreadExecutor`` (the default) gives it its own daemon
thread, ``InlineExecutor`` runs it in the caller's thread (Picard's ``FakeThreadPool`` idea), and
``step()`` / ``run_pending()`` / ``sync_once()`` drive it one turn at a time without any thread at all.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from legevakt import logs
from legevakt.app.journal import JournalPage, JournalService, LedgerPage, PractitionerLookup, RecipientMatches
from legevakt.app.summary import ChangeSummary, LinkMode, LinkStatus
from legevakt.journal.model import Delivery
from legevakt.problems import Problem, ProblemError, ProblemKind
from legevakt.store.errors import StoreError
from legevakt.sync import errors as perr
from legevakt.sync.engine import CycleOutcome, SyncEngine
from legevakt.worklist.census import Shift
from legevakt.worklist.commands import CommandKind, field_value, make_command
from legevakt.worklist.models import Alert
from legevakt.worklist.reconcile import Reconciled
from legevakt.worklist.write_outcomes import merge

if TYPE_CHECKING:
    from legevakt.app.report import ShiftReport

log = logging.getLogger("legevakt.app")


class WorkerRuntime(Protocol):
    """What the loop needs of a runtime (``legevakt.app.runtime.Runtime`` is the real one)."""

    @property
    def engine(self) -> SyncEngine: ...

    @property
    def journal(self) -> JournalService: ...

    def link(self, outcome: CycleOutcome | None, mode: LinkMode | None = None) -> LinkStatus: ...

    def summary(self, result: Reconciled | None, link: LinkStatus, *, complete: bool, initial: bool = False,
                problems: tuple[Problem, ...] = ()) -> ChangeSummary: ...

    def start_push(self, wake: Callable[[], None]) -> Any: ...

    def audit(self, by: str, action: str, target: str) -> None: ...

    def catch_up(self) -> bool: ...

    def cycled(self, outcome: CycleOutcome) -> None:
        """After every cycle (the link's up/down log for the shift report)."""

    def shift_report(self, shift: Shift) -> ShiftReport: ...

    def shift_alerts(self, since: datetime) -> tuple[Alert, ...]: ...

    def close(self) -> None: ...


class Executor(Protocol):
    def submit(self, fn: Callable[[], None]) -> Future[None]: ...


def _run_into(fn: Callable[[], None], future: Future[None]) -> None:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - handed on through the future
        future.set_exception(exc)
    else:
        future.set_result(None)


class ThreadExecutor:
    """Runs each submitted job on a daemon thread of its own, named ``name``."""

    def __init__(self, name: str = "legevakt-sync") -> None:
        self.name = name

    def submit(self, fn: Callable[[], None]) -> Future[None]:
        future: Future[None] = Future()
        threading.Thread(target=_run_into, args=(fn, future), name=self.name, daemon=True).start()
        return future


class InlineExecutor:
    """Runs a submitted job at once in the caller's thread (tests, one-shot commands)."""

    def submit(self, fn: Callable[[], None]) -> Future[None]:
        future: Future[None] = Future()
        _run_into(fn, future)
        return future


class CycleReason(StrEnum):
    START = "start"  # the first cycle after the worker started
    WAKE = "wake"  # after a batch of commands (push, "sync now", a person's command)
    POLL = "poll"  # ``interval`` seconds passed without a command
    ONCE = "once"  # ``sync_once``


@dataclass(frozen=True)
class _Command:
    name: str
    run: Callable[[WorkerRuntime], Reconciled | None]


_STOP = _Command("stop", lambda rt: None)
_WAKE = "sync"


def problem_of(exc: BaseException) -> Problem | None:
    """The problem an exception stands for, or None when it is a bug.

    Store, platform, command and alert-action errors all carry their ``Problem`` (``ProblemError`` or a
    ``problem`` property); an operating-system error on the data directory reads as the store unavailable.
    """
    carried = getattr(exc, "problem", None)
    if isinstance(carried, Problem):
        return carried
    if isinstance(exc, OSError):
        return Problem.of(ProblemKind.STORE_UNAVAILABLE)
    return None


JournalResult = JournalPage | LedgerPage | RecipientMatches | PractitionerLookup
Changed = Callable[[ChangeSummary], None]
Journaled = Callable[[JournalResult], None]
Failed = Callable[[Problem], None]
Cycled = Callable[[CycleOutcome, CycleReason], None]
Reported = Callable[["ShiftReport"], None]
AlertsRead = Callable[[tuple[Alert, ...]], None]


class SyncWorker:
    """The sync loop over one runtime. Thread-safe to give commands to; runs them in its own turn.

    Give ``runtime`` (the caller owns and closes it) or ``open_runtime`` (called in the worker's thread
    when it starts; the worker closes what it opened). ``interval``: seconds of quiet before the next
    poll (None: no polling, only wake-ups). ``push``: start the runtime's push channel, which wakes the
    worker. ``on_cycle`` sees every cycle's outcome and why it ran (tests, benchmarks).
    """

    def __init__(self, runtime: WorkerRuntime | None = None, *,
                 open_runtime: Callable[[], WorkerRuntime] | None = None, interval: float | None = None,
                 push: bool = False, on_changed: Changed | None = None, on_failed: Failed | None = None,
                 on_cycle: Cycled | None = None, executor: Executor | None = None,
                 on_journal: Journaled | None = None, on_report: Reported | None = None,
                 push_interval: float | None = None, on_alerts: AlertsRead | None = None) -> None:
        if (runtime is None) == (open_runtime is None):
            raise ValueError("give exactly one of runtime and open_runtime")
        self._runtime = runtime
        self._open_runtime = open_runtime
        self.interval = interval
        #: While push is up, poll only as a safety net every ``push_interval`` seconds (None: ``interval``);
        #: notifications wake the loop for every change.
        self.push_interval = push_interval
        self.push = push
        self.on_changed = on_changed
        self.on_failed = on_failed
        self.on_cycle = on_cycle
        self.on_journal = on_journal  # a journal page, the ledger or recipient matches, as asked for
        self.on_report = on_report  # a ShiftReport, as asked for by shift_report
        self.on_alerts = on_alerts  # the shift's alerts, as asked for by load_alerts
        self.executor: Executor = executor if executor is not None else ThreadExecutor()
        self._commands: queue.Queue[_Command] = queue.Queue()
        self._local: queue.Queue[_Command] = queue.Queue()  # local work also done while a cycle fetches
        self._future: Future[None] | None = None
        self._loop_thread: int | None = None
        self._stopped = False
        self._start_failed = False
        self._reason = CycleReason.START
        self.last: CycleOutcome | None = None
        self.cycles = 0

    @property
    def runtime(self) -> WorkerRuntime | None:
        return self._runtime

    @property
    def stopped(self) -> bool:
        return self._stopped

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Future[None]:
        """Run the loop on the executor until ``stop()``: open, the initial summary, push, cycles."""
        if self._future is None:
            self._future = self.executor.submit(self.run)
        return self._future

    def stop(self, timeout: float = 15.0) -> None:
        """End the loop after the commands queued before this; wait up to ``timeout`` for it."""
        self._commands.put(_STOP)
        if self._loop_thread == threading.get_ident():
            return  # called from the loop itself (a callback): it stops after this turn
        future = self._future
        if future is None:  # never started: driven by step()/sync_once() in this thread
            if self._runtime is not None and not self._stopped:
                self.run_pending()
            self._stopped = True
            self.close()
            return
        try:
            future.result(timeout)
        except FutureTimeout:
            log.error("sync worker did not stop within %.0f s", timeout)

    def close(self) -> None:
        """Close the runtime if the worker opened it. Idempotent."""
        runtime, owned = self._runtime, self._open_runtime is not None
        if owned and runtime is not None:
            self._runtime = None
            runtime.close()

    def run(self) -> None:
        """The whole loop, in the calling thread (what ``start`` hands the executor)."""
        self._loop_thread = threading.get_ident()
        try:
            runtime = self._ensure_open()
            if runtime is None:
                return
            self._report(runtime, None, runtime.link(None), complete=False, initial=True)
            if self.push:
                runtime.start_push(self.wake)  # notifications wake this loop through the command queue
            while self.step(block=True):
                pass
        finally:
            self._stopped = True
            self.close()
            self._loop_thread = None

    # -- commands (any thread) ---------------------------------------------------------------------
    def command(self, name: str, run: Callable[[WorkerRuntime], Reconciled | None]) -> None:
        """Queue ``run(runtime)`` for the worker's next turn; a result is reported as a summary."""
        self._commands.put(_Command(name, run))

    def wake(self) -> None:
        """Run a cycle soon (push noticed a change, or a person asked for it)."""
        self.command(_WAKE, lambda rt: None)

    def local_command(self, name: str, run: Callable[[WorkerRuntime], Reconciled | None]) -> None:
        """Queue local work (no network: an acknowledgement) that runs at the worker's next turn or, when a
        cycle is fetching, while it waits for the platform: it never waits on the network."""
        self._local.put(_Command(name, run))
        self._commands.put(_Command("local", self._run_local))  # wakes the loop; finds nothing if done

    def acknowledge(self, alert_id: str, by: str, comment: str) -> None:
        self.local_command("acknowledge", lambda rt: rt.engine.acknowledge(alert_id, by, comment))

    def resolve(self, alert_id: str, by: str, reason: str) -> None:
        self.local_command("resolve", lambda rt: rt.engine.resolve(alert_id, by, reason))

    def _run_local(self, runtime: WorkerRuntime) -> None:
        """Every local command queued so far, in order (in the worker's thread)."""
        while True:
            try:
                command = self._local.get_nowait()
            except queue.Empty:
                return
            self._command(runtime, command)

    def submit(self, encounter_ref: str, kind: CommandKind, target: str, *, by: str,
               disposition: str | None = None, display: str | None = None, expect: str | None = None) -> None:
        """Change one field of an encounter: validated, applied locally and stored in the outbox in one
        transaction, then sent at once (the platform out of reach: it stays pending and goes later).

        ``expect``: the field's value as the person saw it (an undo: the value their action set); when the
        field holds another by now (someone else changed it) the command is refused, not applied on top."""
        def run(rt: WorkerRuntime) -> Reconciled:
            engine = rt.engine
            entry = engine.state.entries.get(encounter_ref)
            if entry is None:
                raise ProblemError(Problem.of(ProblemKind.COMMAND_NOT_IN_QUEUE, encounter=encounter_ref))
            if expect is not None and field_value(entry.encounter, kind) != expect:
                raise ProblemError(Problem.of(ProblemKind.COMMAND_CHANGED_SINCE, field=kind.field,
                                              encounter=encounter_ref))
            command = make_command(entry, kind, target, by=by, now=engine.clock(), scale=engine.config.scale,
                                   disposition=disposition, display=display)
            queued = engine.submit(command)
            try:
                report = engine.replay()
            except perr.PlatformError as exc:
                log.info("write queued, platform not reached: %s", type(exc).__name__)
                return queued
            if report is not None and report.reconciled is not None:
                return merge(queued, report.reconciled)
            return queued
        self.command("submit", run)

    def open_journal(self, encounter_ref: str, by: str) -> None:
        """Audit that a person opened a patient's journal (platform id only)."""
        def run(rt: WorkerRuntime) -> None:
            rt.audit(by, "journal.opened", encounter_ref)
        self.command("audit", run)

    # -- the journal (results through on_journal; problems through on_failed) ----------------------
    def _journal(self, name: str, run: Callable[[JournalService], JournalResult | None]) -> None:
        def command(rt: WorkerRuntime) -> None:
            try:
                result = run(rt.journal)
            finally:
                touched, alerts = rt.journal.drain()
                if touched or alerts is not None:  # what it changed reaches the window like a sync step
                    complete = self.last is not None and self.last.complete
                    step = alerts or Reconciled(state=rt.engine.state, changed={}, events=(), alerts=())
                    self._report(rt, step, rt.link(self.last), complete=complete, deliveries=touched)
            if result is not None and self.on_journal is not None:
                self.on_journal(result)
        self.command(name, command)

    def load_journal(self, encounter_ref: str) -> None:
        """The patient's journal page (notes newest first, their deliveries)."""
        self._journal("journal", lambda j: j.page(encounter_ref))

    def load_ledger(self, since: datetime | None = None, *, everything: bool = False) -> None:
        self._journal("ledger", lambda j: j.ledger(since=since, everything=everything))

    def search_recipients(self, query: str) -> None:
        self._journal("recipients", lambda j: j.search_recipients(query))

    def find_practitioner(self, hpr: str) -> None:
        """``Practitioner?identifier=<HPR>``: the signed-in user's reference on the platform."""
        self._journal("practitioner", lambda j: j.find_practitioner(hpr))

    def save_note(self, encounter_ref: str, by: str, text: str, note: str | None = None) -> None:
        """A new note for the encounter, or new text for the saved note ``note`` (its identifier or
        reference); sent at once, then the page comes back."""
        def run(j: JournalService) -> JournalPage:
            if note is None:
                j.write_note(encounter_ref, by, text)
            else:
                j.edit_note(note, by, text)
            j.push()
            return j.page(encounter_ref)
        self._journal("save-note", run)

    def sign_note(self, encounter_ref: str, note: str, by: str) -> None:
        def run(j: JournalService) -> JournalPage:
            j.sign_note(note, by)
            j.push()
            return j.page(encounter_ref)
        self._journal("sign-note", run)

    def send_note(self, encounter_ref: str, note: str, by: str, to: str | None = None) -> None:
        """Send (or resend, after a rejection or an overdue) a signed note; default recipient: the GP."""
        def run(j: JournalService) -> JournalPage:
            j.send_note(note, by, to)
            j.push()
            return j.page(encounter_ref)
        self._journal("send-note", run)

    # -- the shift handover report (through on_report; problems through on_failed) ----------------
    def shift_report(self, shift: Shift) -> None:
        """Gather the handover report of ``shift`` from the store, in the worker's thread (reads only)."""
        def run(rt: WorkerRuntime) -> None:
            report = rt.shift_report(shift)
            if self.on_report is not None:
                self.on_report(report)
        self.command("report", run)

    def load_alerts(self, since: datetime) -> None:
        """Read the alerts of the shift that began at ``since`` from the store, in the worker's turn."""
        def run(rt: WorkerRuntime) -> None:
            alerts = rt.shift_alerts(since)
            if self.on_alerts is not None:
                self.on_alerts(alerts)
        self.command("alerts", run)

    # -- one turn at a time (the loop's thread, or a test's / the CLI's) --------------------------
    def step(self, *, block: bool = False) -> bool:
        """One turn: a cycle, then every queued command (waiting up to ``interval`` for the first one
        when ``block``). False once the worker stopped or could not start."""
        if self._stopped:
            return False
        runtime = self._ensure_open()
        if runtime is None:
            return False
        self._cycle(runtime, self._reason)
        return self._drain(runtime, block=block)

    def run_pending(self) -> int:
        """Run the commands queued so far, without a cycle; how many ran."""
        runtime = self._ensure_open()
        if runtime is None:
            return 0
        before = self._commands.qsize()
        self._drain(runtime, block=False)
        return before

    def sync_once(self) -> CycleOutcome | None:
        """Run the queued commands, then one cycle; its outcome (None: it failed, reported to on_failed)."""
        runtime = self._ensure_open()
        if runtime is None:
            return None
        self._drain(runtime, block=False)
        return self._cycle(runtime, CycleReason.ONCE)

    # -- inside ------------------------------------------------------------------------------------
    def _ensure_open(self) -> WorkerRuntime | None:
        if self._runtime is not None:
            return self._runtime
        if self._start_failed or self._open_runtime is None:
            return None
        try:
            self._runtime = self._open_runtime()
        except Exception as exc:  # noqa: BLE001 (a bug: logged by logs.bug, by type and frames)
            self._start_failed = self._stopped = True
            cause = problem_of(exc)
            if cause is None:
                logs.bug(log, "bug while starting the sync worker", exc)
                self._fail(Problem.of(ProblemKind.BUG, where="start"))
            else:
                log.error("cannot start: %s", type(exc).__name__)
                self._fail(Problem.of(ProblemKind.START_FAILED, cause=cause.kind.value, **{
                    k: v for k, v in cause.params.items() if k == "message"}))
            return None
        return self._runtime

    def _drain(self, runtime: WorkerRuntime, *, block: bool) -> bool:
        try:
            command = self._commands.get(timeout=self._quiet(runtime)) if block else self._commands.get_nowait()
        except queue.Empty:
            self._reason = CycleReason.POLL
            return True
        while True:
            if command is _STOP:
                self._stopped = True
                return False
            self._command(runtime, command)
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                break
        self._reason = CycleReason.WAKE
        return True

    def _quiet(self, runtime: WorkerRuntime) -> float | None:
        """How long to wait for a command before polling: the safety-net interval while push is up."""
        last = self.last
        if self.push_interval is not None and last is not None and last.error is None:
            if last.journal is not None and (last.journal.checked or last.journal.unknown):
                return self.interval  # notes wait for receipts, which no notification announces: keep polling
            try:
                if runtime.link(last).mode is LinkMode.PUSH:
                    return self.push_interval
            except Exception as exc:  # noqa: BLE001 (a bug: logged by logs.bug, by type and frames)
                logs.bug(log, "bug reading the link mode", exc)
        return self.interval

    def _cycle(self, runtime: WorkerRuntime, reason: CycleReason) -> CycleOutcome | None:
        engine = runtime.engine
        try:
            runtime.catch_up()
            engine.on_idle = lambda: self._run_local(runtime)
            try:
                outcome = engine.cycle()
            finally:
                engine.on_idle = None
        except Exception as exc:  # noqa: BLE001 (a bug: logged by logs.bug, by type and frames)
            problem = problem_of(exc) if isinstance(exc, StoreError | ProblemError) else None
            if problem is None:
                logs.bug(log, "bug in the sync cycle", exc)
                problem = Problem.of(ProblemKind.BUG, where="sync")
            else:
                log.error("store failed during sync: %s", type(exc).__name__)
            self._fail(problem)
            return None
        self.last = outcome
        self.cycles += 1
        try:
            runtime.cycled(outcome)
        except StoreError as exc:
            log.error("could not note the link state: %s", type(exc).__name__)
        if self.on_cycle is not None:
            self.on_cycle(outcome, reason)
        self._report(runtime, outcome.reconciled, runtime.link(outcome), complete=outcome.complete,
                     problems=outcome.problems,
                     deliveries=outcome.journal.changed if outcome.journal is not None else ())
        return outcome

    def _command(self, runtime: WorkerRuntime, command: _Command) -> None:
        try:
            runtime.catch_up()
            result = command.run(runtime)
        except Exception as exc:  # noqa: BLE001 (a bug: logged by logs.bug, by type and frames)
            problem = problem_of(exc) if not isinstance(exc, perr.PlatformError) else None
            if problem is None:
                logs.bug(log, f"bug in command {command.name}", exc)
                problem = Problem.of(ProblemKind.BUG, where="command")
            self._fail(problem)
            return
        if result is not None:
            complete = self.last is not None and self.last.complete
            self._report(runtime, result, runtime.link(self.last), complete=complete)

    def _report(self, runtime: WorkerRuntime, result: Reconciled | None, link: LinkStatus, *, complete: bool,
                initial: bool = False, problems: tuple[Problem, ...] = (),
                deliveries: tuple[Delivery, ...] = ()) -> None:
        if self.on_changed is not None:
            summary = runtime.summary(result, link, complete=complete, initial=initial, problems=problems)
            if deliveries:
                summary = replace(summary, deliveries=deliveries)
            self.on_changed(summary)

    def _fail(self, problem: Problem) -> None:
        if self.on_failed is not None:
            self.on_failed(problem)


__all__ = ["CycleReason", "Executor", "InlineExecutor", "SyncWorker", "ThreadExecutor", "WorkerRuntime",
           "problem_of"]
