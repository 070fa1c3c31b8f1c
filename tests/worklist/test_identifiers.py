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
