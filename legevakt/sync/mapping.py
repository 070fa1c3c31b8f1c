"""FHIR R4 JSON <-> worklist domain. Strict about what is required, lenient about what is optional.

A resource missing a required field raises ``MalformedResponse`` (the snapshot is then incomplete and
changes nothing); optional data that is absent or odd is left empty rather than guessed. Nothing here trusts
the shape of the JSON: a node of the wrong type is read through ``as_dict`` / ``as_list`` / ``_text`` (absent
when optional, ``MalformedResponse`` when required), so a hostile answer is a typed problem, never a crash.
Text taken into the domain is valid Unicode (a lone surrogate, legal in JSON, could not be stored).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from legevakt import codes, logs
from legevakt.sync.errors import MalformedResponse, UnresolvedListItems
from legevakt.sync.origins import Origin, origin, same_origin
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


#: The clinic's time zone when none is given: the ``time_zone`` setting's default (the runtime passes the
#: setting in use, ``legevakt.app.clinic_time.zone()``; sync may not import the app layer).
CLINIC_ZONE: tzinfo = ZoneInfo("Europe/Oslo")


def parse_instant(value: object, what: str, *, zone: tzinfo = CLINIC_ZONE) -> datetime:
    """An R4 ``instant`` or ``dateTime`` with a day in it, as an aware datetime.

    - A time with a zone (``2026-12-03T08:00:00+01:00``, ``...Z``) is that instant.
    - A time without one is invalid R4 ("If hours and minutes are specified, a time zone SHALL be
      populated"): ``MalformedResponse``. Guessing UTC files the visit an hour off in Oslo (issue 11).
    - A bare date (``2026-12-03``, legal R4 dateTime) is the first instant of that day *in the clinic's
      time zone* (``zone``: the ``time_zone`` setting, default Europe/Oslo), returned in UTC: a clinic in
      Oslo that writes only the date means its own midnight, not UTC's (one hour later in winter). Where
      that midnight does not exist (a zone that springs forward at 00:00) it is the day's first instant.
    - A partial date (``2026-12``, ``2026``) holds no day: ``MalformedResponse`` here; where the element
      is optional (arrival) ``_optional_moment`` reads it as absent instead (see there).
    """
    if not isinstance(value, str):
        raise MalformedResponse(f"{what} is not a date-time")
    bare = _BARE_DATE.fullmatch(value) is not None
    if bare:
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise MalformedResponse(f"{what} is not a date-time") from exc
        moment = datetime.combine(day, time.min, tzinfo=zone)
    else:
        text = _LEAP_SECOND.sub(r"\g<1>59.999999", value.replace("Z", "+00:00"), count=1)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise MalformedResponse(f"{what} is not a date-time") from exc
        if moment.tzinfo is None:
            # A time without a zone is not UTC nor the clinic's time but invalid: refused like any malformed
            # value, the snapshot says why (a date in another shape than YYYY-MM-DD is no R4 dateTime).
            raise MalformedResponse(f"{what} has a time without a time zone" if "T" in text
                                    else f"{what} is not a date-time")
    try:  # 0001-01-01T00:00:00+14:00 is before the first representable instant: refuse it here, not in the store
        in_utc = moment.astimezone(UTC)
    except OverflowError as exc:
        raise MalformedResponse(f"{what} is out of range") from exc
    if not _EARLIEST <= in_utc <= _LATEST:  # leave room for the arithmetic done on it (windows, overlaps)
        raise MalformedResponse(f"{what} is out of range")
    return in_utc if bare else moment  # a ZoneInfo datetime subtracts by wall time: never hand one out


#: R4 allows a leap second (``:60``), Python does not: it is read as the last moment of the minute before.
_LEAP_SECOND = re.compile(r"(T\d\d:\d\d:)60(?:\.\d+)?")
#: A bare R4 date (a dateTime without a time): the first instant of that day in the clinic's zone.
_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: A partial R4 dateTime: a year, or a year and month. Imprecise: no instant is guessed from it.
_PARTIAL_DATE = re.compile(r"\d{4}(-\d{2})?")
_EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
_LATEST = datetime(9998, 12, 31, tzinfo=UTC)


def _optional_instant(value: object, what: str, zone: tzinfo = CLINIC_ZONE) -> datetime | None:
    return None if value is None else parse_instant(value, what, zone=zone)


def _optional_moment(value: object, what: str, zone: tzinfo = CLINIC_ZONE) -> datetime | None:
    """An optional R4 dateTime (the arrival, ``period.start``), read as ``parse_instant`` does (a bare date
    is the clinic's midnight). Absent is None, and so is a partial date, a year (``2026``) or a month
    (``2026-12``): legal R4, but no moment is in it. Taking the start of that month or year in clinic time
    would show a patient waiting for weeks and put them first in the queue; refusing it would stall the
    whole queue over an optional element. The arrival is unknown instead, as if not given: the waiting
    time is not counted, and the not-in-queue grace runs from when this client first saw the encounter."""
    if isinstance(value, str) and _PARTIAL_DATE.fullmatch(value):
        return None
    return _optional_instant(value, what, zone)


def _reference(obj: object, base: str | None) -> tuple[str | None, str | None]:
    """A Reference's ``Type/id`` (None when absent or not one the client can look up) and display."""
    if not isinstance(obj, dict):
        return None, None
    ref, display = _text(obj.get("reference")), _text(obj.get("display"))
    return (resolve_reference(ref, base) if ref else None), display


#: A relative literal reference: ``Type/id``, optionally pinned to a version (``/_history/vid``).
_RELATIVE_REF = re.compile(r"([A-Z][A-Za-z]{0,63})/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?")


def resolve_reference(ref: str, base: str | None) -> str | None:
    """``Type/id`` on the platform for a FHIR literal reference, or None when the client cannot look it up.

    Resolved: a relative ``Type/id``, or an absolute URL on the configured platform base (``base``, e.g.
    ``https://platform.example/fhir``; scheme and host compared as origins, the path exactly), each
    optionally with a version (``.../Encounter/123/_history/4`` is ``Encounter/123``: the client reads the
    current version). Not resolved (None): an absolute URL on another server or under another path of this
    one (its last two segments would name a record *here* that may be someone else), ``urn:uuid:`` /
    ``urn:oid:`` (Bundle-local names), a contained ``#x``, a query (``Encounter?identifier=...``), and any
    type or id R4 does not allow. With ``base`` None only relative references resolve.
    """
    found = _RELATIVE_REF.fullmatch(ref)
    if found is not None:
        return ref if found.end(2) == len(ref) else f"{found.group(1)}/{found.group(2)}"
    if base is None or "://" not in ref:
        return None
    prefix = _base_prefix(base)
    if prefix is None:
        return None
    try:
        url = httpx.URL(ref)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    path = url.raw_path.decode("ascii", "replace")  # as sent: a percent-encoded id is no R4 id
    if url.query or url.fragment or not same_origin(url, prefix[0]) or not path.startswith(prefix[1]):
        return None
    rest = path[len(prefix[1]):]
    found = _RELATIVE_REF.fullmatch(rest)
    return None if found is None else f"{found.group(1)}/{found.group(2)}"


@functools.lru_cache(maxsize=8)
def _base_prefix(base: str) -> tuple[Origin, str] | None:
    """The platform base's origin and its path with a trailing slash (``/fhir/``), or None if it has none."""
    try:
        url = httpx.URL(base)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    found = origin(url)
    path = url.raw_path.decode("ascii", "replace").split("?", 1)[0]
    return None if found is None else (found, path.rstrip("/") + "/")


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
                        names: Mapping[str, str] | None = None, base: str | None = None,
                        zone: tzinfo = CLINIC_ZONE) -> Encounter:
    """Map an Encounter. ``names`` resolves room and practitioner refs the server gave no display for.

    ``base``: the platform's FHIR base URL, so that absolute references on it (subject, participant,
    location) read as ``Type/id``; a reference the client cannot look up (another server, ``urn:uuid:``,
    contained) reads as absent, never as a record here. ``zone``: the clinic's time zone, for an arrival
    given as a bare date (see ``parse_instant``)."""
    if resource.get("resourceType") != "Encounter":
        raise MalformedResponse("expected an Encounter")
    ref = ref_of(resource)
    code = resource.get("status")
    status = _STATUS.get(code) if isinstance(code, str) else None
    if status is None:
        raise MalformedResponse(f"{ref} has no valid status")
    names = names or {}
    subject, _ = _reference(resource.get("subject"), base)
    arrived = _optional_moment(as_dict(resource.get("period")).get("start"), f"{ref} period.start", zone)

    triage = None
    for priority_coding in _codings(resource.get("priority")):
        triage_code = _code(priority_coding.get("code"))
        if priority_coding.get("system") == scale.system and scale.level(triage_code):
            triage = triage_code
            break

    at_clinic = False
    room = room_name = None
    for loc in as_dicts(resource.get("location")):
        loc_ref, display = _reference(loc.get("location"), base)
        if loc_ref is None:
            continue
        if loc_ref == clinic_ref:
            at_clinic = loc.get("status") != "completed"
        elif loc.get("status") in (None, "active", "planned"):
            room, room_name = loc_ref, display or names.get(loc_ref)

    nurse = nurse_name = doctor = doctor_name = None
    for part in as_dicts(resource.get("participant")):
        who, display = _reference(part.get("individual"), base)
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
        last_updated=_optional_instant(meta.get("lastUpdated"), f"{ref} meta.lastUpdated", zone),
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


def list_items(resource: Resource, *, base: str | None = None) -> list[str]:
    """Encounter refs in a queue List (entries flagged deleted are not in the queue).

    ``base``: the platform's FHIR base URL; an item's absolute reference on it reads as ``Type/id`` (see
    ``resolve_reference``). An item of another type (``Patient/1``) is not an encounter in the queue. An
    item the client cannot look up (another server's URL, ``urn:uuid:``, a contained ``#x``, a display or
    identifier only, a garbled id) may be anyone: ``UnresolvedListItems`` (the snapshot is incomplete and
    says so; nobody is taken as having left the queue, nor as missing from it). A List whose shape is
    wrong (``entry`` or an entry not an object, an entry without an item) is ``MalformedResponse``.
    """
    if resource.get("resourceType") != "List":
        raise MalformedResponse("expected a List")
    entries = resource.get("entry", [])
    if not isinstance(entries, list):  # a queue read wrong would look like everyone leaving it
        raise MalformedResponse("List.entry is not a list")
    items = []
    unresolved = 0
    for entry in entries:
        if not isinstance(entry, dict):
            raise MalformedResponse("a List entry is not an object")
        if entry.get("deleted") is True:
            continue
        item = entry.get("item")
        if not isinstance(item, dict):  # List.entry.item is 1..1
            raise MalformedResponse("a List entry has no item")
        ref, _ = _reference(item, base)
        if ref is None:
            unresolved += 1
        elif ref.startswith("Encounter/"):
            items.append(ref)
    if unresolved:
        raise UnresolvedListItems(unresolved)
    return items
