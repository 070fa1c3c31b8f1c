"""``legevakt doctor``: what an administrator checks before go-live, one line each with what to fix.

Each check is OK, WARN (works, but not as well as it should) or FAIL (Legevakt will not work as it must):

- ``config``: the configuration file is readable and valid (every setting's own check, and the rules
  across settings: plain ``http://`` and ``verify_tls = false`` only for this machine);
- ``keyring``: an OS keyring backend is present (not keyring's fail/null backend);
- ``data directory`` / ``log directory``: owned by the user and readable by the user alone (0700, their
  files 0600), or not created yet and creatable;
- ``platform``: reachable, with TLS verified (a certificate failure is named as such, not "unreachable");
- ``FHIR version``, ``push``, ``history``, ``Task``: what its CapabilityStatement declares (4.0.x;
  websocket subscriptions; Encounter type history; Task create, update and search for shared alerts);
- ``clock``: this machine's clock against the platform's HTTP ``Date`` header (WARN above 30 s, FAIL
  above 5 minutes);
- ``location``: the configured clinic ``Location`` can be read.

The network goes only through the sync package's ``FhirClient`` (the platform's origin only, TLS as
configured, bounded answers); the token is the one ``legevakt login`` stored, sent to the platform's
origin only. Nothing the platform says is shown but ids, codes and versions (``token``).
"""

from __future__ import annotations

import enum
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import keyring
import platformdirs

from legevakt.app.settings import APP_NAME, Settings, SettingsError, config_path, load, tls_unverified
from legevakt.store.engine import FILE_NAME
from legevakt.sync.auth import keyring_available, stored_tokens
from legevakt.sync.capabilities import ServerFeatures, parse_capabilities
from legevakt.sync.deadline import Deadline
from legevakt.sync.errors import (
    AuthenticationError,
    ForeignOrigin,
    MalformedResponse,
    NotFound,
    PlatformError,
    PlatformUnreachable,
    TlsFailed,
    token,
)
from legevakt.sync.fhir import FhirClient, Resource, RetryPolicy
from legevakt.sync.origins import origin

__all__ = ["CLOCK_FAIL_SECONDS", "CLOCK_WARN_SECONDS", "Check", "Status", "diagnose", "report_json"]

CLOCK_WARN_SECONDS = 30.0
CLOCK_FAIL_SECONDS = 300.0
TASK_INTERACTIONS = ("create", "update", "search-type")  # what shared alerts need (conditional create)
_SETTINGS_HELP = "python -m legevakt.app.settings prints every setting with its default"


class Status(enum.Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    detail: str  # what was found, one line
    fix: str = ""  # when not OK: what to do, one plain sentence

    def line(self) -> str:
        text = f"{self.status.name:<4}  {self.name}: {self.detail}"
        return f"{text}\n      fix: {self.fix}" if self.fix else text

    def to_json(self) -> dict[str, str]:
        return {"check": self.name, "status": self.status.value, "detail": self.detail, "fix": self.fix}


def report_json(checks: list[Check]) -> dict[str, Any]:
    return {"ok": not any(c.status is Status.FAIL for c in checks), "checks": [c.to_json() for c in checks]}


def diagnose(config: Path | None, overrides: Mapping[str, Any], *, log_dir: Path | None = None,
             now: Callable[[], float] = time.time) -> list[Check]:
    """Every check, in the order an administrator fixes them. ``config``: the file (None: the default);
    ``overrides``: the command-line flags (None: not given); ``log_dir``: where the log goes (default: the
    one ``legevakt.logs`` writes to); ``now``: this machine's clock (seconds since the epoch)."""
    checks: list[Check] = []
    settings, config_check = _config(config, overrides)
    checks.append(config_check)
    checks.append(_keyring())
    data = Path(overrides["data_dir"]) if overrides.get("data_dir") else None
    checks.append(_private_dir("data directory", data or (settings or Settings()).data_path(),
                               files=(FILE_NAME, f"{FILE_NAME}-wal", f"{FILE_NAME}-shm")))
    checks.append(_private_dir("log directory", log_dir or Path(platformdirs.user_log_dir(APP_NAME)),
                               files=("legevakt.log", *(f"legevakt.log.{i}" for i in range(1, 6)))))
    if settings is not None:
        checks.extend(_platform(settings, now))
    return checks


# -- configuration ---------------------------------------------------------------------------------------

def _config(path: Path | None, overrides: Mapping[str, Any]) -> tuple[Settings | None, Check]:
    path = path or config_path()
    if path.exists() and not os.access(path, os.R_OK):
        return None, Check("config", Status.FAIL, f"{path} is not readable by this user",
                           f"Make it readable by the user who runs Legevakt (chmod 600 {path}).")
    try:
        settings = load(path, overrides)
    except SettingsError as exc:
        fix = (f"Correct that setting in {path} or on the command line ({_SETTINGS_HELP}); "
               "then run doctor again to check the platform.")
        if _only_unverified_tls(path, overrides):
            fix = ("Install the platform's certificate authority in the system trust store and set "
                   "verify_tls = true (allow_unverified_tls_outside_loopback = true accepts the risk knowingly, "
                   "which no clinic should); then run doctor again.")
        return None, Check("config", Status.FAIL, str(exc), fix)
    where = f"{path}: readable and valid" if path.exists() else f"no file at {path}: defaults and flags"
    return settings, Check("config", Status.OK, where)


def _only_unverified_tls(path: Path, overrides: Mapping[str, Any]) -> bool:
    """Whether the configuration is refused for unverified TLS to another machine alone."""
    try:
        load(path, {**overrides, "allow_unverified_tls_outside_loopback": True})
    except SettingsError:
        return False
    return True


# -- keyring ---------------------------------------------------------------------------------------------

def _keyring() -> Check:
    backend = keyring.get_keyring()
    if not keyring_available():  # keyring's fail backend, or a chainer with nothing in it
        return Check("keyring", Status.FAIL, f"no usable OS keyring backend (found {type(backend).__name__})",
                     "Install and unlock a Secret Service provider in the desktop session (for example "
                     "apt install gnome-keyring, or KWallet), then run 'legevakt login'.")
    return Check("keyring", Status.OK, f"backend {type(backend).__name__}")


# -- directories -----------------------------------------------------------------------------------------

def _private_dir(name: str, path: Path, *, files: tuple[str, ...]) -> Check:
    """The directory (and the named files in it) owned by this user and closed to everyone else."""
    if not path.exists():
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is None or not os.access(parent, os.W_OK | os.X_OK):
            return Check(name, Status.FAIL, f"{path} does not exist and cannot be created ({parent} is not writable)",
                         f"Create it for the user who runs Legevakt: mkdir -p -m 700 {path}.")
        return Check(name, Status.OK, f"{path} not created yet (Legevakt creates it, user-only, when first needed)")
    if not path.is_dir():
        return Check(name, Status.FAIL, f"{path} is not a directory", f"Move {path} aside or choose another path.")
    info = path.stat()
    if os.name == "posix" and info.st_uid != os.getuid():
        return Check(name, Status.FAIL, f"{path} belongs to another user (uid {info.st_uid})",
                     f"Give it to the user who runs Legevakt: chown -R {os.getuid()} {path}.")
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        return Check(name, Status.FAIL, f"{path} is not writable by this user", f"Run chmod 700 {path}.")
    if os.name == "posix":
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            return Check(name, Status.FAIL, f"{path} has mode {mode:04o}: other users can look inside",
                         f"Run chmod 700 {path} (patient data and logs are for this user alone).")
        for file in files:
            child = path / file
            if child.exists():
                child_mode = stat.S_IMODE(child.stat().st_mode)
                if child_mode & 0o077:
                    return Check(name, Status.FAIL, f"{child} has mode {child_mode:04o}: readable by others",
                                 f"Run chmod 600 {path}/*.")
        return Check(name, Status.OK, f"{path} (mode {mode:04o}, user-only)")
    return Check(name, Status.OK, str(path))


# -- the platform ----------------------------------------------------------------------------------------

def _platform(settings: Settings, now: Callable[[], float]) -> list[Check]:
    if not settings.platform:
        return [Check("platform", Status.FAIL, "no platform configured",
                      "Give --platform URL or set platform = \"https://...\" in the config file.")]
    deadline = Deadline(settings.cycle_deadline_seconds)
    tokens = stored_tokens(settings.platform, verify=settings.verify_tls, timeout=settings.timeout_seconds,
                           token_url=settings.oauth_endpoint, deadline=deadline)
    client = FhirClient(settings.platform, timeout=settings.timeout_seconds, verify=settings.verify_tls,
                        tokens=tokens, retry=RetryPolicy(attempts=1), deadline=deadline)
    try:
        with deadline.running():
            return _platform_checks(settings, client, now)
    finally:
        client.close()
        tokens.close()


def _platform_checks(settings: Settings, client: FhirClient, now: Callable[[], float]) -> list[Check]:
    base = settings.platform
    found = origin(base)
    try:
        sent_at = now()
        body = client.capabilities()
        received_at = now()
    except TlsFailed as exc:
        return [Check("platform", Status.FAIL, f"{base}: TLS certificate failure ({exc.detail})",
                      "Install the certificate authority that signed the platform's certificate in the system "
                      "trust store, or ask the platform's administrator to fix its certificate.")]
    except ForeignOrigin as exc:
        return [Check("platform", Status.FAIL, f"{base}: sent us to another origin ({exc.detail})",
                      "Configure the platform's own base URL (the one its answers point to).")]
    except PlatformUnreachable as exc:
        return [Check("platform", Status.FAIL, f"cannot reach {base} ({exc.detail})",
                      "Check the URL and port, that the server runs, and that no firewall or proxy blocks "
                      "this machine.")]
    except AuthenticationError as exc:
        return [Check("platform", Status.FAIL, f"{base} refused our credentials (HTTP {exc.status})",
                      f"Run legevakt login --platform {base}.")]
    except NotFound:
        checks = [_reachable(settings, found),
                  Check("FHIR version", Status.WARN, "no CapabilityStatement at [base]/metadata (HTTP 404)",
                        "Ask the platform to publish its CapabilityStatement; without it Legevakt can only "
                        "poll full snapshots.")]
        return [*checks, _clock(client.last_date, now()), _location(settings, client)]
    except (MalformedResponse, PlatformError) as exc:
        return [Check("platform", Status.FAIL, f"{base} does not answer as a FHIR R4 server ({type(exc).__name__})",
                      "Check that the URL is the platform's FHIR R4 base (it must serve [base]/metadata).")]
    checks = [_reachable(settings, found)]
    checks.append(_fhir_version(body))
    try:
        features = parse_capabilities(body, base.rstrip("/"))
    except MalformedResponse:
        features = ServerFeatures.unknown()
    checks.append(_push(settings, features))
    checks.append(_history(features))
    checks.append(_task(features))
    checks.append(_clock(client.last_date, (sent_at + received_at) / 2))
    checks.append(_location(settings, client))
    return checks


def _reachable(settings: Settings, found: Any) -> Check:
    base = settings.platform
    if found is not None and found.scheme == "http":
        return Check("platform", Status.OK, f"{base} reachable (plain http, this machine only)")
    if tls_unverified(settings):
        where = "this machine" if found is not None and found.loopback else "another machine"
        return Check("platform", Status.WARN, f"{base} reachable, but TLS is NOT verified (verify_tls = false, "
                     f"{where})", "Install the platform's certificate authority in the system trust store and set "
                     "verify_tls = true.")
    return Check("platform", Status.OK, f"{base} reachable, TLS certificate verified")


def _fhir_version(body: Resource) -> Check:
    version = body.get("fhirVersion")
    if isinstance(version, str) and version.startswith("4.0."):
        return Check("FHIR version", Status.OK, f"{version} (R4)")
    return Check("FHIR version", Status.FAIL, f"the platform declares fhirVersion {token(version)}, not 4.0.x",
                 "Point Legevakt at the platform's FHIR R4 (4.0.x) endpoint.")


def _push(settings: Settings, features: ServerFeatures) -> Check:
    if not features.websocket_subscriptions:
        return Check("push", Status.WARN, f"no websocket subscriptions: Legevakt polls every "
                     f"{settings.poll_seconds:g} s", "Enable websocket subscriptions (R4 or the Subscriptions "
                     "Backport) on the platform for changes within a second; polling works meanwhile.")
    flavour = "Subscriptions Backport" if features.backport_binding else "R4 websocket"
    if not settings.push:
        return Check("push", Status.WARN, f"offered ({flavour}), but push = false in the configuration",
                     "Set push = true to get changes within a second instead of every poll.")
    return Check("push", Status.OK, f"websocket subscriptions ({flavour})")


def _history(features: ServerFeatures) -> Check:
    if features.has_history("Encounter"):
        return Check("history", Status.OK, "Encounter type history (_history with _since)")
    return Check("history", Status.WARN, "no type history for Encounter: every poll reads the whole queue",
                 "Enable the history-type interaction for Encounter on the platform to make syncs lighter.")


def _task(features: ServerFeatures) -> Check:
    declared = features.interactions.get("Task")
    if declared is None:
        return Check("Task", Status.WARN, "the platform does not offer Task: alerts stay on each workstation",
                     "Enable Task (create, update, search) on the platform so every workstation of the clinic "
                     "shares the alerts.")
    missing = [code for code in TASK_INTERACTIONS if code not in declared]
    if missing:
        return Check("Task", Status.WARN, f"Task without {', '.join(missing)}: alerts stay on each workstation",
                     f"Enable {', '.join(missing)} for Task on the platform so the clinic shares its alerts.")
    return Check("Task", Status.OK, "create, update and search: alerts shared by every workstation")


def _clock(date_header: str | None, local: float) -> Check:
    if not date_header:
        return Check("clock", Status.WARN, "the platform sent no Date header: clock skew not measured",
                     "Check this machine's clock against a time server (timedatectl status).")
    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return Check("clock", Status.WARN, "the platform's Date header is not an HTTP date: skew not measured",
                     "Check this machine's clock against a time server (timedatectl status).")
    if server.tzinfo is None:
        return Check("clock", Status.WARN, "the platform's Date header has no time zone: skew not measured",
                     "Check this machine's clock against a time server (timedatectl status).")
    # The header has whole seconds (the server's clock rounded down): its middle is half a second later.
    skew = local - (server.timestamp() + 0.5)  # positive: this machine is ahead
    ahead = "ahead of" if skew > 0 else "behind"
    detail = f"this machine is {abs(skew):.0f} s {ahead} the platform"
    fix = ("Synchronise this machine's clock (NTP: chrony or systemd-timesyncd; timedatectl set-ntp true): "
           "waiting times and deadlines depend on it.")
    if abs(skew) > CLOCK_FAIL_SECONDS:
        return Check("clock", Status.FAIL, detail, fix)
    if abs(skew) > CLOCK_WARN_SECONDS:
        return Check("clock", Status.WARN, detail, fix)
    return Check("clock", Status.OK, f"{detail} (within {CLOCK_WARN_SECONDS:g} s)")


def _location(settings: Settings, client: FhirClient) -> Check:
    ref = settings.location
    if not ref:
        return Check("location", Status.FAIL, "no clinic configured",
                     "Give --location Location/<id> or set location in the config file.")
    try:
        body = client.read(ref)
    except NotFound:
        return Check("location", Status.FAIL, f"{ref} does not exist on the platform",
                     "Ask the platform's administrator for the clinic's Location id and set it.")
    except AuthenticationError:
        return Check("location", Status.FAIL, f"the platform refused to show {ref} without credentials",
                     f"Run legevakt login --platform {settings.platform}.")
    except PlatformError as exc:
        return Check("location", Status.FAIL, f"{ref} could not be read ({type(exc).__name__})",
                     "Check the clinic's Location id and that the platform answers reads (run doctor again).")
    status = body.get("status")
    if status in ("inactive", "suspended"):
        return Check("location", Status.WARN, f"{ref} is {status} on the platform",
                     "Check with the platform's administrator that this is the clinic's current Location.")
    return Check("location", Status.OK, f"{ref} found")
