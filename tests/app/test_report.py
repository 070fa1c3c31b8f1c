"""The shift handover report as data: ``build_report`` against a store filled by hand, ``link_uptime`` and
``parse_report_shift``. Every expected number below is counted by hand from the rows written here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from legevakt.app.report import Scrubber, ShiftReport, ShiftSpecError, build_report, link_uptime, parse_report_shift
from legevakt.app.runtime import CLINIC_TZ
from legevakt.app.settings import Settings
from legevakt.journal.model import Delivery, DeliveryState, Receipt, ReceiptStatus, receipt_error
from legevakt.store.db import Store, open_store
from legevakt.worklist.commands import Command, CommandKind
from legevakt.worklist.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DepartureReason,
    Encounter,
    EncounterStatus,
    Entry,
    Fate,
    Patient,
    Severity,
)
from legevakt.worklist.reconcile import Reconciled
from legevakt.worklist.snapshot import WorklistState

DAY = date(2025, 12, 2)  # in the past (a fixed day), winter: Oslo is UTC+1


def oslo(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=CLINIC_TZ)


NEXT = DAY + timedelta(days=1)
PREV = DAY - timedelta(days=1)

# -- the pure parts ---------------------------------------------------------------------------------


def hours(h: float) -> float:
    return h * 3600


def test_uptime_example_from_the_issue() -> None:
    """Up 07:00-09:00, down 09:00-09:30, up to 15:00: 7.5 h of 8 h = 93.75 %."""
    events = [(oslo(7), True), (oslo(9), False), (oslo(9, 30), True)]
    u = link_uptime(events, oslo(7), oslo(15))
    assert (u.up_seconds, u.known_seconds, u.span_seconds) == (hours(7.5), hours(8), hours(8))
    assert u.share == 0.9375
    assert [(o.start, o.end, o.ongoing) for o in u.outages] == [(oslo(9), oslo(9, 30), False)]


def test_uptime_is_unknown_before_the_first_event() -> None:
    u = link_uptime([(oslo(9), True)], oslo(7), oslo(15))
    assert (u.up_seconds, u.known_seconds, u.unknown_seconds) == (hours(6), hours(6), hours(2))
    assert u.share == 1.0


def test_uptime_takes_the_state_at_the_start_from_the_event_before_it() -> None:
    """Down since 06:00 (before the shift), up at 08:00: the outage counts from 07:00, clipped."""
    u = link_uptime([(oslo(6), False), (oslo(8), True)], oslo(7), oslo(15))
    assert (u.up_seconds, u.known_seconds) == (hours(7), hours(8))
    assert [(o.start, o.end) for o in u.outages] == [(oslo(7), oslo(8))]


def test_uptime_of_a_running_shift_stops_at_now_and_an_outage_may_still_run() -> None:
    u = link_uptime([(oslo(7), True), (oslo(9, 30), False)], oslo(7), oslo(15), now=oslo(10))
    assert (u.up_seconds, u.known_seconds, u.span_seconds) == (hours(2.5), hours(3), hours(3))
    assert [(o.start, o.end, o.ongoing) for o in u.outages] == [(oslo(9, 30), oslo(10), True)]


def test_uptime_ignores_events_after_the_end_and_repeated_states() -> None:
    events = [(oslo(16), False), (oslo(7), True), (oslo(8), True), (oslo(12), False), (oslo(12, 6), False)]
    u = link_uptime(events, oslo(7), oslo(15))
    assert (u.up_seconds, u.known_seconds) == (hours(5), hours(8))
    assert [(o.start, o.end, o.ongoing) for o in u.outages] == [(oslo(12), oslo(15), True)]


def test_uptime_without_any_event_knows_nothing() -> None:
    u = link_uptime([], oslo(7), oslo(15))
    assert (u.up_seconds, u.known_seconds, u.share, u.outages) == (0.0, 0.0, None, ())


def test_uptime_counts_real_seconds_across_the_autumn_clock_change() -> None:
    """The night 24-25 October 2026 has 9 real hours (03:00 summer time is 02:00 winter time)."""
    settings = Settings()
    shift = parse_report_shift(settings, "2026-10-24:night")
    u = link_uptime([(oslo(22, day=date(2026, 10, 24)), True)], shift.start.astimezone(UTC),
                    shift.end.astimezone(UTC))
    assert u.known_seconds == u.up_seconds == hours(9)


@pytest.mark.parametrize(("spec", "start", "end"), [
    ("2025-12-02:day", oslo(7), oslo(15)),
    ("2025-12-02:evening", oslo(15), oslo(23)),
    ("2025-12-02:night", oslo(23), oslo(7, day=NEXT)),  # belongs to the date it starts on
    (" 2025-12-02:night ", oslo(23), oslo(7, day=NEXT)),
])
def test_the_pinned_shift_form(spec: str, start: datetime, end: datetime) -> None:
    shift = parse_report_shift(Settings(), spec)
    assert (shift.start, shift.end) == (start, end)
    assert shift.name == spec.strip().split(":")[1]


@pytest.mark.parametrize("spec", [
    "", "2025-12-02", "evening", "evening@2025-12-02", "2025-12-02@evening", "2025-12-02:lunch",
    "2026-13-02:day", "2026-02-30:day", "2026-1-2:day", "26-12-02:day", "2025-12-02:day:x", "2025-12-02:",
    "current", "2025-12-02 evening",
])
def test_bad_shift_forms_say_what_is_expected(spec: str) -> None:
    with pytest.raises(ShiftSpecError) as err:
        parse_report_shift(Settings(), spec)
    message = str(err.value)
    assert "\n" not in message
    assert "YYYY-MM-DD" in message


def test_configured_shift_names_are_the_ones_accepted(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[shifts]\nmorgen = "08:00"\nkveld = "20:00"\n', encoding="utf-8")
    from legevakt.app.settings import load

    settings = load(config, {})
    shift = parse_report_shift(settings, "2025-12-02:kveld")
    assert (shift.start, shift.end) == (oslo(20), oslo(8, day=NEXT))
    with pytest.raises(ShiftSpecError, match="morgen, kveld"):
        parse_report_shift(settings, "2025-12-02:evening")


def test_the_scrubber_removes_names_and_national_ids() -> None:
    scrub = Scrubber([entry(1, "Nordmann, Kari Ødegård", "16086012345", oslo(16), Fate.PRESENT)])
    text = scrub("Ringte Kari Ødegård Nordmann (16086012345), Nordmann, Kari Ødegård svarte; Karina ok; 160860 12345")
    assert text == "Ringte *** (160860 *****), *** svarte; Karina ok; 160860 *****"
    assert scrub(None) is None
    assert scrub("x" * 400) == "x" * 299 + "…"


# -- build_report against a store filled by hand -----------------------------------------------------


def entry(n: int, name: str, nin: str, arrived: datetime, fate: Fate,
          departure: DepartureReason | None = None) -> Entry:
    patient = Patient(ref=f"Patient/p{n}", version="1", name=name, birth_date=date(1960, 8, 16), gender="female",
                      identifier_system="urn:oid:2.16.578.1.12.4.1.4.1", identifier=nin)
    status = EncounterStatus.FINISHED if fate is Fate.DEPARTED else EncounterStatus.TRIAGED
    enc = Encounter(ref=f"Encounter/e{n}", version="1", patient_ref=patient.ref, status=status, arrived_at=arrived,
                    triage="green", complaint="Magesmerter", disposition=departure)
    return Entry(encounter=enc, patient=patient, fate=fate, in_list=fate is Fate.PRESENT, ever_in_list=True,
                 first_seen=arrived, arrived_at=arrived,
                 left_at=arrived + timedelta(hours=1) if fate is not Fate.PRESENT else None,
                 departure=departure, drop_confirmed=fate is Fate.DROPPED)


def alert(n: int, kind: AlertKind, encounter: str | None, raised: datetime, **changes: object) -> Alert:
    a = Alert(id=f"AL-{n:06d}", kind=kind, severity=Severity.CRITICAL, key=encounter or "link",
              encounter=encounter, raised_at=raised, detail="test")
    return replace(a, **changes)  # type: ignore[arg-type]


def delivery(n: int, encounter: str, sent: datetime, state: DeliveryState, **changes: object) -> Delivery:
    d = Delivery(identifier=f"d{n}", note=f"DocumentReference/n{n}", patient=f"Patient/p{encounter[-1]}",
                 recipient="Practitioner/gp-1", state=state, communication=f"Communication/c{n}", sent_at=sent,
                 deadline=sent + timedelta(minutes=30), encounter=encounter, sender="Practitioner/dr-1",
                 created_at=sent)
    return replace(d, **changes)  # type: ignore[arg-type]


def command(n: int, kind: CommandKind, encounter: str, target: str, created: datetime) -> Command:
    return Command(command_id=f"cmd-{n}", kind=kind, encounter=encounter, target=target, base=None,
                   created_at=created, created_by="Hanne Lie")


NAMES = {1: "Nordmann, Kari", 2: "Hansen, Per", 3: "Berg, Ingrid", 4: "Larsen, Ola", 5: "Dahl, Siri",
         6: "Moen, Sara", 7: "Vik, Emil"}


def nin(n: int) -> str:
    """An 11-digit national id for patient n: born 16.08.6n, so its masked form is ``16086n *****``."""
    return f"16086{n}{n}2345"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path / "data"), location="Location/lv-test")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = open_store(settings.data_path())
    yield s
    s.close()


@pytest.fixture
def filled(store: Store) -> Store:
    return fill(store)


def fill(store: Store) -> Store:
    """The evening of 2 December 2025, by hand (also used by the PDF and command-line tests)."""
    entries = [
        entry(1, NAMES[1], nin(1), oslo(16), Fate.DEPARTED, DepartureReason.HOME),
        entry(2, NAMES[2], nin(2), oslo(17), Fate.DEPARTED, DepartureReason.ADMITTED),
        entry(3, NAMES[3], nin(3), oslo(18), Fate.DEPARTED, DepartureReason.HOME),
        entry(4, NAMES[4], nin(4), oslo(19), Fate.PRESENT),
        entry(5, NAMES[5], nin(5), oslo(20), Fate.DROPPED),
        entry(6, NAMES[6], nin(6), oslo(14), Fate.PRESENT),  # the day shift's
        entry(7, NAMES[7], nin(7), oslo(23, 30), Fate.PRESENT),  # the night's
    ]
    alerts = [
        # Raised in the shift, acknowledged (the comment names the patient) and resolved by people.
        alert(1, AlertKind.DROPPED_FROM_QUEUE, "Encounter/e5", oslo(20, 30), status=AlertStatus.RESOLVED,
              acknowledged_by="Hanne Lie", acknowledged_at=oslo(20, 35),
              ack_comment="Ringer Siri Dahl, 16086552345 <b>nå</b>", resolved_by="Morten Aas",
              resolved_at=oslo(21), resolution="Funnet på røntgen"),
        # Raised in the shift, resolved automatically.
        alert(2, AlertKind.TRIAGE_OVERDUE, "Encounter/e4", oslo(19, 40), severity=Severity.WARNING,
              status=AlertStatus.RESOLVED, resolved_at=oslo(19, 50), resolution="seen by a doctor"),
        # Raised before the shift and still open: carried over.
        alert(3, AlertKind.SYNC_STALE, None, oslo(14, 30)),
        # Before the shift and resolved before it: not in the report.
        alert(4, AlertKind.NOT_TRIAGED, "Encounter/e6", oslo(12), status=AlertStatus.RESOLVED,
              resolved_at=oslo(13)),
        # Resolved exactly as the shift began: it was never open in the shift.
        alert(5, AlertKind.STALE_ENTRY, "Encounter/e6", oslo(14, 50), status=AlertStatus.RESOLVED,
              resolved_at=oslo(15)),
        # After the shift.
        alert(6, AlertKind.NOTE_REJECTED, "Encounter/e7", oslo(23, 10)),
        # Before the shift, acknowledged then, resolved in it.
        alert(7, AlertKind.NOT_IN_QUEUE, "Encounter/e6", oslo(14, 55), status=AlertStatus.RESOLVED,
              acknowledged_by="Dag Vakt", acknowledged_at=oslo(14, 58), ack_comment="ser på det",
              resolved_by="Hanne Lie", resolved_at=oslo(15, 20), resolution="lagt inn i køen"),
    ]
    store.save(Reconciled(state=WorklistState(), changed={e.ref: e for e in entries}, events=(),
                          alerts=tuple(alerts)), snapshot_complete=False)

    rejected = Receipt(ref="Communication/r3", in_response_to="Communication/c3", status=ReceiptStatus.REJECTED,
                       errors=(receipt_error("E21"),), sent_at=oslo(18, 20))
    deliveries = [
        delivery(1, "Encounter/e1", oslo(16, 10), DeliveryState.OVERDUE, was_overdue=True),  # deadline 16:40
        delivery(2, "Encounter/e2", oslo(17), DeliveryState.RECEIPTED, was_overdue=True),  # late, then receipted
        delivery(3, "Encounter/e3", oslo(18), DeliveryState.REJECTED, receipt=rejected),
        delivery(4, "Encounter/e3", oslo(18, 5), DeliveryState.RECEIPTED),  # in time: not in the report
        delivery(5, "Encounter/e6", oslo(13, 30), DeliveryState.OVERDUE, was_overdue=True),  # carried over
        delivery(6, "Encounter/e6", oslo(12), DeliveryState.RECEIPTED, was_overdue=True),  # settled before
        delivery(7, "Encounter/e6", oslo(11), DeliveryState.REJECTED, resent_as="Communication/c8",
                 receipt=replace(rejected, ref="Communication/r7", in_response_to="Communication/c7",
                                 sent_at=oslo(11, 30))),  # rejected and resent before the shift
        delivery(9, "Encounter/e7", oslo(23, 20), DeliveryState.OVERDUE, was_overdue=True),  # the night's
    ]
    store.save_journal(deliveries=deliveries)

    empty = Reconciled(state=WorklistState(), changed={}, events=(), alerts=())
    outbox = [
        (command(1, CommandKind.SET_TRIAGE, "Encounter/e4", "red", oslo(19, 5)), "refused",
         "HTTP 422: triage for Ola Larsen not allowed"),
        (command(2, CommandKind.ASSIGN_ROOM, "Encounter/e4", "Location/rom-1", oslo(19, 10)), "applied", None),
        (command(3, CommandKind.SET_STATE, "Encounter/e6", "in-progress", oslo(14)), None, None),  # pending
        (command(4, CommandKind.ASSIGN_DOCTOR, "Encounter/e5", "Practitioner/dr-2", oslo(20, 10)), "conflict",
         "someone else changed it"),
        (command(5, CommandKind.SET_TRIAGE, "Encounter/e7", "yellow", oslo(23, 40)), None, None),  # after
    ]
    for cmd, state, error in outbox:
        store.enqueue(cmd, empty, actor=cmd.created_by)
        if state is not None:
            store.mark(cmd.command_id, state, error)

    for at, up in [(oslo(14), True), (oslo(16), False), (oslo(16, 30), True), (oslo(21), False),
                   (oslo(21, 15), True), (oslo(23, 30), False)]:
        assert store.record_link(at.astimezone(UTC), up)
    return store


@pytest.fixture
def report(filled: Store, settings: Settings) -> ShiftReport:
    shift = parse_report_shift(settings, "2025-12-02:evening")
    return build_report(filled, settings, shift, now=oslo(8, day=NEXT))


def test_the_census_counts_the_shifts_arrivals_and_the_patient_carried_over(report: ShiftReport) -> None:
    # Carried over: e6 (arrived 14:00, still here). Arrived 15-23: e1-e5; e1-e3 left (home, admitted,
    # home), e4 is here, e5 dropped at 21:00. So 1 + 5 = 3 + 2 + 1; the night's e7 counts nowhere.
    c = report.census
    assert (c.carried_over, c.arrived, c.departed, c.present, c.dropped) == (1, 5, 3, 2, 1)
    assert c.departed_by_reason == (("admitted", 1), ("home", 2))
    assert c.balances


def test_alerts_raised_in_the_shift_or_open_at_its_start(report: ShiftReport) -> None:
    assert [a.id for a in report.alerts] == ["AL-000003", "AL-000007", "AL-000002", "AL-000001"]
    stale, earlier, overdue, dropped = report.alerts
    assert stale.carried_over and stale.status == "open" and stale.resolved_at is None
    assert earlier.carried_over and (earlier.acknowledged_by, earlier.resolved_by) == ("Dag Vakt", "Hanne Lie")
    assert not overdue.carried_over and overdue.resolved_by is None and overdue.resolved_at == oslo(19, 50)
    assert (dropped.acknowledged_by, dropped.acknowledged_at) == ("Hanne Lie", oslo(20, 35))
    assert (dropped.resolved_by, dropped.resolved_at, dropped.resolution) == ("Morten Aas", oslo(21),
                                                                              "Funnet på røntgen")
    assert dropped.patient == "160865 *****" and dropped.encounter == "Encounter/e5"
    # The comment named the patient and gave the full national id: both are gone; markup stays text.
    assert dropped.ack_comment == "Ringer ***, 160865 ***** <b>nå</b>"


def test_undelivered_and_rejected_notes(report: ShiftReport) -> None:
    assert [d.identifier for d in report.undelivered] == ["d5", "d1", "d2"]  # by sending time
    assert [d.state for d in report.undelivered] == ["overdue", "overdue", "receipted"]
    assert [d.identifier for d in report.rejected] == ["d3"]
    rejected = report.rejected[0]
    assert rejected.errors == (("E21", receipt_error("E21").text),)
    assert rejected.rejected_at == oslo(18, 20)
    assert rejected.patient == "160863 *****" and rejected.encounter == "Encounter/e3"


def test_writes_not_applied(report: ShiftReport) -> None:
    assert [(w.command_id, w.state) for w in report.writes] == [
        ("cmd-1", "refused"), ("cmd-3", "pending"), ("cmd-4", "conflict")]
    refused = report.writes[0]
    assert (refused.field, refused.value, refused.created_by) == ("triage", "red", "Hanne Lie")
    assert refused.error == "HTTP 422: triage for *** not allowed"
    assert refused.patient == "160864 *****"


def test_the_links_uptime(report: ShiftReport) -> None:
    """Up 15:00-16:00, down to 16:30, up to 21:00, down to 21:15, up to 23:00: 7 h 15 min of 8 h."""
    u = report.uptime
    assert (u.up_seconds, u.known_seconds, u.span_seconds) == (hours(7.25), hours(8), hours(8))
    assert u.share == 0.90625
    assert [(o.start.astimezone(CLINIC_TZ), o.end.astimezone(CLINIC_TZ)) for o in u.outages] == [
        (oslo(16), oslo(16, 30)), (oslo(21), oslo(21, 15))]


def test_the_report_holds_no_name_and_no_full_national_id(report: ShiftReport) -> None:
    text = json.dumps(report.to_json(), ensure_ascii=False)
    for n, name in NAMES.items():
        assert name not in text
        for word in name.replace(",", "").split():
            assert re.search(rf"\b{word}\b", text) is None, word
        assert nin(n) not in text
    assert "160865 *****" in text


def test_the_json_is_plain_data(report: ShiftReport) -> None:
    doc = report.to_json()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["shift"] == "2025-12-02:evening"
    assert doc["start"] == "2025-12-02T15:00:00+01:00"
    assert doc["census"]["departed_by_reason"] == {"admitted": 1, "home": 2}
    assert doc["uptime"]["share"] == 0.90625
    assert doc["complete"] is True


def test_a_running_shift_is_reported_so_far(filled: Store, settings: Settings) -> None:
    shift = parse_report_shift(settings, "2025-12-02:evening")
    report = build_report(filled, settings, shift, now=oslo(16, 15))
    assert not report.complete
    assert (report.uptime.up_seconds, report.uptime.known_seconds) == (hours(1), hours(1.25))
    assert report.uptime.outages[-1].ongoing


def test_the_day_before_has_its_own_report(filled: Store, settings: Settings) -> None:
    """The day shift of 2 December: e6 arrived at 14:00; the link was up from 14:00 (unknown before)."""
    report = build_report(filled, settings, parse_report_shift(settings, "2025-12-02:day"), now=oslo(8, day=NEXT))
    assert (report.census.arrived, report.census.present) == (1, 1)
    assert {a.id for a in report.alerts} == {"AL-000003", "AL-000004", "AL-000005", "AL-000007"}
    assert (report.uptime.up_seconds, report.uptime.known_seconds) == (hours(1), hours(1))
    assert [d.identifier for d in report.undelivered] == ["d6", "d5"]
    assert [d.identifier for d in report.rejected] == ["d7"]


def test_the_worker_hands_the_report_out(filled: Store, settings: Settings) -> None:
    """``SyncWorker.shift_report`` runs on the runtime in the worker's turn and calls ``on_report``."""
    from legevakt.app.worker import SyncWorker

    got: list[ShiftReport] = []
    shift = parse_report_shift(settings, "2025-12-02:evening")

    class Runtime:
        def shift_report(self, s: object) -> ShiftReport:
            assert s is shift
            return build_report(filled, settings, shift, now=oslo(8, day=NEXT))

        def catch_up(self) -> bool:
            return False

    worker = SyncWorker(Runtime(), on_report=got.append)  # type: ignore[arg-type]
    worker.shift_report(shift)
    assert got == []  # queued for the worker's turn
    assert worker.run_pending() == 1
    assert [r.spec for r in got] == ["2025-12-02:evening"]
    assert got[0].census.arrived == 5


def test_a_send_the_platform_refused_is_undelivered_from_when_it_was_sent_until_sent_again(
        filled: Store, settings: Settings) -> None:
    refused = DeliveryState.REFUSED  # never left: no deadline counts, the refusal does
    filled.save_journal(deliveries=[
        delivery(20, "Encounter/e4", oslo(19, 30), refused, communication=None),  # in the shift
        delivery(21, "Encounter/e6", oslo(14, 40), refused, communication=None),  # before, never sent again
        delivery(22, "Encounter/e6", oslo(14, 45), refused, communication=None,
                 resent_as="Communication/c23"),  # before, and sent again before the shift
        delivery(23, "Encounter/e7", oslo(23, 50), refused, communication=None),  # after the shift
    ])
    report = build_report(filled, settings, parse_report_shift(settings, "2025-12-02:evening"),
                          now=oslo(8, day=NEXT))
    assert [d.identifier for d in report.refused] == ["d21", "d20"]  # its own section, by sending time
    assert {d.identifier: d.state for d in report.refused}["d20"] == "refused"
    assert not {"d20", "d21", "d22", "d23"} & {d.identifier for d in report.undelivered}  # never late


# -- resends, refusals and names: a hand-made evening -------------------------------------------------


def fill_resends(store: Store) -> Store:
    """The evening of 2 December 2025: a note late then resent and receipted; a sending the platform
    refused; a refused Communication create in the outbox; a doctor known by name."""
    patient_entry = entry(1, NAMES[1], nin(1), oslo(16), Fate.PRESENT)
    named = replace(patient_entry, encounter=replace(patient_entry.encounter, doctor="Practitioner/f84d2829c95b519e",
                                                     doctor_name="Morten Aas"))
    store.save(Reconciled(state=WorklistState(), changed={named.ref: named}, events=(), alerts=()),
               snapshot_complete=False)
    ok = Receipt(ref="Communication/r11", in_response_to="Communication/a95994b9729238e5",
                 status=ReceiptStatus.OK, sent_at=oslo(19, 22))
    deliveries = [
        # Sent 18:00, deadline 18:30 passed; resent 19:15 as a95994b9729238e5, receipted OK 19:22.
        delivery(10, "Encounter/e1", oslo(18), DeliveryState.OVERDUE, was_overdue=True,
                 communication="Communication/fdfd25c2f5669037", recipient="Practitioner/gp-08",
                 resent_as="Communication/a95994b9729238e5"),
        delivery(11, "Encounter/e1", oslo(19, 15), DeliveryState.RECEIPTED, note="DocumentReference/n10",
                 communication="Communication/a95994b9729238e5", recipient="Practitioner/gp-08",
                 resend_of="Communication/fdfd25c2f5669037", receipt=ok),
        # Sent 20:00, refused by the platform at once (no Communication): never sent, so never late.
        delivery(12, "Encounter/e1", oslo(20), DeliveryState.OVERDUE, was_overdue=True, communication=None,
                 sent_at=None, deadline=oslo(20, 30), created_at=oslo(20)),
    ]
    store.save_journal(deliveries=deliveries)
    empty = Reconciled(state=WorklistState(), changed={}, events=(), alerts=())
    create = Command(command_id="cmd-20", kind=CommandKind.CREATE, encounter="Encounter/e1", target=None, base=None,
                     created_at=oslo(20), created_by="Practitioner/f84d2829c95b519e",
                     resource_type="Communication", body="{}")
    store.enqueue(create, empty, actor=create.created_by)
    store.mark(create.command_id, "refused", "HTTP 422")
    return store


@pytest.fixture
def resends(store: Store, settings: Settings) -> ShiftReport:
    fill_resends(store)
    return build_report(store, settings, parse_report_shift(settings, "2025-12-02:evening"), now=oslo(8, day=NEXT),
                        names={"Practitioner/gp-08": "Mari Demolege"}, location_name="Trondheim legevakt")


def test_a_late_note_resent_and_receipted_reads_as_delivered_through_its_resend(resends: ShiftReport) -> None:
    late = next(d for d in resends.undelivered if d.identifier == "d10")
    assert late.state == "overdue"  # its own attempt stays late: it was
    assert (late.last_state, late.last_communication) == ("receipted", "Communication/a95994b9729238e5")
    assert late.resent_at == oslo(19, 15) and late.last_receipt_at == oslo(19, 22)
    assert [d.identifier for d in resends.undelivered] == ["d10"]  # the resend was in time


def test_a_sending_the_platform_refused_is_not_late_but_not_sent(resends: ShiftReport) -> None:
    assert "d12" not in {d.identifier for d in resends.undelivered}
    assert [d.identifier for d in resends.refused] == ["d12"]
    refused = resends.refused[0]
    assert refused.refused and refused.communication is None and refused.created_at == oslo(20)


def test_a_refused_write_says_what_it_wrote(resends: ShiftReport) -> None:
    assert [(w.command_id, w.resource_type, w.state) for w in resends.writes] == [
        ("cmd-20", "Communication", "refused")]


def test_names_come_from_the_caller_and_the_visits_and_the_clinic_by_its_name(resends: ShiftReport) -> None:
    assert resends.name_of("Practitioner/gp-08") == "Mari Demolege"
    assert resends.name_of("Practitioner/f84d2829c95b519e") == "Morten Aas"  # the visit's doctor
    assert resends.name_of("Practitioner/nobody") is None
    assert resends.location_name == "Trondheim legevakt"
    assert resends.to_json()["names"] == [["Practitioner/f84d2829c95b519e", "Morten Aas"],
                                          ["Practitioner/gp-08", "Mari Demolege"]]
