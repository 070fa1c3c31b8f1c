"""The one mod-11 check (legevakt.nin) agrees with python-stdnum's independent implementation."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.no import fodselsnummer

from legevakt.nin import control_digits, has_valid_control_digits

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@settings(max_examples=3000)
@given(nine_digits)
def test_control_digits_match_stdnum(first9: str) -> None:
    expected = fodselsnummer.calc_check_digit1(first9)
    if expected == "10":  # stdnum's way of saying no first control digit exists
        assert control_digits(first9) is None
        return
    k2 = fodselsnummer.calc_check_digit2(first9 + expected)
    if k2 == "10":
        assert control_digits(first9) is None
    else:
        assert control_digits(first9) == expected + k2


@settings(max_examples=3000)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_any_eleven_digits_valid_exactly_when_stdnum_checksum_agrees(number: str) -> None:
    stdnum_ok = (fodselsnummer.calc_check_digit1(number[:9]) == number[9]
                 and fodselsnummer.calc_check_digit2(number[:10]) == number[10])
    assert has_valid_control_digits(number) is stdnum_ok


def test_a_published_example() -> None:
    # stdnum's own doctest number, hand-checked: 15108695088 is valid, one digit off is not.
    assert has_valid_control_digits("15108695088")
    assert not has_valid_control_digits("15108695077")
    assert not has_valid_control_digits("1510869508")
    assert not has_valid_control_digits("１５108695088")
