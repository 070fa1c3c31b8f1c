"""The outbox replay: pending commands sent to the platform in order, idempotently.

The FHIR edit per command is ``legevakt.sync.encounter_edits``; the ours/base/theirs choice is the pure
``legevakt.worklist.write_decision.decide_write``.

Plain FHIR R4, nothing server-specific:

- An update reads the Encounter first. If the field already has our value, the command is confirmed
  without writing (a crash after the server applied it but before we marked it never writes twice). If the
  field still has the value it had when the command was made (its *base*), our edit is applied to the
  fresh resource and sent with ``If-Match: W/"<versionId>"``; a 412 (or 409) means someone wrote in between:
  read again and decide again. If the field holds a third value, someone else changed the same field:
  a conflict, shown with both values; nothing is written.
- A create carries a client-made identifier (``codes.CLIENT_REQUEST_SYSTEM`` | command id): it is searched
  for first, then sent with ``If-None-Exist`` on it, so a replayed create never duplicates.
- A refusal (4xx) is final: ``WRITE_NOT_APPLIED`` with the server's OperationOutcome text (a note's
  Communication excepted: the journal follower raises its ``NOTE_UNDELIVERED``, "not sent", instead). Transport errors,
  server faults (5xx, 429) and malformed answers leave the command pending; it is retried next cycle and
  its attempts are counted. A command pending longer than ``pending_after`` raises ``WRITE_NOT_APPLIED`` too
  (and keeps being retried; it resolves when the platform confirms it).

Each outcome is stored in its own transaction right after the answer, with the alert changes it causes.

The author of an applied Encounter change is recorded on the platform exactly once, as an R4 Provenance of
the version the write made (``encounter_edits.provenance_for``), and nothing lost on a crash:

- Before an Encounter update is sent, the version it is sent against is stored (``sending``). The
  Provenance is stored in the very transaction that marks the write applied, and sent after the commands
  (``_send_provenances``); it stays pending through transport errors and server faults until the platform
  holds it. Never is the Encounter change sent again for it.
- A crash after the server applied an update but before the outbox knew finds the change "already on the
  platform" on restart; the stored version it was sent against names the version the write made (the
  next one in the Encounter's history, holding our value), and its Provenance is recorded then.
- R4 Provenance has no identifier, so a resend (one an earlier replay may have sent: a crash after the
  POST but before the mark, a lost answer) first searches ``Provenance?target=<Encounter/id>`` (a standard
  R4 parameter; servers may ignore the version in a reference search) and takes a Provenance of the same
  target version, recorded instant and agent as ours: then it is not posted again. The POST itself is a
  conditional create (``If-None-Exist: target=<version>&recorded=<instant>``, both standard R4 Provenance
  parameters; ``recorded`` is the platform's ``lastUpdated`` of the version), so the client's own retry of
  a POST whose answer was lost does not double it either.
- A platform that refuses Provenance (400, 403, 404, 405, 422, 501) is not asked again this session: the
  author stays recorded locally (the outbox row and the audit log), logged once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

from legevakt import codes
from legevakt.sync.encounter_edits import Resource, edit_encounter, provenance_for, with_client_identifier
from legevakt.sync.errors import (
    AuthenticationError,
    MalformedResponse,
    NotFound,
    PlatformError,
    PlatformUnreachable,
    Refused,
    token,
)
from legevakt.sync.fhir import FhirClient
from legevakt.sync.mapping import encounter_from_fhir, ref_of
from legevakt.worklist.commands import Command, CommandKind, field_value
from legevakt.worklist.models import AlertKind
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled
from legevakt.worklist.snapshot import WorklistState
from legevakt.worklist.write_decision import WriteAction, decide_write
from legevakt.worklist.write_outcomes import merge, write_applied, write_conflict, write_not_applied

log = logging.getLogger("legevakt.sync")

T = TypeVar("T")

# -- the replay ---------------------------------------------------------------------------------------

def _is_note_send(command: Command) -> bool:
    """A journal note sent to a recipient (the create of its Communication)."""
    return command.kind is CommandKind.CREATE and command.resource_type == "Communication"


class ReplayOutcome(StrEnum):
    APPLIED = "applied"
    PENDING = "pending"
    CONFLICT = "conflict"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class ReplayItem:
    command: Command
    outcome: ReplayOutcome
    detail: str  # English, codes and platform ids only (plus the server's refusal text)
    wrote: bool = False  # this replay sent the change (False: found already applied, or not sent)
    ours: str | None = None  # conflict / refusal: our value and the platform's
    theirs: str | None = None
    created: str | None = None  # CREATE: "Type/<id>" of the resource on the platform, when it said
    provenance: str | None = None  # an applied Encounter change: "Provenance/<id>" naming who made it
    provenance_due: Resource | None = None  # the Provenance this replay found to record (stored with the mark)
    local_only: bool = False  # a shared-alert Task the platform refuses: closed without an alert


@dataclass(frozen=True, slots=True)
class ReplayReport:
    items: tuple[ReplayItem, ...]
    state: WorklistState  # the worklist after the replay's alert changes
    reconciled: Reconciled | None  # those changes as one step (None when nothing changed)
    error: PlatformError | None = None  # the transport problem that stopped the replay, if any

    def _with(self, outcome: ReplayOutcome) -> list[ReplayItem]:
        return [i for i in self.items if i.outcome is outcome]

    @property
    def applied(self) -> list[ReplayItem]:
        return self._with(ReplayOutcome.APPLIED)

    @property
    def pending(self) -> list[ReplayItem]:
        return self._with(ReplayOutcome.PENDING)

    @property
    def conflict(self) -> list[ReplayItem]:
        return self._with(ReplayOutcome.CONFLICT)

    @property
    def refused(self) -> list[ReplayItem]:
        return self._with(ReplayOutcome.REFUSED)

    @property
    def all_applied(self) -> bool:
        return all(i.outcome is ReplayOutcome.APPLIED for i in self.items)


@dataclass(frozen=True, slots=True)
class ReplayConfig:
    clinic_ref: str
    reconcile: ReconcileConfig = field(default_factory=ReconcileConfig)
    pending_after: timedelta = timedelta(minutes=2)  # then WRITE_NOT_APPLIED (Settings.write_pending_minutes)
    max_rereads: int = 3  # reads-and-writes per command and replay when others keep writing in between


class Outbox(Protocol):
    """Where commands wait (``legevakt.store.db.Store`` is one)."""

    def enqueue(self, command: Command, result: Reconciled, *, actor: str) -> int: ...

    def pending(self) -> list[Command]: ...

    def pending_by_encounter(self) -> dict[str, int]: ...

    def mark(self, command_id: str, state: str, error: str | None = None, *, result: Reconciled | None = None,
             actor: str = ..., attempt: bool = False, provenance: Resource | None = None,
             provenance_state: str = ...) -> None: ...

    def sending(self, command_id: str, version: str | None) -> None: ...

    def in_flight(self) -> dict[str, str]: ...

    def pending_provenance(self) -> list[tuple[str, Resource]]: ...

    def provenance_done(self, command_id: str, state: str, ref: str | None = None) -> None: ...


class TaskSender(Protocol):
    """Sends shared-alert Task commands (``legevakt.sync.alert_tasks.AlertTasks``)."""

    def send(self, command: Command) -> ReplayItem: ...


class SerialWriter(Protocol):
    """The store's one writer (``legevakt.store.writer.DbWriter``), seen from sync without importing store."""

    def submit(self, fn: Callable[[Any], T]) -> Future[T]: ...


class OutboxReplayer:
    """Sends the outbox's pending commands in order and records each outcome. Not thread-safe: one worker."""

    def __init__(self, client: FhirClient, outbox: Outbox, config: ReplayConfig, *,
                 writer: SerialWriter | None = None) -> None:
        self.client = client
        self.outbox = outbox
        self.config = config
        self.writer = writer
        #: Sends the Task commands of shared alerts (None: they are not sent and stay pending).
        self.tasks: TaskSender | None = None
        #: The worklist as the store holds it after the last replay's stored steps, even when that replay
        #: was cut short by an exception (the caller must carry on from here, not from what it passed in).
        self.stored_state: WorklistState | None = None
        #: Each applied Encounter change is followed by a Provenance naming its author; False once the
        #: platform refused one (it does not take Provenance): not asked again this session.
        self.provenance = True
        #: Commands whose update a previous replay sent and never saw answered (the version sent against).
        self._in_flight: dict[str, str] = {}

    # -- the outbox ------------------------------------------------------------------------------------
    def enqueue(self, command: Command, result: Reconciled) -> None:
        """Store the command with its local effect (one transaction, through the writer when there is one)."""
        self._write(lambda box: box.enqueue(command, result, actor=command.created_by))

    def pending_by_encounter(self) -> dict[str, int]:
        return self.outbox.pending_by_encounter()

    def _write(self, fn: Callable[[Outbox], T]) -> T:
        if self.writer is None:
            return fn(self.outbox)
        return self.writer.submit(fn).result()

    def _mark(self, item: ReplayItem, result: Reconciled | None, *, attempt: bool = False) -> None:
        error = None if item.outcome is ReplayOutcome.APPLIED and not attempt else item.detail
        body = item.provenance_due
        if body is None:
            self._write(lambda box: box.mark(item.command.command_id, item.outcome.value, error, result=result,
                                             attempt=attempt))
            return
        # The Provenance to record commits with the applied mark: a crash keeps both or neither.
        kept = "pending" if self.provenance else "local"
        self._write(lambda box: box.mark(item.command.command_id, item.outcome.value, error, result=result,
                                         attempt=attempt, provenance=body, provenance_state=kept))

    # -- replay ----------------------------------------------------------------------------------------
    def replay(self, now: datetime, state: WorklistState) -> ReplayReport:
        """Send every pending command once, in order; store each outcome as soon as it is known.

        A command waits while an earlier one for the same encounter is still pending. When the platform
        cannot be reached (or refuses our credentials) the replay stops: the rest stay pending.
        """
        rc = self.config.reconcile
        items: list[ReplayItem] = []
        combined: Reconciled | None = None
        blocked: set[str] = set()
        failed_targets: set[str] = set()  # resources whose UPDATE was refused or in conflict in this replay
        stop: PlatformError | None = None
        self.stored_state = state
        self._in_flight = self.outbox.in_flight()

        def step(result: Reconciled) -> None:  # ``result`` is stored: carry on from it
            nonlocal state, combined
            state = self.stored_state = result.state
            combined = result if combined is None else merge(combined, result)

        for command in self.outbox.pending():
            if stop is not None:
                items.append(ReplayItem(command, ReplayOutcome.PENDING, f"not sent: {stop}"))
                continue
            if command.key in blocked:
                items.append(ReplayItem(command, ReplayOutcome.PENDING,
                                        "waiting for an earlier change to the same encounter"))
                continue
            broken = _depends_on(command, failed_targets)
            try:
                if broken is not None:
                    # e.g. a note sent while its signing was refused: never deliver what the platform refused
                    item = ReplayItem(command, ReplayOutcome.REFUSED,
                                      f"not sent: the change to {broken} it depends on was not applied")
                else:
                    item = self._send(command, now)
            except (PlatformUnreachable, AuthenticationError) as exc:
                stop = exc
                item = ReplayItem(command, ReplayOutcome.PENDING, str(exc))
            except PlatformError as exc:  # server faults, throttling, malformed answers: try again later
                item = ReplayItem(command, ReplayOutcome.PENDING, str(exc))
            log.info("write %s (%s): %s", command.command_id, command.kind.value, item.outcome.value)
            items.append(item)
            if item.local_only:  # a shared alert the platform will not take: it stays local, no alert
                self._mark(item, None)
                continue
            if command.kind is CommandKind.UPDATE and command.target and item.outcome in (
                    ReplayOutcome.REFUSED, ReplayOutcome.CONFLICT):
                failed_targets.add(command.target)
            if item.outcome is ReplayOutcome.APPLIED:
                result = write_applied(state, command, now, rc)
                self._mark(item, result)
            elif item.outcome is ReplayOutcome.CONFLICT:
                result = write_conflict(state, command, item.ours, item.theirs, now, rc)
                self._mark(item, result)
            elif item.outcome is ReplayOutcome.REFUSED and _is_note_send(command):
                # A note sent that the platform refused: the journal's own alert says so (NOTE_UNDELIVERED,
                # shared with the other workstations), so it is one alert, not two.
                self._mark(item, None)
                continue
            elif item.outcome is ReplayOutcome.REFUSED:
                result = write_not_applied(state, command, item.detail, now, rc, refused=True,
                                           platform_value=item.theirs)
                self._mark(item, result)
            else:
                blocked.add(command.key)
                self._mark(item, None, attempt=True)
                continue
            step(result)

        for item in items:
            if item.outcome is ReplayOutcome.PENDING:
                overdue = self._overdue(item, state, now)
                if overdue is not None:
                    self._mark(item, overdue)
                    step(overdue)
        if stop is None:
            items = self._send_provenances(items)
        return ReplayReport(items=tuple(items), state=state, reconciled=combined, error=stop)

    # -- the Provenance of each applied Encounter change -----------------------------------------------
    def _send_provenances(self, items: list[ReplayItem]) -> list[ReplayItem]:
        """Send every stored Provenance the platform does not hold yet (this replay's and earlier ones'),
        in write order; each is marked once the platform has it. A transport error or server fault leaves
        the rest pending for the next replay; a refusal keeps them local this session."""
        recorded: dict[str, str] = {}
        fresh = {i.command.command_id for i in items if i.provenance_due is not None}
        pending = self.outbox.pending_provenance() if self.provenance else []
        for command_id, body in pending:
            try:
                ref = self._record_provenance(body, resend=command_id not in fresh)
            except PlatformError as exc:
                log.warning("the Provenance of %s was not recorded yet (%s): it stays pending", command_id,
                            type(exc).__name__)
                break
            if ref is None:  # the platform does not take Provenance: this and the rest stay local
                self._provenance_done(command_id, "local", None)
                break
            self._provenance_done(command_id, "recorded", ref or None)
            recorded[command_id] = ref
        out = []
        for item in items:
            if item.provenance_due is not None:
                made = recorded.get(item.command.command_id)
                if made is not None:
                    item = replace(item, provenance=made)
                elif not self.provenance:
                    item = replace(item, detail=item.detail + "; its author not recorded on the platform "
                                   "(no Provenance)")
                else:
                    item = replace(item, detail=item.detail + "; its author not recorded on the platform yet "
                                   "(the Provenance is pending)")
            out.append(item)
        return out

    def _provenance_done(self, command_id: str, state: str, ref: str | None) -> None:
        self._write(lambda box: box.provenance_done(command_id, state, ref))

    def _sending(self, command_id: str, version: str | None) -> None:
        self._write(lambda box: box.sending(command_id, version))

    def _record_provenance(self, body: Resource, *, resend: bool) -> str | None:
        """POST one stored Provenance unless the platform holds it already (looked for when an earlier replay
        may have sent it: ``resend``); its ``Provenance/<id>`` (``""`` when the server did not say), or None
        when the platform refuses Provenance for good. Transport errors and server faults raise (it stays
        pending)."""
        target = str(body["target"][0]["reference"])
        if resend:
            try:
                for page in self.client.pages("Provenance", {"target": target.split("/_history/", 1)[0]}):
                    for found in page.resources:
                        if _same_provenance(found, body):
                            return ref_of(found)
            except (Refused, NotFound):
                pass  # the server cannot search Provenance: the conditional create is the only guard
        # Conditional: the client's own retry of a POST whose answer was lost must not make a second one.
        condition = urlencode({"target": target, "recorded": str(body.get("recorded") or "")})
        answer = self.client.request("POST", self.client.url("Provenance"), json_body=body,
                                     headers={"If-None-Exist": condition})
        if answer.status_code == 412 or (answer.status_code == 200 and not self._is_ours(answer, body)):
            # The server matched other Provenances of the Encounter (it ignores the version in a reference,
            # and two writes had the same instant): ours is not there yet.
            log.info("a conditional Provenance create matched another one: sent without the condition")
            answer = self.client.request("POST", self.client.url("Provenance"), json_body=body)
        if answer.status_code in _NO_PROVENANCE:
            self.provenance = False
            log.warning("the platform refused a Provenance (HTTP %d): authors of Encounter changes are "
                        "recorded locally only this session", answer.status_code)
            return None
        if 200 <= answer.status_code < 300:
            made = _short_location(answer.headers.get("Location", ""))
            if not made.startswith("Provenance/"):
                made = self._created_ref(answer, "Provenance") or ""
            return made
        self.client.json(answer)  # raises the typed error of a 4xx/5xx
        raise MalformedResponse(f"unexpected HTTP {answer.status_code} to a Provenance", status=answer.status_code)

    def _overdue(self, item: ReplayItem, state: WorklistState, now: datetime) -> Reconciled | None:
        """``WRITE_NOT_APPLIED`` for a command pending too long (once: a person may dismiss it)."""
        command = item.command
        waited = now - command.created_at
        key = (AlertKind.WRITE_NOT_APPLIED, command.command_id)
        if waited < self.config.pending_after or key in state.open_keys or key in state.suppressed:
            return None
        minutes = max(1, int(waited.total_seconds() // 60))
        result = write_not_applied(state, command, f"waiting {minutes} min: {item.detail}", now,
                                   self.config.reconcile)
        return result if result.alerts else None

    # -- one command -----------------------------------------------------------------------------------
    def _send(self, command: Command, now: datetime) -> ReplayItem:
        try:
            if command.kind is CommandKind.CREATE and command.resource_type == "Task":
                if self.tasks is None:
                    return ReplayItem(command, ReplayOutcome.PENDING, "shared alerts are not followed here")
                return self.tasks.send(command)
            if command.kind is CommandKind.CREATE:
                return self._create(command)
            if command.kind is CommandKind.UPDATE:
                return self._update_resource(command)
            return self._update(command, now)
        except (NotFound, Refused) as exc:
            return ReplayItem(command, ReplayOutcome.REFUSED, exc.detail or str(exc),
                              ours=command.target_value)

    def _update(self, command: Command, now: datetime) -> ReplayItem:
        ref = command.encounter
        if ref is None:
            raise ValueError("an update command without an encounter")
        ours = command.target_value
        scale = self.config.reconcile.scale
        for attempt in range(self.config.max_rereads):
            resource, etag = self._read(ref)
            current = field_value(encounter_from_fhir(resource, clinic_ref=self.config.clinic_ref, scale=scale,
                                                      base=self.client.base_url), command.kind)
            decision = decide_write(ours, command.base, current)
            if decision.action is WriteAction.NOTHING_TO_SEND:
                due = self._healed_provenance(command, ref, now)
                return ReplayItem(command, ReplayOutcome.APPLIED,
                                  "already on the platform: confirmed without writing", provenance_due=due)
            if decision.action is WriteAction.CONFLICT:
                return ReplayItem(command, ReplayOutcome.CONFLICT,
                                  f"someone else changed the {command.kind.field}: ours {ours}, theirs {current}",
                                  ours=ours, theirs=current)
            body = edit_encounter(resource, command, scale=scale, clinic_ref=self.config.clinic_ref, now=now)
            sent_against = _version_of(etag)
            if sent_against:  # stored before sending: a crash before the mark still knows what was sent
                self._sending(command.command_id, sent_against)
            resp = self.client.request("PUT", self.client.url(ref), json_body=body, headers={"If-Match": etag})
            if resp.status_code in (409, 412):
                log.info("write %s: %s changed in between (HTTP %d), reading again", command.command_id, ref,
                         resp.status_code)
                continue
            if 200 <= resp.status_code < 300:
                detail = "applied" if attempt == 0 else "applied after reading again (someone wrote in between)"
                version, at = self._written_version(resp)
                target = f"{ref}/_history/{version}" if version else ref
                return ReplayItem(command, ReplayOutcome.APPLIED, detail, wrote=True,
                                  provenance_due=provenance_for(command, target, at or now))
            try:
                self.client.json(resp)  # raises the typed error of a 4xx/5xx
            except (NotFound, Refused) as exc:
                return ReplayItem(command, ReplayOutcome.REFUSED, exc.detail or str(exc), ours=ours, theirs=current)
            raise MalformedResponse(f"unexpected HTTP {resp.status_code} to an update", status=resp.status_code)
        self._sending(command.command_id, None)  # every update sent was answered 409/412: none of them applied
        return ReplayItem(command, ReplayOutcome.PENDING,
                          f"{ref} kept changing on the platform ({self.config.max_rereads} tries); will try again")

    def _healed_provenance(self, command: Command, ref: str, now: datetime) -> Resource | None:
        """The Provenance of a change found already on the platform that a previous replay sent and never saw
        answered (it crashed, or the answer was lost): the server applied our update, so the version it made
        is the one after the version it was sent against (``If-Match``), when that one holds our value. The
        Encounter's history tells; without it the plain reference is the target. None when we never sent it
        (someone else made the same change)."""
        sent_against = self._in_flight.get(command.command_id)
        if sent_against is None:
            return None
        scale = self.config.reconcile.scale
        versions: list[Resource] = []
        try:
            for page in self.client.instance_history_pages(ref):
                versions += [r for r in page.resources if r.get("resourceType") == "Encounter"]
        except (Refused, NotFound):
            versions = []  # no history here: the author is still worth recording, of the plain reference
        made = _version_after(versions, sent_against)
        target = ref
        if made is not None:
            value = field_value(encounter_from_fhir(made, clinic_ref=self.config.clinic_ref, scale=scale),
                                command.kind)
            if value != command.target_value:
                return None  # the next version is not ours: the update we sent never applied
            target = f"{ref}/_history/{made['meta']['versionId']}"
        at = _instant_key((made or {}).get("meta", {}).get("lastUpdated"))
        log.info("write %s: applied before a restart; its Provenance is recorded now", command.command_id)
        return provenance_for(command, target, at or now)

    def _is_ours(self, resp: Any, body: Resource) -> bool:
        try:
            found = self.client.json(resp, expect="Provenance")
        except PlatformError:
            return True  # 200 without the resource: the server said it holds it
        return _same_provenance(found, body)

    def _written_version(self, resp: Any) -> tuple[str | None, datetime | None]:
        """The versionId an update made (the answer's ETag ``W/"<vid>"``, else its body's ``meta.versionId``)
        and when the platform recorded it (the body's ``meta.lastUpdated``: a Provenance's ``recorded``)."""
        etag = resp.headers.get("ETag") or ""
        vid: object = etag.removeprefix("W/").strip('"') if etag else None
        meta: dict[str, Any] = {}
        try:
            body = self.client.json(resp, expect="Encounter")
            found = body.get("meta")
            meta = found if isinstance(found, dict) else {}
        except PlatformError:
            pass
        if not vid:
            vid = meta.get("versionId")
        at = _instant_key(meta.get("lastUpdated"))
        if not isinstance(vid, str | int) or isinstance(vid, bool) or not str(vid) or "/" in str(vid):
            return None, at
        return str(vid), at

    def _read(self, ref: str) -> tuple[Resource, str]:
        """The current resource and the ``If-Match`` value for it (its ETag, else ``W/"<versionId>"``)."""
        rtype, _, rid = ref.partition("/")
        resp = self.client.request("GET", self.client.url(ref))
        body = self.client.json(resp, expect=rtype)
        if body.get("id") != rid:
            raise MalformedResponse(f"asked for {ref}, got id {token(body.get('id'))}")
        etag = resp.headers.get("ETag")
        if not etag:
            vid = (body.get("meta") or {}).get("versionId")
            if not isinstance(vid, str | int) or isinstance(vid, bool) or str(vid) == "":
                raise MalformedResponse(f"{ref} came without a version to update against")
            etag = f'W/"{vid}"'
        return body, etag

    def _created_ref(self, resp: Any, rtype: str) -> str | None:
        """The created resource's ``Type/id`` from the answer's body, when the server sent one."""
        try:
            body = self.client.json(resp, expect=rtype)
        except PlatformError:
            return None
        rid = body.get("id")
        return f"{rtype}/{rid}" if isinstance(rid, str) and rid else None

    def _update_resource(self, command: Command) -> ReplayItem:
        """Set top-level fields of a resource we created (``ResourceChange``), with ``If-Match``."""
        ref = command.target or ""
        change = command.change()
        for attempt in range(self.config.max_rereads):
            resource, etag = self._read(ref)
            if _holds(resource, {k: v for k, v in change.set.items() if v is not None}) and all(
                    k not in resource for k, v in change.set.items() if v is None):
                return ReplayItem(command, ReplayOutcome.APPLIED, "already on the platform: confirmed without writing")
            if change.expect and not _holds(resource, change.expect):
                theirs = ", ".join(f"{k}={resource.get(k)!r}" for k in sorted(change.expect))
                return ReplayItem(command, ReplayOutcome.CONFLICT,
                                  f"{ref} was changed by someone else ({theirs})", theirs=theirs)
            body = _changed(resource, change.set)
            resp = self.client.request("PUT", self.client.url(ref), json_body=body, headers={"If-Match": etag})
            if resp.status_code in (409, 412):
                log.info("write %s: %s changed in between (HTTP %d), reading again", command.command_id, ref,
                         resp.status_code)
                continue
            if 200 <= resp.status_code < 300:
                detail = "applied" if attempt == 0 else "applied after reading again (someone wrote in between)"
                return ReplayItem(command, ReplayOutcome.APPLIED, detail, wrote=True)
            self.client.json(resp)  # raises the typed error of a 4xx/5xx
            raise MalformedResponse(f"unexpected HTTP {resp.status_code} to an update", status=resp.status_code)
        return ReplayItem(command, ReplayOutcome.PENDING,
                          f"{ref} kept changing on the platform ({self.config.max_rereads} tries); will try again")

    def _create(self, command: Command) -> ReplayItem:
        rtype = command.resource_type or ""
        ident = f"{codes.CLIENT_REQUEST_SYSTEM}|{command.command_id}"
        try:
            found = self.client.get(rtype, {"identifier": ident}, expect="Bundle")
        except Refused:
            found = {}  # the server cannot search by identifier here: If-None-Exist still guards the create
        matches: list[Resource] = [e["resource"] for e in found.get("entry") or []
                                   if isinstance(e, dict) and isinstance(e.get("resource"), dict)
                                   and e["resource"].get("resourceType") == rtype]
        if matches:
            found_ref = ref_of(matches[0])
            return ReplayItem(command, ReplayOutcome.APPLIED,
                              f"already on the platform as {found_ref}: confirmed without writing", created=found_ref)
        body = with_client_identifier(command.resource(), command.command_id)
        resp = self.client.request("POST", self.client.url(rtype), json_body=body,
                                   headers={"If-None-Exist": urlencode({"identifier": ident})})
        if resp.status_code in (200, 201):
            where = resp.headers.get("Location", "")
            detail = "created" if resp.status_code == 201 else "already on the platform: not created again"
            created: str | None = _short_location(where)
            if not (created or "").startswith(f"{rtype}/"):
                created = self._created_ref(resp, rtype)
            return ReplayItem(command, ReplayOutcome.APPLIED, f"{detail} {created or ''}".strip(),
                              wrote=resp.status_code == 201, created=created or None)
        if resp.status_code == 412:
            return ReplayItem(command, ReplayOutcome.CONFLICT,
                              "the platform holds more than one resource with this command's identifier",
                              theirs="several matches")
        if 200 <= resp.status_code < 300:
            return ReplayItem(command, ReplayOutcome.APPLIED, f"created (HTTP {resp.status_code})", wrote=True)
        self.client.json(resp)  # raises the typed error
        raise MalformedResponse(f"unexpected HTTP {resp.status_code} to a create", status=resp.status_code)


_NO_PROVENANCE = (400, 403, 404, 405, 422, 501)  # a platform that does not take Provenance


def _version_of(etag: str) -> str:
    """``W/"3"`` -> ``3``."""
    return etag.strip().removeprefix("W/").strip('"')


def _instant_key(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _version_after(versions: list[Resource], vid: str) -> Resource | None:
    """The version that came right after ``vid`` in a resource's history (by ``meta.lastUpdated``, then by
    number: servers list history newest first, but not all do)."""
    def key(res: Resource) -> tuple[datetime, int]:
        meta = res.get("meta") or {}
        at = _instant_key(meta.get("lastUpdated")) or datetime.min.replace(tzinfo=UTC)
        v = str(meta.get("versionId") or "")
        return at, int(v) if v.isdigit() else 0

    listed = [r for r in versions if isinstance(r.get("meta"), dict) and r["meta"].get("versionId")]
    if len(listed) > 1 and key(listed[0]) > key(listed[-1]):
        listed.reverse()  # newest first, as R4 lists history: oldest first, so equal instants keep their order
    known = sorted(listed, key=key)
    ids = [str(r["meta"]["versionId"]) for r in known]
    if vid not in ids:
        return None
    at = ids.index(vid)
    return known[at + 1] if at + 1 < len(known) else None


def _same_provenance(found: Resource, ours: Resource) -> bool:
    """``found`` is the Provenance ``ours`` (R4 Provenance has no identifier): the same target version, the
    same recorded instant and the same agent."""
    want = str(ours["target"][0]["reference"])
    targets = [_short_ref(t.get("reference")) for t in found.get("target") or [] if isinstance(t, dict)]
    if want not in targets:
        return False
    if _instant_key(found.get("recorded")) != _instant_key(ours.get("recorded")):
        return False
    who = [a.get("who") for a in found.get("agent") or [] if isinstance(a, dict)]
    mine = ours["agent"][0]["who"]
    return any(isinstance(w, dict) and (w.get("reference"), w.get("identifier"), w.get("display"))
               == (mine.get("reference"), mine.get("identifier"), mine.get("display")) for w in who)


def _short_ref(ref: object) -> str:
    """``[base]/Encounter/1/_history/2`` -> ``Encounter/1/_history/2`` (a relative reference as it is)."""
    if not isinstance(ref, str):
        return ""
    parts = ref.rstrip("/").split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        return "/".join(parts[-4:])
    return "/".join(parts[-2:]) if len(parts) >= 2 else ref


def _references(value: Any) -> Iterator[str]:
    """Every ``reference`` inside a resource body."""
    if isinstance(value, dict):
        ref = value.get("reference")
        if isinstance(ref, str):
            yield ref
        for v in value.values():
            yield from _references(v)
    elif isinstance(value, list):
        for v in value:
            yield from _references(v)


def _depends_on(command: Command, failed: set[str]) -> str | None:
    """The refused resource a CREATE refers to (a Communication carrying a note whose signing failed)."""
    if not failed or command.kind is not CommandKind.CREATE:
        return None
    try:
        body = command.resource()
    except Exception:  # noqa: BLE001 - a malformed body is refused by the send itself
        return None
    return next((ref for ref in _references(body.get("payload")) if ref in failed), None)


def _changed(resource: Resource, fields: dict[str, Any]) -> Resource:
    out = dict(resource)
    for key, value in fields.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    out.pop("meta", None)
    return out


def _holds(resource: Resource, fields: dict[str, Any]) -> bool:
    return all(resource.get(k) == v for k, v in fields.items())


def _short_location(url: str) -> str:
    """``Type/id`` out of a Location header (``[base]/Type/id/_history/vid``)."""
    path = url.split("/_history/", 1)[0].rstrip("/").split("/")
    return "/".join(path[-2:]) if len(path) >= 2 else ""
