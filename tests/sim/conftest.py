from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from legevakt.sim import SimServer


@pytest.fixture
def client(sim: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url + "/", timeout=10) as c:
        yield c
