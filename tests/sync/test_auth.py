"""Credentials live only in the OS keyring; tokens are fetched, renewed once on 401, never leaked."""

from __future__ import annotations

import json

import httpx
import keyring
import pytest
from keyring.backends import fail

from legevakt.sync.auth import (
    ClientCredentials,
    ClientCredentialsTokens,
    KeyringUnavailable,
    keyring_available,
    load_credentials,
    store_credentials,
    token_endpoint,
)
from legevakt.sync.errors import AuthenticationError, MalformedResponse

PLATFORM = "https://fhir.example/fhir"


def test_credentials_round_trip_through_the_keyring(memory_keyring: object) -> None:
    store_credentials(PLATFORM, ClientCredentials("clinic", "s3cret"))
    assert load_credentials(PLATFORM) == ClientCredentials("clinic", "s3cret")
    assert load_credentials("https://other/fhir") is None


def test_without_a_keyring_backend_there_is_a_clear_message_and_no_fallback(tmp_path: object) -> None:
    keyring.set_keyring(fail.Keyring())
    assert not keyring_available()
    with pytest.raises(KeyringUnavailable) as info:
        store_credentials(PLATFORM, ClientCredentials("clinic", "s3cret"))
    assert "keyring" in info.value.user_message.lower()
    assert "plain-text" in info.value.user_message


def test_the_secret_never_appears_in_repr() -> None:
    assert "s3cret" not in repr(ClientCredentials("clinic", "s3cret"))


def test_token_endpoint_is_read_from_the_smart_extension() -> None:
    caps = {"rest": [{"security": {"extension": [{
        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
        "extension": [{"url": "token", "valueUri": "https://fhir.example/token"}]}]}}]}
    assert token_endpoint(caps, PLATFORM) == "https://fhir.example/token"
    assert token_endpoint({"rest": [{}]}, PLATFORM) is None


def test_tokens_are_fetched_with_client_credentials_and_cached() -> None:
    posts: list[dict[str, str]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(req.content.decode()))
        posts.append(form)
        return httpx.Response(200, json={"access_token": f"tok{len(posts)}", "token_type": "bearer",
                                         "expires_in": 3600})

    tokens = ClientCredentialsTokens("https://t/token", ClientCredentials("c", "s"),
                                     transport=httpx.MockTransport(handler))
    try:
        assert tokens.token() == "tok1"
        assert tokens.token() == "tok1"
        assert tokens.refresh() == "tok2"
    finally:
        tokens.close()
    assert posts[0] == {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}


def test_a_token_near_expiry_is_renewed_before_use() -> None:
    count = [0]

    def handler(req: httpx.Request) -> httpx.Response:
        count[0] += 1
        return httpx.Response(200, json={"access_token": f"tok{count[0]}", "expires_in": 10})

    tokens = ClientCredentialsTokens("https://t/token", ClientCredentials("c", "s"), margin_seconds=30,
                                     transport=httpx.MockTransport(handler))
    try:
        assert tokens.token() == "tok1"
        assert tokens.token() == "tok2"  # 10 s lifetime is inside the 30 s margin: renewed
    finally:
        tokens.close()


@pytest.mark.parametrize(("status", "body", "error"), [
    (401, {"error": "invalid_client"}, AuthenticationError),
    (200, {"token_type": "bearer"}, MalformedResponse),
])
def test_token_endpoint_failures_are_typed(status: int, body: dict[str, str], error: type[Exception]) -> None:
    tokens = ClientCredentialsTokens("https://t/token", ClientCredentials("c", "s"),
                                     transport=httpx.MockTransport(lambda r: httpx.Response(status, json=body)))
    try:
        with pytest.raises(error):
            tokens.token()
    finally:
        tokens.close()


def test_stored_secret_is_json_in_the_keyring_only(memory_keyring: object) -> None:
    store_credentials(PLATFORM, ClientCredentials("clinic", "s3cret"))
    raw = keyring.get_keyring().get_password("legevakt", PLATFORM)
    assert raw is not None and json.loads(raw)["client_secret"] == "s3cret"
