"""Norwegian person identifiers: fødselsnummer and D-nummer validation, and masking for display."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from legevakt.codes import DNR_SYSTEM, FHN_SYSTEM, FNR_SYSTEM
from legevakt.nin import control_digits, has_valid_control_digits


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


# -- flagging what the platform sends (issue 11) -----------------------------------------------------------
class IdentifierIssue(StrEnum):
    """Why a patient's national identifier from the platform is not to be trusted (shown as a flag on the
    patient, never a reason to drop or hide them)."""

    BAD_FORMAT = "bad-format"  # not 11 digits
    BAD_CHECKSUM = "bad-checksum"  # the mod-11 control digits are wrong (a typo, a made-up number)
    BAD_DATE = "bad-date"  # a fødselsnummer or D-nummer whose birth date or century cannot be
    WRONG_SYSTEM = "wrong-system"  # e.g. a D-nummer (first digit 4-7) sent as a fødselsnummer


def is_fh_number(number: str) -> bool:
    """A felles hjelpenummer: 11 digits, the first 8 or 9 (no birth date in it)."""
    return len(number) == 11 and number[0] in "89"


def identifier_issue(system: str | None, number: str | None) -> IdentifierIssue | None:
    """What is wrong with ``number`` as an identifier of ``system`` (fødselsnummer, D-nummer or felles
    hjelpenummer), or None when it is valid or of another system (not ours to judge).

    All three carry the same two mod-11 control digits (``legevakt.nin``); a fødselsnummer and a D-nummer
    also a birth date (the synthetic +40/+80 month offsets of test numbers are accepted), a hjelpenummer
    none. The form decides the kind (first digit 0-3, 4-7, 8-9) and must agree with ``system``."""
    if number is None or system not in (FNR_SYSTEM, DNR_SYSTEM, FHN_SYSTEM):
        return None
    if len(number) != 11 or not (number.isascii() and number.isdigit()):
        return IdentifierIssue.BAD_FORMAT
    if not has_valid_control_digits(number):
        return IdentifierIssue.BAD_CHECKSUM
    form = FHN_SYSTEM if is_fh_number(number) else DNR_SYSTEM if is_d_number(number) else FNR_SYSTEM
    if form != system:
        return IdentifierIssue.WRONG_SYSTEM
    if form != FHN_SYSTEM:
        try:
            _birth_date(number)
        except InvalidIdentifier:
            return IdentifierIssue.BAD_DATE
    return None
