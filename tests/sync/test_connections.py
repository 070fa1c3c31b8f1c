"""Connections: the sync link keeps one keep-alive connection to the platform instead of opening a new
TCP (and TLS) connection per cycle or per request (issue 10), and speaks HTTP/2 where the platform offers it.

The oracle is the server side: a reverse proxy in front of the simulator counts the TCP connections it
accepts (``HostileServer.connections``: one request handler per accepted connection)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.sim import SimServer
from legevakt.sync.auth import NoCredentials

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

