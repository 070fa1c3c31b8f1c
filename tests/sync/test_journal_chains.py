"""The journal follower asks the ledger for the chains of attempts only where an alert can be resolved.

``JournalFollower._chains`` replaced one ``ledger.deliveries(note=...)`` per receipted delivery. The oracle
is the old way: ``delivery_alerts`` must give exactly the same result with either, for any mix of open
alerts, suppressions, resends and outcomes (and the ledger is asked far less often).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st

from legevakt.journal.alerts import KINDS, delivery_alerts
from legevakt.journal.model import Delivery, DeliveryState, Receipt, ReceiptStatus, receipt_error
from legevakt.sync.journal_follow import OPEN_STATES, JournalFollower
from legevakt.worklist.models import Alert, AlertKind, Severity
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled
from legevakt.worklist.snapshot import WorklistState

T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=2)
CONFIG = ReconcileConfig()


class FakeLedger:
    """The ledger's reads the chains need (ordered as the store orders them), counting the queries."""

    def __init__(self, deliveries: Sequence[Delivery]) -> None:
        self.rows = {d.identifier: d for d in deliveries}
        self.queries = 0

    def deliveries(self, *, note: str | None = None, **_: Any) -> list[Delivery]:
        self.queries += 1
        found = sorted((d for d in self.rows.values() if note is None or d.note == note), key=lambda d: d.identifier)
        return sorted(found, key=lambda d: d.created_at or T0, reverse=True)

    def delivery(self, key: str) -> Delivery | None:
        self.queries += 1
        return self.rows.get(key)


def _follower(ledger: FakeLedger) -> JournalFollower:
    return JournalFollower(cast(Any, None), cast(Any, ledger))


def _receipted(d: Delivery, status: ReceiptStatus) -> Delivery:
    state = {ReceiptStatus.OK: DeliveryState.RECEIPTED, ReceiptStatus.REJECTED: DeliveryState.REJECTED,
             ReceiptStatus.OK_WITH_ERRORS: DeliveryState.RECEIPTED_WITH_ERRORS}[status]
    errors = () if status is ReceiptStatus.OK else (receipt_error("E35"),)
    return replace(d, state=state, receipt=Receipt(f"Communication/r-{d.identifier}", d.communication or "", status,
                                                   errors))


_ALARMING = (DeliveryState.OVERDUE, DeliveryState.REJECTED, DeliveryState.RECEIPTED_WITH_ERRORS)


def _old_chains(ledger: FakeLedger, changed: Sequence[Delivery]) -> list[Delivery]:
    """The naive rule: every delivery of each note with a change that settles (receipted OK) or alerts
    (overdue, rejected, with errors), by a query per such delivery."""
    chains: list[Delivery] = []
    for d in changed:
        if d.state is DeliveryState.RECEIPTED or d.state in _ALARMING:
            chains.extend(ledger.deliveries(note=d.note))
    return chains


def _case(rng: random.Random) -> tuple[FakeLedger, WorklistState, dict[str, Delivery], list[Delivery]]:
    """A ledger of notes sent to recipients (first attempts and resends, in every state), a state holding
    open journal alerts and suppressions on some of them, and what one follow step changed."""
    deliveries: list[Delivery] = []
    serial = 0
    for note in range(rng.randint(1, 4)):
        for rcpt in rng.sample(["Practitioner/gp-01", "Organization/gpo-01", "Practitioner/gp-02"], rng.randint(1, 2)):
            previous: Delivery | None = None
            for _attempt in range(rng.randint(1, 3)):
                serial += 1
                state = rng.choice(list(DeliveryState))
                d = Delivery(identifier=f"d{serial:03d}", note=f"DocumentReference/n{note}", patient="Patient/p1",
                             recipient=rcpt, state=state,
                             communication=None if state is DeliveryState.QUEUED else f"Communication/c{serial}",
                             sent_at=T0, deadline=T0 + timedelta(minutes=30), encounter="Encounter/e1",
                             created_at=T0 + timedelta(minutes=serial % 5),  # ties: the identifier decides
                             resend_of=previous.communication if previous is not None else None)
                deliveries.append(d)
                previous = d
    ledger = FakeLedger(deliveries)
    alerts: dict[str, Alert] = {}
    open_keys: dict[tuple[AlertKind, str], str] = {}
    suppressed: dict[tuple[AlertKind, str], Severity] = {}
    flavour = {d.note: rng.choice(["none", "open", "suppressed", "both"]) for d in deliveries}
    for d in deliveries:
        for kind in KINDS:
            if rng.random() < 0.3 and flavour[d.note] in ("open", "both"):
                alert = Alert(id=f"AL-{len(alerts) + 1:06d}", kind=kind, severity=Severity.CRITICAL, key=d.identifier,
                              encounter=d.encounter, raised_at=T0, detail="x")
                alerts[alert.id], open_keys[(kind, d.identifier)] = alert, alert.id
            elif rng.random() < 0.3 and flavour[d.note] in ("suppressed", "both"):
                suppressed[(kind, d.identifier)] = Severity.WARNING
    if rng.random() < 0.2:  # no journal alert at all: the common case
        alerts, open_keys, suppressed = {}, {}, {}
    state = WorklistState(alerts=alerts, open_keys=open_keys, suppressed=suppressed, alert_seq=len(alerts))
    before = {d.identifier: d for d in deliveries if d.state in OPEN_STATES}
    changed: list[Delivery] = []
    for d in before.values():
        what = rng.choice(["same", "ok", "ok", "reject", "errors", "overdue", "transported"])
        if what == "same" or d.communication is None:
            continue
        if what == "overdue":
            if d.state is not DeliveryState.OVERDUE:
                changed.append(replace(d, state=DeliveryState.OVERDUE, was_overdue=True))
        elif what == "transported":
            changed.append(replace(d, transported_at=NOW))
        else:
            status = {"ok": ReceiptStatus.OK, "reject": ReceiptStatus.REJECTED,
                      "errors": ReceiptStatus.OK_WITH_ERRORS}[what]
            changed.append(_receipted(d, status))
    return ledger, state, before, changed


def _alerts(state: WorklistState, before: dict[str, Delivery], changed: Sequence[Delivery],
            chains: Sequence[Delivery]) -> Reconciled:
    pairs = [(before.get(d.identifier) or d, d) for d in changed]
    return delivery_alerts(state, pairs, chains, NOW, CONFIG)


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_chains_resolve_exactly_what_a_query_per_receipted_delivery_resolves(rng: random.Random) -> None:
    ledger, state, before, changed = _case(rng)
    old = _alerts(state, before, changed, _old_chains(ledger, changed))
    old_queries, ledger.queries = ledger.queries, 0
    new = _alerts(state, before, changed, _follower(ledger)._chains(state, changed, before))
    assert new == old
    assert new.alerts == old.alerts  # in the same order (the audit rows follow it)
    assert list(new.state.alerts.items()) == list(old.state.alerts.items())
    assert list(new.state.suppressed.items()) == list(old.state.suppressed.items())
    assert ledger.queries <= max(2 * old_queries - 1, 0)  # and usually none: see the next tests


def _chain_of_two() -> tuple[Delivery, Delivery]:
    first = Delivery("first", "DocumentReference/n1", "Patient/p1", "Practitioner/gp-01",
                     state=DeliveryState.REJECTED, communication="Communication/c1", sent_at=T0, created_at=T0,
                     encounter="Encounter/e1", resent_as="Communication/c2")
    resend = Delivery("resend", "DocumentReference/n1", "Patient/p1", "Practitioner/gp-01",
                      state=DeliveryState.TRANSPORTED, communication="Communication/c2", sent_at=T0,
                      created_at=T0 + timedelta(minutes=5), encounter="Encounter/e1", resend_of="Communication/c1")
    return first, resend


def test_an_ok_resend_resolves_the_rejection_of_the_first_attempt() -> None:
    first, resend = _chain_of_two()
    others = [replace(resend, identifier=f"other-{i}", note=f"DocumentReference/o{i}", resend_of=None,
                      communication=f"Communication/o{i}") for i in range(3)]
    ledger = FakeLedger([first, resend, *others])
    alert = Alert(id="AL-000001", kind=AlertKind.NOTE_REJECTED, severity=Severity.CRITICAL, key="first",
                  encounter="Encounter/e1", raised_at=T0, detail="rejected")
    state = WorklistState(alerts={alert.id: alert}, open_keys={(alert.kind, "first"): alert.id}, alert_seq=1)
    before = {d.identifier: d for d in (resend, *others)}
    changed = [_receipted(d, ReceiptStatus.OK) for d in before.values()]
    chains = _follower(ledger)._chains(state, changed, before)
    assert "first" in {d.identifier for d in chains}  # the first attempt is a final one: asked of the ledger
    assert ledger.queries == 2  # its note (a lookup), then that note's chain; the three others: none
    result = _alerts(state, before, changed, chains)
    assert [(a.id, a.status.value) for a in result.alerts] == [("AL-000001", "resolved")]
    assert not result.state.alerts


def test_an_ok_resend_forgets_the_suppression_a_person_left_on_the_first_attempt() -> None:
    first, resend = _chain_of_two()
    first = replace(first, state=DeliveryState.OVERDUE, resent_as=None)
    ledger = FakeLedger([first, resend])
    state = WorklistState(suppressed={(AlertKind.NOTE_UNDELIVERED, "first"): Severity.CRITICAL})
    changed = [_receipted(resend, ReceiptStatus.OK)]
    chains = _follower(ledger)._chains(state, changed, {"resend": resend})
    assert not _alerts(state, {"resend": resend}, changed, chains).state.suppressed


def test_no_journal_alert_open_means_no_query_however_many_receipts() -> None:
    deliveries = [Delivery(f"d{i}", f"DocumentReference/n{i}", "Patient/p1", "Practitioner/gp-01",
                           state=DeliveryState.TRANSPORTED, communication=f"Communication/c{i}", sent_at=T0,
                           created_at=T0) for i in range(200)]
    ledger = FakeLedger(deliveries)
    changed = [_receipted(d, ReceiptStatus.OK) for d in deliveries]
    chains = _follower(ledger)._chains(WorklistState(), changed, {d.identifier: d for d in deliveries})
    assert ledger.queries == 0 and len(chains) == 200
