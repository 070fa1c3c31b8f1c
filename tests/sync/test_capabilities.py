"""What the client reads from a CapabilityStatement: only standard declarations, never the simulator's quirks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from legevakt.sync.capabilities import WEBSOCKET_EXT, discover, parse_capabilities
from legevakt.sync.errors import MalformedResponse
from legevakt.sync.fhir import FhirClient, RetryPolicy

BASE = "https://fhir.example/fhir"


def statement(*, ws_at: str | None = "rest", history: bool = True, backport: bool = False,
              subscription_create: bool = True) -> dict[str, Any]:
    ws = [{"url": WEBSOCKET_EXT, "valueUrl": "wss://fhir.example/ws"}]
    enc = {"type": "Encounter", "interaction": [{"code": "read"}, {"code": "search-type"}]
           + ([{"code": "history-type"}] if history else []),
           "searchParam": [{"name": "location", "type": "reference"}]}
    sub: dict[str, Any] = {"type": "Subscription", "interaction": [{"code": "create"}] if subscription_create else []}
    if backport:
        sub["operation"] = [{"name": "get-ws-binding-token", "definition": "http://hl7.org/fhir/uv/"
                             "subscriptions-backport/OperationDefinition/backport-subscription-get-ws-binding-token"}]
    rest: dict[str, Any] = {"mode": "server", "resource": [enc, sub],
                            "searchParam": [{"name": "_lastUpdated", "type": "date"}]}
    body: dict[str, Any] = {"resourceType": "CapabilityStatement", "rest": [rest]}
    if ws_at == "rest":
        rest["extension"] = ws
    elif ws_at == "root":
        body["extension"] = ws
    return body


@pytest.mark.parametrize("ws_at", ["rest", "root"])
def test_websocket_history_and_backport_are_read(ws_at: str) -> None:
    f = parse_capabilities(statement(ws_at=ws_at, backport=True), BASE)
    assert f.known and f.has_history("Encounter") and not f.has_history("List")
    assert f.websocket_url == "wss://fhir.example/ws" and f.backport_binding and f.websocket_subscriptions
    assert f.searches_last_updated("Encounter")


def test_without_websocket_or_subscription_create_there_is_no_push() -> None:
    assert not parse_capabilities(statement(ws_at=None), BASE).websocket_subscriptions
    assert not parse_capabilities(statement(subscription_create=False, backport=True), BASE).websocket_subscriptions
    f = parse_capabilities(statement(ws_at=None, backport=True), BASE)
    assert f.websocket_subscriptions and f.websocket_url is None


def test_something_that_is_not_a_capability_statement_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse_capabilities({"resourceType": "Patient"}, BASE)


@pytest.mark.parametrize("answer", [httpx.Response(404), httpx.Response(200, content=b"<html/>"),
                                    httpx.Response(200, json={"resourceType": "CapabilityStatement", "rest": 3})])
def test_a_missing_or_unusable_statement_means_unknown_features(answer: httpx.Response) -> None:
    with FhirClient(BASE, transport=httpx.MockTransport(lambda req: answer),
                    retry=RetryPolicy(attempts=1)) as client:
        f = discover(client)
    assert not f.known and not f.has_history("Encounter") and not f.websocket_subscriptions
    assert not f.searches_last_updated("Encounter")
