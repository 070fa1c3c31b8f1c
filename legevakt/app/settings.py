"""Settings, each declared once with its type, default and a translatable title.

Read from one TOML file in the user's config directory; command-line flags override it. Secrets never
live here (they are in the OS keyring). A bad value is a clear error naming the setting, not a default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs

from legevakt.worklist.census import DEFAULT_SHIFTS, ShiftDef, parse_shifts
from legevakt.worklist.reconcile import ReconcileConfig
from legevakt.worklist.triage import BUILT_IN, TriageScale, local_scale

APP_NAME = "legevakt"
CONFIG_VERSION = 1


class SettingsError(ValueError):
    """The configuration file or a flag has a bad value; the message names the setting."""


def _title(text: str) -> str:
    """Marks a title for translation (the UI translates it in the "settings" context)."""
    return text


@dataclass(frozen=True, slots=True)
class Settings:
    platform: str = field(default="", metadata={"title": _title("Platform base URL (FHIR R4)")})
    location: str = field(default="", metadata={"title": _title("The clinic (Location reference)")})
    data_dir: str = field(default="", metadata={"title": _title("Data directory (empty: the user's default)")})
    language: str = field(default="nb", metadata={"title": _title("Language (nb or en)")})
    poll_seconds: float = field(default=5.0, metadata={"title": _title("Seconds between polls")})
    full_snapshot_every: int = field(default=12, metadata={"title": _title("Full snapshot every N cycles")})
    push: bool = field(default=True, metadata={"title": _title("Use push notifications where the platform "
                                                               "offers them")})
    timeout_seconds: float = field(default=10.0, metadata={"title": _title("Request timeout (seconds)")})
    verify_tls: bool = field(default=True, metadata={"title": _title("Verify the platform's TLS certificate")})
    triage_scale: str = field(default="mts", metadata={"title": _title("Triage scale (mts, retts or local)")})
    not_triaged_minutes: int = field(default=15, metadata={"title": _title("Minutes before 'not triaged'")})
    sync_stale_warning_seconds: int = field(default=15, metadata={"title": _title("Seconds to a stale warning")})
    sync_stale_critical_seconds: int = field(default=60, metadata={"title": _title("Seconds to stale critical")})
    mass_departure_min_entries: int = field(default=5, metadata={"title": _title("Mass departure: more than N")})
    mass_departure_share: float = field(default=0.30, metadata={"title": _title("Mass departure: share")})
    write_pending_minutes: float = field(default=2.0, metadata={"title": _title("Minutes before a write alerts")})
    idle_lock_minutes: int = field(default=10, metadata={"title": _title("Lock the screen after idle minutes")})
    user: str = field(default="", metadata={"title": _title("User name shown on acknowledgements")})
    shifts: tuple[ShiftDef, ...] = field(default=DEFAULT_SHIFTS, metadata={"title": _title("Shift starts")})
    local_scales: Mapping[str, TriageScale] = field(default_factory=dict,
                                                    metadata={"title": _title("Local triage scales")})

    @property
    def scale(self) -> TriageScale:
        if self.triage_scale in self.local_scales:
            return self.local_scales[self.triage_scale]
        return BUILT_IN[self.triage_scale]

    def reconcile_config(self) -> ReconcileConfig:
        return ReconcileConfig(
            scale=self.scale,
            not_triaged_after=timedelta(minutes=self.not_triaged_minutes),
            sync_stale_warning=timedelta(seconds=self.sync_stale_warning_seconds),
            sync_stale_critical=timedelta(seconds=self.sync_stale_critical_seconds),
            mass_departure_min_entries=self.mass_departure_min_entries,
            mass_departure_share=self.mass_departure_share,
        )

    def data_path(self) -> Path:
        return Path(self.data_dir) if self.data_dir else Path(platformdirs.user_data_dir(APP_NAME))


_SIMPLE = {f.name: f for f in fields(Settings) if f.name not in ("shifts", "local_scales")}
_TYPES: dict[str, type] = {"platform": str, "location": str, "data_dir": str, "language": str,
                           "poll_seconds": float, "full_snapshot_every": int, "push": bool,
                           "timeout_seconds": float,
                           "verify_tls": bool, "triage_scale": str, "not_triaged_minutes": int,
                           "sync_stale_warning_seconds": int, "sync_stale_critical_seconds": int,
                           "mass_departure_min_entries": int, "mass_departure_share": float,
                           "write_pending_minutes": float, "idle_lock_minutes": int, "user": str}
assert set(_TYPES) == set(_SIMPLE), "every simple setting needs its type"


def config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _coerce(name: str, value: Any) -> Any:
    kind = _TYPES[name]
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    elif kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif isinstance(value, str):
        return value
    raise SettingsError(f"setting {name!r} must be a {kind.__name__}, got {value!r}")


def load(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read the TOML file (absent is fine), then apply overrides (command-line flags, None = not given)."""
    path = path or config_path()
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    version = raw.pop("config_version", CONFIG_VERSION)
    if version != CONFIG_VERSION:
        raise SettingsError(f"{path}: config_version {version} is not supported (expected {CONFIG_VERSION})")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name in _SIMPLE:
            values[name] = _coerce(name, value)
        elif name not in ("shifts", "triage_scales"):
            raise SettingsError(f"{path}: unknown setting {name!r}")
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = _coerce(name, value)
    settings = Settings(**values)
    if "shifts" in raw:
        table = raw["shifts"]
        if not isinstance(table, dict):
            raise SettingsError("setting 'shifts' must be a table of name = \"HH:MM\"")
        try:
            settings = replace(settings, shifts=parse_shifts((str(k), str(v)) for k, v in table.items()))
        except ValueError as exc:
            raise SettingsError(f"setting 'shifts': {exc}") from exc
    if "triage_scales" in raw:
        settings = replace(settings, local_scales=_local_scales(raw["triage_scales"]))
    return validate(settings)


def _local_scales(table: Any) -> dict[str, TriageScale]:
    if not isinstance(table, dict):
        raise SettingsError("setting 'triage_scales' must be a table of scales")
    scales = {}
    for key, spec in table.items():
        if key in BUILT_IN:
            raise SettingsError(f"triage scale {key!r} is built in and cannot be redefined")
        if not isinstance(spec, dict) or not isinstance(spec.get("levels"), list):
            raise SettingsError(f"triage scale {key!r} needs a 'levels' list")
        try:
            scales[key] = local_scale(key, str(spec.get("system", f"urn:legevakt:codesystem:triage:{key}")),
                                      str(spec.get("title_nb", key)), str(spec.get("title_en", key)),
                                      spec["levels"])
        except (ValueError, TypeError) as exc:
            raise SettingsError(str(exc)) from exc
    return scales


def validate(settings: Settings) -> Settings:
    if settings.language not in ("nb", "en"):
        raise SettingsError("setting 'language' must be 'nb' or 'en'")
    if settings.triage_scale not in BUILT_IN and settings.triage_scale not in settings.local_scales:
        raise SettingsError(f"setting 'triage_scale': no scale named {settings.triage_scale!r}")
    if settings.poll_seconds <= 0 or settings.timeout_seconds <= 0:
        raise SettingsError("poll and timeout seconds must be positive")
    if settings.full_snapshot_every < 1:
        raise SettingsError("setting 'full_snapshot_every' must be at least 1")
    if not 0 < settings.mass_departure_share <= 1:
        raise SettingsError("setting 'mass_departure_share' must be between 0 and 1")
    if settings.location and not settings.location.startswith("Location/"):
        raise SettingsError("setting 'location' must look like Location/<id>")
    if settings.platform and not settings.platform.startswith(("http://", "https://")):
        raise SettingsError("setting 'platform' must be an http(s) URL")
    return settings
