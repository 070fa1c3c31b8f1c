"""Properties of reconciliation over random platform histories (hypothesis, stateful).

A small model of the platform (tests/worklist/support.FakePlatform) receives arrivals, transitions,
removals from the List with and without a terminal status, re-additions, moves away from the clinic,
failing reads and deletions; people acknowledge and resolve alerts; the worklist reconciles complete and
incomplete snapshots, some reordered and with repeated entries. After every step:

* the census equals a hand count (arrival times and departure reasons from the platform model), overall
  and for the current and the previous shift, with the patients carried over from the shift before;
* across a shift change, the patients carried over are those the worklist showed (present or dropped)
  when the change came, plus those that arrived before it but were first seen after; and what the previous
  shift handed over (present + dropped at its end) is what the current one carried over;
* every encounter that left the List while active (or unreadable) has a drop alert: open at once, and
  later still open, resolved by a person, or resolved automatically only with the evidence that it is
  back in the List or terminal;
* a dropped entry is always a pinned tombstone with an open drop alert, and the other way round;
* an incomplete snapshot changes no entry;
* reconciling the same snapshot twice changes nothing;
* the same snapshot built from a permuted, repeated encounter list gives the same state;
* one open alert per condition, and the state's indexes agree with its entries.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from legevakt.worklist.census import carried_over, census, previous_shift, shift_at
from legevakt.worklist.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DepartureReason,
    Encounter,
    EncounterStatus,
    Entry,
    Fate,
)
from legevakt.worklist.reconcile import Reconciled, acknowledge, reconcile, resolve, tick
from legevakt.worklist.snapshot import Snapshot, WorklistState
from legevakt.worklist.triage import MTS
from tests.worklist.support import Desk, some_fnr

STATUSES = list(EncounterStatus)
SHIFT_CHANGE = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)  # 15:00 in Oslo: the day shift hands over to the evening
TRIAGE = [None, "red", "orange", "yellow", "green", "blue", "purple"]
REASONS = [None, *list(DepartureReason)[:6]]
IDENTIFIERS = [some_fnr(1, 1, 80), some_fnr(2, 2, 70), some_fnr(3, 3, 60), None]

pick = st.integers(min_value=0, max_value=10_000)
SYNC = st.integers(min_value=-1, max_value=2**16)  # >= 0: a complete sync cycle follows, with this seed


class PlatformHistory(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.desk = Desk()
        self.p = self.desk.platform
        self.p.now = SHIFT_CHANGE - timedelta(minutes=20)  # histories start shortly before the evening shift
        self.count = 0
        self.watched: dict[str, str] = {}  # ref -> id of the drop alert raised when it left while active
        self.arrivals: dict[str, datetime] = {}  # ref -> when the platform model says it arrived
        self.resolved_duplicates: set[str] = set()  # keys of duplicate-patient alerts a person resolved
        self.delivered_terminal: set[str] = set()  # refs whose latest delivered status is terminal
        self.reasons: dict[str, str] = {}  # ref -> why it left, by the hand model (see _note_departures)
        # At each shift change, as it came: (refs shown present or dropped, refs known at all), by shift start.
        self.at_change: dict[datetime, tuple[frozenset[str], frozenset[str]]] = {}
        self.revived: dict[str, datetime] = {}  # ref -> when a departed entry became live again (latest)
        self.drop_resolved: dict[str, datetime] = {}  # ref -> when a person resolved its drop (latest)
        for n, number in enumerate(IDENTIFIERS):
            self.p.patient(f"person{n}", number)

    @initialize(queued=st.integers(0, 12), unlisted=st.integers(0, 2),
                triage=st.lists(st.sampled_from(TRIAGE), min_size=14, max_size=14))
    def open_the_clinic(self, queued: int, unlisted: int, triage: list[str | None]) -> None:
        """Start most histories with a queue already reconciled, so short ones still exercise it."""
        for n in range(queued + unlisted):
            self.arrive(-1, n < queued, EncounterStatus.TRIAGED, triage[n], n % (len(IDENTIFIERS) + 3), 10 * n)
        if queued + unlisted:
            self.complete_snapshot(0)

    # -- helpers ---------------------------------------------------------------------------------
    def _ref(self, index: int) -> str:
        refs = sorted(self.p.encounters)
        return refs[index % len(refs)]

    def _open(self, index: int) -> Alert:
        alerts = sorted(self.desk.state.alerts.values(), key=lambda a: a.id)
        return alerts[index % len(alerts)]

    def _maybe_sync(self, seed: int) -> None:
        if seed >= 0 and seed % 2:  # otherwise the next change lands in the same cycle
            self.complete_snapshot(seed)

    def _has_encounters(self) -> bool:
        return bool(self.p.encounters)

    def _has_alerts(self) -> bool:
        return bool(self.desk.state.alerts)

    # -- the platform ----------------------------------------------------------------------------
    @rule(sync=SYNC, listed=st.booleans(),
          status=st.sampled_from([EncounterStatus.ARRIVED, EncounterStatus.TRIAGED, EncounterStatus.IN_PROGRESS]),
          triage=st.sampled_from(TRIAGE), person=st.integers(0, len(IDENTIFIERS) + 2),
          minutes_ago=st.integers(0, 300))
    def arrive(self, sync: int, listed: bool, status: EncounterStatus, triage: str | None, person: int,
               minutes_ago: int) -> None:
        self.count += 1
        patient = f"Patient/person{person}" if person < len(IDENTIFIERS) else None
        ref = self.p.arrive(self.count, listed=listed, status=status, triage=triage, patient=patient,
                            arrived_at=self.p.now - timedelta(minutes=minutes_ago))
        self.arrivals[ref] = self.p.encounters[ref].arrived_at
        self._maybe_sync(sync)

    @precondition(_has_encounters)
    @rule(sync=SYNC, i=pick, status=st.sampled_from(STATUSES), triage=st.sampled_from(TRIAGE), doctor=st.booleans(),
          reason=st.sampled_from(REASONS))
    def transition(self, sync: int, i: int, status: EncounterStatus, triage: str | None, doctor: bool,
                   reason: DepartureReason | None) -> None:
        self.p.update(self._ref(i), status=status, triage=triage, doctor="Practitioner/d" if doctor else None,
                      disposition=reason if status.is_terminal else None)
        self._maybe_sync(sync)

    @precondition(_has_encounters)
    @rule(sync=SYNC, i=pick, status=st.sampled_from([None, *STATUSES]), reason=st.sampled_from(REASONS))
    def remove_from_list(self, sync: int, i: int, status: EncounterStatus | None,
                         reason: DepartureReason | None) -> None:
        """Taken off the List: alone, or with a terminal status, or with a change to another active one."""
        ref = self._ref(i)
        if status is not None:
            self.p.update(ref, status=status, disposition=reason if status.is_terminal else None)
        self.p.list_remove(ref)
        self._maybe_sync(sync)

    @precondition(_has_encounters)
    @rule(sync=SYNC, data=st.data())
    def remove_many(self, sync: int, data: st.DataObject) -> None:  # sometimes enough for a mass departure
        queue = list(self.p.queue)
        for ref in data.draw(st.lists(st.sampled_from(queue), max_size=len(queue), unique=True)) if queue else []:
            self.p.list_remove(ref)
        self._maybe_sync(sync)

    @precondition(_has_encounters)
    @rule(sync=SYNC, keep=st.integers(0, 3))
    def platform_loses_the_list(self, sync: int, keep: int) -> None:  # most of the queue vanishes at once
        for n, ref in enumerate(list(self.p.queue)):
            if n % 4 >= keep:
                self.p.list_remove(ref)
        self._maybe_sync(sync)

    @precondition(_has_encounters)
    @rule(sync=SYNC, i=pick)
    def add_to_list(self, sync: int, i: int) -> None:
        self.p.list_add(self._ref(i))
        self._maybe_sync(sync)

    @precondition(_has_encounters)
    @rule(sync=SYNC, i=pick, at_clinic=st.booleans())
    def move(self, sync: int, i: int, at_clinic: bool) -> None:
        self.p.update(self._ref(i), at_clinic=at_clinic)
        self._maybe_sync(sync)

    @precondition(_has_encounters)
    @rule(sync=SYNC, i=pick, person=st.integers(0, len(IDENTIFIERS) - 1))
    def correct_patient(self, sync: int, i: int, person: int) -> None:
        enc = self.p.encounters[self._ref(i)]
        if enc.patient_ref is not None:
            pid = enc.patient_ref.split("/", 1)[1]
            self.p.patient(pid, IDENTIFIERS[person])
        self._maybe_sync(sync)

    @precondition(_has_encounters)
    @rule(sync=SYNC, i=pick, failing=st.booleans())
    def reads(self, sync: int, i: int, failing: bool) -> None:
        (self.p.failing_reads.add if failing else self.p.failing_reads.discard)(self._ref(i))
        self._maybe_sync(sync)

    @precondition(_has_encounters)
    @rule(sync=SYNC, i=pick)
    def delete(self, sync: int, i: int) -> None:
        self.p.delete(self._ref(i))
        self._maybe_sync(sync)

    @rule(sync=SYNC, seconds=st.integers(0, 40 * 60))
    def time_passes(self, sync: int, seconds: int) -> None:
        self._advance(seconds)
        self._maybe_sync(sync)

    def _advance(self, seconds: float) -> None:
        before = shift_at(self.p.now)
        self.p.advance(seconds)
        after = shift_at(self.p.now)
        if after != before:  # a shift change (never two at once: shifts are hours long), as the worklist showed it
            assert previous_shift(after) == before
            state = self.desk.state
            self.at_change[after.start] = (frozenset(state.live), frozenset(state.entries))

    # -- the worklist ----------------------------------------------------------------------------
    @rule(seed=st.integers(0, 2**16))
    def complete_snapshot(self, seed: int) -> None:
        before, now = self.desk.state, self.p.now
        snap = self.p.snapshot(before)
        result = reconcile(before, snap, now)

        # Entry order and repeats do not matter.
        shuffled = self.p.snapshot(before, shuffle=random.Random(seed), duplicate=True)
        assert reconcile(before, shuffled, now).state == result.state

        # The same snapshot twice changes nothing.
        again = reconcile(result.state, snap, now)
        assert (dict(again.changed), again.events, again.alerts) == ({}, (), ())
        assert again.state == result.state

        self._check_drops(before, snap, result)
        self._note_departures(snap)
        for ref, entry in result.state.entries.items():
            was = before.entries.get(ref)
            if was is not None and was.fate is Fate.DEPARTED and entry.fate is not Fate.DEPARTED:
                self.revived[ref] = now
        self.desk.state = result.state

    @rule(data=st.data())
    def incomplete_snapshot(self, data: st.DataObject) -> None:
        before = self.desk.state
        full = self.p.snapshot(before)
        items = data.draw(st.lists(st.sampled_from(sorted(full.list_items)), unique=True)) if full.list_items else []
        encs = list(full.encounters.values())
        seen = data.draw(st.lists(st.sampled_from(encs), unique_by=lambda e: e.ref)) if encs else []
        partial = Snapshot.of(self.p.now, list_items=items, encounters=seen, complete=False,
                              problems=["a page failed"])
        result = reconcile(before, partial, self.p.now)
        assert result.state.entries == before.entries
        assert not result.changed and not result.events
        assert (result.state.in_list, result.state.seen, result.state.live) == (before.in_list, before.seen,
                                                                                before.live)
        self.desk.state = result.state

    @rule()
    def clock_tick(self) -> None:
        before = self.desk.state
        result = tick(before, self.p.now)
        assert result.state.entries == before.entries and not result.events
        self.desk.state = result.state

    @precondition(_has_alerts)
    @rule(i=pick, comment=st.sampled_from([None, "", "sett, følger opp"]))
    def person_acknowledges(self, i: int, comment: str | None) -> None:
        alert = self._open(i)
        try:
            result = acknowledge(self.desk.state, alert.id, "sykepleier", comment, self.p.now)
        except ValueError:
            assert alert.status is AlertStatus.ACKNOWLEDGED or (alert.severity.value == "critical"
                                                                and not (comment or "").strip())
            return
        assert result.state.alerts[alert.id].status is AlertStatus.ACKNOWLEDGED
        self.desk.state = result.state

    @precondition(_has_alerts)
    @rule(i=pick)
    def person_resolves(self, i: int) -> None:
        alert = self._open(i)
        result = resolve(self.desk.state, alert.id, "lege", "kontrollert", self.p.now)
        assert alert.id not in result.state.alerts
        if alert.kind is AlertKind.DUPLICATE_PATIENT:
            self.resolved_duplicates.add(alert.key)
        if alert.kind is AlertKind.DROPPED_FROM_QUEUE and alert.encounter is not None:
            assert result.state.entries[alert.encounter].fate is Fate.DEPARTED
            self.drop_resolved[alert.encounter] = self.p.now
            if alert.encounter not in self.delivered_terminal:  # else the platform's own reason stands
                self.reasons[alert.encounter] = DepartureReason.CLOSED_BY_USER.value
        self.desk.state = result.state

    # -- properties ------------------------------------------------------------------------------
    def _arrival(self, ref: str, entry: Entry) -> datetime:
        """When the platform model says it arrived; for an encounter the worklist never could read (only
        its List entry), when the worklist first saw it, as the models document (no period.start known)."""
        if entry.encounter.arrived_at is None:
            return entry.first_seen
        return self.arrivals.get(ref, entry.arrived_at)

    def _check_drops(self, before: WorklistState, snap: Snapshot, result: Reconciled) -> None:
        state = result.state
        for ref in before.in_list - snap.list_items:
            enc = snap.encounters.get(ref)
            if ref in snap.unreadable or (enc is not None and enc.status.is_active):
                alert = state.open_alert(AlertKind.DROPPED_FROM_QUEUE, ref)
                assert alert is not None, f"{ref} left the List while active and has no drop alert"
                assert state.entries[ref].fate is Fate.DROPPED
                self.watched[ref] = alert.id
        for ref in snap.list_items:  # every patient in the platform's queue is shown, readable or not
            assert ref in state.entries and state.entries[ref].fate is not Fate.DROPPED
        for ref in (before.live & snap.unreadable) - snap.list_items:  # known, unlisted, and now unreadable
            assert state.entries[ref].fate is Fate.DROPPED
        for alert in result.alerts:
            if alert.kind is AlertKind.DROPPED_FROM_QUEUE and alert.status is AlertStatus.RESOLVED:
                enc = snap.encounters.get(alert.key)
                assert alert.key in snap.list_items or (enc is not None and enc.status.is_terminal), alert
                assert alert.resolution

    @staticmethod
    def _platform_reason(enc: Encounter) -> str:
        if enc.status is EncounterStatus.FINISHED:
            return enc.disposition.value if enc.disposition is not None else "unspecified"
        return enc.status.value  # cancelled, entered-in-error

    def _note_departures(self, snap: Snapshot) -> None:
        """Hand model of departure reasons, from what the platform model handed over: the latest terminal
        status delivered for an encounter gives its reason (a person closing a drop gives closed-by-user)."""
        for ref, enc in snap.encounters.items():
            if enc.status.is_active:
                self.delivered_terminal.discard(ref)
                if ref in snap.list_items:
                    self.reasons.pop(ref, None)
            elif enc.status.is_terminal:
                self.delivered_terminal.add(ref)
                self.reasons[ref] = self._platform_reason(enc)

    @invariant()
    def census_equals_a_hand_count(self) -> None:
        """census() against a count made here, bucket by bucket: arrivals by the platform's own arrival
        time, departure reasons from the platform model's snapshots, dropped = the refs with an open drop
        alert, and when each left the queue as the worklist recorded it (``left_at``). A shift counts the
        patients here when it began (carried over) and those who arrived in it, each by what had become of
        them at its end."""
        state = self.desk.state
        entries = list(state.entries.values())
        dropped_alerts = {a.key for a in state.alerts.values() if a.kind is AlertKind.DROPPED_FROM_QUEUE}
        shift = shift_at(self.p.now)
        for window in (None, shift, previous_shift(shift)):
            counted = census(entries, window)
            expected: Counter[str] = Counter()
            reasons: Counter[str] = Counter()
            for ref, entry in state.entries.items():
                arrived = self._arrival(ref, entry)
                left = entry.left_at
                if ref in dropped_alerts:
                    fate = "dropped"
                elif left is None:
                    fate = "present"
                else:
                    assert ref in self.reasons, f"{ref} counted as departed, but it never turned terminal"
                    fate = "departed"
                if window is not None:
                    if arrived >= window.end:
                        continue
                    if arrived < window.start:
                        if fate == "departed" and left is not None and left < window.start:
                            continue  # gone before the shift began
                        expected["carried_over"] += 1
                    else:
                        expected["arrived"] += 1
                    if left is not None and left >= window.end:
                        fate = "present"  # it left (or was found dropped) only after the shift ended
                else:
                    expected["arrived"] += 1
                expected[fate] += 1
                if fate == "departed":
                    reasons[self.reasons[ref]] += 1
            assert {"carried_over": counted.carried_over, "arrived": counted.arrived, "present": counted.present,
                    "dropped": counted.dropped, "departed": counted.departed,
                    "departed_by_reason": counted.departed_by_reason} == {
                "carried_over": expected["carried_over"], "arrived": expected["arrived"],
                "present": expected["present"], "dropped": expected["dropped"], "departed": expected["departed"],
                "departed_by_reason": dict(sorted(reasons.items()))}
            assert counted.balances

    @invariant()
    def a_shift_carries_over_what_the_one_before_handed_over(self) -> None:
        entries = list(self.desk.state.entries.values())
        shift = shift_at(self.p.now)
        before = census(entries, previous_shift(shift))
        assert before.present + before.dropped == census(entries, shift).carried_over

    @invariant()
    def carried_over_is_who_was_shown_when_the_shift_changed(self) -> None:
        """Against the record taken as the shift changed (not the census's own rule): the patients the
        worklist showed then (present or dropped), and those that had arrived by then but were first seen
        after it. Two later events rewrite that history, and their patients are left out of the comparison:
        a drop resolved by a person after the change (it counts as gone since it was found dropped), and a
        departure undone after it (the patient counts as here all along)."""
        shift = shift_at(self.p.now)
        if shift.start not in self.at_change:
            return
        shown, known = self.at_change[shift.start]
        state = self.desk.state
        rewritten = {ref for ref, at in (*self.revived.items(), *self.drop_resolved.items()) if at >= shift.start}
        expected = {ref for ref, entry in state.entries.items()
                    if self._arrival(ref, entry) < shift.start and (ref in shown or ref not in known)}
        actual = {e.ref for e in carried_over(state.entries.values(), shift)}
        assert expected - rewritten == actual - rewritten

    @invariant()
    def watched_drops_are_never_silently_forgotten(self) -> None:
        state = self.desk.state
        for ref, alert_id in list(self.watched.items()):
            if alert_id in state.alerts:
                continue
            entry = state.entries[ref]
            # Resolved: by a person (closed), or because it came back or turned terminal.
            assert entry.fate is not Fate.DROPPED or state.open_alert(AlertKind.DROPPED_FROM_QUEUE, ref)
            del self.watched[ref]

    @invariant()
    def dropped_entries_are_pinned_tombstones_with_an_open_alert(self) -> None:
        state = self.desk.state
        dropped = {ref for ref, e in state.entries.items() if e.fate is Fate.DROPPED}
        alerted = {a.key for a in state.alerts.values() if a.kind is AlertKind.DROPPED_FROM_QUEUE}
        assert dropped == alerted
        assert dropped <= state.live
        for ref in dropped:
            assert state.entries[ref].left_at is not None and state.entries[ref].departure is None

    @invariant()
    def indexes_agree_with_entries(self) -> None:
        state = self.desk.state
        assert state.live == {ref for ref, e in state.entries.items() if e.fate is not Fate.DEPARTED}
        assert sorted(state.open_keys.values()) == sorted(state.alerts)
        assert all(state.alerts[i].kind is k and state.alerts[i].key == key for (k, key), i in state.open_keys.items())
        assert all(a.status is not AlertStatus.RESOLVED for a in state.alerts.values())
        groups: defaultdict[str, set[str]] = defaultdict(set)
        for ref, e in state.entries.items():
            if e.fate is Fate.PRESENT and e.encounter.status.is_active:
                ident = (f"{e.patient.identifier_system}|{e.patient.identifier}"
                         if e.patient is not None and e.patient.identifier else e.encounter.patient_ref)
                if ident is not None:
                    groups[ident].add(ref)
        assert {k: frozenset(v) for k, v in groups.items()} == dict(state.by_identity)
        duplicates = {a.key for a in state.alerts.values() if a.kind is AlertKind.DUPLICATE_PATIENT}
        expected = {r for refs in groups.values() if len(refs) > 1
                    for r in sorted(refs, key=lambda r: (state.entries[r].arrived_at, r))[1:]}
        assert duplicates <= expected, "no stray duplicate alerts"
        assert expected - duplicates <= self.resolved_duplicates, "every missing one was resolved by a person"

    @invariant()
    def no_alert_outlives_its_condition(self) -> None:
        state = self.desk.state
        scale = MTS
        for alert in state.alerts.values():
            entry = state.entries.get(alert.key)
            if alert.kind is AlertKind.NOT_IN_QUEUE:
                assert entry is not None and entry.fate is Fate.PRESENT and not entry.in_list, alert
            elif alert.kind is AlertKind.STALE_ENTRY:
                assert entry is not None and entry.fate is Fate.DEPARTED and alert.key in state.in_list, alert
            elif alert.kind in (AlertKind.TRIAGE_OVERDUE, AlertKind.NOT_TRIAGED):
                assert entry is not None and entry.fate is not Fate.DEPARTED, alert
                enc = entry.encounter
                assert enc.status.waiting_for_doctor and enc.doctor is None, alert
                level = scale.level(enc.triage)
                if alert.kind is AlertKind.TRIAGE_OVERDUE:
                    assert level is not None, alert
                    assert alert.raised_at >= entry.arrived_at + timedelta(minutes=level.target_minutes), alert
                else:
                    assert level is None and enc.status is not EncounterStatus.PLANNED, alert
            elif alert.kind is AlertKind.MASS_DEPARTURE:
                assert any(state.open_alert(AlertKind.DROPPED_FROM_QUEUE, ref) for ref in alert.related), alert

    @invariant()
    def departures_have_a_reason_and_present_entries_none(self) -> None:
        for entry in self.desk.state.entries.values():
            assert (entry.departure is not None) is (entry.fate is Fate.DEPARTED)
            assert (entry.left_at is None) is (entry.fate is Fate.PRESENT)


PlatformHistory.TestCase.settings = settings(
    max_examples=500, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
TestPlatformHistory = PlatformHistory.TestCase
