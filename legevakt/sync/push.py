"""Push: websocket subscriptions that wake the sync worker when something changed at the clinic.

Where the CapabilityStatement offers websocket subscriptions, ``PushChannel`` creates two Subscriptions
(``Encounter?location=<clinic>`` and ``List?subject=<clinic>``, channel ``websocket``), opens the websocket
in its own daemon thread and binds them:

- R4: ``bind <id>`` -> ``bound <id>``; each ``ping <id>`` means "something changed";
- Subscriptions Backport: ``$get-ws-binding-token`` per Subscription, ``bind-with-token <token>`` ->
  a handshake bundle, then heartbeat and event-notification bundles; the binding token is renewed before
  it expires, and heartbeats that stop coming mean the channel is lost.

R4 is preferred where a server offers both. A notification says only that something changed: the channel
calls ``wake()`` and the sync worker fetches and reconciles. When the socket drops (or heartbeats stop),
the channel is down (the worker keeps polling), and it reconnects with exponential back-off and full
jitter; after a reconnect it calls ``on_reconnect()`` (the worker then takes a full snapshot, which also
back-fills whatever changed while it was down) and ``wake()``. ``stop()`` deletes the Subscriptions.

The bearer token (when auth is on) goes in the websocket handshake's ``Authorization`` header, and only
to the platform's own origin (``ws``/``wss`` on its host and port): a websocket URL elsewhere, from the
CapabilityStatement or a ``$get-ws-binding-token`` answer, is refused (``ForeignOrigin``) and push is
unavailable (the worker polls).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection, connect
from websockets.uri import parse_uri

from legevakt.sync.backoff import full_jitter
from legevakt.sync.capabilities import ServerFeatures, discover
from legevakt.sync.errors import (
    AuthenticationError,
    ConfigurationError,
    ForeignOrigin,
    PlatformError,
    PlatformUnreachable,
    Refused,
    tls_failure,
)
from legevakt.sync.fhir import FhirClient, RetryPolicy, TokenSource
from legevakt.sync.mapping import parse_instant
from legevakt.sync.origins import Origin, origin, origin_of
from legevakt.worklist.shared_alerts import all_codes_token

log = logging.getLogger("legevakt.sync")

Resource = dict[str, Any]

BACKPORT_HEARTBEAT_EXT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period"
#: websockets >= 17 warns unless ``legacy=True`` asks for a plain connection; older versions lack the flag.
_LEGACY_KW: dict[str, Any] = {"legacy": True} if "legacy" in inspect.signature(connect).parameters else {}


class PushFlavour(StrEnum):
    R4 = "r4"
    BACKPORT = "backport"


class PushState(StrEnum):
    STARTING = "starting"
    UP = "up"  # bound: notifications arrive
    DOWN = "down"  # lost; reconnecting with back-off (the worker polls meanwhile)
    UNAVAILABLE = "unavailable"  # the server offers no websocket subscriptions (or refused ours)
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class PushConfig:
    flavour: PushFlavour | None = None  # None: R4 where offered, else the Backport
    backoff_base: float = 0.5  # seconds; doubled per failed attempt, full jitter
    backoff_max: float = 30.0
    heartbeat_seconds: float = 10.0  # Backport: asked of the server; silence for 2.5x this = lost
    renew_share: float = 0.8  # Backport: renew the binding token when this share of its life has passed
    open_timeout: float = 10.0
    ping_interval: float | None = 20.0  # websocket keep-alive pings (R4 has no heartbeats of its own)
    poll: float = 0.25  # how often the receiving thread looks up (stop, deadlines)


class _Lost(Exception):
    """The channel is lost; ``recreate``: the Subscriptions are gone on the server and must be made again."""

    def __init__(self, why: str, *, recreate: bool = False, reauth: bool = False) -> None:
        super().__init__(why)
        self.recreate = recreate
        self.reauth = reauth
        self.was_up = False  # the channel had been up on this connection


class PushChannel:
    """Websocket notifications for one clinic, in a daemon thread. ``up`` says whether push is live."""

    def __init__(self, base_url: str, clinic_ref: str, *, wake: Callable[[], None],
                 on_reconnect: Callable[[], None] = lambda: None, tokens: TokenSource | None = None,
                 verify: bool = True, timeout: float = 10.0, config: PushConfig | None = None,
                 features: ServerFeatures | None = None) -> None:
        self.base_url = base_url
        self.clinic_ref = clinic_ref
        self.wake = wake
        self.on_reconnect = on_reconnect
        self.config = config or PushConfig()
        self.features = features
        self._tokens = tokens
        self._verify = verify
        self._timeout = timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ws: ClientConnection | None = None
        self._subs: dict[str, str] = {}  # Subscription id -> criteria
        self._state = PushState.STOPPED
        self._state_lock = threading.Lock()
        self.flavour: PushFlavour | None = None
        self.problem: str | None = None  # why push is down or unavailable, in plain words
        self.notifications = 0
        self.connects = 0
        self.renewals = 0  # Backport binding tokens renewed on an open socket

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._set_state(PushState.STARTING)
        self._thread = threading.Thread(target=self._run, name="legevakt-push", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Close the socket, delete the Subscriptions and join the thread."""
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.error("push channel did not stop within %.0f s", timeout)
        self._set_state(PushState.STOPPED)

    def drop(self) -> None:
        """Close the socket from our side (tests, or the user asks to reconnect); it reconnects itself."""
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.close()

    @property
    def state(self) -> PushState:
        return self._state

    @property
    def up(self) -> bool:
        return self._state is PushState.UP

    @property
    def subscription_ids(self) -> list[str]:
        return list(self._subs)

    def _set_state(self, state: PushState, problem: str | None = None) -> bool:
        with self._state_lock:
            changed = state is not self._state
            self._state = state
            if state is PushState.UP:
                self.problem = None
            elif problem is not None:
                self.problem = problem
        return changed

    # -- the thread ----------------------------------------------------------------------------------
    def _run(self) -> None:
        # One try per request: a failed session is retried as a whole, with back-off; and stop() is never
        # held up for long by a platform that no longer answers.
        client = FhirClient(self.base_url, timeout=self._timeout, verify=self._verify, tokens=self._tokens,
                            retry=RetryPolicy(attempts=1))
        failures = 0
        try:
            while not self._stop.is_set():
                was_up = False
                try:
                    if self.features is None:
                        self.features = discover(client)
                    flavour = self._choose(self.features)
                    if flavour is None:
                        self._set_state(PushState.UNAVAILABLE, "the platform offers no websocket subscriptions")
                        log.info("push unavailable: no websocket subscriptions offered; polling")
                        return
                    self.flavour = flavour
                    if flavour is PushFlavour.R4 and self.features.websocket_url is not None:
                        self._require_origin(self.features.websocket_url)  # before any Subscription is made
                    self._ensure_subscriptions(client, flavour)
                    was_up = self._session(client, flavour)
                    why = "the connection closed"
                except _Lost as exc:
                    why = str(exc)
                    was_up = exc.was_up
                    if exc.recreate:
                        self._cleanup(client)  # delete what is left of them; new ones are made next
                    if exc.reauth and self._tokens is not None:
                        with contextlib.suppress(PlatformError):
                            self._tokens.refresh()
                except ForeignOrigin as exc:  # the token would go elsewhere: refused, and it will not change
                    self._set_state(PushState.UNAVAILABLE, str(exc))
                    log.warning("push unavailable: %s; polling", exc.detail)
                    return
                except (ConfigurationError, Refused) as exc:
                    self._set_state(PushState.UNAVAILABLE, exc.user_message)
                    # the server's own text (an OperationOutcome) may quote anything: type and status only
                    log.warning("push unavailable: %s%s; polling", type(exc).__name__,
                                f" (HTTP {exc.status})" if exc.status is not None else "")
                    return
                except InvalidStatus as exc:  # the websocket upgrade was refused
                    why = f"the websocket upgrade was refused (HTTP {exc.response.status_code})"
                    if exc.response.status_code in (401, 403) and self._tokens is not None:
                        with contextlib.suppress(PlatformError):
                            self._tokens.refresh()
                except (PlatformError, OSError, InvalidHandshake, InvalidURI, ConnectionClosed,
                        ValueError) as exc:
                    tls = tls_failure(exc)
                    why = f"the websocket's TLS failed: {tls}" if tls else f"{type(exc).__name__}"
                if self._stop.is_set():
                    return
                failures = 1 if was_up else failures + 1
                if self._set_state(PushState.DOWN, f"push down ({why}); polling meanwhile"):
                    log.warning("push down (%s); polling, reconnecting", why)
                    self.wake()  # the link shows poll now
                delay = full_jitter(failures + 1, base=self.config.backoff_base, cap=self.config.backoff_max)
                self._stop.wait(delay)
        finally:
            self._ws = None
            self._cleanup(client)
            client.close()

    def _choose(self, features: ServerFeatures) -> PushFlavour | None:
        if "Subscription" not in features.subscription_types:
            return None
        wanted = self.config.flavour
        if wanted is PushFlavour.R4 or (wanted is None and features.websocket_url is not None):
            return PushFlavour.R4 if features.websocket_url is not None else None
        return PushFlavour.BACKPORT if features.backport_binding else None

    # -- Subscriptions -----------------------------------------------------------------------------------
    def _ensure_subscriptions(self, client: FhirClient, flavour: PushFlavour) -> None:
        if self._subs:
            return
        wanted = [f"Encounter?location={self.clinic_ref}", f"List?subject={self.clinic_ref}"]
        if self.features is not None and "Task" in self.features.resource_types:
            # shared alerts: another workstation's acknowledgement wakes this one at once, not at the
            # safety-net poll (a notification only says "something changed"; the cycle follows the Tasks)
            wanted.append(f"Task?code={all_codes_token()}")
        for criteria in wanted:
            channel: Resource = {"type": "websocket"}
            if flavour is PushFlavour.BACKPORT:
                channel["extension"] = [{"url": BACKPORT_HEARTBEAT_EXT,
                                         "valueUnsignedInt": max(1, round(self.config.heartbeat_seconds))}]
            body = {"resourceType": "Subscription", "status": "requested", "criteria": criteria,
                    "reason": "Legevakt worklist: wake the sync when the clinic's queue changes",
                    "channel": channel}
            created = client.json(client.request("POST", client.url("Subscription"), json_body=body),
                                  expect="Subscription")
            sid = created.get("id")
            if not isinstance(sid, str) or not sid:
                raise ConfigurationError("the platform created a Subscription without an id")
            self._subs[sid] = criteria
            if created.get("status") not in ("requested", "active"):
                raise ConfigurationError(f"the platform set our Subscription to {created.get('status')!r}: "
                                         f"{created.get('error') or 'no reason given'}")
        log.info("created %d websocket subscriptions", len(self._subs))

    def _cleanup(self, client: FhirClient) -> None:
        for sid in list(self._subs):
            try:
                resp = client.request("DELETE", client.url(f"Subscription/{sid}"))
                if resp.status_code >= 400 and resp.status_code not in (404, 410):
                    log.warning("could not delete Subscription/%s: HTTP %d", sid, resp.status_code)
            except PlatformUnreachable:
                log.warning("could not delete %d Subscription(s): the platform is unreachable", len(self._subs))
                self._subs.clear()
                return
            except PlatformError as exc:
                log.warning("could not delete Subscription/%s: %s", sid, type(exc).__name__)
            self._subs.pop(sid, None)

    # -- one connection ----------------------------------------------------------------------------------
    def _session(self, client: FhirClient, flavour: PushFlavour) -> bool:
        """Connect, bind, and receive until the channel is lost or stopped. True if it was up."""
        tokens: dict[str, tuple[str, float]] = {}  # Backport: sid -> (binding token, renew at monotonic)
        if flavour is PushFlavour.BACKPORT:
            for sid in self._subs:
                url, tokens[sid] = self._binding_token(client, sid)
        else:
            assert self.features is not None and self.features.websocket_url is not None
            url = self.features.websocket_url
        self._require_origin(url)  # before the token is put in a handshake
        headers = {}
        if self._tokens is not None:
            bearer = self._tokens.token()
            if bearer:
                headers["Authorization"] = f"Bearer {bearer}"
        ws = self._connect(url, headers)
        self._ws = ws
        up = False
        try:
            if flavour is PushFlavour.R4:
                for sid in self._subs:
                    ws.send(f"bind {sid}")
                    self._await_r4_bound(ws, sid)
            else:
                for sid, (token, _) in tokens.items():
                    ws.send(f"bind-with-token {token}")
                    self._await_handshake(ws, sid)
            up = True
            self.connects += 1
            self._set_state(PushState.UP)
            log.info("push up (%s, %d subscriptions)", flavour.value, len(self._subs))
            if self.connects > 1:
                self.on_reconnect()  # a full snapshot back-fills what changed while we were down
            self.wake()
            self._receive(client, ws, flavour, tokens)
        except _Lost as exc:
            exc.was_up = up
            raise
        finally:
            self._ws = None
            with contextlib.suppress(Exception):
                ws.close()
        return up

    def _require_origin(self, url: str) -> None:
        """Refuse a websocket URL that is not on the platform's origin (ws/wss on its host and port)."""
        found: Origin | None
        try:
            uri = parse_uri(url)  # as websockets will connect
            found = origin_of("https" if uri.secure else "http", uri.host, uri.port)
        except (InvalidURI, ValueError):
            found = None
        if found is None or found != origin(self.base_url.rstrip("/") + "/"):
            raise ForeignOrigin("websocket", str(found) if found is not None else "–")

    def _connect(self, url: str, headers: dict[str, str]) -> ClientConnection:
        tls: dict[str, Any] = {}
        if url.lower().startswith("wss:") and not self._verify:  # as the FHIR client (verify_tls = false)
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            tls["ssl"] = context
        ws = connect(url, additional_headers=headers, open_timeout=self.config.open_timeout,
                     ping_interval=self.config.ping_interval, close_timeout=2, **tls, **_LEGACY_KW)
        assert isinstance(ws, ClientConnection)
        return ws

    def _await_r4_bound(self, ws: ClientConnection, sid: str) -> None:
        deadline = time.monotonic() + self.config.open_timeout
        while True:
            text = self._recv(ws, max(0.01, deadline - time.monotonic()))
            if text is None:
                raise _Lost(f"no answer to bind {sid}")
            verb, _, rest = text.partition(" ")
            if verb == "bound" and rest.split()[:1] == [sid]:
                return
            if verb == "ping":
                self._notified()
            elif verb == "error":
                self._error(rest)

    def _await_handshake(self, ws: ClientConnection, sid: str) -> None:
        deadline = time.monotonic() + self.config.open_timeout
        while True:
            text = self._recv(ws, max(0.01, deadline - time.monotonic()))
            if text is None:
                raise _Lost(f"no handshake for Subscription/{sid}")
            kind, about = self._backport_message(text)
            if kind == "handshake" and about == sid:
                return
            if kind == "event-notification":
                self._notified()

    def _receive(self, client: FhirClient, ws: ClientConnection, flavour: PushFlavour,
                 tokens: dict[str, tuple[str, float]]) -> None:
        cfg = self.config
        silence_limit = 2.5 * cfg.heartbeat_seconds
        last_heard = time.monotonic()
        while not self._stop.is_set():
            text = self._recv(ws, cfg.poll)
            now = time.monotonic()
            if text is not None:
                last_heard = now
                if flavour is PushFlavour.R4:
                    verb, _, rest = text.partition(" ")
                    if verb == "ping":
                        self._notified()
                    elif verb == "error":
                        self._error(rest)
                else:
                    kind, _ = self._backport_message(text)
                    if kind == "event-notification":
                        self._notified()
            if flavour is PushFlavour.BACKPORT:
                if now - last_heard > silence_limit:
                    raise _Lost(f"no heartbeat for {now - last_heard:.1f} s")
                for sid, (_, renew_at) in list(tokens.items()):
                    if now >= renew_at:
                        _, tokens[sid] = self._binding_token(client, sid)
                        ws.send(f"bind-with-token {tokens[sid][0]}")
                        self.renewals += 1
                        log.debug("renewed the binding token of Subscription/%s", sid)

    def _recv(self, ws: ClientConnection, timeout: float) -> str | None:
        try:
            data = ws.recv(timeout=timeout)
        except TimeoutError:
            return None
        except ConnectionClosed as exc:
            raise _Lost("the server closed the websocket") from exc
        return (data.decode("utf-8", "replace") if isinstance(data, bytes) else data).strip()

    def _notified(self) -> None:
        self.notifications += 1
        self.wake()

    def _error(self, rest: str) -> None:
        text = rest.lower()
        if "unauthori" in text:
            raise _Lost("the websocket refused our credentials", reauth=True)
        if "not found" in text or "not active" in text:
            raise _Lost("the platform no longer has our Subscriptions", recreate=True)
        raise _Lost("the websocket reported an error")

    def _backport_message(self, text: str) -> tuple[str | None, str | None]:
        """(notification type, Subscription id) of a Backport bundle; (None, None) for anything else."""
        if text.startswith("error"):
            self._error(text[5:])
        try:
            bundle = json.loads(text)
        except ValueError:
            return None, None
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            return None, None
        entries = bundle.get("entry") or []
        status = entries[0].get("resource") if entries and isinstance(entries[0], dict) else None
        if not isinstance(status, dict) or status.get("resourceType") not in ("Parameters", "SubscriptionStatus"):
            return None, None
        kind = about = None
        if status.get("resourceType") == "SubscriptionStatus":  # R4B / R5 shape
            kind = status.get("type")
            about = (status.get("subscription") or {}).get("reference")
        else:
            for param in status.get("parameter") or []:
                if not isinstance(param, dict):
                    continue
                if param.get("name") == "type":
                    kind = param.get("valueCode")
                elif param.get("name") == "subscription":
                    about = (param.get("valueReference") or {}).get("reference")
        sid = about.rstrip("/").split("/")[-1] if isinstance(about, str) else None
        return (kind if isinstance(kind, str) else None), sid

    def _binding_token(self, client: FhirClient, sid: str) -> tuple[str, tuple[str, float]]:
        """``$get-ws-binding-token``: (websocket URL, (token, when to renew it, monotonic))."""
        try:
            body = client.json(client.request("POST", client.url(f"Subscription/{sid}/$get-ws-binding-token")),
                               expect="Parameters")
        except (Refused, AuthenticationError) as exc:
            if isinstance(exc, Refused) or exc.status == 403:
                raise _Lost("the platform would not give a binding token", recreate=True) from exc
            raise
        except PlatformError as exc:
            if exc.status in (404, 410):
                raise _Lost("the platform no longer has our Subscriptions", recreate=True) from exc
            raise
        values = {p.get("name"): p for p in body.get("parameter") or [] if isinstance(p, dict)}
        token = (values.get("token") or {}).get("valueString")
        url = (values.get("websocket-url") or {}).get("valueUrl") or (values.get("websocket-url") or {}).get(
            "valueUri") or (self.features.websocket_url if self.features else None)
        if not isinstance(token, str) or not token or not isinstance(url, str):
            raise ConfigurationError("the platform's $get-ws-binding-token answer has no token or URL")
        lifetime = 60.0
        expires = (values.get("expiration") or {}).get("valueDateTime")
        if isinstance(expires, str):
            try:
                server_now = _http_date(client.last_date) or datetime.now(UTC)
                lifetime = max(1.0, (parse_instant(expires, "expiration") - server_now).total_seconds())
            except PlatformError:
                pass
        return url, (token, time.monotonic() + self.config.renew_share * lifetime)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # A Date without a zone (or a doubled header) parses naive: read it as UTC, never crash the thread on it.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
