"""Norwegian person identifiers: fødselsnummer and D-nummer validation, and masking for display."""

from __future__ import annotations

from datetime import date

from legevakt.nin import control_digits


class InvalidIdentifier(ValueError):
    """The identifier is not a valid fødselsnummer or D-nummer; the message says why."""


def _century(individual: int, yy: int) -> int | None:
    # Skatteetaten's individual-number ranges.
    if individual <= 499:
        return 1900
    if individual <= 749 and yy >= 54:
        return 1800
    if individual <= 999 and yy <= 39:
        return 2000
    if 900 <= individual <= 999 and yy >= 40:
        return 1900
    return None


def birth_date_of(number: str) -> date:
    """The birth date encoded in a fødselsnummer or D-nummer (validated first)."""
    validate_person_number(number)
    return _birth_date(number)


def is_d_number(number: str) -> bool:
    return len(number) == 11 and number[0] in "4567"


def validate_person_number(number: str) -> None:
    """Raise InvalidIdentifier unless ``number`` is a valid fødselsnummer or D-nummer (both mod-11 digits)."""
    if len(number) != 11 or not (number.isascii() and number.isdigit()):
        raise InvalidIdentifier("must be 11 digits")
    control = control_digits(number[:9])
    if control is None or control[0] != number[9]:
        raise InvalidIdentifier("first control digit is wrong")
    if control[1] != number[10]:
        raise InvalidIdentifier("second control digit is wrong")
    _birth_date(number)


def _birth_date(number: str) -> date:
    day = int(number[0:2])
    if day > 40:  # D-nummer: 4 added to the first digit
        day -= 40
    month = int(number[2:4])
    if month > 80:  # synthetic test numbers (Skatteetaten's Tenor) add 80 to the month ...
        month -= 80
    elif month > 40:  # ... and NHN/NAV's synthetic numbers (and H-numbers) add 40
        month -= 40
    yy = int(number[4:6])
    century = _century(int(number[6:9]), yy)
    if century is None:
        raise InvalidIdentifier("individual number does not fit the birth year")
    try:
        return date(century + yy, month, day)
    except ValueError as exc:
        raise InvalidIdentifier("not a real birth date") from exc


def is_valid_person_number(number: str) -> bool:
    try:
        validate_person_number(number)
    except InvalidIdentifier:
        return False
    return True


def mask(number: str) -> str:
    """Show the birth-date part only: ``010190*****``. Never returns the personal digits."""
    if len(number) != 11:
        return "*" * len(number)
    return number[:6] + "*****"
