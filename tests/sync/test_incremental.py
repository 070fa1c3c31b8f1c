"""Incremental sync: only changes between full snapshots, overlapping windows, the same picture as a full one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from legevakt.problems import ProblemKind
from legevakt.sync.incremental import FetchKind
from legevakt.sync.mapping import parse_instant
from legevakt.worklist.models import AlertKind, Fate

from .conftest import Link, MakeLink


def last(link: Link) -> FetchKind | None:
    return link.sync.last_kind


def kinds(link: Link, n: int) -> list[str]:
    out = []
    for _ in range(n):
        outcome = link.cycle()
        assert outcome.complete, outcome.problems
        assert link.sync.last_kind is not None
        out.append(link.sync.last_kind.value[0].upper())
    return out


def test_between_full_snapshots_only_the_count_the_list_and_the_history_are_fetched(make_link: MakeLink) -> None:
    link = make_link()  # history_is_clinic_own: the server holds this clinic alone
    link.cycle()
    assert last(link) is FetchKind.FULL
    link.spy.clear()
    assert link.cycle().complete
    assert last(link) is FetchKind.INCREMENTAL
    assert link.spy.paths() == ["Encounter", link.sim.clinic.list_ref, "Encounter/_history"]
    count, lst, _ = link.spy.requests
    assert count.url.params["_summary"] == "count" and count.url.params["location"] == link.sim.clinic_ref
    assert lst.headers["if-none-match"].startswith('W/"')


def test_on_a_regional_platform_changes_come_from_clinic_filtered_searches(make_link: MakeLink) -> None:
    """By default (``history_is_clinic_own`` false) the type-level history, which a regional platform fills
    with every clinic's encounters, is never asked for, even where the server offers it."""
    link = make_link(history_is_clinic_own=False)
    clinic = link.sim.clinic
    link.cycle()
    new = clinic.admit()
    link.spy.clear()
    assert kinds(link, 2) == ["I", "I"]
    assert not [r for r in link.spy.requests if "_history" in r.url.path]
    feeds = [r for r in link.spy.requests if "_lastUpdated" in r.url.params]
    assert feeds and all(r.url.params["location"] == link.sim.clinic_ref for r in feeds)
    assert link.state.entries[new].fate is Fate.PRESENT


def test_an_idle_cycle_downloads_a_few_kilobytes_whatever_the_clinic_size(make_link: MakeLink) -> None:
    link = make_link(history_is_clinic_own=False, initial_patients=400)
    link.sync.overlap = timedelta(0)  # the seeded clinic was written just now: keep it out of the window
    time.sleep(1.1)  # the cursor is the server's HTTP Date (to the second)
    link.cycle()
    link.cycle()
    sizes: list[int] = []
    inner = link.spy.inner.handle_request

    def measured(req: httpx.Request) -> httpx.Response:
        resp = inner(req)
        resp.read()
        sizes.append(len(resp.content) + sum(len(k) + len(v) for k, v in resp.headers.raw))
        return resp

    link.spy.inner.handle_request = measured  # type: ignore[method-assign]
    assert kinds(link, 1) == ["I"]
    assert len(sizes) == 3 and sum(sizes) < 4000, sizes  # the List alone is about 35 KB here


def test_a_count_that_disagrees_or_fails_makes_the_cycle_full(make_link: MakeLink) -> None:
    link = make_link()
    link.cycle()
    assert kinds(link, 1) == ["I"]

    def count(total: int | None) -> Callable[[httpx.Request], httpx.Response | None]:
        def hook(req: httpx.Request) -> httpx.Response | None:
            if req.url.params.get("_summary") != "count":
                return None
            if total is None:
                return httpx.Response(500)
            return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset", "total": total})
        return hook

    link.spy.hook = count(999)  # the platform holds more than the picture: never trust the picture
    assert kinds(link, 1) == ["F"]
    link.spy.hook = count(None)  # the check cannot say: infer nothing, fetch it all
    assert kinds(link, 1) == ["F"]
    link.spy.hook = None
    assert kinds(link, 1) == ["I"]


def test_the_merged_picture_is_the_one_a_full_snapshot_sees(make_link: MakeLink) -> None:
    link = make_link()
    clinic = link.sim.clinic
    link.cycle()
    items = sorted(clinic.list_items())
    new = clinic.admit()
    clinic.triage(items[0], "orange")
    clinic.start_treatment(items[1])
    clinic.discharge(items[2], "admitted")
    clinic.cancel(items[3])
    clinic.drop_from_list(items[4])

    outcome = link.cycle()
    assert last(link) is FetchKind.INCREMENTAL
    assert outcome.complete, outcome.problems
    snap = outcome.snapshot
    assert snap is not None
    full = link.assembler.fetch(tracked=(), now=datetime.now(UTC))
    active = {r for r, e in snap.encounters.items() if e.status.is_active and e.at_clinic}
    assert active == set(full.encounters) == set(clinic.active_encounters())
    assert snap.list_items == full.list_items
    for ref in full.encounters:
        assert snap.versions[ref] == full.versions[ref]
        assert snap.encounters[ref].patient_ref in snap.patients

    state = link.state
    assert state.entries[new].fate is Fate.PRESENT
    assert state.entries[items[2]].fate is Fate.DEPARTED
    departure = state.entries[items[2]].departure
    assert departure is not None and departure.value == "admitted"
    assert state.entries[items[3]].fate is Fate.DEPARTED
    assert state.entries[items[4]].fate is Fate.DROPPED and state.entries[items[4]].drop_confirmed
    drops = [a.encounter for a in state.alerts.values() if a.kind is AlertKind.DROPPED_FROM_QUEUE]
    assert drops == [items[4]]
    assert link.false_alarms() == []


def test_history_windows_overlap_the_cursor_and_repeated_versions_change_nothing(make_link: MakeLink) -> None:
    link = make_link()
    clinic = link.sim.clinic
    link.cycle()
    clinic.triage(sorted(clinic.list_items())[0], "red")
    link.cycle()
    cursor = link.sync.cursor
    assert cursor is not None
    link.spy.clear()
    outcome = link.cycle()  # the change at the cursor comes again (overlap); nothing changes
    history = [r for r in link.spy.requests if r.url.path.endswith("/_history")]
    since = parse_instant(history[0].url.params["_since"], "_since")
    assert since == cursor - link.sync.overlap
    body = json.loads(httpx.get(str(history[0].url)).content)
    assert body["entry"], "the overlapping window repeats versions we already hold"
    assert not outcome.reconciled.changed and not outcome.reconciled.events
    assert link.sync.cursor == cursor


def test_a_quiet_cycle_reuses_the_stored_picture(make_link: MakeLink) -> None:
    link = make_link()
    link.cycle()
    first = link.cycle().snapshot
    second = link.cycle().snapshot
    assert first is not None and second is not None and second.complete
    assert second.versions is first.versions  # nothing rebuilt: reconcile compares pointers
    assert second.taken_at > first.taken_at


def test_a_full_snapshot_runs_every_n_cycles(make_link: MakeLink) -> None:
    link = make_link(full_every=3)
    assert kinds(link, 7) == ["F", "I", "I", "F", "I", "I", "F"]


def test_after_an_error_a_sleep_or_a_reconnect_the_next_cycle_is_full(make_link: MakeLink) -> None:
    link = make_link(interval=5.0)
    assert kinds(link, 2) == ["F", "I"]
    link.offset += timedelta(seconds=30)  # the laptop slept: the wall clock jumped
    assert kinds(link, 2) == ["F", "I"]
    link.sync.request_full("push reconnected")
    assert kinds(link, 2) == ["F", "I"]
    link.sim.faults.error_rate = 1.0
    assert not link.cycle().complete
    link.sim.faults.error_rate = 0.0
    assert kinds(link, 2) == ["F", "I"]


def test_slow_cycles_on_a_slow_platform_stay_incremental(make_link: MakeLink) -> None:
    """Cycles that start 12 s apart with a 5 s interval (each took 7 s: a slow platform or a large clinic)
    are no sleep: both clocks moved alike, so the engine does not fall into full snapshots (the cliff)."""
    link = make_link(interval=5.0, full_every=1000)
    mono = [1000.0]
    link.sync._monotonic = lambda: mono[0]
    assert kinds(link, 2) == ["F", "I"]
    for _ in range(4):
        link.offset += timedelta(seconds=12)
        mono[0] += 12.0
        assert kinds(link, 1) == ["I"]
    link.offset += timedelta(seconds=300)  # asleep: the wall clock moved, the monotonic clock did not
    assert kinds(link, 2) == ["F", "I"]
    link.offset -= timedelta(seconds=60)  # the clock was set back
    assert kinds(link, 1) == ["F"]


def test_the_cursor_and_picture_advance_only_after_the_cycle_is_stored(make_link: MakeLink) -> None:
    link = make_link()
    clinic = link.sim.clinic
    link.cycle()
    link.cycle()
    cursor = link.sync.cursor
    ref = sorted(clinic.list_items())[0]
    clinic.triage(ref, "red")
    link.fail_persist = True
    with pytest.raises(OSError):
        link.cycle()
    assert link.sync.cursor == cursor
    assert link.state.entries[ref].encounter.triage != "red"
    link.fail_persist = False
    assert kinds(link, 1) == ["F"]  # the unstored cycle is fetched again, whole
    assert link.state.entries[ref].encounter.triage == "red"


def test_a_malformed_or_failed_change_feed_makes_the_cycle_incomplete(make_link: MakeLink) -> None:
    link = make_link()
    clinic = link.sim.clinic
    link.cycle()
    link.cycle()
    before = link.state
    for ref in sorted(clinic.list_items())[:3]:
        clinic.discharge(ref)
    link.spy.hook = lambda req: (httpx.Response(200, content=b'{"resourceType":"Bundle","type":"hist')
                                 if req.url.path.endswith("/_history") else None)
    outcome = link.cycle()
    assert last(link) is FetchKind.INCREMENTAL
    assert not outcome.complete and not outcome.reconciled.changed
    assert link.state.entries == before.entries
    link.spy.hook = lambda req: (httpx.Response(500) if req.url.path.endswith("/_history") else None)
    link.cycle()  # full: the history is not needed
    assert last(link) is FetchKind.FULL
    assert {link.state.entries[r].fate for r in sorted(before.in_list)[:3]} == {Fate.DEPARTED}
    outcome = link.cycle()
    assert last(link) is FetchKind.INCREMENTAL and not outcome.complete
    assert link.false_alarms() == []


@pytest.mark.parametrize("metadata", [httpx.Response(404), httpx.Response(200, content=b"<html>nope</html>")])
def test_a_server_without_a_capability_statement_still_syncs_by_full_snapshots(
        make_link: MakeLink, metadata: httpx.Response) -> None:
    link = make_link()
    link.spy.hook = lambda req: metadata if req.url.path.endswith("/metadata") else None
    clinic = link.sim.clinic
    assert kinds(link, 3) == ["F", "F", "F"]
    assert link.sync.features is not None and not link.sync.features.known
    victim = sorted(clinic.list_items())[0]
    clinic.drop_from_list(victim)
    assert kinds(link, 1) == ["F"]
    assert link.state.entries[victim].fate is Fate.DROPPED
    assert link.false_alarms() == []


def test_without_type_history_changes_come_from_a_last_updated_search(make_link: MakeLink) -> None:
    link = make_link()

    def no_history(req: httpx.Request) -> httpx.Response | None:
        if not req.url.path.endswith("/metadata"):
            return None
        caps = httpx.get(str(req.url)).json()
        for res in caps["rest"][0]["resource"]:
            res["interaction"] = [i for i in res["interaction"] if i["code"] != "history-type"]
        return httpx.Response(200, json=caps)

    link.spy.hook = no_history
    clinic = link.sim.clinic
    link.cycle()
    items = sorted(clinic.list_items())
    new = clinic.admit()
    clinic.discharge(items[0], "home")
    clinic.drop_from_list(items[1])
    link.spy.clear()
    assert kinds(link, 1) == ["I"]
    searches = [r for r in link.spy.requests if r.url.path.endswith("/Encounter") and "_lastUpdated" in r.url.params]
    assert searches and searches[0].url.params["_lastUpdated"].startswith("ge")
    assert not [r for r in link.spy.requests if "_history" in r.url.path]
    state = link.state
    assert state.entries[new].fate is Fate.PRESENT and state.entries[new].patient is not None
    assert state.entries[items[0]].fate is Fate.DEPARTED
    assert state.entries[items[1]].fate is Fate.DROPPED
    assert link.false_alarms() == []


def test_a_busy_clinic_stays_consistent_through_many_incremental_cycles(make_link: MakeLink) -> None:
    link = make_link(full_every=1000, initial_patients=25)
    clinic = link.sim.clinic
    link.cycle()
    for step in range(12):
        clinic.advance(3)  # small steps: many departures in one cycle would (rightly) be a mass departure
        if step % 4 == 1:
            clinic.drop_from_list(sorted(clinic.list_items())[0])
        assert kinds(link, 1) == ["I"]
        assert link.false_alarms() == []
        assert link.lost() == set()
    dropped = {r for r, e in link.state.entries.items() if e.fate is Fate.DROPPED}
    assert len(dropped) == 3
    full = link.assembler.fetch(tracked=link.state.live, now=datetime.now(UTC))
    assert full.complete
    for ref, enc in full.encounters.items():
        assert link.state.entries[ref].encounter.version == enc.version


def test_a_changed_encounter_without_a_required_field_makes_the_cycle_incomplete(make_link: MakeLink) -> None:
    link = make_link()
    clinic = link.sim.clinic
    link.cycle()
    link.cycle()
    before = link.state
    ref = sorted(clinic.list_items())[0]
    clinic.discharge(ref)

    def broken(req: httpx.Request) -> httpx.Response | None:
        if not req.url.path.endswith("/_history"):
            return None
        body = httpx.get(str(req.url)).json()
        for entry in body.get("entry", []):
            entry.get("resource", {}).pop("status", None)
        return httpx.Response(200, json=body)

    link.spy.hook = broken
    outcome = link.cycle()
    assert last(link) is FetchKind.INCREMENTAL
    assert not outcome.complete and [p.kind for p in outcome.problems] == [ProblemKind.PLATFORM_MALFORMED]
    assert link.state.entries == before.entries
    link.spy.hook = None
    assert kinds(link, 1) == ["F"]
    assert link.state.entries[ref].fate is Fate.DEPARTED
