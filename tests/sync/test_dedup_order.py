"""Order-independent de-duplication (issue 11): two copies of one Encounter on different pages of the search.

A scripted hostile FHIR server of our own on 127.0.0.1 serves the clinic's queue List (holding ``Encounter/e1``)
and an active-encounter search of two pages. In the first cycle ``e1`` is in progress, once. In the second the
search serves two copies of ``e1`` with the same ``meta.lastUpdated`` and different status (one in progress,
one finished), one on each page, in either order. Nothing in the two copies says which is newer, so the
snapshot cannot know from them: the fate must be the same in both orders, and it may only rest on a
confirming read of ``e1`` (never a departure inferred from the page that happened to come last).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from legevakt.sync.assemble import SnapshotAssembler
from legevakt.sync.fhir import FhirClient, RetryPolicy
from legevakt.worklist.models import Fate
from legevakt.worklist.reconcile import reconcile
from legevakt.worklist.snapshot import WorklistState
from legevakt.worklist.triage import MTS
from tests.sync.hostile import Answer, HostileServer, Seen, fhir, not_found

CLINIC = "Location/lv"
EARLIER = "2026-11-26T08:00:00Z"
SAME = "2026-11-26T09:00:00Z"


def encounter(status: str, version: str, updated: str) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "e1", "meta": {"versionId": version, "lastUpdated": updated},
            "status": status, "class": {"code": "EMER"}, "subject": {"reference": "Patient/p1"},
            "period": {"start": "2026-11-26T07:30:00Z"},
            "location": [{"location": {"reference": CLINIC}, "status": "active"}]}


PATIENT = {"resourceType": "Patient", "id": "p1", "meta": {"versionId": "1"}, "name": [{"text": "Test Testesen"}]}
QUEUE = {"resourceType": "List", "id": "q", "meta": {"versionId": "1"}, "status": "current", "mode": "working",
         "subject": {"reference": CLINIC}, "entry": [{"item": {"reference": "Encounter/e1"}}]}


def searchset(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    """The first resource's type is the one searched for; other types are ``_include``d."""
    rtype = resources[0]["resourceType"] if resources else None
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": r, "search": {"mode": "match" if r["resourceType"] == rtype else "include"}}
        for r in resources]}
    if next_url is not None:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


@dataclass
class Platform:
    """What the scripted server serves: ``pages`` of the Encounter search, and the answer to a read of e1."""

    pages: list[list[dict[str, Any]]]
    read: dict[str, Any] | None  # None: the read fails (HTTP 503)
    reads: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, seen: Seen) -> Answer:
        parts = urlsplit(seen.path)
        path, query = parts.path.removeprefix("/fhir/"), parse_qs(parts.query)
        if path == "List":
            return fhir(searchset([QUEUE]))
        if path == "List/q":
            return fhir(QUEUE)
        if path == "Patient":
            return fhir(searchset([PATIENT]))
        if path == "Encounter":
            n = int(query.get("page", ["0"])[0])
            host = seen.headers["host"]
            more = f"http://{host}/fhir/Encounter?page={n + 1}" if n + 1 < len(self.pages) else None
            return fhir(searchset([*self.pages[n], PATIENT], more))  # pages are never empty here
        if path == "Encounter/e1":
            with self.lock:
                self.reads.append(path)
            if self.read is None:
                return fhir({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "transient"}]},
                            503)
            return fhir(self.read)
        return not_found(seen)


@pytest.fixture
def platform() -> Iterator[tuple[Platform, SnapshotAssembler]]:
    script = Platform(pages=[[encounter("in-progress", "1", EARLIER)]], read=None)
    server = HostileServer(script).start()
    client = FhirClient(f"{server.origin}/fhir", timeout=5, retry=RetryPolicy(attempts=1))
    try:
        yield script, SnapshotAssembler(client, CLINIC, MTS, page_size=1)
    finally:
        client.close()
        server.stop()


ACTIVE = encounter("in-progress", "2", SAME)
FINISHED = encounter("finished", "3", SAME)


def two_cycles(platform: tuple[Platform, SnapshotAssembler], second_pages: list[list[dict[str, Any]]],
               read: dict[str, Any] | None) -> tuple[Fate, bool, int]:
    """e1 present after a first cycle; then the second cycle's search pages. The fate of e1, whether the
    second snapshot was complete, and how many confirming reads of e1 the second cycle made."""
    script, assembler = platform
    now = datetime.now(UTC)
    first = reconcile(WorklistState(), assembler.fetch(tracked=(), now=now), now)
    assert first.state.entries["Encounter/e1"].fate is Fate.PRESENT
    script.pages, script.read, script.reads[:] = second_pages, read, []
    snap = assembler.fetch(tracked=first.state.live, now=now)
    second = reconcile(first.state, snap, now)
    return second.state.entries["Encounter/e1"].fate, snap.complete, len(script.reads)


@pytest.mark.parametrize("read", [ACTIVE, FINISHED], ids=["read-says-active", "read-says-finished"])
def test_two_copies_with_one_instant_give_the_same_fate_in_either_page_order(
        platform: tuple[Platform, SnapshotAssembler], read: dict[str, Any]) -> None:
    fate, complete, reads = two_cycles(platform, [[ACTIVE], [FINISHED]], read)
    assert complete and reads == 1  # the copies disagree: the fate rests on a confirming read
    script, _ = platform
    script.pages = [[encounter("in-progress", "1", EARLIER)]]
    # The other order, from a fresh first cycle on the same server.
    again = SnapshotAssembler(platform[1].client, CLINIC, MTS, page_size=1)
    fate_other, complete_other, reads_other = two_cycles((script, again), [[FINISHED], [ACTIVE]], read)
    assert (fate_other, complete_other, reads_other) == (fate, complete, reads)
    # The oracle: what the platform answered when asked for e1 itself.
    assert fate is (Fate.DEPARTED if read is FINISHED else Fate.PRESENT)


@pytest.mark.parametrize("order", ["active-first", "finished-first"])
def test_two_disagreeing_copies_and_a_failed_confirming_read_infer_no_departure(
        platform: tuple[Platform, SnapshotAssembler], order: str) -> None:
    pages = [[ACTIVE], [FINISHED]] if order == "active-first" else [[FINISHED], [ACTIVE]]
    fate, complete, reads = two_cycles(platform, pages, None)
    assert reads == 1
    assert not complete  # the first failure of the read: this cycle cannot know
    assert fate is Fate.PRESENT


def test_two_identical_copies_on_two_pages_need_no_confirming_read(
        platform: tuple[Platform, SnapshotAssembler]) -> None:
    fate, complete, reads = two_cycles(platform, [[ACTIVE], [dict(ACTIVE)]], None)
    assert (fate, complete, reads) == (Fate.PRESENT, True, 0)
