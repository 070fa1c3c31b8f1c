"""Synthetic Norwegian identities: fødselsnummer / D-nummer, HPR numbers and obviously fake names.

Everything here is driven by a caller-supplied ``random.Random`` so a seeded clinic is reproducible.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from legevakt.nin import control_digits

# Real Norwegian given names; family names are Norwegian-sounding but plainly invented ("Testesen").
MALE_GIVEN = (
    "Ola", "Per", "Nils", "Knut", "Lars", "Bjørn", "Eirik", "Håkon", "Torstein", "Even",
    "Sindre", "Magnus", "Jon", "Arne", "Øyvind", "Sverre", "Trygve", "Ivar",
)  # fmt: skip
FEMALE_GIVEN = (
    "Kari", "Ingrid", "Solveig", "Astrid", "Sigrid", "Ragnhild", "Marit", "Liv", "Gunnhild",
    "Synnøve", "Tone", "Hege", "Åse", "Randi", "Silje", "Ingeborg", "Turid", "Maren",
)  # fmt: skip
FAMILY_STEMS = (
    "Teste", "Prøve", "Fiktiv", "Eksempel", "Demo", "Simul", "Liksom", "Oppdikt", "Tenke",
    "Påtatt", "Kladde", "Skisse", "Forsøk", "Øvings", "Dummy",
)  # fmt: skip
FAMILY_SUFFIXES = (
    "sen", "rud", "stad", "vik", "dal", "haug", "bakken", "berg", "heim", "øy", "vold", "aas", "nes", "lid",
)  # fmt: skip


@dataclass(frozen=True)
class PersonName:
    given: str
    family: str

    @property
    def text(self) -> str:
        return f"{self.given} {self.family}"


@dataclass(frozen=True)
class Person:
    name: PersonName
    nin: str  # the 11-digit fødselsnummer or D-nummer
    d_number: bool
    birth_date: dt.date
    male: bool


def is_valid_nin(nin: str) -> bool:
    """True if ``nin`` is 11 digits with correct mod-11 control digits and a plausible date."""
    if len(nin) != 11 or not nin.isdigit():
        return False
    if control_digits(nin[:9]) != nin[9:]:
        return False
    return birth_date_of(nin) is not None


def is_d_number(nin: str) -> bool:
    return len(nin) == 11 and nin[0] in "4567"


def birth_date_of(nin: str) -> dt.date | None:
    """Decode the birth date from a fødselsnummer or D-nummer (None if it does not decode)."""
    if len(nin) != 11 or not nin.isdigit():
        return None
    day = int(nin[0:2])
    if day > 40:
        day -= 40
    month, yy, individual = int(nin[2:4]), int(nin[4:6]), int(nin[6:9])
    if individual <= 499:
        century = 1900
    elif individual <= 749 and yy >= 54:
        century = 1800
    elif individual >= 900 and yy >= 40:
        century = 1900
    elif yy <= 39:
        century = 2000
    else:
        return None
    try:
        return dt.date(century + yy, month, day)
    except ValueError:
        return None


def is_male(nin: str) -> bool:
    """Digit 9 (the last of the individual number): odd = male."""
    return int(nin[8]) % 2 == 1


def _individual_range(year: int) -> tuple[int, int]:
    if 2000 <= year <= 2039:
        return 500, 999
    if 1940 <= year <= 1999:
        return 0, 499  # 900-999 also valid, keep it simple
    if 1900 <= year <= 1939:
        return 0, 499
    raise ValueError(f"birth year {year} not supported")


def make_nin(rng: random.Random, birth: dt.date, male: bool, d_number: bool = False) -> str:
    """A valid fødselsnummer (or D-nummer) for the given birth date and sex."""
    lo, hi = _individual_range(birth.year)
    while True:
        individual = rng.randint(lo, hi)
        if (individual % 2 == 1) != male:
            individual = individual + 1 if individual < hi else individual - 1
        day = birth.day + (40 if d_number else 0)
        first9 = f"{day:02d}{birth.month:02d}{birth.year % 100:02d}{individual:03d}"
        control = control_digits(first9)
        if control is not None:
            return first9 + control


def make_name(rng: random.Random, male: bool) -> PersonName:
    given = rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
    family = rng.choice(FAMILY_STEMS) + rng.choice(FAMILY_SUFFIXES)
    return PersonName(given, family)


def make_person(rng: random.Random, today: dt.date, d_number_rate: float = 0.07) -> Person:
    """A random synthetic patient aged 0-94."""
    male = rng.random() < 0.5
    d_number = rng.random() < d_number_rate
    while True:
        age_days = rng.randint(30, 94 * 365)
        birth = today - dt.timedelta(days=age_days)
        if birth.year >= 1940:
            break
    return Person(make_name(rng, male), make_nin(rng, birth, male, d_number), d_number, birth, male)


def person_from_nin(rng: random.Random, nin: str, name: str | None = None) -> Person:
    """A synthetic person consistent with a caller-given identifier (name random unless given)."""
    birth = birth_date_of(nin)
    if birth is None or not is_valid_nin(nin):
        raise ValueError("not a valid fødselsnummer or D-nummer")
    male = is_male(nin)
    pname = make_name(rng, male) if name is None else split_name(name)
    return Person(pname, nin, is_d_number(nin), birth, male)


def split_name(text: str) -> PersonName:
    parts = text.strip().split()
    if len(parts) < 2:
        return PersonName(text.strip(), "")
    return PersonName(" ".join(parts[:-1]), parts[-1])


def make_hpr(rng: random.Random) -> str:
    """A synthetic 7-digit HPR number (the register has no check digit)."""
    return str(rng.randint(1_000_000, 9_999_999))
