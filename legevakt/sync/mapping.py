"""FHIR R4 JSON <-> worklist domain. Strict about what is required, lenient about what is optional.

A resource missing a required field raises ``MalformedResponse`` (the snapshot is then incomplete and
changes nothing); optional data that is absent or odd is left empty rather than guessed. Nothing here trusts
the shape of the JSON: a node of the wrong type is read through ``as_dict`` / ``as_list`` / ``_text`` (absent
when optional, ``MalformedResponse`` when required), so a hostile answer is a typed problem, never a crash.
Text taken into the domain is valid Unicode (a lone surrogate, legal in JSON, could not be stored).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from legevakt import codes, logs
from legevakt.sync.errors import MalformedResponse
from legevakt.worklist.models import DepartureReason, Encounter, EncounterStatus, Patient
from legevakt.worklist.triage import TriageScale

Resource = dict[str, Any]

_HL7_TO_DEPARTURE: dict[str, DepartureReason] = {
    "home": DepartureReason.HOME,
    "alt-home": DepartureReason.HOME,
    "other-hcf": DepartureReason.TRANSFERRED,
    "hosp": DepartureReason.TRANSFERRED,
    "long": DepartureReason.TRANSFERRED,
    "psy": DepartureReason.TRANSFERRED,
    "rehab": DepartureReason.TRANSFERRED,
    "snf": DepartureReason.TRANSFERRED,
    "aadvice": DepartureReason.LWBS,
    "exp": DepartureReason.DECEASED,
    "oth": DepartureReason.OTHER,
}


_STATUS: dict[str, EncounterStatus] = {s.value: s for s in EncounterStatus}


# -- shape helpers: a node of the wrong JSON type reads as absent (optional data) ----------------------
def as_dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else an empty one (a lone object or string is not a list)."""
    return value if isinstance(value, list) else []


def as_dicts(value: object) -> list[dict[str, Any]]:
    """The JSON objects in an array (anything else in it, or a non-array, is skipped)."""
    return [v for v in as_list(value) if isinstance(v, dict)]


def _text(value: object) -> str | None:
    """``value`` when it is a string (lone surrogates, which JSON allows and UTF-8 cannot hold, replaced)."""
    if not isinstance(value, str):
        return None
    return value if value.isascii() else _SURROGATE.sub("\ufffd", value)


_SURROGATE = re.compile("[\ud800-\udfff]")  # in a str from json.loads, always a lone one


def _code(value: object) -> str | None:
    """A FHIR code: a string (anything else, an object or a number, is no code)."""
    return value if isinstance(value, str) else None


#: R4 ``id`` (and the type names it is paired with): anything else cannot be the resource the client reads.
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_TYPE = re.compile(r"[A-Z][A-Za-z]{0,63}")


def ref_of(resource: Resource) -> str:
    """``Type/id``; a resource without a type and an R4 id (``[A-Za-z0-9-.]{1,64}``) is malformed."""
    rtype, rid = as_dict(resource).get("resourceType"), as_dict(resource).get("id")
    if not isinstance(rtype, str) or not isinstance(rid, str) or not _TYPE.fullmatch(rtype) or not _ID.fullmatch(rid):
        raise MalformedResponse("resource without a type and an id")
    return f"{rtype}/{rid}"


def version_of(resource: Resource) -> str:
    """``meta.versionId`` as an opaque string; falls back to ``meta.lastUpdated`` (never a guess)."""
    meta = as_dict(resource.get("meta"))
    vid = meta.get("versionId")
    if isinstance(vid, str) and vid:
        return _text(vid) or vid
    if isinstance(vid, int) and not isinstance(vid, bool):
        return str(vid)
    updated = _text(meta.get("lastUpdated"))
    if updated:
        return f"@{updated}"
    raise MalformedResponse(f"{ref_of(resource)} has neither meta.versionId nor meta.lastUpdated")


def parse_instant(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise MalformedResponse(f"{what} is not a date-time")
    text = _LEAP_SECOND.sub(r"\g<1>59.999999", value.replace("Z", "+00:00"), count=1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:  # a bare date is legal FHIR dateTime
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError as exc:
            raise MalformedResponse(f"{what} is not a date-time") from exc
    if moment.tzinfo is None:
        if "T" in text:
            # FHIR R4 dateTime/instant: "If hours and minutes are specified, a time zone SHALL be populated".
            # A time without one is not UTC nor the clinic's time but invalid: guessing files the visit an
            # hour off in Oslo (issue 11). Refused like any malformed value: the snapshot says why.
            raise MalformedResponse(f"{what} has a time without a time zone")
        moment = moment.replace(tzinfo=UTC)  # a bare date (legal FHIR dateTime): its first instant in UTC
    try:  # 0001-01-01T00:00:00+14:00 is before the first representable instant: refuse it here, not in the store
        in_utc = moment.astimezone(UTC)
    except OverflowError as exc:
        raise MalformedResponse(f"{what} is out of range") from exc
    if not _EARLIEST <= in_utc <= _LATEST:  # leave room for the arithmetic done on it (windows, overlaps)
        raise MalformedResponse(f"{what} is out of range")
    return moment


#: R4 allows a leap second (``:60``), Python does not: it is read as the last moment of the minute before.
_LEAP_SECOND = re.compile(r"(T\d\d:\d\d:)60(?:\.\d+)?")
#: A partial R4 dateTime: a year, or a year and month. Imprecise: no instant is guessed from it.
_PARTIAL_DATE = re.compile(r"\d{4}(-\d{2})?")
_EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
_LATEST = datetime(9998, 12, 31, tzinfo=UTC)


def _optional_instant(value: object, what: str) -> datetime | None:
    return None if value is None else parse_instant(value, what)


def _optional_moment(value: object, what: str) -> datetime | None:
    """An optional R4 dateTime: absent, or partial (a year, a month: no moment in it), is None."""
    if isinstance(value, str) and _PARTIAL_DATE.fullmatch(value):
        return None
    return _optional_instant(value, what)


def _reference(obj: object) -> tuple[str | None, str | None]:
    if not isinstance(obj, dict):
        return None, None
    ref, display = _text(obj.get("reference")), _text(obj.get("display"))
    return (_relative(ref) if ref else None), display


def _relative(ref: str) -> str:
    """Absolute references to the same server become relative ``Type/id`` (history suffix dropped)."""
    if ref.count("/") == 1 and not ref.endswith("/"):
        return ref  # already ``Type/id``: the usual case, kept cheap (it runs for every reference)
    if "/_history/" in ref:
        ref = ref.split("/_history/", 1)[0]
    parts = ref.rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else ref


def _codings(concept: object) -> list[dict[str, Any]]:
    return as_dicts(as_dict(concept).get("coding"))


def patient_from_fhir(resource: Resource) -> Patient:
    if resource.get("resourceType") != "Patient":
        raise MalformedResponse("expected a Patient")
    ref = ref_of(resource)
    _register_names(resource.get("name"))
    name = _human_name(resource.get("name"))
    birth = resource.get("birthDate")
    birth_date: date | None = None
    if isinstance(birth, str) and len(birth) == 10:  # a partial date (a year, a month) is no birth date
        try:
            birth_date = date.fromisoformat(birth[:10])
        except ValueError:
            birth_date = None
    gender = _text(resource.get("gender"))
    system, value = None, None
    for ident in as_dicts(resource.get("identifier")):
        found_system, found = _code(ident.get("system")), _text(ident.get("value"))
        if found_system in codes.PERSON_ID_SYSTEMS and found is not None:
            system, value = found_system, found
            break
    return Patient(ref=ref, version=version_of(resource), name=name, birth_date=birth_date, gender=gender,
                   identifier_system=system, identifier=value)


def _register_names(names: object) -> None:
    """Tell the log filter the patient's names, so that a slip anywhere is masked."""
    parts: list[str] = []
    for n in as_dicts(names):
        parts.extend(p for p in (_text(n.get("text")), _text(n.get("family"))) if p)
        parts.extend(g for g in map(_text, as_list(n.get("given"))) if g)
    if parts:
        logs.redact_names(parts)


def _human_name(names: object) -> str:
    listed = as_list(names)
    if not listed:
        return "(uten navn)"
    chosen = next((n for n in listed if isinstance(n, dict) and n.get("use") == "official"), listed[0])
    if not isinstance(chosen, dict):
        return "(uten navn)"
    text = (_text(chosen.get("text")) or "").strip()
    if text:
        return text
    family = _text(chosen.get("family")) or ""
    given = " ".join(g for g in map(_text, as_list(chosen.get("given"))) if g)
    full = ", ".join(p for p in (family, given) if p)
    return full or "(uten navn)"


def encounter_from_fhir(resource: Resource, *, clinic_ref: str, scale: TriageScale,
                        names: Mapping[str, str] | None = None) -> Encounter:
    """Map an Encounter. ``names`` resolves room and practitioner refs the server gave no display for."""
    if resource.get("resourceType") != "Encounter":
        raise MalformedResponse("expected an Encounter")
    ref = ref_of(resource)
    code = resource.get("status")
    status = _STATUS.get(code) if isinstance(code, str) else None
    if status is None:
        raise MalformedResponse(f"{ref} has no valid status")
    names = names or {}
    subject, _ = _reference(resource.get("subject"))
    arrived = _optional_moment(as_dict(resource.get("period")).get("start"), f"{ref} period.start")

    triage = None
    for priority_coding in _codings(resource.get("priority")):
        triage_code = _code(priority_coding.get("code"))
        if priority_coding.get("system") == scale.system and scale.level(triage_code):
            triage = triage_code
            break

    at_clinic = False
    room = room_name = None
    for loc in as_dicts(resource.get("location")):
        loc_ref, display = _reference(loc.get("location"))
        if loc_ref is None:
            continue
        if loc_ref == clinic_ref:
            at_clinic = loc.get("status") != "completed"
        elif loc.get("status") in (None, "active", "planned"):
            room, room_name = loc_ref, display or names.get(loc_ref)

    nurse = nurse_name = doctor = doctor_name = None
    for part in as_dicts(resource.get("participant")):
        who, display = _reference(part.get("individual"))
        if who is None:
            continue
        types = {_code(c.get("code")) for t in as_list(part.get("type")) for c in _codings(t)}
        if codes.PARTICIPANT_DOCTOR in types:
            doctor, doctor_name = who, display or names.get(who)
        elif codes.PARTICIPANT_NURSE in types:
            nurse, nurse_name = who, display or names.get(who)

    complaint = None
    for reason in as_dicts(resource.get("reasonCode")):
        text = _text(reason.get("text"))
        if text is None:
            text = next((d for d in (_text(c.get("display")) for c in _codings(reason)) if d is not None), None)
        if text:
            complaint = text
            break

    disposition = None
    hosp = resource.get("hospitalization")
    if isinstance(hosp, dict):
        for coding in _codings(hosp.get("dischargeDisposition")):
            code = _code(coding.get("code"))
            if coding.get("system") == codes.DEPARTURE_SYSTEM and code in codes.DEPARTURE_CODES:
                disposition = DepartureReason(code)
                break
            if coding.get("system") == codes.HL7_DISCHARGE_DISPOSITION and code in _HL7_TO_DEPARTURE:
                disposition = disposition or _HL7_TO_DEPARTURE[code]
        if disposition is None and _codings(hosp.get("dischargeDisposition")):
            disposition = DepartureReason.OTHER

    meta = as_dict(resource.get("meta"))
    return Encounter(
        ref=ref, version=version_of(resource), patient_ref=subject, status=status, arrived_at=arrived,
        triage=triage, complaint=complaint, room=room, room_name=room_name, nurse=nurse, nurse_name=nurse_name,
        doctor=doctor, doctor_name=doctor_name, disposition=disposition, at_clinic=at_clinic,
        last_updated=_optional_instant(meta.get("lastUpdated"), f"{ref} meta.lastUpdated"),
    )


def display_name(resource: Resource) -> str | None:
    """A short display name for a Practitioner or Location."""
    if resource.get("resourceType") == "Location":
        return _text(resource.get("name"))
    if resource.get("resourceType") == "Practitioner":
        names = as_list(resource.get("name"))
        if not names or not isinstance(names[0], dict):
            return None
        first = names[0]
        text = _text(first.get("text"))
        if text is not None:
            return text
        given = " ".join(g for g in map(_text, as_list(first.get("given"))) if g)
        family = _text(first.get("family")) or ""
        return " ".join(p for p in (given, family) if p) or None
    return None


def list_items(resource: Resource) -> list[str]:
    """Encounter refs in a queue List (entries flagged deleted are not in the queue)."""
    if resource.get("resourceType") != "List":
        raise MalformedResponse("expected a List")
    entries = resource.get("entry", [])
    if not isinstance(entries, list):  # a queue read wrong would look like everyone leaving it
        raise MalformedResponse("List.entry is not a list")
    items = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise MalformedResponse("a List entry is not an object")
        if entry.get("deleted") is True:
            continue
        ref, _ = _reference(entry.get("item"))
        if ref is None:
            raise MalformedResponse("a List entry has no item reference")
        rtype, _, rid = ref.partition("/")
        if rtype == "Encounter":
            if not _ID.fullmatch(rid):  # garbled, not another encounter: it must not read as one who left
                raise MalformedResponse("a List entry's Encounter reference has no valid id")
            items.append(ref)
        elif not _TYPE.fullmatch(rtype) or not rid:
            raise MalformedResponse("a List entry's item is not a reference")
    return items
