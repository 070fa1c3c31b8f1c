"""A date-time without a time zone from the platform is invalid, not UTC (issue 11).

FHIR R4 (datatypes, dateTime and instant): "If hours and minutes are specified, a time zone SHALL be
populated". A platform that sends its local wall time without the offset (``2026-12-03T08:00:00``, meant
as Oslo time) used to be read as UTC: the visit was filed an hour off in winter, two in summer. Now the
value is refused as malformed: the snapshot is incomplete and says why, and the patient keeps the arrival
last read correctly (nothing inferred from the bad answer). A bare date stays legal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from legevakt.cli import main
from legevakt.sim import SimServer
from legevakt.sync.errors import MalformedResponse
from legevakt.sync.mapping import parse_instant

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize("value", ["2026-12-03T08:00:00", "2026-12-03T08:00:00.123", "2026-07-01T23:59"])
def test_a_time_without_a_zone_is_refused(value: str) -> None:
    with pytest.raises(MalformedResponse, match="without a time zone"):
        parse_instant(value, "period.start")


@pytest.mark.parametrize(("value", "instant"), [
    ("2026-12-03T08:00:00+01:00", datetime(2026, 12, 3, 7, 0, tzinfo=UTC)),
    ("2026-12-03T07:00:00Z", datetime(2026, 12, 3, 7, 0, tzinfo=UTC)),
    ("2026-12-03", datetime(2026, 12, 3, 0, 0, tzinfo=UTC)),  # a bare date is a legal dateTime
])
def test_a_zoned_time_or_a_bare_date_is_read(value: str, instant: datetime) -> None:
    assert parse_instant(value, "period.start") == instant


def test_a_local_wall_time_from_the_platform_never_files_the_visit_an_hour_off(
        make_sim: Callable[..., SimServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sim = make_sim(seed=3, initial_patients=6)
    args = ["sync", "--once", "--json", "--platform", sim.base_url, "--location", sim.clinic_ref,
            "--data-dir", str(tmp_path / "data")]

    def sync() -> dict:  # type: ignore[type-arg]
        assert main(args) == 0
        return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]

    first = sync()
    victim = sorted(sim.clinic.list_items())[0]
    encounter = sim.clinic.store.read_copy(victim)
    assert encounter is not None
    arrived = parse_instant(encounter["period"]["start"], "period.start")  # the truth, with its zone
    wall = arrived.astimezone(OSLO).replace(tzinfo=None).isoformat()  # what a zone-less platform would send
    encounter["period"]["start"] = wall
    sim.clinic.store.update(encounter)

    second = sync()
    assert second["complete"] is False
    assert second["problems"]  # says why
    row = next(r for r in second["queue"] if r["encounter"] == victim)
    assert datetime.fromisoformat(row["arrived"]) == arrived  # not an hour later
    assert row["fate"] == "present"
    assert [a["kind"] for a in second["alerts"] if a["encounter"] == victim] == [
        a["kind"] for a in first["alerts"] if a["encounter"] == victim]  # no alert from the bad answer
