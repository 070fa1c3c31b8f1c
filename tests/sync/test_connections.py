"""Connections: the sync link keeps one keep-alive connection to the platform instead of opening a new
TCP (and TLS) connection per cycle or per request (issue 10), and speaks HTTP/2 where the platform offers it.

The oracle is the server side: a reverse proxy in front of the simulator counts the TCP connections it
accepts (``HostileServer.connections``: one request handler per accepted connection)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.sim import SimServer
from legevakt.sync.auth import NoCredentials
from legevakt.sync.errors import LimitExceeded
from legevakt.sync.fhir import FhirClient, RetryPolicy

from .hostile import HostileServer, Proxy

CYCLES = 20


@pytest.fixture
def front(make_sim: Callable[..., SimServer]) -> Iterator[tuple[SimServer, HostileServer]]:
    """The simulator behind a counting reverse proxy (which rewrites its origin to its own, so the
    simulator's absolute ``next`` links stay on the origin the client was given)."""
    sim = make_sim(seed=3, initial_patients=12, speed=60.0)  # the clinic moves: cycles have work to do
    proxy = Proxy(sim.base_url)
    server = HostileServer(proxy).start()
    proxy.public = server.origin
    try:
        yield sim, server
    finally:
        server.stop()
        proxy.close()


def open_runtime(sim: SimServer, server: HostileServer, data: Path) -> Runtime:
    """The engine as the desktop app builds it (push off: it is started separately, see ``start_push``,
    and its websocket is a connection of its own)."""
    settings = Settings(platform=sim.base_url.replace(f"127.0.0.1:{sim.port}", f"127.0.0.1:{server.port}"),
                        location=sim.clinic_ref, data_dir=str(data), push=False)
    return Runtime.open(settings, tokens=NoCredentials())


def test_twenty_cycles_share_one_connection(front: tuple[SimServer, HostileServer], tmp_path: Path) -> None:
    sim, server = front
    runtime = open_runtime(sim, server, tmp_path)
    try:
        outcomes = [runtime.engine.cycle() for _ in range(CYCLES)]
    finally:
        runtime.close()
    assert all(o.error is None for o in outcomes)
    assert len(server.requests) >= 2 * CYCLES  # many requests...
    assert server.connections == 1  # ...over one TCP connection


def test_the_connection_outlives_the_pause_between_polls(front: tuple[SimServer, HostileServer],
                                                         tmp_path: Path) -> None:
    """The default poll interval is 5 s, which is httpx's default keep-alive expiry: a pool with the
    default would drop the idle connection before every poll and open a new one."""
    sim, server = front
    runtime = open_runtime(sim, server, tmp_path)
    try:
        first = runtime.engine.cycle()
        time.sleep(runtime.settings.poll_seconds + 0.5)
        second = runtime.engine.cycle()
    finally:
        runtime.close()
    assert first.error is None and second.error is None
    assert server.connections == 1


# -- HTTP/2 ---------------------------------------------------------------------------------------------------

class H2Front:
    """The simulator's own ASGI app served a second time, by hypercorn over TLS, offering h2 by ALPN (and
    http/1.1). Records, per request, the HTTP version and the client's address as the server saw them."""

    def __init__(self, sim: SimServer, certfile: str) -> None:
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        assert sim._server is not None
        inner = sim._server.config.app  # what uvicorn serves (its lifespan already runs there)
        self.seen: list[tuple[str, tuple[str, int]]] = []

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                while True:
                    message = await receive()
                    await send({"type": message["type"] + ".complete"})
                    if message["type"] == "lifespan.shutdown":
                        return
            if scope["type"] == "http":
                self.seen.append((scope["http_version"], tuple(scope["client"])))
            await inner(scope, receive, send)

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)  # connections wait in the backlog until hypercorn accepts: none is refused
        self.port = int(sock.getsockname()[1])
        config = Config()
        config.bind = [f"fd://{sock.detach()}"]  # hypercorn owns (and closes) the listening socket
        config.certfile = config.keyfile = certfile
        config.alpn_protocols = ["h2", "http/1.1"]
        config.loglevel = "WARNING"
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)

            async def main() -> None:
                self._started.set()
                await serve(app, config, shutdown_trigger=self._stop.wait)  # type: ignore[arg-type]

            self._loop.run_until_complete(main())

        self._thread = threading.Thread(target=run, name="h2-front", daemon=True)
        self._thread.start()
        self._started.wait(5)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/fhir"

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture
def h2_front(make_sim: Callable[..., SimServer], tmp_path: Path) -> Iterator[tuple[SimServer, H2Front]]:
    trustme = pytest.importorskip("trustme")
    pytest.importorskip("hypercorn")
    ca = trustme.CA()
    pem = tmp_path / "server.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(pem))
    sim = make_sim(seed=3, initial_patients=6, speed=60.0)  # one page per search: no absolute next links
    front = H2Front(sim, str(pem))
    try:
        yield sim, front
    finally:
        front.stop()


def test_the_link_speaks_http2_where_the_platform_offers_it(h2_front: tuple[SimServer, H2Front],
                                                           tmp_path: Path) -> None:
    sim, front = h2_front
    settings = Settings(platform=front.base_url, location=sim.clinic_ref, data_dir=str(tmp_path / "data"),
                        push=False, verify_tls=False)  # loopback: the certificate is not what is tested here
    runtime = Runtime.open(settings, tokens=NoCredentials())
    try:
        outcomes = [runtime.engine.cycle() for _ in range(5)]
        answer = runtime.client.request("GET", runtime.client.url("metadata"))
    finally:
        runtime.close()
    assert all(o.error is None for o in outcomes)
    assert answer.http_version == "HTTP/2"
    versions = {version for version, _ in front.seen}
    assert versions == {"2"} and len(front.seen) >= 10
    assert len({client for _, client in front.seen}) == 1  # one connection (one client port) for them all


def test_an_abandoned_http2_exchange_leaves_a_working_link(h2_front: tuple[SimServer, H2Front],
                                                           tmp_path: Path) -> None:
    """Past the cycle deadline the exchange (on its helper thread) is abandoned and its pool closed while
    it still waits for the answer; the next cycle gets a fresh HTTP/2 connection and completes."""
    sim, front = h2_front
    settings = Settings(platform=front.base_url, location=sim.clinic_ref, data_dir=str(tmp_path / "data"),
                        push=False, verify_tls=False, cycle_deadline_seconds=0.5)
    runtime = Runtime.open(settings, tokens=NoCredentials())
    try:
        sim.faults.latency_ms = 2000.0  # every answer comes after the deadline
        late = runtime.engine.cycle()
        sim.faults.latency_ms = 0.0
        after = runtime.engine.cycle()
    finally:
        runtime.close()
    assert late.error is not None and not late.complete
    assert after.error is None and after.complete
    assert {version for version, _ in front.seen} == {"2"}
    assert len({client for _, client in front.seen}) == 2  # the abandoned connection, then a new one


def test_a_body_refused_mid_stream_over_http2_leaves_the_connection_usable(
        h2_front: tuple[SimServer, H2Front]) -> None:
    """The body limit stops reading an HTTP/2 stream part-way (the stream is reset, not the connection):
    the next request on the same connection is answered."""
    sim, front = h2_front
    with FhirClient(front.base_url, verify=False, max_body_bytes=2_000, retry=RetryPolicy(attempts=1)) as client:
        with pytest.raises(LimitExceeded):
            client.capabilities()  # a CapabilityStatement is far longer than 2 000 bytes
        clinic = client.read(sim.clinic_ref)  # a Location is a few hundred
    assert clinic["resourceType"] == "Location"
    assert {version for version, _ in front.seen} == {"2"} and len(front.seen) == 2
    assert len({client for _, client in front.seen}) == 1
