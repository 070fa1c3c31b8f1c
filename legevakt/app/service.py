"""The one object the UI talks to: commands in, immutable change summaries out by signal.

All platform I/O and every database write happen in one worker thread (database writes further go
through the single ``DbWriter``). Results cross to the GUI thread as ``ChangeSummary`` objects over
queued signal connections, so the UI thread never blocks on the network or the disk.
"""

from __future__ import annotations

import getpass
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.app.summary import ChangeSummary, LinkMode
from legevakt.problems import Problem, ProblemError, ProblemKind
from legevakt.store.db import StoreError
from legevakt.sync.engine import CycleOutcome
from legevakt.sync.errors import PlatformError
from legevakt.sync.fhir import TokenSource
from legevakt.worklist.commands import CommandError, CommandKind, make_command
from legevakt.worklist.reconcile import AlertActionError, Reconciled
from legevakt.worklist.writes import merge

log = logging.getLogger("legevakt.app")


def _problem_of(exc: BaseException) -> Problem | str:
    """The typed problem an exception carries; an error not yet typed keeps its words (shown as they are)."""
    if isinstance(exc, ProblemError):
        return exc.problem
    problem = getattr(exc, "problem", None)
    if isinstance(problem, Problem):
        return problem
    if isinstance(exc, OSError):
        return Problem.of(ProblemKind.STORE_UNAVAILABLE)
    return str(exc)


@dataclass(frozen=True)
class _Command:
    name: str
    run: Callable[[Runtime], Reconciled | None]


_STOP = _Command("stop", lambda rt: None)


def _login_name() -> str:
    """The OS login name: who acknowledges, when no user name is configured."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "ukjent bruker"


class AppService(QObject):
    changed = Signal(object)  # ChangeSummary
    failed = Signal(object)  # a Problem (translated by the UI)

    def __init__(self, settings: Settings, *, demo: bool = False, tokens: TokenSource | None = None,
                 on_stop: Callable[[], None] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.demo = demo
        self.user = settings.user or _login_name()
        self.language = settings.language
        self.triage_scale = settings.scale
        self._tokens = tokens
        self._on_stop = on_stop
        self._commands: queue.Queue[_Command] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._last: CycleOutcome | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="legevakt-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._commands.put(_STOP)
            thread.join(timeout)
            if thread.is_alive():
                log.error("sync worker did not stop within %.0f s", timeout)
        if self._on_stop is not None:
            self._on_stop()
            self._on_stop = None

    # -- commands (GUI thread) ----------------------------------------------------------------------
    def acknowledge(self, alert_id: str, by: str, comment: str) -> None:
        self._commands.put(_Command("acknowledge", lambda rt: rt.engine.acknowledge(alert_id, by, comment)))

    def resolve(self, alert_id: str, by: str, reason: str) -> None:
        self._commands.put(_Command("resolve", lambda rt: rt.engine.resolve(alert_id, by, reason)))

    def submit(self, encounter_ref: str, kind: CommandKind, target: str, *,
               disposition: str | None = None, display: str | None = None) -> None:
        """Change one field of an encounter: validated, applied locally and stored in the outbox in one
        transaction, then sent at once. The outcome arrives as a summary (pending marker, then the
        platform's version) or, when it cannot apply, on ``failed`` in plain words."""
        def run(rt: Runtime) -> Reconciled:
            entry = rt.engine.state.entries.get(encounter_ref)
            if entry is None:
                raise CommandError(ProblemKind.COMMAND_NOT_IN_QUEUE, encounter=encounter_ref)
            command = make_command(entry, kind, target, by=self.user, now=rt.engine.clock(),
                                   scale=self.triage_scale, disposition=disposition, display=display)
            queued = rt.engine.submit(command)
            try:
                report = rt.engine.replay()
            except PlatformError as exc:  # stored in the outbox: it stays pending and goes out later
                log.info("write queued, platform not reached: %s", type(exc).__name__)
                return queued
            if report is not None and report.reconciled is not None:
                return merge(queued, report.reconciled)
            return queued
        self._commands.put(_Command("submit", run))

    def open_journal(self, encounter_ref: str, by: str) -> None:
        """Audit that a person opened a patient's journal (platform id only)."""
        def run(rt: Runtime) -> None:
            rt.writer.submit(lambda s: s.append_audit(by, "journal.opened", encounter_ref)).result()
        self._commands.put(_Command("audit", run))

    def sync_now(self) -> None:
        self._commands.put(_Command("sync", lambda rt: None))

    # -- worker thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            runtime = Runtime.open(self.settings, tokens=self._tokens, demo=self.demo)
        except (StoreError, PlatformError, OSError) as exc:
            log.error("cannot start: %s", type(exc).__name__)
            cause = _problem_of(exc)
            self.failed.emit(Problem.of(ProblemKind.START_FAILED, cause=cause.kind.value)
                             if isinstance(cause, Problem) else cause)
            return
        except Exception:
            log.exception("bug while starting the sync worker")
            self.failed.emit(Problem.of(ProblemKind.BUG, where="start"))
            return
        try:
            self._emit(runtime, None, runtime.link(None), complete=False, initial=True)
            if self.settings.push:
                # Notifications (and push going up or down) wake this worker through the command queue.
                runtime.start_push(self.sync_now)
            self._loop(runtime)
        finally:
            runtime.close()

    def _loop(self, runtime: Runtime) -> None:
        interval = self.settings.poll_seconds
        while True:
            self._cycle(runtime)
            try:
                command = self._commands.get(timeout=interval)
            except queue.Empty:
                continue
            while True:
                if command is _STOP:
                    return
                self._command(runtime, command)
                try:
                    command = self._commands.get_nowait()
                except queue.Empty:
                    break

    def _cycle(self, runtime: Runtime) -> None:
        try:
            outcome = runtime.engine.cycle()
        except StoreError as exc:
            log.error("store failed during sync: %s", type(exc).__name__)
            self.failed.emit(_problem_of(exc))
            return
        except Exception:
            log.exception("bug in the sync cycle")
            self.failed.emit(Problem.of(ProblemKind.BUG, where="sync"))
            return
        self._last = outcome
        self._emit(runtime, outcome.reconciled, runtime.link(outcome), complete=outcome.complete,
                   problems=outcome.problems)

    def _command(self, runtime: Runtime, command: _Command) -> None:
        try:
            result = command.run(runtime)
        except (AlertActionError, CommandError, StoreError) as exc:
            self.failed.emit(_problem_of(exc))
            return
        except Exception:
            log.exception("bug in command %s", command.name)
            self.failed.emit(Problem.of(ProblemKind.BUG, where="command"))
            return
        if result is not None:
            complete = self._last is not None and self._last.complete
            self._emit(runtime, result, runtime.link(self._last), complete=complete)

    def _emit(self, runtime: Runtime, result: Reconciled | None, link: Any, *, complete: bool,
              initial: bool = False, problems: tuple[Problem, ...] = ()) -> None:
        summary: ChangeSummary = runtime.summary(result, link, complete=complete, initial=initial,
                                                 problems=problems)
        self.changed.emit(summary)


__all__ = ["AppService", "LinkMode"]
