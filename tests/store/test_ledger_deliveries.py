"""Delivery rows in the ledger: written in bulk (one upsert), read back as they were given."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from legevakt.journal.model import Delivery, DeliveryState, Receipt, ReceiptStatus, receipt_error
from legevakt.store import Store
from tests.store.conftest import T0, at


def _delivery(i: int) -> Delivery:
    return Delivery(identifier=f"d-{i:04d}", note=f"DocumentReference/n{i}", patient=f"Patient/p{i}",
                    recipient="Practitioner/gp-01", state=DeliveryState.SENT, communication=f"Communication/c{i}",
                    sent_at=at(i % 60), deadline=at(i % 60 + 30), encounter=f"Encounter/e{i}",
                    sender="Practitioner/d1", created_at=at(i % 60))


def test_every_field_round_trips_and_an_update_replaces_all_but_created_at(store: Store) -> None:
    first = _delivery(1)
    store.save_journal(deliveries=[first])
    assert store.delivery(first.identifier) == first
    settled = replace(first, state=DeliveryState.REJECTED, transported_at=at(2), was_overdue=True,
                      resent_as="Communication/c9", created_at=at(99),  # created_at is never rewritten
                      receipt=Receipt("Communication/r1", "Communication/c1", ReceiptStatus.REJECTED,
                                      (receipt_error("E35"),), sent_at=at(3), free_text="Avvist."))
    store.save_journal(deliveries=[settled])
    assert store.delivery(first.identifier) == replace(settled, created_at=first.created_at)
    assert store.delivery("Communication/c1") == replace(settled, created_at=first.created_at)
    back = replace(settled, receipt=None, resent_as=None, transported_at=None, communication=None)
    store.save_journal(deliveries=[back])  # fields set back to None are cleared
    assert store.delivery(first.identifier) == replace(back, created_at=first.created_at)


def test_a_delivery_given_twice_in_one_write_keeps_the_last(store: Store) -> None:
    d = _delivery(2)
    later = replace(d, state=DeliveryState.TRANSPORTED, transported_at=at(5))
    store.save_journal(deliveries=[d, later])
    assert store.delivery(d.identifier) == later
    assert len(store.deliveries()) == 1


def test_a_delivery_without_created_at_gets_the_time_of_its_first_write(store: Store) -> None:
    d = replace(_delivery(3), created_at=None)
    store.save_journal(deliveries=[d])
    stored = store.delivery(d.identifier)
    assert stored is not None and stored.created_at is not None and stored.created_at > T0 + timedelta(days=1)
    store.save_journal(deliveries=[replace(d, state=DeliveryState.TRANSPORTED)])
    again = store.delivery(d.identifier)
    assert again is not None and again.created_at == stored.created_at


def test_more_rows_than_one_in_list_holds(store: Store) -> None:
    many = [_delivery(i) for i in range(1234)]
    store.save_journal(deliveries=many)
    moved = [replace(d, state=DeliveryState.TRANSPORTED, transported_at=at(1), created_at=at(500))
             for d in many[::2]]
    store.save_journal(deliveries=[*moved, _delivery(5000)])
    by_id = {d.identifier: d for d in store.deliveries()}
    assert len(by_id) == 1235
    assert by_id["d-0000"] == replace(moved[0], created_at=many[0].created_at)
    assert by_id["d-1200"] == replace(moved[600], created_at=many[1200].created_at)  # past the first IN list
    assert by_id["d-0001"] == many[1]
    assert len(store.deliveries(states=[DeliveryState.TRANSPORTED])) == 617
