"""Property: after any sequence of incremental syncs, the queue shows exactly the live entries, in the
clinical order (dropped first, untriaged, triage urgency, arrival), and never through a reset."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from legevakt.ui.queue_model import QueueFilterProxy, QueueModel
from legevakt.worklist.models import Entry, Fate
from tests.ui.conftest import bump, clock, make_entry, make_summary

TRIAGES = st.sampled_from([None, "red", "orange", "yellow", "green", "blue"])
FATES = st.sampled_from([Fate.PRESENT, Fate.PRESENT, Fate.PRESENT, Fate.DROPPED, Fate.DEPARTED])
# One sync: a list of (patient number, new triage, new fate); new numbers are arrivals.
#: The Manchester Triage System's colours, most urgent first (written out here, not taken from the scale).
URGENCY = {"red": 0, "orange": 1, "yellow": 2, "green": 3, "blue": 4}


def clinical_order(entry: Entry) -> tuple[int, int, object, str]:
    """The order DESIGN.md asks for, by hand: dropped first, then untriaged, then urgency, then arrival."""
    triage = entry.encounter.triage
    return (0 if entry.fate is Fate.DROPPED else 1, -1 if triage is None else URGENCY[triage],
            entry.encounter.arrived_at, entry.ref)


SYNC = st.lists(st.tuples(st.integers(1, 14), TRIAGES, FATES), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(first=st.lists(st.tuples(st.integers(1, 14), TRIAGES, st.integers(1, 300)), min_size=1, max_size=10),
       syncs=st.lists(SYNC, max_size=8))
def test_the_queue_stays_in_clinical_order_through_any_sequence_of_syncs(
        first: list[tuple[int, str | None, int]], syncs: list[list[tuple[int, str | None, Fate]]]) -> None:
    model = QueueModel(clock=clock)
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    resets: list[int] = []
    proxy.modelReset.connect(lambda: resets.append(1))
    known: dict[int, Entry] = {}
    for n, triage, minutes in first:
        known[n] = make_entry(n, f"Pasient, {n}", minutes_ago=minutes, triage=triage)
    model.apply(make_summary(list(known.values()), initial=True))
    for sync in syncs:
        upserted: dict[int, Entry] = {}
        for n, triage, fate in sync:
            base = known.get(n) or make_entry(n, f"Pasient, {n}", minutes_ago=n * 7, triage=None)
            upserted[n] = replace(bump(base, triage=triage), fate=fate)
        known.update(upserted)
        model.apply(make_summary(list(upserted.values())))

        shown = [proxy.entry_at(r) for r in range(proxy.rowCount())]
        assert all(e is not None for e in shown)
        live = [e for e in known.values() if e.fate is not Fate.DEPARTED]
        assert [e.ref for e in shown if e is not None] == [e.ref for e in sorted(live, key=clinical_order)]
    assert resets == []


def test_a_hand_written_queue_is_shown_in_clinical_order(qtbot: object) -> None:
    model = QueueModel(clock=clock)
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    entries = [
        make_entry(1, "Grønn, Tidlig", minutes_ago=90, triage="green"),
        make_entry(2, "Rød, Sen", minutes_ago=5, triage="red"),
        make_entry(3, "Utriagert, Ny", minutes_ago=1, triage=None),
        make_entry(4, "Falt, Ut", minutes_ago=30, triage="blue", fate=Fate.DROPPED),
        make_entry(5, "Gul, Midt", minutes_ago=40, triage="yellow"),
        make_entry(6, "Grønn, Sen", minutes_ago=20, triage="green"),
        make_entry(7, "Rød, Tidlig", minutes_ago=50, triage="red"),
        make_entry(8, "Utriagert, Gammel", minutes_ago=60, triage=None),
    ]
    model.apply(make_summary(entries, initial=True))
    shown = [proxy.entry_at(r) for r in range(proxy.rowCount())]
    assert [e.patient.name for e in shown if e is not None and e.patient is not None] == [
        "Falt, Ut", "Utriagert, Gammel", "Utriagert, Ny", "Rød, Tidlig", "Rød, Sen", "Gul, Midt",
        "Grønn, Tidlig", "Grønn, Sen"]
