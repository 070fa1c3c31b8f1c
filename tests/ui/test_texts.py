"""The short texts of the queue's cells (legevakt.ui.texts), in the bokmål window."""

from __future__ import annotations

from datetime import date

from legevakt.ui import texts
from tests.ui.conftest import make_entry


def test_an_infant_s_age_is_in_months_or_days_never_zero_years() -> None:
    today = date(2025, 3, 14)
    assert texts.age_sex(make_entry(1, born=date(2024, 9, 10), gender="male"), today) == "6 mnd M"
    assert texts.age_sex(make_entry(2, born=date(2025, 3, 4), gender="female"), today) == "10 d K"
    assert texts.age_sex(make_entry(3, born=date(2023, 3, 15)), today) == "23 mnd K"  # a day short of two
    assert texts.age_sex(make_entry(4, born=date(2023, 3, 14)), today) == "2 K"
    assert texts.age_sex(make_entry(5, born=date(1987, 5, 17)), today) == "37 K"
