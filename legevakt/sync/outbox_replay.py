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
- A refusal (4xx) is final: ``WRITE_NOT_APPLIED`` with the server's OperationOutcome text. Transport errors,
  server faults (5xx, 429) and malformed answers leave the command pending; it is retried next cycle and
  its attempts are counted. A command pending longer than ``pending_after`` raises ``WRITE_NOT_APPLIED`` too
  (and keeps being retried; it resolves when the platform confirms it).

Each outcome is stored in its own transaction right after the answer, with the alert changes it causes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
             actor: str = ..., attempt: bool = False) -> None: ...


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
        self._write(lambda box: box.mark(item.command.command_id, item.outcome.value, error, result=result,
                                         attempt=attempt))

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
        return ReplayReport(items=tuple(items), state=state, reconciled=combined, error=stop)

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
                return ReplayItem(command, ReplayOutcome.APPLIED,
                                  "already on the platform: confirmed without writing")
            if decision.action is WriteAction.CONFLICT:
                return ReplayItem(command, ReplayOutcome.CONFLICT,
                                  f"someone else changed the {command.kind.field}: ours {ours}, theirs {current}",
                                  ours=ours, theirs=current)
            body = edit_encounter(resource, command, scale=scale, clinic_ref=self.config.clinic_ref, now=now)
            resp = self.client.request("PUT", self.client.url(ref), json_body=body, headers={"If-Match": etag})
            if resp.status_code in (409, 412):
                log.info("write %s: %s changed in between (HTTP %d), reading again", command.command_id, ref,
                         resp.status_code)
                continue
            if 200 <= resp.status_code < 300:
                detail = "applied" if attempt == 0 else "applied after reading again (someone wrote in between)"
                made = self._record_provenance(command, ref, resp, now)
                if made is None:
                    detail += "; its author not recorded on the platform (no Provenance)"
                return ReplayItem(command, ReplayOutcome.APPLIED, detail, wrote=True, provenance=made)
            try:
                self.client.json(resp)  # raises the typed error of a 4xx/5xx
            except (NotFound, Refused) as exc:
                return ReplayItem(command, ReplayOutcome.REFUSED, exc.detail or str(exc), ours=ours, theirs=current)
            raise MalformedResponse(f"unexpected HTTP {resp.status_code} to an update", status=resp.status_code)
        return ReplayItem(command, ReplayOutcome.PENDING,
                          f"{ref} kept changing on the platform ({self.config.max_rereads} tries); will try again")

    def _record_provenance(self, command: Command, ref: str, resp: Any, now: datetime) -> str | None:
        """POST the Provenance of the Encounter version ``resp`` made (``encounter_edits.provenance_for``);
        its ``Provenance/<id>``, or None when it could not be recorded. The change itself stands either way
        (the outbox and the audit log name its author too): a failure here is logged, never retried as the
        write."""
        if not self.provenance:
            return None
        target = ref
        version = self._written_version(resp)
        if version:
            target = f"{ref}/_history/{version}"
        try:
            answer = self.client.request("POST", self.client.url("Provenance"),
                                         json_body=provenance_for(command, target, now))
            if answer.status_code in (400, 403, 404, 405, 422, 501):  # the platform does not take Provenance
                self.provenance = False
                log.warning("the platform refused a Provenance (HTTP %d): authors of Encounter changes are "
                            "recorded locally only this session", answer.status_code)
                return None
            return self._created_ref(answer, "Provenance") if 200 <= answer.status_code < 300 else None
        except PlatformError as exc:
            log.warning("the Provenance of %s was not recorded (%s)", command.command_id, type(exc).__name__)
            return None

    def _written_version(self, resp: Any) -> str | None:
        """The versionId an update made: the answer's ETag (``W/"<vid>"``), else its body's ``meta.versionId``."""
        etag = resp.headers.get("ETag") or ""
        vid: object = etag.removeprefix("W/").strip('"') if etag else None
        if not vid:
            try:
                body = self.client.json(resp, expect="Encounter")
            except PlatformError:
                return None
            vid = (body.get("meta") or {}).get("versionId")
        if not isinstance(vid, str | int) or isinstance(vid, bool) or not str(vid) or "/" in str(vid):
            return None
        return str(vid)

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
