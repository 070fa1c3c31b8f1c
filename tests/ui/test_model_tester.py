"""Issue 9 item 11: every model of the window passes Qt's model tester while syncs change it.

Each model gets a tester of its own (one tester watches one model) that stays attached and rechecks the
model on every signal: through a mass departure whose group row expands and collapses, sync summaries that
add, remove and change rows (members leaving and joining the group), the search, the filters, a clock tick
and a language change. A random walk over the same kinds of change checks the queue proxy's visible rows
against an oracle computed from the walk's own record, not from the model.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from PySide6.QtCore import QAbstractItemModel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from legevakt.ui.main_window import MainWindow
from legevakt.ui.queue_model import QueueFilter, QueueFilterProxy, QueueModel
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, EncounterStatus, Entry, Fate
from tests.ui.conftest import NOW, FakeService, bump, clinic, clock, make_alert, make_entry, make_summary

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)")


@pytest.fixture
def testers(request: pytest.FixtureRequest) -> Iterator[list[ModelTester]]:
    made: list[ModelTester] = []
    yield made
    for tester in made:
        tester._cleanup()


def watch(testers: list[ModelTester], request: pytest.FixtureRequest, model: QAbstractItemModel,
          *, force_py: bool) -> None:
    tester = ModelTester(request.config)
    tester.check(model, force_py=force_py)
    testers.append(tester)


def window_models(window: MainWindow) -> dict[str, QAbstractItemModel]:
    lead = window.shift_lead_view
    found: dict[str, QAbstractItemModel] = {
        "queue": window.queue_model, "queue proxy": window.proxy, "alert list": window.alerts_model,
        "ledger": window.ledger_model, "ledger proxy": window.ledger_view.proxy,
        "shift alerts": window.shift_alerts, "shift alerts proxy": window.alerts_panel.proxy,
        "levels": lead.levels_model, "states": lead.states_model, "census": lead.census_model,
        "waits": lead.waits_model, "open alerts by kind": lead.alerts_model,
    }
    if lead.arrivals_model is not None:
        found["arrivals"] = lead.arrivals_model
    return found


def visible(proxy: QueueFilterProxy) -> list[str]:
    return ["group" if (e := proxy.entry_at(r)) is None else e.ref for r in range(proxy.rowCount())]


@pytest.mark.parametrize("force_py", [False, True], ids=["qt-tester", "python-tester"])
def test_every_model_of_the_window_stays_valid_through_a_flood_and_the_syncs_after_it(
        qtbot: QtBot, service: FakeService, request: pytest.FixtureRequest, testers: list[ModelTester],
        force_py: bool) -> None:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    models = window_models(window)
    assert len(models) >= 12
    for model in models.values():
        watch(testers, request, model, force_py=force_py)

    entries, alerts = clinic()
    dropped = [replace(e, fate=Fate.DROPPED, in_list=False, drop_confirmed=True) for e in entries[2:9]]
    entries = [entries[0], entries[1], *dropped, *entries[9:]]
    drops = [make_alert(100 + i, AlertKind.DROPPED_FROM_QUEUE, e) for i, e in enumerate(dropped)]
    mass = make_alert(99, AlertKind.MASS_DEPARTURE, None, key="mass-departure", related=tuple(e.ref for e in dropped))
    service.emit(make_summary(entries, alerts=[*alerts, *drops, mass], initial=True))
    proxy = window.proxy
    # Hand-counted: 14 patients, 7 of them gathered under the group row -> 7 rows and the group row.
    assert proxy.rowCount() == 8 and proxy.is_group_row(0)

    window.set_group_expanded(True)
    assert proxy.rowCount() == 15
    window.tick()
    window.set_group_expanded(False)
    assert proxy.rowCount() == 8
    # One sync that adds two patients, removes a live one and a member, and changes a live one's triage.
    service.emit(make_summary([make_entry(40), make_entry(41, triage="red"), bump(entries[10], triage="red")],
                              removed=[entries[1].ref, dropped[3].ref]))
    assert proxy.rowCount() == 8 - 1 + 2  # the removed member was hidden under the group row
    # A member comes back to the queue List: it leaves the group and shows.
    back = replace(dropped[0], fate=Fate.PRESENT, in_list=True)
    service.emit(make_summary([back], alerts=[replace(drops[0], status=AlertStatus.RESOLVED)]))
    assert back.ref in visible(proxy) and proxy.rowCount() == 10
    # Searching sets the group row aside and searches its patients; the filters keep it.
    proxy.set_search("pasient")
    assert "group" not in visible(proxy)
    service.emit(make_summary([bump(dropped[1], complaint="Endret")]))
    proxy.set_search("")
    proxy.set_queue_filter(QueueFilter.WAITING)
    assert visible(proxy)[0] == "group"
    service.emit(make_summary([bump(entries[9], status=EncounterStatus.IN_PROGRESS, doctor="Practitioner/aas")]))
    proxy.set_queue_filter(QueueFilter.ALL)
    window.set_group_expanded(True)
    # The mass departure is resolved: the group row goes, its remaining dropped patients show as rows.
    service.emit(make_summary(alerts=[replace(mass, status=AlertStatus.RESOLVED)]))
    assert "group" not in visible(proxy)
    service.emit(make_summary(alerts=[mass]))  # and raised again
    assert visible(proxy)[0] == "group"
    window.queue_model.set_language("en")
    service.emit(make_summary([replace(e, fate=Fate.PRESENT, in_list=True) for e in dropped[1:]],
                              initial=False))
    assert "group" not in visible(proxy)


# -- a random walk against an oracle -----------------------------------------------------------------
def expected_rows(entries: dict[str, Entry], masses: dict[str, Alert], proxy: QueueFilterProxy) -> set[str]:
    """What the queue shows, computed from the walk's record by the rules of issue 9 items 3 and 5."""
    members = {r for m in masses.values() for r in m.related if r in entries and entries[r].fate is Fate.DROPPED}
    words = proxy.search
    shown: set[str] = set()
    for ref, entry in entries.items():
        name = entry.patient.name.casefold() if entry.patient else ""
        dropped = entry.fate is Fate.DROPPED
        waiting = not dropped and entry.encounter.doctor is None and entry.encounter.status in (
            EncounterStatus.ARRIVED, EncounterStatus.TRIAGED)
        in_filter = dropped or {QueueFilter.ALL: True, QueueFilter.WAITING: waiting,
                                QueueFilter.IN_TREATMENT: not waiting, QueueFilter.DROPPED: False,
                                QueueFilter.MINE: False}[proxy.queue_filter]
        # searching: the name decides (the group's patients are searched too); else the group hides its own
        hidden = (words not in name) if words else (ref in members and not proxy.expanded)
        if in_filter and not hidden:
            shown.add(ref)
    if members and not words:
        shown.add("group")
    return shown


def walk(seed: int, steps: int, testers: list[ModelTester], request: pytest.FixtureRequest) -> None:
    rnd = random.Random(seed)
    model = QueueModel(clock=clock, language="nb")
    proxy = QueueFilterProxy()
    proxy.setSourceModel(model)
    watch(testers, request, model, force_py=False)
    watch(testers, request, proxy, force_py=False)
    entries: dict[str, Entry] = {}
    masses: dict[str, Alert] = {}
    n = 0
    for step in range(steps):
        upserts: list[Entry] = []
        removed: list[str] = []
        alerts: list[Alert] = []
        for _ in range(rnd.randint(0, 4)):
            n += 1
            e = make_entry(n, minutes_ago=rnd.randint(1, 200), triage=rnd.choice([None, "red", "green", "yellow"]),
                           status=rnd.choice([EncounterStatus.TRIAGED, EncounterStatus.IN_PROGRESS]))
            entries[e.ref] = e
            upserts.append(e)
        new = {e.ref for e in upserts}
        for ref in [r for r in entries if r not in new]:
            x = rnd.random()
            if x < 0.1:
                removed.append(ref)
                del entries[ref]
            elif x < 0.3:
                e = replace(bump(entries[ref], triage=rnd.choice([None, "red", "green", "blue"])),
                            fate=rnd.choice([Fate.PRESENT, Fate.DROPPED]))
                entries[ref] = e
                upserts.append(e)
        if rnd.random() < 0.3:
            gone = tuple(r for r, e in entries.items() if e.fate is Fate.DROPPED)
            mass = make_alert(900 + step, AlertKind.MASS_DEPARTURE, None, key="mass", related=gone)
            masses[mass.id] = mass
            alerts.append(mass)
        elif masses and rnd.random() < 0.3:
            alerts.append(replace(masses.pop(rnd.choice(sorted(masses))), status=AlertStatus.RESOLVED))
        model.apply(make_summary(upserts, removed=removed, alerts=alerts))
        x = rnd.random()
        if x < 0.25:
            proxy.set_expanded(not proxy.expanded)
        elif x < 0.35:
            proxy.set_queue_filter(rnd.choice([QueueFilter.ALL, QueueFilter.WAITING, QueueFilter.IN_TREATMENT,
                                               QueueFilter.DROPPED]))
        elif x < 0.45:
            proxy.set_search(rnd.choice(["", "pasient", "nummer 1"]))
        elif x < 0.5:
            model.set_language(rnd.choice(["en", "nb"]))
        elif x < 0.55:
            model.tick(NOW + timedelta(minutes=step))
        shown = visible(proxy)
        assert len(shown) == len(set(shown)), f"seed {seed} step {step}: a row shows twice"
        assert set(shown) == expected_rows(entries, masses, proxy), f"seed {seed} step {step}"


@pytest.mark.parametrize("seed", range(4))
def test_the_queue_proxy_shows_exactly_the_right_rows_through_random_syncs(
        seed: int, testers: list[ModelTester], request: pytest.FixtureRequest) -> None:
    walk(seed, 25, testers, request)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4, 60))
def test_the_queue_proxy_random_walk_long(seed: int, testers: list[ModelTester],
                                          request: pytest.FixtureRequest) -> None:
    walk(seed, 60, testers, request)
