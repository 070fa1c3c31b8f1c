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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from legevakt.app import clinic_time
from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.cli import main
from legevakt.sim import SimServer
from legevakt.sync.errors import MalformedResponse
from legevakt.sync.mapping import encounter_from_fhir, parse_instant
from legevakt.worklist.triage import MTS

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize("value", ["2026-12-03T08:00:00", "2026-12-03T08:00:00.123", "2026-07-01T23:59"])
def test_a_time_without_a_zone_is_refused(value: str) -> None:
    with pytest.raises(MalformedResponse, match="without a time zone"):
        parse_instant(value, "period.start")


@pytest.mark.parametrize(("value", "instant"), [
    ("2026-12-03T08:00:00+01:00", datetime(2026, 12, 3, 7, 0, tzinfo=UTC)),
    ("2026-12-03T07:00:00Z", datetime(2026, 12, 3, 7, 0, tzinfo=UTC)),
    ("2026-12-03", datetime(2026, 12, 2, 23, 0, tzinfo=UTC)),  # a bare date: the clinic's midnight (Oslo)
])
def test_a_zoned_time_or_a_bare_date_is_read(value: str, instant: datetime) -> None:
    assert parse_instant(value, "period.start") == instant


# -- a bare date (legal R4 dateTime) is midnight where the clinic is, not in UTC ----------------------------

@pytest.mark.parametrize(("value", "zone", "instant"), [
    ("2026-12-03", "Europe/Oslo", datetime(2026, 12, 2, 23, 0, tzinfo=UTC)),  # winter: UTC+1
    ("2026-07-01", "Europe/Oslo", datetime(2026, 6, 30, 22, 0, tzinfo=UTC)),  # summer: UTC+2
    ("2026-12-03", "America/New_York", datetime(2026, 12, 3, 5, 0, tzinfo=UTC)),  # the setting, not Oslo
    ("2026-12-03", "UTC", datetime(2026, 12, 3, 0, 0, tzinfo=UTC)),
])
def test_a_bare_date_is_midnight_in_the_clinics_time_zone(value: str, zone: str, instant: datetime) -> None:
    read = parse_instant(value, "period.start", zone=ZoneInfo(zone))
    assert read == instant
    assert read.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == datetime.fromisoformat(value)  # its midnight
    assert read.utcoffset() == timedelta(0)  # handed out in UTC: no wall-clock arithmetic on a ZoneInfo value


def test_an_arrival_given_as_a_bare_date_is_the_clinics_midnight_and_a_month_or_year_is_no_arrival() -> None:
    def arrival(start: str, zone: str = "Europe/Oslo") -> datetime | None:
        enc = {"resourceType": "Encounter", "id": "e1", "meta": {"versionId": "1"}, "status": "arrived",
               "period": {"start": start}}
        return encounter_from_fhir(enc, clinic_ref="Location/lv", scale=MTS, zone=ZoneInfo(zone)).arrived_at

    assert arrival("2026-12-03") == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
    assert arrival("2026-12-03", "Asia/Tokyo") == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    assert arrival("2026-12") is None  # partial: no moment in it (see _optional_moment), not the 1st at 00:00
    assert arrival("2026") is None
    with pytest.raises(MalformedResponse):
        arrival("2026-02-30")  # no such day
    with pytest.raises(MalformedResponse, match="not a date-time"):
        arrival("2026-12-03 08:00")  # a time without a zone, and not even R4's shape


def test_the_runtime_reads_a_bare_arrival_date_in_the_configured_time_zone(
        make_sim: Callable[..., SimServer], tmp_path: Path) -> None:
    sim = make_sim(seed=3, initial_patients=4)
    victim = sorted(sim.clinic.list_items())[0]
    encounter = sim.clinic.store.read_copy(victim)
    assert encounter is not None
    encounter["period"]["start"] = "2026-12-03"
    sim.clinic.store.update(encounter)
    runtime = Runtime.open(Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path),
                                    time_zone="America/New_York"))
    try:
        assert runtime.engine.cycle().complete
        arrived = runtime.engine.state.entries[victim].encounter.arrived_at
    finally:
        runtime.close()
        clinic_time.set_zone(None)
    assert arrived == datetime(2026, 12, 3, 5, 0, tzinfo=UTC)  # New York's midnight, not Oslo's nor UTC's


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
