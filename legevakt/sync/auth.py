"""OAuth2 client credentials with the secret in the OS keyring.

The client id and secret live only in the OS keyring (``keyring``), under the platform's base URL.
Access tokens live only in memory. Nothing secret is written to the config file, the database or a log.
Where no keyring backend exists, ``KeyringUnavailable`` says what to install; there is no plain-text
fallback.

The secret goes only to a token endpoint the configuration names, or one the platform declares on its own
origin (``ForeignOrigin`` otherwise: a CapabilityStatement cannot send the secret elsewhere), and never
over plain ``http://`` to another machine (``InsecureTransport``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass

import httpx
import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from legevakt.problems import ProblemKind
from legevakt.sync.errors import (
    AuthenticationError,
    ConfigurationError,
    ForeignOrigin,
    InsecureTransport,
    MalformedResponse,
    PlatformError,
    PlatformUnreachable,
    TlsFailed,
    tls_failure,
)
from legevakt.sync.origins import origin, same_origin, shown, transport_problem

log = logging.getLogger("legevakt.sync")

KEYRING_SERVICE = "legevakt"
SMART_OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"

NO_KEYRING_HELP = (
    "No secure credential store (OS keyring) is available, so Legevakt will not store credentials. "
    "On Windows and macOS the built-in store is used automatically. On Linux, install and unlock a "
    "Secret Service provider in your desktop session (for example: apt install gnome-keyring, or KWallet), "
    "then run 'legevakt login' again. Legevakt never falls back to a plain-text file."
)


class KeyringUnavailable(PlatformError):
    user_message = NO_KEYRING_HELP


class NotLoggedIn(AuthenticationError):
    user_message = "No credentials stored for this platform. Run 'legevakt login --platform URL' first."
    kind = ProblemKind.PLATFORM_NO_CREDENTIALS


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str

    def __repr__(self) -> str:  # never print the secret, even in a traceback
        return f"ClientCredentials(client_id={self.client_id!r}, client_secret=***)"


def _backend() -> KeyringBackend:
    backend = keyring.get_keyring()
    # The "fail" backend (and a chainer with nothing in it) means there is no usable store.
    if type(backend).__module__.startswith("keyring.backends.fail") or getattr(backend, "priority", 1) <= 0:
        raise KeyringUnavailable(type(backend).__name__)
    return backend


def keyring_available() -> bool:
    try:
        _backend()
    except KeyringUnavailable:
        return False
    return True


def store_credentials(platform: str, creds: ClientCredentials) -> None:
    backend = _backend()
    try:
        backend.set_password(KEYRING_SERVICE, platform,
                             json.dumps({"client_id": creds.client_id, "client_secret": creds.client_secret}))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(type(exc).__name__) from exc


def load_credentials(platform: str) -> ClientCredentials | None:
    backend = _backend()
    try:
        raw = backend.get_password(KEYRING_SERVICE, platform)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(type(exc).__name__) from exc
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return ClientCredentials(str(data["client_id"]), str(data["client_secret"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise AuthenticationError("the stored credentials are damaged; run 'legevakt login' again") from exc


def delete_credentials(platform: str) -> None:
    backend = _backend()
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        backend.delete_password(KEYRING_SERVICE, platform)


def token_endpoint(capabilities: dict[str, object], base_url: str) -> str | None:
    """The SMART ``oauth-uris`` token URL from a CapabilityStatement, if it declares one."""
    for rest in capabilities.get("rest") or []:  # type: ignore[attr-defined]
        security = (rest or {}).get("security") or {}
        for ext in security.get("extension") or []:
            if isinstance(ext, dict) and ext.get("url") == SMART_OAUTH_URIS:
                for sub in ext.get("extension") or []:
                    if isinstance(sub, dict) and sub.get("url") == "token" and isinstance(sub.get("valueUri"), str):
                        return str(sub["valueUri"])
    return None


def _unreachable(exc: httpx.TransportError, what: str) -> PlatformUnreachable:
    """A transport fault as a typed error: ``TlsFailed`` for a certificate (or handshake) failure."""
    why = tls_failure(exc)
    if why is not None:
        return TlsFailed(f"{what}TLS: {why}")
    return PlatformUnreachable(f"{what}{type(exc).__name__}")


def check_token_url(token_url: str, platform: str | None = None) -> str:
    """``token_url`` if the secret may go there: http(s), not plain http to another machine and, when
    ``platform`` is given (the platform declared it), on the platform's own origin."""
    if platform is not None and not same_origin(token_url, origin(platform.rstrip("/") + "/")):
        log.warning("the platform declares a token endpoint on another origin (%s): refused", shown(token_url))
        raise ForeignOrigin("token-endpoint", shown(token_url))
    if transport_problem(token_url) is not None:
        log.warning("refused a token endpoint over plain http to another machine (%s)", shown(token_url))
        raise InsecureTransport(f"token endpoint {shown(token_url)}")
    return token_url


class ClientCredentialsTokens:
    """A ``TokenSource``: fetches bearer tokens with the client credentials grant, renews before expiry.

    The secret is sent only to ``token_url``, and never over plain http to another machine."""

    def __init__(self, token_url: str, creds: ClientCredentials, *, verify: bool = True, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None, margin_seconds: float = 30.0) -> None:
        self.token_url = check_token_url(token_url)
        self._creds = creds
        self._margin = margin_seconds
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self._http = httpx.Client(timeout=timeout, verify=verify, transport=transport)

    def close(self) -> None:
        self._http.close()

    def token(self) -> str | None:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires - self._margin:
                self._fetch()
            return self._token

    def refresh(self) -> str | None:
        with self._lock:
            self._fetch()
            return self._token

    def _fetch(self) -> None:
        self._token = None
        try:
            resp = self._http.post(self.token_url, data={
                "grant_type": "client_credentials", "client_id": self._creds.client_id,
                "client_secret": self._creds.client_secret})
        except httpx.TransportError as exc:
            raise _unreachable(exc, "token endpoint: ") from exc
        if resp.status_code in (400, 401, 403):
            raise AuthenticationError(f"token endpoint refused the client (HTTP {resp.status_code})",
                                      status=resp.status_code)
        if resp.status_code != 200:
            raise AuthenticationError(f"token endpoint answered HTTP {resp.status_code}", status=resp.status_code)
        try:
            body = resp.json()
            token = body["access_token"]
            lifetime = float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedResponse("token endpoint answer is not an OAuth2 token") from exc
        if not isinstance(token, str) or not token:
            raise MalformedResponse("token endpoint gave an empty token")
        self._token = token
        self._expires = time.monotonic() + lifetime
        log.info("obtained an access token valid for %.0f s", lifetime)


def discover_token_url(platform: str, *, verify: bool = True, timeout: float = 10.0,
                       transport: httpx.BaseTransport | None = None) -> str:
    """The platform's OAuth2 token endpoint: SMART ``oauth-uris`` in its CapabilityStatement, else
    ``.well-known/smart-configuration``. Raises ``ConfigurationError`` when it declares neither, and
    ``ForeignOrigin`` when it declares one on another origin (configure ``oauth_endpoint`` for that)."""
    base = platform.rstrip("/")
    if transport_problem(base) is not None:
        raise InsecureTransport(f"platform {shown(base)}")
    with httpx.Client(timeout=timeout, verify=verify, transport=transport,
                      headers={"Accept": "application/fhir+json"}) as http:
        try:
            resp = http.get(f"{base}/metadata")
            if resp.status_code == 200:
                with contextlib.suppress(ValueError):
                    body = resp.json()
                    if isinstance(body, dict):
                        url = token_endpoint(body, base)
                        if url:
                            return check_token_url(url, base)
            resp = http.get(f"{base}/.well-known/smart-configuration", headers={"Accept": "application/json"})
            if resp.status_code == 200:
                with contextlib.suppress(ValueError):
                    body = resp.json()
                    if isinstance(body, dict) and isinstance(body.get("token_endpoint"), str):
                        return check_token_url(str(body["token_endpoint"]), base)
        except httpx.TransportError as exc:
            raise _unreachable(exc, "") from exc
    raise ConfigurationError("the platform does not say where to get access tokens (no SMART oauth-uris in its "
                             "CapabilityStatement, no .well-known/smart-configuration)")


class NoCredentials:
    """The ``TokenSource`` when nothing is stored: requests go without a token, and a 401 tells the user to
    run ``legevakt login`` (``NotLoggedIn``) instead of a bare refusal."""

    def token(self) -> str | None:
        return None

    def refresh(self) -> str | None:
        raise NotLoggedIn()

    def close(self) -> None:
        pass


class PlatformTokens:
    """``ClientCredentialsTokens`` for a platform whose token endpoint is discovered on first use (so
    opening the app does no network I/O), or is the configured ``token_url``; thread-safe like the tokens
    it wraps."""

    def __init__(self, platform: str, creds: ClientCredentials, *, verify: bool = True, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None, token_url: str = "") -> None:
        self.platform = platform
        self.token_url = token_url
        self._creds = creds
        self._verify = verify
        self._timeout = timeout
        self._transport = transport
        self._lock = threading.Lock()
        self._inner: ClientCredentialsTokens | None = None

    def _tokens(self) -> ClientCredentialsTokens:
        with self._lock:
            if self._inner is None:
                url = self.token_url or discover_token_url(self.platform, verify=self._verify,
                                                           timeout=self._timeout, transport=self._transport)
                self._inner = ClientCredentialsTokens(url, self._creds, verify=self._verify, timeout=self._timeout,
                                                      transport=self._transport)
            return self._inner

    def token(self) -> str | None:
        return self._tokens().token()

    def refresh(self) -> str | None:
        return self._tokens().refresh()

    def close(self) -> None:
        with self._lock:
            if self._inner is not None:
                self._inner.close()
                self._inner = None


def stored_tokens(platform: str, *, verify: bool = True, timeout: float = 10.0,
                  token_url: str = "") -> PlatformTokens | NoCredentials:
    """The token source for a platform: its stored credentials, or ``NoCredentials`` when none are stored
    (or no keyring exists: the platform may not need any; a 401 then says to log in). ``token_url``: the
    configured token endpoint (empty: the one the platform declares on its own origin)."""
    try:
        creds = load_credentials(platform)
    except KeyringUnavailable:
        log.info("no OS keyring: connecting without stored credentials")
        creds = None
    except AuthenticationError:
        log.warning("the stored credentials are damaged; connecting without (log in again)")
        creds = None
    if creds is None:
        return NoCredentials()
    return PlatformTokens(platform, creds, verify=verify, timeout=timeout, token_url=token_url)
