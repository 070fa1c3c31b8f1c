"""The outbox: commands waiting for the platform, replayed in order until it confirms each.

A command is stored in the same transaction as its optimistic local effect (``enqueue``), so a crash
loses both or neither. Each replay outcome is stored in its own transaction together with the alert
changes it causes (``mark``), so a command is never marked conflicted or refused without its alert.

Rows keep their history: ``pending`` -> ``applied`` | ``conflict`` | ``refused``. ``id`` is the order.
Used through the ``Store`` methods of the same names; ``OutboxRepository`` works inside the caller's
``UnitOfWork`` and never opens a transaction or imports the ``Store`` facade.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from legevakt.store.audit import SYSTEM, AuditAction
from legevakt.store.engine import UnitOfWork
from legevakt.store.tables import AuditRow, OutboxRow
from legevakt.worklist.commands import Command, CommandKind
from legevakt.worklist.models import DepartureReason

PAYLOAD_VERSION = 1


class OutboxState(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    CONFLICT = "conflict"
    REFUSED = "refused"


class ProvenanceState(StrEnum):
    """The Provenance of an applied Encounter change: waiting to be sent, on the platform, or kept here only
    (the platform does not take Provenance)."""

    PENDING = "pending"
    RECORDED = "recorded"
    LOCAL = "local"


_AUDIT_OF: dict[OutboxState, AuditAction] = {
    OutboxState.APPLIED: AuditAction.WRITE_APPLIED,
    OutboxState.CONFLICT: AuditAction.WRITE_CONFLICT,
    OutboxState.REFUSED: AuditAction.WRITE_REFUSED,
}


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One outbox row: the command and how far it got."""

    seq: int  # the replay order
    command: Command
    state: OutboxState
    attempts: int  # sends that got no answer we could act on (transport errors, server faults)
    last_error: str | None
    updated_at: datetime


# -- rows <-> commands ------------------------------------------------------------------------------

def command_payload(command: Command) -> dict[str, Any]:
    """The command's fields besides the row's own columns, as JSON."""
    return {
        "v": PAYLOAD_VERSION,
        "target": command.target,
        "base": command.base,
        "disposition": None if command.disposition is None else command.disposition.value,
        "base_version": command.base_version,
        "system": command.system,
        "display": command.display,
        "base_display": command.base_display,
        "resource_type": command.resource_type,
        "body": command.body,
    }


def command_from_row(row: OutboxRow) -> Command:
    payload = row.payload or {}
    disposition = payload.get("disposition")
    return Command(
        command_id=row.command_id,
        kind=CommandKind(row.kind),
        encounter=row.encounter,
        target=payload.get("target"),
        base=payload.get("base"),
        created_at=row.created_at,
        created_by=row.created_by,
        disposition=None if disposition is None else DepartureReason(disposition),
        base_version=payload.get("base_version"),
        system=payload.get("system"),
        display=payload.get("display"),
        base_display=payload.get("base_display"),
        resource_type=payload.get("resource_type"),
        body=payload.get("body"),
    )


def _item(row: OutboxRow) -> OutboxItem:
    return OutboxItem(seq=row.id, command=command_from_row(row), state=OutboxState(row.state),
                      attempts=row.attempts, last_error=row.last_error, updated_at=row.updated_at)


def _audit_row(action: AuditAction, command: Command, actor: str, at: datetime) -> AuditRow:
    # Codes and platform ids only: never the server's free text (it may quote anything).
    return AuditRow(at=at, actor=actor, action=action.value, target=command.encounter or command.command_id,
                    detail=f"{command.command_id}: {command.describe()}")


# -- the repository ------------------------------------------------------------------------------------

class OutboxRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def enqueue(self, command: Command, *, actor: str) -> int:
        """Add ``command`` (pending) and its ``write.queued`` audit row. Returns its place in the order."""
        now = datetime.now(UTC)
        session = self._uow.session
        row = OutboxRow(command_id=command.command_id, encounter=command.encounter, kind=command.kind.value,
                        payload=command_payload(command), created_at=command.created_at,
                        created_by=command.created_by, state=OutboxState.PENDING.value, attempts=0,
                        last_error=None, updated_at=now)
        session.add(row)
        session.add(_audit_row(AuditAction.WRITE_QUEUED, command, actor, now))
        session.flush()
        return row.id

    def enqueue_many(self, commands: Sequence[Command], *, actor: str) -> None:
        """``enqueue`` for many commands with one flush (a sync cycle recording hundreds of receipts)."""
        if not commands:
            return
        now = datetime.now(UTC)
        session = self._uow.session
        for command in commands:
            who = command.created_by or actor
            session.add(OutboxRow(command_id=command.command_id, encounter=command.encounter,
                                  kind=command.kind.value, payload=command_payload(command),
                                  created_at=command.created_at, created_by=command.created_by,
                                  state=OutboxState.PENDING.value, attempts=0, last_error=None, updated_at=now))
            session.add(_audit_row(AuditAction.WRITE_QUEUED, command, who, now))
        session.flush()

    def pending(self) -> list[Command]:
        """Commands still waiting for the platform, in the order they were given."""
        stmt = select(OutboxRow).where(OutboxRow.state == OutboxState.PENDING.value).order_by(OutboxRow.id)
        return [command_from_row(row) for row in self._uow.session.scalars(stmt)]

    def pending_count(self) -> int:
        """How many commands wait for the platform (without decoding them)."""
        stmt = select(func.count()).select_from(OutboxRow).where(OutboxRow.state == OutboxState.PENDING.value)
        return int(self._uow.session.scalar(stmt) or 0)

    def pending_by_encounter(self) -> dict[str, int]:
        """How many commands wait for each encounter (for the per-row marker)."""
        stmt = (select(OutboxRow.encounter, func.count()).where(OutboxRow.state == OutboxState.PENDING.value)
                .where(OutboxRow.encounter.is_not(None)).group_by(OutboxRow.encounter))
        return {str(ref): int(n) for ref, n in self._uow.session.execute(stmt)}

    def mark(self, command_id: str, state: OutboxState | str, error: str | None = None, *,
             actor: str = SYSTEM, attempt: bool = False, provenance: dict[str, Any] | None = None,
             provenance_state: ProvenanceState | str = "pending") -> None:
        """Record a replay outcome (with its audit row when the state changes).

        ``attempt``: one more send got no answer we could act on (the row stays pending and counts it).
        ``error`` replaces the row's last error when given. ``provenance``: the Provenance of an applied
        change, kept in ``provenance_state`` (pending: to be sent). A final state clears ``in_flight``.
        KeyError for an unknown command.
        """
        state = OutboxState(state)
        now = datetime.now(UTC)
        row = self._row(command_id)
        previous = OutboxState(row.state)
        row.state = state.value
        row.updated_at = now
        if attempt:
            row.attempts += 1
        if error is not None:
            row.last_error = error
        if state is not OutboxState.PENDING:
            row.in_flight = None
        if provenance is not None:
            row.provenance = provenance
            row.provenance_state = ProvenanceState(provenance_state).value
        if state is not previous and state in _AUDIT_OF:
            self._uow.session.add(_audit_row(_AUDIT_OF[state], command_from_row(row), actor, now))
        self._uow.session.flush()

    def _row(self, command_id: str) -> OutboxRow:
        row = self._uow.session.scalars(select(OutboxRow).where(OutboxRow.command_id == command_id)).one_or_none()
        if row is None:
            raise KeyError(f"no outbox command {command_id}")
        return row

    # -- an Encounter update in flight, and the Provenance of an applied one --------------------------
    def sending(self, command_id: str, version: str | None) -> None:
        """An update of this pending command is about to be sent against ``version`` (kept until a final mark;
        None: no update of it is in flight any more)."""
        row = self._row(command_id)
        row.in_flight = version
        self._uow.session.flush()

    def in_flight(self) -> dict[str, str]:
        """Pending commands whose last update was sent and never answered: command id -> the version it was
        sent against (the process stopped between sending and marking)."""
        stmt = (select(OutboxRow.command_id, OutboxRow.in_flight)
                .where(OutboxRow.state == OutboxState.PENDING.value).where(OutboxRow.in_flight.is_not(None)))
        return {str(c): str(v) for c, v in self._uow.session.execute(stmt)}

    def pending_provenance(self) -> list[tuple[str, dict[str, Any]]]:
        """Provenances of applied changes the platform does not hold yet, in write order: (command id, body)."""
        stmt = (select(OutboxRow.command_id, OutboxRow.provenance)
                .where(OutboxRow.provenance_state == ProvenanceState.PENDING.value).order_by(OutboxRow.id))
        return [(str(c), dict(body or {})) for c, body in self._uow.session.execute(stmt)]

    def provenance_done(self, command_id: str, state: ProvenanceState | str, ref: str | None = None) -> None:
        """The Provenance of ``command_id`` is on the platform (``recorded``, as ``ref``) or stays ``local``."""
        row = self._row(command_id)
        row.provenance_state = ProvenanceState(state).value
        row.provenance_ref = ref
        row.updated_at = datetime.now(UTC)
        self._uow.session.flush()

    def provenance_of(self, command_id: str) -> tuple[str | None, str | None]:
        """(provenance_state, provenance_ref) of a command."""
        row = self._row(command_id)
        return row.provenance_state, row.provenance_ref

    def items(self, status: OutboxState | str | None = None, *, encounter: str | None = None) -> list[OutboxItem]:
        """Outbox rows in order; only those in ``status``, or of ``encounter``, when given."""
        stmt = select(OutboxRow).order_by(OutboxRow.id)
        if status is not None:
            stmt = stmt.where(OutboxRow.state == OutboxState(status).value)
        if encounter is not None:
            stmt = stmt.where(OutboxRow.encounter == encounter)
        return [_item(row) for row in self._uow.session.scalars(stmt)]

    def states(self, command_ids: Sequence[str]) -> dict[str, str]:
        """The state of each given command that is in the outbox."""
        out: dict[str, str] = {}
        ids = list(command_ids)
        for i in range(0, len(ids), 500):
            stmt = select(OutboxRow.command_id, OutboxRow.state).where(OutboxRow.command_id.in_(ids[i:i + 500]))
            out.update((str(c), str(st)) for c, st in self._uow.session.execute(stmt))
        return out
