"""The journal's alerts in the one alert lifecycle, as a specification (pure: no platform, no store)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from legevakt.journal import model as m
from legevakt.journal.alerts import delivery_alerts
from legevakt.worklist.models import AlertKind, AlertStatus, Severity
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled, acknowledge, resolve
from legevakt.worklist.shared_alerts import reason_codes, reasons_text
from legevakt.worklist.snapshot import WorklistState

T0 = dt.datetime(2026, 12, 2, 18, 0, tzinfo=dt.UTC)
CONFIG = ReconcileConfig()
NOTE = m.Note("n-1", "Encounter/e1", "Patient/p1", "Practitioner/d1", "tekst", T0, status=m.NoteStatus.FINAL,
              authenticator="Practitioner/d1", ref="DocumentReference/n1")
GP = m.Recipient("Practitioner/gp1")


def _sent(ident: str, comm: str, resend_of: m.Delivery | None = None) -> m.Delivery:
    d = m.new_delivery(ident, NOTE, GP, by="Practitioner/d1", at=T0, setting=30, resend_of=resend_of)
    return m.on_sent(d, comm, T0, 30)


def _receipt(comm: str, status: m.ReceiptStatus, *codes: str) -> m.Receipt:
    return m.Receipt(f"Communication/r-{comm[-2:]}", comm, status, tuple(m.receipt_error(c) for c in codes))


def _step(state: WorklistState, before: m.Delivery, after: m.Delivery, ledger: list[m.Delivery],
          at: dt.datetime = T0) -> Reconciled:
    return delivery_alerts(state, [(before, after)], ledger, at, CONFIG)


def test_an_overdue_delivery_raises_one_critical_note_undelivered_keyed_by_the_delivery() -> None:
    d = _sent("d-1", "Communication/c1")
    late = m.on_clock(d, T0 + dt.timedelta(minutes=31))
    r = _step(WorklistState(), d, late, [late])
    (alert,) = r.alerts
    assert (alert.kind, alert.severity, alert.key, alert.encounter) == (
        AlertKind.NOTE_UNDELIVERED, Severity.CRITICAL, "d-1", "Encounter/e1")
    assert alert.related == ("DocumentReference/n1", "Communication/c1")
    again = _step(r.state, late, late, [late])  # no state change: nothing new
    assert again.alerts == () and len(again.state.alerts) == 1


def test_a_rejection_names_its_8221_codes_and_errors_are_a_warning() -> None:
    d = _sent("d-1", "Communication/c1")
    rejected = m.on_receipt(d, _receipt("Communication/c1", m.ReceiptStatus.REJECTED, "E21", "T02"))
    (alert,) = _step(WorklistState(), d, rejected, [rejected]).alerts
    assert alert.kind is AlertKind.NOTE_REJECTED and alert.severity is Severity.CRITICAL
    # each code with the code list's Norwegian text (kodeverk 8221), read back from the alert alone
    assert "E21 Mottaker finnes ikke; T02 XML validerer ikke" in alert.detail
    assert reason_codes(alert) == ("E21", "T02")
    with_errors = m.on_receipt(d, _receipt("Communication/c1", m.ReceiptStatus.OK_WITH_ERRORS, "E35"))
    (warning,) = _step(WorklistState(), d, with_errors, [with_errors]).alerts
    assert warning.kind is AlertKind.NOTE_RECEIPT_ERRORS and warning.severity is Severity.WARNING
    assert reasons_text(warning) == "E35 Pasienten finnes ikke i mottakersystemet"


def test_a_late_ok_receipt_resolves_note_undelivered_with_evidence() -> None:
    d = _sent("d-1", "Communication/c1")
    late = m.on_clock(d, T0 + dt.timedelta(minutes=31))
    state = _step(WorklistState(), d, late, [late]).state
    ok = m.on_receipt(late, _receipt("Communication/c1", m.ReceiptStatus.OK))
    (resolved,) = _step(state, late, ok, [ok], T0 + dt.timedelta(minutes=40)).alerts
    assert resolved.status is AlertStatus.RESOLVED and resolved.resolved_by is None
    assert "Communication/r-c1" in (resolved.resolution or "")


def test_a_late_rejection_replaces_note_undelivered_by_note_rejected() -> None:
    d = _sent("d-1", "Communication/c1")
    late = m.on_clock(d, T0 + dt.timedelta(minutes=31))
    state = _step(WorklistState(), d, late, [late]).state
    rejected = m.on_receipt(late, _receipt("Communication/c1", m.ReceiptStatus.REJECTED, "E10"))
    r = _step(state, late, rejected, [rejected])
    kinds = {(a.kind, a.status) for a in r.alerts}
    assert kinds == {(AlertKind.NOTE_UNDELIVERED, AlertStatus.RESOLVED), (AlertKind.NOTE_REJECTED, AlertStatus.OPEN)}


def test_an_ok_resend_resolves_every_alert_of_the_note_to_that_recipient_only() -> None:
    first = _sent("d-1", "Communication/c1")
    rejected = m.on_receipt(first, _receipt("Communication/c1", m.ReceiptStatus.REJECTED, "E21"))
    other = m.on_clock(m.on_sent(m.new_delivery("d-9", NOTE, m.Recipient("Organization/o9"), by="Practitioner/d1",
                                                at=T0, setting=30), "Communication/c9", T0, 30),
                       T0 + dt.timedelta(minutes=31))
    state = delivery_alerts(WorklistState(), [(first, rejected), (other, other)], [], T0, CONFIG).state
    state = delivery_alerts(state, [(_sent("d-9", "Communication/c9"), other)], [], T0, CONFIG).state
    assert len(state.alerts) == 2
    resend = _sent("d-2", "Communication/c2", resend_of=rejected)
    ok = m.on_receipt(resend, _receipt("Communication/c2", m.ReceiptStatus.OK))
    r = _step(state, resend, ok, [rejected, ok, other])
    assert [(a.kind, a.key, a.status) for a in r.alerts] == [(AlertKind.NOTE_REJECTED, "d-1", AlertStatus.RESOLVED)]
    (still,) = r.state.alerts.values()
    assert still.key == "d-9" and still.kind is AlertKind.NOTE_UNDELIVERED  # another recipient: still open


def test_journal_alerts_share_the_lifecycle_a_critical_one_needs_a_comment() -> None:
    d = _sent("d-1", "Communication/c1")
    late = m.on_clock(d, T0 + dt.timedelta(minutes=31))
    r = _step(WorklistState(), d, late, [late])
    (alert,) = r.alerts
    acked = acknowledge(r.state, alert.id, "sykepleier", "Ringt fastlegekontoret", T0)
    assert acked.alerts[0].status is AlertStatus.ACKNOWLEDGED
    done = resolve(acked.state, alert.id, "lege", "Sendt per post", T0, CONFIG)
    assert done.alerts[0].status is AlertStatus.RESOLVED and done.alerts[0].resolved_by == "lege"
    # resolved by a person while still overdue: the same delivery does not alert again ...
    assert _step(done.state, d, late, [late]).alerts == ()
    # ... but its resend is a new condition and alerts when it, too, goes overdue.
    resend = _sent("d-2", "Communication/c2", resend_of=late)
    (again,) = _step(done.state, resend, m.on_clock(resend, T0 + dt.timedelta(minutes=31)), []).alerts
    assert again.key == "d-2" and again.is_open


_EVENTS = st.lists(st.sampled_from(["clock", "ok", "reject", "errors", "resend"]), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(_EVENTS)
def test_journal_alerts_are_open_exactly_while_the_note_has_not_reached_its_recipient(events: list[str]) -> None:
    """Hand-stated oracle: after any history, an open journal alert exists iff no attempt was receipted OK
    and the latest attempt's (or an earlier unresolved attempt's) state calls for one."""
    state = WorklistState()
    chain = [_sent("d-0", "Communication/c0")]
    minutes = 0
    for event in events:
        latest = chain[-1]
        minutes += 31
        if event == "resend":
            if latest.state in m.RESENDABLE_STATES:
                new = _sent(f"d-{len(chain)}", f"Communication/c{len(chain)}", resend_of=latest)
                chain[-1] = m.on_resent(latest, new)
                chain.append(new)
            continue
        if event == "clock":
            after = m.on_clock(latest, T0 + dt.timedelta(minutes=minutes))
        else:
            status = {"ok": m.ReceiptStatus.OK, "reject": m.ReceiptStatus.REJECTED,
                      "errors": m.ReceiptStatus.OK_WITH_ERRORS}[event]
            after = m.on_receipt(latest, _receipt(latest.communication or "", status, "E35"))
        chain[-1] = after
        state = delivery_alerts(state, [(latest, after)], chain, T0, CONFIG).state
    reached = any(d.state is m.DeliveryState.RECEIPTED for d in chain)
    open_kinds = {a.kind for a in state.alerts.values()}
    if reached:
        assert open_kinds == set()
    else:
        expect = set()
        for d in chain:
            if d.state is m.DeliveryState.REJECTED:
                expect.add(AlertKind.NOTE_REJECTED)
            elif d.state is m.DeliveryState.RECEIPTED_WITH_ERRORS:
                expect.add(AlertKind.NOTE_RECEIPT_ERRORS)
            elif d.state is m.DeliveryState.OVERDUE:
                expect.add(AlertKind.NOTE_UNDELIVERED)
        assert open_kinds == expect


def test_once_one_attempt_reached_the_recipient_a_late_failure_of_another_raises_nothing() -> None:
    first = _sent("d-1", "Communication/c1")
    resend = _sent("d-2", "Communication/c2", resend_of=first)
    ok = m.on_receipt(resend, _receipt("Communication/c2", m.ReceiptStatus.OK))
    late_reject = m.on_receipt(first, _receipt("Communication/c1", m.ReceiptStatus.REJECTED, "E10"))
    assert _step(WorklistState(), first, late_reject, [late_reject, ok]).alerts == ()
    overdue = m.on_clock(first, T0 + dt.timedelta(minutes=31))
    assert _step(WorklistState(), first, overdue, [overdue, ok]).alerts == ()
    to_other = m.on_sent(m.new_delivery("d-3", NOTE, m.Recipient("Organization/o3"), by="Practitioner/d1",
                                        at=T0, setting=30), "Communication/c3", T0, 30)
    other_late = m.on_clock(to_other, T0 + dt.timedelta(minutes=31))
    (alert,) = _step(WorklistState(), to_other, other_late, [other_late, ok, late_reject]).alerts
    assert alert.key == "d-3"  # another recipient has not had the note: it still alerts
