"""Explicit to/from-dict codec for the worklist's domain dataclasses (JSON-safe; no pickle).

Datetimes are ISO 8601 with their UTC offset (timezone-aware only: a naive datetime is a bug and is
refused), dates are ISO dates, enums are their values, tuples are lists. Decoding ignores keys it does
not know and gives optional fields their defaults, so a row written by a newer version still reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

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

JsonDict = dict[str, Any]


class CodecError(ValueError):
    """A stored value does not decode into the domain type (a bug or a damaged row; no patient data)."""


# -- scalars ------------------------------------------------------------------------------------

def dt_to_str(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise CodecError("naive datetime: the domain uses timezone-aware datetimes only")
    return value.isoformat()


def dt_from_str(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise CodecError("datetime must be an ISO 8601 string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise CodecError("stored datetime has no UTC offset")
    return parsed


def _date_to_str(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date_from_str(value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise CodecError("date must be an ISO 8601 string")
    return date.fromisoformat(value)


def _req_dt(data: Mapping[str, Any], key: str) -> datetime:
    value = dt_from_str(data.get(key))
    if value is None:
        raise CodecError(f"{key} is required")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise CodecError(f"{key} must be a string")


def _req_str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise CodecError(f"{key} is required and must be a string")
    return value


def _bool(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise CodecError(f"{key} must be true or false")
    return value


# -- Patient ------------------------------------------------------------------------------------

def patient_to_dict(patient: Patient) -> JsonDict:
    return {
        "ref": patient.ref,
        "version": patient.version,
        "name": patient.name,
        "birth_date": _date_to_str(patient.birth_date),
        "gender": patient.gender,
        "identifier_system": patient.identifier_system,
        "identifier": patient.identifier,
    }


def patient_from_dict(data: Mapping[str, Any]) -> Patient:
    try:
        return Patient(
            ref=_req_str(data, "ref"),
            version=_req_str(data, "version"),
            name=_req_str(data, "name"),
            birth_date=_date_from_str(data.get("birth_date")),
            gender=_opt_str(data, "gender"),
            identifier_system=_opt_str(data, "identifier_system"),
            identifier=_opt_str(data, "identifier"),
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, CodecError):
            raise
        raise CodecError(f"not a Patient: {exc}") from exc


# -- Encounter ----------------------------------------------------------------------------------

def encounter_to_dict(encounter: Encounter) -> JsonDict:
    return {
        "ref": encounter.ref,
        "version": encounter.version,
        "patient_ref": encounter.patient_ref,
        "status": encounter.status.value,
        "arrived_at": dt_to_str(encounter.arrived_at),
        "triage": encounter.triage,
        "complaint": encounter.complaint,
        "room": encounter.room,
        "room_name": encounter.room_name,
        "nurse": encounter.nurse,
        "nurse_name": encounter.nurse_name,
        "doctor": encounter.doctor,
        "doctor_name": encounter.doctor_name,
        "disposition": None if encounter.disposition is None else encounter.disposition.value,
        "at_clinic": encounter.at_clinic,
        "last_updated": dt_to_str(encounter.last_updated),
    }


def encounter_from_dict(data: Mapping[str, Any]) -> Encounter:
    try:
        disposition = data.get("disposition")
        return Encounter(
            ref=_req_str(data, "ref"),
            version=_req_str(data, "version"),
            patient_ref=_opt_str(data, "patient_ref"),
            status=EncounterStatus(_req_str(data, "status")),
            arrived_at=dt_from_str(data.get("arrived_at")),
            triage=_opt_str(data, "triage"),
            complaint=_opt_str(data, "complaint"),
            room=_opt_str(data, "room"),
            room_name=_opt_str(data, "room_name"),
            nurse=_opt_str(data, "nurse"),
            nurse_name=_opt_str(data, "nurse_name"),
            doctor=_opt_str(data, "doctor"),
            doctor_name=_opt_str(data, "doctor_name"),
            disposition=None if disposition is None else DepartureReason(disposition),
            at_clinic=_bool(data, "at_clinic", True),
            last_updated=dt_from_str(data.get("last_updated")),
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, CodecError):
            raise
        raise CodecError(f"not an Encounter: {exc}") from exc


# -- Entry --------------------------------------------------------------------------------------

def entry_to_dict(entry: Entry) -> JsonDict:
    return {
        "encounter": encounter_to_dict(entry.encounter),
        "patient": None if entry.patient is None else patient_to_dict(entry.patient),
        "fate": entry.fate.value,
        "in_list": entry.in_list,
        "ever_in_list": entry.ever_in_list,
        "first_seen": dt_to_str(entry.first_seen),
        "arrived_at": dt_to_str(entry.arrived_at),
        "left_at": dt_to_str(entry.left_at),
        "departure": None if entry.departure is None else entry.departure.value,
        "drop_confirmed": entry.drop_confirmed,
        "mass_departure": entry.mass_departure,
    }


def entry_from_dict(data: Mapping[str, Any]) -> Entry:
    try:
        patient = data.get("patient")
        departure = data.get("departure")
        return Entry(
            encounter=encounter_from_dict(data["encounter"]),
            patient=None if patient is None else patient_from_dict(patient),
            fate=Fate(_req_str(data, "fate")),
            in_list=_bool(data, "in_list", False),
            ever_in_list=_bool(data, "ever_in_list", False),
            first_seen=_req_dt(data, "first_seen"),
            arrived_at=_req_dt(data, "arrived_at"),
            left_at=dt_from_str(data.get("left_at")),
            departure=None if departure is None else DepartureReason(departure),
            drop_confirmed=_bool(data, "drop_confirmed", False),
            mass_departure=_bool(data, "mass_departure", False),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, CodecError):
            raise
        raise CodecError(f"not an Entry: {exc}") from exc


# -- Alert --------------------------------------------------------------------------------------

def alert_to_dict(alert: Alert) -> JsonDict:
    return {
        "id": alert.id,
        "kind": alert.kind.value,
        "severity": alert.severity.value,
        "key": alert.key,
        "encounter": alert.encounter,
        "raised_at": dt_to_str(alert.raised_at),
        "detail": alert.detail,
        "status": alert.status.value,
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": dt_to_str(alert.acknowledged_at),
        "ack_comment": alert.ack_comment,
        "resolved_by": alert.resolved_by,
        "resolved_at": dt_to_str(alert.resolved_at),
        "resolution": alert.resolution,
        "related": list(alert.related),
    }


def alert_from_dict(data: Mapping[str, Any]) -> Alert:
    try:
        related = data.get("related") or ()
        if not isinstance(related, list | tuple) or not all(isinstance(r, str) for r in related):
            raise CodecError("related must be a list of strings")
        return Alert(
            id=_req_str(data, "id"),
            kind=AlertKind(_req_str(data, "kind")),
            severity=Severity(_req_str(data, "severity")),
            key=_req_str(data, "key"),
            encounter=_opt_str(data, "encounter"),
            raised_at=_req_dt(data, "raised_at"),
            detail=_opt_str(data, "detail") or "",
            status=AlertStatus(data.get("status", AlertStatus.OPEN.value)),
            acknowledged_by=_opt_str(data, "acknowledged_by"),
            acknowledged_at=dt_from_str(data.get("acknowledged_at")),
            ack_comment=_opt_str(data, "ack_comment"),
            resolved_by=_opt_str(data, "resolved_by"),
            resolved_at=dt_from_str(data.get("resolved_at")),
            resolution=_opt_str(data, "resolution"),
            related=tuple(related),
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, CodecError):
            raise
        raise CodecError(f"not an Alert: {exc}") from exc
