"""decide_write: the outbox's ours/base/theirs choice, against hand-written cases and a diff3 oracle."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from legevakt.worklist.write_decision import WriteAction, decide_write

values = st.one_of(st.none(), st.sampled_from(["ROD", "ORANSJE", "GUL", "GRONN", "BLA", "Location/r1"]))


def test_theirs_unchanged_from_base_applies_ours() -> None:
    assert decide_write("ROD", "GUL", "GUL").action is WriteAction.SEND


def test_theirs_changed_the_same_field_differently_is_a_conflict() -> None:
    decision = decide_write("ROD", "GUL", "GRONN")
    assert (decision.action, decision.ours, decision.theirs) == (WriteAction.CONFLICT, "ROD", "GRONN")


def test_theirs_already_equal_to_ours_sends_nothing() -> None:
    assert decide_write("ROD", "GUL", "ROD").action is WriteAction.NOTHING_TO_SEND


def test_a_field_cleared_on_the_platform_is_a_conflict_and_an_unset_base_still_sends() -> None:
    assert decide_write("ROD", "GUL", None).action is WriteAction.CONFLICT
    assert decide_write("Location/r1", None, None).action is WriteAction.SEND


def _diff3(base: str | None, ours: str | None, theirs: str | None) -> str | type[Exception] | None:
    """The classic three-way merge of one value: Exception stands for a conflict."""
    if ours == theirs:
        return ours
    if theirs == base:
        return ours
    if ours == base:
        return theirs
    return Exception


@given(ours=values, base=values, theirs=values)
def test_the_decision_follows_a_three_way_merge(ours: str | None, base: str | None, theirs: str | None) -> None:
    assume(ours != base)  # commands.check refuses a command that changes nothing
    merged = _diff3(base, ours, theirs)
    decision = decide_write(ours, base, theirs)
    if merged is Exception:
        assert decision.action is WriteAction.CONFLICT
    elif merged == theirs:
        assert decision.action is WriteAction.NOTHING_TO_SEND
    else:
        assert merged == ours and decision.action is WriteAction.SEND
    assert (decision.ours, decision.base, decision.theirs) == (ours, base, theirs)


@given(ours=values, theirs=values)
def test_a_command_whose_base_is_its_own_value_never_overwrites_someone_else(ours: str | None,
                                                                             theirs: str | None) -> None:
    assert decide_write(ours, ours, theirs).action is (
        WriteAction.NOTHING_TO_SEND if theirs == ours else WriteAction.CONFLICT)
