"""OAuth2 client credentials with the secret in the OS keyring.

The client id and secret live only in the OS keyring (``keyring``), under the platform's base URL.
Access tokens live only in memory. Nothing secret is written to the config file, the database or a log.
Where no keyring backend exists, ``KeyringUnavailable`` says what to install; there is no plain-text
fallback.

The secret goes only to a token endpoint the configuration names, or one the platform declares on its own
origin (``ForeignOrigin`` otherwise: a CapabilityStatement cannot send the secret elsewhere), and never
over plain ``http://`` to another machine (``InsecureTransport``).

The token request (and the discovery of its endpoint) goes through a ``FhirClient`` on the token endpoint's
origin, so it has the FHIR client's protections: TLS verified unless configured otherwise, explicit
connect/read timeouts, a bounded body (``MAX_TOKEN_BODY``), no redirect followed to another origin (the
secret is not sent again anywhere: ``ForeignOrigin``), and an overall bound on the whole exchange: the
``timeout``, or what is left of the sync cycle's deadline when one runs, so a token endpoint that drips a
byte at a time or hangs after its headers cannot hold a cycle. Messages and logs name the endpoint's origin
and the error's type, never the secret, the token or the endpoint's own text.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from legevakt.problems import ProblemKind
from legevakt.sync.deadline import Deadline
from legevakt.sync.errors import (
    AuthenticationError,
    ConfigurationError,
    CycleDeadline,
    ForeignOrigin,
    InsecureTransport,
    MalformedResponse,
    PlatformError,
    PlatformUnreachable,
    TlsFailed,
)
from legevakt.sync.fhir import FhirClient, RetryPolicy, bounded_json
from legevakt.sync.mapping import as_dict, as_dicts
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
    """The SMART ``oauth-uris`` token URL from a CapabilityStatement, if it declares one (a node of the wrong
    JSON type reads as absent)."""
    for rest in as_dicts(capabilities.get("rest")):
        for ext in as_dicts(as_dict(rest.get("security")).get("extension")):
            if ext.get("url") == SMART_OAUTH_URIS:
                for sub in as_dicts(ext.get("extension")):
                    if sub.get("url") == "token" and isinstance(sub.get("valueUri"), str):
                        return str(sub["valueUri"])
    return None


#: The most a token endpoint's answer may hold: an OAuth2 token answer is a few kilobytes (a JWT, its type,
#: lifetime and scope); anything bigger is refused while it streams in.
MAX_TOKEN_BODY = 64 * 1024
#: The most a discovery answer (CapabilityStatement, smart-configuration) may hold.
MAX_DISCOVERY_BODY = 10 * 1024 * 1024
#: The longest lifetime believed: a token is renewed at least daily, whatever the server says.
MAX_TOKEN_LIFETIME = 24 * 3600.0
#: What a bearer token may hold (it goes into a header): visible ASCII, no spaces, no line breaks.
_TOKEN_TEXT = re.compile(r"[\x21-\x7e]{1,16384}")

_T = TypeVar("_T")


def _bounded(what: str, seconds: float, cycle: Deadline | None, run: Callable[[Deadline], _T]) -> _T:
    """``run`` within ``seconds`` overall, or what is left of the running ``cycle`` deadline if less.

    Past the cycle's deadline: ``CycleDeadline`` (the cycle is abandoned, as for any exchange); past the
    bound of its own: ``PlatformUnreachable`` naming ``what``. Transport faults name ``what`` too."""
    left = cycle.remaining() if cycle is not None else None
    if cycle is not None and left is not None and left <= 0.0:
        raise CycleDeadline(cycle.seconds)
    bound = seconds if left is None else min(seconds, left)
    own = Deadline(bound)
    try:
        with own.running():
            return run(own)
    except CycleDeadline:
        if cycle is not None and cycle.expired:
            raise CycleDeadline(cycle.seconds) from None
        log.warning("%s did not answer within %g s: abandoned", what, bound)
        raise PlatformUnreachable(f"{what}: no answer within {bound:g} s") from None
    except TlsFailed as exc:
        raise TlsFailed(f"{what}: {exc.detail}") from None
    except (ForeignOrigin, MalformedResponse):
        raise
    except PlatformUnreachable as exc:
        raise PlatformUnreachable(f"{what}: {exc.detail}") from None


@contextlib.contextmanager
def _client(url: str, *, verify: bool, timeout: float, transport: httpx.BaseTransport | None,
            max_body: int) -> Iterator[FhirClient]:
    """A FHIR client on ``url``'s origin, closed on leaving; one try per request (the bound is overall)."""
    client = FhirClient(url, timeout=timeout, verify=verify, transport=transport, retry=RetryPolicy(attempts=1),
                        max_body_bytes=max_body, max_string_bytes=max_body)
    try:
        yield client
    finally:
        client.close()


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

    The secret is sent only to ``token_url``, and never over plain http to another machine. Each token
    request ends within ``timeout`` seconds overall, or sooner when the sync cycle's ``deadline`` (the one
    the FHIR client keeps) runs out first (see the module doc)."""

    def __init__(self, token_url: str, creds: ClientCredentials, *, verify: bool = True, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None, margin_seconds: float = 30.0,
                 deadline: Deadline | None = None) -> None:
        self.token_url = check_token_url(token_url)
        self.timeout = timeout
        #: The sync cycle's deadline, when one runs: a token fetched inside a cycle ends with it.
        self.deadline = deadline
        self._creds = creds
        self._margin = margin_seconds
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self._http = FhirClient(self.token_url, timeout=timeout, verify=verify, transport=transport,
                                retry=RetryPolicy(attempts=1), max_body_bytes=MAX_TOKEN_BODY,
                                max_string_bytes=MAX_TOKEN_BODY)

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

    def _post(self, bound: Deadline) -> httpx.Response:
        self._http.deadline = bound
        try:
            return self._http.request("POST", self.token_url, where="token-endpoint", headers={
                "Accept": "application/json"}, form={
                "grant_type": "client_credentials", "client_id": self._creds.client_id,
                "client_secret": self._creds.client_secret})
        finally:
            self._http.deadline = None

    def _fetch(self) -> None:
        self._token = None
        resp = _bounded("token endpoint", self.timeout, self.deadline, self._post)
        if resp.status_code in (400, 401, 403):
            raise AuthenticationError(f"token endpoint refused the client (HTTP {resp.status_code})",
                                      status=resp.status_code)
        if resp.status_code != 200:  # a redirect too: the secret is not sent again, not even to the same origin
            raise AuthenticationError(f"token endpoint answered HTTP {resp.status_code}", status=resp.status_code)
        token, lifetime = _token_answer(resp.content)
        self._token = token
        self._expires = time.monotonic() + lifetime
        log.info("obtained an access token valid for %.0f s", lifetime)


def _token_answer(raw: bytes) -> tuple[str, float]:
    """The access token and its lifetime (seconds, at most ``MAX_TOKEN_LIFETIME``) from a token answer;
    ``MalformedResponse`` (saying what is wrong, never quoting the answer) for anything else."""
    try:
        body: Any = bounded_json(raw, max_depth=16, max_string_bytes=MAX_TOKEN_BODY)
    except MalformedResponse:
        raise MalformedResponse("token endpoint answer is not an OAuth2 token") from None
    token = as_dict(body).get("access_token")
    if not isinstance(token, str) or not token:
        raise MalformedResponse("token endpoint answer is not an OAuth2 token")
    if not _TOKEN_TEXT.fullmatch(token):
        raise MalformedResponse("token endpoint gave a token that cannot be sent (spaces, line breaks, too long)")
    given = as_dict(body).get("expires_in", 300)
    try:
        lifetime = float(given) if not isinstance(given, bool) else math.nan
    except (TypeError, ValueError, OverflowError):
        lifetime = math.nan
    if not math.isfinite(lifetime) or lifetime < 0:
        raise MalformedResponse("token endpoint answer has no usable expires_in")
    return token, min(lifetime, MAX_TOKEN_LIFETIME)


def discover_token_url(platform: str, *, verify: bool = True, timeout: float = 10.0,
                       transport: httpx.BaseTransport | None = None, deadline: Deadline | None = None) -> str:
    """The platform's OAuth2 token endpoint: SMART ``oauth-uris`` in its CapabilityStatement, else
    ``.well-known/smart-configuration``. Raises ``ConfigurationError`` when it declares neither, and
    ``ForeignOrigin`` when it declares one on another origin (configure ``oauth_endpoint`` for that).
    Bounded like the token request (``timeout`` overall, or the running cycle ``deadline``)."""
    base = platform.rstrip("/")
    if transport_problem(base) is not None:
        raise InsecureTransport(f"platform {shown(base)}")

    def discover(bound: Deadline) -> str | None:
        with _client(base, verify=verify, timeout=timeout, transport=transport, max_body=MAX_DISCOVERY_BODY) as http:
            http.deadline = bound
            resp = http.request("GET", http.url("metadata"))
            url = token_endpoint(_json_object(resp), base)
            if url:
                return check_token_url(url, base)  # on another origin: ForeignOrigin, nothing sent there
            resp = http.request("GET", http.url(".well-known/smart-configuration"),
                                headers={"Accept": "application/json"})
            found = _json_object(resp).get("token_endpoint")
            if isinstance(found, str):
                return check_token_url(found, base)
        return None

    url = _bounded("token endpoint discovery", timeout, deadline, discover)
    if url is not None:
        return url
    raise ConfigurationError("the platform does not say where to get access tokens (no SMART oauth-uris in its "
                             "CapabilityStatement, no .well-known/smart-configuration)")


def _json_object(resp: httpx.Response) -> dict[str, Any]:
    """A 200 answer's JSON object, or an empty one (an error, not JSON, too deep: nothing declared there)."""
    if resp.status_code != 200:
        return {}
    try:
        return as_dict(bounded_json(resp.content))
    except MalformedResponse:
        return {}


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
                 transport: httpx.BaseTransport | None = None, token_url: str = "",
                 deadline: Deadline | None = None) -> None:
        self.platform = platform
        self.token_url = token_url
        #: The sync cycle's deadline (the FHIR client's): discovery and token requests inside a cycle end with it.
        self.deadline = deadline
        self._creds = creds
        self._verify = verify
        self._timeout = timeout
        self._transport = transport
        self._lock = threading.Lock()
        self._inner: ClientCredentialsTokens | None = None

    def _tokens(self) -> ClientCredentialsTokens:
        with self._lock:
            if self._inner is None:
                url = self.token_url or discover_token_url(self.platform, verify=self._verify, timeout=self._timeout,
                                                           transport=self._transport, deadline=self.deadline)
                self._inner = ClientCredentialsTokens(url, self._creds, verify=self._verify, timeout=self._timeout,
                                                      transport=self._transport, deadline=self.deadline)
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


def stored_tokens(platform: str, *, verify: bool = True, timeout: float = 10.0, token_url: str = "",
                  deadline: Deadline | None = None) -> PlatformTokens | NoCredentials:
    """The token source for a platform: its stored credentials, or ``NoCredentials`` when none are stored
    (or no keyring exists: the platform may not need any; a 401 then says to log in). ``token_url``: the
    configured token endpoint (empty: the one the platform declares on its own origin). ``deadline``: the
    sync cycle's, which bounds token requests made inside a cycle."""
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
    return PlatformTokens(platform, creds, verify=verify, timeout=timeout, token_url=token_url, deadline=deadline)
