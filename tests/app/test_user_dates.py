"""Dates a person gives on the command line are days of the clinic's calendar (Europe/Oslo), never UTC nor
the machine's zone (issue 11: "a date without a time zone is taken as UTC").

``report --shift YYYY-MM-DD:NAME`` and ``census --shift NAME@YYYY-MM-DD`` take a date only; the shift's
wall-clock start is read in the clinic's zone. Oracle: hand-computed offsets (CET +01:00 in winter, CEST
+02:00 in summer) for the default day shift starting 07:00.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from legevakt.app.headless import resolve_shift
from legevakt.app.report import parse_report_shift
from legevakt.app.settings import Settings


@pytest.mark.parametrize(("day", "start_utc"), [
    ("2026-12-03", datetime(2026, 12, 3, 6, 0, tzinfo=UTC)),  # winter: 07:00 +01:00
    ("2026-07-01", datetime(2026, 7, 1, 5, 0, tzinfo=UTC)),  # summer: 07:00 +02:00
])
def test_a_shift_date_is_a_day_in_the_clinics_zone(day: str, start_utc: datetime) -> None:
    settings = Settings()
    name = settings.shifts[0].name
    assert parse_report_shift(settings, f"{day}:{name}").start == start_utc
    assert resolve_shift(settings, f"{name}@{day}").start == start_utc
