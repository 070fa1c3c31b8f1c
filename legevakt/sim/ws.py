"""Websocket subscriptions: R4 (``bind <id>`` / ``ping <id>``) and a minimal Subscriptions Backport
flavour (``$get-ws-binding-token``, ``bind-with-token``, handshake, heartbeats, event notifications).

Store changes may come from any thread (the Python API, the clinic ticker, REST handlers); matching runs
in the writer under the store lock and delivery is handed to the server's event loop with
``call_soon_threadsafe``, so notifications go out within milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from legevakt.sim.auth import TokenIssuer, bearer_token
from legevakt.sim.faults import Faults
from legevakt.sim.fhirtime import instant, utcnow
from legevakt.sim.resources import Resource, ResourceStore, Version
from legevakt.sim.search import Query, SearchError, matches, parse_criteria

log = logging.getLogger("legevakt.sim")

BACKPORT_STATUS_PROFILE = (
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4"
)
BINDING_TOKEN_TTL = 60.0
_CLOSE = object()


def subscription_problem(sub: Resource) -> str | None:
    """Why a Subscription cannot be served over our websocket, or None if it can."""
    channel = sub.get("channel") or {}
    if channel.get("type") != "websocket":
        return f"channel type {channel.get('type')!r} is not supported (only websocket)"
    try:
        parse_criteria(str(sub.get("criteria") or ""))
    except SearchError as exc:
        return f"invalid criteria: {exc}"
    return None


@dataclass(eq=False)
class _Conn:
    ws: WebSocket
    authed: bool
    queue: asyncio.Queue[object] = field(default_factory=asyncio.Queue)
    r4: set[str] = field(default_factory=set)
    backport: set[str] = field(default_factory=set)
    heartbeat: asyncio.Task[None] | None = None


class SubscriptionHub:
    def __init__(
        self, store: ResourceStore, faults: Faults, tokens: TokenIssuer, require_auth: bool, base_url: str
    ) -> None:
        self.store = store
        self.faults = faults
        self.tokens = tokens
        self.require_auth = require_auth
        self.base_url = base_url
        self.ws_url = "ws" + base_url[len("http") :] + "/$websocket"
        self.loop: asyncio.AbstractEventLoop | None = None
        self._criteria: dict[str, Query] = {}  # active websocket subscriptions (under store lock)
        self._events: dict[str, int] = {}  # events since subscription start (loop thread)
        self._conns: set[_Conn] = set()  # loop thread only
        self._bind_tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        with store.lock:
            for sub in store.live("Subscription"):
                self._track_subscription(str(sub["id"]), sub)
            store.add_listener(self.on_change)
        faults._on_drop_websockets.append(self.drop_all)

    def close(self) -> None:
        self.store.remove_listener(self.on_change)
        if self.drop_all in self.faults._on_drop_websockets:
            self.faults._on_drop_websockets.remove(self.drop_all)
        self.loop = None

    # -- change feed (any thread, store lock held) -----------------------------------------------------

    def _track_subscription(self, sid: str, sub: Resource | None) -> None:
        if sub is None or sub.get("status") != "active" or subscription_problem(sub) is not None:
            self._criteria.pop(sid, None)
            return
        self._criteria[sid] = parse_criteria(str(sub["criteria"]))

    def on_change(self, version: Version, prev: Resource | None) -> None:
        if version.type == "Subscription":
            self._track_subscription(version.id, version.resource)
        res = version.resource
        matched = [
            sid
            for sid, q in self._criteria.items()
            if (res is not None and matches(res, q, version.last_updated))
            or (prev is not None and matches(prev, q, None))
        ]
        loop = self.loop
        if matched and loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed during shutdown
                loop.call_soon_threadsafe(self._notify, matched, version.ref, instant(version.last_updated))

    # -- delivery (loop thread) ------------------------------------------------------------------------

    def _notify(self, sub_ids: list[str], focus: str, when: str) -> None:
        for sid in sub_ids:
            self._events[sid] = self._events.get(sid, 0) + 1
        for conn in list(self._conns):
            for sid in sub_ids:
                if sid in conn.r4:
                    conn.queue.put_nowait(f"ping {sid}")
                if sid in conn.backport:
                    conn.queue.put_nowait(self._bundle(sid, "event-notification", focus, when))

    def drop_all(self) -> None:
        """Close every websocket from the server side (thread-safe)."""
        loop = self.loop
        if loop is None:
            return

        def _drop() -> None:
            for conn in list(self._conns):
                conn.queue.put_nowait(_CLOSE)

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_drop)

    def _bundle(self, sid: str, kind: str, focus: str | None = None, when: str | None = None) -> str:
        n = self._events.get(sid, 0)
        params: list[dict[str, Any]] = [
            {"name": "subscription", "valueReference": {"reference": f"{self.base_url}/Subscription/{sid}"}},
            {"name": "status", "valueCode": "active"},
            {"name": "type", "valueCode": kind},
            {"name": "events-since-subscription-start", "valueString": str(n)},
        ]
        sub = self.store.get("Subscription", sid)
        if sub is not None and sub.get("criteria"):
            params.insert(1, {"name": "topic", "valueCanonical": str(sub["criteria"])})
        entries: list[dict[str, Any]] = []
        if kind == "event-notification" and focus is not None:
            params.append(
                {
                    "name": "notification-event",
                    "part": [
                        {"name": "event-number", "valueString": str(n)},
                        {"name": "timestamp", "valueInstant": when or instant(utcnow())},
                        {"name": "focus", "valueReference": {"reference": focus}},
                    ],
                }
            )
            entries.append(
                {
                    "fullUrl": f"{self.base_url}/{focus}",
                    "request": {"method": "PUT", "url": focus},
                    "response": {"status": "200"},
                }
            )
        status = {
            "resourceType": "Parameters",
            "id": str(uuid.uuid4()),
            "meta": {"profile": [BACKPORT_STATUS_PROFILE]},
            "parameter": params,
        }
        bundle = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": "history",
            "timestamp": instant(utcnow()),
            "entry": [
                {
                    "fullUrl": f"urn:uuid:{status['id']}",
                    "resource": status,
                    "request": {"method": "GET", "url": f"{self.base_url}/Subscription/{sid}/$status"},
                    "response": {"status": "200"},
                },
                *entries,
            ],
        }
        return json.dumps(bundle, ensure_ascii=False)

    # -- backport binding tokens -----------------------------------------------------------------------

    def issue_binding_token(self, sid: str) -> tuple[str, str]:
        """A one-minute token binding to ``sid``; returns (token, expiration instant)."""
        token = secrets.token_urlsafe(18)
        now = time.monotonic()
        with self._lock:
            self._bind_tokens = {t: v for t, v in self._bind_tokens.items() if v[1] > now}
            self._bind_tokens[token] = (sid, now + BINDING_TOKEN_TTL)
        return token, instant(utcnow() + dt.timedelta(seconds=BINDING_TOKEN_TTL))

    def _redeem(self, token: str) -> str | None:
        with self._lock:
            item = self._bind_tokens.get(token)
        if item is None or item[1] <= time.monotonic():
            return None
        return item[0]

    # -- the websocket endpoint ------------------------------------------------------------------------

    async def endpoint(self, websocket: WebSocket) -> None:
        token = websocket.query_params.get("access_token") or bearer_token(websocket.headers.get("authorization"))
        await websocket.accept()
        conn = _Conn(websocket, authed=not self.require_auth or self.tokens.valid(token))
        self._conns.add(conn)
        sender = asyncio.create_task(self._sender(conn))
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None and message.get("bytes") is not None:
                    text = message["bytes"].decode("utf-8", "replace")
                if text:
                    self._handle(conn, text.strip())
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self._conns.discard(conn)
            tasks = [t for t in (sender, conn.heartbeat) if t is not None]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _handle(self, conn: _Conn, text: str) -> None:
        verb, _, rest = text.partition(" ")
        args = rest.split()
        if verb == "bind" and args:
            sid = args[0]
            if not conn.authed and not (len(args) > 1 and self.tokens.valid(args[1])):
                conn.queue.put_nowait(f"error {sid} unauthorized")
                conn.queue.put_nowait(_CLOSE)
                return
            if sid not in self._criteria:
                conn.queue.put_nowait(f"error {sid} subscription not found or not active")
                return
            conn.r4.add(sid)
            conn.queue.put_nowait(f"bound {sid}")
        elif verb == "bind-with-token" and args:
            sid_or_none = self._redeem(args[0])
            if sid_or_none is None or sid_or_none not in self._criteria:
                conn.queue.put_nowait(f"error {args[0]} invalid or expired binding token")
                return
            conn.backport.add(sid_or_none)
            conn.queue.put_nowait(self._bundle(sid_or_none, "handshake"))
            if conn.heartbeat is None:
                conn.heartbeat = asyncio.get_running_loop().create_task(self._heartbeat(conn))
        elif verb == "unbind" and args:
            conn.r4.discard(args[0])
            conn.backport.discard(args[0])
            conn.queue.put_nowait(f"unbound {args[0]}")
        else:
            conn.queue.put_nowait(f"error unknown command {verb!r}")

    async def _sender(self, conn: _Conn) -> None:
        try:
            while True:
                item = await conn.queue.get()
                if item is _CLOSE:
                    await conn.ws.close(code=1001, reason="dropped by simulator")
                    return
                await conn.ws.send_text(str(item))
        except (WebSocketDisconnect, RuntimeError):
            return

    async def _heartbeat(self, conn: _Conn) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.05)
            if time.monotonic() - last >= float(self.faults.heartbeat_seconds):
                last = time.monotonic()
                for sid in list(conn.backport):
                    conn.queue.put_nowait(self._bundle(sid, "heartbeat"))
