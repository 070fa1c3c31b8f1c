"""The journal's whole loop against the simulator: write, sign, send, transport, receipt, ledger, alerts.

Each test runs the real runtime (store, DbWriter, outbox, FHIR client, follower) on the simulated
platform. The oracle is the platform itself: the resources it holds (``sim.store``) and what its
recipients answered (``sim.recipients.receipted``), never the client's own ledger alone.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from legevakt import codes
from legevakt.app.runtime import Runtime
from legevakt.app.settings import load
from legevakt.journal.model import DeliveryState, NoteStatus, Recipient
from legevakt.problems import ProblemError, ProblemKind
from legevakt.sim import SimServer
from legevakt.worklist.models import AlertKind, AlertStatus, Severity
from tests.journal.r4 import validate_r4

DOCTOR = "Practitioner/doc-test-1"


class Clock:
    """The runtime's clock, moved by hand (deadlines without waiting)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    server = make_sim(seed=5, initial_patients=4)
    server.faults.apply({"transport_delay_seconds": 0, "receipt_delay_seconds": 0})
    return server


OpenRuntime = Callable[[], Runtime]


@pytest.fixture
def open_runtime(sim: SimServer, tmp_path: Path) -> Iterator[OpenRuntime]:
    opened: list[Runtime] = []
    clock = Clock()

    def make() -> Runtime:
        settings = load(tmp_path / "none.toml", {"platform": sim.base_url, "location": sim.clinic_ref,
                                                 "data_dir": str(tmp_path / "data")})
        runtime = Runtime.open(settings)
        runtime.engine.clock = clock
        opened.append(runtime)
        return runtime

    make.clock = clock  # type: ignore[attr-defined]
    yield make
    for runtime in opened:
        runtime.close()


def _all(sim: SimServer, rtype: str) -> list[dict[str, Any]]:
    """Every current resource of ``rtype`` on the platform."""
    with sim.store.lock:
        return [dict(r) for r in sim.store.live(rtype)]


def _settle(sim: SimServer, runtime: Runtime) -> None:
    """Let the platform acknowledge transport and the recipient receipt, then sync twice (see, record)."""
    for _ in range(3):
        sim.recipients.pump()
    runtime.engine.cycle()
    runtime.engine.cycle()


def _journal_alerts(runtime: Runtime) -> list[Any]:
    return [a for a in runtime.store.alerts() if a.kind in (AlertKind.NOTE_UNDELIVERED, AlertKind.NOTE_REJECTED,
                                                             AlertKind.NOTE_RECEIPT_ERRORS)]


def _encounter(runtime: Runtime) -> str:
    assert runtime.engine.cycle().complete
    return sorted(runtime.engine.state.entries)[0]


def _signed_note(runtime: Runtime, encounter: str, text: str = "Brystsmerter, EKG normalt. Kontroll hos fastlege.",
                 ) -> str:
    journal = runtime.journal
    note = journal.write_note(encounter, DOCTOR, text, signed=True)
    journal.push()
    ref = journal.refreshed_note(note).ref
    assert ref is not None
    return ref


def test_a_signed_note_is_sent_to_the_gp_transported_and_receipted_and_the_outcome_recorded(
        sim: SimServer, open_runtime: OpenRuntime) -> None:
    runtime = open_runtime()
    encounter = _encounter(runtime)
    patient = runtime.engine.state.entries[encounter].encounter.patient_ref
    assert patient is not None
    gp = sim.store.read_copy(patient)["generalPractitioner"][0]["reference"]  # the oracle: the platform's Patient

    note_ref = _signed_note(runtime, encounter)
    delivery, created = runtime.journal.send_note(note_ref, DOCTOR)
    runtime.journal.push()
    assert created and delivery.recipient == gp
    sent = runtime.store.delivery(delivery.identifier)
    assert sent is not None and sent.communication is not None  # on the platform (it may be receipted already)

    _settle(sim, runtime)
    done = runtime.store.delivery(delivery.identifier)
    assert done is not None and done.state is DeliveryState.RECEIPTED
    truth = sim.recipients.receipted[done.communication]
    assert done.receipt is not None and done.receipt.ref == truth.receipt and truth.status == "1"
    assert done.transported_at is not None
    on_platform = sim.store.read_copy(done.communication)
    assert on_platform["status"] == "completed" and "received" in on_platform
    assert on_platform["payload"][0]["contentReference"]["reference"] == note_ref
    doc = sim.store.read_copy(note_ref)
    assert doc["docStatus"] == "final" and doc["authenticator"]["reference"] == DOCTOR
    assert _journal_alerts(runtime) == []
    # The journal page names the recipient as the platform does (read once the link is known to be up).
    assert runtime.journal.page(encounter).recipients[0].display is None  # no cycle has reported the link
    runtime.cycled(runtime.engine.cycle())
    gp_res = sim.store.read_copy(gp)
    name = gp_res.get("name")
    expected = name if isinstance(name, str) else name[0]["text"]
    assert runtime.journal.page(encounter).recipients == (Recipient(gp, expected),)
    # Writing and sending are audited, with platform ids only (never the note's text).
    audit = {r.action: r for r in runtime.store.audit(target=encounter)}
    assert {"note.signed", "note.sent"} <= set(audit)
    assert audit["note.sent"].actor == DOCTOR and note_ref in audit["note.sent"].detail
    assert all("EKG" not in r.detail for r in runtime.store.audit(limit=1000))
    # Every resource this client wrote validates against the R4 definitions.
    written = [r for r in _all(sim, "DocumentReference") + _all(sim, "Communication")
               if any(i.get("system") == codes.CLIENT_REQUEST_SYSTEM for i in r.get("identifier") or [])]
    assert len(written) == 2
    for res in written:
        validate_r4(res)


def test_sending_again_while_in_flight_or_receipted_changes_nothing(sim: SimServer, open_runtime: OpenRuntime) -> None:
    runtime = open_runtime()
    note_ref = _signed_note(runtime, _encounter(runtime))
    first, _ = runtime.journal.send_note(note_ref, DOCTOR)
    runtime.journal.push()
    again, created = runtime.journal.send_note(note_ref, DOCTOR)
    assert not created and again.identifier == first.identifier
    _settle(sim, runtime)
    third, created = runtime.journal.send_note(note_ref, DOCTOR)
    assert not created and third.identifier == first.identifier
    notes_sent = [c for c in _all(sim, "Communication") if c.get("category")[0]["coding"][0]["code"] == "note"]
    assert len(notes_sent) == 1


def test_an_unsigned_note_is_refused_and_a_signed_one_is_never_edited(
        sim: SimServer, open_runtime: OpenRuntime) -> None:
    runtime = open_runtime()
    encounter = _encounter(runtime)
    journal = runtime.journal
    draft = journal.write_note(encounter, DOCTOR, "Utkast")
    journal.push()
    draft = journal.refreshed_note(draft)
    assert draft.ref is not None and draft.status is NoteStatus.PRELIMINARY
    with pytest.raises(ProblemError) as refused:
        journal.send_note(draft.ref, DOCTOR)
    assert refused.value.problem.kind is ProblemKind.NOTE_NOT_SIGNED
    journal.edit_note(draft.ref, DOCTOR, "Utkast, rettet")
    journal.sign_note(draft.ref, DOCTOR)
    journal.push()
    doc = sim.store.read_copy(draft.ref)
    assert doc["docStatus"] == "final"
    assert base64.b64decode(doc["content"][0]["attachment"]["data"]).decode() == "Utkast, rettet"
    with pytest.raises(ProblemError) as signed:
        journal.edit_note(draft.ref, DOCTOR, "endret etter signering")
    assert signed.value.problem.kind is ProblemKind.NOTE_ALREADY_SIGNED
    validate_r4(doc)


def test_a_rejection_raises_an_alert_with_the_reason_and_a_resend_receipted_ok_resolves_it(
        sim: SimServer, open_runtime: OpenRuntime) -> None:
    runtime = open_runtime()
    note_ref = _signed_note(runtime, _encounter(runtime))
    sim.faults.apply({"receipt_mode": "reject", "receipt_error_code": "E21"})
    first, _ = runtime.journal.send_note(note_ref, DOCTOR)
    runtime.journal.push()
    _settle(sim, runtime)
    rejected = runtime.store.delivery(first.identifier)
    assert rejected is not None and rejected.state is DeliveryState.REJECTED
    assert rejected.receipt is not None and [e.code for e in rejected.receipt.errors] == ["E21"]
    assert rejected.receipt.errors[0].text == codes.APPREC_ERROR_TEXTS["E21"]
    assert sim.recipients.receipted[rejected.communication].errors == ("E21",)  # the oracle agrees
    (alert,) = _journal_alerts(runtime)
    assert alert.kind is AlertKind.NOTE_REJECTED and alert.severity is Severity.CRITICAL
    assert alert.key == first.identifier and "E21" in alert.detail and alert.is_open
    recorded = sim.store.read_copy(rejected.communication)
    assert recorded["status"] == "not-done"
    assert recorded["statusReason"]["coding"][0] == {"system": codes.APPREC_ERROR_SYSTEM, "code": "E21",
                                                      "display": codes.APPREC_ERROR_TEXTS["E21"]}
    validate_r4(recorded)

    sim.faults.apply({"receipt_mode": "ok"})
    resend, created = runtime.journal.send_note(note_ref, DOCTOR)
    runtime.journal.push()
    assert created and resend.resend_of == rejected.communication
    _settle(sim, runtime)
    ok = runtime.store.delivery(resend.identifier)
    assert ok is not None and ok.state is DeliveryState.RECEIPTED
    first_now = runtime.store.delivery(first.identifier)
    assert first_now is not None and first_now.resent_as == ok.communication
    (resolved,) = _journal_alerts(runtime)
    assert resolved.id == alert.id and resolved.status is AlertStatus.RESOLVED and resolved.resolved_by is None
    assert "receipted OK" in (resolved.resolution or "")
    on_platform = sim.store.read_copy(ok.communication)
    assert on_platform["about"] == [{"reference": rejected.communication}]
    validate_r4(on_platform)


def test_a_deadline_that_passes_raises_note_undelivered_and_a_late_ok_receipt_resolves_it(
        sim: SimServer, open_runtime: OpenRuntime) -> None:
    runtime = open_runtime()
    clock = open_runtime.clock  # type: ignore[attr-defined]
    note_ref = _signed_note(runtime, _encounter(runtime))
    sim.faults.apply({"receipt_mode": "none"})
    delivery, _ = runtime.journal.send_note(note_ref, DOCTOR)
    runtime.journal.push()
    _settle(sim, runtime)
    assert runtime.store.delivery(delivery.identifier).state is DeliveryState.TRANSPORTED
    clock.advance(29)
    runtime.engine.cycle()
    assert _journal_alerts(runtime) == []  # not yet: the deadline is 30 minutes
    clock.advance(2)
    runtime.engine.cycle()
    late = runtime.store.delivery(delivery.identifier)
    assert late is not None and late.state is DeliveryState.OVERDUE and late.needs_action
    (alert,) = _journal_alerts(runtime)
    assert alert.kind is AlertKind.NOTE_UNDELIVERED and alert.severity is Severity.CRITICAL and alert.is_open
    assert alert.encounter == delivery.encounter

    # The recipient's system answers after all (the oracle's receipt), OK: the alert resolves by evidence.
    sim.faults.apply({"receipt_mode": "ok"})
    sim.recipients._receipt(late.communication.split("/")[1])  # the receipt the recipient owed
    runtime.engine.cycle()
    settled = runtime.store.delivery(delivery.identifier)
    assert settled is not None and settled.state is DeliveryState.RECEIPTED and settled.was_overdue
    (resolved,) = _journal_alerts(runtime)
    assert resolved.status is AlertStatus.RESOLVED


def test_an_overdue_note_is_resent_as_a_new_communication_that_refers_to_the_first(
        sim: SimServer, open_runtime: OpenRuntime) -> None:
    runtime = open_runtime()
    clock = open_runtime.clock  # type: ignore[attr-defined]
    note_ref = _signed_note(runtime, _encounter(runtime))
    sim.faults.apply({"transport_never_acks": True})
    first, _ = runtime.journal.send_note(note_ref, DOCTOR)
    runtime.journal.push()
    clock.advance(31)
    _settle(sim, runtime)
    assert runtime.store.delivery(first.identifier).state is DeliveryState.OVERDUE
    sim.faults.apply({"transport_never_acks": False})
    resend, created = runtime.journal.send_note(note_ref, DOCTOR)
    runtime.journal.push()
    assert created
    _settle(sim, runtime)
    assert runtime.store.delivery(resend.identifier).state is DeliveryState.RECEIPTED
    alerts = _journal_alerts(runtime)
    assert [a.kind for a in alerts] == [AlertKind.NOTE_UNDELIVERED]
    assert alerts[0].status is AlertStatus.RESOLVED


def test_ok_with_errors_is_a_warning_and_settles_the_delivery(sim: SimServer, open_runtime: OpenRuntime) -> None:
    runtime = open_runtime()
    note_ref = _signed_note(runtime, _encounter(runtime))
    sim.faults.apply({"receipt_mode": "errors", "receipt_error_code": "E35"})
    delivery, _ = runtime.journal.send_note(note_ref, DOCTOR)
    runtime.journal.push()
    _settle(sim, runtime)
    got = runtime.store.delivery(delivery.identifier)
    assert got is not None and got.state is DeliveryState.RECEIPTED_WITH_ERRORS
    (alert,) = _journal_alerts(runtime)
    assert alert.kind is AlertKind.NOTE_RECEIPT_ERRORS and alert.severity is Severity.WARNING and "E35" in alert.detail
    assert sim.store.read_copy(got.communication)["status"] == "completed"  # OK with errors is completed


def test_a_restart_between_sending_and_the_receipt_loses_nothing(sim: SimServer, open_runtime: OpenRuntime) -> None:
    runtime = open_runtime()
    note_ref = _signed_note(runtime, _encounter(runtime))
    delivery, _ = runtime.journal.send_note(note_ref, DOCTOR)  # queued, not pushed: the process stops here
    runtime.close()
    sim.recipients.pump()
    again = open_runtime()
    queued = again.store.delivery(delivery.identifier)
    assert queued is not None and queued.state is DeliveryState.QUEUED and again.store.pending_count() == 1
    again.engine.cycle()  # the outbox goes, the follower learns the Communication
    _settle(sim, again)
    done = again.store.delivery(delivery.identifier)
    assert done is not None and done.state is DeliveryState.RECEIPTED
    assert done.communication in sim.recipients.receipted


def test_offline_nothing_is_inferred_about_a_sent_note(sim: SimServer, open_runtime: OpenRuntime) -> None:
    runtime = open_runtime()
    clock = open_runtime.clock  # type: ignore[attr-defined]
    note_ref = _signed_note(runtime, _encounter(runtime))
    sim.faults.apply({"receipt_mode": "none"})
    delivery, _ = runtime.journal.send_note(note_ref, DOCTOR)
    runtime.journal.push()
    sim.stop()  # the platform is gone
    clock.advance(45)
    outcome = runtime.engine.cycle()
    assert outcome.error is not None
    still = runtime.store.delivery(delivery.identifier)
    # could not check: not called overdue
    assert still is not None and still.state in (DeliveryState.SENT, DeliveryState.TRANSPORTED)
    assert _journal_alerts(runtime) == []
