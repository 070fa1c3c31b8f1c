"""Triage scales: MTS by default, RETTS built in, a local scale from configuration; the scale sets the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from legevakt.codes import TRIAGE_MTS_SYSTEM, TRIAGE_RETTS_SYSTEM
from legevakt.worklist.models import AlertKind, EncounterStatus, Severity
from legevakt.worklist.reconcile import ReconcileConfig
from legevakt.worklist.triage import BUILT_IN, MTS, RETTS, TriageLevel, TriageScale, local_scale
from tests.worklist.support import Desk


def test_mts_is_the_default_scale() -> None:
    assert ReconcileConfig().scale is MTS
    assert BUILT_IN == {"mts": MTS, "retts": RETTS}


@pytest.mark.parametrize(("scale", "system", "targets"), [
    (MTS, TRIAGE_MTS_SYSTEM, {"red": 0, "orange": 10, "yellow": 60, "green": 120, "blue": 240}),
    (RETTS, TRIAGE_RETTS_SYSTEM, {"red": 0, "orange": 20, "yellow": 60, "green": 120, "blue": 240}),
])
def test_built_in_scales_have_five_ranked_levels_with_targets(scale: TriageScale, system: str,
                                                             targets: dict[str, int]) -> None:
    assert scale.system == system
    assert {lvl.code: lvl.target_minutes for lvl in scale.levels} == targets
    assert [lvl.rank for lvl in scale.levels] == [0, 1, 2, 3, 4]
    assert scale.codes == ("red", "orange", "yellow", "green", "blue")


def test_level_names_in_bokmal_and_english() -> None:
    red = MTS.level("red")
    assert red is not None and red.name("nb") == "Rød – umiddelbart" and red.name("en-GB") == "Red – immediate"
    assert MTS.level(None) is None and MTS.level("purple") is None


def test_local_scale_from_configuration() -> None:
    scale = local_scale("lv-bergen", "urn:legevakt:codesystem:triage:bergen", "Bergen legevakt", "Bergen ER", [
        {"code": "1", "colour": "#d00000", "name_nb": "Akutt", "name_en": "Acute", "target_minutes": 0},
        {"code": "2", "name_nb": "Haster", "target_minutes": 30},
        {"code": "3", "name_nb": "Vanlig", "target_minutes": 90},
    ])
    assert scale.codes == ("1", "2", "3")
    assert scale.level("2") == TriageLevel("2", "2", "Haster", "Haster", 30, 1)
    assert scale.level("1").colour == "#d00000"  # type: ignore[union-attr]


@pytest.mark.parametrize(("rows", "message"), [
    ([{"code": "1", "target_minutes": 5}], "lacks name_nb"),
    ([{"name_nb": "x", "target_minutes": 5}], "lacks code"),
    ([{"code": "1", "name_nb": "x"}], "lacks target_minutes"),
    ([{"code": "1", "name_nb": "x", "target_minutes": "5"}], "whole number"),
    ([{"code": "1", "name_nb": "x", "target_minutes": True}], "whole number"),
    ([{"code": "1", "name_nb": "x", "target_minutes": -1}], "negative"),
    ([{"code": "1", "name_nb": "x", "target_minutes": 5}, {"code": "1", "name_nb": "y", "target_minutes": 9}],
     "duplicate"),
    ([], "no levels"),
])
def test_a_bad_local_scale_is_refused(rows: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        local_scale("x", "urn:x", "X", "X", rows)


def _overdue_after(scale: TriageScale, code: str, minutes: int) -> Severity | None:
    desk = Desk(config=ReconcileConfig(scale=scale))
    ref = desk.platform.arrive(1, status=EncounterStatus.TRIAGED, triage=code)
    desk.sync()
    desk.platform.advance(minutes * 60)
    desk.tick()
    alert = desk.alert(AlertKind.TRIAGE_OVERDUE, ref)
    return None if alert is None else alert.severity


def test_the_scale_decides_triage_overdue() -> None:
    assert _overdue_after(MTS, "orange", 10) is Severity.WARNING
    assert _overdue_after(RETTS, "orange", 10) is None
    assert _overdue_after(RETTS, "orange", 20) is Severity.WARNING
    assert _overdue_after(RETTS, "orange", 40) is Severity.CRITICAL
    bergen = local_scale("b", "urn:b", "B", "B", [{"code": "2", "name_nb": "Haster", "target_minutes": 30}])
    assert _overdue_after(bergen, "2", 29) is None
    assert _overdue_after(bergen, "2", 30) is Severity.WARNING
    assert _overdue_after(bergen, "2", 60) is Severity.CRITICAL


def test_a_level_with_no_target_time_is_overdue_at_once() -> None:
    assert _overdue_after(MTS, "red", 0) is Severity.CRITICAL
    assert timedelta(minutes=MTS.levels[0].target_minutes) == timedelta(0)
