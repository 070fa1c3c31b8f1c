"""Secrets go only where they belong (issue 11 item 3), against hostile servers of our own on 127.0.0.1.

The bearer token goes only to the platform's origin, the client secret only to a token endpoint the
configuration names or the platform declares on its own origin; a ``next`` link, a redirect, a
CapabilityStatement's token endpoint or a websocket URL on another origin is refused (``FOREIGN_ORIGIN``)
and the foreign server receives nothing at all. A certificate failure is ``TLS_FAILED``, not "network
down"; plain http goes only to this machine.
"""

from __future__ import annotations

import io
import json
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keyring
import pytest

from legevakt.app.headless import HeadlessError, login
from legevakt.app.problem_words import words
from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.problems import ProblemKind
from legevakt.sim import SimServer
from legevakt.sync.assemble import SnapshotAssembler
from legevakt.sync.auth import ClientCredentials, ClientCredentialsTokens, NoCredentials, PlatformTokens
from legevakt.sync.engine import SyncEngine
from legevakt.sync.errors import ForeignOrigin, InsecureTransport, PlatformUnreachable, TlsFailed
from legevakt.sync.fhir import FhirClient, RetryPolicy
from legevakt.sync.incremental import IncrementalSync
from legevakt.sync.origins import is_loopback, origin, same_origin
from legevakt.sync.push import PushChannel, PushConfig, PushFlavour, PushState
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled
from legevakt.worklist.snapshot import WorklistState
from legevakt.worklist.triage import MTS

from .conftest import FAST, wait
from .hostile import Answer, HostileServer, Proxy, Seen, fhir, non_loopback_address, rewrite_json

TOKEN = "tok-for-the-platform-only"
SECRET = "secret-for-the-platform-only"
SMART = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
WS_EXT = "http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket"

MakeServer = Callable[..., HostileServer]


class StaticTokens:
    def token(self) -> str:
        return TOKEN

    def refresh(self) -> str:
        return TOKEN


@pytest.fixture
def make_server() -> Iterator[MakeServer]:
    started: list[HostileServer] = []

    def make(handler: Callable[[Seen], Answer] | None = None, **kw: Any) -> HostileServer:
        server = HostileServer(handler, **kw) if handler is not None else HostileServer(**kw)
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def foreign(make_server: MakeServer) -> HostileServer:
    """Another origin on this machine (another port): it must never hear from us."""
    return make_server(lambda seen: fhir({"resourceType": "Bundle", "type": "searchset", "entry": []}))


def client(base: str, **kw: Any) -> FhirClient:
    kw.setdefault("tokens", StaticTokens())
    return FhirClient(base, retry=RetryPolicy(attempts=1), timeout=5.0, **kw)


def searchset(ids: list[str], next_url: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                            "entry": [{"resource": {"resourceType": "Encounter", "id": i},
                                       "search": {"mode": "match"}} for i in ids]}
    if next_url:
        body["link"] = [{"relation": "next", "url": next_url}]
    return body


# -- origins -------------------------------------------------------------------------------------------

def test_origins_are_compared_after_normalisation() -> None:
    assert origin("HTTPS://Fhir.Example.NO:443/r4") == origin("https://fhir.example.no/other")
    assert same_origin("http://127.0.0.1:80/x", "http://127.0.0.1/fhir/")
    assert same_origin("wss://fhir.example.no/ws", "https://fhir.example.no:443/r4")
    assert not same_origin("ws://fhir.example.no/ws", "https://fhir.example.no/r4")  # a downgrade
    assert not same_origin("https://fhir.example.no:8443/r4", "https://fhir.example.no/r4")
    assert not same_origin("https://fhir.example.no.evil.example/r4", "https://fhir.example.no/r4")
    assert not same_origin("https://localhost/r4", "https://127.0.0.1/r4")  # the same machine, another origin
    assert same_origin("https://x@fhir.example.no/r4", "https://fhir.example.no/")  # user info is no host
    assert not same_origin("https://fhir.example.no@evil.example/r4", "https://fhir.example.no/")
    assert not same_origin("not a url", "https://fhir.example.no/") and not same_origin("/relative", "https://a/")
    assert [is_loopback(h) for h in ("localhost", "127.0.0.1", "127.9.8.7", "::1", "[::1]", "fhir.example.no",
                                     "192.0.2.2", "localhost.evil.example")] == [True] * 5 + [False] * 3


# -- Bundle next links -----------------------------------------------------------------------------------

def test_a_next_link_to_another_origin_is_refused_and_that_origin_hears_nothing(
        make_server: MakeServer, foreign: HostileServer) -> None:
    platform = make_server(lambda seen: fhir(searchset(["1"], f"{foreign.origin}/fhir/Encounter?page=2")))
    with client(f"{platform.origin}/fhir") as c, pytest.raises(ForeignOrigin) as caught:
        list(c.pages("Encounter", {"status": "arrived"}))
    assert foreign.requests == []  # no request at all, so no Authorization header either
    assert platform.authorizations() == [f"Bearer {TOKEN}"]  # the platform itself did get the token
    problem = caught.value.problem
    assert problem.kind is ProblemKind.FOREIGN_ORIGIN
    assert dict(problem.params) == {"via": "link", "origin": foreign.origin}
    assert foreign.origin in words(problem)


@pytest.mark.parametrize("spelling", ["http://localhost:{port}", "HTTP://LOCALHOST:{port}", "http://127.0.0.2:{port}"])
def test_the_same_port_under_another_host_name_is_another_origin(make_server: MakeServer, spelling: str) -> None:
    """``localhost`` and 127.0.0.2 reach the very same server here, yet are other origins: refused."""
    platform: HostileServer

    def handle(seen: Seen) -> Answer:
        nxt = spelling.format(port=platform.port) + "/fhir/Encounter?page=2"
        return fhir(searchset(["1"], nxt))

    platform = make_server(handle)
    with client(f"{platform.origin}/fhir") as c, pytest.raises(ForeignOrigin):
        list(c.pages("Encounter", {}))
    assert len(platform.requests) == 1


def test_a_next_link_on_the_same_origin_is_followed_with_the_token(make_server: MakeServer) -> None:
    platform: HostileServer

    def handle(seen: Seen) -> Answer:
        if "page=2" in seen.path:
            return fhir(searchset(["2"]))
        # the same origin spelled differently: upper case, the default-less explicit port
        return fhir(searchset(["1"], f"HTTP://127.0.0.1:{platform.port}/fhir/Encounter?page=2"))

    platform = make_server(handle)
    with client(f"{platform.origin}/fhir") as c:
        pages = list(c.pages("Encounter", {}))
    assert [p.resources[0]["id"] for p in pages] == ["1", "2"]
    assert platform.authorizations() == [f"Bearer {TOKEN}"] * 2


def test_a_foreign_next_link_makes_the_snapshot_incomplete_and_changes_no_fate(
        make_sim: Callable[..., SimServer], make_server: MakeServer, foreign: HostileServer) -> None:
    """The simulator (credentials required) behind a hostile proxy that, from the second cycle on, points
    the Encounter search's next link at another origin."""
    sim = make_sim(seed=5, initial_patients=15, require_auth=True)
    proxy = Proxy(sim.base_url)
    front = make_server(proxy)
    proxy.public = front.origin
    base = sim.base_url.replace(proxy.upstream, front.origin)
    tokens = ClientCredentialsTokens(f"{base}/_auth/token",
                                     ClientCredentials(sim.config.client_id, sim.config.client_secret))
    fhir_client = FhirClient(base, tokens=tokens, retry=RetryPolicy(attempts=1))
    stored: list[Reconciled] = []
    sync = IncrementalSync(SnapshotAssembler(fhir_client, sim.clinic_ref, MTS, page_size=4), full_every=1)
    engine = SyncEngine(sync, lambda result, actor: stored.append(result), WorklistState(), ReconcileConfig(),
                        lambda: datetime.now(UTC))
    try:
        first = engine.cycle()
        assert first.complete and len(engine.state.queue) == 15
        before = {ref: (e.fate, e.in_list) for ref, e in engine.state.entries.items()}
        alerts_before = dict(engine.state.alerts)

        def hostile(seen: Seen, answer: Answer) -> Answer:
            if seen.method == "GET" and seen.path.split("?")[0].endswith("/Encounter"):
                def away(doc: dict[str, Any]) -> None:
                    for link in doc.get("link") or []:
                        if link.get("relation") == "next":
                            link["url"] = link["url"].replace(front.origin, foreign.origin)
                return rewrite_json(answer, away)
            return answer

        proxy.rewrite = hostile
        second = engine.cycle()
    finally:
        fhir_client.close()
        tokens.close()
        proxy.close()
    assert not second.complete and second.error is None
    assert [p.kind for p in second.problems] == [ProblemKind.FOREIGN_ORIGIN]
    assert second.problems[0].params["via"] == "link"
    assert {ref: (e.fate, e.in_list) for ref, e in engine.state.entries.items()} == before
    assert engine.state.alerts == alerts_before
    assert foreign.requests == []
    assert any(r.headers.get("authorization", "").startswith("Bearer ") for r in front.requests)


def test_a_foreign_next_link_in_a_lookup_by_id_makes_the_snapshot_incomplete_too(
        make_sim: Callable[..., SimServer], make_server: MakeServer, foreign: HostileServer) -> None:
    """The Practitioner names are looked up by ``_id``; a next link elsewhere there is refused as well, and
    the snapshot says why (before, such a failure was only logged)."""
    sim = make_sim(seed=5, initial_patients=15)
    proxy = Proxy(sim.base_url)
    front = make_server(proxy)
    proxy.public = front.origin

    def hostile(seen: Seen, answer: Answer) -> Answer:
        if seen.method == "GET" and seen.path.split("?")[0].endswith("/Practitioner"):
            return rewrite_json(answer, lambda doc: doc.__setitem__(
                "link", [{"relation": "next", "url": f"{foreign.origin}/fhir/Practitioner?page=2"}]))
        return answer

    proxy.rewrite = hostile
    with client(sim.base_url.replace(proxy.upstream, front.origin)) as c:
        snapshot = SnapshotAssembler(c, sim.clinic_ref, MTS).fetch(tracked=(), now=datetime.now(UTC))
    proxy.close()
    assert any(r.path.split("?")[0].endswith("/Practitioner") for r in front.requests)
    assert not snapshot.complete
    assert [p.kind for p in snapshot.problems] == [ProblemKind.FOREIGN_ORIGIN]
    assert foreign.requests == []


# -- redirects -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "status"), [("GET", 302), ("GET", 301), ("POST", 307), ("PUT", 308)])
def test_a_redirect_to_another_origin_is_refused(make_server: MakeServer, foreign: HostileServer,
                                                  method: str, status: int) -> None:
    platform = make_server(lambda seen: (status, {"Location": f"{foreign.origin}/fhir/Encounter/1"}, b""))
    with client(f"{platform.origin}/fhir") as c, pytest.raises(ForeignOrigin) as caught:
        c.request(method, c.url("Encounter/1"), json_body={"resourceType": "Encounter"} if method != "GET" else None)
    assert caught.value.problem.params["via"] == "redirect"
    assert foreign.requests == []


def test_a_redirect_on_the_same_origin_is_followed_for_reads(make_server: MakeServer) -> None:
    def handle(seen: Seen) -> Answer:
        if seen.path.startswith("/fhir/Encounter/1"):
            return 302, {"Location": "/moved/Encounter/1"}, b""
        return fhir({"resourceType": "Encounter", "id": "1"})

    platform = make_server(handle)
    with client(f"{platform.origin}/fhir") as c:
        assert c.read("Encounter/1")["id"] == "1"
    assert [r.path for r in platform.requests] == ["/fhir/Encounter/1", "/moved/Encounter/1"]
    assert platform.authorizations() == [f"Bearer {TOKEN}"] * 2


# -- the token endpoint ------------------------------------------------------------------------------------

def declares_token_endpoint(url: str, *, where: str = "metadata") -> Callable[[Seen], Answer]:
    def handle(seen: Seen) -> Answer:
        if seen.path.endswith("/metadata") and where == "metadata":
            return fhir({"resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
                         "fhirVersion": "4.0.1", "format": ["json"], "rest": [{"mode": "server", "security": {
                             "extension": [{"url": SMART, "extension": [{"url": "token", "valueUri": url}]}]}}]})
        if seen.path.endswith("/.well-known/smart-configuration") and where == "smart":
            return 200, {"Content-Type": "application/json"}, json.dumps({"token_endpoint": url}).encode()
        if seen.path.endswith("/token"):
            return 200, {"Content-Type": "application/json"}, json.dumps(
                {"access_token": TOKEN, "token_type": "bearer", "expires_in": 3600}).encode()
        return fhir({"resourceType": "OperationOutcome", "issue": []}, 404)
    return handle


@pytest.mark.parametrize("where", ["metadata", "smart"])
def test_a_token_endpoint_on_another_origin_never_receives_the_secret(
        make_server: MakeServer, where: str) -> None:
    thief = make_server(declares_token_endpoint(""))  # plain http, another port
    platform = make_server(declares_token_endpoint(f"{thief.origin}/token", where=where))
    tokens = PlatformTokens(f"{platform.origin}/fhir", ClientCredentials("clinic", SECRET))
    try:
        with pytest.raises(ForeignOrigin) as caught:
            tokens.token()
    finally:
        tokens.close()
    assert thief.requests == []
    assert SECRET.encode() not in platform.bodies()
    assert dict(caught.value.problem.params) == {"via": "token-endpoint", "origin": thief.origin}


def test_login_refuses_a_foreign_token_endpoint_and_stores_nothing(make_server: MakeServer) -> None:
    thief = make_server(declares_token_endpoint(""))
    platform = make_server(declares_token_endpoint(f"{thief.origin}/token"))
    with pytest.raises(HeadlessError, match="another origin") as caught:
        login(f"{platform.origin}/fhir", lambda: "clinic", lambda: SECRET, verify=True, timeout=5.0)
    assert "nothing was stored" in str(caught.value)
    assert thief.requests == []
    assert keyring.get_keyring().get_password("legevakt", f"{platform.origin}/fhir") is None


def test_a_configured_token_endpoint_may_be_elsewhere(make_server: MakeServer) -> None:
    """The configuration, not the server, may name a token endpoint on another origin."""
    issuer = make_server(declares_token_endpoint(""))
    platform = make_server(declares_token_endpoint("http://127.0.0.1:1/never-used"))
    tokens = PlatformTokens(f"{platform.origin}/fhir", ClientCredentials("clinic", SECRET),
                            token_url=f"{issuer.origin}/token")
    try:
        assert tokens.token() == TOKEN
    finally:
        tokens.close()
    assert platform.requests == []  # no discovery
    assert [r.path for r in issuer.requests] == ["/token"] and SECRET.encode() in issuer.bodies()


def test_a_foreign_token_endpoint_makes_the_snapshot_incomplete(make_server: MakeServer) -> None:
    thief = make_server(declares_token_endpoint(""))
    platform = make_server(declares_token_endpoint(f"{thief.origin}/token"))
    tokens = PlatformTokens(f"{platform.origin}/fhir", ClientCredentials("clinic", SECRET))
    fhir_client = client(f"{platform.origin}/fhir", tokens=tokens)
    try:
        snapshot = SnapshotAssembler(fhir_client, "Location/lv-1", MTS).fetch(tracked=(), now=datetime.now(UTC))
    finally:
        fhir_client.close()
        tokens.close()
    assert not snapshot.complete
    assert [p.kind for p in snapshot.problems] == [ProblemKind.FOREIGN_ORIGIN]
    assert thief.requests == []
    assert all("authorization" not in r.headers for r in platform.requests)  # never had a token to send


# -- websockets ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("flavour", [PushFlavour.R4, PushFlavour.BACKPORT])
def test_a_websocket_url_on_another_origin_never_gets_the_token(
        make_sim: Callable[..., SimServer], make_server: MakeServer, foreign: HostileServer,
        flavour: PushFlavour) -> None:
    sim = make_sim(seed=5, initial_patients=3, require_auth=True)
    proxy = Proxy(sim.base_url)
    front = make_server(proxy)
    proxy.public = front.origin
    base = sim.base_url.replace(proxy.upstream, front.origin)
    foreign_ws = "ws" + foreign.origin.removeprefix("http") + "/fhir/$websocket"

    def hostile(seen: Seen, answer: Answer) -> Answer:
        if seen.path.endswith("/metadata"):
            def away(doc: dict[str, Any]) -> None:
                for holder in (doc, *doc.get("rest", [])):
                    for ext in holder.get("extension") or []:
                        if ext.get("url") == WS_EXT:
                            ext["valueUrl"] = foreign_ws
            return rewrite_json(answer, away)
        if seen.path.endswith("/$get-ws-binding-token") and answer[0] == 200:
            def elsewhere(doc: dict[str, Any]) -> None:
                for param in doc.get("parameter") or []:
                    if param.get("name") == "websocket-url":
                        param["valueUrl"] = foreign_ws
            return rewrite_json(answer, elsewhere)
        return answer

    proxy.rewrite = hostile
    tokens = ClientCredentialsTokens(f"{base}/_auth/token",
                                     ClientCredentials(sim.config.client_id, sim.config.client_secret))
    channel = PushChannel(base, sim.clinic_ref, wake=lambda: None, tokens=tokens, timeout=5,
                          config=PushConfig(flavour=flavour, **FAST))
    channel.start()
    try:
        wait(lambda: channel.state is PushState.UNAVAILABLE)
        assert channel.problem is not None and "another server" in channel.problem
        assert foreign.origin in channel.problem
    finally:
        channel.stop()
        tokens.close()
        proxy.close()
    assert foreign.requests == []  # no handshake at all, so no Authorization header
    assert channel.subscription_ids == []  # what was made is deleted again
    assert not any(s.get("status") == "active" for s in sim_subscriptions(sim))


def sim_subscriptions(sim: SimServer) -> list[dict[str, Any]]:
    import httpx

    token = httpx.post(f"{sim.base_url}/_auth/token", data={
        "grant_type": "client_credentials", "client_id": sim.config.client_id,
        "client_secret": sim.config.client_secret}).json()["access_token"]
    bundle = httpx.get(f"{sim.base_url}/Subscription", headers={"Authorization": f"Bearer {token}"}).json()
    return [e["resource"] for e in bundle.get("entry") or []]


# -- TLS ----------------------------------------------------------------------------------------------------

@pytest.fixture
def tls_server(make_server: MakeServer) -> HostileServer:
    """An HTTPS platform on 127.0.0.1 whose certificate no trust store knows."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)

    def handle(seen: Seen) -> Answer:
        if seen.path.endswith("/metadata"):
            return fhir({"resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
                         "fhirVersion": "4.0.1", "format": ["json"], "rest": [{"mode": "server"}]})
        if seen.path.endswith("/token"):
            return 200, {"Content-Type": "application/json"}, json.dumps({"access_token": TOKEN}).encode()
        return fhir({"resourceType": "Bundle", "type": "searchset", "entry": []})

    return make_server(handle, tls=context)


def test_a_certificate_failure_is_tls_failed_not_network_down(tls_server: HostileServer) -> None:
    sleeps: list[float] = []
    with FhirClient(f"{tls_server.origin}/fhir", retry=RetryPolicy(attempts=3, sleep=sleeps.append)) as c, \
            pytest.raises(TlsFailed) as caught:
        c.capabilities()
    assert caught.value.problem.kind is ProblemKind.TLS_FAILED
    assert isinstance(caught.value, PlatformUnreachable)  # handled like a link that is down, but named
    assert "certificate verify failed" in caught.value.detail
    assert sleeps == []  # not a transient fault: not tried again
    assert "certificate" in words(caught.value.problem) and "network" in words(caught.value.problem)
    assert tls_server.requests == []


def test_a_token_endpoint_with_a_bad_certificate_is_tls_failed(tls_server: HostileServer) -> None:
    tokens = ClientCredentialsTokens(f"{tls_server.origin}/token", ClientCredentials("clinic", SECRET))
    try:
        with pytest.raises(TlsFailed):
            tokens.token()
    finally:
        tokens.close()
    assert tls_server.requests == []


def test_a_cycle_against_a_bad_certificate_reports_tls_failed(tls_server: HostileServer, tmp_path: Path) -> None:
    settings = Settings(platform=f"{tls_server.origin}/fhir", location="Location/lv-1", data_dir=str(tmp_path))
    runtime = Runtime.open(settings, tokens=NoCredentials(), retry=RetryPolicy(attempts=1))
    try:
        outcome = runtime.engine.cycle()
        link = runtime.link(outcome)
    finally:
        runtime.close()
    assert outcome.error is not None and outcome.error.problem.kind is ProblemKind.TLS_FAILED
    assert link.problem is not None and link.problem.kind is ProblemKind.TLS_FAILED
    assert not link.tls_unverified


def test_unverified_tls_works_on_loopback_and_the_link_says_it_is_unverified(
        tls_server: HostileServer, tmp_path: Path) -> None:
    settings = Settings(platform=f"{tls_server.origin}/fhir", location="Location/lv-1", data_dir=str(tmp_path),
                        verify_tls=False)
    runtime = Runtime.open(settings, tokens=NoCredentials(), retry=RetryPolicy(attempts=1))
    try:
        assert runtime.client.capabilities()["resourceType"] == "CapabilityStatement"
        outcome = runtime.engine.cycle()
        link = runtime.link(outcome)
    finally:
        runtime.close()
    assert outcome.error is None  # reached the platform (its answers say nothing of a queue)
    assert link.tls_unverified  # the status bar shows it in red
    assert tls_server.requests


# -- plain http to another machine ---------------------------------------------------------------------------

@pytest.fixture
def lan_server(make_server: MakeServer) -> HostileServer:
    """A platform on this machine's non-loopback address (so "another machine" by address) that declares a
    token endpoint on its own origin, over plain http."""
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    server: HostileServer

    def handle(seen: Seen) -> Answer:
        return declares_token_endpoint(f"{server.origin}/fhir/token")(seen)

    server = make_server(handle, host=address)
    return server


def test_the_secret_never_goes_over_plain_http_to_another_machine(lan_server: HostileServer) -> None:
    with pytest.raises(InsecureTransport) as caught:
        ClientCredentialsTokens(f"{lan_server.origin}/fhir/token", ClientCredentials("clinic", SECRET))
    assert caught.value.problem.kind is ProblemKind.INSECURE_TRANSPORT
    with pytest.raises(HeadlessError, match="http://"):
        login(f"{lan_server.origin}/fhir", lambda: "clinic", lambda: SECRET, verify=True, timeout=5.0)
    assert SECRET.encode() not in lan_server.bodies()
    assert [r.path for r in lan_server.requests if r.method == "POST"] == []


def test_legevakt_login_over_plain_http_to_another_machine_is_refused_before_anything_is_sent(
        lan_server: HostileServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from legevakt.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    code = main(["login", "--platform", f"{lan_server.origin}/fhir", "--client-id", "clinic"])
    err = capsys.readouterr().err
    assert code != 0 and "https://" in err and "platform" in err
    assert lan_server.requests == []


def test_a_capability_statement_redirected_elsewhere_is_refused_not_taken_as_missing(
        make_server: MakeServer, foreign: HostileServer) -> None:
    from legevakt.sync.capabilities import discover

    platform = make_server(lambda seen: (302, {"Location": f"{foreign.origin}/fhir/metadata"}, b""))
    with client(f"{platform.origin}/fhir") as c, pytest.raises(ForeignOrigin):
        discover(c)
    assert foreign.requests == []


def test_sync_once_with_a_foreign_token_endpoint_is_incomplete_and_says_why(
        make_server: MakeServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from legevakt.cli import main
    from legevakt.sync.auth import store_credentials

    thief = make_server(declares_token_endpoint(""))
    platform = make_server(declares_token_endpoint(f"{thief.origin}/token"))
    store_credentials(f"{platform.origin}/fhir", ClientCredentials("clinic", SECRET))
    code = main(["sync", "--once", "--json", "--platform", f"{platform.origin}/fhir", "--location", "Location/lv-1",
                 "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["complete"] is False and doc["problem_kinds"][0]["kind"] == "foreign-origin"
    assert thief.origin in doc["problems"][0] and "token-endpoint" in doc["problems"][0]
    assert thief.requests == [] and code == 0  # an incomplete sync is not a failed one
