"""What a restore writes back: new or changed alerts, and stored alerts that no longer hold (resolved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Severity
from legevakt.worklist.restore import RESTORE_RESOLUTION, restore_changes, seq_of

T0 = datetime(2026, 5, 9, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=3)


def alert(n: int, severity: Severity = Severity.WARNING, status: AlertStatus = AlertStatus.OPEN) -> Alert:
    return Alert(id=f"A-{n}", kind=AlertKind.TRIAGE_OVERDUE, severity=severity, key=f"Encounter/e{n}",
                 encounter=f"Encounter/e{n}", raised_at=T0, status=status)


def test_nothing_changed_writes_nothing() -> None:
    stored = [alert(1), alert(2, status=AlertStatus.ACKNOWLEDGED)]
    assert restore_changes(stored, {a.id: a for a in stored}, NOW) == []


def test_an_escalated_and_a_new_alert_are_written() -> None:
    stored = [alert(1), alert(2)]
    restored = {"A-1": alert(1, Severity.CRITICAL), "A-2": alert(2), "A-3": alert(3)}
    assert restore_changes(stored, restored, NOW) == [alert(1, Severity.CRITICAL), alert(3)]


def test_a_stored_alert_the_restore_dropped_is_resolved_automatically_now() -> None:
    stored = [alert(1), alert(2, status=AlertStatus.ACKNOWLEDGED)]
    (resolved,) = restore_changes(stored, {"A-1": alert(1)}, NOW)
    assert resolved.id == "A-2"
    assert (resolved.status, resolved.resolved_by, resolved.resolved_at, resolved.resolution) == (
        AlertStatus.RESOLVED, None, NOW, RESTORE_RESOLUTION)
    assert resolved.severity is Severity.WARNING and resolved.raised_at == T0  # the rest is as stored


def test_the_sequence_of_an_alert_id() -> None:
    assert [seq_of(x) for x in ("A-12", "A-7", None, "", "odd")] == [12, 7, 0, 0, 0]
