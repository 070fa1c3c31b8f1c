"""Settings, each declared once: the ``Settings`` dataclass field is the single source.

A field carries its type (the annotation), its default, and in its metadata a translatable title, the
check of its value and, for the two tables, its parser and how it is written. From the fields come the
table ``SETTINGS`` that parsing, validation, the defaults and the documentation walk
(``python -m legevakt.app.settings`` prints every setting as a commented ``config.toml``).

Read from one TOML file in the user's config directory; command-line flags override it. Secrets never
live here (they are in the OS keyring). A bad value is a clear error naming the setting, not a default.
The file carries ``config_version``; an older file is upgraded in memory (``UPGRADES``), not rejected.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import os
import sys
import tempfile
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from legevakt.sync.origins import origin, transport_problem
from legevakt.worklist.census import DEFAULT_SHIFTS, ShiftDef, parse_shifts
from legevakt.worklist.reconcile import ReconcileConfig
from legevakt.worklist.triage import BUILT_IN, TriageScale, local_scale

APP_NAME = "legevakt"
#: The version this code writes and understands. Version 0 is a file without ``config_version`` (every
#: file before the key was required: the same keys as version 1).
CONFIG_VERSION = 1
VERSION_KEY = "config_version"

log = logging.getLogger("legevakt.app")


class SettingsError(ValueError):
    """The configuration file or a flag has a bad value; the message names the setting."""


def _title(text: str) -> str:
    """Marks a title for translation (the UI translates it in the "settings" context)."""
    return text


# -- per-setting checks: what is wrong with a value, or None -------------------------------------------

def _positive(value: float) -> str | None:
    return None if value > 0 else "must be positive"


def _at_least_one(value: int) -> str | None:
    return None if value >= 1 else "must be at least 1"


def _not_negative(value: float) -> str | None:
    return None if value >= 0 else "must not be negative"


def _practitioner(value: str) -> str | None:
    rtype, _, rid = value.partition("/")
    return None if not value or (rtype == "Practitioner" and rid and "/" not in rid) else \
        "must be Practitioner/<id>"


def _share(value: float) -> str | None:
    return None if 0 < value <= 1 else "must be between 0 and 1"


def _language(value: str) -> str | None:
    return None if value in ("nb", "en") else "must be 'nb' or 'en'"


def _location(value: str) -> str | None:
    return None if not value or value.startswith("Location/") else "must look like Location/<id>"


def _time_zone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "must be an IANA time zone such as Europe/Oslo"
    return None


def _url(value: str) -> str | None:
    """An http(s) URL; plain ``http://`` only to this machine (credentials go there)."""
    return transport_problem(value)


# -- the two table settings: parse from TOML, write as TOML --------------------------------------------

def _parse_shifts(table: Any) -> tuple[ShiftDef, ...]:
    if not isinstance(table, dict):
        raise SettingsError("setting 'shifts' must be a table of name = \"HH:MM\"")
    try:
        return parse_shifts((str(k), str(v)) for k, v in table.items())
    except ValueError as exc:
        raise SettingsError(f"setting 'shifts': {exc}") from exc


def _render_shifts(shifts: tuple[ShiftDef, ...]) -> str:
    return "[shifts]\n" + "".join(f"{s.name} = \"{s.start:%H:%M}\"\n" for s in shifts)


def _parse_scales(table: Any) -> dict[str, TriageScale]:
    if not isinstance(table, dict):
        raise SettingsError("setting 'triage_scales' must be a table of scales")
    scales = {}
    for key, spec in table.items():
        if key in BUILT_IN:
            raise SettingsError(f"setting 'triage_scales': scale {key!r} is built in and cannot be redefined")
        if not isinstance(spec, dict) or not isinstance(spec.get("levels"), list):
            raise SettingsError(f"setting 'triage_scales': scale {key!r} needs a 'levels' list")
        try:
            scales[key] = local_scale(key, str(spec.get("system", f"urn:legevakt:codesystem:triage:{key}")),
                                      str(spec.get("title_nb", key)), str(spec.get("title_en", key)),
                                      spec["levels"])
        except (ValueError, TypeError) as exc:
            raise SettingsError(f"setting 'triage_scales': {exc}") from exc
    return scales


def _render_scales(scales: Mapping[str, TriageScale]) -> str:
    lines = []
    for key, scale in scales.items():
        lines += [f"[triage_scales.{key}]", f"system = {json.dumps(scale.system)}",
                  f"title_nb = {json.dumps(scale.title_nb)}", f"title_en = {json.dumps(scale.title_en)}",
                  "levels = ["]
        lines += [f"  {{ code = {json.dumps(lvl.code)}, colour = {json.dumps(lvl.colour)}, "
                  f"name_nb = {json.dumps(lvl.name_nb)}, name_en = {json.dumps(lvl.name_en)}, "
                  f"target_minutes = {lvl.target_minutes} }}," for lvl in scale.levels]
        lines.append("]")
    example = ("# [triage_scales.local]\n# title_nb = \"Lokal skala\"\n# levels = [\n"
               "#   { code = \"akutt\", colour = \"red\", name_nb = \"Akutt\", name_en = \"Acute\", "
               "target_minutes = 0 },\n# ]\n")
    return "\n".join(lines) + "\n" if lines else example


@dataclass(frozen=True, slots=True)
class _Spec:
    title: str
    check: Callable[[Any], str | None] | None = None
    key: str | None = None  # the TOML key, when it is not the field name
    parse: Callable[[Any], Any] | None = None  # a table setting: TOML value -> field value
    render: Callable[[Any], str] | None = None  # a table setting: field value -> TOML text


def setting(default: Any = MISSING, title: str = "", *, factory: Callable[[], Any] | None = None,
            check: Callable[[Any], str | None] | None = None, key: str | None = None,
            parse: Callable[[Any], Any] | None = None, render: Callable[[Any], str] | None = None) -> Any:
    """Declare one setting (a dataclass field whose metadata says everything else about it)."""
    meta = {"setting": _Spec(title, check, key, parse, render)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class Settings:
    platform: str = setting("", _title("Platform base URL (FHIR R4)"), check=_url)
    oauth_endpoint: str = setting(
        "", _title("OAuth2 token endpoint, where the client secret goes (empty: the one the platform declares "
                   "on its own address)"), check=_url)
    location: str = setting("", _title("The clinic (Location reference)"), check=_location)
    data_dir: str = setting("", _title("Data directory (empty: the user's default)"))
    language: str = setting("nb", _title("Language (nb or en)"), check=_language)
    poll_seconds: float = setting(5.0, _title("Seconds between polls"), check=_positive)
    full_snapshot_every: int = setting(0, _title("Also a full snapshot every N cycles (0: by time only)"),
                                       check=_not_negative)
    full_snapshot_minutes: float = setting(
        10.0, _title("Minutes between full snapshots when the light checks agree"), check=_positive)
    history_is_clinic_own: bool = setting(
        False, _title("The platform holds this clinic only (its Encounter history is the clinic's change feed)"))
    push: bool = setting(True, _title("Use push notifications where the platform offers them"))
    push_poll_seconds: float = setting(
        60.0, _title("Seconds between safety-net polls while push is up"), check=_positive)
    timeout_seconds: float = setting(10.0, _title("Request timeout (seconds)"), check=_positive)
    cycle_deadline_seconds: float = setting(
        30.0, _title("Overall deadline of one sync cycle (seconds); past it the cycle is abandoned"),
        check=_positive)
    verify_tls: bool = setting(True, _title("Verify the platform's TLS certificate"))
    allow_unverified_tls_outside_loopback: bool = setting(
        False, _title("Accept verify_tls = false for a platform on another machine (unsafe: anyone on the way "
                      "can read and change the traffic)"))
    triage_scale: str = setting("mts", _title("Triage scale (mts, retts or local)"))
    not_triaged_minutes: int = setting(15, _title("Minutes before 'not triaged'"), check=_not_negative)
    sync_stale_warning_seconds: int = setting(15, _title("Seconds to a stale warning"), check=_not_negative)
    sync_stale_critical_seconds: int = setting(60, _title("Seconds to stale critical"), check=_not_negative)
    not_in_queue_grace_seconds: int = setting(
        30, _title("Seconds an active visit may miss from the queue list"), check=_not_negative)
    mass_departure_min_entries: int = setting(5, _title("Mass departure: more than N"), check=_not_negative)
    mass_departure_share: float = setting(0.30, _title("Mass departure: share"), check=_share)
    write_pending_minutes: float = setting(2.0, _title("Minutes before a write alerts"), check=_not_negative)
    note_receipt_deadline_minutes: float = setting(
        30.0, _title("Minutes until a sent note must be receipted"), check=_positive)
    idle_lock_minutes: int = setting(10, _title("Lock the screen after idle minutes"), check=_positive)
    alert_sound: bool = setting(True, _title("Play a sound when a new critical alert arrives"))
    alert_notifications: bool = setting(True, _title("Show a desktop notification for a new critical alert"))
    time_zone: str = setting("Europe/Oslo", _title("The clinic's time zone (IANA name) for clock times"),
                             check=_time_zone)
    user: str = setting("", _title("User name shown on acknowledgements"))
    practitioner: str = setting("", _title("You as a Practitioner reference (author of notes)"),
                                check=_practitioner)
    shifts: tuple[ShiftDef, ...] = setting(DEFAULT_SHIFTS, _title("Shift starts"), parse=_parse_shifts,
                                           render=_render_shifts)
    local_scales: Mapping[str, TriageScale] = setting(
        title=_title("Local triage scales"), factory=dict, key="triage_scales", parse=_parse_scales,
        render=_render_scales)

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
            not_in_queue_grace=timedelta(seconds=self.not_in_queue_grace_seconds),
        )

    def data_path(self) -> Path:
        return Path(self.data_dir) if self.data_dir else Path(platformdirs.user_data_dir(APP_NAME))


# -- the table of settings, derived from the fields -----------------------------------------------------

_KINDS: dict[Any, str] = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


@dataclass(frozen=True, slots=True)
class SettingInfo:
    name: str  # the Settings attribute (and the flag's key in ``overrides``)
    key: str  # the TOML key
    type: Any  # the annotation, resolved
    title: str
    spec: _Spec
    default_factory: Callable[[], Any] | None
    default_value: Any

    @property
    def default(self) -> Any:
        return self.default_factory() if self.default_factory is not None else self.default_value

    @property
    def is_table(self) -> bool:
        return self.spec.parse is not None

    @property
    def kind(self) -> str:
        return "a table" if self.is_table else _KINDS[self.type]

    def coerce(self, value: Any, source: str) -> Any:
        """The value in this setting's type (from TOML, or a flag's string), or a SettingsError naming it."""
        if self.spec.parse is not None:
            return self.spec.parse(value)
        kind = self.type
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
            number: float | None = None
            if isinstance(value, int | float) and not isinstance(value, bool):
                number = float(value)
            elif isinstance(value, str):
                try:
                    number = float(value)
                except ValueError:
                    number = None
            if number is not None and math.isfinite(number):
                return number
        elif isinstance(value, str):
            return value
        raise SettingsError(f"{source}: setting {self.key!r} must be {self.kind}, got {value!r}")

    def checked(self, value: Any, source: str) -> Any:
        """``coerce``, then this setting's own check; both errors name the source and the setting."""
        converted = self.coerce(value, source)
        problem = self.problem(converted)
        if problem:
            raise SettingsError(f"{source}: {problem}")
        return converted

    def wrong(self, value: Any) -> str | None:
        """This setting's own check of a value of the right type: the bare phrase ("must be positive"), or None."""
        return self.spec.check(value) if self.spec.check is not None else None

    def problem(self, value: Any) -> str | None:
        """What is wrong with a value of the right type, as a sentence naming the setting; None if fine."""
        wrong = self.spec.check(value) if self.spec.check is not None else None
        return f"setting {self.key!r} {wrong}, got {value!r}" if wrong else None

    def render(self, value: Any) -> str:
        """The value as TOML (a ``key = value`` line, or a table for the table settings)."""
        if self.spec.render is not None:
            return self.spec.render(value)
        text = json.dumps(value) if not isinstance(value, bool) else str(value).lower()
        return f"{self.key} = {text}\n"


def _table() -> tuple[SettingInfo, ...]:
    hints = typing.get_type_hints(Settings)
    table = []
    for f in fields(Settings):
        spec = f.metadata["setting"]
        factory = None if f.default_factory is MISSING else f.default_factory
        table.append(SettingInfo(name=f.name, key=spec.key or f.name, type=hints[f.name], title=spec.title,
                                 spec=spec, default_factory=factory,
                                 default_value=None if f.default is MISSING else f.default))
    return tuple(table)


#: Every setting, in declaration order: parsing, validation, defaults and documentation walk this.
SETTINGS: tuple[SettingInfo, ...] = _table()
_BY_KEY = {s.key: s for s in SETTINGS}
_BY_NAME = {s.name: s for s in SETTINGS}


# -- versioned upgrades --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Upgrade:
    """One step from ``to_version - 1`` to ``to_version``: keys renamed (old -> new), then ``transform``."""

    to_version: int
    note: str
    renames: Mapping[str, str] = field(default_factory=dict)
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None


UPGRADES: tuple[Upgrade, ...] = (
    Upgrade(1, "version 0 (no config_version): the keys of version 1; 'push' was added later with its "
               "default, so nothing changes but the version"),
)


def upgrade(raw: Mapping[str, Any], *, source: str = "config.toml", upgrades: tuple[Upgrade, ...] = UPGRADES,
            current: int = CONFIG_VERSION) -> tuple[dict[str, Any], int]:
    """``raw`` (a parsed file) brought to ``current``; returns it without the version key, and the file's version.

    A file newer than this code, or a version that is not a whole number, is an error naming
    ``config_version``. A file with both an old and its new key is an error naming both.
    """
    values = dict(raw)
    version = values.pop(VERSION_KEY, 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise SettingsError(f"{source}: setting {VERSION_KEY!r} must be a whole number, got {version!r}")
    if version > current:
        raise SettingsError(f"{source}: {VERSION_KEY} {version} is newer than this Legevakt understands "
                            f"(up to {current}); upgrade Legevakt or remove the newer settings")
    found = version
    for step in sorted(upgrades, key=lambda s: s.to_version):
        if step.to_version <= version or step.to_version > current:
            continue
        for old, new in step.renames.items():
            if old in values:
                if new in values:
                    raise SettingsError(f"{source}: setting {old!r} was renamed {new!r} in {VERSION_KEY} "
                                        f"{step.to_version}; keep only {new!r}")
                values[new] = values.pop(old)
        if step.transform is not None:
            values = step.transform(values)
        version = step.to_version
    if version != current:
        raise SettingsError(f"{source}: no upgrade from {VERSION_KEY} {version} to {current}")
    if found != current:
        log.info("%s is config_version %d; read as version %d", source, found, current)
    return values, found


# -- loading -------------------------------------------------------------------------------------------

def config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _unknown(key: str, source: str, known: typing.Iterable[str]) -> SettingsError:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return SettingsError(f"{source}: unknown setting {key!r}{hint}")


def load(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read the TOML file (absent is fine), then apply overrides (command-line flags, None = not given)."""
    path = path or config_path()
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    source = str(path)
    raw, _ = upgrade(raw, source=source)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        info = _BY_KEY.get(key)
        if info is None:
            raise _unknown(key, source, [*_BY_KEY, VERSION_KEY])
        values[info.name] = info.checked(value, source)
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        info = _BY_NAME.get(name)
        if info is None or info.is_table:
            raise _unknown(name, "command line", [s.name for s in SETTINGS if not s.is_table])
        values[name] = info.checked(value, "command line")
    return validate(Settings(**values))


def tls_unverified(settings: Settings) -> bool:
    """TLS is in use (an https platform or token endpoint) without verifying certificates."""
    return not settings.verify_tls and any(
        url.lower().startswith("https://") for url in (settings.platform, settings.oauth_endpoint))


def _unverified_outside_loopback(settings: Settings) -> str | None:
    """The platform (or token endpoint) on another machine over TLS that is not verified, unless the setting
    that says so is also set: the setting at fault, as a sentence."""
    if settings.verify_tls or settings.allow_unverified_tls_outside_loopback:
        return None
    for name in ("platform", "oauth_endpoint"):
        found = origin(getattr(settings, name)) if getattr(settings, name) else None
        if found is not None and not found.loopback:
            return (f"setting 'verify_tls' = false is refused for {name} {found} (another machine): anyone on "
                    f"the way could read the credentials. Install the platform's certificate authority instead, "
                    f"or set allow_unverified_tls_outside_loopback = true to accept the risk knowingly")
    return None


def validate(settings: Settings) -> Settings:
    """Every setting's own check, then the rules across settings (the scale must exist; unverified TLS only
    to this machine unless explicitly allowed)."""
    for info in SETTINGS:
        problem = info.problem(getattr(settings, info.name))
        if problem:
            raise SettingsError(problem)
    unverified = _unverified_outside_loopback(settings)
    if unverified:
        raise SettingsError(unverified)
    if settings.triage_scale not in BUILT_IN and settings.triage_scale not in settings.local_scales:
        raise SettingsError(f"setting 'triage_scale': no scale named {settings.triage_scale!r} "
                            f"(built in: {', '.join(BUILT_IN)}; or define [triage_scales.{settings.triage_scale}])")
    return settings


def save(path: Path, changes: Mapping[str, Any]) -> Settings:
    """Write ``changes`` (Settings attribute -> value) into the TOML file at ``path``; returns what it now holds.

    The file's other settings are kept (re-rendered, so comments are not), ``config_version`` is written as
    the version the keys are now in. Everything is validated first, as ``load`` would read it back: a bad
    value is a SettingsError naming the setting and nothing is written. The write is atomic (a temporary
    file in the same directory, then ``os.replace``) and the file is private to the user (0600).
    """
    source = str(path)
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    raw, _ = upgrade(raw, source=source)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        info = _BY_KEY.get(key)
        if info is None:
            raise _unknown(key, source, [*_BY_KEY, VERSION_KEY])
        values[info.name] = info.checked(value, source)
    for name, value in changes.items():
        info = _BY_NAME.get(name)
        if info is None:
            raise _unknown(name, "settings", list(_BY_NAME))
        values[name] = value if info.is_table else info.checked(value, "settings")
    settings = validate(Settings(**values))
    written = [s for s in SETTINGS if s.name in values]
    text = (f"# Legevakt settings; `python -m legevakt.app.settings` lists every setting.\n"
            f"{VERSION_KEY} = {CONFIG_VERSION}\n"
            + "".join(s.render(getattr(settings, s.name)) for s in written if not s.is_table)
            + "".join("\n" + s.render(getattr(settings, s.name)) for s in written if s.is_table))
    tomllib.loads(text)  # what is written must read back
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return settings


def reference(settings: Settings | None = None) -> str:
    """Every setting as a commented ``config.toml`` (the defaults unless ``settings`` is given)."""
    settings = settings or Settings()
    head = [f"# Legevakt settings ({config_path()}); flags override them. Secrets live in the OS keyring.",
            f"{VERSION_KEY} = {CONFIG_VERSION}", ""]
    simple = [f"# {s.title}: {s.kind}\n{s.render(getattr(settings, s.name))}" for s in SETTINGS if not s.is_table]
    tables = [f"# {s.title}\n{s.render(getattr(settings, s.name))}" for s in SETTINGS if s.is_table]
    return "\n".join(head) + "\n".join(simple) + "\n" + "\n".join(tables)


if __name__ == "__main__":
    sys.stdout.write(reference())
