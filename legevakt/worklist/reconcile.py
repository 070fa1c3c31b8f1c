"""Reconciliation: previous state + snapshot + clock -> new state, events and alert changes.

Pure and linear. The work per cycle is C-level set and dict-view differences over encounter ids and
versions to find what changed, then Python work only for the changed encounters ("touched") and for
the deadlines that fell due. See DESIGN.md section 4 for the table this implements.

This module orchestrates one step; the decisions are pure functions elsewhere: ``classify`` (what one
encounter's state means: an ``Outcome``), ``alert_rules`` (which alerts a condition raises or clears),
``deadlines`` (the alerts that fall due with time). ``_Work`` applies their results in order, because alert
ids are sequential. Callers keep importing the public names from here.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import compress
from operator import ne
from sys import intern

from legevakt.problems import Problem, ProblemError, ProblemKind
from legevakt.text import too_long, user_text
from legevakt.worklist.alert_rules import (
    MASS_KEY,
    NO_LONGER_DUPLICATE,
    SYNC_KEY,
    Clear,
    Effect,
    Raise,
    ReconcileConfig,
    counts_as_duplicate,
    duplicate_alerts,
    identity,
    is_mass_departure,
    mass_departure_alert,
    settle_mass_departure,
    sync_freshness,
)
from legevakt.worklist.classify import Event, EventKind, Outcome, classify
from legevakt.worklist.deadlines import time_alerts
from legevakt.worklist.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DepartureReason,
    Entry,
    Fate,
    Severity,
    departure_reason,
)
from legevakt.worklist.snapshot import Snapshot, WorklistState

DEFAULT_CONFIG = ReconcileConfig()

__all__ = [
    "MASS_KEY", "SYNC_KEY", "AlertActionError", "Event", "EventKind", "ReconcileConfig", "Reconciled",
    "acknowledge", "reconcile", "resolve", "restore", "tick",
]


@dataclass(frozen=True, slots=True)
class Reconciled:
    state: WorklistState
    changed: Mapping[str, Entry]  # entries that are new or whose data or fate changed
    events: tuple[Event, ...]
    alerts: tuple[Alert, ...]  # alerts raised, escalated or resolved in this step (latest form)


class _Work:
    """Mutable working copies for one step; frozen into a new WorklistState at the end."""

    def __init__(self, state: WorklistState, now: datetime, config: ReconcileConfig) -> None:
        self.now = now
        self.config = config
        self.state = state
        self.entries = dict(state.entries)
        # ``live`` as the previous frozenset plus this step's changes: one copy at the end, not two.
        self.live_base = state.live
        self.live_delta: dict[str, bool] = {}
        self.alerts = dict(state.alerts)
        self.open_keys = dict(state.open_keys)
        self.by_identity = dict(state.by_identity)
        self.deadlines = list(state.deadlines)
        self.suppressed = dict(state.suppressed)
        self.seq = state.alert_seq
        self.changed: dict[str, Entry] = {}
        self.events: list[Event] = []
        self.alert_changes: dict[str, Alert] = {}

    # -- alerts -------------------------------------------------------------------------------
    def raise_alert(self, kind: AlertKind, severity: Severity, key: str, encounter: str | None,
                    detail: str, related: tuple[str, ...] = ()) -> Alert | None:
        """Open an alert for the condition, or escalate the open one. Never two open for one condition.

        A condition that a person resolved while it still held stays quiet (None) until it clears, unless
        it escalates from the warning the person resolved to critical.
        """
        alert_id = self.open_keys.get((kind, key))
        if alert_id is None and (kind, key) in self.suppressed:
            if not (severity is Severity.CRITICAL and self.suppressed[(kind, key)] is Severity.WARNING):
                return None
            del self.suppressed[(kind, key)]
        if alert_id is not None:
            alert = self.alerts[alert_id]
            if severity is Severity.CRITICAL and alert.severity is Severity.WARNING:
                # Escalation needs a fresh acknowledgement: a critical alert is never silently acked.
                alert = replace(alert, severity=severity, status=AlertStatus.OPEN, detail=detail,
                                acknowledged_by=None, acknowledged_at=None, ack_comment=None)
                self._put(alert)
            elif alert.related != related or alert.detail != detail:
                alert = replace(alert, related=related, detail=detail)
                self._put(alert)
            return alert
        self.seq += 1
        alert = Alert(id=f"AL-{self.seq:06d}", kind=kind, severity=severity, key=key, encounter=encounter,
                      raised_at=self.now, detail=detail, related=related)
        self.open_keys[(kind, key)] = alert.id
        self._put(alert)
        return alert

    def clear_alert(self, kind: AlertKind, key: str, evidence: str) -> None:
        """The condition no longer holds: resolve its alert with the evidence, and forget any suppression."""
        if self.suppressed:
            self.suppressed.pop((kind, key), None)
        alert_id = self.open_keys.pop((kind, key), None)
        if alert_id is None:
            return
        alert = replace(self.alerts.pop(alert_id), status=AlertStatus.RESOLVED, resolved_at=self.now,
                        resolved_by=None, resolution=evidence)
        self.alert_changes[alert.id] = alert

    def apply(self, effects: Iterable[Effect | None]) -> None:
        """Apply alert rules' effects in their order (alert ids are given out in that order)."""
        for effect in effects:  # hot: a few per changed entry, so exact type tests and positional calls
            if type(effect) is Clear:
                self.clear_alert(*effect)
            elif type(effect) is Raise:
                self.raise_alert(*effect)

    def _put(self, alert: Alert) -> None:
        self.alerts[alert.id] = alert
        self.alert_changes[alert.id] = alert

    def has_alert(self, kind: AlertKind, key: str) -> bool:
        return (kind, key) in self.open_keys

    def open_alert(self, kind: AlertKind, key: str) -> Alert | None:
        alert_id = self.open_keys.get((kind, key))
        return None if alert_id is None else self.alerts[alert_id]

    # -- entries ------------------------------------------------------------------------------
    def apply_outcome(self, outcome: Outcome) -> None:
        """Apply one classification, in the order the original single pass made these changes."""
        if outcome.settled_effects:
            self.apply(outcome.settled_effects)
        if outcome.event is not None:
            self.events.append(outcome.event)
        entry = outcome.entry
        if entry is not None:
            if outcome.record_only:
                self.entries[intern(entry.ref)] = entry
            else:
                self.put_entry(entry)
        self.apply(outcome.alert_effects)

    def put_entry(self, entry: Entry) -> None:
        ref = intern(entry.ref)  # the same object as the snapshots' keys: cheap set and dict passes
        old = self.entries.get(ref)
        if old == entry:
            return
        self.entries[ref] = entry
        self.changed[ref] = entry
        self.live_delta[ref] = entry.fate is not Fate.DEPARTED
        self._reindex_identity(old, entry)
        self.time_alerts(entry)

    def _reindex_identity(self, old: Entry | None, new: Entry) -> None:
        old_id = identity(old) if old is not None and counts_as_duplicate(old) else None
        new_id = identity(new) if counts_as_duplicate(new) else None
        if old_id == new_id:
            if new_id is not None and (old is None or old.arrived_at != new.arrived_at):
                self._check_duplicates(new_id)  # the order of arrival within the group may have changed
            return
        if old_id is not None:
            refs = self.by_identity.get(old_id, frozenset()) - {new.ref}
            if refs:
                self.by_identity[old_id] = refs
            else:
                self.by_identity.pop(old_id, None)
            self._check_duplicates(old_id)
            self.clear_alert(AlertKind.DUPLICATE_PATIENT, new.ref, NO_LONGER_DUPLICATE)
        if new_id is not None:
            self.by_identity[new_id] = self.by_identity.get(new_id, frozenset()) | {new.ref}
            self._check_duplicates(new_id)

    def _check_duplicates(self, identity: str) -> None:
        refs = sorted(self.by_identity.get(identity, frozenset()),
                      key=lambda r: (self.entries[r].arrived_at, r))
        self.apply(duplicate_alerts(refs))

    # -- time ---------------------------------------------------------------------------------
    def time_alerts(self, entry: Entry) -> None:
        """(Re)evaluate TRIAGE_OVERDUE and NOT_TRIAGED for one entry now; schedule the next check."""
        alert = self.open_alert(AlertKind.TRIAGE_OVERDUE, entry.ref)
        check = time_alerts(entry, self.now, self.config, None if alert is None else alert.severity)
        self.apply(check.effects)
        for deadline in check.next_checks:
            heapq.heappush(self.deadlines, deadline)

    def run_deadlines(self) -> None:
        heap, now = self.deadlines, self.now
        while heap and heap[0][0] <= now:
            _, ref, _, version = heapq.heappop(heap)
            entry = self.entries.get(ref)
            if entry is not None and entry.encounter.version == version and self.is_live(ref):
                self.time_alerts(entry)

    def settle_mass_departure(self) -> None:
        alert = self.open_alert(AlertKind.MASS_DEPARTURE, MASS_KEY)
        self.apply((settle_mass_departure(alert, lambda ref: self.has_alert(AlertKind.DROPPED_FROM_QUEUE, ref)),))

    def is_live(self, ref: str) -> bool:
        live = self.live_delta.get(ref)
        return ref in self.live_base if live is None else live

    def frozen_live(self) -> frozenset[str]:
        base = self.live_base
        added = [ref for ref, live in self.live_delta.items() if live and ref not in base]
        removed = [ref for ref, live in self.live_delta.items() if not live and ref in base]
        if not removed:
            return base.union(added) if added else base
        if not added:
            return base.difference(removed)
        # small ^ base: CPython copies ``base`` in one straight table copy, then toggles the few changes.
        # (``base ^ small`` would insert every element one by one; ``(base - r) | a`` copies twice.)
        return frozenset(added + removed).symmetric_difference(base)

    def sync_freshness(self, last_complete: datetime | None) -> None:
        since = last_complete if last_complete is not None else self.state.started_at
        self.apply((sync_freshness(since, self.now, self.config),))

    def freeze(self, **changes: object) -> Reconciled:
        fields: dict[str, object] = dict(
            entries=self.entries, live=self.frozen_live(), alerts=self.alerts, open_keys=self.open_keys,
            by_identity=self.by_identity, deadlines=tuple(self.deadlines), alert_seq=self.seq,
            suppressed=self.suppressed,
        )
        if self.state.started_at is None:
            fields["started_at"] = self.now  # the sync's age counts from the first step when nothing else
        fields.update(changes)
        state = replace(self.state, **fields)  # type: ignore[arg-type]
        return Reconciled(state=state, changed=self.changed, events=tuple(self.events),
                          alerts=tuple(self.alert_changes.values()))


def _aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the clock must be timezone-aware (every platform time is)")


def tick(state: WorklistState, now: datetime, config: ReconcileConfig = DEFAULT_CONFIG) -> Reconciled:
    """Advance the clock with no new data: deadlines that fell due and sync freshness."""
    _aware(now)
    work = _Work(state, now, config)
    work.run_deadlines()
    work.sync_freshness(state.last_complete_at)
    return work.freeze()


def reconcile(state: WorklistState, snapshot: Snapshot, now: datetime,
              config: ReconcileConfig = DEFAULT_CONFIG) -> Reconciled:
    """Fold one snapshot into the state. An incomplete snapshot changes no entry: it only ages the data."""
    _aware(now)
    if not snapshot.complete:
        return tick(state, now, config)

    list_now = snapshot.list_items
    encounters = snapshot.encounters

    # What changed: C-level passes over ids and versions; Python work only for what they find.
    list_moved = list_now ^ state.in_list
    if (snapshot.revisions or not snapshot.versions) and (state.seen_revisions or not state.seen):
        # Encounter and patient versions in one pass (Snapshot.of combines them per encounter).
        touched: set[str] = set(_changed(snapshot.revisions, state.seen_revisions))
    else:  # a snapshot assembled by hand, or a state restored without the combined index
        touched = set(_changed(snapshot.versions, state.seen))
        for pref in _changed(snapshot.patient_versions, state.seen_patients):
            touched.update(snapshot.encounters_by_patient.get(pref, ()))
    touched |= list_moved
    # Live entries whose confirming read failed. The sync reads every ref in (state.live | List items) that
    # the search did not return (see Snapshot), so a live ref absent from ``encounters`` is in
    # ``unreadable``; relying on that keeps this O(unreadable) instead of another pass over every entry.
    touched |= state.live & snapshot.unreadable

    # Entries of the queue (live, in the List last time) that are gone from the List now.
    leaving = [ref for ref in list_moved if ref in state.in_list and ref in state.live]
    queue = len(state.in_list & state.live)
    mass = is_mass_departure(len(leaving), queue, config)
    held = frozenset(leaving) if mass else frozenset()

    work = _Work(state, now, config)
    patients = snapshot.patients
    for ref in sorted(touched):
        work.apply_outcome(classify(ref, state.entries.get(ref), encounters.get(ref), in_list=ref in list_now,
                                    patients=patients, now=now, held=ref in held))

    if mass:
        previous = work.open_alert(AlertKind.MASS_DEPARTURE, MASS_KEY)
        members = held | frozenset(previous.related if previous is not None else ())
        work.apply((mass_departure_alert(len(leaving), queue, tuple(members)),))
    work.settle_mass_departure()

    work.run_deadlines()
    work.sync_freshness(now)
    return work.freeze(seen=snapshot.versions, seen_patients=snapshot.patient_versions,
                       seen_revisions=snapshot.revisions, in_list=list_now, last_complete_at=now)


def _changed(new: Mapping[str, str], old: Mapping[str, str]) -> list[str]:
    """Keys of ``new`` whose value is not the one in ``old`` (or that ``old`` lacks).

    Same result as ``{k for k, _ in new.items() - old.items()}`` without building a tuple per key.
    """
    return list(compress(new, map(ne, new.values(), map(old.get, new))))


# -- people act on alerts ----------------------------------------------------------------------

class AlertActionError(ProblemError, ValueError):
    """A person's action on an alert is not allowed: an ``ALERT_*`` problem (alert ids only, no patient data).

    ``str()`` still gives the former English sentence, for the CLI and ``ui/texts.py`` until they translate
    ``problem`` (then drop ``__str__`` and ``_LEGACY_TEXT``).
    """

    def __init__(self, kind: ProblemKind, **params: str) -> None:
        super().__init__(Problem.of(kind, **params))

    def __str__(self) -> str:
        return _LEGACY_TEXT[self.problem.kind].format(**self.problem.params)


_LEGACY_TEXT = {
    ProblemKind.ALERT_WHO_MISSING: "who {action} must be given",
    ProblemKind.ALERT_COMMENT_REQUIRED: "alert {alert} is critical: a comment is required to acknowledge it",
    ProblemKind.ALERT_ALREADY_ACKNOWLEDGED: "alert {alert} is already acknowledged",
    ProblemKind.ALERT_REASON_REQUIRED: "a reason is required to resolve an alert",
    ProblemKind.ALERT_NOT_OPEN: "no open alert with id {alert} (unknown, or already resolved)",
    ProblemKind.TEXT_TOO_LONG: "the {field} text is longer than {limit} characters",
}


def _person_text(alert_id: str, by: str, text: str | None, field: str) -> tuple[str, str]:
    """``by`` and the comment or reason as stored: control and bidi formatting characters removed, refused
    past their limits (issue 11), so a terminal escape in ``--by`` never reaches the store nor ``alerts``."""
    who, said = user_text(by), user_text(text, multiline=True).strip()
    for name, value in (("by", who), (field, said)):
        limit = too_long(value, name)
        if limit is not None:
            raise AlertActionError(ProblemKind.TEXT_TOO_LONG, alert=alert_id, field=name, limit=str(limit))
    return who, said


def acknowledge(state: WorklistState, alert_id: str, by: str, comment: str | None, now: datetime) -> Reconciled:
    _aware(now)
    alert = _find_open(state, alert_id)
    by, text = _person_text(alert_id, by, comment, "comment")
    if not by:
        raise AlertActionError(ProblemKind.ALERT_WHO_MISSING, alert=alert_id, action="acknowledges")
    if alert.severity is Severity.CRITICAL and not text:
        raise AlertActionError(ProblemKind.ALERT_COMMENT_REQUIRED, alert=alert_id)
    if alert.status is AlertStatus.ACKNOWLEDGED:
        raise AlertActionError(ProblemKind.ALERT_ALREADY_ACKNOWLEDGED, alert=alert_id)
    work = _Work(state, now, ReconcileConfig())
    work._put(replace(alert, status=AlertStatus.ACKNOWLEDGED, acknowledged_by=by, acknowledged_at=now,
                      ack_comment=text or None))
    return work.freeze()


def resolve(state: WorklistState, alert_id: str, by: str, reason: str, now: datetime,
            config: ReconcileConfig = DEFAULT_CONFIG) -> Reconciled:
    """A person resolves an alert with a reason. Resolving a drop takes the tombstone off the queue."""
    _aware(now)
    alert = _find_open(state, alert_id)
    by, reason = _person_text(alert_id, by, reason, "reason")
    if not by:
        raise AlertActionError(ProblemKind.ALERT_WHO_MISSING, alert=alert_id, action="resolves")
    if not reason:
        raise AlertActionError(ProblemKind.ALERT_REASON_REQUIRED, alert=alert_id)
    work = _Work(state, now, config)
    work.open_keys.pop((alert.kind, alert.key), None)
    del work.alerts[alert.id]
    work.alert_changes[alert.id] = replace(alert, status=AlertStatus.RESOLVED, resolved_by=by, resolved_at=now,
                                           resolution=reason)
    if alert.kind is not AlertKind.MASS_DEPARTURE:
        # The person has seen this condition: it stays quiet until it clears (or escalates), instead of
        # opening again at the next change of the encounter.
        work.suppressed[(alert.kind, alert.key)] = alert.severity
    if alert.kind is AlertKind.DROPPED_FROM_QUEUE and alert.encounter is not None:
        entry = state.entries.get(alert.encounter)
        if entry is not None and entry.fate is Fate.DROPPED:
            enc = entry.encounter
            departure = (departure_reason(enc.status, enc.disposition) if enc.status.is_terminal
                         else DepartureReason.CLOSED_BY_USER)
            work.put_entry(replace(entry, fate=Fate.DEPARTED, departure=departure, left_at=entry.left_at or now))
            work.events.append(Event(EventKind.CLOSED, entry.ref, now, departure.value))
        work.settle_mass_departure()
    elif alert.kind is AlertKind.MASS_DEPARTURE:
        pass  # each held entry still needs its own confirmation
    return work.freeze()


def _find_open(state: WorklistState, alert_id: str) -> Alert:
    alert = state.alerts.get(alert_id)
    if alert is None:
        raise AlertActionError(ProblemKind.ALERT_NOT_OPEN, alert=alert_id)
    return alert


def restore(entries: Iterable[Entry], alerts: Iterable[Alert], *, seen: Mapping[str, str] | None = None,
            in_list: Iterable[str] = (), last_complete_at: datetime | None = None, alert_seq: int = 0,
            now: datetime, config: ReconcileConfig = DEFAULT_CONFIG,
            suppressed: Mapping[tuple[AlertKind, str], Severity] | None = None,
            seen_patients: Mapping[str, str] | None = None) -> WorklistState:
    """Rebuild a state from what the store kept, so a restart compares against what was last seen.

    ``suppressed`` is ``WorklistState.suppressed`` as it was kept; without it, conditions a person
    resolved while they still held raise a fresh alert after the restart (noisy, never silent).
    """
    base = WorklistState(started_at=now, last_complete_at=last_complete_at, alert_seq=alert_seq,
                         in_list=frozenset(map(intern, in_list)), seen=_interned(seen),
                         seen_patients=_interned(seen_patients), suppressed=dict(suppressed or {}))
    open_alerts = {a.id: a for a in alerts if a.is_open}
    base = replace(base, alerts=open_alerts, open_keys={(a.kind, a.key): a.id for a in open_alerts.values()},
                   alert_seq=max([alert_seq, *(_seq_of(a.id) for a in open_alerts.values())]))
    work = _Work(base, now, config)
    for entry in entries:
        work.put_entry(entry)
    result = work.freeze()
    return result.state


def _interned(versions: Mapping[str, str] | None) -> dict[str, str]:
    # Interned like Snapshot.of's keys, so the first cycle after a restart compares pointers too.
    return {intern(ref): intern(version) for ref, version in (versions or {}).items()}


def _seq_of(alert_id: str) -> int:
    try:
        return int(alert_id.rsplit("-", 1)[-1])
    except ValueError:
        return 0

