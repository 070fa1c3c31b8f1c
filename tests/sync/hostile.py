"""Hostile servers of our own on 127.0.0.1 (issue 11): a recording HTTP(S) server, and a reverse proxy in
front of the simulator that can rewrite what it answers (a ``next`` link, a CapabilityStatement, a
websocket URL) to point at another origin."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


Answer = tuple[int, dict[str, str], bytes]
#: An answer whose body is sent piece by piece (chunked, each piece flushed at once): a dripping or hanging
#: server. The pieces may block (wait on an event) as long as they like.
Streamed = tuple[int, dict[str, str], Iterable[bytes]]
Handler = Callable[[Seen], "Answer | Streamed"]


def fhir(body: dict[str, Any], status: int = 200, **headers: str) -> Answer:
    return status, {"Content-Type": "application/fhir+json", **headers}, json.dumps(body).encode()


def not_found(_: Seen) -> Answer:
    return fhir({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]}, 404)


class HostileServer:
    """Records every request it receives and answers with ``handler``; plain HTTP or, with ``tls``, HTTPS."""

    def __init__(self, handler: Handler = not_found, *, host: str = "127.0.0.1",
                 tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.requests: list[Seen] = []
        self.host = host
        self.tls = tls
        outer = self

        class Handle(BaseHTTPRequestHandler):  # one instance per accepted TCP connection
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                with outer._lock:
                    outer.connections += 1
                super().setup()

            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with outer._lock:
                    outer.requests.append(seen)
                status, headers, content = outer.handler(seen)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if isinstance(content, bytes):
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.flush()
                with outer._lock:
                    outer.streaming += 1
                try:
                    for piece in content:
                        if outer.released.is_set():
                            break
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except OSError:  # the client gave up on us: what a hostile server expects
                    self.close_connection = True
                finally:
                    with outer._lock:
                        outer.streaming -= 1

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

            def log_message(self, *args: object) -> None:
                pass

        self._lock = threading.Lock()
        #: TCP connections accepted so far (keep-alive: many requests may share one).
        self.connections = 0
        #: Streamed answers being sent right now.
        self.streaming = 0
        #: Set by ``stop``: every dripping or hanging answer ends.
        self.released = threading.Event()
        self._httpd = ThreadingHTTPServer((host, 0), Handle)
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="hostile-server", daemon=True)

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls is not None else 'http'}://{self.host}:{self.port}"

    def authorizations(self) -> list[str]:
        """Every Authorization header it received."""
        return [r.headers["authorization"] for r in self.requests if "authorization" in r.headers]

    def bodies(self) -> bytes:
        return b"".join(r.body for r in self.requests)


Rewrite = Callable[[Seen, Answer], Answer]


class Proxy:
    """``handler`` for a ``HostileServer`` in front of ``upstream`` (the simulator's base URL): forwards each
    request as it came (the Authorization header too), answers with the upstream's answer with the
    upstream's origin replaced by the proxy's (as a reverse proxy does), then lets ``rewrite`` (when set)
    change it."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = f"{parts.scheme}://{parts.netloc}"
        self.public = ""  # the proxy's own origin, set once its server listens
        self.rewrite: Rewrite | None = None
        self._http = httpx.Client(timeout=10.0)

    def __call__(self, seen: Seen) -> Answer:
        headers = {k: v for k, v in seen.headers.items()
                   if k not in ("host", "content-length", "connection", "accept-encoding")}
        resp = self._http.request(seen.method, self.upstream + seen.path, headers=headers, content=seen.body)
        body = resp.content.replace(self.upstream.encode(), self.public.encode())
        kept = {k: v.replace(self.upstream, self.public) for k, v in resp.headers.items()
                if k.lower() in ("content-type", "etag", "location", "last-modified")}  # Date: the proxy's own
        answer: Answer = (resp.status_code, kept, body)
        return self.rewrite(seen, answer) if self.rewrite is not None else answer

    def close(self) -> None:
        self._http.close()


def rewrite_json(answer: Answer, change: Callable[[dict[str, Any]], None]) -> Answer:
    status, headers, body = answer
    doc = json.loads(body)
    change(doc)
    return status, headers, json.dumps(doc).encode()


def non_loopback_address() -> str | None:
    """An IPv4 address of this machine that is not loopback (a server bound to it is "another machine" by
    address), or None when there is none."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("203.0.113.1", 9))  # TEST-NET-3; UDP connect sends nothing, it picks the interface
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    if address.startswith("127.") or address == "0.0.0.0":
        return None
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((address, 0))
    except OSError:
        return None
    return address


def drip(body: bytes, released: threading.Event, *, pause: float = 0.5, started: threading.Event | None = None,
         forever: bool = False) -> Iterator[bytes]:
    """``body`` one byte at a time, ``pause`` seconds apart (each byte well inside any read timeout), then,
    with ``forever``, whitespace a byte at a time until ``released``. ``started`` is set with the first byte."""
    def pieces() -> Iterator[bytes]:
        for i in range(len(body)):
            yield body[i:i + 1]
            if started is not None:
                started.set()
            if released.wait(pause):
                return
        while forever and not released.wait(pause):
            yield b" "
    return pieces()


def hang(released: threading.Event, started: threading.Event | None = None) -> Iterator[bytes]:
    """Headers sent, then not one byte of the body until ``released``."""
    def pieces() -> Iterator[bytes]:
        if started is not None:
            started.set()
        released.wait()
        return
        yield b""  # a generator
    return pieces()


def endless_next(rtype: str = "Encounter") -> Handler:
    """A server whose every search page is empty and links a ``next`` page that was never seen before."""
    counter = iter(range(1, 1 << 62))

    def handle(seen: Seen) -> Answer:
        if seen.path.split("?", 1)[0].rstrip("/").endswith("/metadata"):
            return fhir({"resourceType": "CapabilityStatement", "status": "active", "fhirVersion": "4.0.1",
                         "kind": "instance", "format": ["json"]})
        n = next(counter)
        base = seen.headers.get("host", "127.0.0.1")
        return fhir({"resourceType": "Bundle", "type": "searchset", "entry": [],
                     "link": [{"relation": "next", "url": f"http://{base}/fhir/{rtype}?page={n}"}]})
    return handle
