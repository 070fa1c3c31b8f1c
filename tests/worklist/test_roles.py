"""The role table, written out by hand from issue 9 item 1 (the oracle), checked cell by cell."""

from __future__ import annotations

import pytest

from legevakt.worklist.roles import (
    Permission as P,
)
from legevakt.worklist.roles import (
    Role,
    RoleRefused,
    hpr_problem,
    permission_for_command,
    permits,
    require,
    roles_allowed,
)

NURSE = {P.TRIAGE, P.ROOM, P.NURSE, P.STATE, P.NOTES, P.ACK_ALERT}
DOCTOR = NURSE | {P.DOCTOR, P.DISCHARGE, P.SIGN_NOTES}
SHIFT_LEAD = DOCTOR | {P.RESOLVE_ANY_ALERT, P.SHIFT_LEAD_VIEW, P.CONFIRM_GROUP}  # item 3: the lead confirms a group
TABLE = {Role.NURSE: NURSE, Role.DOCTOR: DOCTOR, Role.SHIFT_LEAD: SHIFT_LEAD}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(P))
def test_each_cell_of_the_role_table(role: Role, permission: P) -> None:
    assert permits(role, permission) is (permission in TABLE[role])


def test_a_nurse_may_not_discharge_assign_a_doctor_sign_or_resolve() -> None:
    for permission in (P.DOCTOR, P.DISCHARGE, P.SIGN_NOTES, P.RESOLVE_ANY_ALERT, P.SHIFT_LEAD_VIEW):
        with pytest.raises(RoleRefused) as refused:
            require(Role.NURSE, permission)
        assert "doctor" in str(refused.value) or "shift-lead" in str(refused.value)


def test_who_may_is_listed_for_the_tooltip() -> None:
    assert roles_allowed(P.DISCHARGE) == [Role.DOCTOR, Role.SHIFT_LEAD]
    assert roles_allowed(P.SHIFT_LEAD_VIEW) == [Role.SHIFT_LEAD]
    assert roles_allowed(P.TRIAGE) == [Role.NURSE, Role.DOCTOR, Role.SHIFT_LEAD]


def test_commands_map_to_permissions_and_finishing_a_visit_is_a_discharge() -> None:
    assert permission_for_command("set-triage") is P.TRIAGE
    assert permission_for_command("assign-room") is P.ROOM
    assert permission_for_command("assign-nurse") is P.NURSE
    assert permission_for_command("assign-doctor") is P.DOCTOR
    assert permission_for_command("set-state", "in-progress") is P.STATE
    assert permission_for_command("set-state", "finished") is P.DISCHARGE
    assert permission_for_command("create") is P.NOTES
    assert permission_for_command("update") is P.SIGN_NOTES
    with pytest.raises(ValueError):
        permission_for_command("launch-missiles")


@pytest.mark.parametrize(("hpr", "problem"), [
    ("1234567", None), ("123456", None), ("123456789", None), (" 1234567 ", None),
    ("", "empty"), ("   ", "empty"), ("12a4567", "not-digits"), ("١٢٣٤٥٦٧", "not-digits"),
    ("12345", "length"), ("1234567890", "length"),
])
def test_hpr_number_format(hpr: str, problem: str | None) -> None:
    assert hpr_problem(hpr) == problem
