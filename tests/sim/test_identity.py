from __future__ import annotations

import datetime as dt
import random

import pytest

from legevakt import codes
from legevakt.sim import SimServer
from legevakt.sim.identity import (
    FAMILY_STEMS,
    birth_date_of,
    is_d_number,
    is_male,
    is_valid_nin,
    make_nin,
    make_person,
)

K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def independent_mod11(nin: str) -> bool:
    """Control digits checked from scratch, without the generator's helper."""
    d = [int(c) for c in nin]
    k1 = 11 - sum(w * x for w, x in zip(K1, d[:9], strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    k2 = 11 - sum(w * x for w, x in zip(K2, d[:10], strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    return k1 < 10 and k2 < 10 and d[9] == k1 and d[10] == k2


def test_invalid_numbers_are_rejected() -> None:
    assert not is_valid_nin("12345678901")
    assert not is_valid_nin("1234567890")
    assert not is_valid_nin("abcdefghijk")
    nin = make_nin(random.Random(5), dt.date(1980, 5, 17), male=True)
    assert is_valid_nin(nin)
    for i in range(11):  # any single changed digit breaks a control digit (or the date)
        broken = nin[:i] + str((int(nin[i]) + 1) % 10) + nin[i + 1 :]
        assert not independent_mod11(broken)
        assert not is_valid_nin(broken)


def test_generated_numbers_pass_mod11_and_decode() -> None:
    rng = random.Random(3)
    today = dt.date(2025, 6, 1)
    d_numbers = 0
    for _ in range(2000):
        p = make_person(rng, today, d_number_rate=0.3)
        assert independent_mod11(p.nin), p.nin
        assert is_valid_nin(p.nin)
        assert birth_date_of(p.nin) == p.birth_date
        assert is_male(p.nin) == p.male
        assert is_d_number(p.nin) == p.d_number
        if p.d_number:
            d_numbers += 1
            assert int(p.nin[0]) >= 4
        assert p.name.family.startswith(FAMILY_STEMS)
    assert 400 < d_numbers < 800


@pytest.mark.parametrize(
    "birth", [dt.date(1944, 2, 29), dt.date(1999, 12, 31), dt.date(2000, 1, 1), dt.date(2024, 7, 9)]
)
def test_make_nin_round_trips_century(birth: dt.date) -> None:
    rng = random.Random(1)
    for male in (True, False):
        nin = make_nin(rng, birth, male)
        assert birth_date_of(nin) == birth
        assert is_male(nin) == male
        dnr = make_nin(rng, birth, male, d_number=True)
        assert int(dnr[0]) == int(nin[0]) + 4
        assert birth_date_of(dnr) == birth


def test_clinic_patients_are_consistent(sim: SimServer) -> None:
    patients = list(sim.store.live("Patient"))
    assert len(patients) >= 18
    for p in patients:
        ident = p["identifier"][0]
        assert ident["system"] in (codes.FNR_SYSTEM, codes.DNR_SYSTEM)
        nin = ident["value"]
        assert independent_mod11(nin)
        assert (ident["system"] == codes.DNR_SYSTEM) == is_d_number(nin)
        assert p["birthDate"] == birth_date_of(nin).isoformat()  # type: ignore[union-attr]
        assert p["gender"] == ("male" if int(nin[8]) % 2 else "female")
        assert p["name"][0]["family"].startswith(FAMILY_STEMS)
