"""What the platform says it can do, read from its CapabilityStatement (``[base]/metadata``).

Only standard declarations are read: ``rest.resource.interaction`` (``history-type``), declared search
parameters, the R4 websocket extension, the Subscriptions Backport ``$get-ws-binding-token`` operation and
SMART's ``oauth-uris``. A server without a usable CapabilityStatement (404, malformed) gets
``ServerFeatures.unknown()``: it is still synced, by full snapshots only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from legevakt.sync.auth import token_endpoint
from legevakt.sync.errors import ForeignOrigin, MalformedResponse, NotFound, Refused
from legevakt.sync.fhir import FhirClient

log = logging.getLogger("legevakt.sync")

Resource = dict[str, Any]

WEBSOCKET_EXT = "http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket"
GET_WS_BINDING_TOKEN = "get-ws-binding-token"


@dataclass(frozen=True, slots=True)
class ServerFeatures:
    known: bool  # a usable CapabilityStatement was read
    history_types: frozenset[str] = frozenset()  # types with type-level history (``history-type``)
    search_params: dict[str, frozenset[str]] = field(default_factory=dict)  # declared, per type and "*"
    subscription_types: frozenset[str] = frozenset()  # "Subscription" when it may be created and deleted
    websocket_url: str | None = None  # R4 websocket channel (the CapabilityStatement extension)
    backport_binding: bool = False  # Subscription/$get-ws-binding-token (Subscriptions Backport)
    token_url: str | None = None
    interactions: dict[str, frozenset[str]] = field(default_factory=dict)  # per declared type: its interactions

    @classmethod
    def unknown(cls) -> ServerFeatures:
        return cls(known=False)

    def has_history(self, rtype: str) -> bool:
        return rtype in self.history_types

    def searches_last_updated(self, rtype: str) -> bool:
        """Whether ``_lastUpdated`` may be searched on ``rtype``: declared for the type or server-wide, or
        (as many servers leave the common parameters out) the type declares no parameters at all."""
        declared = self.search_params.get(rtype, frozenset()) | self.search_params.get("*", frozenset())
        return self.known and ("_lastUpdated" in declared or not self.search_params.get(rtype))

    @property
    def resource_types(self) -> frozenset[str]:
        """The types ``rest.resource`` declares."""
        return frozenset(self.interactions)

    @property
    def websocket_subscriptions(self) -> bool:
        return "Subscription" in self.subscription_types and (self.websocket_url is not None
                                                              or self.backport_binding)


def parse_capabilities(body: Resource, base_url: str) -> ServerFeatures:
    if body.get("resourceType") != "CapabilityStatement":
        raise MalformedResponse("not a CapabilityStatement")
    history: set[str] = set()
    params: dict[str, frozenset[str]] = {}
    subscriptions: set[str] = set()
    interactions: dict[str, frozenset[str]] = {}
    ws_url = _websocket_url(body.get("extension"))
    backport = False
    rests = body.get("rest")
    if not isinstance(rests, list):
        raise MalformedResponse("CapabilityStatement.rest is not a list")
    for rest in rests:
        if not isinstance(rest, dict) or rest.get("mode", "server") != "server":
            continue
        ws_url = ws_url or _websocket_url(rest.get("extension"))
        params["*"] = params.get("*", frozenset()) | _names(rest.get("searchParam"))
        for res in rest.get("resource") or []:
            if not isinstance(res, dict) or not isinstance(res.get("type"), str):
                continue
            rtype = res["type"]
            codes = {c for c in (i.get("code") for i in res.get("interaction") or [] if isinstance(i, dict))
                     if isinstance(c, str)}
            interactions[rtype] = frozenset(codes)
            if "history-type" in codes:
                history.add(rtype)
            params[rtype] = _names(res.get("searchParam"))
            if rtype == "Subscription" and "create" in codes:
                subscriptions.add(rtype)
                for op in res.get("operation") or []:
                    if not isinstance(op, dict):
                        continue
                    name, definition = op.get("name"), op.get("definition")
                    if name == GET_WS_BINDING_TOKEN or (isinstance(definition, str)
                                                        and definition.endswith(GET_WS_BINDING_TOKEN)):
                        backport = True
    return ServerFeatures(known=True, history_types=frozenset(history), search_params=params,
                          subscription_types=frozenset(subscriptions), websocket_url=ws_url,
                          backport_binding=backport, token_url=token_endpoint(body, base_url),
                          interactions=interactions)


def discover(client: FhirClient) -> ServerFeatures:
    """Read ``[base]/metadata``. A missing or unusable statement is ``ServerFeatures.unknown()``; the
    platform being unreachable (or refusing our credentials), or sending us to another origin, raises, so
    the caller can try again."""
    try:
        body = client.capabilities()
        return parse_capabilities(body, client.base_url.rstrip("/"))
    except ForeignOrigin:
        raise  # refused, not "no statement": the caller says why (and tries again)
    except (NotFound, Refused, MalformedResponse) as exc:
        log.info("no usable CapabilityStatement (%s): full snapshots only, no push", type(exc).__name__)
        return ServerFeatures.unknown()


def _names(params: object) -> frozenset[str]:
    if not isinstance(params, list):
        return frozenset()
    return frozenset(p["name"] for p in params if isinstance(p, dict) and isinstance(p.get("name"), str))


def _websocket_url(extensions: object) -> str | None:
    if not isinstance(extensions, list):
        return None
    for ext in extensions:
        if isinstance(ext, dict) and ext.get("url") == WEBSOCKET_EXT:
            value = ext.get("valueUrl") or ext.get("valueUri")
            if isinstance(value, str) and value.startswith(("ws://", "wss://")):
                return value
    return None
