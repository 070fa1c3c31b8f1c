"""A sync link (client, assembler, incremental sync, engine) against a simulator on an ephemeral port."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from legevakt.app.summary import ChangeSummary, LinkMode, LinkStatus
from legevakt.app.worker import CycleReason, SyncWorker, ThreadExecutor
from legevakt.problems import Problem
from legevakt.sim import SimServer
from legevakt.sync.assemble import SnapshotAssembler
from legevakt.sync.engine import CycleOutcome, SyncEngine
from legevakt.sync.fhir import FhirClient, RetryPolicy, TokenSource
from legevakt.sync.incremental import IncrementalSync
from legevakt.sync.push import PushChannel, PushConfig
from legevakt.worklist.models import AlertKind, Fate
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled
from legevakt.worklist.snapshot import WorklistState
from legevakt.worklist.triage import MTS

Hook = Callable[[httpx.Request], httpx.Response | None]


class Spy(httpx.BaseTransport):
    """Records every request; ``hook`` may answer one instead of the server (return None to pass it on)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.requests: list[httpx.Request] = []
        self.hook: Hook | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.hook is not None:
            answer = self.hook(request)
            if answer is not None:
                return answer
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    def paths(self) -> list[str]:
        return [r.url.path.split("/fhir/", 1)[-1] for r in self.requests]

    def clear(self) -> None:
        self.requests.clear()


@dataclass
class Link:
    sim: SimServer
    spy: Spy
    client: FhirClient
    assembler: SnapshotAssembler
    sync: IncrementalSync
    engine: SyncEngine
    stored: list[Reconciled] = field(default_factory=list)
    offset: timedelta = timedelta(0)  # added to the engine's clock (a "sleep")
    fail_persist: bool = False

    def cycle(self) -> CycleOutcome:
        return self.engine.cycle()

    @property
    def state(self) -> WorklistState:
        return self.engine.state

    def false_alarms(self, *, allow_unconfirmed: bool = False) -> list[str]:
        """Drop / not-in-queue alerts, and departures, that the platform does not justify.

        ``allow_unconfirmed``: while a fault is on, a drop marked *unconfirmed* (its confirming read kept
        failing: issue 3) says "we cannot know" rather than asserting anything, so it is not counted; it
        must be gone once the fault is (``recovers``).
        """
        problems = []
        active = set(self.sim.clinic.active_encounters())
        listed = set(self.sim.clinic.list_items())
        for alert in self.state.alerts.values():
            entry = self.state.entries.get(alert.encounter) if alert.encounter else None
            if (allow_unconfirmed and alert.kind is AlertKind.DROPPED_FROM_QUEUE and entry is not None
                    and not entry.drop_confirmed and alert.encounter not in listed):
                continue
            wrong = alert.encounter is None or alert.encounter in listed or alert.encounter not in active
            if wrong and alert.kind in (AlertKind.DROPPED_FROM_QUEUE, AlertKind.NOT_IN_QUEUE):
                problems.append(f"{alert.kind.value} {alert.encounter}")
            if alert.kind is AlertKind.MASS_DEPARTURE:
                problems.append("mass departure")
        for ref, entry in self.state.entries.items():
            if entry.fate is Fate.DEPARTED and ref in active:
                problems.append(f"departed but active {ref}")
            if entry.fate is Fate.DROPPED and (ref in listed or ref not in active):
                if allow_unconfirmed and not entry.drop_confirmed and ref not in listed:
                    continue
                problems.append(f"dropped but listed or gone {ref}")
        return problems

    def lost(self) -> set[str]:
        """Patients in the platform's queue that the worklist does not show as present."""
        return {ref for ref in self.sim.clinic.list_items()
                if ref not in self.state.entries or self.state.entries[ref].fate is not Fate.PRESENT}


MakeLink = Callable[..., Link]


@pytest.fixture
def make_link(make_sim: Callable[..., SimServer]) -> Iterator[MakeLink]:
    made: list[Link] = []

    def make(*, sim: SimServer | None = None, full_every: int = 1000, page_size: int = 50,
             attempts: int = 3, timeout: float = 5.0, tokens: TokenSource | None = None,
             interval: float | None = None, max_delay: float = 0.05, sleep: Callable[[float], None] = time.sleep,
             max_body_bytes: int = 50 * 1024 * 1024, history_is_clinic_own: bool = True,
             light_checks: bool = True, **sim_kw: object) -> Link:
        if sim is None:
            sim_kw.setdefault("seed", 11)
            sim_kw.setdefault("initial_patients", 15)
            sim = make_sim(**sim_kw)
        spy = Spy()
        client = FhirClient(sim.base_url, timeout=timeout, transport=spy, tokens=tokens,
                            max_body_bytes=max_body_bytes,
                            retry=RetryPolicy(attempts=attempts, base_delay=0.01, max_delay=max_delay, sleep=sleep))
        assembler = SnapshotAssembler(client, sim.clinic_ref, MTS, page_size=page_size)
        sync = IncrementalSync(assembler, full_every=full_every, interval=interval,
                               history_is_clinic_own=history_is_clinic_own, light_checks=light_checks)
        link: Link

        def persist(result: Reconciled, actor: str) -> None:
            if link.fail_persist:
                raise OSError("disk full (simulated)")
            link.stored.append(result)

        def clock() -> datetime:
            return datetime.now(UTC) + link.offset

        engine = SyncEngine(sync, persist, WorklistState(), ReconcileConfig(), clock)
        link = Link(sim, spy, client, assembler, sync, engine)
        made.append(link)
        return link

    yield make
    for link in made:
        link.client.close()


class LinkRuntime:
    """A ``Link`` as the ``SyncWorker`` sees a runtime (no store: summaries are left to the app tests)."""

    def __init__(self, link: Link) -> None:
        self.link_ = link

    @property
    def engine(self) -> SyncEngine:
        return self.link_.engine

    def link(self, outcome: CycleOutcome | None, mode: LinkMode | None = None) -> LinkStatus:
        return LinkStatus(mode or LinkMode.POLL, self.engine.state.last_complete_at, None)

    def summary(self, result: Reconciled | None, link: LinkStatus, *, complete: bool, initial: bool = False,
                problems: tuple[Problem, ...] = ()) -> ChangeSummary:
        raise AssertionError("the sync tests give no on_changed")

    def start_push(self, wake: Callable[[], None]) -> None:
        raise AssertionError("the sync tests start their own channel (make_channel)")

    def audit(self, by: str, action: str, target: str) -> None:
        pass

    def cycled(self, outcome: CycleOutcome) -> None:
        pass  # no link log here

    def catch_up(self) -> bool:
        return False  # one process: nobody else writes

    def close(self) -> None:
        pass


class Worker:
    """The app's one ``SyncWorker`` on its own thread over a ``Link``: a cycle at start, then one per
    wake-up (commands drained first) or per ``interval`` of quiet. Every outcome is kept with why it ran."""

    def __init__(self, link: Link, interval: float) -> None:
        self.link = link
        self.outcomes: list[tuple[CycleReason, CycleOutcome]] = []
        self.errors: list[Problem] = []
        self.worker = SyncWorker(LinkRuntime(link), interval=interval, on_failed=self.errors.append,
                                 on_cycle=lambda outcome, reason: self.outcomes.append((reason, outcome)),
                                 executor=ThreadExecutor("test-sync-worker"))

    def __enter__(self) -> Worker:
        self.worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.worker.stop(timeout=10)
        assert self.worker.stopped

    def wake(self) -> None:
        self.worker.wake()

    def wait(self, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
        """Until ``predicate`` holds (checked every millisecond); fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not predicate():
            assert not self.errors, self.errors
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {timeout} s")
            time.sleep(0.001)

    def reasons_raising(self, predicate: Callable[[Reconciled], bool]) -> list[CycleReason]:
        """Why each cycle ran whose result satisfies ``predicate`` (e.g. raised an alert)."""
        return [reason for reason, outcome in self.outcomes if predicate(outcome.reconciled)]


FAST = dict(backoff_base=0.05, backoff_max=0.2, heartbeat_seconds=0.2, poll=0.05)

MakeChannel = Callable[..., PushChannel]


@pytest.fixture
def make_channel() -> Iterator[MakeChannel]:
    made: list[PushChannel] = []

    def make(sim: SimServer, wake: Callable[[], None], **kw: object) -> PushChannel:
        on_reconnect = kw.pop("on_reconnect", lambda: None)
        tokens = kw.pop("tokens", None)
        features = kw.pop("features", None)
        channel = PushChannel(sim.base_url, sim.clinic_ref, wake=wake, on_reconnect=on_reconnect,  # type: ignore[arg-type]
                              tokens=tokens, features=features, timeout=5,  # type: ignore[arg-type]
                              config=PushConfig(**{**FAST, **kw}))  # type: ignore[arg-type]
        made.append(channel)
        channel.start()
        return channel

    yield make
    for channel in made:
        channel.stop()


def wait(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def dropped_alert(link: Link, ref: str) -> Callable[[], bool]:
    return lambda: any(a.kind is AlertKind.DROPPED_FROM_QUEUE and a.encounter == ref
                       for a in link.state.alerts.values())
