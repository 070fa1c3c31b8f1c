"""The journal domain, as a specification: notes, deliveries, deadlines, receipts and alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legevakt.codes import APPREC_ERROR_TEXTS
from legevakt.journal import model as m
from legevakt.problems import ProblemError, ProblemKind

T0 = dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.UTC)
COMM = "Communication/c1"


def _delivery(**kw: object) -> m.Delivery:
    base = m.Delivery("id-1", "DocumentReference/n1", "Patient/p1", "Practitioner/gp1")
    return m.on_sent(base, COMM, T0, kw.pop("setting", None)) if kw.pop("sent", True) else base


def _receipt(status: m.ReceiptStatus, to: str = COMM, codes: tuple[str, ...] = ()) -> m.Receipt:
    return m.Receipt("Communication/r1", to, status, tuple(m.receipt_error(c) for c in codes))


# -- notes ------------------------------------------------------------------------------------------


def test_a_signed_note_is_never_edited_and_a_correction_replaces_it() -> None:
    note = m.new_note("n-1", "Encounter/e1", "Patient/p1", "Practitioner/d1", "Første tekst", T0)
    note = m.edit(note, "Rettet før signering", T0)
    signed = m.sign(note, "Practitioner/d1", T0)
    assert (signed.status, signed.authenticator) == (m.NoteStatus.FINAL, "Practitioner/d1")
    with pytest.raises(ProblemError) as e:
        m.edit(signed, "endret", T0)
    assert e.value.problem.kind is ProblemKind.NOTE_ALREADY_SIGNED
    with pytest.raises(ProblemError):
        m.sign(signed, "Practitioner/d1", T0)
    stored = replace(signed, ref="DocumentReference/n1")
    fixed = m.correct(stored, "n-2", "Korrigert", "Practitioner/d1", T0)
    assert fixed.replaces == "DocumentReference/n1"
    assert fixed.status is m.NoteStatus.PRELIMINARY
    assert stored.text == "Rettet før signering"  # the old one is untouched


def test_an_empty_note_is_refused() -> None:
    with pytest.raises(ProblemError) as e:
        m.new_note("n", "Encounter/e", "Patient/p", "Practitioner/d", "  \n", T0)
    assert e.value.problem.kind is ProblemKind.NOTE_EMPTY


def test_default_recipient_is_the_gp_and_none_is_a_clear_problem() -> None:
    assert m.default_recipient(None, ["Organization/o1"]).ref == "Organization/o1"
    assert m.default_recipient("Practitioner/x", ["Organization/o1"]).ref == "Practitioner/x"
    with pytest.raises(ProblemError) as e:
        m.default_recipient(None, [])
    assert e.value.problem.kind is ProblemKind.NOTE_NO_RECIPIENT
    with pytest.raises(ProblemError):
        m.default_recipient("Patient/p1", [])


# -- deadlines --------------------------------------------------------------------------------------


def test_deadline_defaults_to_30_minutes_and_allows_fractions_and_kinds() -> None:
    assert m.deadline(T0, None, "any") == T0 + dt.timedelta(minutes=30)
    assert m.deadline(T0, 0.5, "any") == T0 + dt.timedelta(seconds=30)
    setting = {"epikrise": 120, "default": 10}
    assert m.deadline(T0, setting, "epikrise") == T0 + dt.timedelta(hours=2)
    assert m.deadline(T0, setting, "other") == T0 + dt.timedelta(minutes=10)
    for bad in (0, -1, float("nan"), float("inf"), "30", True):
        with pytest.raises(ProblemError):
            m.deadline_minutes(bad, "k")


# -- deliveries, by hand ----------------------------------------------------------------------------


def test_the_happy_path_and_no_way_back() -> None:
    d = _delivery()
    assert d.state is m.DeliveryState.SENT and d.deadline == T0 + dt.timedelta(minutes=30)
    d = m.on_transported(d, T0 + dt.timedelta(seconds=5))
    assert d.state is m.DeliveryState.TRANSPORTED
    d = m.on_receipt(d, _receipt(m.ReceiptStatus.OK))
    assert d.state is m.DeliveryState.RECEIPTED
    # later events change nothing
    assert m.on_clock(d, T0 + dt.timedelta(days=1)) == d
    assert m.on_receipt(d, _receipt(m.ReceiptStatus.REJECTED, codes=("E21",))) == d


def test_overdue_exactly_when_the_deadline_has_passed() -> None:
    d = _delivery(setting=10)
    assert m.on_clock(d, T0 + dt.timedelta(minutes=10)).state is m.DeliveryState.SENT  # at the deadline: not yet
    late = m.on_clock(d, T0 + dt.timedelta(minutes=10, microseconds=1))
    assert late.state is m.DeliveryState.OVERDUE
    raised = m.alerts_raised(d, late)
    assert [(a.kind, a.severity) for a in raised] == [(m.AlertKind.NOTE_UNDELIVERED, m.Severity.CRITICAL)]


def test_a_late_ok_receipt_settles_an_overdue_delivery_and_resolves_its_alert() -> None:
    late = m.on_clock(_delivery(), T0 + dt.timedelta(hours=1))
    ok = m.on_receipt(late, _receipt(m.ReceiptStatus.OK))
    assert ok.state is m.DeliveryState.RECEIPTED and ok.was_overdue
    assert m.alert_resolved(m.AlertKind.NOTE_UNDELIVERED, [ok])
    assert not m.alert_resolved(m.AlertKind.NOTE_UNDELIVERED, [late])


def test_rejection_raises_a_critical_alert_with_the_norwegian_reason() -> None:
    d = _delivery()
    rej = m.on_receipt(d, _receipt(m.ReceiptStatus.REJECTED, codes=("E35",)))
    (alert,) = m.alerts_raised(d, rej)
    assert alert.kind is m.AlertKind.NOTE_REJECTED and alert.severity is m.Severity.CRITICAL
    assert [(r.code, r.text) for r in alert.reasons] == [("E35", "Pasienten finnes ikke i mottakersystemet")]


def test_ok_with_errors_is_a_warning() -> None:
    d = _delivery()
    warn = m.on_receipt(d, _receipt(m.ReceiptStatus.OK_WITH_ERRORS, codes=("E32", "E36")))
    (alert,) = m.alerts_raised(d, warn)
    assert (alert.kind, alert.severity) == (m.AlertKind.NOTE_RECEIPT_ERRORS, m.Severity.WARNING)
    assert [r.code for r in alert.reasons] == ["E32", "E36"]


def test_a_receipt_for_another_communication_is_ignored() -> None:
    d = _delivery()
    assert m.on_receipt(d, _receipt(m.ReceiptStatus.OK, to="Communication/other")) == d


def test_send_decision_in_flight_receipted_and_resend() -> None:
    note = m.Note("n", "Encounter/e", "Patient/p1", "Practitioner/d", "t", T0, ref="DocumentReference/n1")
    to = m.recipient("Practitioner/gp1")
    with pytest.raises(ProblemError) as e:
        m.send_decision(note, to, [])
    assert e.value.problem.kind is ProblemKind.NOTE_NOT_SIGNED
    signed = m.sign(note, "Practitioner/d", T0)
    assert m.send_decision(signed, to, []) == m.SendDecision(None, None)
    flying = _delivery()
    assert m.send_decision(signed, to, [flying]).existing == flying
    rejected = m.on_receipt(flying, _receipt(m.ReceiptStatus.REJECTED, codes=("E21",)))
    assert m.send_decision(signed, to, [rejected]).resend_of == rejected
    # once resent, the resend is the attempt that counts
    first = replace(rejected, resent_as="Communication/c2")
    second = m.on_sent(m.Delivery("id-2", first.note, "Patient/p1", to.ref), "Communication/c2", T0, None)
    assert m.send_decision(signed, to, [first, second]).existing == second
    # another recipient is a first send
    assert m.send_decision(signed, m.recipient("Organization/o"), [flying]) == m.SendDecision(None, None)


# -- properties -------------------------------------------------------------------------------------

_STATUSES = st.sampled_from(list(m.ReceiptStatus))
_CODES = st.lists(st.sampled_from(sorted(APPREC_ERROR_TEXTS)), max_size=3).map(tuple)
_EVENTS = st.one_of(
    st.tuples(st.just("transport"), st.integers(0, 7200)),
    st.tuples(st.just("clock"), st.integers(0, 7200)),
    st.tuples(st.just("receipt"), st.tuples(_STATUSES, _CODES, st.booleans())),
)


def _apply(d: m.Delivery, ev: tuple[str, object]) -> m.Delivery:
    kind, arg = ev
    if kind == "transport":
        assert isinstance(arg, int)
        return m.on_transported(d, T0 + dt.timedelta(seconds=arg))
    if kind == "clock":
        assert isinstance(arg, int)
        return m.on_clock(d, T0 + dt.timedelta(seconds=arg))
    status, codes, mine = arg  # type: ignore[misc]
    return m.on_receipt(d, _receipt(status, COMM if mine else "Communication/else", codes))


@settings(max_examples=300, deadline=None)
@given(st.lists(_EVENTS, max_size=12), st.floats(0.1, 90))
def test_states_never_go_backwards_and_alerts_come_once(events: list[tuple[str, object]], minutes: float) -> None:
    d = _delivery(setting=minutes)
    raised: list[m.AlertKind] = []
    for ev in events:
        after = _apply(d, ev)
        assert m.RANK[after.state] >= m.RANK[d.state]
        if d.state in m.FINAL_STATES:
            # a settled delivery keeps its outcome (a late transport acknowledgement is only noted)
            assert (after.state, after.receipt, after.communication) == (d.state, d.receipt, d.communication)
        raised += [a.kind for a in m.alerts_raised(d, after)]
        d = after
    assert len(raised) == len(set(raised))


@settings(max_examples=300, deadline=None)
@given(st.lists(_EVENTS, max_size=12), st.floats(0.1, 90))
def test_overdue_only_when_the_deadline_passed_without_a_receipt(
    events: list[tuple[str, object]], minutes: float
) -> None:
    # oracle: replay by hand, tracking the latest clock seen and the first own receipt
    d = _delivery(setting=minutes)
    limit = T0 + dt.timedelta(minutes=minutes)
    receipted_first: m.ReceiptStatus | None = None
    clock_passed = False
    for ev in events:
        if ev[0] == "clock" and T0 + dt.timedelta(seconds=ev[1]) > limit and receipted_first is None:  # type: ignore[operator]
            clock_passed = True
        if ev[0] == "receipt" and ev[1][2] and receipted_first is None:  # type: ignore[index]
            receipted_first = ev[1][0]  # type: ignore[index]
        d = _apply(d, ev)
    assert d.was_overdue == clock_passed
    expected = {
        None: m.DeliveryState.OVERDUE if clock_passed else None,
        m.ReceiptStatus.OK: m.DeliveryState.RECEIPTED,
        m.ReceiptStatus.OK_WITH_ERRORS: m.DeliveryState.RECEIPTED_WITH_ERRORS,
        m.ReceiptStatus.REJECTED: m.DeliveryState.REJECTED,
    }[receipted_first]
    if expected is None:
        assert d.state in (m.DeliveryState.SENT, m.DeliveryState.TRANSPORTED)
    else:
        assert d.state is expected


@settings(max_examples=200, deadline=None)
@given(_STATUSES, _CODES)
def test_a_receipt_for_another_communication_never_changes_anything(
    status: m.ReceiptStatus, codes: tuple[str, ...]
) -> None:
    for d in (_delivery(), m.on_transported(_delivery(), T0), m.on_clock(_delivery(), T0 + dt.timedelta(days=1))):
        assert m.on_receipt(d, _receipt(status, "Communication/c1-other", codes)) == d


def test_a_send_the_platform_refused_is_undelivered_at_once_and_resendable() -> None:
    queued = _delivery(sent=False)
    refused = m.on_refused(queued)
    # a state of its own, well before any deadline (not "overdue": it never left), and final
    assert refused.state is m.DeliveryState.REFUSED and refused.needs_action and not refused.was_overdue
    assert m.on_clock(refused, T0 + dt.timedelta(days=1)) == refused
    assert [a.kind for a in m.alerts_raised(queued, refused)] == [m.AlertKind.NOTE_UNDELIVERED]
    assert m.on_refused(_delivery()) == _delivery()  # one the platform has: not refused
    note = m.Note("n-1", "Encounter/e1", "Patient/p1", "Practitioner/d1", "x", T0, status=m.NoteStatus.FINAL,
                  ref="DocumentReference/n1")
    to = m.recipient("Practitioner/gp1")
    decision = m.send_decision(note, to, [refused])
    assert decision.existing is None and decision.resend_of == refused
    again = m.new_delivery("id-2", note, to, by="Practitioner/d1", at=T0, setting=None, resend_of=refused)
    assert again.resend_of == refused.identifier  # no Communication to refer to: the first's identifier
