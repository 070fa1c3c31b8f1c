"""The journal's ledger: notes as written here, every delivery in its latest state, and link events.

Rows <-> ``legevakt.journal.model`` objects. Works inside the caller's ``UnitOfWork`` (so a delivery's
state, the alerts it raises and the outbox command that records its outcome commit together).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select

from legevakt.journal.model import (
    Delivery,
    DeliveryState,
    Note,
    NoteStatus,
    Receipt,
    ReceiptStatus,
    receipt_error,
)
from legevakt.store.engine import UnitOfWork
from legevakt.store.tables import DeliveryRow, LinkEventRow, NoteRow

_DELIVERIES: Table = DeliveryRow.__table__  # type: ignore[assignment]
_CHUNK = 500  # identifiers per IN (...) list


def _receipt_json(r: Receipt | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {"ref": r.ref, "in_response_to": r.in_response_to, "status": r.status.value,
            "errors": [e.code for e in r.errors], "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            "free_text": r.free_text}


def _receipt(value: dict[str, Any] | None) -> Receipt | None:
    if not value:
        return None
    sent = value.get("sent_at")
    return Receipt(ref=value["ref"], in_response_to=value["in_response_to"], status=ReceiptStatus(value["status"]),
                   errors=tuple(receipt_error(c) for c in value.get("errors") or ()),
                   sent_at=datetime.fromisoformat(sent) if sent else None, free_text=value.get("free_text"))


def note_from_row(row: NoteRow) -> Note:
    return Note(identifier=row.identifier, encounter=row.encounter, patient=row.patient, author=row.author,
                text=row.text, date=row.date, kind=row.kind, status=NoteStatus(row.status),
                authenticator=row.authenticator, replaces=row.replaces, ref=row.ref)


def delivery_from_row(row: DeliveryRow) -> Delivery:
    return Delivery(identifier=row.identifier, note=row.note, patient=row.patient, recipient=row.recipient,
                    kind=row.kind, state=DeliveryState(row.state), communication=row.communication,
                    sent_at=row.sent_at, deadline=row.deadline, transported_at=row.transported_at,
                    receipt=_receipt(row.receipt), was_overdue=row.was_overdue, resend_of=row.resend_of,
                    resent_as=row.resent_as, encounter=row.encounter, sender=row.sender,
                    created_at=row.created_at)


class LedgerRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # -- notes -------------------------------------------------------------------------------------
    def put_notes(self, notes: Iterable[Note]) -> None:
        session = self._uow.session
        now = datetime.now(UTC)
        for note in notes:
            row = session.get(NoteRow, note.identifier)
            if row is None:
                row = NoteRow(identifier=note.identifier)
                session.add(row)
            row.ref, row.encounter, row.patient, row.author = note.ref, note.encounter, note.patient, note.author
            row.kind, row.status, row.authenticator = note.kind, note.status.value, note.authenticator
            row.replaces, row.date, row.text, row.updated_at = note.replaces, note.date, note.text, now
        session.flush()

    def note(self, key: str) -> Note | None:
        """By client identifier or by ``DocumentReference/<id>``."""
        session = self._uow.session
        row = session.get(NoteRow, key)
        if row is None:
            row = session.scalars(select(NoteRow).where(NoteRow.ref == key)).one_or_none()
        return None if row is None else note_from_row(row)

    def notes(self, encounter: str | None = None, *, without_ref: bool = False) -> list[Note]:
        """Newest first."""
        stmt = select(NoteRow).order_by(NoteRow.date.desc(), NoteRow.identifier)
        if encounter is not None:
            stmt = stmt.where(NoteRow.encounter == encounter)
        if without_ref:
            stmt = stmt.where(NoteRow.ref.is_(None))
        return [note_from_row(r) for r in self._uow.session.scalars(stmt)]

    # -- deliveries --------------------------------------------------------------------------------
    def put_deliveries(self, deliveries: Iterable[Delivery]) -> None:
        """Insert or update each delivery's row (the last one wins when a delivery comes twice).

        One ``SELECT ... IN`` per ``_CHUNK`` learns which rows exist (their ``created_at`` is kept), then one
        executemany upsert writes them all: a sync cycle settling hundreds of deliveries costs two
        statements, not a SELECT and an UPDATE per delivery."""
        items = list(deliveries)
        if not items:
            return
        session = self._uow.session
        now = datetime.now(UTC)
        ids = list(dict.fromkeys(d.identifier for d in items))
        created: dict[str, datetime] = {}
        for i in range(0, len(ids), _CHUNK):
            stmt = select(DeliveryRow.identifier, DeliveryRow.created_at).where(
                DeliveryRow.identifier.in_(ids[i:i + _CHUNK]))
            created.update((ident, at) for ident, at in session.execute(stmt))
        rows = []
        for d in items:
            first = created.setdefault(d.identifier, d.created_at or now)
            rows.append({
                "identifier": d.identifier, "note": d.note, "encounter": d.encounter, "patient": d.patient,
                "recipient": d.recipient, "kind": d.kind, "state": d.state.value, "communication": d.communication,
                "sent_at": d.sent_at, "deadline": d.deadline, "transported_at": d.transported_at,
                "receipt": _receipt_json(d.receipt), "was_overdue": d.was_overdue, "resend_of": d.resend_of,
                "resent_as": d.resent_as, "sender": d.sender, "created_at": first, "updated_at": now,
            })
        self._uow.upsert(_DELIVERIES, rows)

    def delivery(self, key: str) -> Delivery | None:
        """By client identifier or by ``Communication/<id>``."""
        session = self._uow.session
        row = session.get(DeliveryRow, key)
        if row is None:
            row = session.scalars(select(DeliveryRow).where(DeliveryRow.communication == key)).one_or_none()
        return None if row is None else delivery_from_row(row)

    def deliveries(self, *, states: Sequence[DeliveryState] | None = None, note: str | None = None,
                   encounter: str | None = None, since: datetime | None = None) -> list[Delivery]:
        """Newest first (by when they were sent here)."""
        stmt = select(DeliveryRow).order_by(DeliveryRow.created_at.desc(), DeliveryRow.identifier)
        if states is not None:
            stmt = stmt.where(DeliveryRow.state.in_([s.value for s in states]))
        if note is not None:
            stmt = stmt.where(DeliveryRow.note == note)
        if encounter is not None:
            stmt = stmt.where(DeliveryRow.encounter == encounter)
        if since is not None:
            stmt = stmt.where(DeliveryRow.created_at >= since)
        return [delivery_from_row(r) for r in self._uow.session.scalars(stmt)]

    # -- the link ----------------------------------------------------------------------------------
    def last_link(self) -> bool | None:
        row = self._uow.session.scalars(select(LinkEventRow).order_by(LinkEventRow.id.desc()).limit(1)).first()
        return None if row is None else row.up

    def add_link_event(self, at: datetime, up: bool) -> None:
        self._uow.session.add(LinkEventRow(at=at, up=up))
        self._uow.session.flush()

    def link_events(self, since: datetime | None = None, until: datetime | None = None) -> list[tuple[datetime, bool]]:
        """(at, up) in time order; with the last event before ``since`` first, so the state at ``since`` is
        known."""
        session = self._uow.session
        out: list[tuple[datetime, bool]] = []
        if since is not None:
            before = session.scalars(select(LinkEventRow).where(LinkEventRow.at < since)
                                     .order_by(LinkEventRow.at.desc(), LinkEventRow.id.desc()).limit(1)).first()
            if before is not None:
                out.append((before.at, before.up))
        stmt = select(LinkEventRow).order_by(LinkEventRow.at, LinkEventRow.id)
        if since is not None:
            stmt = stmt.where(LinkEventRow.at >= since)
        if until is not None:
            stmt = stmt.where(LinkEventRow.at < until)
        out.extend((r.at, r.up) for r in session.scalars(stmt))
        return out
