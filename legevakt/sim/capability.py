"""The simulator's CapabilityStatement."""

from __future__ import annotations

from typing import Any

from legevakt.sim.fhirtime import instant, utcnow
from legevakt.sim.search import PARAMS, RESOURCE_TYPES

WEBSOCKET_EXT = "http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket"
OAUTH_URIS_EXT = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
GET_WS_BINDING_TOKEN = (
    "http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-get-ws-binding-token"
)
_KIND_TO_TYPE = {"token": "token", "reference": "reference", "string": "string", "date": "date"}


def capability_statement(base_url: str, ws_url: str, require_auth: bool, *,
                         without: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``without``: resource types left out (a server that does not offer them)."""
    resources: list[dict[str, Any]] = []
    for rtype in RESOURCE_TYPES:
        if rtype in without:
            continue
        interactions = ["read", "vread", "search-type", "update", "create", "history-type", "history-instance"]
        if rtype == "Subscription":
            interactions.append("delete")
        params = [
            {"name": "_id", "type": "token"},
            {"name": "_lastUpdated", "type": "date"},
            *({"name": n, "type": _KIND_TO_TYPE[kind]} for n, (kind, _) in PARAMS[rtype].items()),
        ]
        entry: dict[str, Any] = {
            "type": rtype,
            "interaction": [{"code": c} for c in interactions],
            "versioning": "versioned",
            "readHistory": True,
            "updateCreate": True,
            "conditionalCreate": True,
            "conditionalRead": "not-supported",
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
            "searchInclude": [f"{rtype}:{n}" for n, (kind, _) in PARAMS[rtype].items() if kind == "reference"],
            "searchParam": params,
        }
        if rtype == "Subscription":
            entry["operation"] = [{"name": "get-ws-binding-token", "definition": GET_WS_BINDING_TOKEN}]
        resources.append(entry)
    security: dict[str, Any] = {
        "cors": False,
        "extension": [{"url": OAUTH_URIS_EXT, "extension": [{"url": "token", "valueUri": f"{base_url}/_auth/token"}]}],
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ]
            }
        ],
        "description": "OAuth2 client credentials; bearer token "
        + ("required" if require_auth else "accepted but not required"),
    }
    ws_ext = {"url": WEBSOCKET_EXT, "valueUrl": ws_url}
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(utcnow()),
        "publisher": "Legevakt simulator",
        "kind": "instance",
        "software": {"name": "legevakt-sim", "version": "0.1.0"},
        "implementation": {"description": "Synthetic emergency clinic (FHIR R4 simulator)", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json", "application/fhir+json"],
        "extension": [ws_ext],
        "rest": [
            {
                "mode": "server",
                "extension": [ws_ext],
                "security": security,
                "resource": resources,
                "interaction": [{"code": "history-system"}],
                "searchParam": [
                    {"name": "_id", "type": "token"},
                    {"name": "_lastUpdated", "type": "date"},
                    {"name": "_count", "type": "number"},
                ],
            }
        ],
    }
