"""Alerts are records: open -> acknowledged -> resolved, automatically with evidence or by a person."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from legevakt.problems import ProblemError, ProblemKind
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, DepartureReason, EncounterStatus, Fate, Severity
from legevakt.worklist.reconcile import AlertActionError, EventKind, acknowledge, resolve, restore
from tests.worklist.support import Desk, some_fnr


@contextmanager
def refused(kind: ProblemKind, **params: str) -> Iterator[None]:
    """The alert action is refused with exactly this problem kind (no sentence to match)."""
    with pytest.raises(AlertActionError) as info:
        yield
    assert isinstance(info.value, ProblemError) and info.value.problem.kind is kind
    assert params.items() <= info.value.problem.params.items()


def _not_in_queue(desk: Desk) -> tuple[str, Alert]:
    ref = desk.platform.arrive(1, listed=False)
    desk.sync()
    assert desk.alert(AlertKind.NOT_IN_QUEUE, ref) is None  # within the registration grace
    desk.platform.advance(desk.config.not_in_queue_grace.total_seconds())
    desk.sync()
    alert = desk.alert(AlertKind.NOT_IN_QUEUE, ref)
    assert alert is not None
    return ref, alert


def _warning(desk: Desk) -> tuple[str, Alert]:
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.advance(15 * 60)
    desk.tick()
    alert = desk.alert(AlertKind.NOT_TRIAGED, ref)
    assert alert is not None and alert.severity is Severity.WARNING
    return ref, alert


# -- acknowledging -----------------------------------------------------------------------------


def test_acknowledge_records_who_when_and_the_comment() -> None:
    desk = Desk()
    _, alert = _not_in_queue(desk)
    desk.platform.advance(30)
    result = desk.ack(alert, by="  sykepleier Siri ", comment=" lagt i køen manuelt ")
    acked = desk.state.alerts[alert.id]
    assert acked.status is AlertStatus.ACKNOWLEDGED and acked.is_open
    assert (acked.acknowledged_by, acked.acknowledged_at, acked.ack_comment) == (
        "sykepleier Siri", desk.platform.now, "lagt i køen manuelt")
    assert result.alerts == (acked,) and not result.changed and not result.events


def test_acknowledging_a_critical_alert_needs_a_comment() -> None:
    desk = Desk()
    _, alert = _not_in_queue(desk)
    for comment in (None, "", "   "):
        with refused(ProblemKind.ALERT_COMMENT_REQUIRED):
            acknowledge(desk.state, alert.id, "siri", comment, desk.platform.now)
    assert desk.state.alerts[alert.id].status is AlertStatus.OPEN


def test_a_warning_can_be_acknowledged_without_a_comment() -> None:
    desk = Desk()
    _, alert = _warning(desk)
    desk.ack(alert, comment=None)
    acked = desk.state.alerts[alert.id]
    assert acked.status is AlertStatus.ACKNOWLEDGED and acked.ack_comment is None


def test_acknowledging_needs_a_person() -> None:
    desk = Desk()
    _, alert = _warning(desk)
    with refused(ProblemKind.ALERT_WHO_MISSING):
        acknowledge(desk.state, alert.id, " ", "ok", desk.platform.now)


def test_acknowledging_twice_fails() -> None:
    desk = Desk()
    _, alert = _warning(desk)
    desk.ack(alert)
    with refused(ProblemKind.ALERT_ALREADY_ACKNOWLEDGED):
        acknowledge(desk.state, alert.id, "per", "ok", desk.platform.now)


def test_acknowledging_a_resolved_alert_fails() -> None:
    desk = Desk()
    ref, alert = _not_in_queue(desk)
    desk.platform.list_add(ref)
    desk.sync()  # resolved automatically
    with refused(ProblemKind.ALERT_NOT_OPEN):
        acknowledge(desk.state, alert.id, "siri", "sett", desk.platform.now)


def test_acknowledging_an_unknown_alert_fails() -> None:
    desk = Desk()
    with refused(ProblemKind.ALERT_NOT_OPEN, alert="AL-999999"):
        acknowledge(desk.state, "AL-999999", "siri", "sett", desk.platform.now)


def test_an_acknowledged_alert_stays_acknowledged_while_the_condition_holds() -> None:
    desk = Desk()
    ref, alert = _not_in_queue(desk)
    desk.ack(alert)
    desk.platform.advance(60)
    desk.platform.update(ref, complaint="brystsmerter")
    desk.sync()
    assert desk.state.alerts[alert.id].status is AlertStatus.ACKNOWLEDGED


def test_escalation_reopens_an_acknowledged_warning_and_needs_a_fresh_acknowledgement() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage="orange")
    desk.sync()
    desk.platform.advance(10 * 60)
    desk.tick()
    warning = desk.alert(AlertKind.TRIAGE_OVERDUE, ref)
    assert warning is not None
    desk.ack(warning, comment=None)
    desk.platform.advance(10 * 60)
    result = desk.tick()
    escalated = desk.state.alerts[warning.id]
    assert escalated.severity is Severity.CRITICAL and escalated.status is AlertStatus.OPEN
    assert (escalated.acknowledged_by, escalated.acknowledged_at, escalated.ack_comment) == (None, None, None)
    assert escalated in result.alerts
    with refused(ProblemKind.ALERT_COMMENT_REQUIRED):
        acknowledge(desk.state, warning.id, "siri", None, desk.platform.now)


# -- resolving ---------------------------------------------------------------------------------


def test_resolving_needs_a_person_and_a_reason() -> None:
    desk = Desk()
    _, alert = _not_in_queue(desk)
    with refused(ProblemKind.ALERT_REASON_REQUIRED):
        resolve(desk.state, alert.id, "siri", "  ", desk.platform.now)
    with refused(ProblemKind.ALERT_WHO_MISSING):
        resolve(desk.state, alert.id, "", "ok", desk.platform.now)


def test_resolving_by_a_person_records_who_when_and_why() -> None:
    desk = Desk()
    _, alert = _not_in_queue(desk)
    result = desk.resolve(alert, by="lege Lars", reason="pasienten er registrert på annen enhet")
    (done,) = result.alerts
    assert done.status is AlertStatus.RESOLVED and not done.is_open
    assert (done.resolved_by, done.resolved_at, done.resolution) == (
        "lege Lars", desk.platform.now, "pasienten er registrert på annen enhet")
    assert alert.id not in desk.state.alerts and desk.state.open_alert(AlertKind.NOT_IN_QUEUE, alert.key) is None


def test_resolving_an_already_resolved_alert_fails() -> None:
    desk = Desk()
    _, alert = _not_in_queue(desk)
    desk.resolve(alert)
    with pytest.raises(AlertActionError):
        resolve(desk.state, alert.id, "siri", "igjen", desk.platform.now)


def test_resolve_drop_takes_the_patient_off_the_queue_as_closed_by_user() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.list_remove(ref)
    desk.sync()
    left_at = desk.entry(ref).left_at
    drop = desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref)
    assert drop is not None
    desk.platform.advance(300)
    result = desk.resolve(drop, reason="gikk hjem uten å si fra")
    entry = desk.entry(ref)
    assert (entry.fate, entry.departure, entry.left_at) == (Fate.DEPARTED, DepartureReason.CLOSED_BY_USER, left_at)
    assert ref not in desk.state.live
    assert [(e.kind, e.detail) for e in result.events] == [(EventKind.CLOSED, "closed-by-user")]
    assert result.changed == {ref: entry}


def test_a_closed_drop_stays_closed_while_the_encounter_stays_active_off_the_list() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1)
    desk.sync()
    desk.platform.list_remove(ref)
    desk.sync()
    desk.resolve(desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref))  # type: ignore[arg-type]
    desk.platform.advance(60)
    desk.platform.update(ref, room="Location/rom2")  # the platform keeps editing the encounter
    result = desk.sync()
    assert desk.entry(ref).fate is Fate.DEPARTED and not result.alerts and not result.events
    desk.platform.list_add(ref)  # put back in the queue: it returns
    desk.sync()
    assert desk.entry(ref).fate is Fate.PRESENT
    desk.platform.list_remove(ref)  # and a new drop is a new alert
    desk.sync()
    assert desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref) is not None


def test_resolving_a_drop_of_a_finished_encounter_keeps_its_real_reason() -> None:
    desk = Desk()
    refs = [desk.platform.arrive(n) for n in range(8)]
    desk.sync()
    for ref in refs[:6]:
        desk.platform.finish(ref, DepartureReason.LWBS)  # a mass departure: held for confirmation
    desk.sync()
    desk.resolve(desk.alert(AlertKind.DROPPED_FROM_QUEUE, refs[0]))  # type: ignore[arg-type]
    assert desk.entry(refs[0]).departure is DepartureReason.LWBS


def test_resolving_the_mass_departure_alert_still_leaves_each_entry_to_confirm() -> None:
    desk = Desk()
    refs = [desk.platform.arrive(n) for n in range(8)]
    desk.sync()
    for ref in refs[:6]:
        desk.platform.list_remove(ref)
    desk.sync()
    (mass,) = desk.alerts_of(AlertKind.MASS_DEPARTURE)
    desk.resolve(mass, reason="kjent feil i plattformen")
    assert all(desk.entry(r).fate is Fate.DROPPED for r in refs[:6])
    assert len(desk.alerts_of(AlertKind.DROPPED_FROM_QUEUE)) == 6
    for ref in refs[6:]:  # a later mass departure is a new event with its own alert
        desk.platform.list_remove(ref)
    desk.sync()
    assert not desk.alerts_of(AlertKind.MASS_DEPARTURE)  # 2 of 2: not more than 5 entries


def test_automatic_resolution_records_the_evidence_and_no_person() -> None:
    desk = Desk()
    ref, alert = _warning(desk)
    desk.platform.update(ref, status=EncounterStatus.TRIAGED, triage="green")
    result = desk.sync()
    (done,) = [a for a in result.alerts if a.id == alert.id]
    assert (done.status, done.resolved_by, done.resolution, done.resolved_at) == (
        AlertStatus.RESOLVED, None, "triaged", desk.platform.now)


# -- a person's resolution is not undone by the next change ------------------------------------


def test_condition_resolved_by_a_person_does_not_reopen_on_the_next_change() -> None:
    desk = Desk()
    ref, alert = _not_in_queue(desk)
    desk.resolve(alert, reason="skal ikke i køen, kun prøvetaking")
    for n in range(3):
        desk.platform.advance(30)
        desk.platform.update(ref, complaint=f"prøve {n}")
        result = desk.sync()
        assert not result.alerts
    assert not desk.state.alerts


def test_resolved_condition_opens_a_new_alert_after_it_cleared_and_came_back() -> None:
    desk = Desk()
    ref, alert = _not_in_queue(desk)
    desk.resolve(alert)
    desk.platform.list_add(ref)
    desk.sync()  # cleared
    desk.platform.list_remove(ref)  # gone from the List again, still active: now a drop
    desk.sync()
    assert desk.alert(AlertKind.DROPPED_FROM_QUEUE, ref) is not None


def test_a_resolved_duplicate_warning_stays_quiet_until_the_duplicate_ends() -> None:
    desk = Desk()
    number = some_fnr(3, 3, 70)
    desk.platform.arrive(1, patient=desk.platform.patient("a", number))
    second = desk.platform.arrive(2, patient=desk.platform.patient("b", number))
    desk.sync()
    desk.resolve(desk.alert(AlertKind.DUPLICATE_PATIENT, second),  # type: ignore[arg-type]
                 reason="tvillinger registrert med feil nummer, meldt")
    desk.platform.update(second, room="Location/rom3")
    desk.sync()
    assert desk.alert(AlertKind.DUPLICATE_PATIENT, second) is None


def test_a_resolved_warning_that_escalates_opens_a_critical_alert() -> None:
    desk = Desk()
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage="orange")
    desk.sync()
    desk.platform.advance(10 * 60)
    desk.tick()
    warning = desk.alert(AlertKind.TRIAGE_OVERDUE, ref)
    assert warning is not None
    desk.resolve(warning, reason="lege på vei")
    desk.platform.update(ref, complaint="verre")
    desk.sync()
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref) is None  # not reopened by the change
    desk.platform.advance(10 * 60)
    desk.tick()
    critical = desk.alert(AlertKind.TRIAGE_OVERDUE, ref)
    assert critical is not None and critical.severity is Severity.CRITICAL and critical.id != warning.id
    desk.resolve(critical, reason="lege er hos pasienten")
    desk.platform.advance(60 * 60)
    desk.sync()
    assert desk.alert(AlertKind.TRIAGE_OVERDUE, ref) is None


def test_a_resolved_sync_stale_alert_returns_after_the_sync_recovered_and_failed_again() -> None:
    desk = Desk()
    desk.sync()
    desk.platform.advance(61)
    desk.tick()
    stale = desk.alert(AlertKind.SYNC_STALE, "platform")
    assert stale is not None
    desk.resolve(stale, reason="nettverket er nede, kjent")
    desk.platform.advance(60)
    assert desk.tick().alerts == ()
    desk.sync()
    desk.platform.advance(20)
    desk.tick()
    assert desk.alert(AlertKind.SYNC_STALE, "platform") is not None


def test_restore_keeps_a_persons_resolution() -> None:
    desk = Desk()
    ref, alert = _not_in_queue(desk)
    desk.resolve(alert)
    kept = desk.state
    desk.state = restore(kept.entries.values(), kept.alerts.values(), seen=kept.seen, in_list=kept.in_list,
                         last_complete_at=kept.last_complete_at, alert_seq=kept.alert_seq,
                         suppressed=kept.suppressed, now=desk.platform.now)
    desk.platform.update(ref, complaint="ny")
    assert not desk.sync().alerts
