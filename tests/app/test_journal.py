"""The journal service against the simulator when the platform refuses one of its writes (4xx).

The oracle is the platform: what it holds (``sim.store``) after the refusal, never the client's ledger alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from legevakt.app import clinic_time
from legevakt.app.runtime import Runtime
from legevakt.app.settings import load
from legevakt.journal.model import DeliveryState, NoteStatus
from legevakt.problems import ProblemError, ProblemKind
from legevakt.sim import SimServer
from legevakt.sync.engine import utcnow
from legevakt.worklist.census import shift_at
from legevakt.worklist.models import AlertKind, AlertStatus

DOCTOR = "Practitioner/doc-app-journal-1"


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    server = make_sim(seed=13, initial_patients=3)
    server.faults.apply({"transport_delay_seconds": 0, "receipt_delay_seconds": 0})
    return server


@pytest.fixture
def runtime(sim: SimServer, tmp_path: Path) -> Iterator[Runtime]:
    settings = load(tmp_path / "none.toml", {"platform": sim.base_url, "location": sim.clinic_ref,
                                             "data_dir": str(tmp_path / "data")})
    rt = Runtime.open(settings)
    assert rt.engine.cycle().complete
    yield rt
    rt.close()


def _settle(sim: SimServer, rt: Runtime) -> None:
    for _ in range(3):
        sim.recipients.pump()
    rt.engine.cycle()
    rt.engine.cycle()


def _notes_sent(sim: SimServer, note_ref: str) -> list[dict[str, Any]]:
    with sim.store.lock:
        return [dict(c) for c in sim.store.live("Communication")
                if c.get("payload") and c["payload"][0].get("contentReference", {}).get("reference") == note_ref]


def _saved_note(rt: Runtime, encounter: str) -> str:
    note = rt.journal.write_note(encounter, DOCTOR, "Vurdering: observeres, kontroll hos fastlege")
    rt.journal.push()
    ref = rt.journal.refreshed_note(note).ref
    assert ref is not None
    return ref


def test_a_note_whose_signing_the_platform_refused_is_not_sent_as_signed(sim: SimServer, runtime: Runtime) -> None:
    encounter = sorted(runtime.engine.state.entries)[0]
    ref = _saved_note(runtime, encounter)
    sim.faults.apply({"reject_writes_next": 1})
    runtime.journal.sign_note(ref, DOCTOR)
    runtime.journal.push()
    assert sim.store.read_copy(ref)["docStatus"] == "preliminary"  # the platform did not take the signature

    # Here it is not signed either: the page says so, and it is not sent to anyone.
    (shown,) = runtime.journal.page(encounter).notes
    assert shown.status is NoteStatus.PRELIMINARY and shown.authenticator is None
    with pytest.raises(ProblemError) as refused:
        runtime.journal.send_note(ref, DOCTOR, to="Organization/gpo-01")
    assert refused.value.problem.kind is ProblemKind.NOTE_NOT_SIGNED
    assert _notes_sent(sim, ref) == []

    # Signing again is possible, and then it goes.
    runtime.journal.sign_note(ref, DOCTOR)
    runtime.journal.push()
    assert sim.store.read_copy(ref)["docStatus"] == "final"
    assert runtime.journal.refreshed_note(runtime.journal.page(encounter).notes[0]).status is NoteStatus.FINAL
    _, created = runtime.journal.send_note(ref, DOCTOR, to="Organization/gpo-01")
    runtime.journal.push()
    assert created and len(_notes_sent(sim, ref)) == 1


def _signed_note(rt: Runtime, encounter: str) -> str:
    note = rt.journal.write_note(encounter, DOCTOR, "Epikrise: sår sydd, kontroll om 10 dager", signed=True)
    rt.journal.push()
    ref = rt.journal.refreshed_note(note).ref
    assert ref is not None
    return ref


def test_a_send_the_platform_refused_is_undelivered_at_once_and_can_be_sent_again(
        sim: SimServer, runtime: Runtime) -> None:
    encounter = sorted(runtime.engine.state.entries)[0]
    ref = _signed_note(runtime, encounter)
    sim.faults.apply({"reject_writes_next": 1})
    first, created = runtime.journal.send_note(ref, DOCTOR, to="Organization/gpo-01")
    runtime.journal.push()
    assert created and _notes_sent(sim, ref) == []  # the platform has no Communication: it never goes

    # Not "queued" for the next half hour, nor "overdue": refused now, one critical alert that says it did not
    # leave (no deadline; no write alert on top), shared with the other workstations, and it may be sent again.
    refused = runtime.store.delivery(first.identifier)
    assert refused is not None and refused.state is DeliveryState.REFUSED and refused.needs_action
    (alert,) = [a for a in runtime.store.alerts() if a.kind is AlertKind.NOTE_UNDELIVERED]
    assert alert.key == first.identifier and alert.is_open
    assert "refused" in alert.detail and "deadline" not in alert.detail
    assert not [a for a in runtime.store.alerts() if a.kind is AlertKind.WRITE_NOT_APPLIED]
    [task] = [v.resource for v in sim.store.live_versions("Task")
              if v.resource and v.resource["code"]["coding"][0]["code"] == "NOTE_UNDELIVERED"]
    assert task["status"] == "requested" and task["focus"] == {"reference": ref}  # no Communication: the note

    resend, created = runtime.journal.send_note(ref, DOCTOR, to="Organization/gpo-01")
    runtime.journal.push()
    assert created and resend.identifier != first.identifier
    _settle(sim, runtime)
    (on_platform,) = _notes_sent(sim, ref)
    assert "about" not in on_platform  # the first attempt never existed on the platform
    done = runtime.store.delivery(resend.identifier)
    assert done is not None and done.state is DeliveryState.RECEIPTED and done.communication == \
        f"Communication/{on_platform['id']}"
    first_now = runtime.store.delivery(first.identifier)
    assert first_now is not None and first_now.resent_as == done.communication and not first_now.needs_action
    (resolved,) = [a for a in runtime.store.alerts() if a.kind is AlertKind.NOTE_UNDELIVERED]
    assert resolved.status is AlertStatus.RESOLVED
    [task] = [v.resource for v in sim.store.live_versions("Task")
              if v.resource and v.resource["code"]["coding"][0]["code"] == "NOTE_UNDELIVERED"]
    assert task["status"] == "completed"  # resolved by the resend's receipt, on the platform too


def test_a_note_signed_and_sent_offline_is_not_delivered_when_the_signing_is_refused(
        sim: SimServer, runtime: Runtime) -> None:
    encounter = sorted(runtime.engine.state.entries)[0]
    ref = _saved_note(runtime, encounter)
    runtime.journal.sign_note(ref, DOCTOR)  # both queued while nothing is sent (as offline)
    delivery, created = runtime.journal.send_note(ref, DOCTOR, to="Organization/gpo-01")
    assert created
    sim.faults.apply({"reject_writes_next": 1})  # the platform refuses the signing when it comes
    runtime.journal.push()
    assert sim.store.read_copy(ref)["docStatus"] == "preliminary"
    assert _notes_sent(sim, ref) == []  # the recipient never gets an unsigned note
    _settle(sim, runtime)
    assert _notes_sent(sim, ref) == []
    states = {i.command.kind.value: i.state.value for i in runtime.store.outbox()
              if i.command.target == ref or i.command.command_id == delivery.identifier}
    assert states == {"update": "refused", "create": "refused"}
    d = runtime.store.delivery(delivery.identifier)
    assert d is not None and d.needs_action and d.communication is None


def test_an_earlier_shifts_failed_delivery_stays_in_the_ledger_until_its_alert_is_resolved(
        sim: SimServer, runtime: Runtime) -> None:
    from datetime import timedelta

    encounter = sorted(runtime.engine.state.entries)[0]
    ref = _saved_note(runtime, encounter)
    runtime.journal.sign_note(ref, DOCTOR)
    runtime.journal.push()
    sim.faults.apply({"receipt_mode": "reject", "receipt_error_code": "E21"})
    delivery, _ = runtime.journal.send_note(ref, DOCTOR, to="Organization/gpo-01")
    runtime.journal.push()
    _settle(sim, runtime)
    later = runtime.engine.clock() + timedelta(hours=9)  # a later shift: this one began after the send
    assert [d.identifier for d in runtime.journal.ledger(since=later).deliveries] == [delivery.identifier]
    (alert,) = [a for a in runtime.engine.state.alerts.values() if a.kind is AlertKind.NOTE_REJECTED]
    runtime.engine.resolve(alert.id, "lege", "Sendt per post")
    assert runtime.journal.ledger(since=later).deliveries == ()
    assert [d.identifier for d in runtime.journal.ledger(everything=True).deliveries] == [delivery.identifier]


def test_the_shift_report_names_the_recipients_and_the_clinic_as_the_platform_does(
        sim: SimServer, runtime: Runtime) -> None:
    encounter = sorted(runtime.engine.state.entries)[0]
    ref = _signed_note(runtime, encounter)
    runtime.journal.send_note(ref, DOCTOR, to="Organization/gpo-01")
    runtime.journal.push()
    runtime.cycled(runtime.engine.cycle())  # as the worker notes each cycle: the link is up
    report = runtime.shift_report(shift_at(utcnow(), clinic_time.zone(), runtime.settings.shifts))
    org = sim.store.read_copy("Organization/gpo-01")
    clinic = sim.store.read_copy(sim.clinic_ref)
    assert report.name_of("Organization/gpo-01") == org["name"]  # the platform's own name, not its id
    assert report.location_name == clinic["name"]
