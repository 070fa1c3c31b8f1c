"""Shared alerts on the platform (issue 10): each alert change as a Task write through the outbox, and the
clinic's Tasks followed each cycle. The Task contract is ``legevakt.worklist.shared_alerts``.

Writes. Every change of a shared alert (raised, escalated, acknowledged, resolved) is a command in the
outbox (``CommandKind.CREATE`` of ``resource_type`` "Task", its body the Task as this workstation holds
the alert), stored in the same transaction as the alert change, so it is sent exactly once across crashes
and offline spells. Sending it:

- a new alert: ``POST Task`` with ``If-None-Exist`` on the open Task of the same code and focus. A 201 made
  it; a 200 means one is there already (ours, from a send cut short, or another workstation's): ours is
  merged into it; a 412 (several match) merges ours into each;
- an acknowledgement or resolution: the open Task(s) of the condition are read and ours merged into each
  (``merge_tasks``), written with ``If-Match``; a 412 reads again and merges again. With no open Task (it
  was closed meanwhile) ours is merged into the closed one of this episode (so both comments survive);
  with none at all, ours is created (conditionally) as it stands.

Nothing is written when the merge adds nothing (a replay after a crash writes nothing twice).

Reads. Each cycle ``follow`` searches the clinic's Tasks by code and ``_lastUpdated`` (from the last one
seen, less an overlap), pages by ``next`` links, and tells which local alerts another workstation has
acknowledged or resolved (several Tasks for one condition are folded into one).

Where the platform refuses Task (not in its CapabilityStatement, or 403/404 to a Task request) alerts stay
local: ``refused`` says so, commands already queued are closed without an alert, no more are made.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from legevakt.sync.capabilities import ServerFeatures, discover
from legevakt.sync.errors import AuthenticationError, MalformedResponse, NotFound, PlatformError, Refused, token
from legevakt.sync.fhir import FhirClient
from legevakt.sync.outbox_replay import ReplayItem, ReplayOutcome
from legevakt.worklist.commands import Command, CommandKind
from legevakt.worklist.models import Alert, AlertKind
from legevakt.worklist.reconcile import Reconciled
from legevakt.worklist.shared_alerts import (
    EPISODE_SLACK,
    IMPORTED_KINDS,
    OPEN_STATUSES,
    REQUESTED,
    SharedAlert,
    all_codes_token,
    condition_of,
    condition_of_task,
    differs,
    fold,
    if_none_exist,
    last_updated,
    merge_tasks,
    open_task_query,
    same_content,
    task_of,
    task_ref,
)
from legevakt.worklist.snapshot import WorklistState

log = logging.getLogger("legevakt.sync")

Resource = dict[str, Any]
TASK = "Task"
#: How far back the first follow of a process looks.
FIRST_WINDOW = timedelta(hours=24)


def is_task_command(command: Command) -> bool:
    return command.kind is CommandKind.CREATE and command.resource_type == TASK


def _changed(before: Alert | None, after: Alert) -> bool:
    """Whether the alert changed in a way the other workstations must see."""
    if before is None:
        return after.is_open  # raised (one raised and cleared in the same step is no news)
    return (before.status is not after.status or before.severity is not after.severity
            or before.acknowledged_by != after.acknowledged_by or before.ack_comment != after.ack_comment)


class AlertTasks:
    """The platform's Tasks for this clinic's alerts. One per sync worker; not thread-safe."""

    def __init__(self, client: FhirClient, clinic_ref: str, *, overlap: timedelta = timedelta(seconds=10),
                 max_rereads: int = 3, page_size: int = 100) -> None:
        self.client = client
        self.clinic_ref = clinic_ref
        self.overlap = overlap
        self.max_rereads = max_rereads
        self.page_size = page_size
        #: The platform refuses Task: alerts stay local (None: not known yet).
        self.refused: bool = False
        self.refusal: str | None = None  # why, for the log and ``sync --json`` ("capability", "HTTP 403", ...)
        self.features: ServerFeatures | None = None
        self.cursor: datetime | None = None  # the newest Task.meta.lastUpdated seen (the server's clock)
        #: Every Task seen, by condition and ref (the latest version of each).
        self.known: dict[tuple[AlertKind, str], dict[str, Resource]] = {}
        #: When (this workstation's clock) each Task was last seen open: a Task seen open while a local alert
        #: was open belongs to that alert's episode when it closes, whatever the clocks of others say.
        self.open_seen: dict[str, datetime] = {}
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    # -- refusal --------------------------------------------------------------------------------------
    def _refuse(self, why: str) -> None:
        if not self.refused:
            log.warning("the platform refuses Task (%s): alerts are not shared with other workstations", why)
        self.refused, self.refusal = True, why

    def check_capability(self) -> None:
        """Read the CapabilityStatement once: a statement without Task means alerts stay local."""
        if self.features is not None:
            return
        self.features = discover(self.client)
        if self.features.known and TASK not in self.features.resource_types:
            self._refuse("capability")

    def _refused_by(self, exc: PlatformError) -> bool:
        if isinstance(exc, NotFound | Refused | AuthenticationError) and exc.status in (403, 404):
            self._refuse(f"HTTP {exc.status}")
            return True
        return False

    # -- commands for alert changes --------------------------------------------------------------------------
    def commands_for(self, before: WorklistState, result: Reconciled, now: datetime, actor: str, *,
                     patients: Mapping[str, str] | None = None) -> list[Command]:
        """One outbox command per shared alert that changed in ``result`` (against ``before``). ``patients``:
        the Patient of an alert by its key, where the queue may not hold it (a note's delivery)."""
        if self.refused:
            return []
        out: list[Command] = []
        for alert in result.alerts:
            cond = condition_of(alert, self.clinic_ref)
            if cond is None or not _changed(before.alerts.get(alert.id), alert):
                continue
            entry = before.entries.get(alert.encounter) if alert.encounter else None
            if entry is None and alert.encounter:
                entry = result.state.entries.get(alert.encounter)
            patient = entry.encounter.patient_ref if entry is not None else None
            if patient is None and patients is not None:
                patient = patients.get(alert.key)
            body = task_of(alert, focus=cond[1], patient=patient, clinic_ref=self.clinic_ref, now=now)
            out.append(Command(command_id=_command_id(alert), kind=CommandKind.CREATE, encounter=None,
                               target=f"{cond[0].value}|{cond[1]}", base=None, created_at=now,
                               created_by=actor, resource_type=TASK, body=json.dumps(body, ensure_ascii=False)))
        return out

    # -- sending one command --------------------------------------------------------------------------------
    def send(self, command: Command) -> ReplayItem:
        """Send one Task command (see the module text). Transport trouble raises (the command stays
        pending); a refusal of Task closes it without an alert (``ReplayItem.local_only``)."""
        if self.refused:
            return ReplayItem(command, ReplayOutcome.REFUSED, "alerts are not shared: the platform refuses Task",
                              local_only=True)
        desired = command.resource()
        cond = condition_of_task(desired)
        if cond is None:
            return ReplayItem(command, ReplayOutcome.REFUSED, "not a shared alert Task")
        try:
            return self._send(command, desired, cond)
        except (NotFound, Refused, AuthenticationError) as exc:  # 403 on Task alone: Task is forbidden to us
            if self._refused_by(exc):
                return ReplayItem(command, ReplayOutcome.REFUSED, "alerts are not shared: the platform refuses Task",
                                  local_only=True)
            raise

    def _send(self, command: Command, desired: Resource, cond: tuple[AlertKind, str]) -> ReplayItem:
        kind, focus = cond
        candidates: list[Resource] | ReplayItem
        if desired.get("status") == REQUESTED:
            candidates = self._create(command, desired, kind, focus)
        else:
            candidates = self._open(kind, focus) or self._closed_of_episode(kind, focus, desired)
            if not candidates:
                candidates = self._create(command, desired, kind, focus)
        if isinstance(candidates, ReplayItem):
            return candidates
        wrote = False
        for candidate in candidates:
            outcome = self._merge_into(candidate, desired)
            if outcome is None:
                return ReplayItem(command, ReplayOutcome.PENDING,
                                  f"{task_ref(candidate)} kept changing on the platform; will try again")
            wrote = wrote or outcome
        refs = ", ".join(r for r in (task_ref(c) for c in candidates) if r)
        detail = f"merged into {refs}" if wrote else f"already on the platform ({refs}): confirmed without writing"
        return ReplayItem(command, ReplayOutcome.APPLIED, detail, wrote=wrote,
                          created=task_ref(candidates[0]) if candidates else None)

    def _create(self, command: Command, desired: Resource, kind: AlertKind, focus: str) -> ReplayItem | list[Resource]:
        """POST with ``If-None-Exist`` on the open Task of the condition: the item when ours was created,
        else the Tasks already there to merge into (the one the server matched, or every open one on 412)."""
        resp = self.client.request("POST", self.client.url(TASK), json_body=desired,
                                   headers={"If-None-Exist": if_none_exist(kind, focus)})
        if resp.status_code == 201:
            created = self._body(resp)
            self._remember(created)
            return ReplayItem(command, ReplayOutcome.APPLIED, f"created {task_ref(created) or 'Task'}",
                              wrote=True, created=task_ref(created))
        if resp.status_code == 200:
            return [self._body(resp)]
        if resp.status_code == 412:
            return self._open(kind, focus)
        self.client.json(resp)  # raises the typed error of a 4xx/5xx
        raise MalformedResponse(f"unexpected HTTP {resp.status_code} to a Task create", status=resp.status_code)

    def _merge_into(self, task: Resource, desired: Resource) -> bool | None:
        """Write ours into ``task`` with If-Match, reading again after each 412. True: written; False: it
        held ours already; None: it kept changing."""
        current = task
        for _ in range(self.max_rereads):
            merged = merge_tasks(current, desired)
            if same_content(merged, current):
                self._remember(current)
                return False
            ref = task_ref(current)
            if ref is None:
                raise MalformedResponse("a Task came without an id")
            resp = self.client.request("PUT", self.client.url(ref), json_body=merged,
                                       headers={"If-Match": _if_match(current)})
            if resp.status_code in (409, 412):
                log.info("Task %s changed in between (HTTP %d): reading again", token(ref), resp.status_code)
                current = self._read(ref)
                continue
            if 200 <= resp.status_code < 300:
                self._remember(self._body(resp) if resp.content else merged)
                return True
            self.client.json(resp)  # raises the typed error
            raise MalformedResponse(f"unexpected HTTP {resp.status_code} to a Task update", status=resp.status_code)
        return None

    def _read(self, ref: str) -> Resource:
        resp = self.client.request("GET", self.client.url(ref))
        body = self.client.json(resp, expect=TASK)
        etag = resp.headers.get("ETag")
        if etag:
            body = {**body, "meta": {**(body.get("meta") or {}), "_etag": etag}}
        return body

    def _body(self, resp: Any) -> Resource:
        body = self.client.json(resp, expect=TASK)
        etag = resp.headers.get("ETag")
        if etag:
            body = {**body, "meta": {**(body.get("meta") or {}), "_etag": etag}}
        return body

    def _search(self, params: dict[str, str]) -> list[Resource]:
        out: dict[str, Resource] = {}
        for page in self.client.pages(TASK, {**params, "_count": str(self.page_size)}):
            for res in page.resources:
                ref = task_ref(res)
                if ref is not None and res.get("resourceType") == TASK:
                    out[ref] = res
        return [out[k] for k in sorted(out)]

    def _open(self, kind: AlertKind, focus: str) -> list[Resource]:
        return self._search(open_task_query(kind, focus))

    def _closed_of_episode(self, kind: AlertKind, focus: str, desired: Resource) -> list[Resource]:
        """The latest closed Task of this condition, when it was closed during our alert's episode."""
        q = open_task_query(kind, focus)
        q.pop("status")
        raised = _parse(desired.get("authoredOn"))
        found = [t for t in self._search(q) if raised is None
                 or (last_updated(t) or raised) >= raised - EPISODE_SLACK]
        found.sort(key=lambda t: last_updated(t) or datetime.min.replace(tzinfo=UTC))
        return found[-1:]

    def _remember(self, task: Resource) -> None:
        cond, ref = condition_of_task(task), task_ref(task)
        if ref is not None and task.get("status") in OPEN_STATUSES:
            self.open_seen[ref] = self.clock()
        if cond is not None and ref is not None:
            self.known.setdefault(cond, {})[ref] = {k: v for k, v in task.items() if k != "meta"} | {
                "meta": {k: v for k, v in (task.get("meta") or {}).items() if k != "_etag"}}

    # -- following the clinic's Tasks -----------------------------------------------------------------------
    def follow(self, state: WorklistState, now: datetime) -> list[tuple[str, SharedAlert]]:
        """Fetch the Tasks changed since the last follow; which local alerts they change, with what.

        Transport trouble raises (the cursor stays); a refusal of Task sets ``refused`` and returns nothing.
        """
        if self.refused:
            return []
        try:
            self.check_capability()
            if self.refused:
                return []
            since = (self.cursor - self.overlap) if self.cursor is not None else now - FIRST_WINDOW
            found = self._search({"code": all_codes_token(), "_lastUpdated": "ge" + _instant(since)})
        except (NotFound, Refused, AuthenticationError) as exc:
            if self._refused_by(exc):
                return []
            raise
        newest = self.cursor
        for task in found:
            if not self._of_clinic(task):
                # The search is by code alone (R4 Task has no location search parameter), so a regional
                # platform answers with every clinic's alerts: only this clinic's are taken up.
                continue
            self._remember(task)
            at = last_updated(task)
            if at is not None and (newest is None or at > newest):
                newest = at
        self.cursor = newest
        self.prune(now)
        return self.updates(state)

    def updates(self, state: WorklistState) -> list[tuple[str, SharedAlert]]:
        """For each open local alert, what its condition's Tasks (of this episode) say, where they tell it
        something new."""
        out: list[tuple[str, SharedAlert]] = []
        for alert in sorted(state.alerts.values(), key=lambda a: a.id):
            cond = condition_of(alert, self.clinic_ref)
            tasks = self.known.get(cond) if cond is not None else None
            if not tasks:
                continue
            now = self.clock()
            for t in tasks.values():  # open as far as we know now, while this alert is open
                ref = task_ref(t)
                if ref is not None and t.get("status") in OPEN_STATUSES:
                    self.open_seen[ref] = now
            episode = [t for t in tasks.values() if self._of_episode(t, alert)]
            shared = fold(episode)
            if shared is not None and differs(alert, shared):
                out.append((alert.id, shared))
        return out

    def unheld(self, state: WorklistState) -> list[SharedAlert]:
        """Open shared note alerts (``IMPORTED_KINDS``) of conditions no local alert holds."""
        held = {c for c in (condition_of(a, self.clinic_ref) for a in state.alerts.values()) if c is not None}
        out: list[SharedAlert] = []
        for cond, tasks in sorted(self.known.items()):
            if cond[0] not in IMPORTED_KINDS or cond in held:
                continue
            if not any(self._ours(t) for t in tasks.values()):
                continue  # imported only when a Task of the condition names this clinic
            shared = fold([t for t in tasks.values() if t.get("status") in OPEN_STATUSES])
            if shared is not None:
                out.append(shared)
        return out

    def _of_clinic(self, task: Resource) -> bool:
        """Not another clinic's: its location is this clinic, or it names none (another client's update may
        leave it out) and so counts only where a local alert holds its condition or it is known already."""
        location = task.get("location")
        if not isinstance(location, dict):
            return True
        ref = task_ref(task)
        return location.get("reference") == self.clinic_ref or any(ref in ts for ts in self.known.values())

    def _ours(self, task: Resource) -> bool:
        location = task.get("location")
        return isinstance(location, dict) and location.get("reference") == self.clinic_ref

    def _of_episode(self, task: Resource, alert: Alert) -> bool:
        """An open Task is the condition's current one; a closed one counts when this workstation saw it
        open while the alert was open, or (never seen open) when it closed after the alert was raised."""
        if task.get("status") in ("requested", "accepted", "received", "ready", "in-progress", "on-hold"):
            return True
        ref = task_ref(task)
        seen = self.open_seen.get(ref) if ref is not None else None
        if seen is not None:
            return seen >= alert.raised_at
        at = last_updated(task)
        return at is None or at >= alert.raised_at - EPISODE_SLACK

    def prune(self, now: datetime) -> None:
        """Forget conditions whose Tasks are all closed and older than the first look back (memory stays
        bounded in a window open for weeks)."""
        horizon = now - FIRST_WINDOW
        for cond in [c for c, tasks in self.known.items()
                     if all(t.get("status") not in OPEN_STATUSES and (last_updated(t) or horizon) < horizon
                            for t in tasks.values())]:
            for ref in self.known.pop(cond):
                self.open_seen.pop(ref, None)

    def shared_of(self, alert: Alert) -> SharedAlert | None:
        """What the Tasks seen say about ``alert`` (for ``alerts --json``), or None."""
        cond = condition_of(alert, self.clinic_ref)
        tasks = self.known.get(cond) if cond is not None else None
        return fold([t for t in (tasks or {}).values() if self._of_episode(t, alert)]) if tasks else None




def _command_id(alert: Alert) -> str:
    """The outbox id of one transition of one alert: the same transition made twice (or the same
    acknowledgement made by the window and by the command line on copies of one store) is one command."""
    parts = (alert.id, alert.raised_at.isoformat(), alert.status.value, alert.severity.value,
             alert.acknowledged_by or "", alert.ack_comment or "", alert.resolved_by or "", alert.resolution or "")
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


_NAMESPACE = uuid.UUID("6f1f8a52-2c1b-4d6e-9a43-0b6f9d3c1e10")


def _if_match(task: Resource) -> str:
    meta = task.get("meta") or {}
    etag = meta.get("_etag")
    if isinstance(etag, str) and etag:
        return etag
    vid = meta.get("versionId")
    if not isinstance(vid, str | int) or isinstance(vid, bool) or str(vid) == "":
        raise MalformedResponse("a Task came without a version to update against")
    return f'W/"{vid}"'


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


__all__ = ["AlertTasks", "is_task_command"]
