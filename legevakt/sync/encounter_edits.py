"""How a command becomes a FHIR Encounter change: plain R4 edits on a copy of the resource JSON.

Everything the command does not change is kept as the platform sent it. A create carries a client-made
identifier (``codes.CLIENT_REQUEST_SYSTEM`` | command id) so a replayed create never duplicates.

An Encounter has no element for who changed it, so each applied change is followed by an R4 ``Provenance``
(``provenance_for``): ``target`` the Encounter version the write made, ``agent.who`` the signed-in
Practitioner (by reference where the platform knows the HPR number, else by the HPR identifier),
``recorded`` when, ``activity`` the v3 DataOperation UPDATE.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from legevakt import codes
from legevakt.worklist.commands import Command, CommandKind
from legevakt.worklist.models import DepartureReason, EncounterStatus
from legevakt.worklist.shared_alerts import person_reference
from legevakt.worklist.triage import TriageScale

Resource = dict[str, Any]

#: ActPriority codes from most to least urgent, for scales whose codes are not the usual colours.
_ACT_BY_RANK = ("S", "EM", "UR", "R", "EL")
_ROOM_TYPE = {"coding": [{"system": codes.LOCATION_PHYSICAL_TYPE, "code": "ro", "display": "Room"}]}
_PARTICIPANT_CODE = {CommandKind.ASSIGN_NURSE: codes.PARTICIPANT_NURSE,
                     CommandKind.ASSIGN_DOCTOR: codes.PARTICIPANT_DOCTOR}
#: R4 Provenance codings: the activity (v3 DataOperation, extensible binding) and the agent's role
#: (provenance-participant-type, extensible).
V3_DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PROVENANCE_PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"


# -- FHIR edits ---------------------------------------------------------------------------------------

def fhir_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def edit_encounter(resource: Resource, command: Command, *, scale: TriageScale, clinic_ref: str,
                   now: datetime) -> Resource:
    """A copy of the Encounter JSON with the command's change made (everything else kept as it was)."""
    res = copy.deepcopy(resource)
    target = command.target or ""
    kind = command.kind
    if kind is CommandKind.SET_TRIAGE:
        _set_priority(res, target, command.system or scale.system, scale)
    elif kind is CommandKind.ASSIGN_ROOM:
        _set_room(res, target, command.display, clinic_ref, fhir_instant(now))
    elif kind in _PARTICIPANT_CODE:
        _set_participant(res, _PARTICIPANT_CODE[kind], target, command.display)
    elif kind is CommandKind.SET_STATE:
        _set_status(res, EncounterStatus(target), command.disposition, fhir_instant(now))
    else:
        raise ValueError(f"a {kind.value} command does not edit an Encounter")
    return res


def _set_priority(res: Resource, code: str, system: str, scale: TriageScale) -> None:
    """``Encounter.priority``: the scale's coding, and the nearest v3 ActPriority beside it."""
    ours: Resource = {"system": system, "code": code}
    level = scale.level(code) if system == scale.system else None
    if level is not None:
        ours["display"] = level.name_nb
    act = codes.TRIAGE_TO_ACT_PRIORITY.get(code)
    if act is None and level is not None:
        act = _ACT_BY_RANK[min(level.rank, len(_ACT_BY_RANK) - 1)]
    coding = [ours]
    if act is not None:
        coding.append({"system": codes.V3_ACT_PRIORITY, "code": act})
    old = res.get("priority") if isinstance(res.get("priority"), dict) else {}
    others = [c for c in (old or {}).get("coding") or []
              if isinstance(c, dict) and c.get("system") not in (system, codes.V3_ACT_PRIORITY)]
    res["priority"] = {"coding": coding + others}


def _set_room(res: Resource, room: str, display: str | None, clinic_ref: str, now: str) -> None:
    """``Encounter.location``: the clinic entry kept; earlier rooms completed; the new room active."""
    locations: list[Any] = []
    for loc in res.get("location") or []:
        ref = _ref(loc.get("location")) if isinstance(loc, dict) else None
        if ref is None or ref == clinic_ref or loc.get("status") not in (None, "active", "planned"):
            locations.append(loc)
            continue
        done = dict(loc)
        done["status"] = "completed"
        done["period"] = {**(loc.get("period") if isinstance(loc.get("period"), dict) else {}), "end": now}
        locations.append(done)
    reference: Resource = {"reference": room}
    if display:
        reference["display"] = display
    locations.append({"location": reference, "status": "active", "physicalType": _ROOM_TYPE,
                      "period": {"start": now}})
    res["location"] = locations


def _set_participant(res: Resource, type_code: str, who: str, display: str | None) -> None:
    """``Encounter.participant``: the one participant of this type is ``who``."""
    parts = [p for p in res.get("participant") or []
             if not (isinstance(p, dict) and type_code in _participant_codes(p))]
    individual: Resource = {"reference": who}
    if display:
        individual["display"] = display
    parts.append({"type": [{"coding": [{"system": codes.V3_PARTICIPATION_TYPE, "code": type_code}]}],
                  "individual": individual})
    res["participant"] = parts


def _set_status(res: Resource, status: EncounterStatus, disposition: DepartureReason | None, now: str) -> None:
    """``Encounter.status`` with its ``statusHistory``; ending: ``period.end``, locations completed and, when
    finished, ``hospitalization.dischargeDisposition`` (our code system and HL7's)."""
    history = res.get("statusHistory")
    if not isinstance(history, list):
        history = []
    if history and isinstance(history[-1], dict):
        period = history[-1].get("period")
        if isinstance(period, dict) and "end" not in period:
            history[-1] = {**history[-1], "period": {**period, "end": now}}
    entry: Resource = {"status": status.value, "period": {"start": now}}
    if status.is_terminal:
        entry["period"]["end"] = now
    history.append(entry)
    res["statusHistory"] = history
    res["status"] = status.value
    if not status.is_terminal:
        return
    period = res.get("period") if isinstance(res.get("period"), dict) else {}
    res["period"] = {**(period or {}), "end": now}
    locations = []
    for loc in res.get("location") or []:
        if isinstance(loc, dict) and loc.get("status") != "completed":
            loc = {**loc, "status": "completed"}
        locations.append(loc)
    if locations:
        res["location"] = locations
    if disposition is not None:
        hosp = res.get("hospitalization") if isinstance(res.get("hospitalization"), dict) else {}
        coding = [{"system": codes.DEPARTURE_SYSTEM, "code": disposition.value}]
        hl7 = codes.DEPARTURE_TO_HL7.get(disposition.value)
        if hl7 is not None:
            coding.append({"system": codes.HL7_DISCHARGE_DISPOSITION, "code": hl7})
        res["hospitalization"] = {**(hosp or {}), "dischargeDisposition": {"coding": coding}}


def _participant_codes(part: Resource) -> set[str]:
    return {str(c.get("code")) for t in part.get("type") or [] if isinstance(t, dict)
            for c in t.get("coding") or [] if isinstance(c, dict)}


def _ref(obj: object) -> str | None:
    if not isinstance(obj, dict) or not isinstance(obj.get("reference"), str):
        return None
    ref = str(obj["reference"]).split("/_history/", 1)[0]
    parts = ref.rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else ref


def with_client_identifier(resource: Resource, command_id: str) -> Resource:
    """A copy of ``resource`` carrying the command's client-made identifier."""
    res = copy.deepcopy(resource)
    idents = [i for i in res.get("identifier") or [] if isinstance(i, dict)]
    if not any(i.get("system") == codes.CLIENT_REQUEST_SYSTEM and i.get("value") == command_id for i in idents):
        idents.append({"system": codes.CLIENT_REQUEST_SYSTEM, "value": command_id})
    res["identifier"] = idents
    return res




def agent_reference(who: str) -> Resource:
    """The author of a command as an R4 Reference, read as a shared alert's owner is
    (``legevakt.worklist.shared_alerts.person_reference``: a Practitioner reference, a local identity
    ``<system>|<value>`` by identifier, anything else as a display), typed Practitioner where it names one."""
    who = (who or "").strip()
    if not who:
        return {"display": "unknown"}
    ref = person_reference(who)
    return {**ref, "type": "Practitioner"} if "reference" in ref else ref


def provenance_for(command: Command, target: str, now: datetime) -> Resource:
    """The R4 Provenance of an applied Encounter change: ``target`` is the version the write made
    (``Encounter/<id>/_history/<vid>``, or the plain reference when the server did not say); ``now`` when
    it was recorded (the version's ``meta.lastUpdated`` where the server sent it)."""
    return {
        "resourceType": "Provenance",
        "target": [{"reference": target}],
        "recorded": fhir_instant(now),
        "activity": {"coding": [{"system": V3_DATA_OPERATION, "code": "UPDATE", "display": "revise"}]},
        "reason": [{"text": command.describe()}],
        "agent": [{
            "type": {"coding": [{"system": PROVENANCE_PARTICIPANT_TYPE, "code": "author", "display": "Author"}]},
            "who": agent_reference(command.created_by),
        }],
    }
