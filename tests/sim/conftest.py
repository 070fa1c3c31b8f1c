from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from legevakt.sim import SimServer
from tests.sim.helpers import FakeClock


@pytest.fixture
def client(sim: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url + "/", timeout=10) as c:
        yield c


@pytest.fixture
def clock(sim: SimServer) -> FakeClock:
    """A fake clock for the recipients: nothing waits; ``run_recipients`` moves it and pumps."""
    c = FakeClock()
    sim.recipients.clock = c
    return c
