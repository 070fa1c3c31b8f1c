"""Fødselsnummer and D-nummer: validation by the two mod-11 control digits, and masking for display."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legevakt.worklist.identifiers import (
    InvalidIdentifier,
    birth_date_of,
    is_d_number,
    is_valid_person_number,
    mask,
    validate_person_number,
)
from tests.worklist.support import fnr, some_fnr

# Computed with the published weights (tests/worklist/support.fnr), not with the module under test.
VALID = {
    some_fnr(1, 1, 90): date(1990, 1, 1),  # individual 000-499: 1900-1999
    some_fnr(29, 2, 0, 500): date(2000, 2, 29),  # 500-999 with year 00-39: 2000-2039
    some_fnr(17, 5, 99, 900): date(1999, 5, 17),  # 900-999 with year 40-99: 1940-1999
    some_fnr(31, 12, 60, 500): date(1860, 12, 31),  # 500-749 with year 54-99: 1854-1899
    some_fnr(1 + 40, 7, 85): date(1985, 7, 1),  # D-nummer: 4 added to the first digit
    some_fnr(15, 3 + 40, 92): date(1992, 3, 15),  # synthetic (NHN/NAV): 40 added to the month
    some_fnr(15, 3 + 80, 92): date(1992, 3, 15),  # synthetic (Skatteetaten's Tenor): 80 added to the month
}


@pytest.mark.parametrize(("number", "born"), VALID.items())
def test_valid_numbers_and_their_birth_dates(number: str, born: date) -> None:
    validate_person_number(number)
    assert is_valid_person_number(number) and birth_date_of(number) == born


def test_d_nummer_is_recognised() -> None:
    d_number = some_fnr(41, 7, 85)
    assert is_d_number(d_number) and not is_d_number(some_fnr(1, 7, 85))


def _with_digit(number: str, index: int, digit: int) -> str:
    return number[:index] + str(digit) + number[index + 1:]


def test_a_wrong_control_digit_is_refused() -> None:
    number = some_fnr(1, 1, 90)
    for index, message in ((9, "first control"), (10, "second control")):
        wrong = _with_digit(number, index, (int(number[index]) + 1) % 10)
        with pytest.raises(InvalidIdentifier, match=message):
            validate_person_number(wrong)


@pytest.mark.parametrize("number", ["", "0101909", "010190123456", "0101901234a", "01019O12345",
                                    "٠١٠١٩٠١٢٣٤٥", " 0101901234"])
def test_anything_but_eleven_ascii_digits_is_refused(number: str) -> None:
    with pytest.raises(InvalidIdentifier, match="11 digits"):
        validate_person_number(number)
    assert not is_valid_person_number(number)


def test_an_impossible_date_is_refused_even_with_right_control_digits() -> None:
    for day, month, yy, individual in ((31, 2, 90, 100), (0, 1, 90, 100), (32, 1, 90, 100), (1, 13, 90, 100)):
        number = some_fnr(day, month, yy, individual)
        with pytest.raises(InvalidIdentifier, match="birth date"):
            validate_person_number(number)


def test_an_individual_number_that_does_not_fit_the_year_is_refused() -> None:
    number = some_fnr(1, 1, 45, 600)  # 500-749 is 1854-1899 or 2000-2039: never '45
    with pytest.raises(InvalidIdentifier, match="individual number"):
        validate_person_number(number)


def test_numbers_without_a_possible_control_digit_exist_and_are_all_refused() -> None:
    impossible = [f"010190{ind:03d}" for ind in range(100, 200) if fnr(1, 1, 90, ind) is None]
    assert impossible
    for body in impossible:
        assert not any(is_valid_person_number(f"{body}{k:02d}") for k in range(100))


def test_mask_shows_the_birth_date_part_only() -> None:
    number = some_fnr(1, 1, 90)
    assert mask(number) == number[:6] + "*****"
    assert mask("12345") == "*****"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789 -", min_size=0, max_size=14))
def test_mask_never_reveals_the_personal_digits(number: str) -> None:
    shown = mask(number)
    assert len(shown) == len(number)
    hidden = shown[6:] if len(number) == 11 else shown
    assert set(hidden) <= {"*"}


# -- flagging the platform's identifiers (issue 11) ------------------------------------------------------
from stdnum import exceptions as stdnum_errors  # noqa: E402
from stdnum.no import fodselsnummer  # noqa: E402

from legevakt.codes import DNR_SYSTEM, FHN_SYSTEM, FNR_SYSTEM  # noqa: E402
from legevakt.worklist.identifiers import IdentifierIssue, identifier_issue  # noqa: E402


def _system_of_form(number: str) -> str:
    return FHN_SYSTEM if number[0] in "89" else DNR_SYSTEM if number[0] in "4567" else FNR_SYSTEM


@settings(max_examples=2000)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_a_bad_checksum_is_flagged_exactly_when_stdnum_says_so(number: str) -> None:
    """Oracle: python-stdnum's ``stdnum.no.fodselsnummer.validate`` (its InvalidChecksum), for every kind:
    fødselsnummer, D-nummer and felles hjelpenummer carry the same control digits."""
    try:
        fodselsnummer.validate(number)
        stdnum_checksum_ok = True
    except stdnum_errors.InvalidChecksum:
        stdnum_checksum_ok = False
    except stdnum_errors.ValidationError:  # a date or century problem, after the checksum passed
        stdnum_checksum_ok = True
    issue = identifier_issue(_system_of_form(number), number)
    assert (issue is IdentifierIssue.BAD_CHECKSUM) is (not stdnum_checksum_ok)


def _fh_number(first9: str) -> str:
    from legevakt.nin import control_digits
    for last in range(10):
        base = first9[:8] + str(last)
        control = control_digits(base)
        if control is not None:
            return base + control
    raise AssertionError("no FH-number with this start")


def test_valid_numbers_of_each_kind_are_not_flagged() -> None:
    fnr_ = some_fnr(17, 5, 80)
    dnr = some_fnr(17 + 40, 5, 80)
    fh = _fh_number("812345678")
    assert fodselsnummer.is_valid(fnr_) and fodselsnummer.is_valid(dnr)  # stdnum agrees they are valid
    assert identifier_issue(FNR_SYSTEM, fnr_) is None
    assert identifier_issue(DNR_SYSTEM, dnr) is None
    assert identifier_issue(FHN_SYSTEM, fh) is None
    assert identifier_issue(FNR_SYSTEM, some_fnr(15, 3 + 80, 92)) is None  # a Tenor test number


def test_each_kind_of_bad_identifier_has_its_flag() -> None:
    good = some_fnr(17, 5, 80)
    bad_checksum = good[:10] + str((int(good[10]) + 1) % 10)
    assert identifier_issue(FNR_SYSTEM, bad_checksum) is IdentifierIssue.BAD_CHECKSUM
    assert identifier_issue(FNR_SYSTEM, "15108695077") is IdentifierIssue.BAD_CHECKSUM  # stdnum's own example
    assert identifier_issue(FNR_SYSTEM, good[:10]) is IdentifierIssue.BAD_FORMAT
    assert identifier_issue(FNR_SYSTEM, good[:10] + "x") is IdentifierIssue.BAD_FORMAT
    assert identifier_issue(FNR_SYSTEM, some_fnr(17 + 40, 5, 80)) is IdentifierIssue.WRONG_SYSTEM  # a D-nummer
    assert identifier_issue(DNR_SYSTEM, good) is IdentifierIssue.WRONG_SYSTEM
    assert identifier_issue(FHN_SYSTEM, good) is IdentifierIssue.WRONG_SYSTEM
    fh = _fh_number("912345678")
    assert identifier_issue(FHN_SYSTEM, fh[:10] + str((int(fh[10]) + 1) % 10)) is IdentifierIssue.BAD_CHECKSUM
    no_date = next(n for i in range(100, 200) if (n := fnr(31, 2, 90, i)) is not None)  # 31 February
    assert identifier_issue(FNR_SYSTEM, no_date) is IdentifierIssue.BAD_DATE
    assert identifier_issue("urn:oid:2.16.578.1.12.4.1.4.4", "123") is None  # not a person number: not judged
    assert identifier_issue(FNR_SYSTEM, None) is None
