"""FHIR R4 JSON <-> worklist domain. Strict about what is required, lenient about what is optional.

A resource missing a required field raises ``MalformedResponse`` (the snapshot is then incomplete and
changes nothing); optional data that is absent or odd is left empty rather than guessed.
"""

from __future__ import annotations

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


def ref_of(resource: Resource) -> str:
    rtype, rid = resource.get("resourceType"), resource.get("id")
    if not isinstance(rtype, str) or not isinstance(rid, str) or not rid:
        raise MalformedResponse("resource without a type and id")
    return f"{rtype}/{rid}"


def version_of(resource: Resource) -> str:
    """``meta.versionId`` as an opaque string; falls back to ``meta.lastUpdated`` (never a guess)."""
    meta = resource.get("meta") or {}
    vid = meta.get("versionId")
    if isinstance(vid, str) and vid:
        return vid
    if isinstance(vid, int) and not isinstance(vid, bool):
        return str(vid)
    updated = meta.get("lastUpdated")
    if isinstance(updated, str) and updated:
        return f"@{updated}"
    raise MalformedResponse(f"{ref_of(resource)} has neither meta.versionId nor meta.lastUpdated")


def parse_instant(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise MalformedResponse(f"{what} is not a date-time")
    text = value.replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:  # a bare date is legal FHIR dateTime
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError as exc:
            raise MalformedResponse(f"{what} is not a date-time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # FHIR says a time without offset is ambiguous; take UTC
    try:  # 0001-01-01T00:00:00+14:00 is before the first representable instant: refuse it here, not in the store
        in_utc = moment.astimezone(UTC)
    except OverflowError as exc:
        raise MalformedResponse(f"{what} is out of range") from exc
    if not _EARLIEST <= in_utc <= _LATEST:  # leave room for the arithmetic done on it (windows, overlaps)
        raise MalformedResponse(f"{what} is out of range")
    return moment


_EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
_LATEST = datetime(9998, 12, 31, tzinfo=UTC)


def _optional_instant(value: object, what: str) -> datetime | None:
    return None if value is None else parse_instant(value, what)


def _reference(obj: object) -> tuple[str | None, str | None]:
    if not isinstance(obj, dict):
        return None, None
    ref = obj.get("reference")
    display = obj.get("display")
    return (_relative(ref) if isinstance(ref, str) else None), (display if isinstance(display, str) else None)


def _relative(ref: str) -> str:
    """Absolute references to the same server become relative ``Type/id`` (history suffix dropped)."""
    if ref.count("/") == 1 and not ref.endswith("/"):
        return ref  # already ``Type/id``: the usual case, kept cheap (it runs for every reference)
    if "/_history/" in ref:
        ref = ref.split("/_history/", 1)[0]
    parts = ref.rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else ref


def _codings(concept: object) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def patient_from_fhir(resource: Resource) -> Patient:
    if resource.get("resourceType") != "Patient":
        raise MalformedResponse("expected a Patient")
    ref = ref_of(resource)
    _register_names(resource.get("name"))
    name = _human_name(resource.get("name"))
    birth = resource.get("birthDate")
    birth_date: date | None = None
    if isinstance(birth, str):
        try:
            birth_date = date.fromisoformat(birth[:10])
        except ValueError:
            birth_date = None
    gender = resource.get("gender") if isinstance(resource.get("gender"), str) else None
    system, value = None, None
    for ident in resource.get("identifier") or []:
        if (isinstance(ident, dict) and ident.get("system") in codes.PERSON_ID_SYSTEMS
                and isinstance(ident.get("value"), str)):
            system, value = ident["system"], ident["value"]
            break
    return Patient(ref=ref, version=version_of(resource), name=name, birth_date=birth_date, gender=gender,
                   identifier_system=system, identifier=value)


def _register_names(names: object) -> None:
    """Tell the log filter the patient's names, so that a slip anywhere is masked."""
    parts: list[str] = []
    for n in names if isinstance(names, list) else ():
        if isinstance(n, dict):
            parts.extend(p for p in (n.get("text"), n.get("family")) if isinstance(p, str))
            parts.extend(g for g in n.get("given") or [] if isinstance(g, str))
    if parts:
        logs.redact_names(parts)


def _human_name(names: object) -> str:
    if not isinstance(names, list) or not names:
        return "(uten navn)"
    chosen = next((n for n in names if isinstance(n, dict) and n.get("use") == "official"), names[0])
    if not isinstance(chosen, dict):
        return "(uten navn)"
    if isinstance(chosen.get("text"), str) and chosen["text"].strip():
        return str(chosen["text"]).strip()
    family = chosen.get("family") if isinstance(chosen.get("family"), str) else ""
    given = " ".join(g for g in chosen.get("given") or [] if isinstance(g, str))
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
    period = resource.get("period") or {}
    arrived = _optional_instant(period.get("start"), f"{ref} period.start") if isinstance(period, dict) else None

    triage = None
    for priority_coding in _codings(resource.get("priority")):
        if priority_coding.get("system") == scale.system and scale.level(priority_coding.get("code")):
            triage = str(priority_coding["code"])
            break

    at_clinic = False
    room = room_name = None
    for loc in resource.get("location") or []:
        if not isinstance(loc, dict):
            continue
        loc_ref, display = _reference(loc.get("location"))
        if loc_ref is None:
            continue
        if loc_ref == clinic_ref:
            at_clinic = loc.get("status") != "completed"
        elif loc.get("status") in (None, "active", "planned"):
            room, room_name = loc_ref, display or names.get(loc_ref)

    nurse = nurse_name = doctor = doctor_name = None
    for part in resource.get("participant") or []:
        if not isinstance(part, dict):
            continue
        who, display = _reference(part.get("individual"))
        if who is None:
            continue
        types = {c.get("code") for t in part.get("type") or [] for c in _codings(t)}
        if codes.PARTICIPANT_DOCTOR in types:
            doctor, doctor_name = who, display or names.get(who)
        elif codes.PARTICIPANT_NURSE in types:
            nurse, nurse_name = who, display or names.get(who)

    complaint = None
    for reason in resource.get("reasonCode") or []:
        if isinstance(reason, dict):
            text = reason.get("text")
            if not isinstance(text, str):
                text = next((c.get("display") for c in _codings(reason) if isinstance(c.get("display"), str)),
                            None)
            if text:
                complaint = text
                break

    disposition = None
    hosp = resource.get("hospitalization")
    if isinstance(hosp, dict):
        for coding in _codings(hosp.get("dischargeDisposition")):
            code = coding.get("code")
            if coding.get("system") == codes.DEPARTURE_SYSTEM and code in codes.DEPARTURE_CODES:
                disposition = DepartureReason(code)
                break
            if coding.get("system") == codes.HL7_DISCHARGE_DISPOSITION and code in _HL7_TO_DEPARTURE:
                disposition = disposition or _HL7_TO_DEPARTURE[code]
        if disposition is None and _codings(hosp.get("dischargeDisposition")):
            disposition = DepartureReason.OTHER

    meta = resource.get("meta") or {}
    return Encounter(
        ref=ref, version=version_of(resource), patient_ref=subject, status=status, arrived_at=arrived,
        triage=triage, complaint=complaint, room=room, room_name=room_name, nurse=nurse, nurse_name=nurse_name,
        doctor=doctor, doctor_name=doctor_name, disposition=disposition, at_clinic=at_clinic,
        last_updated=_optional_instant(meta.get("lastUpdated"), f"{ref} meta.lastUpdated"),
    )


def display_name(resource: Resource) -> str | None:
    """A short display name for a Practitioner or Location."""
    if resource.get("resourceType") == "Location":
        name = resource.get("name")
        return name if isinstance(name, str) else None
    if resource.get("resourceType") == "Practitioner":
        names = resource.get("name")
        if not isinstance(names, list) or not names or not isinstance(names[0], dict):
            return None
        first = names[0]
        if isinstance(first.get("text"), str):
            return str(first["text"])
        given = " ".join(g for g in first.get("given") or [] if isinstance(g, str))
        family = first.get("family") if isinstance(first.get("family"), str) else ""
        return " ".join(p for p in (given, family) if p) or None
    return None


def list_items(resource: Resource) -> list[str]:
    """Encounter refs in a queue List (entries flagged deleted are not in the queue)."""
    if resource.get("resourceType") != "List":
        raise MalformedResponse("expected a List")
    items = []
    for entry in resource.get("entry") or []:
        if not isinstance(entry, dict) or entry.get("deleted") is True:
            continue
        ref, _ = _reference(entry.get("item"))
        if ref is None:
            raise MalformedResponse("a List entry has no item reference")
        if ref.startswith("Encounter/"):
            items.append(ref)
    return items
