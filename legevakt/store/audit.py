"""Audit records and the actions the worklist writes. Details carry no patient names or identifiers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

SYSTEM = "system"  # the actor for what the client itself did


class AuditAction(StrEnum):
    ALERT_RAISED = "alert.raised"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    ALERT_ESCALATED = "alert.escalated"
    ALERT_RESOLVED = "alert.resolved"
    ENTRY_ARRIVED = "entry.arrived"
    ENTRY_DEPARTED = "entry.departed"
    ENTRY_DROPPED = "entry.dropped"
    ENTRY_RETURNED = "entry.returned"
    ENTRY_CLOSED = "entry.closed"
    JOURNAL_OPENED = "journal.opened"
    WRITE_QUEUED = "write.queued"  # a command entered the outbox (with its local effect)
    WRITE_APPLIED = "write.applied"  # the platform confirmed it
    WRITE_CONFLICT = "write.conflict"  # someone else changed the same field first
    WRITE_REFUSED = "write.refused"  # the platform refused it


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int  # increasing: the order things happened in
    at: datetime  # timezone-aware (UTC)
    actor: str  # "system" or a user
    action: str  # an AuditAction value, or another "area.verb"
    target: str  # an encounter ref or an alert id
    detail: str = ""
