"""What a restore changes: the alert transitions between what the store held and what ``restore`` rebuilt.

Pure domain logic (no database): the store reads the rows, ``worklist.reconcile.restore`` rebuilds the
state as of now, and ``restore_changes`` says which alerts must be written back (and audited) because
time passed while the program was closed, e.g. a triage target was crossed or a condition went away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from legevakt.worklist.models import Alert, AlertStatus

RESTORE_RESOLUTION = "the condition no longer held when the worklist was restored"


def restore_changes(stored: Iterable[Alert], restored: Mapping[str, Alert], now: datetime) -> list[Alert]:
    """The alerts to save after a restore, in a stable order.

    ``stored``: the open (unresolved) alerts as the store held them. ``restored``: the open alerts of the
    restored state, by id. An alert that is new or differs from its stored form is a change; a stored
    alert the restore no longer holds is resolved automatically (by no one) at ``now``.
    """
    stored = list(stored)
    by_id = {a.id: a for a in stored}
    changes = [a for a in restored.values() if by_id.get(a.id) != a]
    changes += [replace(a, status=AlertStatus.RESOLVED, resolved_by=None, resolved_at=now,
                        resolution=RESTORE_RESOLUTION)
                for a in stored if a.id not in restored]
    return changes


def seq_of(alert_id: str | None) -> int:
    """The sequence number at the end of an alert id (``A-12`` -> 12); 0 when there is none."""
    if not alert_id:
        return 0
    try:
        return int(alert_id.rsplit("-", 1)[-1])
    except ValueError:
        return 0


__all__ = ["RESTORE_RESOLUTION", "restore_changes", "seq_of"]
