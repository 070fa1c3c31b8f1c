"""The one database writer: a daemon thread that runs write jobs against the store, one at a time, in order.

Every database write in the application is submitted here, so SQLite never sees two writers and a
slow disk never blocks the UI thread. Reads may use the store directly from any thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

from legevakt.store.db import Store

log = logging.getLogger("legevakt.store")

T = TypeVar("T")


class _Job(Generic[T]):
    __slots__ = ("fn", "future")

    def __init__(self, fn: Callable[[Store], T], future: Future[T]) -> None:
        self.fn = fn
        self.future = future

    def run(self, store: Store) -> None:
        if not self.future.set_running_or_notify_cancel():
            return  # cancelled while queued
        try:
            result = self.fn(store)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            self.future.set_exception(exc)
        else:
            self.future.set_result(result)


class WriterClosed(RuntimeError):
    """A write was submitted after the writer was closed."""


class DbWriter:
    """Serialises all writes: ``submit(fn)`` queues ``fn(store)`` and returns a future of its result.

    Jobs run one at a time, in submission order, on one daemon thread. ``close()`` refuses new jobs,
    runs every job already queued, then joins the thread. It does not close the store.
    """

    def __init__(self, store: Store, *, name: str = "legevakt-db-writer") -> None:
        self._store = store
        self._queue: queue.SimpleQueue[_Job[object] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, fn: Callable[[Store], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise WriterClosed("the database writer is closed")
            self._queue.put(_Job(fn, future))  # type: ignore[arg-type]
        return future

    def close(self, timeout: float | None = None) -> None:
        """Run what is queued, then stop. Idempotent; safe to call from a job (it then does not wait)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the database writer did not finish within %s s", timeout)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            job.run(self._store)
