"""Commands a person gives the worklist (set triage, assign room, nurse or doctor, change state), as values.

A ``Command`` records what to change (the field's *target* value) and what the field held when the
command was made (its *base* value), so a replay that finds the platform changed can tell whether the
other party touched the same field (a conflict) or another one (re-apply on top). Values are codes and
platform references only, never patient data.

Pure: no I/O. ``make_command`` validates against the entry the person saw and raises ``CommandError``
with a ``Problem`` (a ``COMMAND_*`` kind); ``apply_local`` gives the entry with the command's optimistic effect.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from legevakt.problems import Problem, ProblemError, ProblemKind
from legevakt.text import too_long, user_text
from legevakt.worklist.models import DepartureReason, Encounter, EncounterStatus, Entry, Fate
from legevakt.worklist.triage import TriageScale

#: A FHIR id: 1-64 of letters, digits, '-' and '.'.
_FHIR_ID = r"[A-Za-z0-9\-.]{1,64}"
_REF = re.compile(rf"(?P<type>[A-Z][A-Za-z]{{1,63}})/(?P<id>{_FHIR_ID})")
_RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{1,63}")

#: The departure reasons a person can give when finishing an encounter (``DepartureReason`` values
#: that come from ``dischargeDisposition``; the others are derived, never chosen).
DISPOSITIONS: tuple[DepartureReason, ...] = (
    DepartureReason.HOME, DepartureReason.ADMITTED, DepartureReason.TRANSFERRED, DepartureReason.LWBS,
    DepartureReason.DECEASED, DepartureReason.OTHER,
)


class CommandError(ProblemError, ValueError):
    """A command cannot be made or applied: a ``COMMAND_*`` kind with ids, codes and field names (no
    patient data, no sentence; the UI and the CLI translate ``problem``)."""

    def __init__(self, kind: ProblemKind | Problem, /, **params: Any) -> None:
        super().__init__(kind if isinstance(kind, Problem) else Problem(kind, params))

    @property
    def kind(self) -> ProblemKind:
        return self.problem.kind


class CommandKind(StrEnum):
    SET_TRIAGE = "set-triage"
    ASSIGN_ROOM = "assign-room"
    ASSIGN_NURSE = "assign-nurse"
    ASSIGN_DOCTOR = "assign-doctor"
    SET_STATE = "set-state"
    CREATE = "create"  # create a resource (a note, a message) with a client-made identifier
    UPDATE = "update"  # set top-level fields of a resource we created (sign a note, record a receipt)

    @property
    def field(self) -> str:
        """The Encounter field the command sets, as named in alerts and reports."""
        return _FIELD[self]


_FIELD: dict[CommandKind, str] = {
    CommandKind.SET_TRIAGE: "triage",
    CommandKind.ASSIGN_ROOM: "room",
    CommandKind.ASSIGN_NURSE: "nurse",
    CommandKind.ASSIGN_DOCTOR: "doctor",
    CommandKind.SET_STATE: "state",
    CommandKind.CREATE: "resource",
    CommandKind.UPDATE: "resource",
}

#: The reference type each assignment takes.
_REF_TYPE: dict[CommandKind, str] = {
    CommandKind.ASSIGN_ROOM: "Location",
    CommandKind.ASSIGN_NURSE: "Practitioner",
    CommandKind.ASSIGN_DOCTOR: "Practitioner",
}

_K = ProblemKind
_S = EncounterStatus
#: Allowed state changes (R4 Encounter.status), from -> to.
TRANSITIONS: Mapping[EncounterStatus, frozenset[EncounterStatus]] = {
    _S.PLANNED: frozenset({_S.ARRIVED, _S.CANCELLED, _S.ENTERED_IN_ERROR}),
    _S.ARRIVED: frozenset({_S.TRIAGED, _S.IN_PROGRESS, _S.FINISHED, _S.CANCELLED, _S.ENTERED_IN_ERROR}),
    _S.TRIAGED: frozenset({_S.IN_PROGRESS, _S.ONLEAVE, _S.FINISHED, _S.CANCELLED, _S.ENTERED_IN_ERROR}),
    _S.IN_PROGRESS: frozenset({_S.ONLEAVE, _S.FINISHED, _S.ENTERED_IN_ERROR}),
    _S.ONLEAVE: frozenset({_S.IN_PROGRESS, _S.TRIAGED, _S.FINISHED, _S.ENTERED_IN_ERROR}),
    _S.UNKNOWN: frozenset({_S.ARRIVED, _S.TRIAGED, _S.IN_PROGRESS, _S.ONLEAVE, _S.FINISHED, _S.CANCELLED,
                           _S.ENTERED_IN_ERROR}),
    _S.FINISHED: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.ENTERED_IN_ERROR: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Command:
    """One change a person asked for. Immutable; stored in the outbox until the platform confirms it."""

    command_id: str  # client-made UUID4: the outbox key, and the identifier of a created resource
    kind: CommandKind
    encounter: str | None  # "Encounter/<id>" (a create may belong to none)
    target: str | None  # the field's new value: triage code, Location/Practitioner ref, status value
    base: str | None  # the field's value (as ``field_value`` reads it) when the command was made
    created_at: datetime
    created_by: str
    disposition: DepartureReason | None = None  # SET_STATE to finished: why it ended
    base_version: str | None = None  # the Encounter's meta.versionId when the command was made
    system: str | None = None  # SET_TRIAGE: the code system of the triage scale
    display: str | None = None  # a display for the room or practitioner reference, when known
    resource_type: str | None = None  # CREATE: the type to create
    body: str | None = None  # CREATE: the resource as JSON text (an object, without id); UPDATE: the change
    base_display: str | None = None  # the display of the ``base`` room or practitioner (put back on a refusal)

    @property
    def target_value(self) -> str | None:
        """The field's value, as ``field_value`` reads it, once the command is applied."""
        if self.kind is CommandKind.SET_STATE and self.target is not None:
            return state_value(EncounterStatus(self.target), self.disposition)
        return self.target

    @property
    def key(self) -> str:
        """What must be replayed in order with this command: its encounter (or itself, for a lone create)."""
        return self.encounter or self.command_id

    def describe(self) -> str:
        """A short English description (codes and platform ids only)."""
        if self.kind is CommandKind.CREATE:
            return f"create {self.resource_type}" + (f" for {self.encounter}" if self.encounter else "")
        if self.kind is CommandKind.UPDATE:
            return f"update {self.target}"
        return f"set {self.kind.field} of {self.encounter} to {self.target_value}"

    def resource(self) -> dict[str, Any]:
        """CREATE: the resource to create (a fresh dict each call)."""
        if self.body is None:
            raise CommandError(_K.COMMAND_INVALID, what="no-resource")
        value = json.loads(self.body)
        if not isinstance(value, dict):
            raise CommandError(_K.COMMAND_INVALID, what="resource-not-object")
        return value


    def change(self) -> ResourceChange:
        """UPDATE: the fields to set, and what they must hold for the change to apply."""
        if self.kind is not CommandKind.UPDATE or self.body is None:
            raise CommandError(_K.COMMAND_INVALID, what="no-change")
        value = json.loads(self.body)
        if not isinstance(value, dict) or not isinstance(value.get("set"), dict):
            raise CommandError(_K.COMMAND_INVALID, what="change-not-object")
        expect = value.get("expect") or {}
        if not isinstance(expect, dict):
            raise CommandError(_K.COMMAND_INVALID, what="change-not-object")
        return ResourceChange(dict(value["set"]), dict(expect))


@dataclass(frozen=True, slots=True)
class ResourceChange:
    """An UPDATE's effect: top-level fields to ``set`` (None removes the field), applied only while the
    resource holds ``expect`` (else someone else changed it: a conflict). Already holding ``set``: done."""

    set: dict[str, Any]
    expect: dict[str, Any]


def state_value(status: EncounterStatus, disposition: DepartureReason | None) -> str:
    """The state field's value: the status, plus the disposition when finished ("finished:home")."""
    if status is EncounterStatus.FINISHED and disposition is not None:
        return f"{status.value}:{disposition.value}"
    return status.value


def field_value(encounter: Encounter, kind: CommandKind) -> str | None:
    """The value of the field a command of ``kind`` sets, as the encounter has it."""
    if kind is CommandKind.SET_TRIAGE:
        return encounter.triage
    if kind is CommandKind.ASSIGN_ROOM:
        return encounter.room
    if kind is CommandKind.ASSIGN_NURSE:
        return encounter.nurse
    if kind is CommandKind.ASSIGN_DOCTOR:
        return encounter.doctor
    if kind is CommandKind.SET_STATE:
        return state_value(encounter.status, encounter.disposition)
    raise CommandError(_K.COMMAND_INVALID, what="no-field", command=kind.value)


def field_display(encounter: Encounter, kind: CommandKind) -> str | None:
    """The display name the encounter has for the room or practitioner a command of ``kind`` sets."""
    if kind is CommandKind.ASSIGN_ROOM:
        return encounter.room_name
    if kind is CommandKind.ASSIGN_NURSE:
        return encounter.nurse_name
    if kind is CommandKind.ASSIGN_DOCTOR:
        return encounter.doctor_name
    return None


def with_field(encounter: Encounter, kind: CommandKind, value: str | None, display: str | None = None,
               ) -> Encounter:
    """The encounter with one field set to ``value`` (as ``field_value`` reads it); same version."""
    if kind is CommandKind.SET_TRIAGE:
        return replace(encounter, triage=value)
    if kind is CommandKind.ASSIGN_ROOM:
        return replace(encounter, room=value, room_name=display if value is not None else None)
    if kind is CommandKind.ASSIGN_NURSE:
        return replace(encounter, nurse=value, nurse_name=display if value is not None else None)
    if kind is CommandKind.ASSIGN_DOCTOR:
        return replace(encounter, doctor=value, doctor_name=display if value is not None else None)
    if kind is CommandKind.SET_STATE:
        if value is None:
            return encounter
        text, _, disp = value.partition(":")
        status = EncounterStatus(text)
        changed = replace(encounter, status=status, disposition=DepartureReason(disp) if disp else None)
        if status.is_terminal and not encounter.status.is_terminal:
            # Ending an encounter releases its room, as the platform records it (the location completed).
            changed = replace(changed, room=None, room_name=None)
        return changed
    raise CommandError(_K.COMMAND_INVALID, what="no-field", command=kind.value)


def apply_local(entry: Entry, command: Command) -> Entry:
    """The entry with the command's optimistic effect: its Encounter with the new value, same version."""
    if command.kind in (CommandKind.CREATE, CommandKind.UPDATE):
        return entry
    if command.encounter != entry.ref:
        raise CommandError(_K.COMMAND_INVALID, what="other-encounter", encounter=command.encounter)
    encounter = with_field(entry.encounter, command.kind, command.target_value, command.display)
    return replace(entry, encounter=encounter)


# -- making and checking commands ---------------------------------------------------------------

def make_command(entry: Entry, kind: CommandKind, target: str, *, by: str, now: datetime, scale: TriageScale,
                 disposition: DepartureReason | str | None = None, display: str | None = None,
                 command_id: str | None = None) -> Command:
    """A validated command changing one field of ``entry`` (the entry as the person saw it).

    Raises ``CommandError`` for an unknown triage code, a reference of the wrong type, a state change
    that is not allowed, finishing without a disposition (or a disposition without finishing), or a
    value the field already has.
    """
    if kind is CommandKind.CREATE:
        raise CommandError(_K.COMMAND_INVALID, what="use-make-create")
    by = user_text(by)
    target = (target or "").strip()
    disp = _disposition(disposition)
    command = Command(
        command_id=command_id or str(uuid.uuid4()), kind=kind, encounter=entry.ref, target=target,
        base=field_value(entry.encounter, kind), created_at=now, created_by=by, disposition=disp,
        base_version=entry.encounter.version or None,
        system=scale.system if kind is CommandKind.SET_TRIAGE else None,
        display=(display or "").strip() or None, base_display=field_display(entry.encounter, kind),
    )
    check(command, entry, scale)
    return command


def make_create(resource: Mapping[str, Any], *, by: str, now: datetime, encounter: str | None = None,
                command_id: str | None = None) -> Command:
    """A validated command creating ``resource`` (made idempotent by a client identifier at replay)."""
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str):
        raise CommandError(_K.COMMAND_INVALID, what="no-resource-type")
    body = {k: v for k, v in resource.items() if k not in ("id", "meta")}
    try:
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise CommandError(_K.COMMAND_INVALID, what="resource-not-json") from exc
    command = Command(command_id=command_id or str(uuid.uuid4()), kind=CommandKind.CREATE, encounter=encounter,
                      target=None, base=None, created_at=now, created_by=user_text(by),
                      resource_type=rtype, body=text)
    check(command, None)
    return command


def make_update(ref: str, set_fields: Mapping[str, Any], *, by: str, now: datetime,
                expect: Mapping[str, Any] | None = None, encounter: str | None = None,
                command_id: str | None = None) -> Command:
    """A validated command setting top-level fields of the resource ``ref`` (see ``ResourceChange``)."""
    rtype, _, rid = ref.partition("/")
    if not _RESOURCE_TYPE.fullmatch(rtype) or not rid or "/" in rid:
        raise CommandError(_K.COMMAND_BAD_REFERENCE, field="resource", type=rtype or "Resource")
    if not set_fields or any(k in ("resourceType", "id", "meta") for k in set_fields):
        raise CommandError(_K.COMMAND_INVALID, what="change-fields")
    try:
        text = json.dumps({"set": dict(set_fields), "expect": dict(expect or {})}, ensure_ascii=False,
                          sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise CommandError(_K.COMMAND_INVALID, what="change-not-json") from exc
    command = Command(command_id=command_id or str(uuid.uuid4()), kind=CommandKind.UPDATE, encounter=encounter,
                      target=ref, base=None, created_at=now, created_by=user_text(by),
                      resource_type=rtype, body=text)
    check(command, None)
    return command


def check(command: Command, entry: Entry | None, scale: TriageScale | None = None) -> None:
    """Raise ``CommandError`` unless ``command`` can apply to ``entry`` (the current local one) now."""
    if not command.created_by:
        raise CommandError(_K.COMMAND_WHO_MISSING)
    limit = too_long(command.created_by, "by")
    if limit is not None:
        raise CommandError(_K.TEXT_TOO_LONG, field="by", limit=limit)
    try:
        parsed = uuid.UUID(command.command_id)
    except ValueError as exc:
        raise CommandError(_K.COMMAND_INVALID, what="id-not-uuid") from exc
    if parsed.version != 4:
        raise CommandError(_K.COMMAND_INVALID, what="id-not-uuid4")
    if command.created_at.tzinfo is None:
        raise CommandError(_K.COMMAND_INVALID, what="naive-time")
    if command.encounter is not None:
        check_reference(command.encounter, "Encounter", "encounter")
    if command.kind is CommandKind.CREATE:
        _check_create(command)
        return
    if command.kind is CommandKind.UPDATE:
        command.change()
        return
    if command.encounter is None:
        raise CommandError(_K.COMMAND_INVALID, what="no-encounter", command=command.kind.value)
    if entry is None:
        raise CommandError(_K.COMMAND_NOT_IN_QUEUE, encounter=command.encounter)
    if entry.ref != command.encounter:
        raise CommandError(_K.COMMAND_INVALID, what="other-encounter", encounter=command.encounter)
    if entry.fate is Fate.DEPARTED:
        raise CommandError(_K.COMMAND_LEFT_QUEUE, encounter=entry.ref)
    if entry.encounter.status.is_terminal and command.kind is not CommandKind.SET_STATE:
        raise CommandError(_K.COMMAND_ENDED, encounter=entry.ref, status=entry.encounter.status.value)
    target = command.target
    if not target:
        raise CommandError(_K.COMMAND_NO_TARGET, field=command.kind.field)
    current = field_value(entry.encounter, command.kind)
    if current != command.base:
        raise CommandError(_K.COMMAND_CHANGED_SINCE, field=command.kind.field, encounter=entry.ref)
    kind = command.kind
    if kind is CommandKind.SET_TRIAGE:
        if scale is None:
            raise CommandError(_K.COMMAND_INVALID, what="no-scale")
        if scale.level(target) is None:
            raise CommandError(_K.COMMAND_UNKNOWN_TRIAGE, code=target, scale=scale.key)
        if command.system is not None and command.system != scale.system:
            raise CommandError(_K.COMMAND_WRONG_TRIAGE_SYSTEM, system=command.system, scale=scale.key)
    elif kind in _REF_TYPE:
        check_reference(target, _REF_TYPE[kind], kind.field)
    elif kind is CommandKind.SET_STATE:
        _check_state(command, entry.encounter.status)
    elif command.disposition is not None:
        raise CommandError(_K.COMMAND_DISPOSITION_NOT_ALLOWED)
    if command.target_value == current:
        raise CommandError(_K.COMMAND_NOTHING_TO_CHANGE, field=kind.field, value=current)


def _check_state(command: Command, status: EncounterStatus) -> None:
    try:
        new = EncounterStatus(command.target or "")
    except ValueError as exc:
        raise CommandError(_K.COMMAND_UNKNOWN_STATE, state=command.target) from exc
    if new is EncounterStatus.FINISHED:
        if command.disposition is None:
            raise CommandError(_K.COMMAND_DISPOSITION_REQUIRED)
    elif command.disposition is not None:
        raise CommandError(_K.COMMAND_DISPOSITION_NOT_ALLOWED)
    if new is status:
        raise CommandError(_K.COMMAND_NOTHING_TO_CHANGE, field="state", value=status.value)
    if new not in TRANSITIONS[status]:
        raise CommandError(_K.COMMAND_TRANSITION_NOT_ALLOWED, **{"from": status.value, "to": new.value})


def _check_create(command: Command) -> None:
    rtype = command.resource_type or ""
    if not _RESOURCE_TYPE.fullmatch(rtype):
        raise CommandError(_K.COMMAND_INVALID, what="not-a-resource-type")
    if rtype == "Encounter" and command.encounter is not None:
        raise CommandError(_K.COMMAND_INVALID, what="encounter-for-encounter")
    try:
        body = json.loads(command.body or "")
    except ValueError as exc:
        raise CommandError(_K.COMMAND_INVALID, what="resource-not-json") from exc
    if not isinstance(body, dict) or body.get("resourceType") != rtype:
        raise CommandError(_K.COMMAND_INVALID, what="resource-type-mismatch")


def check_reference(ref: str, rtype: str, what: str) -> None:
    """Raise ``CommandError`` unless ``ref`` is a relative ``rtype/<id>`` reference."""
    match = _REF.fullmatch(ref)
    if match is None or match["type"] != rtype:
        raise CommandError(_K.COMMAND_BAD_REFERENCE, field=what, type=rtype)


def _disposition(value: DepartureReason | str | None) -> DepartureReason | None:
    if value is None or isinstance(value, DepartureReason):
        if value is not None and value not in DISPOSITIONS:
            raise CommandError(_K.COMMAND_UNKNOWN_DISPOSITION, disposition=value.value)
        return value
    text = value.strip()
    if not text:
        return None
    try:
        reason = DepartureReason(text)
    except ValueError:
        reason = None
    if reason is None or reason not in DISPOSITIONS:
        raise CommandError(_K.COMMAND_UNKNOWN_DISPOSITION, disposition=text)
    return reason
