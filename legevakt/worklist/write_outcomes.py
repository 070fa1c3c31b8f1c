"""What a command and its replay do to the worklist state: pure functions built on reconcile's ``_Work``.

- ``apply_command``: the optimistic local effect (the entry's Encounter with the new value).
- ``write_applied``: the platform confirmed it; the command's open write alerts resolve.
- ``write_conflict``: someone else changed the same field first: a critical ``WRITE_CONFLICT`` showing both
  values, and the local entry shows the platform's value again.
- ``write_not_applied``: refused by the platform, or still unconfirmed too long: a critical
  ``WRITE_NOT_APPLIED``. A refusal also puts the platform's value back on the local entry.

Every write alert is keyed by the command id (one open alert per command and kind). Details are English
and hold codes and platform ids only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from legevakt.worklist.commands import Command, CommandKind, apply_local, check, field_value, with_field
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Entry, Severity
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled, _Work
from legevakt.worklist.snapshot import WorklistState

WRITE_ALERTS = (AlertKind.WRITE_CONFLICT, AlertKind.WRITE_NOT_APPLIED)
DEFAULT_CONFIG = ReconcileConfig()


def apply_command(state: WorklistState, command: Command, now: datetime,
                  config: ReconcileConfig = DEFAULT_CONFIG) -> Reconciled:
    """Check ``command`` against the current entry and apply its optimistic effect.

    Raises ``CommandError`` when the command cannot apply (unknown entry, departed, a value that is not
    allowed, or the field changed since the command was made).
    """
    entry = state.entries.get(command.encounter) if command.encounter is not None else None
    if command.kind in (CommandKind.CREATE, CommandKind.UPDATE):
        check(command, entry, config.scale)
        return _Work(state, now, config).freeze()
    check(command, entry, config.scale)
    assert entry is not None  # check() refuses a missing entry
    work = _Work(state, now, config)
    work.put_entry(apply_local(entry, command))
    # An alert the person's own change clears (a re-triage to a level whose target is not passed yet) is
    # resolved in their name, never silently "automatically": who closed a critical alert is on record.
    for alert in list(work.alert_changes.values()):
        if alert.status is AlertStatus.RESOLVED and alert.resolved_by is None and alert.encounter == entry.ref:
            work.alert_changes[alert.id] = replace(alert, resolved_by=command.created_by,
                                                   resolution=CLEARED_BY_CHANGE.format(field=command.kind.field))
    return work.freeze()


#: The resolution of an alert cleared by a person's change of one field (``cleared_by_change`` reads it back).
CLEARED_BY_CHANGE = "cleared by their change of {field}"


def cleared_by_change(resolution: str | None) -> str | None:
    """The field whose change by a person cleared the alert (``CLEARED_BY_CHANGE``), or None."""
    head, _, field = (resolution or "").rpartition(" ")
    return field if field and f"{head} " == CLEARED_BY_CHANGE.removesuffix("{field}") else None


def write_applied(state: WorklistState, command: Command, now: datetime,
                  config: ReconcileConfig = DEFAULT_CONFIG) -> Reconciled:
    """The platform confirmed the command: resolve its open write alerts."""
    work = _Work(state, now, config)
    for kind in WRITE_ALERTS:
        work.clear_alert(kind, command.command_id, "the platform confirmed the change")
    return work.freeze()


def write_conflict(state: WorklistState, command: Command, ours: str | None, theirs: str | None, now: datetime,
                   config: ReconcileConfig = DEFAULT_CONFIG) -> Reconciled:
    """Someone else changed the same field first: raise ``WRITE_CONFLICT`` with both values.

    The local entry shows the platform's value (``theirs``) again, unless a later local change of the same
    field has replaced ours meanwhile.
    """
    work = _Work(state, now, config)
    field = command.kind.field
    detail = (f"{field} change not applied: someone else changed it on the platform first "
              f"(ours {_show(ours)}, theirs {_show(theirs)}, was {_show(command.base)} when ours was made)")
    if command.kind in (CommandKind.CREATE, CommandKind.UPDATE):
        detail = f"{command.describe()} not applied: the platform holds a conflicting resource ({_show(theirs)})"
    work.clear_alert(AlertKind.WRITE_NOT_APPLIED, command.command_id, "superseded by a write conflict")
    work.suppressed.pop((AlertKind.WRITE_CONFLICT, command.command_id), None)
    work.raise_alert(AlertKind.WRITE_CONFLICT, Severity.CRITICAL, command.command_id, command.encounter, detail)
    _revert(work, command, theirs)
    return work.freeze()


def write_not_applied(state: WorklistState, command: Command, reason: str, now: datetime,
                      config: ReconcileConfig = DEFAULT_CONFIG, *, refused: bool = False,
                      platform_value: str | None = None) -> Reconciled:
    """Raise ``WRITE_NOT_APPLIED`` for the command with ``reason`` (e.g. the server's OperationOutcome text).

    ``refused``: the platform said no, for good. The alert is raised even when a person dismissed an
    earlier "still pending" alert for the command, and the local entry shows ``platform_value`` again.
    Without it the command is still pending (it keeps being retried) and the local entry keeps our value.
    """
    work = _Work(state, now, config)
    what = command.describe()
    if refused:
        detail = f"{what}: refused by the platform" + (f": {reason}" if reason else "")
        work.suppressed.pop((AlertKind.WRITE_NOT_APPLIED, command.command_id), None)
    else:
        detail = f"{what}: not confirmed by the platform yet" + (f" ({reason})" if reason else "")
    work.raise_alert(AlertKind.WRITE_NOT_APPLIED, Severity.CRITICAL, command.command_id, command.encounter,
                     detail)
    if refused:
        # Without the platform's value (refused before it was read) the row shows the value the command
        # was made on, the last one confirmed: never a blanked triage, room or clinician.
        _revert(work, command, platform_value if platform_value is not None else command.base)
    return work.freeze()


def open_write_alert(state: WorklistState, command: Command) -> Alert | None:
    """The command's open write alert (conflict first), if any."""
    for kind in WRITE_ALERTS:
        alert = state.open_alert(kind, command.command_id)
        if alert is not None:
            return alert
    return None


def merge(first: Reconciled, second: Reconciled) -> Reconciled:
    """Two consecutive steps as one (``second`` ran on ``first.state``): the latest form of each change."""
    changed: dict[str, Entry] = {**first.changed, **second.changed}
    alerts: dict[str, Alert] = {a.id: a for a in first.alerts}
    alerts.update((a.id, a) for a in second.alerts)
    return Reconciled(state=second.state, changed=changed, events=first.events + second.events,
                      alerts=tuple(alerts.values()))


def as_of(step: Reconciled, state: WorklistState) -> Reconciled:
    """``step`` with each entry and alert it names in its form in ``state`` (a later state: local work that
    ran while the step was being made, such as an acknowledgement given while a cycle fetched, is kept)."""
    changed = {ref: state.entries.get(ref, entry) for ref, entry in step.changed.items()}
    alerts = tuple(state.alerts.get(a.id, a) for a in step.alerts)
    return Reconciled(state=state, changed=changed, events=step.events, alerts=alerts)


def pending_counts(commands: Mapping[str, Command] | list[Command]) -> dict[str, int]:
    """Pending commands per encounter (for the per-row marker)."""
    out: dict[str, int] = {}
    for command in commands.values() if isinstance(commands, Mapping) else commands:
        if command.encounter is not None:
            out[command.encounter] = out.get(command.encounter, 0) + 1
    return out


def _revert(work: _Work, command: Command, platform_value: str | None) -> None:
    """Show the platform's value again where the entry still shows ours."""
    if command.kind in (CommandKind.CREATE, CommandKind.UPDATE) or command.encounter is None:
        return
    entry = work.entries.get(command.encounter)
    if entry is None or field_value(entry.encounter, command.kind) != command.target_value:
        return
    # The base's name when the platform holds the base again (a room shows "Rom 3", not its id).
    display = command.base_display if platform_value == command.base else None
    try:
        encounter = with_field(entry.encounter, command.kind, platform_value, display)
    except ValueError:
        encounter = with_field(entry.encounter, command.kind, command.base, command.base_display)
    work.put_entry(replace(entry, encounter=encounter))


def _show(value: str | None) -> str:
    return "(none)" if value is None else value
