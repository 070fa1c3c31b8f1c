"""Fixtures for the UI tests: a fake application service and builders for real domain values."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from legevakt.app.journal import JournalPage, LedgerPage, RecipientMatches
from legevakt.app.summary import ChangeSummary, LinkMode, LinkStatus
from legevakt.codes import DNR_SYSTEM, FNR_SYSTEM
from legevakt.journal.model import (
    Delivery,
    DeliveryState,
    Note,
    NoteStatus,
    Receipt,
    ReceiptStatus,
    Recipient,
    receipt_error,
)
from legevakt.nin import control_digits
from legevakt.problems import Problem
from legevakt.ui.i18n import current_language, install_translator
from legevakt.ui.style import apply_style
from legevakt.worklist.census import census
from legevakt.worklist.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Encounter,
    EncounterStatus,
    Entry,
    Fate,
    Patient,
    Severity,
)

NOW = datetime(2025, 3, 14, 13, 30, tzinfo=UTC)


def clock() -> datetime:
    return NOW


# -- identifiers --------------------------------------------------------------------------------


def person_number(born: date, individual: int, *, d_number: bool = False) -> str:
    """A valid fødselsnummer (or D-nummer) for a synthetic patient: the first individual number
    from ``individual`` upwards whose control digits work out."""
    for ind in range(individual, individual + 50):
        day = born.day + (40 if d_number else 0)
        base = f"{day:02d}{born.month:02d}{born.year % 100:02d}{ind:03d}"
        control = control_digits(base)
        if control is not None:
            return base + control
    raise AssertionError("no valid number found")


# -- builders ----------------------------------------------------------------------------------
def make_entry(n: int, name: str = "", *, minutes_ago: int = 10, triage: str | None = "green",
               status: EncounterStatus = EncounterStatus.TRIAGED, fate: Fate = Fate.PRESENT,
               complaint: str = "Magesmerter", born: date = date(1980, 5, 17), gender: str = "female",
               room: str | None = None, nurse: str | None = None, doctor: str | None = None,
               d_number: bool = False, version: str = "1") -> Entry:
    ref = f"Encounter/enc-{n:03d}"
    arrived = NOW - timedelta(minutes=minutes_ago)
    patient = Patient(
        ref=f"Patient/pat-{n:03d}", version="1", name=name or f"Pasient, Nummer {n}", birth_date=born,
        gender=gender, identifier_system=DNR_SYSTEM if d_number else FNR_SYSTEM,
        identifier=person_number(born, 100 + n * 7 % 300, d_number=d_number),
    )
    enc = Encounter(
        ref=ref, version=version, patient_ref=patient.ref, status=status, arrived_at=arrived, triage=triage,
        complaint=complaint, room=f"Location/{room.lower().replace(' ', '-')}" if room else None, room_name=room,
        nurse=f"Practitioner/{nurse.split(',')[0].lower()}" if nurse else None, nurse_name=nurse,
        doctor=f"Practitioner/{doctor.split(',')[0].lower()}" if doctor else None, doctor_name=doctor,
        last_updated=arrived,
    )
    dropped = fate is Fate.DROPPED
    return Entry(encounter=enc, patient=patient, fate=fate, in_list=not dropped, ever_in_list=True,
                 first_seen=arrived, arrived_at=arrived, left_at=NOW - timedelta(minutes=3) if dropped else None,
                 drop_confirmed=dropped)


def bump(entry: Entry, **encounter_changes: object) -> Entry:
    """The same entry after the platform changed its encounter (new version)."""
    enc = entry.encounter
    new_version = str(int(enc.version) + 1) if enc.version.isdigit() else enc.version + "'"
    return replace(entry, encounter=replace(enc, version=new_version, **encounter_changes))  # type: ignore[arg-type]


def make_alert(n: int, kind: AlertKind, entry: Entry | None, *, severity: Severity = Severity.CRITICAL,
               status: AlertStatus = AlertStatus.OPEN, minutes_ago: int = 3, **changes: object) -> Alert:
    alert = Alert(id=f"AL-{n:06d}", kind=kind, severity=severity, key=entry.ref if entry else "platform",
                  encounter=entry.ref if entry else None, raised_at=NOW - timedelta(minutes=minutes_ago),
                  detail="test", status=status)
    return replace(alert, **changes)  # type: ignore[arg-type]


def make_link(mode: LinkMode = LinkMode.PUSH, *, age_s: float | None = 3, pending: int = 0, demo: bool = False,
              problem: Problem | None = None) -> LinkStatus:
    last = NOW - timedelta(seconds=age_s) if age_s is not None else None
    return LinkStatus(mode=mode, last_complete_at=last, last_attempt_at=NOW - timedelta(seconds=1),
                      problem=problem, pending_writes=pending, demo=demo, platform="https://fhir.example.no/r4")


def make_summary(upserted: tuple[Entry, ...] | list[Entry] = (), removed: tuple[str, ...] | list[str] = (),
                 alerts: tuple[Alert, ...] | list[Alert] = (), *, link: LinkStatus | None = None,
                 complete: bool = True, initial: bool = False, problems: tuple[str, ...] = (),
                 deliveries: tuple[Delivery, ...] | list[Delivery] = (),
                 pending: dict[str, int] | None = None) -> ChangeSummary:
    return ChangeSummary(upserted=tuple(upserted), removed=tuple(removed), alerts=tuple(alerts),
                         link=link or make_link(), census=census(upserted), complete=complete, initial=initial,
                         problems=problems, deliveries=tuple(deliveries), pending=pending)  # type: ignore[arg-type]


# -- the journal -------------------------------------------------------------------------------
def make_note(n: int, entry: Entry, text: str = "", *, minutes_ago: int = 20, signed: bool = False,
              on_platform: bool = True, author: str = "Practitioner/hanne-lie") -> Note:
    assert entry.patient is not None
    return Note(identifier=f"note-{n:03d}", encounter=entry.ref, patient=entry.patient.ref, author=author,
                text=text or f"Notat {n}", date=NOW - timedelta(minutes=minutes_ago),
                status=NoteStatus.FINAL if signed else NoteStatus.PRELIMINARY,
                authenticator=author if signed else None, ref=f"DocumentReference/doc-{n:03d}" if on_platform else None)


def make_delivery(n: int, note: Note, state: DeliveryState = DeliveryState.SENT, *,
                  recipient: str = "Practitioner/gp-03", minutes_ago: int = 15, deadline_minutes: int = 30,
                  errors: tuple[str, ...] = (), free_text: str | None = None, resent_as: str | None = None,
                  resend_of: str | None = None) -> Delivery:
    assert note.ref is not None
    sent = NOW - timedelta(minutes=minutes_ago)
    communication = f"Communication/com-{n:03d}" if state is not DeliveryState.QUEUED else None
    receipt = None
    if state in (DeliveryState.RECEIPTED, DeliveryState.RECEIPTED_WITH_ERRORS, DeliveryState.REJECTED):
        status = {DeliveryState.RECEIPTED: ReceiptStatus.OK, DeliveryState.REJECTED: ReceiptStatus.REJECTED,
                  DeliveryState.RECEIPTED_WITH_ERRORS: ReceiptStatus.OK_WITH_ERRORS}[state]
        receipt = Receipt(ref=f"Communication/rcpt-{n:03d}", in_response_to=communication or "",
                          status=status, errors=tuple(receipt_error(c) for c in errors),
                          sent_at=sent + timedelta(minutes=2), free_text=free_text)
    return Delivery(identifier=f"dlv-{n:03d}", note=note.ref, patient=note.patient, recipient=recipient,
                    state=state, communication=communication, sent_at=sent,
                    deadline=sent + timedelta(minutes=deadline_minutes),
                    receipt=receipt, resent_as=resent_as, resend_of=resend_of, encounter=note.encounter,
                    sender="Practitioner/hanne-lie", created_at=sent)


def make_page(entry: Entry, notes: list[Note] | tuple[Note, ...] = (),
              deliveries: list[Delivery] | tuple[Delivery, ...] = ()) -> JournalPage:
    return JournalPage(entry.ref, entry.patient.ref if entry.patient else None, tuple(notes), tuple(deliveries))


def clinic() -> tuple[list[Entry], list[Alert]]:
    """A realistic afternoon: 14 patients, one dropped with its critical alert, some warnings."""
    e = [
        make_entry(1, "Johansen, Ole Martin", minutes_ago=95, triage="yellow", fate=Fate.DROPPED,
                   complaint="Brystsmerter", born=date(1958, 2, 11), gender="male", nurse="Lie, Hanne"),
        make_entry(2, "Berg, Ingrid", minutes_ago=8, triage="red", status=EncounterStatus.IN_PROGRESS,
                   complaint="Pustebesvær", born=date(1949, 9, 30), room="Akuttrom 1", nurse="Lie, Hanne",
                   doctor="Aas, Morten"),
        make_entry(3, "Hansen, Lars", minutes_ago=16, triage="orange", complaint="Allergisk reaksjon",
                   born=date(1992, 4, 3), gender="male", nurse="Vik, Siri"),
        make_entry(4, "Nilsen, Sofie", minutes_ago=6, triage="orange", status=EncounterStatus.IN_PROGRESS,
                   complaint="Feber og nakkestivhet", born=date(2019, 11, 21), room="Rom 3", nurse="Vik, Siri",
                   doctor="Dahl, Kristin"),
        make_entry(5, "Larsen, Kristoffer", minutes_ago=72, triage="yellow", complaint="Magesmerter",
                   born=date(1987, 7, 14), gender="male", nurse="Lie, Hanne"),
        make_entry(6, "Andersen, Emma", minutes_ago=35, triage="yellow", status=EncounterStatus.ONLEAVE,
                   complaint="Mulig brudd håndledd", born=date(2008, 1, 5), room="Røntgen", nurse="Vik, Siri",
                   doctor="Aas, Morten"),
        make_entry(7, "Pedersen, Nora", minutes_ago=50, triage="yellow", complaint="Hodepine, oppkast",
                   born=date(1975, 3, 28), nurse="Lie, Hanne"),
        make_entry(8, "Karlsen, Jonas", minutes_ago=130, triage="green", complaint="Kutt i hånd",
                   born=date(1999, 12, 2), gender="male", nurse="Vik, Siri"),
        make_entry(9, "Olsen, Maja", minutes_ago=45, triage="green", status=EncounterStatus.IN_PROGRESS,
                   complaint="Urinveisinfeksjon", born=date(1966, 6, 19), room="Rom 2", nurse="Lie, Hanne",
                   doctor="Dahl, Kristin"),
        make_entry(10, "Eriksen, Henrik", minutes_ago=20, triage="green", complaint="Ankelskade",
                   born=date(2001, 8, 8), gender="male", nurse="Vik, Siri"),
        make_entry(11, "Solberg, Astrid", minutes_ago=90, triage="blue", complaint="Resept, fornyelse",
                   born=date(1941, 10, 10), nurse="Lie, Hanne"),
        make_entry(12, "Haugen, Emil", minutes_ago=18, triage=None, status=EncounterStatus.ARRIVED,
                   complaint="Svimmelhet", born=date(1954, 5, 25), gender="male"),
        make_entry(13, "Moen, Sara", minutes_ago=4, triage=None, status=EncounterStatus.ARRIVED,
                   complaint="Øreverk", born=date(2021, 2, 14)),
        make_entry(14, "Bakken, Piotr", minutes_ago=30, triage="blue", complaint="Hoste, forkjølelse",
                   born=date(1983, 9, 9), gender="male", d_number=True, nurse="Vik, Siri"),
    ]
    alerts = [
        make_alert(1, AlertKind.DROPPED_FROM_QUEUE, e[0], minutes_ago=3,
                   detail="left the queue list while the encounter is still active"),
        make_alert(2, AlertKind.TRIAGE_OVERDUE, e[2], severity=Severity.WARNING, minutes_ago=6),
        make_alert(3, AlertKind.TRIAGE_OVERDUE, e[4], severity=Severity.WARNING, minutes_ago=12),
        make_alert(4, AlertKind.TRIAGE_OVERDUE, e[7], severity=Severity.WARNING, minutes_ago=10),
        make_alert(5, AlertKind.NOT_TRIAGED, e[11], severity=Severity.WARNING, minutes_ago=3),
    ]
    return e, alerts


# -- the fake service --------------------------------------------------------------------------
class FakeService(QObject):
    """Stands in for ``legevakt.app.service.AppService``: records commands, emits what a test gives it."""

    changed = Signal(object)
    failed = Signal(object)  # a Problem (or, from an untyped error, words)
    journal_loaded = Signal(object)  # JournalPage
    ledger_loaded = Signal(object)  # LedgerPage
    recipients_found = Signal(object)  # RecipientMatches
    alerts_loaded = Signal(object)  # tuple[Alert, ...]: the shift's alerts read from the store

    def __init__(self, *, demo: bool = False, user: str = "Hanne Lie", language: str = "nb",
                 on_start: tuple[ChangeSummary, ...] = (), practitioner: str = "Practitioner/hanne-lie") -> None:
        super().__init__()
        self.demo = demo
        self.user = user
        self.language = language
        self.practitioner = practitioner
        self.journals_loaded: list[str] = []
        self.ledgers_loaded: list[datetime | None] = []
        self.searches: list[str] = []
        self.saved: list[tuple[str, str, str | None]] = []
        self.signed: list[tuple[str, str]] = []
        self.sent: list[tuple[str, str, str | None]] = []
        self.on_start = on_start
        self.started = 0
        self.stopped = 0
        self.acknowledged: list[tuple[str, str, str]] = []
        self.resolved: list[tuple[str, str, str]] = []
        self.journals_opened: list[tuple[str, str]] = []
        self.submitted: list[tuple[str, str, str, str | None]] = []
        self.displays: list[str | None] = []
        self.alert_reads: list[datetime] = []
        self.expects: list[str | None] = []  # the value the person saw (an undo: the value it undoes)

    def start(self) -> None:
        self.started += 1
        for summary in self.on_start:
            self.changed.emit(summary)

    def stop(self) -> None:
        self.stopped += 1

    def acknowledge(self, alert_id: str, by: str, comment: str) -> None:
        self.acknowledged.append((alert_id, by, comment))

    def resolve(self, alert_id: str, by: str, reason: str) -> None:
        self.resolved.append((alert_id, by, reason))

    def submit(self, encounter_ref: str, kind: object, target: str, *, disposition: str | None = None,
               display: str | None = None, expect: str | None = None) -> None:
        self.submitted.append((encounter_ref, str(kind), target, disposition))
        self.displays.append(display)
        self.expects.append(expect)

    def open_journal(self, encounter_ref: str, by: str) -> None:
        self.journals_opened.append((encounter_ref, by))

    def load_journal(self, encounter_ref: str) -> None:
        self.journals_loaded.append(encounter_ref)

    def load_ledger(self, since: datetime | None = None, *, everything: bool = False) -> None:
        self.ledgers_loaded.append(since)

    def search_recipients(self, query: str) -> None:
        self.searches.append(query)

    def load_alerts(self, since: datetime) -> None:
        self.alert_reads.append(since)

    def save_note(self, encounter_ref: str, text: str, note: str | None = None) -> None:
        self.saved.append((encounter_ref, text, note))

    def sign_note(self, encounter_ref: str, note: str) -> None:
        self.signed.append((encounter_ref, note))

    def send_note(self, encounter_ref: str, note: str, to: str | None = None) -> None:
        self.sent.append((encounter_ref, note, to))

    def emit(self, summary: ChangeSummary) -> None:
        self.changed.emit(summary)

    def page(self, page: JournalPage) -> None:
        self.journal_loaded.emit(page)

    def ledger(self, deliveries: list[Delivery] | tuple[Delivery, ...], since: datetime | None = None) -> None:
        self.ledger_loaded.emit(LedgerPage(tuple(deliveries), since))

    def found(self, query: str, *recipients: Recipient) -> None:
        self.recipients_found.emit(RecipientMatches(query, tuple(recipients)))

    def fail(self, message: object) -> None:
        self.failed.emit(message)


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def qm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("qm-cache")


@pytest.fixture(scope="session")
def styled_app(qapp: QApplication) -> QApplication:
    apply_style(qapp)
    return qapp


@pytest.fixture(autouse=True)
def norwegian(styled_app: QApplication, qm_cache: Path) -> Iterator[None]:
    """Every test starts in bokmål (the default) with the application style."""
    if current_language() != "nb":
        install_translator(styled_app, "nb")
    yield
    if current_language() != "nb":
        install_translator(styled_app, "nb")


@pytest.fixture(scope="session", autouse=True)
def _bokmal_installed(qapp: QApplication, qm_cache: Path) -> None:
    install_translator(qapp, "nb")


@pytest.fixture
def service() -> FakeService:
    return FakeService()


@pytest.fixture
def screenshots_dir() -> Path:
    path = Path(__file__).resolve().parents[2] / "screenshots"
    path.mkdir(exist_ok=True)
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The offscreen platform warns that it cannot propagate size hints when a window is shown, nor raise one."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)"))
