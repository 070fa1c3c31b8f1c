"""The codec turns every domain type into plain JSON and back, unchanged."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legevakt.store.codec import (
    CodecError,
    alert_from_dict,
    alert_to_dict,
    encounter_from_dict,
    encounter_to_dict,
    entry_from_dict,
    entry_to_dict,
    patient_from_dict,
    patient_to_dict,
)
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

# -- strategies (also used by the database round trip) ---------------------------------------------

#: Any text a platform or a person might send, Norwegian letters included (no lone surrogates: not UTF-8).
text = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.sampled_from(["æøå", "ÆØÅ", "Ærlig Øyvind Åsheim", "Smerter i bryst – «akutt»", ""]),
)
nonempty = text.filter(bool)
opt_text = st.none() | text

#: Fixed UTC offsets, whole seconds (as FHIR instants carry), and UTC itself.
offsets = st.integers(min_value=-(24 * 3600 - 1), max_value=24 * 3600 - 1).map(
    lambda s: timezone(timedelta(seconds=s)))
aware = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                     timezones=st.just(UTC) | offsets)
opt_aware = st.none() | aware

patients = st.builds(
    Patient, ref=nonempty, version=nonempty, name=text, birth_date=st.none() | st.dates(min_value=date(1800, 1, 1)),
    gender=opt_text, identifier_system=opt_text, identifier=opt_text,
)
encounters = st.builds(
    Encounter, ref=nonempty, version=nonempty, patient_ref=opt_text, status=st.sampled_from(EncounterStatus),
    arrived_at=opt_aware, triage=opt_text, complaint=opt_text, room=opt_text, room_name=opt_text, nurse=opt_text,
    nurse_name=opt_text, doctor=opt_text, doctor_name=opt_text,
    disposition=st.none() | st.sampled_from(DepartureReason), at_clinic=st.booleans(), last_updated=opt_aware,
)
entries = st.builds(
    Entry, encounter=encounters, patient=st.none() | patients, fate=st.sampled_from(Fate), in_list=st.booleans(),
    ever_in_list=st.booleans(), first_seen=aware, arrived_at=aware, left_at=opt_aware,
    departure=st.none() | st.sampled_from(DepartureReason), drop_confirmed=st.booleans(),
    mass_departure=st.booleans(),
)
alerts = st.builds(
    Alert, id=nonempty, kind=st.sampled_from(AlertKind), severity=st.sampled_from(Severity), key=text,
    encounter=opt_text, raised_at=aware, detail=text, status=st.sampled_from(AlertStatus),
    acknowledged_by=opt_text, acknowledged_at=opt_aware, ack_comment=opt_text, resolved_by=opt_text,
    resolved_at=opt_aware, resolution=opt_text, related=st.lists(text, max_size=4).map(tuple),
)


def through_json(data: dict[str, object]) -> dict[str, object]:
    loaded = json.loads(json.dumps(data, ensure_ascii=False))
    assert isinstance(loaded, dict)
    return loaded


@given(patients)
def test_patient_round_trips(value: Patient) -> None:
    assert patient_from_dict(through_json(patient_to_dict(value))) == value


@given(encounters)
def test_encounter_round_trips(value: Encounter) -> None:
    assert encounter_from_dict(through_json(encounter_to_dict(value))) == value


@given(entries)
def test_entry_round_trips(value: Entry) -> None:
    back = entry_from_dict(through_json(entry_to_dict(value)))
    assert back == value
    # The instant and its UTC offset both survive (not just an equal instant).
    assert back.first_seen.utcoffset() == value.first_seen.utcoffset()


@given(alerts)
def test_alert_round_trips(value: Alert) -> None:
    back = alert_from_dict(through_json(alert_to_dict(value)))
    assert back == value
    assert isinstance(back.related, tuple)


def test_a_zoneinfo_datetime_round_trips_to_the_same_instant() -> None:
    oslo = datetime(2026, 7, 1, 14, 30, tzinfo=ZoneInfo("Europe/Oslo"))
    enc = Encounter(ref="Encounter/1", version="1", patient_ref=None, status=EncounterStatus.ARRIVED,
                    arrived_at=oslo)
    back = encounter_from_dict(encounter_to_dict(enc))
    assert back.arrived_at == oslo
    assert back.arrived_at is not None and back.arrived_at.utcoffset() == timedelta(hours=2)


def test_naive_datetimes_are_refused() -> None:
    enc = Encounter(ref="Encounter/1", version="1", patient_ref=None, status=EncounterStatus.ARRIVED,
                    arrived_at=datetime(2026, 1, 1, 12, 0))
    with pytest.raises(CodecError, match="naive"):
        encounter_to_dict(enc)


def test_unknown_keys_are_ignored_and_optional_fields_default() -> None:
    data = {"ref": "Encounter/1", "version": "7", "patient_ref": None, "status": "triaged", "from_the_future": 1}
    assert encounter_from_dict(data) == Encounter(ref="Encounter/1", version="7", patient_ref=None,
                                                  status=EncounterStatus.TRIAGED)


@pytest.mark.parametrize("data", [
    {"ref": "Encounter/1", "version": "1", "status": "no-such-status"},
    {"ref": "Encounter/1", "status": "arrived"},
    {"ref": "Encounter/1", "version": 3, "status": "arrived"},
    {"ref": "Encounter/1", "version": "1", "status": "arrived", "arrived_at": "2026-01-01T12:00:00"},
    {"ref": "Encounter/1", "version": "1", "status": "arrived", "at_clinic": "yes"},
])
def test_bad_data_raises_codec_error(data: dict[str, object]) -> None:
    with pytest.raises(CodecError):
        encounter_from_dict(data)


def test_bad_entry_and_alert_raise_codec_error() -> None:
    with pytest.raises(CodecError):
        entry_from_dict({"fate": "present"})
    with pytest.raises(CodecError):
        alert_from_dict({"id": "AL-1", "kind": "NOPE", "severity": "warning", "key": "k",
                         "raised_at": "2026-01-01T00:00:00+00:00"})
    with pytest.raises(CodecError):
        patient_from_dict({"ref": "Patient/1", "version": "1", "name": "x", "birth_date": 19800101})
