"""Settings: one TOML file, flags override it, bad values are named errors, local triage scales work."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from legevakt.app.settings import Settings, SettingsError, load
from legevakt.worklist.models import AlertKind, Encounter, EncounterStatus
from legevakt.worklist.reconcile import reconcile
from legevakt.worklist.snapshot import Snapshot, WorklistState

LOCAL = """
config_version = 1
triage_scale = "hbv"
poll_seconds = 3

[shifts]
dag = "08:00"
kveld = "16:00"
natt = "00:00"

[triage_scales.hbv]
title_nb = "Lokal skala"
levels = [
  { code = "akutt", colour = "red", name_nb = "Akutt", name_en = "Acute", target_minutes = 0 },
  { code = "snart", colour = "yellow", name_nb = "Snart", name_en = "Soon", target_minutes = 30 },
  { code = "vent", colour = "green", name_nb = "Kan vente", target_minutes = 180 },
]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load(tmp_path / "absent.toml")
    assert settings == Settings()
    assert settings.scale.key == "mts"
    assert settings.language == "nb"


def test_a_local_triage_scale_from_the_file_decides_overdue(tmp_path: Path) -> None:
    settings = load(write(tmp_path, LOCAL))
    scale = settings.scale
    assert scale.key == "hbv" and scale.codes == ("akutt", "snart", "vent")
    assert scale.level("vent") is not None and scale.level("vent").name("en") == "Kan vente"  # type: ignore[union-attr]
    assert [s.start for s in settings.shifts] == [time(0), time(8), time(16)]

    now = datetime.now(UTC)
    enc = Encounter(ref="Encounter/1", version="1", patient_ref="Patient/1", status=EncounterStatus.TRIAGED,
                    arrived_at=now - timedelta(minutes=40), triage="snart")
    result = reconcile(WorklistState(), Snapshot.of(now, list_items=["Encounter/1"], encounters=[enc]), now,
                       settings.reconcile_config())
    overdue = [a for a in result.alerts if a.kind is AlertKind.TRIAGE_OVERDUE]
    assert [(a.severity.value, a.encounter) for a in overdue] == [("warning", "Encounter/1")]


def test_flags_override_the_file(tmp_path: Path) -> None:
    settings = load(write(tmp_path, LOCAL), {"poll_seconds": "7.5", "language": "en", "platform": None})
    assert settings.poll_seconds == 7.5 and settings.language == "en"


@pytest.mark.parametrize(("text", "names"), [
    ("poll_seconds = \"often\"", "poll_seconds"),
    ("colour_scheme = \"dark\"", "colour_scheme"),
    ("language = \"sv\"", "language"),
    ("triage_scale = \"nope\"", "triage_scale"),
    ("location = \"Clinic/1\"", "location"),
    ("config_version = 9", "config_version"),
    ("[shifts]\nday = \"25:00\"", "shifts"),
    ("[triage_scales.mts]\nlevels = []", "built in"),
    ("[triage_scales.x]\nlevels = [{ code = \"a\", name_nb = \"A\" }]", "target_minutes"),
    ("this is not toml", "not valid TOML"),
])
def test_bad_values_are_named_errors(tmp_path: Path, text: str, names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        load(write(tmp_path, text))


def test_secrets_have_no_setting() -> None:
    fields = set(Settings.__dataclass_fields__)
    assert not {f for f in fields if "secret" in f or "password" in f or "token" in f}
