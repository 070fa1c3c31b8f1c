"""FHIR R4 JSON -> domain: what is required is checked, what is optional is never guessed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from legevakt import codes
from legevakt.problems import Problem, ProblemKind
from legevakt.sync.errors import MalformedResponse, UnresolvedListItems
from legevakt.sync.mapping import encounter_from_fhir, list_items, patient_from_fhir, version_of
from legevakt.worklist.models import DepartureReason, EncounterStatus
from legevakt.worklist.triage import MTS, RETTS

CLINIC = "Location/lv"


def encounter(**over: object) -> dict[str, object]:
    res: dict[str, object] = {
        "resourceType": "Encounter", "id": "e1", "meta": {"versionId": "a9f", "lastUpdated": "2026-11-26T08:00:00Z"},
        "status": "triaged", "class": {"system": codes.V3_ACT_CODE, "code": "EMER"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-26T07:30:00+01:00"},
        "location": [{"location": {"reference": CLINIC}, "status": "active"},
                     {"location": {"reference": "Location/room3", "display": "Rom 3"}, "status": "active"}],
        "priority": {"coding": [{"system": codes.TRIAGE_MTS_SYSTEM, "code": "orange"},
                                {"system": codes.V3_ACT_PRIORITY, "code": "EM"}]},
        "participant": [
            {"type": [{"coding": [{"system": codes.V3_PARTICIPATION_TYPE, "code": codes.PARTICIPANT_NURSE}]}],
             "individual": {"reference": "Practitioner/n1"}},
            {"type": [{"coding": [{"system": codes.V3_PARTICIPATION_TYPE, "code": codes.PARTICIPANT_DOCTOR}]}],
             "individual": {"reference": "Practitioner/d1", "display": "Dr. Berg"}},
        ],
        "reasonCode": [{"text": "Brystsmerter"}],
    }
    res.update(over)
    return res


def test_encounter_maps_every_queue_field() -> None:
    enc = encounter_from_fhir(encounter(), clinic_ref=CLINIC, scale=MTS, names={"Practitioner/n1": "Kari N"})
    assert enc.ref == "Encounter/e1"
    assert enc.version == "a9f"
    assert enc.patient_ref == "Patient/p1"
    assert enc.status is EncounterStatus.TRIAGED
    assert enc.arrived_at == datetime(2026, 11, 26, 6, 30, tzinfo=UTC)
    assert enc.triage == "orange"
    assert (enc.room, enc.room_name) == ("Location/room3", "Rom 3")
    assert (enc.nurse, enc.nurse_name) == ("Practitioner/n1", "Kari N")
    assert (enc.doctor, enc.doctor_name) == ("Practitioner/d1", "Dr. Berg")
    assert enc.complaint == "Brystsmerter"
    assert enc.at_clinic


def test_triage_is_read_only_from_the_configured_scale() -> None:
    assert encounter_from_fhir(encounter(), clinic_ref=CLINIC, scale=RETTS).triage is None


def test_versions_are_opaque_strings() -> None:
    assert version_of({"resourceType": "X", "id": "1", "meta": {"versionId": "W/abc-1"}}) == "W/abc-1"
    assert version_of({"resourceType": "X", "id": "1", "meta": {"versionId": 7}}) == "7"


def test_encounter_without_a_valid_status_is_rejected() -> None:
    with pytest.raises(MalformedResponse):
        encounter_from_fhir(encounter(status="walking"), clinic_ref=CLINIC, scale=MTS)


def test_encounter_without_id_or_version_is_rejected() -> None:
    with pytest.raises(MalformedResponse):
        encounter_from_fhir(encounter(id=None), clinic_ref=CLINIC, scale=MTS)
    with pytest.raises(MalformedResponse):
        encounter_from_fhir(encounter(meta={}), clinic_ref=CLINIC, scale=MTS)


@pytest.mark.parametrize(("system", "code", "reason"), [
    (codes.DEPARTURE_SYSTEM, "admitted", DepartureReason.ADMITTED),
    (codes.DEPARTURE_SYSTEM, "lwbs", DepartureReason.LWBS),
    (codes.HL7_DISCHARGE_DISPOSITION, "exp", DepartureReason.DECEASED),
    (codes.HL7_DISCHARGE_DISPOSITION, "home", DepartureReason.HOME),
    ("urn:other", "x", DepartureReason.OTHER),
])
def test_discharge_disposition_maps_to_a_departure_reason(system: str, code: str, reason: DepartureReason) -> None:
    res = encounter(status="finished", hospitalization={"dischargeDisposition": {"coding": [
        {"system": system, "code": code}]}})
    assert encounter_from_fhir(res, clinic_ref=CLINIC, scale=MTS).disposition is reason


def test_encounter_elsewhere_is_not_at_the_clinic() -> None:
    res = encounter(location=[{"location": {"reference": "Location/other"}}])
    assert not encounter_from_fhir(res, clinic_ref=CLINIC, scale=MTS).at_clinic


def test_patient_maps_name_birth_date_and_person_identifier() -> None:
    pat = patient_from_fhir({
        "resourceType": "Patient", "id": "p1", "meta": {"versionId": "1"},
        "identifier": [{"system": "urn:other", "value": "x"}, {"system": codes.FNR_SYSTEM, "value": "01017012345"}],
        "name": [{"family": "Hansen", "given": ["Kari", "Anne"]}], "birthDate": "1970-01-01", "gender": "female",
    })
    assert pat.name == "Hansen, Kari Anne"
    assert pat.identifier == "01017012345"
    assert pat.identifier_system == codes.FNR_SYSTEM
    assert pat.birth_date is not None and pat.birth_date.year == 1970


def test_list_items_are_the_encounter_refs_not_deleted() -> None:
    lst = {"resourceType": "List", "id": "q", "entry": [
        {"item": {"reference": "Encounter/1"}}, {"item": {"reference": "Encounter/2"}, "deleted": True},
        {"item": {"reference": "http://x/fhir/Encounter/3/_history/2"}}]}
    assert list_items(lst, base="http://x/fhir") == ["Encounter/1", "Encounter/3"]


def test_list_entry_without_item_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        list_items({"resourceType": "List", "id": "q", "entry": [{"date": "2026-01-01"}]})


# -- references: absolute on the platform's base read as Type/id; anything else is not a record here ---

BASE = "https://platform.example/fhir"


def queue(*items: dict[str, object]) -> dict[str, object]:
    return {"resourceType": "List", "id": "q", "entry": [{"item": item} for item in items]}


@pytest.mark.parametrize("reference", [
    "Encounter/123", "Encounter/123/_history/4", f"{BASE}/Encounter/123", f"{BASE}/Encounter/123/_history/4",
    "HTTPS://Platform.Example:443/fhir/Encounter/123",  # the same origin, written otherwise
])
def test_a_list_item_on_the_platform_base_is_that_encounter(reference: str) -> None:
    assert list_items(queue({"reference": reference}), base=BASE) == ["Encounter/123"]
    assert list_items(queue({"reference": reference}), base=BASE + "/") == ["Encounter/123"]


@pytest.mark.parametrize("item", [
    {"reference": "https://other.example/fhir/Encounter/123"},  # another server: not our Encounter/123
    {"reference": "http://platform.example/fhir/Encounter/123"},  # another origin (scheme)
    {"reference": "https://platform.example/other/Encounter/123"},  # another base on the same host
    {"reference": "urn:uuid:0b9e8c4e-8b0f-4f4b-9c55-3f3c4d2a9e11"},
    {"reference": "#enc1"},  # contained
    {"reference": "Encounter?identifier=urn:x|1"},  # a search, not a record
    {"reference": f"{BASE}/Encounter/%2e%2e"},  # an id R4 does not allow
    {"reference": "Encounter/"},
    {"display": "Kari Nordmann"},  # who is that?
    {"identifier": {"system": "urn:x", "value": "1"}},  # a logical reference only
], ids=["other-server", "other-scheme", "other-base", "urn-uuid", "contained", "search", "encoded-id",
        "empty-id", "display-only", "identifier-only"])
def test_a_list_item_the_client_cannot_look_up_makes_the_queue_unknown_with_a_clear_problem(
        item: dict[str, object]) -> None:
    lst = queue({"reference": "Encounter/1"}, item, {"reference": "Patient/7"}, {"reference": f"{BASE}/Encounter/2"})
    with pytest.raises(UnresolvedListItems) as raised:
        list_items(lst, base=BASE)
    assert raised.value.problem == Problem.of(ProblemKind.SNAPSHOT_LIST_ITEM_UNRESOLVED, count=1)


def test_a_deleted_entry_the_client_cannot_look_up_is_simply_not_in_the_queue() -> None:
    lst = {"resourceType": "List", "id": "q", "entry": [
        {"item": {"reference": "Encounter/1"}}, {"item": {"reference": "urn:uuid:x"}, "deleted": True}]}
    assert list_items(lst, base=BASE) == ["Encounter/1"]


def test_an_encounter_reads_references_on_the_platform_base_as_type_and_id() -> None:
    enc = encounter_from_fhir(encounter(
        subject={"reference": f"{BASE}/Patient/p1/_history/3"},
        location=[{"location": {"reference": f"{BASE}/{CLINIC}"}, "status": "active"},
                  {"location": {"reference": f"{BASE}/Location/room3"}, "status": "active"}],
        participant=[{"type": [{"coding": [{"code": codes.PARTICIPANT_DOCTOR}]}],
                      "individual": {"reference": f"{BASE}/Practitioner/d1"}}]),
        clinic_ref=CLINIC, scale=MTS, base=BASE, names={"Location/room3": "Rom 3", "Practitioner/d1": "Dr. Berg"})
    assert enc.patient_ref == "Patient/p1"
    assert enc.at_clinic
    assert (enc.room, enc.room_name) == ("Location/room3", "Rom 3")
    assert (enc.doctor, enc.doctor_name) == ("Practitioner/d1", "Dr. Berg")


def test_an_encounter_never_reads_another_servers_reference_as_a_record_here() -> None:
    other = "https://other.example/fhir"  # its Patient/p1 is not ours: taking the tail would show our Patient/p1
    enc = encounter_from_fhir(encounter(
        subject={"reference": f"{other}/Patient/p1"},
        location=[{"location": {"reference": f"{other}/{CLINIC}"}, "status": "active"},
                  {"location": {"reference": "urn:uuid:room"}, "status": "active"}],
        participant=[{"type": [{"coding": [{"code": codes.PARTICIPANT_DOCTOR}]}],
                      "individual": {"reference": f"{other}/Practitioner/d1", "display": "Dr. Berg"}}]),
        clinic_ref=CLINIC, scale=MTS, base=BASE)
    assert enc.patient_ref is None
    assert not enc.at_clinic and enc.room is None
    assert enc.doctor is None


# -- malformed shapes (issue 11): a typed problem or an absent optional field, never a crash ------------

@pytest.mark.parametrize("over", [
    {"meta": "1"}, {"meta": [{"versionId": "1"}]},
], ids=["meta-string", "meta-list"])
def test_a_non_object_meta_is_malformed(over: dict[str, object]) -> None:
    with pytest.raises(MalformedResponse):
        encounter_from_fhir(encounter(**over), clinic_ref=CLINIC, scale=MTS)


@pytest.mark.parametrize("over", [
    {"location": 1}, {"location": "Location/lv"}, {"location": [1, "x", None]},
    {"participant": True}, {"participant": [{"type": 3, "individual": {"reference": "Practitioner/d1"}}]},
    {"participant": [{"type": [{"coding": [{"code": {"nested": 1}}]}],
                      "individual": {"reference": "Practitioner/d1"}}]},
    {"reasonCode": {"text": "x"}}, {"reasonCode": [{"coding": "x"}]},
    {"priority": {"coding": [{"system": codes.TRIAGE_MTS_SYSTEM, "code": ["orange"]}]}},
    {"priority": {"coding": 7}},
    {"hospitalization": {"dischargeDisposition": {"coding": [{"system": codes.HL7_DISCHARGE_DISPOSITION,
                                                               "code": {"x": 1}}]}}},
    {"subject": "Patient/p1"}, {"period": ["2026-11-26T07:30:00Z"]},
], ids=lambda over: next(iter(over)))
def test_odd_optional_encounter_fields_read_as_absent(over: dict[str, object]) -> None:
    enc = encounter_from_fhir(encounter(**over), clinic_ref=CLINIC, scale=MTS)
    assert enc.ref == "Encounter/e1" and enc.status is EncounterStatus.TRIAGED  # the required part stands


@pytest.mark.parametrize("ident", [{"id": "a/b"}, {"id": "../metadata"}, {"id": "x" * 65}, {"id": 7},
                                   {"resourceType": ["Encounter"]}])
def test_a_resource_without_an_r4_id_is_malformed(ident: dict[str, object]) -> None:
    with pytest.raises(MalformedResponse):
        encounter_from_fhir(encounter(**ident), clinic_ref=CLINIC, scale=MTS)


def test_odd_patient_fields_read_as_absent_and_strings_stay_storable() -> None:
    pat = patient_from_fhir({"resourceType": "Patient", "id": "p1", "meta": {"versionId": "1"},
                             "identifier": {"system": codes.FNR_SYSTEM, "value": "1"},
                             "name": [{"family": "Hansen\ud800", "given": "Kari"}], "gender": {"code": "x"},
                             "birthDate": "1970"})
    assert pat.name == "Hansen\ufffd"  # a given name that is not a list is no given name (not "K a r i")
    assert pat.name.encode("utf-8")
    assert (pat.identifier, pat.gender, pat.birth_date) == (None, None, None)
    other = patient_from_fhir({"resourceType": "Patient", "id": "p2", "meta": {"versionId": "1"},
                               "identifier": [{"system": [codes.FNR_SYSTEM], "value": "1"}], "name": "Kari"})
    assert (other.identifier, other.name) == (None, "(uten navn)")


@pytest.mark.parametrize("entry", ["Encounter/1", {"item": {"reference": "Encounter/1"}}, None, 5])
def test_a_list_entry_that_is_not_a_list_of_objects_is_malformed_not_an_empty_queue(entry: object) -> None:
    entries = entry if not isinstance(entry, (str, dict)) else [entry]
    lst = {"resourceType": "List", "id": "q", "entry": entries if entry is not None else None}
    if isinstance(entry, dict):
        lst["entry"] = entry  # an object where R4 has an array
    with pytest.raises(MalformedResponse):
        list_items(lst)


@pytest.mark.parametrize("ref", ["", " ", "Encounter/", "Encounter/a b", "null", "%"])
def test_a_list_item_whose_reference_cannot_be_read_is_malformed(ref: str) -> None:
    with pytest.raises(MalformedResponse):
        list_items({"resourceType": "List", "id": "q", "entry": [{"item": {"reference": ref}}]})


def test_a_list_item_pointing_elsewhere_is_not_in_the_queue() -> None:
    lst = {"resourceType": "List", "id": "q", "entry": [{"item": {"reference": "Patient/1"}},
                                                        {"item": {"reference": "Encounter/2"}}]}
    assert list_items(lst) == ["Encounter/2"]


def test_r4_leap_seconds_and_partial_dates_are_not_malformed() -> None:
    enc = encounter_from_fhir(encounter(meta={"versionId": "1", "lastUpdated": "2016-12-31T23:59:60Z"},
                                        period={"start": "2026-11"}), clinic_ref=CLINIC, scale=MTS)
    assert enc.last_updated == datetime(2016, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    assert enc.arrived_at is None  # a month is no arrival moment
