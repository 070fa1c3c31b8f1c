"""Credentials live only in the OS keyring; tokens are fetched, renewed once on 401, never leaked."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import keyring
import pytest
from keyring.backends import fail

from legevakt.problems import Problem, ProblemKind
from legevakt.sync.auth import (
    MAX_TOKEN_BODY,
    MAX_TOKEN_LIFETIME,
    ClientCredentials,
    ClientCredentialsTokens,
    KeyringUnavailable,
    PlatformTokens,
    keyring_available,
    load_credentials,
    store_credentials,
    token_endpoint,
)
from legevakt.sync.deadline import Deadline
from legevakt.sync.errors import (
    AuthenticationError,
    CycleDeadline,
    ForeignOrigin,
    LimitExceeded,
    MalformedResponse,
    PlatformError,
    PlatformUnreachable,
)
from legevakt.sync.fhir import FhirClient, RetryPolicy
from tests.sync.hostile import Answer, Handler, HostileServer, Seen, Streamed, drip, hang

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


# -- the token request against a hostile token endpoint of our own on 127.0.0.1 (issue 11) ---------------
# The same protections as the FHIR client: an overall bound (timeout, or the cycle's deadline), a bounded
# body, no redirect followed to another origin, and no secret or token text in any message or log.

SECRET = "s3cret-for-the-token-endpoint-only"
TOKEN = "tok-abc123-never-in-a-message"


@pytest.fixture
def servers() -> Iterator[Callable[[Handler], HostileServer]]:
    started: list[HostileServer] = []

    def make(handler: Handler) -> HostileServer:
        started.append(HostileServer(handler).start())
        return started[-1]

    yield make
    for server in started:
        server.stop()


def token_answer(**extra: object) -> bytes:
    return json.dumps({"access_token": TOKEN, "token_type": "bearer", "expires_in": 3600, **extra}).encode()


def fetch_token(url: str, **kw: Any) -> tuple[BaseException | None, float]:
    """One token request; what it raised (None: it got a token) and how long it took."""
    tokens = ClientCredentialsTokens(url, ClientCredentials("clinic", SECRET), **kw)
    began = time.monotonic()
    try:
        assert tokens.token() == TOKEN
        return None, time.monotonic() - began
    except PlatformError as exc:
        return exc, time.monotonic() - began
    finally:
        tokens.close()


def no_secret_anywhere(exc: BaseException | None, caplog: pytest.LogCaptureFixture) -> None:
    seen = [str(exc), repr(exc), str(getattr(exc, "problem", "")), caplog.text]
    assert not [text for text in seen if SECRET in text or TOKEN in text]


@pytest.mark.timeout(30)  # before: a token endpoint that drips a byte every half second held it forever
@pytest.mark.parametrize("how", ["drip", "hang"])
def test_a_token_endpoint_that_drips_or_hangs_ends_within_the_timeout_with_a_clear_error(
        servers: Callable[[Handler], HostileServer], how: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server: HostileServer | None = None

    def handle(seen: Seen) -> Streamed:
        assert server is not None
        body = drip(token_answer(), server.released, pause=0.3, forever=True) if how == "drip" \
            else hang(server.released)
        return 200, {"Content-Type": "application/json"}, body

    server = servers(handle)
    exc, took = fetch_token(f"{server.origin}/token", timeout=1.5)

    assert isinstance(exc, PlatformUnreachable) and not isinstance(exc, CycleDeadline)
    assert "token endpoint" in str(exc) and "1.5" in str(exc)
    assert took < 1.5 + 1.0  # the bound, not a read timeout per byte
    no_secret_anywhere(exc, caplog)


@pytest.mark.timeout(30)
def test_a_token_request_inside_a_sync_cycle_ends_with_the_cycles_deadline(
        servers: Callable[[Handler], HostileServer], caplog: pytest.LogCaptureFixture) -> None:
    server: HostileServer | None = None

    def handle(seen: Seen) -> Streamed:
        assert server is not None
        return 200, {"Content-Type": "application/json"}, drip(token_answer(), server.released, pause=0.3,
                                                               forever=True)

    server = servers(handle)
    deadline = Deadline(1.0)
    tokens = ClientCredentialsTokens(f"{server.origin}/token", ClientCredentials("clinic", SECRET),
                                     timeout=60.0, deadline=deadline)  # per read: never what ends it
    client = FhirClient(f"{server.origin}/fhir", timeout=60.0, tokens=tokens, deadline=deadline,
                        retry=RetryPolicy(attempts=1))
    began = time.monotonic()
    try:
        with deadline.running(), pytest.raises(CycleDeadline) as raised:
            client.read("Encounter/1")  # asks for a token first
    finally:
        client.close()
        tokens.close()
    assert time.monotonic() - began < 1.0 + 1.0
    assert raised.value.problem.kind is ProblemKind.SYNC_DEADLINE
    assert [r.path for r in server.requests] == ["/token"]  # the FHIR request itself was never sent
    no_secret_anywhere(raised.value, caplog)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("status", [307, 308, 302])
def test_a_token_endpoint_that_redirects_to_another_origin_never_sends_the_secret_there(
        servers: Callable[[Handler], HostileServer], status: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    other = servers(lambda seen: (200, {"Content-Type": "application/json"}, token_answer()))
    server = servers(lambda seen: (status, {"Location": f"{other.origin}/token"}, b""))

    exc, _ = fetch_token(f"{server.origin}/token")

    assert isinstance(exc, ForeignOrigin)
    assert exc.problem == Problem.of(ProblemKind.FOREIGN_ORIGIN, via="redirect", origin=other.origin)
    assert other.requests == []  # nothing at all went to the other origin, the secret least of all
    assert len(server.requests) == 1 and SECRET.encode() in server.requests[0].body  # sent once, where it belongs
    no_secret_anywhere(exc, caplog)


def test_a_redirect_on_the_token_endpoints_own_origin_is_not_followed_with_the_secret_either(
        servers: Callable[[Handler], HostileServer]) -> None:
    server = servers(lambda seen: (307, {"Location": "/elsewhere"}, b"") if seen.path == "/token"
                     else (200, {"Content-Type": "application/json"}, token_answer()))
    exc, _ = fetch_token(f"{server.origin}/token")
    assert isinstance(exc, AuthenticationError) and exc.status == 307
    assert [r.path for r in server.requests] == ["/token"]


@pytest.mark.timeout(30)  # before: an endless body was read until memory ran out
@pytest.mark.parametrize("how", ["declared", "streamed"])
def test_a_huge_token_answer_is_refused_while_it_streams_in(
        servers: Callable[[Handler], HostileServer], how: str, caplog: pytest.LogCaptureFixture) -> None:
    huge = b'{"access_token": "' + b"A" * (MAX_TOKEN_BODY + 1) + b'", "expires_in": 3600}'

    def endless() -> Iterator[bytes]:
        yield b'{"access_token": "'
        while True:
            yield b"A" * 65536

    def handle(seen: Seen) -> Answer | Streamed:
        if how == "declared":
            return 200, {"Content-Type": "application/json"}, huge
        return 200, {"Content-Type": "application/json"}, endless()

    server = servers(handle)
    exc, took = fetch_token(f"{server.origin}/token", timeout=5.0)

    assert isinstance(exc, LimitExceeded)
    assert exc.problem == Problem.of(ProblemKind.PLATFORM_LIMIT, what="body", limit=MAX_TOKEN_BODY)
    assert took < 5.0
    no_secret_anywhere(exc, caplog)


@pytest.mark.parametrize(("status", "body", "error"), [
    (401, {"error": "invalid_client", "error_description": f"bad secret {SECRET}"}, AuthenticationError),
    (500, {"error": f"echo {SECRET}"}, AuthenticationError),
    (200, {"access_token": TOKEN, "expires_in": f"soon {TOKEN}"}, MalformedResponse),
    (200, {"access_token": TOKEN, "expires_in": float("inf")}, MalformedResponse),
    (200, {"access_token": TOKEN, "expires_in": -5}, MalformedResponse),
    (200, {"access_token": f"{TOKEN}\r\nX-Injected: 1"}, MalformedResponse),  # would go into a header
    (200, [TOKEN], MalformedResponse),
], ids=["refused-echo", "fault-echo", "lifetime-text", "lifetime-inf", "lifetime-negative", "header-break",
        "not-an-object"])
def test_a_bad_token_answer_is_a_typed_error_that_quotes_nothing(
        status: int, body: object, error: type[Exception], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    raw = json.dumps(body).replace("Infinity", "1e999").encode()
    exc, _ = fetch_token("https://t/token", transport=httpx.MockTransport(
        lambda r: httpx.Response(status, content=raw, headers={"Content-Type": "application/json"})))
    assert isinstance(exc, error)
    no_secret_anywhere(exc, caplog)


def test_a_lifetime_beyond_a_day_is_taken_as_a_day() -> None:
    tokens = ClientCredentialsTokens("https://t/token", ClientCredentials("c", "s"), transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json={"access_token": TOKEN, "expires_in": 10**12})))
    try:
        assert tokens.token() == TOKEN
        assert tokens._expires - time.monotonic() <= MAX_TOKEN_LIFETIME  # renewed at least daily
    finally:
        tokens.close()


@pytest.mark.timeout(30)
def test_discovering_the_token_endpoint_is_bounded_too(
        servers: Callable[[Handler], HostileServer], caplog: pytest.LogCaptureFixture) -> None:
    server: HostileServer | None = None

    def handle(seen: Seen) -> Streamed:
        assert server is not None
        return 200, {"Content-Type": "application/fhir+json"}, drip(b'{"resourceType": "CapabilityStatement"}',
                                                                    server.released, pause=0.3, forever=True)

    server = servers(handle)
    tokens = PlatformTokens(f"{server.origin}/fhir", ClientCredentials("clinic", SECRET), timeout=1.5)
    began = time.monotonic()
    try:
        with pytest.raises(PlatformUnreachable) as raised:
            tokens.token()
    finally:
        tokens.close()
    assert time.monotonic() - began < 1.5 + 1.0
    assert "token endpoint discovery" in str(raised.value)
    assert SECRET.encode() not in server.bodies()
    no_secret_anywhere(raised.value, caplog)
