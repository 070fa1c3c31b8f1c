"""Settings: one TOML file, flags override it, bad values are named errors, local triage scales work."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from legevakt.app import settings as settings_module
from legevakt.app.settings import (
    CONFIG_VERSION,
    SETTINGS,
    UPGRADES,
    Settings,
    SettingsError,
    Upgrade,
    load,
    reference,
    save,
    upgrade,
    validate,
)
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
    ("poll_seconds = \"often\"", "setting 'poll_seconds' must be a number, got 'often'"),
    ("colour_scheme = \"dark\"", "colour_scheme"),
    ("language = \"sv\"", "language"),
    ("triage_scale = \"nope\"", "triage_scale"),
    ("location = \"Clinic/1\"", "location"),
    ("config_version = 9", "config_version 9 is newer"),
    ("config_version = \"1\"", "'config_version' must be a whole number"),
    ("pol_seconds = 3", "unknown setting 'pol_seconds' \\(did you mean 'poll_seconds'\\?\\)"),
    ("verify_tsl = false", "did you mean 'verify_tls'"),
    ("poll_seconds = 0", "setting 'poll_seconds' must be positive, got 0.0"),
    ("poll_seconds = nan", "setting 'poll_seconds' must be a number, got nan"),
    ("push = \"maybe\"", "setting 'push' must be true or false, got 'maybe'"),
    ("full_snapshot_every = 1.5", "setting 'full_snapshot_every' must be a whole number, got 1.5"),
    ("mass_departure_share = 1.5", "setting 'mass_departure_share' must be between 0 and 1"),
    ("platform = 42", "setting 'platform' must be text, got 42"),
    ("platform = \"ftp://x\"", "setting 'platform' must be an http"),
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


def test_a_bad_value_names_the_file_and_the_setting(tmp_path: Path) -> None:
    path = write(tmp_path, "config_version = 1\npoll_seconds = \"often\"\n")
    with pytest.raises(SettingsError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: setting 'poll_seconds' must be a number, got 'often'"


def test_a_bad_flag_names_the_command_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^command line: setting 'poll_seconds' must be a number, got 'soon'$"):
        load(tmp_path / "absent.toml", {"poll_seconds": "soon"})
    with pytest.raises(SettingsError, match=r"unknown setting 'pol_seconds' .did you mean 'poll_seconds'"):
        load(tmp_path / "absent.toml", {"pol_seconds": "3"})


# -- versioned upgrades -----------------------------------------------------------------------------

#: A config.toml as the first release wrote it: no config_version, and no 'push' (added later).
VERSION_0 = """
platform = "https://fhir.example.no/r4"
location = "Location/lv-bergen"
poll_seconds = 3
verify_tls = false
not_triaged_minutes = 20

[shifts]
dag = "08:00"
natt = "20:00"
"""


def test_an_old_config_without_a_version_is_upgraded_not_rejected(tmp_path: Path) -> None:
    assert CONFIG_VERSION == 1
    # Its verify_tls = false for a platform on another machine now needs the setting that says so (issue 11).
    with pytest.raises(SettingsError, match="allow_unverified_tls_outside_loopback"):
        load(write(tmp_path, VERSION_0))
    knowingly = {"allow_unverified_tls_outside_loopback": "true"}
    settings = load(write(tmp_path, VERSION_0), knowingly)
    assert (settings.platform, settings.location, settings.poll_seconds, settings.verify_tls,
            settings.not_triaged_minutes) == ("https://fhir.example.no/r4", "Location/lv-bergen", 3.0, False, 20)
    assert [(s.name, s.start) for s in settings.shifts] == [("dag", time(8)), ("natt", time(20))]
    assert settings.push is True  # the setting that version 0 did not have: its default
    assert settings == load(write(tmp_path, "config_version = 1\n" + VERSION_0), knowingly)
    values, found = upgrade(tomllib.loads(VERSION_0))
    assert found == 0 and "config_version" not in values


def test_renamed_keys_are_carried_over_step_by_step() -> None:
    """The upgrade machinery with a hypothetical version 2 that renamed two keys."""
    v2 = Upgrade(2, "poll interval renamed", renames={"poll_interval": "poll_seconds", "tls": "verify_tls"})
    chain = (*UPGRADES, v2)
    assert upgrade({"config_version": 1, "poll_interval": 3, "tls": False}, upgrades=chain, current=2) == \
        ({"poll_seconds": 3, "verify_tls": False}, 1)
    assert upgrade({"poll_interval": 3}, upgrades=chain, current=2) == ({"poll_seconds": 3}, 0)
    assert upgrade({"config_version": 2, "poll_seconds": 4}, upgrades=chain, current=2) == ({"poll_seconds": 4}, 2)
    # A version-2 file is not upgraded again: an old name there is simply unknown (load reports it).
    assert upgrade({"config_version": 2, "poll_interval": 4}, upgrades=chain, current=2) == \
        ({"poll_interval": 4}, 2)
    with pytest.raises(SettingsError, match=r"'poll_interval' was renamed 'poll_seconds'.*keep only 'poll_seconds'"):
        upgrade({"config_version": 1, "poll_interval": 3, "poll_seconds": 4}, upgrades=chain, current=2)
    with pytest.raises(SettingsError, match="no upgrade from config_version 2 to 3"):
        upgrade({"config_version": 1}, upgrades=chain, current=3)


def test_a_transform_step_can_change_values() -> None:
    def to_seconds(values: dict[str, object]) -> dict[str, object]:
        values = dict(values)
        if "poll_minutes" in values:
            values["poll_seconds"] = int(values.pop("poll_minutes")) * 60  # type: ignore[call-overload]
        return values

    minutes = Upgrade(2, "poll in minutes became seconds", transform=to_seconds)
    assert upgrade({"config_version": 1, "poll_minutes": 2}, upgrades=(*UPGRADES, minutes), current=2) == \
        ({"poll_seconds": 120}, 1)


# -- declared once: the table ---------------------------------------------------------------------------

def test_every_setting_has_a_default_a_doc_and_a_type_the_parser_knows() -> None:
    assert [s.name for s in SETTINGS] == [f.name for f in dataclasses.fields(Settings)]
    for info in SETTINGS:
        assert info.title.strip(), f"{info.name} has no title"
        assert info.kind, info.name
        default = info.default
        assert default is not None, f"{info.name} has no default"
        assert info.problem(default) is None, f"{info.name}: its default fails its own check"
        assert getattr(Settings(), info.name) == default
    assert validate(Settings()) == Settings()
    simple = {s.key: s.kind for s in SETTINGS if not s.is_table}
    assert simple["poll_seconds"] == "a number" and simple["push"] == "true or false"
    assert simple["full_snapshot_every"] == "a whole number" and simple["platform"] == "text"
    assert {s.key for s in SETTINGS if s.is_table} == {"shifts", "triage_scales"}


def test_each_setting_is_declared_once_in_the_source() -> None:
    """README: "Settings are declared once in legevakt/app/settings.py" (no second table of types)."""
    source = Path(settings_module.__file__).read_text(encoding="utf-8")
    for info in SETTINGS:
        declarations = re.findall(rf"^\s+{info.name}: .*= setting\(", source, flags=re.MULTILINE)
        assert len(declarations) == 1, info.name
        typed_again = re.findall(rf"[\"']{info.name}[\"']\s*:\s*(?:str|int|float|bool)\b", source)
        assert typed_again == [], f"{info.name} typed a second time"


def test_the_reference_documents_every_setting_and_reads_back_as_the_defaults(tmp_path: Path) -> None:
    text = reference()
    for info in SETTINGS:
        assert info.key in text and info.title in text, info.name
    assert tomllib.loads(text)["config_version"] == CONFIG_VERSION
    assert load(write(tmp_path, text)) == Settings()


def test_the_reference_of_a_local_configuration_reads_back_the_same(tmp_path: Path) -> None:
    local = load(write(tmp_path, LOCAL))
    again = load(write(tmp_path, reference(local)))
    assert again == local
    assert again.scale.codes == ("akutt", "snart", "vent") and again.poll_seconds == 3.0


# -- where secrets may go (issue 11) ------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://fhir.example.no/r4", "HTTP://fhir.example.no:8080/r4", "http://192.0.2.2/fhir",
                                 "http://127.0.0.1.nip.io/fhir", "http://localhost.evil.example/fhir"])
@pytest.mark.parametrize("key", ["platform", "oauth_endpoint"])
def test_plain_http_to_another_machine_is_refused(tmp_path: Path, key: str, url: str) -> None:
    with pytest.raises(SettingsError, match=rf"setting '{key}' must use https://.*only for this machine"):
        load(write(tmp_path, f"{key} = \"{url}\"\n"))
    with pytest.raises(SettingsError, match="must use https://"):
        load(tmp_path / "absent.toml", {key: url})  # a flag too


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/fhir", "http://127.3.2.1/fhir", "http://localhost:1/fhir",
                                 "http://[::1]:8080/fhir", "https://fhir.example.no/r4"])
def test_plain_http_is_fine_to_this_machine_and_https_anywhere(tmp_path: Path, url: str) -> None:
    assert load(write(tmp_path, f"platform = \"{url}\"\noauth_endpoint = \"{url}/token\"\n")).platform == url


def test_unverified_tls_to_another_machine_needs_the_setting_that_says_so(tmp_path: Path) -> None:
    remote = "platform = \"https://fhir.example.no/r4\"\nverify_tls = false\n"
    with pytest.raises(SettingsError) as caught:
        load(write(tmp_path, remote))
    message = str(caught.value)
    assert "'verify_tls' = false is refused" in message and "https://fhir.example.no:443" in message
    assert "allow_unverified_tls_outside_loopback = true" in message
    knowingly = load(write(tmp_path, remote + "allow_unverified_tls_outside_loopback = true\n"))
    assert not knowingly.verify_tls and settings_module.tls_unverified(knowingly)
    # A token endpoint on another machine counts too; this machine needs no permission.
    with pytest.raises(SettingsError, match=re.escape("oauth_endpoint https://login.example.no:443")):
        load(write(tmp_path, "platform = \"https://127.0.0.1:8443/fhir\"\n"
                             "oauth_endpoint = \"https://login.example.no/token\"\nverify_tls = false\n"))
    local = load(write(tmp_path, "platform = \"https://localhost:8443/fhir\"\nverify_tls = false\n"))
    assert settings_module.tls_unverified(local)
    assert not settings_module.tls_unverified(load(write(tmp_path, "platform = \"https://fhir.example.no/r4\"\n")))
    plain = load(write(tmp_path, "platform = \"http://127.0.0.1:8080/fhir\"\nverify_tls = false\n"))
    assert not settings_module.tls_unverified(plain)  # no TLS at all: nothing unverified to show
    assert Settings().allow_unverified_tls_outside_loopback is False


# -- time_zone ---------------------------------------------------------------------------------------

def test_the_time_zone_defaults_to_oslo_and_takes_an_iana_name(tmp_path: Path) -> None:
    assert load(tmp_path / "absent.toml").time_zone == "Europe/Oslo"
    assert load(write(tmp_path, 'time_zone = "Arctic/Longyearbyen"\n')).time_zone == "Arctic/Longyearbyen"


@pytest.mark.parametrize("zone", ["Europe/Olso", "", "CET+1", "../etc/passwd"])
def test_an_unknown_time_zone_is_a_named_error(tmp_path: Path, zone: str) -> None:
    with pytest.raises(SettingsError, match="time_zone"):
        load(write(tmp_path, f'time_zone = "{zone}"\n'))


# -- save --------------------------------------------------------------------------------------------

def test_save_writes_what_load_reads_back_and_keeps_the_other_keys(tmp_path: Path) -> None:
    path = write(tmp_path, LOCAL + '\n')
    before = load(path)
    saved = save(path, {"poll_seconds": "7.5", "idle_lock_minutes": 3, "time_zone": "Europe/London",
                        "alert_sound": False, "location": "Location/lv-bergen"})
    after = load(path)
    assert after == saved
    # the changes, by hand
    assert (after.poll_seconds, after.idle_lock_minutes, after.time_zone, after.alert_sound, after.location) == (
        7.5, 3, "Europe/London", False, "Location/lv-bergen")
    # everything else as it was: the local scale, the shifts, triage_scale
    assert dataclasses.replace(after, poll_seconds=before.poll_seconds, idle_lock_minutes=before.idle_lock_minutes,
                               time_zone=before.time_zone, alert_sound=before.alert_sound,
                               location=before.location) == before
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["config_version"] == CONFIG_VERSION
    assert raw["triage_scale"] == "hbv" and raw["shifts"] == {"dag": "08:00", "kveld": "16:00", "natt": "00:00"}
    assert [lvl["code"] for lvl in raw["triage_scales"]["hbv"]["levels"]] == ["akutt", "snart", "vent"]
    # only what the file had or the change named: no defaults spelled out
    assert "timeout_seconds" not in raw


def test_save_creates_a_private_file_atomically(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    save(path, {"language": "en"})
    assert load(path).language == "en"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary file left behind


def test_an_old_file_is_saved_at_the_current_version(tmp_path: Path) -> None:
    path = write(tmp_path, "poll_seconds = 4\n")  # version 0: no config_version
    save(path, {"idle_lock_minutes": 5})
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw == {"config_version": CONFIG_VERSION, "poll_seconds": 4.0, "idle_lock_minutes": 5}


@pytest.mark.parametrize(("changes", "names"), [
    ({"poll_seconds": 0}, "poll_seconds"),
    ({"idle_lock_minutes": "ti"}, "idle_lock_minutes"),
    ({"location": "lv-bergen"}, "location"),
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"platform": "http://fhir.example.no"}, "platform"),
    ({"triage_scale": "nope"}, "triage_scale"),
    ({"no_such_setting": 1}, "no_such_setting"),
])
def test_save_refuses_a_bad_value_and_writes_nothing(tmp_path: Path, changes: dict[str, object], names: str) -> None:
    path = write(tmp_path, LOCAL)
    with pytest.raises(SettingsError, match=names):
        save(path, changes)
    assert path.read_text(encoding="utf-8") == LOCAL
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]
