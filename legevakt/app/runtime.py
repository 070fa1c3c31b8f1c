"""Composition root: wires settings, store, FHIR client, assembler and engine for one clinic.

Used by the desktop service (in its worker thread) and by the headless commands alike, so both run the
same code path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx

from legevakt.app import clinic_time
from legevakt.app.journal import JournalService
from legevakt.app.problem_words import words
from legevakt.app.settings import Settings, tls_unverified
from legevakt.app.summary import ChangeSummary, LinkMode, LinkStatus
from legevakt.problems import Problem, ProblemKind
from legevakt.store.db import Store, open_store
from legevakt.store.writer import DbWriter
from legevakt.sync.alert_tasks import AlertTasks
from legevakt.sync.assemble import SnapshotAssembler
from legevakt.sync.auth import NoCredentials, PlatformTokens, stored_tokens
from legevakt.sync.deadline import Deadline
from legevakt.sync.engine import CycleOutcome, SyncEngine, utcnow
from legevakt.sync.fhir import FhirClient, RetryPolicy, TokenSource
from legevakt.sync.incremental import IncrementalSync
from legevakt.sync.journal_follow import JournalFollower
from legevakt.sync.outbox_replay import OutboxReplayer, ReplayConfig
from legevakt.sync.push import PushChannel
from legevakt.worklist.census import Shift, census, previous_shift, shift_at
from legevakt.worklist.commands import Command
from legevakt.worklist.identifiers import identifier_issue
from legevakt.worklist.models import Alert, Entry, Fate
from legevakt.worklist.reconcile import Reconciled
from legevakt.worklist.snapshot import WorklistState

if TYPE_CHECKING:
    from legevakt.app.report import ShiftReport

log = logging.getLogger("legevakt.app")

CLINIC_TZ = ZoneInfo(clinic_time.DEFAULT_ZONE)  # the default; clinic_time.zone() is the setting in use


@dataclass
class Runtime:
    settings: Settings
    store: Store
    writer: DbWriter
    client: FhirClient
    engine: SyncEngine
    demo: bool = False
    sync: IncrementalSync | None = None  # the engine's snapshot source (full + incremental)
    tokens: TokenSource | None = None
    push: PushChannel | None = None  # started by ``start_push``; None: polling only
    _own_tokens: PlatformTokens | NoCredentials | None = None
    _journal: JournalService | None = None
    _link_up: bool | None = None  # the link state last logged by this runtime

    @classmethod
    def open(cls, settings: Settings, *, tokens: TokenSource | None = None, demo: bool = False,
             transport: httpx.BaseTransport | None = None, retry: RetryPolicy | None = None) -> Runtime:
        """``tokens``: how to authenticate; by default the credentials ``legevakt login`` stored in the OS
        keyring for this platform (none stored: requests go without, and a 401 says to log in).
        ``transport`` / ``retry``: for the FHIR client (tests and benchmarks; default: httpx's, the standard)."""
        own: PlatformTokens | NoCredentials | None = None
        deadline = Deadline(settings.cycle_deadline_seconds)  # the FHIR client's, and the token requests'
        if tokens is None:  # the demo's simulator needs no credentials: never ask the keyring for them
            own = NoCredentials() if demo else stored_tokens(settings.platform, verify=settings.verify_tls,
                                                             timeout=settings.timeout_seconds,
                                                             token_url=settings.oauth_endpoint, deadline=deadline)
        tokens = tokens if tokens is not None else own
        clinic_time.set_zone(settings.time_zone)
        store = open_store(settings.data_path())
        config = settings.reconcile_config()
        try:
            state = store.load_state(utcnow(), config)
        except BaseException:  # e.g. a damaged row (StoreError): release the file before saying so
            store.close()
            raise
        writer = DbWriter(store)
        client = FhirClient(settings.platform, timeout=settings.timeout_seconds, verify=settings.verify_tls,
                            tokens=tokens, retry=retry, transport=transport, deadline=deadline)
        assembler = SnapshotAssembler(client, settings.location, config.scale, zone=clinic_time.zone())
        sync = IncrementalSync(assembler, full_every=settings.full_snapshot_every, interval=settings.poll_seconds,
                               full_after=timedelta(minutes=settings.full_snapshot_minutes),
                               history_is_clinic_own=settings.history_is_clinic_own)

        def persist(result: Reconciled, actor: str) -> None:
            writer.submit(lambda s: s.save(result, actor=actor)).result()

        def persist_with(result: Reconciled, commands: Sequence[Command], actor: str) -> None:
            writer.submit(lambda s: s.save(result, actor=actor, commands=commands)).result()

        replayer = OutboxReplayer(client, store, ReplayConfig(
            clinic_ref=settings.location, reconcile=config,
            pending_after=timedelta(minutes=settings.write_pending_minutes)), writer=writer)
        journal = JournalFollower(client, store, deadline_setting=settings.note_receipt_deadline_minutes,
                                  config=config, write=lambda fn: writer.submit(fn).result())
        tasks = AlertTasks(client, settings.location)  # alerts shared through FHIR Task (issue 10)
        replayer.tasks = tasks
        engine = SyncEngine(sync, persist, state, config, replayer=replayer, journal=journal, deadline=deadline,
                            tasks=tasks, persist_with=persist_with)
        return cls(settings, store, writer, client, engine, demo, sync=sync, tokens=tokens, _own_tokens=own)

    @property
    def journal(self) -> JournalService:
        """The journal's operations on this runtime (notes, sending, the ledger)."""
        if self._journal is None:
            self._journal = JournalService(self)
        return self._journal

    def start_push(self, wake: Callable[[], None]) -> PushChannel:
        """Start websocket notifications (where the platform offers them) in their own thread.

        ``wake`` is called (from that thread) when something changed, when push comes up and when it is
        lost: it must make the sync worker run a cycle soon (``AppService.sync_now``). After a reconnect
        the next cycle is a full snapshot. ``link()`` reports push while the channel is up.
        """
        if self.push is None:
            sync = self.sync
            self.push = PushChannel(
                self.settings.platform, self.settings.location, wake=wake, tokens=self.tokens,
                verify=self.settings.verify_tls, timeout=self.settings.timeout_seconds,
                on_reconnect=(lambda: sync.request_full("push reconnected")) if sync is not None else lambda: None)
            self.push.start()
        return self.push

    def catch_up(self) -> bool:
        """Take what another process wrote to the data directory (a terminal's ``alerts ack``) as this
        runtime's state before the next cycle or command, so nothing it did is overwritten or shown stale."""
        if not self.store.written_elsewhere():
            return False
        self.engine.state = self.store.load_state(self.engine.clock(), self.engine.config)
        log.info("another process wrote to the data directory: state re-read")
        return True

    @property
    def link_up(self) -> bool:
        """The last cycle reached the platform."""
        return self._link_up is True

    def cycled(self, outcome: CycleOutcome) -> None:
        """Log the link going up or down (one row per change) for the shift report's uptime."""
        up = outcome.error is None
        if up is self._link_up:
            return  # unchanged: no transaction (and no lock) for it
        self.writer.submit(lambda s: s.record_link(outcome.at, up)).result()
        self._link_up = up

    def shift_report(self, shift: Shift) -> ShiftReport:
        """The handover report of ``shift`` from this runtime's store (reads only)."""
        from legevakt.app.report import build_report  # report.py imports this module

        # The recipients by name and the clinic by its name where the platform says (read once each per
        # runtime, only while the link is up: a report is never held up by an unreachable platform).
        names = {ref: name for ref in {d.recipient for d in self.store.deliveries()}
                 if (name := self.journal.recipient_name(ref))}
        return build_report(self.store, self.settings, shift, names=names,
                            location_name=self.journal.recipient_name(self.settings.location)
                            if self.settings.location else None)

    def shift_alerts(self, since: datetime) -> tuple[Alert, ...]:
        """Every alert raised since ``since`` (a shift's start) or still open then, from the store (reads
        only): what the alerts panel shows, resolved ones included, after a restart too."""
        return tuple(a for a in self.store.alerts()
                     if a.raised_at >= since or a.resolved_at is None or a.resolved_at > since)

    def audit(self, by: str, action: str, target: str) -> None:
        """Append one audit row through the writer and wait for it (platform ids only)."""
        self.writer.submit(lambda s: s.append_audit(by, action, target)).result()

    def close(self) -> None:
        if self.push is not None:
            self.push.stop()  # deletes our Subscriptions on the platform
            self.push = None
        if self._own_tokens is not None:
            self._own_tokens.close()
        self.client.close()
        self.writer.close()
        self.store.close()

    # -- summaries for the UI and the headless JSON ------------------------------------------------
    def pending_by_encounter(self) -> dict[str, int]:
        """Commands waiting in the outbox, per encounter (the per-row marker)."""
        return self.store.pending_by_encounter()

    def pending_writes(self) -> int:
        return self.store.pending_count()

    def link(self, outcome: CycleOutcome | None, mode: LinkMode | None = None) -> LinkStatus:
        """The link as the status bar shows it: push while the websocket is up, poll otherwise, offline
        when the last cycle could not reach the platform."""
        if mode is None:
            mode = LinkMode.PUSH if self.push is not None and self.push.up else LinkMode.POLL
        state = self.engine.state
        pending = self.pending_writes()
        if outcome is None:
            return LinkStatus(LinkMode.CONNECTING, state.last_complete_at, None, None, pending, self.demo,
                              self.settings.platform, tls_unverified(self.settings),
                              alerts_shared=self.engine.alerts_shared)
        problem = None
        if outcome.error is not None:
            mode, problem = LinkMode.OFFLINE, outcome.error.problem
        elif not outcome.complete:
            problem = outcome.problems[0] if outcome.problems else Problem.of(ProblemKind.SNAPSHOT_INCOMPLETE)
        return LinkStatus(mode, state.last_complete_at, outcome.at, problem, pending, self.demo,
                          self.settings.platform, tls_unverified(self.settings),
                          push_poll_seconds=self.settings.push_poll_seconds if mode is LinkMode.PUSH else None,
                          alerts_shared=self.engine.alerts_shared)

    def summary(self, result: Reconciled | None, link: LinkStatus, *, complete: bool, initial: bool = False,
                problems: tuple[Problem, ...] = ()) -> ChangeSummary:
        state = self.engine.state
        now = utcnow()
        shift = shift_at(now, clinic_time.zone(), self.settings.shifts)
        if initial or result is None:
            upserted = tuple(state.queue)
            removed: tuple[str, ...] = ()
            alerts = tuple(state.alerts.values())
            since = min(previous_shift(shift, clinic_time.zone(), self.settings.shifts).start,
                        now - timedelta(hours=24))
            departed = tuple(e for e in state.entries.values() if e.fate is Fate.DEPARTED
                             and (e.left_at or e.arrived_at) >= since)
        else:
            upserted = tuple(e for e in result.changed.values() if e.fate is not Fate.DEPARTED)
            departed = tuple(e for e in result.changed.values() if e.fate is Fate.DEPARTED)
            removed = tuple(e.ref for e in departed)
            alerts = result.alerts
        return ChangeSummary(upserted=upserted, removed=removed, alerts=alerts, link=link,
                             census=census(state.entries.values(), shift), complete=complete, initial=initial,
                             problems=problems, pending=self.pending_by_encounter(), departed=departed)


def identifier_issue_of(entry: Entry) -> str | None:
    """Why the patient's national identifier is not to be trusted ("bad-checksum", ...), or None (issue 11:
    a fødselsnummer with a bad checksum is flagged, never silently accepted)."""
    pat = entry.patient
    issue = identifier_issue(pat.identifier_system, pat.identifier) if pat is not None else None
    return issue.value if issue is not None else None


def state_json(state: WorklistState, settings: Settings, *, complete: bool, synced_at: datetime,
               link: LinkStatus, problems: tuple[Problem, ...] = (),
               pending: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The headless ``sync --json`` document (platform ids only besides the queue's own fields).

    ``pending``: commands waiting in the outbox per encounter (``Runtime.pending_by_encounter``).
    """
    pending = pending or {}
    shift = shift_at(synced_at, clinic_time.zone(), settings.shifts)
    queue = []
    for entry in sorted(state.queue, key=lambda e: (e.fate is not Fate.DROPPED, e.arrived_at, e.ref)):
        enc = entry.encounter
        queue.append({
            "encounter": enc.ref,
            "patient": enc.patient_ref,
            "state": enc.status.value,
            "fate": entry.fate.value,
            "triage": enc.triage,
            "arrived": entry.arrived_at.isoformat(),
            "room": enc.room,
            "nurse": enc.nurse,
            "doctor": enc.doctor,
            "in_list": entry.in_list,
            "pending": pending.get(enc.ref, 0),
            "identifier_issue": identifier_issue_of(entry),
        })
    alerts = [alert_json(a) for a in sorted(state.alerts.values(), key=lambda a: a.id)]
    c = census(state.entries.values(), None)
    cs = census(state.entries.values(), shift)
    return {
        "complete": complete,
        "synced_at": synced_at.isoformat(),
        "last_complete_at": state.last_complete_at.isoformat() if state.last_complete_at else None,
        "link": link.mode.value,
        "pending_writes": link.pending_writes,
        "problems": [words(p) for p in problems],  # plain English, as before
        "problem_kinds": [p.to_json() for p in problems],
        "queue": queue,
        "alerts": alerts,
        "census": {"arrived": c.arrived, "departed": c.departed, "present": c.present, "dropped": c.dropped,
                   "departed_by_reason": c.departed_by_reason, "carried_over": c.carried_over},
        "census_shift": {"shift": shift.label, "arrived": cs.arrived, "departed": cs.departed,
                         "present": cs.present, "dropped": cs.dropped,
                         "departed_by_reason": cs.departed_by_reason, "carried_over": cs.carried_over,
                         "start": shift.start.isoformat(), "end": shift.end.isoformat()},
    }


def alert_json(alert: Any) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": alert.id, "kind": alert.kind.value, "severity": alert.severity.value,
        "encounter": alert.encounter, "status": alert.status.value, "raised_at": iso(alert.raised_at),
        "detail": alert.detail, "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": iso(alert.acknowledged_at), "ack_comment": alert.ack_comment,
        "resolved_by": alert.resolved_by, "resolved_at": iso(alert.resolved_at), "resolution": alert.resolution,
        "related": list(alert.related),
    }
