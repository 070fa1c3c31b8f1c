"""All writes go through one thread, in order; close() finishes what was queued."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future

import pytest

from legevakt.store import DbWriter, Store, WriterClosed


def opened(target: str) -> Callable[[Store], None]:
    return lambda s: s.append_audit("system", "journal.opened", target)


def test_jobs_run_one_at_a_time_in_order_on_one_thread(writer: DbWriter) -> None:
    log: list[tuple[int, str, int]] = []
    running = 0
    overlap = False
    lock = threading.Lock()

    def job(n: int) -> int:
        nonlocal running, overlap
        with lock:
            running += 1
            overlap = overlap or running > 1
        log.append((n, "start", threading.get_ident()))
        time.sleep(0.001)
        log.append((n, "end", threading.get_ident()))
        with lock:
            running -= 1
        return n * n

    def square(n: int) -> Callable[[Store], int]:
        return lambda _s: job(n)

    futures = [writer.submit(square(n)) for n in range(50)]
    assert [f.result(timeout=10) for f in futures] == [n * n for n in range(50)]
    assert not overlap
    assert [(n, what) for n, what, _ in log] == [(n, what) for n in range(50) for what in ("start", "end")]
    threads = {ident for _, _, ident in log}
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_writes_from_many_threads_all_land(store: Store, writer: DbWriter) -> None:
    futures: list[Future[None]] = []
    lock = threading.Lock()

    def producer(t: int) -> None:
        for n in range(25):
            fut = writer.submit(opened(f"Encounter/{t}-{n}"))
            with lock:
                futures.append(fut)

    threads = [threading.Thread(target=producer, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for fut in futures:
        fut.result(timeout=10)
    assert len(store.audit(limit=1000)) == 100


def test_close_drains_the_queue_then_refuses_more(store: Store) -> None:
    writer = DbWriter(store)
    gate = threading.Event()
    first = writer.submit(lambda _s: gate.wait(5))
    rest = [writer.submit(opened(f"Encounter/e{n}")) for n in range(20)]
    closer = threading.Thread(target=writer.close)
    closer.start()
    time.sleep(0.05)
    assert closer.is_alive()  # waiting for the queued work
    gate.set()
    closer.join(5)
    assert not closer.is_alive()
    assert first.result() is True
    assert all(f.done() and f.exception() is None for f in rest)
    assert len(store.audit(limit=100)) == 20
    with pytest.raises(WriterClosed):
        writer.submit(lambda _s: None)
    writer.close()  # idempotent


def test_a_failing_job_reports_through_its_future_and_the_writer_goes_on(writer: DbWriter) -> None:
    def boom(_s: Store) -> None:
        raise ValueError("bad command")

    failed = writer.submit(boom)
    after = writer.submit(lambda _s: "still here")
    with pytest.raises(ValueError, match="bad command"):
        failed.result(timeout=5)
    assert after.result(timeout=5) == "still here"


def test_a_job_cancelled_while_queued_never_runs(writer: DbWriter) -> None:
    gate = threading.Event()
    ran: list[int] = []
    blocker = writer.submit(lambda _s: gate.wait(5))
    queued = writer.submit(lambda _s: ran.append(1))
    assert queued.cancel()
    gate.set()
    blocker.result(timeout=5)
    writer.submit(lambda _s: None).result(timeout=5)
    assert ran == []
    with pytest.raises(CancelledError):
        queued.result()
