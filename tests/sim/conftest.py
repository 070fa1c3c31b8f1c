from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from legevakt.sim import SimConfig, SimServer


@pytest.fixture
def make_sim() -> Iterator[Callable[..., SimServer]]:
    """Start simulators with a given config (frozen clock by default); all are stopped at teardown."""
    started: list[SimServer] = []

    def make(**kwargs: object) -> SimServer:
        kwargs.setdefault("speed", 0.0)
        server = SimServer(SimConfig(**kwargs), port=0)  # type: ignore[arg-type]
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def sim(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim()


@pytest.fixture
def client(sim: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url + "/", timeout=10) as c:
        yield c
