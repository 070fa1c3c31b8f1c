"""Shared-alert Task requests keep the platform link's rules (issue 10 with issue 11): a ``next`` link to
another origin is never followed, a cycle's deadline bounds them, and a refusal of Task is told apart from
a link that is down."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from legevakt.sync.alert_tasks import AlertTasks
from legevakt.sync.deadline import Deadline
from legevakt.sync.errors import CycleDeadline, ForeignOrigin, PlatformUnreachable
from legevakt.sync.fhir import FhirClient, RetryPolicy
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Severity
from legevakt.worklist.reconcile import restore
from legevakt.worklist.shared_alerts import task_of
from legevakt.worklist.snapshot import WorklistState

BASE = "http://fhir.test/fhir"
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
CAPABLE = {"resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
           "rest": [{"mode": "server", "resource": [{"type": "Task"}, {"type": "Encounter"}]}]}


def tasks(handler: Callable[[httpx.Request], httpx.Response], deadline: Deadline | None = None,
          seen: list[httpx.Request] | None = None) -> AlertTasks:
    def recording(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if request.url.path.endswith("/metadata"):
            return httpx.Response(200, json=CAPABLE)
        return handler(request)

    client = FhirClient(BASE, transport=httpx.MockTransport(recording), deadline=deadline,
                        retry=RetryPolicy(attempts=1, base_delay=0.0, sleep=lambda _: None))
    return AlertTasks(client, "Location/clinic")


def test_a_next_link_to_another_origin_is_refused_before_anything_goes_there() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset", "entry": [],
                                         "link": [{"relation": "next", "url": "http://evil.test/fhir/Task?p=2"}]})

    sharer = tasks(handler, seen=seen)
    with pytest.raises(ForeignOrigin):
        sharer.follow(WorklistState(), NOW)
    assert {r.url.host for r in seen} == {"fhir.test"}
    assert sharer.cursor is None and not sharer.refused


def test_the_search_is_by_code_and_last_updated() -> None:
    seen: list[httpx.Request] = []
    sharer = tasks(lambda r: httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"}), seen=seen)
    sharer.follow(WorklistState(), NOW)
    [search] = [r for r in seen if r.url.path.endswith("/Task")]
    assert search.url.params["_lastUpdated"] == "ge2025-03-02T12:00:00.000Z"  # the first look: one day back
    assert "urn:legevakt:codesystem:alert|DROPPED_FROM_QUEUE" in search.url.params["code"].split(",")
    assert "urn:legevakt:codesystem:alert|SYNC_STALE" not in search.url.params["code"].split(",")


def test_the_cycle_deadline_bounds_a_task_search_that_never_ends() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(3)
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"})

    deadline = Deadline(0.3)
    sharer = tasks(slow, deadline=deadline)
    started = time.monotonic()
    with deadline.running(), pytest.raises(CycleDeadline):
        sharer.follow(WorklistState(), NOW)
    assert time.monotonic() - started < 2


def test_a_link_that_is_down_is_not_a_refusal() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down")

    sharer = tasks(down)
    with pytest.raises(PlatformUnreachable):
        sharer.follow(WorklistState(), NOW)
    assert not sharer.refused


def test_a_statement_without_task_keeps_alerts_local_without_asking_for_tasks() -> None:
    seen: list[httpx.Request] = []
    without = {**CAPABLE, "rest": [{"mode": "server", "resource": [{"type": "Encounter"}]}]}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=without)

    client = FhirClient(BASE, transport=httpx.MockTransport(lambda r: (seen.append(r), handler(r))[1]))
    sharer = AlertTasks(client, "Location/clinic")
    assert sharer.follow(WorklistState(), NOW) == []
    assert sharer.refused and sharer.refusal == "capability"
    assert [r.url.path for r in seen] == ["/fhir/metadata"]


def _drop_state(raised: datetime) -> tuple[WorklistState, str]:
    alert = Alert(id="AL-000001", kind=AlertKind.DROPPED_FROM_QUEUE, severity=Severity.CRITICAL,
                  key="Encounter/e1", encounter="Encounter/e1", raised_at=raised)
    return restore([], [alert], now=raised), alert.id


def _task(status: str, last_updated: datetime) -> dict[str, object]:
    base = Alert(id="x", kind=AlertKind.DROPPED_FROM_QUEUE, severity=Severity.CRITICAL, key="Encounter/e1",
                 encounter="Encounter/e1", raised_at=NOW, status=AlertStatus.RESOLVED if status == "completed"
                 else AlertStatus.OPEN, resolved_by="Practitioner/lead" if status == "completed" else None,
                 resolved_at=NOW, resolution="dro hjem" if status == "completed" else None)
    stamp = last_updated.isoformat().replace("+00:00", "Z")
    return {**task_of(base, focus="Encounter/e1"), "id": "t1", "meta": {"versionId": "1", "lastUpdated": stamp}}


def test_a_resolution_of_a_task_seen_open_counts_whatever_the_server_clock_says() -> None:
    sharer = tasks(lambda r: httpx.Response(404))
    state, alert_id = _drop_state(NOW)
    sharer.clock = lambda: NOW + timedelta(seconds=1)
    sharer._remember(_task("requested", NOW - timedelta(minutes=1)))  # the server's clock is a minute behind
    sharer._remember(_task("completed", NOW - timedelta(seconds=50)))
    [(which, shared)] = sharer.updates(state)
    assert which == alert_id and shared.resolved_by == "Practitioner/lead"


def test_a_task_of_an_earlier_episode_never_resolves_a_new_alert() -> None:
    sharer = tasks(lambda r: httpx.Response(404))
    sharer.clock = lambda: NOW - timedelta(minutes=10)
    sharer._remember(_task("requested", NOW - timedelta(minutes=10)))
    sharer._remember(_task("completed", NOW - timedelta(minutes=9)))
    state, _ = _drop_state(NOW)  # the condition came back later: a new alert
    assert sharer.updates(state) == []


def test_a_task_seen_open_before_the_alert_here_and_closed_after_it_resolves_the_alert() -> None:
    sharer = tasks(lambda r: httpx.Response(404))
    sharer.clock = lambda: NOW - timedelta(minutes=2)
    sharer._remember(_task("requested", NOW - timedelta(minutes=2)))  # another desk saw the drop first
    state, alert_id = _drop_state(NOW)  # this one only now
    sharer.clock = lambda: NOW + timedelta(seconds=5)
    assert sharer.updates(state) == []  # still open: nothing new
    sharer._remember(_task("completed", NOW - timedelta(minutes=1)))  # closed (the server's clock is behind)
    [(which, shared)] = sharer.updates(state)
    assert which == alert_id and shared.resolved_by == "Practitioner/lead"
