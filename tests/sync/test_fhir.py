"""The FHIR client: paging by next links only, typed errors, retries, Retry-After, bad bodies."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from legevakt.sync.errors import (
    AuthenticationError,
    LimitExceeded,
    MalformedResponse,
    NotFound,
    PlatformServerError,
    PlatformUnreachable,
    PreconditionFailed,
    Refused,
)
from legevakt.sync.fhir import FhirClient, RetryPolicy

BASE = "http://fhir.test/fhir"


def client(handler: Callable[[httpx.Request], httpx.Response], sleeps: list[float] | None = None,
           **kw: object) -> FhirClient:
    slept = sleeps if sleeps is not None else []
    return FhirClient(BASE, transport=httpx.MockTransport(handler),
                      retry=RetryPolicy(attempts=3, base_delay=0.01, sleep=slept.append), **kw)  # type: ignore[arg-type]


def bundle(entries: list[dict[str, object]], next_url: str | None = None, total: int | None = None) -> httpx.Response:
    body: dict[str, object] = {"resourceType": "Bundle", "type": "searchset",
                               "entry": [{"resource": e, "search": {"mode": "match"}} for e in entries]}
    if next_url:
        body["link"] = [{"relation": "next", "url": next_url}]
    if total is not None:
        body["total"] = total
    return httpx.Response(200, json=body)


def test_pages_follow_next_links_until_there_is_none() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        page = req.url.params.get("page", "1")
        if page == "1":
            return bundle([{"resourceType": "Encounter", "id": "1"}], f"{BASE}/Encounter?page=2")
        return bundle([{"resourceType": "Encounter", "id": "2"}])

    with client(handler) as c:
        pages = list(c.pages("Encounter", {"status": "arrived"}))
    assert [p.resources[0]["id"] for p in pages] == ["1", "2"]


def test_a_next_link_that_loops_is_malformed() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return bundle([{"resourceType": "Encounter", "id": "1"}], f"{BASE}/Encounter?page=2")

    with client(handler) as c, pytest.raises(MalformedResponse):
        list(c.pages("Encounter", {}))


@pytest.mark.parametrize(("status", "error"), [
    (401, AuthenticationError), (404, NotFound), (412, PreconditionFailed), (422, Refused),
    (500, PlatformServerError),
])
def test_http_errors_are_typed(status: int, error: type[Exception]) -> None:
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "x",
                                                              "diagnostics": "nope"}]}
    with client(lambda req: httpx.Response(status, json=outcome)) as c, pytest.raises(error) as info:
        c.read("Encounter/1")
    assert "nope" in str(info.value)


def test_transient_faults_are_retried_with_backoff_honouring_retry_after() -> None:
    calls = []
    sleeps: list[float] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "2"})
        if len(calls) == 2:
            return httpx.Response(503)
        return httpx.Response(200, json={"resourceType": "Encounter", "id": "1"})

    with client(handler, sleeps) as c:
        assert c.read("Encounter/1")["id"] == "1"
    assert len(calls) == 3
    assert sleeps[0] >= 2.0


def test_transport_failure_after_retries_is_unreachable() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=req)

    with client(handler) as c, pytest.raises(PlatformUnreachable):
        c.read("Encounter/1")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", json.dumps({"id": "1"}).encode()])
def test_bodies_that_are_not_fhir_are_malformed(body: bytes) -> None:
    with client(lambda req: httpx.Response(200, content=body)) as c, pytest.raises(MalformedResponse):
        c.read("Encounter/1")


def test_wrong_resource_type_or_id_is_malformed() -> None:
    with client(lambda req: httpx.Response(200, json={"resourceType": "Patient", "id": "1"})) as c, \
            pytest.raises(MalformedResponse):
        c.read("Encounter/1")
    with client(lambda req: httpx.Response(200, json={"resourceType": "Encounter", "id": "2"})) as c, \
            pytest.raises(MalformedResponse):
        c.read("Encounter/1")


def test_an_oversized_body_is_refused() -> None:
    big = json.dumps({"resourceType": "Encounter", "id": "1", "x": "y" * 2000}).encode()
    with client(lambda req: httpx.Response(200, content=big), max_body_bytes=1000) as c, \
            pytest.raises(LimitExceeded, match="body beyond the limit of 1000") as caught:
        c.read("Encounter/1")
    assert caught.value.problem.params == {"what": "body", "limit": 1000}


def test_a_deletion_in_the_history_is_ours_only_when_it_names_a_record_on_this_base() -> None:
    def deletion(url: str) -> dict[str, object]:
        return {"request": {"method": "DELETE", "url": url}, "response": {"lastModified": "2026-01-01T10:00:00Z"}}
    body = {"resourceType": "Bundle", "type": "history", "entry": [
        deletion("Encounter/a"), deletion(f"{BASE}/Encounter/b/_history/3"),
        deletion("https://other.example/fhir/Encounter/c"),  # another server's Encounter/c is not ours
        deletion(f"{BASE}/Patient/d"),  # not an Encounter
        deletion("urn:uuid:0b5e5a80-7d4a-4a4e-8d07-8f0f4f2f9a11")]}
    with client(lambda req: httpx.Response(200, json=body)) as c:
        pages = list(c.history_pages("Encounter", {"_since": "2026-01-01T09:00:00Z"}))
    assert [ref for ref, _ in pages[0].deleted] == ["Encounter/a", "Encounter/b"]


def test_a_401_fetches_a_new_token_once_then_gives_up() -> None:
    class Tokens:
        refreshed = 0

        def token(self) -> str:
            return f"t{self.refreshed}"

        def refresh(self) -> str:
            self.refreshed += 1
            return self.token()

    seen: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req.headers["Authorization"])
        return httpx.Response(401)

    tokens = Tokens()
    with client(handler, tokens=tokens) as c, pytest.raises(AuthenticationError):
        c.read("Encounter/1")
    assert seen == ["Bearer t0", "Bearer t1"]
    assert tokens.refreshed == 1


def test_history_pages_hold_versions_and_deletions() -> None:
    body = {"resourceType": "Bundle", "type": "history", "total": 2, "entry": [
        {"resource": {"resourceType": "Encounter", "id": "1", "meta": {"versionId": "2"}},
         "request": {"method": "PUT", "url": "Encounter/1"}},
        {"request": {"method": "DELETE", "url": "Encounter/2/_history/5"},
         "response": {"status": "204", "lastModified": "2026-01-01T10:00:00Z"}}]}
    with client(lambda req: httpx.Response(200, json=body)) as c:
        pages = list(c.history_pages("Encounter", {"_since": "2026-01-01T09:00:00Z"}))
    assert [r["id"] for r in pages[0].resources] == ["1"]
    assert pages[0].deleted == [("Encounter/2", "2026-01-01T10:00:00Z")]
    assert pages[0].total == 2


@pytest.mark.parametrize("entry", [{"request": {"method": "PUT", "url": "Encounter/1"}},
                                   {"resource": {"resourceType": "Patient", "id": "1"}}])
def test_a_history_entry_that_is_neither_a_version_nor_a_deletion_is_malformed(entry: dict[str, object]) -> None:
    body = {"resourceType": "Bundle", "type": "history", "entry": [entry]}
    with client(lambda req: httpx.Response(200, json=body)) as c, pytest.raises(MalformedResponse):
        list(c.history_pages("Encounter", {}))


def test_an_oversized_body_is_refused_while_it_streams_in() -> None:
    def chunks() -> object:
        for _ in range(100):
            yield b"x" * 1000

    with client(lambda req: httpx.Response(200, content=chunks()), max_body_bytes=5000) as c, \
            pytest.raises(LimitExceeded, match="body beyond the limit of 5000"):
        c.read("Encounter/1")


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_a_transient_status_is_tried_exactly_three_times_with_two_waits(status: int) -> None:
    seen: list[str] = []
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(status)

    with client(handler, sleeps) as c:
        resp = c.request("GET", f"{BASE}/metadata")
    assert resp.status_code == status  # the last answer is handed on, for the caller's typed error
    assert len(seen) == 3 and len(sleeps) == 2
    assert all(0 <= s <= 5.0 for s in sleeps)


def test_a_transport_fault_is_tried_three_times_then_reads_as_unreachable() -> None:
    tries: list[int] = []
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tries.append(1)
        raise httpx.ConnectError("refused", request=request)

    with client(handler, sleeps) as c, pytest.raises(PlatformUnreachable):
        c.request("GET", f"{BASE}/metadata")
    assert len(tries) == 3 and len(sleeps) == 2


def test_a_fault_then_success_returns_the_success_after_one_wait() -> None:
    answers = [httpx.Response(503), httpx.Response(200, json={"resourceType": "CapabilityStatement"})]
    sleeps: list[float] = []
    with client(lambda request: answers.pop(0), sleeps) as c:
        assert c.request("GET", f"{BASE}/metadata").status_code == 200
    assert len(sleeps) == 1 and answers == []
