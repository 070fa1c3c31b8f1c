"""The overall deadline of one sync cycle (issue 11: a sync that always ends).

Timeouts per read do not bound a cycle: a server that drips a byte every few seconds, or serves an
endless chain of ``next`` links, answers every read in time and never finishes. ``Deadline`` is started
by the engine for the whole cycle and kept by the FHIR client: each exchange runs on a helper thread
while the caller waits in short slices, so the cycle is abandoned (``CycleDeadline``) the moment the
deadline passes, whatever the server does, and the waiting thread can do local work meanwhile
(``idle``: the worker's acknowledgements, which are database work and must not wait on the network).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from legevakt.sync.errors import CycleDeadline

Idle = Callable[[], None]


class Deadline:
    """One cycle's deadline, ``seconds`` after ``running()`` began; none outside it."""

    def __init__(self, seconds: float, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._monotonic = monotonic
        self._until: float | None = None
        self._idle: Idle | None = None
        self._in_idle = False

    @contextmanager
    def running(self) -> Iterator[Deadline]:
        """The cycle's span: the deadline runs from here to its end (nested use keeps the outer one)."""
        if self._until is not None:
            yield self
            return
        self._until = self._monotonic() + self.seconds
        try:
            yield self
        finally:
            self._until = None

    @contextmanager
    def idle_work(self, idle: Idle | None) -> Iterator[None]:
        """While inside, ``idle`` is called between slices of every exchange the client waits for."""
        before, self._idle = self._idle, idle
        try:
            yield
        finally:
            self._idle = before

    @property
    def active(self) -> bool:
        return self._until is not None

    def remaining(self) -> float | None:
        """Seconds left (never below 0), or None when no cycle is running."""
        if self._until is None:
            return None
        return max(0.0, self._until - self._monotonic())

    @property
    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0.0

    def check(self) -> None:
        """Raise ``CycleDeadline`` once the deadline has passed."""
        if self.expired:
            raise CycleDeadline(self.seconds)

    def idle(self) -> None:
        """Run the idle work once (not re-entered from inside itself)."""
        if self._idle is None or self._in_idle:
            return
        self._in_idle = True
        try:
            self._idle()
        finally:
            self._in_idle = False
