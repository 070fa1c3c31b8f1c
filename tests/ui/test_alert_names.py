"""Every kind of alert has one name, the same on every screen: the alerts panel, the shift-lead view and
the banner (whose line starts with it and may add details), in bokmål and in English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from legevakt.ui import alert_banner, texts
from legevakt.ui.alerts_panel import AlertsColumn, ShiftAlertsModel
from legevakt.ui.i18n import install_translator
from legevakt.ui.roles import DISPLAY
from legevakt.ui.shift_lead import ShiftLeadView
from legevakt.worklist.models import AlertKind, Severity
from tests.ui.conftest import clock, make_alert, make_entry, make_summary

# Hand-written: what a nurse reads, so that a rename on one screen shows up here.
EXPECTED_NB = {
    AlertKind.TRIAGE_OVERDUE: ("Over triagetid", "Over dobbel triagetid"),
    AlertKind.MASS_DEPARTURE: ("Mange forsvant samtidig", "Mange forsvant samtidig"),
    AlertKind.DROPPED_FROM_QUEUE: ("Falt ut", "Falt ut"),
}
EXPECTED_EN = {
    AlertKind.TRIAGE_OVERDUE: ("Over triage target", "Over twice the triage target"),
    AlertKind.MASS_DEPARTURE: ("Many vanished at once", "Many vanished at once"),
}


@pytest.fixture(params=["nb", "en"])
def language(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    install_translator(qapp, request.param)
    yield request.param
    install_translator(qapp, "nb")


def names_on_screens(qtbot: QtBot, language: str, kind: AlertKind, severity: Severity) -> dict[str, str]:
    entry = make_entry(1, "Nordmann, Kari", minutes_ago=30, triage="orange")
    alert = make_alert(1, kind, entry, severity=severity)
    panel = ShiftAlertsModel()
    panel.apply([alert])
    view = ShiftLeadView(clock=clock, language=language)
    qtbot.addWidget(view)
    view.apply_summary(make_summary([entry], alerts=[alert], initial=True))
    view.refresh()
    return {"panel": panel.data(panel.index(0, AlertsColumn.KIND), DISPLAY),
            "shift lead": view.alerts_model.texts()[0][0],
            "banner": alert_banner.headline(alert, entry)}


@pytest.mark.parametrize("kind", list(AlertKind))
def test_each_kind_has_one_name_on_every_screen(qtbot: QtBot, language: str, kind: AlertKind) -> None:
    warning = names_on_screens(qtbot, language, kind, Severity.WARNING)
    critical = names_on_screens(qtbot, language, kind, Severity.CRITICAL)
    name, escalated = texts.alert_short(kind), texts.alert_short(kind, Severity.CRITICAL)
    assert name and escalated
    # The shift-lead table counts a kind (its critical ones in a column of their own): the kind's name.
    assert warning["shift lead"] == critical["shift lead"] == name
    assert warning["panel"] == name and critical["panel"] == escalated
    assert warning["banner"].casefold().startswith(name.casefold()), warning["banner"]
    assert critical["banner"].casefold().startswith(escalated.casefold()), critical["banner"]
    expected = (EXPECTED_NB if language == "nb" else EXPECTED_EN).get(kind)
    if expected is not None:
        assert (name, escalated) == expected
    if kind is not AlertKind.TRIAGE_OVERDUE:
        assert escalated == name  # only an overdue wait has a named escalation (at twice its target)


def test_the_warning_strip_names_overdue_waits_as_the_other_screens_do(language: str) -> None:
    entry = make_entry(1, minutes_ago=30, triage="orange")
    alerts = [make_alert(n, AlertKind.TRIAGE_OVERDUE, entry, severity=Severity.WARNING) for n in (1, 2)]
    strip = alert_banner.warning_summary(alerts)
    assert texts.alert_short(AlertKind.TRIAGE_OVERDUE).casefold() in strip.casefold(), strip
