"""The one object the UI talks to: commands in, immutable change summaries out by signal.

A thin Qt adapter over the Qt-free ``SyncWorker`` (``legevakt.app.worker``): the worker runs all
platform I/O and every database write in its one thread (database writes further go through the single
``DbWriter``); its callbacks become signals here. The receivers live in the GUI thread, so the
connections are queued and the UI thread never blocks on the network or the disk.
"""

from __future__ import annotations

import dataclasses
import getpass
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from legevakt.app import clinic_time
from legevakt.app.journal import JournalPage, LedgerPage, PractitionerLookup, RecipientMatches
from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings, config_path
from legevakt.app.summary import ChangeSummary, LinkMode
from legevakt.app.worker import Executor, SyncWorker
from legevakt.problems import Problem, ProblemKind
from legevakt.sync.fhir import TokenSource
from legevakt.worklist.census import Shift
from legevakt.worklist.commands import CommandKind
from legevakt.worklist.roles import Permission, Role, RoleRefused, permission_for_command, permits

if TYPE_CHECKING:
    from legevakt.app.signin import Session

log = logging.getLogger("legevakt.app")


def _login_name() -> str:
    """The OS login name: who acknowledges, when no user name is configured."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "ukjent bruker"


class AppService(QObject):
    changed = Signal(object)  # ChangeSummary
    failed = Signal(object)  # a Problem: what went wrong, as a kind plus parameters (the UI translates it)
    journal_loaded = Signal(object)  # JournalPage: one patient's notes and their deliveries
    ledger_loaded = Signal(object)  # LedgerPage: the shift's deliveries
    recipients_found = Signal(object)  # RecipientMatches: Practitioners and Organizations matching a query
    report_ready = Signal(object)  # ShiftReport: a shift's handover report, as asked for by request_report
    alerts_loaded = Signal(object)  # tuple[Alert, ...]: the shift's alerts from the store, as asked for by load_alerts
    refused = Signal(object)  # RoleRefused: the signed-in role may not do what was asked (nothing was sent)
    signed_in = Signal(object)  # Session: who is signed in now (again once the platform names the Practitioner)
    practitioner_found = Signal(object)  # PractitionerLookup (the worker's answer, queued to the GUI thread)

    def __init__(self, settings: Settings, *, demo: bool = False, tokens: TokenSource | None = None,
                 on_stop: Callable[[], None] | None = None, parent: QObject | None = None,
                 executor: Executor | None = None, config: Path | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        clinic_time.set_zone(settings.time_zone)  # every clock time in the window: the clinic's zone
        #: The config.toml these settings were read from (the settings dialog writes it).
        self.config_path = config or config_path()
        self.demo = demo
        self.user = settings.user or _login_name()
        self.language = settings.language
        self.triage_scale = settings.scale
        self.practitioner = settings.practitioner  # "Practitioner/<id>": the author of this user's notes
        #: The signed-in clinician (None: nobody signed in, no role gate, e.g. a headless test service).
        self.session: Session | None = None
        self._on_stop = on_stop
        self.worker = SyncWorker(open_runtime=lambda: Runtime.open(settings, tokens=tokens, demo=demo),
                                 interval=settings.poll_seconds, push=settings.push,
                                 push_interval=settings.push_poll_seconds, on_changed=self._changed,
                                 on_failed=self._failed, executor=executor, on_journal=self._journal,
                                 on_report=self.report_ready.emit, on_alerts=self.alerts_loaded.emit)
        self._started = False
        self.practitioner_found.connect(self._practitioner_found)

    # -- the worker's callbacks (its thread) -> queued signals ----------------------------------------
    def _changed(self, summary: ChangeSummary) -> None:
        self.changed.emit(summary)

    def _failed(self, problem: Problem) -> None:
        self.failed.emit(problem)

    def _journal(self, result: object) -> None:
        if isinstance(result, JournalPage):
            self.journal_loaded.emit(result)
        elif isinstance(result, LedgerPage):
            self.ledger_loaded.emit(result)
        elif isinstance(result, RecipientMatches):
            self.recipients_found.emit(result)
        elif isinstance(result, PractitionerLookup):
            self.practitioner_found.emit(result)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        if not self._started:
            self._started = True
            self.worker.start()

    def stop(self, timeout: float = 15.0) -> None:
        if self._started:
            self._started = False
            self.worker.stop(timeout)
        if self._on_stop is not None:
            self._on_stop()
            self._on_stop = None

    # -- who is signed in (GUI thread) ----------------------------------------------------------------
    def sign_in(self, session: Session) -> None:
        """From now on ``session`` is the author of every write, acknowledgement, note and audit record."""
        self.session = session
        self.user = session.practitioner
        self.practitioner = session.practitioner
        self.signed_in.emit(session)
        if not session.on_platform:
            self.worker.find_practitioner(session.hpr)  # in the worker: the UI thread does no network I/O

    def _practitioner_found(self, lookup: PractitionerLookup) -> None:
        session = self.session
        if session is None or lookup.hpr != session.hpr or lookup.practitioner is None:
            return  # not found: the local identity stays (the status bar says so)
        self.sign_in(dataclasses.replace(session, practitioner=lookup.practitioner, on_platform=True))

    @property
    def role(self) -> Role | None:
        return self.session.role if self.session is not None else None

    def may(self, permission: Permission) -> bool:
        role = self.role
        return role is None or permits(role, permission)

    def _allowed(self, permission: Permission) -> bool:
        """Defence in depth: the window does not offer what the role may not do, and this refuses it anyway."""
        role = self.role
        if role is None or permits(role, permission):
            return True
        refusal = RoleRefused(role, permission)
        log.warning("refused: %s", refusal)
        self.refused.emit(refusal)
        return False

    def _by(self, by: str) -> str:
        return self.session.practitioner if self.session is not None else by

    # -- commands (GUI thread) ----------------------------------------------------------------------
    def acknowledge(self, alert_id: str, by: str, comment: str) -> None:
        if self._allowed(Permission.ACK_ALERT):
            self.worker.acknowledge(alert_id, self._by(by), comment)

    def resolve(self, alert_id: str, by: str, reason: str) -> None:
        if self._allowed(Permission.RESOLVE_ANY_ALERT):
            self.worker.resolve(alert_id, self._by(by), reason)

    def submit(self, encounter_ref: str, kind: CommandKind, target: str, *,
               disposition: str | None = None, display: str | None = None, expect: str | None = None) -> None:
        """Change one field of an encounter (``SyncWorker.submit``, by this service's user; ``expect``: the
        value the person saw). The outcome arrives as a summary (pending marker, then the platform's
        version) or on ``failed``."""
        if not self._allowed(permission_for_command(kind.value, target)):
            return
        self.worker.submit(encounter_ref, kind, target, by=self.user, disposition=disposition, display=display,
                           expect=expect)

    def open_journal(self, encounter_ref: str, by: str) -> None:
        self.worker.open_journal(encounter_ref, self._by(by))

    # -- the journal (results on journal_loaded / ledger_loaded / recipients_found, problems on failed) --
    def load_journal(self, encounter_ref: str) -> None:
        self.worker.load_journal(encounter_ref)

    def load_ledger(self, since: datetime | None = None, *, everything: bool = False) -> None:
        self.worker.load_ledger(since, everything=everything)

    def search_recipients(self, query: str) -> None:
        self.worker.search_recipients(query)

    def save_note(self, encounter_ref: str, text: str, note: str | None = None) -> None:
        """A new note (``note`` None) or new text for a saved one, by this service's user."""
        if self._allowed(Permission.NOTES) and self._author():
            self.worker.save_note(encounter_ref, self.practitioner, text, note)

    def sign_note(self, encounter_ref: str, note: str) -> None:
        if self._allowed(Permission.SIGN_NOTES) and self._author():
            self.worker.sign_note(encounter_ref, note, self.practitioner)

    def send_note(self, encounter_ref: str, note: str, to: str | None = None) -> None:
        """Send a signed note to ``to`` (Practitioner/Organization ref; None: the patient's GP); again after
        a rejection or an overdue is a resend."""
        if self._allowed(Permission.SIGN_NOTES) and self._author():
            self.worker.send_note(encounter_ref, note, self.practitioner, to)

    def _author(self) -> bool:
        if self.practitioner:
            return True
        self.failed.emit(Problem.of(ProblemKind.NOTE_NO_AUTHOR))
        return False

    def request_report(self, shift: Shift) -> None:
        """Gather the handover report of ``shift`` in the worker; it arrives on ``report_ready``."""
        self.worker.shift_report(shift)

    def load_alerts(self, since: datetime) -> None:
        """Read every alert of the shift that began at ``since`` (resolved ones too); on ``alerts_loaded``."""
        self.worker.load_alerts(since)

    def sync_now(self) -> None:
        self.worker.wake()


__all__ = ["AppService", "LinkMode"]
