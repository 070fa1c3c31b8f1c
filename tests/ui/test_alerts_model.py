"""AlertListModel: the open alerts, updated incrementally."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from pytestqt.modeltest import ModelTester

from legevakt.ui.alerts_model import AlertListModel, AlertRole
from legevakt.worklist.models import AlertKind, AlertStatus, Severity
from tests.ui.conftest import NOW, clinic, make_alert


def test_empty_alerts_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(AlertListModel())


def test_filled_alerts_model_passes_the_model_testers(qtmodeltester: ModelTester) -> None:
    model = AlertListModel()
    model.apply(clinic()[1], initial=True)
    qtmodeltester.check(model)
    qtmodeltester.check(model, force_py=True)


def test_alerts_model_stays_valid_through_updates(qtmodeltester: ModelTester) -> None:
    model = AlertListModel()
    qtmodeltester.check(model)
    _, alerts = clinic()
    model.apply(alerts[:2])
    model.apply([replace(alerts[0], status=AlertStatus.ACKNOWLEDGED, acknowledged_by="Hanne Lie"), *alerts[2:]])
    model.apply([replace(alerts[1], status=AlertStatus.RESOLVED), replace(alerts[3], status=AlertStatus.RESOLVED)])
    model.apply(alerts[4:], initial=True)
    assert [a.id for a in model.alerts()] == [alerts[4].id]


def test_alert_changes_are_incremental() -> None:
    model = AlertListModel()
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    changed: list[int] = []
    resets: list[int] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    model.dataChanged.connect(lambda tl, _br, _roles=(): changed.append(tl.row()))
    model.modelReset.connect(lambda: resets.append(1))
    _, alerts = clinic()
    assert model.apply(alerts)
    assert inserted == [(0, len(alerts) - 1)]
    acked = replace(alerts[0], status=AlertStatus.ACKNOWLEDGED, acknowledged_by="Hanne Lie")
    assert model.apply([acked])
    assert changed == [0]
    assert model.data(model.index(0), AlertRole.STATUS) == "acknowledged"
    assert model.data(model.index(0), AlertRole.NEEDS_ACK) is False
    assert model.apply([replace(alerts[2], status=AlertStatus.RESOLVED)])
    assert removed == [(2, 2)]
    assert not model.apply([acked])  # nothing new
    assert resets == []


def test_order_for_the_banner_puts_unacknowledged_critical_first_and_lost_patients_lead() -> None:
    entries, alerts = clinic()
    older_critical = make_alert(9, AlertKind.NOT_IN_QUEUE, entries[5], minutes_ago=30)
    acked = make_alert(10, AlertKind.DROPPED_FROM_QUEUE, entries[6], status=AlertStatus.ACKNOWLEDGED,
                       minutes_ago=60)
    model = AlertListModel()
    model.apply([*alerts, acked, older_critical])
    order = [a.id for a in model.ordered()]
    assert model.alert(alerts[0].id).kind is AlertKind.DROPPED_FROM_QUEUE  # type: ignore[union-attr]
    # Within unacknowledged critical: a dropped patient before an older not-in-queue; acknowledged after.
    assert order[:3] == [alerts[0].id, older_critical.id, acked.id]
    assert all(model.alert(i).severity is Severity.WARNING for i in order[3:])  # type: ignore[union-attr]
    first = model.first_needing_acknowledgement()
    assert first is not None and first.id == alerts[0].id
    assert model.alert("nope") is None
    assert older_critical.raised_at == NOW - timedelta(minutes=30)


def test_in_a_flood_the_line_that_explains_it_comes_before_the_drops() -> None:
    """A mass departure first ("N patients left at once – possible platform fault"), so a nurse reads the
    explanation before seventeen identical red lines (issue 9, the flood)."""
    entries, _ = clinic()
    drops = [make_alert(20 + i, AlertKind.DROPPED_FROM_QUEUE, e, minutes_ago=1) for i, e in enumerate(entries[:6])]
    mass = make_alert(30, AlertKind.MASS_DEPARTURE, None, minutes_ago=1, key="mass-departure",
                      related=tuple(e.ref for e in entries[:6]))
    model = AlertListModel()
    model.apply([*drops, mass])
    assert model.ordered()[0].id == mass.id
