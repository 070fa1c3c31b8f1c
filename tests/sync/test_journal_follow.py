"""The journal follower: plain R4 searches in batches, paging by next links, hostile answers change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from legevakt import codes
from legevakt.app.runtime import Runtime
from legevakt.app.settings import load
from legevakt.journal.model import DeliveryState
from legevakt.problems import ProblemKind
from legevakt.sim import SimServer
from legevakt.sync.journal_follow import BATCH
from tests.sync.conftest import Spy

DOCTOR = "Practitioner/doc-follow-1"


@pytest.fixture
def spy() -> Spy:
    return Spy()


@pytest.fixture
def runtime(make_sim: Callable[..., SimServer], tmp_path: Path, spy: Spy) -> Iterator[tuple[Runtime, SimServer]]:
    sim = make_sim(seed=9, initial_patients=3)
    sim.faults.apply({"transport_delay_seconds": 0, "receipt_delay_seconds": 0, "receipt_mode": "none"})
    settings = load(tmp_path / "none.toml", {"platform": sim.base_url, "location": sim.clinic_ref,
                                             "data_dir": str(tmp_path / "data")})
    rt = Runtime.open(settings, transport=spy)
    yield rt, sim
    rt.close()


def _send_many(rt: Runtime, n: int, *, follow: bool = True) -> list[str]:
    """``n`` deliveries of one signed note to ``n`` recipients (GP organisations and practitioners)."""
    assert rt.engine.cycle().complete
    encounter = sorted(rt.engine.state.entries)[0]
    note = rt.journal.write_note(encounter, DOCTOR, "Epikrise", signed=True)
    rt.journal.push()
    ref = rt.journal.refreshed_note(note).ref
    assert ref is not None
    ids = []
    for i in range(n):
        d, _ = rt.journal.send_note(ref, DOCTOR, to=f"Practitioner/gp-{i:02d}" if i < 12 else f"Organization/x{i}")
        ids.append(d.identifier)
    rt.engine.replay()
    if follow:
        rt.engine.follow()  # learns each Communication's id
    return ids


def _receipt_searches(spy: Spy) -> list[httpx.Request]:
    return [r for r in spy.requests if r.method == "GET" and r.url.path.endswith("/Communication")
            and "part-of" in r.url.params]


def test_receipts_are_searched_in_batches_by_part_of(runtime: tuple[Runtime, SimServer], spy: Spy) -> None:
    rt, sim = runtime
    n = BATCH + 5
    ids = _send_many(rt, n, follow=False)
    for _ in range(3):
        sim.recipients.pump()  # transport, then the receipts of the recipients that do not exist
    spy.clear()
    step = rt.engine.follow()
    assert step is not None
    searches = _receipt_searches(spy)
    batches = {r.url.params["part-of"] for r in searches}
    assert len(batches) == 2  # ceil(45 / 40) searches, not 45
    asked = [ref for b in batches for ref in b.split(",")]
    sent = {rt.store.delivery(i).communication for i in ids}  # type: ignore[union-attr]
    assert sorted(asked) == sorted(sent) and len(asked) == n
    # The 33 recipients that do not exist reject (E21): more receipts than a page, followed by next links.
    assert len(searches) > len(batches)
    rejected = [i for i in ids if rt.store.delivery(i).state is DeliveryState.REJECTED]  # type: ignore[union-attr]
    assert len(rejected) == n - 12 == len([c for c in sent if c in sim.recipients.receipted])
    assert step.checked == n and step.unknown == 0


def test_a_malformed_receipt_is_a_problem_and_changes_nothing(runtime: tuple[Runtime, SimServer], spy: Spy) -> None:
    rt, _sim = runtime
    (ident,) = _send_many(rt, 1)
    comm = rt.store.delivery(ident).communication  # type: ignore[union-attr]
    assert comm is not None
    bad = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {
        "resourceType": "Communication", "id": "r1", "status": "completed", "partOf": [{"reference": comm}],
        "inResponseTo": [{"reference": comm}],
        "category": [{"coding": [{"system": codes.MESSAGE_KIND_SYSTEM, "code": codes.MESSAGE_KIND_APPREC}]}],
        "statusReason": {"coding": [{"system": codes.APPREC_STATUS_SYSTEM, "code": "7"}]},
        "payload": [{"contentString": "<script>alert('x')</script>"}]}}]}

    def hostile(request: httpx.Request) -> httpx.Response | None:
        if "part-of" in request.url.params:
            return httpx.Response(200, content=json.dumps(bad).encode(),
                                  headers={"Content-Type": "application/fhir+json"})
        return None

    spy.hook = hostile
    step = rt.engine.follow()
    assert step is not None
    assert [p.kind for p in step.problems] == [ProblemKind.RECEIPT_MALFORMED]
    d = rt.store.delivery(ident)
    assert d is not None and d.receipt is None and d.state in (DeliveryState.SENT, DeliveryState.TRANSPORTED)
    assert not [a for a in rt.store.alerts() if a.kind.value.startswith("NOTE_")]


def test_a_failed_receipt_search_leaves_its_deliveries_unchecked(runtime: tuple[Runtime, SimServer], spy: Spy) -> None:
    rt, _sim = runtime
    ids = _send_many(rt, 3)
    before = [rt.store.delivery(i) for i in ids]
    assert all(d is not None and d.communication and d.state in (DeliveryState.SENT, DeliveryState.TRANSPORTED)
               for d in before)
    spy.hook = lambda r: httpx.Response(503) if "part-of" in r.url.params else None
    late = before[0].deadline + timedelta(minutes=5)  # type: ignore[union-attr, operator]
    rt.engine.clock = lambda: late  # type: ignore[method-assign]
    step = rt.engine.follow()
    assert step is not None and step.checked == 0 and step.unknown == 3
    after = [rt.store.delivery(i) for i in ids]
    # past the deadline, but unchecked: not called overdue (a transport ack may still have been seen)
    assert all(d is not None and d.state in (DeliveryState.SENT, DeliveryState.TRANSPORTED) and d.receipt is None
               for d in after)
    assert not [a for a in rt.store.alerts() if a.kind.value.startswith("NOTE_")]
    assert step.problems and step.problems[0].kind is not ProblemKind.RECEIPT_MALFORMED


def test_a_late_receipt_of_the_first_attempt_in_the_cycle_its_resend_is_created_is_kept(
        runtime: tuple[Runtime, SimServer]) -> None:
    rt, sim = runtime
    (first_id,) = _send_many(rt, 1)
    first = rt.store.delivery(first_id)
    assert first is not None and first.communication is not None and first.deadline is not None
    late = first.deadline + timedelta(minutes=1)
    rt.engine.clock = lambda: late  # type: ignore[method-assign]
    rt.engine.follow()
    assert rt.store.delivery(first_id).state is DeliveryState.OVERDUE  # type: ignore[union-attr]

    resend, created = rt.journal.send_note(first.note, DOCTOR, to=first.recipient)
    assert created
    report = rt.engine.replay()  # the resend is created; the follower hears of it below
    sim.faults.apply({"receipt_mode": "ok"})
    sim.recipients._receipt(first.communication.split("/")[1])  # the first attempt's receipt comes after all
    step = rt.engine.follow(replayed=report)  # one step: the resend's id and the first's receipt
    assert step is not None
    resent = rt.store.delivery(resend.identifier)
    assert resent is not None and resent.communication is not None
    settled = rt.store.delivery(first_id)
    assert settled is not None and settled.state is DeliveryState.RECEIPTED  # not overwritten by the old copy
    assert settled.resent_as == resent.communication
    assert settled.communication in sim.recipients.receipted  # the oracle: the recipient did receipt it
    assert sim.store.read_copy(settled.communication)["status"] == "completed"  # and the outcome is recorded


def test_a_sent_note_the_platform_cannot_find_goes_overdue_at_its_deadline(
        runtime: tuple[Runtime, SimServer], spy: Spy) -> None:
    rt, sim = runtime
    empty = {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}

    def unhelpful(request: httpx.Request) -> httpx.Response | None:
        """A server that answers a create with a bare 201 (no Location, no body) and whose identifier
        search finds nothing: the client cannot learn the Communication it created."""
        if request.url.path.endswith("/Communication") and request.method == "POST":
            spy.inner.handle_request(request).read()
            return httpx.Response(201)
        if request.url.path.endswith("/Communication") and "identifier" in request.url.params:
            return httpx.Response(200, content=json.dumps(empty).encode(),
                                  headers={"Content-Type": "application/fhir+json"})
        return None

    spy.hook = unhelpful
    (ident,) = _send_many(rt, 1)
    sent = rt.store.delivery(ident)
    assert sent is not None and sent.communication is None and rt.store.outbox_states([ident]) == {ident: "applied"}
    assert len([c for c in sim.store.live("Communication") if c.get("category")]) >= 1  # it is on the platform
    assert sent.deadline is not None
    late = sent.deadline + timedelta(minutes=1)
    rt.engine.clock = lambda: late  # type: ignore[method-assign]
    rt.engine.follow()
    # No receipt can be seen for it: past its deadline it is undelivered, with its alert (not queued forever).
    overdue = rt.store.delivery(ident)
    assert overdue is not None and overdue.state is DeliveryState.OVERDUE
    assert [a.kind.value for a in rt.store.alerts() if a.is_open and a.kind.value.startswith("NOTE_")] == [
        "NOTE_UNDELIVERED"]
