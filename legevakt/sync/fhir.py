"""A small FHIR R4 JSON client over httpx: reads, searches paged by ``Bundle.link`` next, typed errors.

It relies on nothing beyond the FHIR R4 specification: opaque versions, optional ``Bundle.total``,
servers that return fewer entries than ``_count``, and no consistency between pages.

Every request goes to the base URL's origin only (``legevakt.sync.origins``): a ``next`` link or a
redirect to another origin is refused with ``ForeignOrigin`` before anything (the bearer token above all)
is sent there. Redirects on the platform's own origin are followed for reads (at most five). A TLS failure
is ``TlsFailed``, not "unreachable".

Everything is bounded (issue 11): with a ``Deadline`` running, each exchange runs on a helper thread and
the caller waits in short slices, so a cycle ends at its deadline (``CycleDeadline``) even against a
server that drips a byte every few seconds; a search follows at most ``max_pages`` pages; a body is at
most ``max_body_bytes``, nested at most ``max_depth`` deep (checked before decoding, so a hostile body
never reaches the decoder's recursion) and holds no run of more than ``max_string_bytes`` bytes between
quotes. Each breach is a ``LimitExceeded`` naming the bound.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from itertools import accumulate
from typing import Any, Protocol, cast
from urllib.parse import urlencode, urljoin

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, retry_if_result, stop_after_attempt

from legevakt.sync.backoff import full_jitter
from legevakt.sync.deadline import Deadline
from legevakt.sync.errors import (
    AuthenticationError,
    CycleDeadline,
    ForeignOrigin,
    Gone,
    LimitExceeded,
    MalformedResponse,
    NotFound,
    PlatformError,
    PlatformServerError,
    PlatformUnreachable,
    PreconditionFailed,
    Refused,
    TlsFailed,
    tls_failure,
    token,
)
from legevakt.sync.mapping import resolve_reference
from legevakt.sync.origins import origin, same_origin, shown

log = logging.getLogger("legevakt.sync")

FHIR_JSON = "application/fhir+json"
Resource = dict[str, Any]


class TokenSource(Protocol):
    """Supplies bearer tokens; ``refresh`` is called once after a 401."""

    def token(self) -> str | None: ...

    def refresh(self) -> str | None: ...


_TRANSIENT = frozenset({429, 502, 503, 504})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
MAX_PAGES = 1000  # pages of one search (at the default 100 a page: 100 000 resources)
MAX_DEPTH = 64  # JSON nesting (a FHIR Bundle of Encounters is about a dozen deep)
MAX_STRING_BYTES = 1024 * 1024  # the longest run between two quotes (a string, or the gap between two)
# An idle connection is kept this long (httpx's default, 5 s, is the default poll interval: the connection
# would be gone before every poll). Longer than the 60 s safety-net poll while push is up; a server that
# closes it sooner is noticed before reuse (HTTP/1.1) or answers GOAWAY / a transport error (retried).
KEEPALIVE_SECONDS = 120.0
_SLICE = 0.05  # seconds the caller waits at a time for an exchange while a deadline runs


def _give_up(state: RetryCallState) -> httpx.Response:
    """The tries are used up: a transient status is returned as it is (the caller maps it to a typed
    error); a transport fault becomes ``PlatformUnreachable``."""
    outcome = state.outcome
    assert outcome is not None
    if not outcome.failed:
        return cast(httpx.Response, outcome.result())
    exc = outcome.exception()
    if isinstance(exc, httpx.TimeoutException):
        raise PlatformUnreachable(f"timed out: {type(exc).__name__}") from exc
    if isinstance(exc, httpx.TransportError):
        raise PlatformUnreachable(type(exc).__name__) from exc
    raise cast(BaseException, exc)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3  # tries per request for transient faults (transport errors, 429, 502-504)
    base_delay: float = 0.2  # seconds, doubled each try, with full jitter
    max_delay: float = 5.0  # cap, also for Retry-After
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


@dataclass(frozen=True, slots=True)
class Page:
    resources: list[Resource]  # search.mode match (or no mode); in a history page, every version present
    included: list[Resource]  # search.mode include
    total: int | None
    next_url: str | None
    deleted: list[tuple[str, str | None]] = field(default_factory=list)  # history: (Type/id, lastModified)


class FhirClient:
    """Synchronous FHIR client. One per worker thread; not thread-safe."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        verify: bool = True,
        tokens: TokenSource | None = None,
        retry: RetryPolicy | None = None,
        max_body_bytes: int = 50 * 1024 * 1024,
        transport: httpx.BaseTransport | None = None,
        deadline: Deadline | None = None,
        max_pages: int = MAX_PAGES,
        max_depth: int = MAX_DEPTH,
        max_string_bytes: int = MAX_STRING_BYTES,
        keepalive: float = KEEPALIVE_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        #: The only origin requests (and the token) go to; None (a base URL without one) refuses them all.
        self.origin = origin(self.base_url)
        self.timeout = timeout
        self.verify = verify
        #: The HTTP ``Date`` of the last answer (the server's clock, to the second), when it sent one.
        self.last_date: str | None = None
        self._tokens = tokens
        self._retry = retry or RetryPolicy()
        self._max_body = max_body_bytes
        #: The cycle's overall deadline (the engine runs it); None: only the per-read timeout bounds a request.
        self.deadline = deadline
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.max_string_bytes = max_string_bytes
        self._transport = transport
        #: Seconds an idle connection is kept for the next request: longer than the pauses between cycles.
        self.keepalive = keepalive
        self._http = self._new_http()

    def _new_http(self) -> httpx.Client:
        """The one pool every request of this client goes through: its keep-alive connection is reused from
        request to request and cycle to cycle (replaced only when a deadline abandons an exchange); HTTP/2
        where the platform offers it (ALPN, over TLS; plain http stays HTTP/1.1)."""
        return httpx.Client(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
            verify=self.verify,
            headers={"Accept": FHIR_JSON, "User-Agent": "legevakt/0.1"},
            transport=self._transport,
            follow_redirects=False,
            http2=True,
            limits=httpx.Limits(keepalive_expiry=self.keepalive),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FhirClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ---------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def request(self, method: str, url: str, *, params: Mapping[str, str] | None = None,
                json_body: Resource | None = None, headers: Mapping[str, str] | None = None,
                where: str = "link", form: Mapping[str, str] | None = None) -> httpx.Response:
        """Send with retries for transient faults and one re-authentication on 401.

        ``url`` must be on the platform's origin (``where`` names what gave it, for ``ForeignOrigin``);
        a redirect is followed for GET on the same origin only. ``form``: a form-encoded body instead of
        ``json_body`` (the OAuth2 token request)."""
        hdrs = dict(headers or {})
        content: bytes | None = None
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False).encode()
            hdrs["Content-Type"] = FHIR_JSON
        elif form is not None:
            content = urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        reauthed = False

        def exchange() -> httpx.Response:
            nonlocal reauthed
            target, query, hops, what = url, params, 0, where
            while True:
                self._check_deadline()
                self._require_origin(target, what)  # before a token is even fetched for it
                if self._tokens is not None:
                    token = self._tokens.token()
                    if token:
                        hdrs["Authorization"] = f"Bearer {token}"
                resp = self._send(method, target, query, content, hdrs, what)
                if resp.status_code == 401 and self._tokens is not None and not reauthed:
                    reauthed = True  # one new token per request, sent again at once
                    self._tokens.refresh()
                    continue
                location = resp.headers.get("location") if resp.status_code in _REDIRECTS else None
                if location:
                    moved = urljoin(str(resp.request.url), location)
                    self._require_origin(moved, "redirect")
                    if method == "GET" and hops < MAX_REDIRECTS:
                        target, query, hops, what = moved, None, hops + 1, "redirect"
                        continue
                return resp

        retrying = Retrying(
            stop=stop_after_attempt(self._retry.attempts),
            wait=self._wait,
            sleep=self._sleep,
            retry=(retry_if_exception_type(httpx.TransportError)
                   | retry_if_result(lambda r: r.status_code in _TRANSIENT)),
            retry_error_callback=_give_up,
            reraise=True,
        )
        return retrying(exchange)

    def _wait(self, state: RetryCallState) -> float:
        """Capped exponential back-off with full jitter; at least Retry-After (capped)."""
        outcome = state.outcome
        delay = full_jitter(state.attempt_number, base=self._retry.base_delay, cap=self._retry.max_delay)
        if outcome is not None and not outcome.failed:
            retry_after = outcome.result().headers.get("Retry-After")
            if retry_after:
                delay = max(delay, min(self._retry.max_delay, _retry_after_seconds(retry_after)))
        return delay

    def _check_deadline(self) -> None:
        if self.deadline is not None and self.deadline.expired:
            log.warning("sync cycle past its %g s deadline: abandoned", self.deadline.seconds)
            raise CycleDeadline(self.deadline.seconds)

    def _sleep(self, seconds: float) -> None:
        """Back-off between tries, never past the deadline (then the cycle ends at once instead)."""
        left = self.deadline.remaining() if self.deadline is not None else None
        if left is not None and seconds >= left:
            assert self.deadline is not None
            raise CycleDeadline(self.deadline.seconds)
        self._retry.sleep(seconds)

    def _require_origin(self, url: str | httpx.URL, where: str) -> None:
        if not same_origin(url, self.origin):
            log.warning("refused a %s to another origin (%s); nothing was sent there", where, shown(url))
            raise ForeignOrigin(where, shown(url))

    def _send(self, method: str, url: str, params: Mapping[str, str] | None, content: bytes | None,
              headers: Mapping[str, str], where: str = "link") -> httpx.Response:
        """One exchange, reading at most ``max_body_bytes`` of the (decoded) body: a body that is too big
        is refused while it streams in, never held whole in memory.

        While a deadline runs, the exchange runs on a helper thread and this one waits for it in short
        slices, doing the deadline's idle work between them; past the deadline the exchange is abandoned
        (its connection pool is closed and replaced, so the next request starts on a free link)."""
        deadline = self.deadline
        left = deadline.remaining() if deadline is not None else None
        http = self._http
        if left is None:
            req = http.build_request(method, url, params=params, content=content, headers=headers)
        else:  # an abandoned exchange ends soon after the deadline, not a whole timeout later
            timeout = httpx.Timeout(min(self.timeout, left + 1.0), connect=min(self.timeout, 5.0, left + 1.0))
            req = http.build_request(method, url, params=params, content=content, headers=headers, timeout=timeout)
        self._require_origin(req.url, where)  # what is actually sent, whatever built the URL
        if deadline is None or left is None:
            return self._exchange(http, req, None)
        cancel = threading.Event()
        done: Future[httpx.Response] = Future()

        def run() -> None:
            try:
                done.set_result(self._exchange(http, req, cancel))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                done.set_exception(exc)

        threading.Thread(target=run, name="legevakt-fhir-exchange", daemon=True).start()
        while True:
            left = deadline.remaining()
            if left is None or left <= 0.0:
                cancel.set()
                self._abandon(http)
                log.warning("sync cycle past its %g s deadline: an exchange was abandoned", deadline.seconds)
                raise CycleDeadline(deadline.seconds)
            try:
                return done.result(timeout=min(_SLICE, left))
            except FutureTimeout:
                deadline.idle()

    def _abandon(self, http: httpx.Client) -> None:
        """Leave ``http`` to the abandoned exchange (closed in the background) and use a fresh pool."""
        if self._http is http:
            self._http = self._new_http()
        threading.Thread(target=http.close, name="legevakt-fhir-close", daemon=True).start()

    def _exchange(self, http: httpx.Client, req: httpx.Request, cancel: threading.Event | None) -> httpx.Response:
        try:
            resp = http.send(req, stream=True)
        except httpx.TransportError as exc:
            why = tls_failure(exc)
            if why is not None:  # a certificate to fix, not a network fault: not retried
                raise TlsFailed(f"TLS: {why}") from exc
            raise
        try:
            self.last_date = resp.headers.get("date")
            declared = resp.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > self._max_body \
                    and "content-encoding" not in resp.headers:
                raise LimitExceeded("body", self._max_body, status=resp.status_code)
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                if cancel is not None and cancel.is_set():
                    raise CycleDeadline(self.deadline.seconds if self.deadline is not None else 0.0)
                size += len(chunk)
                if size > self._max_body:
                    raise LimitExceeded("body", self._max_body, status=resp.status_code)
                chunks.append(chunk)
        finally:
            resp.close()
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        kept = [(k, v) for k, v in resp.headers.multi_items()
                if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        said = {k: v for k, v in resp.extensions.items() if k in ("http_version", "reason_phrase")}  # not the stream
        return httpx.Response(resp.status_code, headers=kept, content=body, request=req, extensions=said)

    def json(self, resp: httpx.Response, *, expect: str | None = None) -> Resource:
        """Decode a FHIR JSON answer, raising a typed error for anything that is not a good one."""
        status = resp.status_code
        if status >= 400:
            raise _http_error(resp)
        raw = resp.content
        if len(raw) > self._max_body:
            raise LimitExceeded("body", self._max_body, status=status)
        if status != 200 and status != 201 and not raw:
            raise MalformedResponse(f"HTTP {status} without a body where a resource was expected", status=status)
        body = bounded_json(raw, max_depth=self.max_depth, max_string_bytes=self.max_string_bytes, status=status)
        if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
            raise MalformedResponse("body is not a FHIR resource", status=status)
        if expect is not None and body["resourceType"] != expect:
            raise MalformedResponse(f"expected {expect}, got {token(body['resourceType'])}", status=status)
        return body

    def get(self, path_or_url: str, params: Mapping[str, str] | None = None, *, expect: str | None = None,
            ) -> Resource:
        url = path_or_url if path_or_url.startswith(("http://", "https://")) else self.url(path_or_url)
        return self.json(self.request("GET", url, params=params), expect=expect)

    def read(self, ref: str) -> Resource:
        """GET [base]/Type/id; checks the resource is the one asked for."""
        rtype, _, rid = ref.partition("/")
        body = self.get(ref, expect=rtype)
        if body.get("id") != rid:
            raise MalformedResponse(f"asked for {ref}, got id {token(body.get('id'))}")
        return body

    def capabilities(self) -> Resource:
        return self.get("metadata", expect="CapabilityStatement")

    # -- search -----------------------------------------------------------------------------------
    def pages(self, rtype: str, params: Mapping[str, str]) -> Iterator[Page]:
        """Every page of a search, by ``next`` links only. Raises on the first failed page."""
        return self._pages(rtype, rtype, params, history=False)

    def history_pages(self, rtype: str, params: Mapping[str, str]) -> Iterator[Page]:
        """Every page of the type-level history ``[base]/Type/_history`` (e.g. with ``_since``).

        Each page's ``resources`` are the versions present (oldest or newest first, as the server likes);
        ``deleted`` the deletions. Raises on the first failed page.
        """
        return self._pages(f"{rtype}/_history", rtype, params, history=True)

    def instance_history_pages(self, ref: str, params: Mapping[str, str] | None = None) -> Iterator[Page]:
        """Every page of one resource's history ``[base]/Type/id/_history`` (in the server's order)."""
        return self._pages(f"{ref}/_history", ref.partition("/")[0], params or {}, history=True)

    def _pages(self, path: str, rtype: str, params: Mapping[str, str], *, history: bool) -> Iterator[Page]:
        body = self.get(path, params, expect="Bundle")
        seen_urls: set[str] = set()
        pages = 1
        while True:
            page = _history_page(body, rtype, self.base_url) if history else _page(body, rtype)
            yield page
            if page.next_url is None:
                return
            if page.next_url in seen_urls:
                raise MalformedResponse("the server's next link loops back to an earlier page")
            seen_urls.add(page.next_url)
            if pages >= self.max_pages:  # an endless chain of next links: refused before one more request
                raise LimitExceeded("pages", self.max_pages)
            pages += 1
            body = self.get(page.next_url, expect="Bundle")  # another origin: ForeignOrigin, nothing sent


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(raw: bytes) -> int:
    """How deep ``raw`` nests arrays and objects (brackets inside strings do not count), without decoding."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(0, max(accumulate(_STEP[b] for b in brackets), default=0))


def bounded_json(raw: bytes, *, max_depth: int = MAX_DEPTH, max_string_bytes: int = MAX_STRING_BYTES,
                 status: int | None = None) -> Any:
    """``json.loads`` within bounds: ``LimitExceeded`` for a run between quotes longer than
    ``max_string_bytes`` or nesting deeper than ``max_depth`` (checked first: the decoder recurses), and
    ``MalformedResponse`` for anything that is not JSON."""
    if raw and max(map(len, raw.split(b'"'))) > max_string_bytes:
        raise LimitExceeded("string", max_string_bytes, status=status)
    if raw.count(b"[") + raw.count(b"{") > max_depth and json_depth(raw) > max_depth:
        raise LimitExceeded("depth", max_depth, status=status)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedResponse("body is not valid JSON", status=status) from exc


def _page(bundle: Resource, rtype: str) -> Page:
    if bundle.get("type") not in ("searchset", "history"):
        raise MalformedResponse(f"expected a searchset Bundle, got type {token(bundle.get('type'))}")
    matches: list[Resource] = []
    included: list[Resource] = []
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise MalformedResponse("Bundle.entry is not a list")
    for entry in entries:
        if not isinstance(entry, dict):
            raise MalformedResponse("Bundle.entry holds something that is not an object")
        res = entry.get("resource")
        if res is None:
            continue
        if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
            raise MalformedResponse("Bundle entry without a resource type")
        search = entry.get("search")
        mode = search.get("mode") if isinstance(search, dict) else None
        if res["resourceType"] == "OperationOutcome":
            continue  # informational outcomes inside a searchset
        if mode == "include" or (mode is None and res["resourceType"] != rtype):
            included.append(res)
        else:
            if res["resourceType"] != rtype:
                raise MalformedResponse(f"search for {rtype} returned a {token(res['resourceType'])}")
            matches.append(res)
    total, next_url = _total_and_next(bundle)
    return Page(matches, included, total, next_url)


def _total_and_next(bundle: Resource) -> tuple[int | None, str | None]:
    """``Bundle.total`` (optional, but a count when given) and the ``next`` link, if any."""
    total = bundle.get("total")
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        raise MalformedResponse("Bundle.total is not a count")
    next_url = None
    links = bundle.get("link")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            next_url = link["url"]
    return total, next_url


def _history_page(bundle: Resource, rtype: str, base: str | None = None) -> Page:
    if bundle.get("type") != "history":
        raise MalformedResponse(f"expected a history Bundle, got type {token(bundle.get('type'))}")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise MalformedResponse("Bundle.entry is not a list")
    present: list[Resource] = []
    deleted: list[tuple[str, str | None]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise MalformedResponse("Bundle.entry holds something that is not an object")
        res = entry.get("resource")
        request = entry.get("request")
        request = request if isinstance(request, dict) else {}
        if res is None:
            if request.get("method") != "DELETE":
                raise MalformedResponse("a history entry has no resource and is not a deletion")
            ref = _history_ref(request.get("url"), entry.get("fullUrl"), rtype, base)
            response = entry.get("response")
            modified = response.get("lastModified") if isinstance(response, dict) else None
            if ref is not None:
                deleted.append((ref, modified if isinstance(modified, str) else None))
            continue
        if not isinstance(res, dict) or res.get("resourceType") != rtype:
            raise MalformedResponse(f"the history of {rtype} holds something else")
        present.append(res)
    total, next_url = _total_and_next(bundle)
    return Page(present, [], total, next_url, deleted)


def _history_ref(url: object, full_url: object, rtype: str, base: str | None) -> str | None:
    """``Type/id`` of a deleted version, from ``request.url`` (or ``fullUrl``), resolved against the platform
    ``base`` as every reference is (``mapping.resolve_reference``); None when it names a record that is not
    one of ours here (another server's, another type): its last two segments are no record on this base."""
    said = False
    for candidate in (url, full_url):
        if isinstance(candidate, str) and candidate:
            said = True
            ref = resolve_reference(candidate.split("?", 1)[0].rstrip("/"), base)
            if ref is not None and ref.startswith(f"{rtype}/"):
                return ref
    if not said:
        raise MalformedResponse("a deletion in the history does not say what was deleted")
    return None


def _retry_after_seconds(value: str) -> float:
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return 1.0
        return max(0.0, when.timestamp() - time.time())


def outcome_text(resp: httpx.Response) -> str:
    """The OperationOutcome's diagnostics or text, when the server gave one."""
    try:
        body = bounded_json(resp.content)
    except MalformedResponse:
        return ""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return ""
    parts = []
    for issue in body.get("issue") or []:
        if isinstance(issue, dict):
            text = issue.get("diagnostics") or (issue.get("details") or {}).get("text")
            if isinstance(text, str) and text:
                parts.append(text)
    return "; ".join(parts)[:500]


def _http_error(resp: httpx.Response) -> PlatformError:
    status = resp.status_code
    text = outcome_text(resp)
    detail = f"HTTP {status}" + (f": {text}" if text else "")
    if status == 401 or status == 403:
        return AuthenticationError(detail, status=status)
    if status == 404:
        return NotFound(detail, status=status)
    if status == 410:
        return Gone(detail, status=status)
    if status == 412:
        return PreconditionFailed(detail, status=status)
    if status >= 500 or status == 429:
        return PlatformServerError(detail, status=status)
    return Refused(detail, status=status)
