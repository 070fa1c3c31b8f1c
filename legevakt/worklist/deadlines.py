"""Deadlines: the alerts that fall due with time alone (TRIAGE_OVERDUE, NOT_TRIAGED, NOT_IN_QUEUE after its
grace). Pure functions.

``time_alerts`` evaluates one entry at one instant and says which alerts to raise or clear and when to look
again; ``reconcile._Work`` applies the effects and keeps the checks in a heap of ``Deadline`` tuples,
so a clock tick only looks at the entries whose next check has come.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from legevakt.worklist.alert_rules import Clear, Effect, Raise, ReconcileConfig
from legevakt.worklist.models import AlertKind, EncounterStatus, Entry, Fate, Severity

Deadline = tuple[datetime, str, str, str]  # (when, encounter ref, alert kind, encounter version at scheduling)


class TimeCheck(NamedTuple):
    effects: list[Effect]  # in this order
    next_checks: list[Deadline]  # when to evaluate this entry again (a stale check is skipped by version)


def time_alerts(entry: Entry, now: datetime, config: ReconcileConfig,
                overdue: Severity | None) -> TimeCheck:
    """TRIAGE_OVERDUE and NOT_TRIAGED for ``entry`` at ``now``; ``overdue`` is its open TRIAGE_OVERDUE's severity."""
    ref, enc = entry.ref, entry.encounter
    effects: list[Effect] = []
    checks: list[Deadline] = []
    waiting = entry.fate is not Fate.DEPARTED and enc.status.waiting_for_doctor and enc.doctor is None
    level = config.scale.level(enc.triage) if waiting else None
    if level is not None:
        target = timedelta(minutes=level.target_minutes)
        t1, t2 = entry.arrived_at + target, entry.arrived_at + 2 * target
        detail = f"waiting past the {level.code} target of {level.target_minutes} min"
        if now >= t2:
            effects.append(Raise(AlertKind.TRIAGE_OVERDUE, Severity.CRITICAL, ref, ref,
                                 detail.replace("past", "past twice")))
        elif now >= t1:
            if overdue is Severity.CRITICAL:
                effects.append(Clear(AlertKind.TRIAGE_OVERDUE, ref, "triage target changed"))
            effects.append(Raise(AlertKind.TRIAGE_OVERDUE, Severity.WARNING, ref, ref, detail))
            checks.append((t2, ref, AlertKind.TRIAGE_OVERDUE.value, enc.version))
        else:
            effects.append(Clear(AlertKind.TRIAGE_OVERDUE, ref, "within the triage target"))
            checks.append((t1, ref, AlertKind.TRIAGE_OVERDUE.value, enc.version))
    else:
        reason = "a doctor has taken over" if entry.fate is not Fate.DEPARTED else "departed"
        effects.append(Clear(AlertKind.TRIAGE_OVERDUE, ref, reason))
    # Not triaged: no level this scale knows (none given, or a code from another scale), while waiting.
    untriaged = waiting and level is None and enc.status is not EncounterStatus.PLANNED
    if untriaged:
        due = entry.arrived_at + config.not_triaged_after
        if now >= due:
            minutes = int(config.not_triaged_after.total_seconds() // 60)
            detail = (f"arrived and not triaged after {minutes} min" if enc.triage is None else
                      f"triage level {enc.triage!r} is not in the {config.scale.key} scale "
                      f"after {minutes} min")
            effects.append(Raise(AlertKind.NOT_TRIAGED, Severity.WARNING, ref, ref, detail))
        else:
            checks.append((due, ref, AlertKind.NOT_TRIAGED.value, enc.version))
    else:
        effects.append(Clear(AlertKind.NOT_TRIAGED, ref,
                             "triaged" if entry.fate is not Fate.DEPARTED else "departed"))
    # Active here but not in the List: an alert once the grace since its arrival has passed.
    if entry.fate is Fate.PRESENT and not entry.in_list and enc.status.is_active:
        due = entry.arrived_at + config.not_in_queue_grace
        if now >= due:
            effects.append(Raise(AlertKind.NOT_IN_QUEUE, Severity.CRITICAL, ref, ref,
                                 "active at the clinic but not in the queue list"))
        else:
            checks.append((due, ref, AlertKind.NOT_IN_QUEUE.value, enc.version))
    return TimeCheck(effects, checks)
