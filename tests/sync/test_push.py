"""Push over websocket subscriptions, R4 and Subscriptions Backport, against the simulator."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from legevakt.app.worker import CycleReason
from legevakt.sim import SimServer
from legevakt.sync.auth import ClientCredentials, ClientCredentialsTokens
from legevakt.sync.capabilities import ServerFeatures
from legevakt.sync.incremental import FetchKind
from legevakt.sync.push import PushChannel, PushConfig, PushFlavour, PushState
from legevakt.worklist.models import AlertKind

from .conftest import FAST, MakeChannel, MakeLink, Worker, dropped_alert, wait


@pytest.mark.parametrize("flavour", [PushFlavour.R4, PushFlavour.BACKPORT])
def test_a_drop_from_the_list_reaches_an_alert_by_push(
        make_link: MakeLink, make_channel: MakeChannel, flavour: PushFlavour) -> None:
    link = make_link(interval=30.0)
    link.sim.faults.heartbeat_seconds = 0.2
    with Worker(link, interval=30.0) as worker:  # polling alone would take half a minute
        channel = make_channel(link.sim, worker.wake, flavour=flavour,
                               on_reconnect=lambda: link.sync.request_full("push reconnected"))
        wait(lambda: channel.up and len(worker.outcomes) >= 2)
        assert channel.flavour is flavour
        victim = sorted(link.sim.clinic.list_items())[0]
        link.sim.clinic.drop_from_list(victim)
        worker.wait(dropped_alert(link, victim))
        # Polling was 30 s away: the cycle that raised the alert was one push woke.
        raised = worker.reasons_raising(lambda r: any(
            a.kind is AlertKind.DROPPED_FROM_QUEUE and a.encounter == victim for a in r.alerts))
        assert raised[:1] == [CycleReason.WAKE]
        assert channel.notifications >= 1
        assert link.sync.last_kind is FetchKind.INCREMENTAL
        assert link.state.entries[victim].drop_confirmed
        assert link.false_alarms() == []


def test_r4_is_preferred_where_both_flavours_are_offered(make_sim: Callable[..., SimServer],
                                                         make_channel: MakeChannel) -> None:
    sim = make_sim(initial_patients=3)
    channel = make_channel(sim, lambda: None)
    wait(lambda: channel.up)
    assert channel.flavour is PushFlavour.R4


def test_backport_heartbeats_keep_it_up_and_the_binding_token_is_renewed_before_it_expires(
        make_sim: Callable[..., SimServer], make_channel: MakeChannel) -> None:
    sim = make_sim(initial_patients=3)
    sim.faults.heartbeat_seconds = 0.1
    wakes: list[float] = []
    channel = make_channel(sim, lambda: wakes.append(time.monotonic()), flavour=PushFlavour.BACKPORT,
                           heartbeat_seconds=0.1, renew_share=0.005)  # renew after 0.3 s of a 60 s token
    wait(lambda: channel.up)
    time.sleep(1.2)  # many heartbeat periods and several renewals
    assert channel.up and channel.connects == 1
    assert channel.renewals >= 2
    before = channel.notifications
    sim.clinic.admit()  # still notified on the renewed binding
    wait(lambda: channel.notifications > before, timeout=1.0)


def test_missed_heartbeats_fall_back_to_polling_and_reconnect(
        make_sim: Callable[..., SimServer], make_channel: MakeChannel) -> None:
    sim = make_sim(initial_patients=3)
    sim.faults.heartbeat_seconds = 0.1
    states: list[PushState] = []
    channel: PushChannel | None = None

    def wake() -> None:
        if channel is not None:
            states.append(channel.state)

    channel = make_channel(sim, wake, flavour=PushFlavour.BACKPORT, heartbeat_seconds=0.1)
    wait(lambda: channel is not None and channel.up)
    sim.faults.heartbeat_seconds = 60.0  # the server goes quiet
    wait(lambda: channel is not None and channel.state is PushState.DOWN, timeout=2.0)
    assert channel.problem is not None and "heartbeat" in channel.problem
    sim.faults.heartbeat_seconds = 0.1
    wait(lambda: channel is not None and channel.up, timeout=3.0)
    assert channel.connects >= 2
    # the channel says it is up a moment before it wakes the sync with that news: wait for the wake
    wait(lambda: bool(states) and states[-1] is PushState.UP, timeout=1.0)
    assert PushState.DOWN in states


def test_stop_deletes_the_subscriptions(make_sim: Callable[..., SimServer]) -> None:
    sim = make_sim(initial_patients=3)
    channel = PushChannel(sim.base_url, sim.clinic_ref, wake=lambda: None, config=PushConfig(**FAST))  # type: ignore[arg-type]
    channel.start()
    wait(lambda: channel.up)
    criteria = sorted(str(s["criteria"]).partition("?")[0] for s in sim.store.live("Subscription"))
    assert criteria == ["Encounter", "List", "Task"]  # the simulator declares Task: shared alerts wake too
    channel.stop()
    assert list(sim.store.live("Subscription")) == []
    assert channel.state is PushState.STOPPED


def test_a_server_without_websocket_subscriptions_stays_on_polling(
        make_sim: Callable[..., SimServer], make_channel: MakeChannel) -> None:
    sim = make_sim(initial_patients=3)
    channel = make_channel(sim, lambda: None, features=ServerFeatures.unknown())
    wait(lambda: channel.state is PushState.UNAVAILABLE)
    assert not channel.up
    assert list(sim.store.live("Subscription")) == []


def test_push_with_auth_presents_the_bearer_token(make_sim: Callable[..., SimServer],
                                                  make_channel: MakeChannel) -> None:
    sim = make_sim(initial_patients=3, require_auth=True)
    tokens = ClientCredentialsTokens(f"{sim.base_url}/_auth/token",
                                     ClientCredentials(sim.config.client_id, sim.config.client_secret))
    try:
        seen: list[int] = []
        channel = make_channel(sim, lambda: seen.append(1), tokens=tokens)
        wait(lambda: channel.up)
        before = channel.notifications
        sim.clinic.admit()
        wait(lambda: channel.notifications > before, timeout=1.0)
        channel.stop()
        assert list(sim.store.live("Subscription")) == []
    finally:
        tokens.close()


def test_a_shared_alert_changed_at_another_workstation_wakes_the_sync(make_sim: Callable[..., SimServer]) -> None:
    from datetime import UTC, datetime

    import httpx

    from legevakt.worklist.models import Alert, Severity
    from legevakt.worklist.shared_alerts import task_of

    sim = make_sim(initial_patients=3)
    wakes: list[float] = []
    channel = PushChannel(sim.base_url, sim.clinic_ref, wake=lambda: wakes.append(time.monotonic()),
                          config=PushConfig(**FAST))  # type: ignore[arg-type]
    channel.start()
    try:
        wait(lambda: channel.up)
        before = len(wakes)
        encounter = sorted(sim.clinic.list_items())[0]
        alert = Alert(id="AL-000001", kind=AlertKind.DROPPED_FROM_QUEUE, severity=Severity.CRITICAL, key=encounter,
                      encounter=encounter, raised_at=datetime.now(UTC), detail="")
        with httpx.Client(base_url=sim.base_url + "/", timeout=10) as c:  # another workstation's Task
            assert c.post("Task", json=task_of(alert, focus=encounter, clinic_ref=sim.clinic_ref)).status_code == 201
        wait(lambda: len(wakes) > before, timeout=3.0)
    finally:
        channel.stop()
