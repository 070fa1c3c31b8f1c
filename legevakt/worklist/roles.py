"""Who may do what: the clinician's role decides which actions the window offers and the app accepts.

Pure Python (no Qt): the window hides or disables what a role may not do, and the app layer refuses the
same action if it is invoked anyway (``RoleRefused``), so the rule lives in one table.

- nurse (Sykepleier): triage, room, nurse, state, notes;
- doctor (Lege): also the doctor assignment, discharge and signing notes;
- shift lead (Vaktleder): all of it, plus resolving any alert and the shift-lead view.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Role(StrEnum):
    NURSE = "nurse"
    DOCTOR = "doctor"
    SHIFT_LEAD = "shift-lead"


class Permission(StrEnum):
    TRIAGE = "triage"
    ROOM = "room"
    NURSE = "nurse"
    STATE = "state"
    NOTES = "notes"
    ACK_ALERT = "ack-alert"
    DOCTOR = "doctor"
    DISCHARGE = "discharge"
    SIGN_NOTES = "sign-notes"
    RESOLVE_ANY_ALERT = "resolve-any-alert"
    SHIFT_LEAD_VIEW = "shift-lead-view"
    CONFIRM_GROUP = "confirm-group"  # a mass departure's drops acknowledged as one group, one comment


_NURSE = frozenset({Permission.TRIAGE, Permission.ROOM, Permission.NURSE, Permission.STATE, Permission.NOTES,
                    Permission.ACK_ALERT})
_DOCTOR = _NURSE | {Permission.DOCTOR, Permission.DISCHARGE, Permission.SIGN_NOTES}
_SHIFT_LEAD = frozenset(Permission)

RULES: dict[Role, frozenset[Permission]] = {Role.NURSE: _NURSE, Role.DOCTOR: _DOCTOR, Role.SHIFT_LEAD: _SHIFT_LEAD}

# The Encounter state that ends the visit with a disposition: setting it is a discharge.
DISCHARGE_STATES = frozenset({"finished"})


class RoleRefused(PermissionError):
    """The signed-in role may not do this (the message names the permission and the roles that may)."""

    def __init__(self, role: Role, permission: Permission) -> None:
        self.role = role
        self.permission = permission
        super().__init__(f"role {role.value} may not {permission.value}; "
                         f"allowed for: {', '.join(r.value for r in roles_allowed(permission))}")


def permits(role: Role, permission: Permission) -> bool:
    return permission in RULES[role]


def roles_allowed(permission: Permission) -> list[Role]:
    """The roles that may, in the order nurse, doctor, shift lead (for a tooltip saying who may)."""
    return [role for role in Role if permission in RULES[role]]


def require(role: Role, permission: Permission) -> None:
    if not permits(role, permission):
        raise RoleRefused(role, permission)


def permission_for_command(kind: str, target: str | None = None) -> Permission:
    """The permission a worklist command needs: ``kind`` is a ``CommandKind`` value; a state change to a
    state that ends the visit is a discharge."""
    simple = {"set-triage": Permission.TRIAGE, "assign-room": Permission.ROOM,
              "assign-nurse": Permission.NURSE, "assign-doctor": Permission.DOCTOR,
              "create": Permission.NOTES, "update": Permission.SIGN_NOTES}
    if kind == "set-state":
        state = (target or "").strip().lower()
        return Permission.DISCHARGE if state in DISCHARGE_STATES else Permission.STATE
    try:
        return simple[kind]
    except KeyError:
        raise ValueError(f"no permission rule for command kind {kind!r}") from None


HPR_RE = re.compile(r"^[0-9]{6,9}$")


def hpr_problem(hpr: str) -> str | None:
    """None for a well-formed HPR number (6 to 9 digits), else a short reason code: 'empty', 'not-digits',
    'length'."""
    value = hpr.strip()
    if not value:
        return "empty"
    if not value.isdigit() or not value.isascii():
        return "not-digits"
    if not HPR_RE.match(value):
        return "length"
    return None
