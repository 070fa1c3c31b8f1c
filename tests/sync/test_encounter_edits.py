"""How a command becomes a FHIR Encounter change: the edited JSON reads back as the command's value, and
everything else the platform sent is kept (hand-written resources, read back through the mapping)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from legevakt import codes
from legevakt.sync.encounter_edits import edit_encounter, with_client_identifier
from legevakt.sync.mapping import encounter_from_fhir
from legevakt.worklist.commands import Command, CommandKind
from legevakt.worklist.models import EncounterStatus
from legevakt.worklist.triage import MTS

CLINIC = "Location/clinic"
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def resource() -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "e1", "meta": {"versionId": "3"}, "status": "arrived",
            "subject": {"reference": "Patient/p1"}, "period": {"start": "2025-03-03T11:00:00Z"},
            "location": [{"location": {"reference": CLINIC}, "status": "active"}],
            "reasonCode": [{"text": "vondt i magen"}]}


def command(kind: CommandKind, target: str, base: str | None = None) -> Command:
    return Command(command_id="c1", kind=kind, encounter="Encounter/e1", target=target, base=base,
                   created_at=NOW, created_by="nurse-1")


def test_set_triage_reads_back_as_the_new_level_and_keeps_the_rest() -> None:
    before = resource()
    after = edit_encounter(before, command(CommandKind.SET_TRIAGE, "red"), scale=MTS, clinic_ref=CLINIC, now=NOW)
    assert encounter_from_fhir(after, clinic_ref=CLINIC, scale=MTS).triage == "red"
    assert before == resource(), "the input resource is not changed"
    assert {k: v for k, v in after.items() if k != "priority"} == resource()


def test_assign_room_keeps_the_clinic_and_adds_the_room_as_active() -> None:
    after = edit_encounter(resource(), command(CommandKind.ASSIGN_ROOM, "Location/r1"), scale=MTS,
                           clinic_ref=CLINIC, now=NOW)
    enc = encounter_from_fhir(after, clinic_ref=CLINIC, scale=MTS)
    assert (enc.room, enc.at_clinic) == ("Location/r1", True)
    assert after["location"][0] == {"location": {"reference": CLINIC}, "status": "active"}


def test_set_state_in_progress_writes_status_and_its_history() -> None:
    after = edit_encounter(resource(), command(CommandKind.SET_STATE, "in-progress"), scale=MTS,
                           clinic_ref=CLINIC, now=NOW)
    assert encounter_from_fhir(after, clinic_ref=CLINIC, scale=MTS).status is EncounterStatus.IN_PROGRESS
    assert after["statusHistory"] == [{"status": "in-progress", "period": {"start": "2025-03-03T12:00:00.000Z"}}]


def test_a_client_identifier_is_added_once() -> None:
    once = with_client_identifier({"resourceType": "Flag"}, "c1")
    assert with_client_identifier(once, "c1")["identifier"] == [{"system": codes.CLIENT_REQUEST_SYSTEM,
                                                                 "value": "c1"}]
