"""The journal's ledger in the store: notes and deliveries round-trip, one transaction, the link's log."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from legevakt.journal import model as m
from legevakt.store import Store, open_store
from legevakt.worklist.commands import make_create
from tests.store.conftest import T0, at

NOTE = m.Note("n-1", "Encounter/e1", "Patient/p1", "Practitioner/d1", "Åse har vondt i brystet <b>", T0,
              status=m.NoteStatus.FINAL, authenticator="Practitioner/d1", ref="DocumentReference/n1")


def _delivery(ident: str = "d-1") -> m.Delivery:
    d = m.new_delivery(ident, NOTE, m.Recipient("Practitioner/gp1"), by="Practitioner/d1", at=T0, setting=30)
    d = m.on_sent(d, f"Communication/c-{ident}", T0, 30)
    receipt = m.Receipt("Communication/r1", d.communication or "", m.ReceiptStatus.REJECTED,
                        (m.receipt_error("E21"), m.receipt_error("T02")), at(5), "Avvist: <i>ukjent</i>")
    return m.on_receipt(m.on_transported(d, at(1)), receipt)


def test_notes_and_deliveries_come_back_as_they_were_stored(store: Store) -> None:
    d = _delivery()
    store.save_journal(notes=[NOTE], deliveries=[d])
    assert store.note("n-1") == NOTE == store.note("DocumentReference/n1")
    assert store.notes("Encounter/e1") == [NOTE] and store.notes(without_ref=True) == []
    assert store.delivery("d-1") == d == store.delivery("Communication/c-d-1")
    assert store.deliveries(states=[m.DeliveryState.REJECTED]) == [d]
    assert store.deliveries(states=[m.DeliveryState.SENT]) == []
    assert store.deliveries(since=T0 + timedelta(minutes=1)) == []


def test_a_delivery_and_its_outbox_command_commit_together_or_not_at_all(store: Store) -> None:
    command = make_create({"resourceType": "Communication", "status": "in-progress"}, by="Practitioner/d1", now=T0,
                          command_id=str(uuid.uuid4()))
    store.save_journal(deliveries=[_delivery("d-1")], commands=[command])
    with pytest.raises(Exception):  # noqa: B017 - the same command id twice violates the outbox's unique key
        store.save_journal(deliveries=[_delivery("d-2")], commands=[command])
    assert store.delivery("d-2") is None  # rolled back with the failed command
    assert [d.identifier for d in store.deliveries()] == ["d-1"] and store.pending_count() == 1


def test_the_link_log_keeps_transitions_only_and_the_state_before_a_window(store: Store) -> None:
    assert store.record_link(at(0), True)
    assert not store.record_link(at(1), True)  # unchanged: no row
    assert store.record_link(at(60), False)
    assert store.record_link(at(90), True)
    assert store.link_events(since=at(30), until=at(120)) == [(at(0), True), (at(60), False), (at(90), True)]
    assert store.link_events(since=at(70), until=at(80)) == [(at(60), False)]


def test_the_ledger_survives_closing_and_reopening(data_dir: object) -> None:
    with open_store(data_dir) as first:  # type: ignore[arg-type]
        first.save_journal(notes=[NOTE], deliveries=[_delivery()])
    with open_store(data_dir) as again:  # type: ignore[arg-type]
        assert again.delivery("d-1") == _delivery() and again.note("n-1") == NOTE
