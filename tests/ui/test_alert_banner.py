"""The alert banner: a dropped patient is named in red until a person acknowledges it."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from legevakt.problems import ProblemKind
from legevakt.ui.alert_banner import MAX_LINES, AlertBanner, LineKind
from legevakt.ui.main_window import MainWindow
from legevakt.worklist.commands import CommandError
from legevakt.worklist.identifiers import mask
from legevakt.worklist.models import AlertKind, AlertStatus, Severity
from tests.ui.conftest import NOW, FakeService, clinic, clock, make_alert, make_entry, make_summary


def window_with_clinic(qtbot: QtBot, service: FakeService) -> MainWindow:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    return window


def critical_lines(banner: AlertBanner) -> list[str]:
    return [ln.text for ln in banner.lines() if ln.kind is LineKind.CRITICAL]


def test_dropped_patient_is_named_in_a_red_banner(qtbot: QtBot, service: FakeService) -> None:
    window = window_with_clinic(qtbot, service)
    entries, alerts = clinic()
    dropped = entries[0]
    assert window.banner.is_critical()
    assert window.banner.isVisibleTo(window)
    assert critical_lines(window.banner) == [
        f"FALT UT AV KØEN: Johansen, Ole Martin ({mask(dropped.patient.identifier)[:6]} *****)"
    ]
    assert dropped.ref not in window.banner.text()  # no raw FHIR id in a line; it is in the tooltip
    assert dropped.ref in next(ln.tooltip for ln in window.banner.lines() if ln.kind is LineKind.CRITICAL)
    assert dropped.patient.identifier not in window.banner.text()  # masked, never the full number
    assert window.banner.buttons[alerts[0].id].text() == "Kvitter…"


def test_banner_stays_until_acknowledged(qtbot: QtBot, service: FakeService) -> None:
    window = window_with_clinic(qtbot, service)
    entries, alerts = clinic()
    drop = alerts[0]
    # Syncs that do not touch the alert leave it standing.
    service.emit(make_summary([replace(entries[3], first_seen=NOW)]))
    service.emit(make_summary(removed=[entries[9].ref]))
    assert window.banner.is_critical()

    # The nurse presses "Kvitter…": a dialog asks for a comment, which is required.
    qtbot.mouseClick(window.banner.buttons[drop.id], Qt.MouseButton.LeftButton)
    dialog = window.banner.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.heading_label.text().startswith("FALT UT AV KØEN: Johansen, Ole Martin")
    assert dialog.windowTitle() == "Kvitter varsel" and dialog.action_button.text() == "Kvitter"
    assert not dialog.action_button.isEnabled()
    dialog.action_button.click()
    assert service.acknowledged == []  # no comment: nothing sent
    qtbot.keyClicks(dialog.editor, "Ringt pasienten, er på venterommet")
    assert dialog.action_button.isEnabled()
    qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    assert service.acknowledged == [(drop.id, "Hanne Lie", "Ringt pasienten, er på venterommet")]

    # Until the service confirms, the line stays red, with the button disabled.
    assert window.banner.is_critical()
    pending = window.banner.buttons[drop.id]
    assert not pending.isEnabled() and pending.text() == "Kvitterer…"

    # The service's answer: the acknowledged alert. No longer red; amber with "Løs…".
    acked = replace(drop, status=AlertStatus.ACKNOWLEDGED, acknowledged_by="Hanne Lie", acknowledged_at=NOW,
                    ack_comment="Ringt pasienten, er på venterommet")
    service.emit(make_summary(alerts=[acked]))
    assert not window.banner.is_critical()
    acked_lines = [ln for ln in window.banner.lines() if ln.kind is LineKind.ACKNOWLEDGED]
    assert len(acked_lines) == 1 and acked_lines[0].text.startswith("FALT UT AV KØEN: Johansen, Ole Martin")
    assert acked_lines[0].detail.startswith("Kvittert av Hanne Lie")
    assert window.banner.buttons[drop.id].text() == "Løs…"


def test_resolve_asks_for_a_reason_and_the_line_goes_when_resolved(qtbot: QtBot, service: FakeService) -> None:
    window = window_with_clinic(qtbot, service)
    _, alerts = clinic()
    acked = replace(alerts[0], status=AlertStatus.ACKNOWLEDGED, acknowledged_by="Hanne Lie", acknowledged_at=NOW)
    service.emit(make_summary(alerts=[acked]))
    assert window.banner.resolve_first() == acked.id
    dialog = window.banner.dialog
    assert dialog is not None and not dialog.action_button.isEnabled()
    dialog.editor.setPlainText("Lagt tilbake i køen manuelt")
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert service.resolved == [(acked.id, "Hanne Lie", "Lagt tilbake i køen manuelt")]
    service.emit(make_summary(alerts=[replace(acked, status=AlertStatus.RESOLVED, resolved_by="Hanne Lie")]))
    assert all(ln.alert_id != acked.id for ln in window.banner.lines())


def test_cancel_sends_nothing(qtbot: QtBot, service: FakeService) -> None:
    window = window_with_clinic(qtbot, service)
    dialog = window.banner.acknowledge(clinic()[1][0].id)
    assert dialog is not None
    dialog.editor.setPlainText("noe")
    dialog.cancel_button.click()
    assert service.acknowledged == [] and window.banner.dialog is None
    assert window.banner.is_critical()


def test_refused_command_is_shown_and_the_button_comes_back(qtbot: QtBot, service: FakeService) -> None:
    window = window_with_clinic(qtbot, service)
    drop = clinic()[1][0]
    dialog = window.banner.acknowledge(drop.id)
    assert dialog is not None
    dialog.editor.setPlainText("ok")
    dialog.action_button.click()
    assert not window.banner.buttons[drop.id].isEnabled()
    service.fail("Varselet er allerede kvittert av en annen")
    assert window.banner.buttons[drop.id].isEnabled()
    notices = [ln for ln in window.banner.lines() if ln.kind is LineKind.NOTICE]
    assert notices and notices[0].text == "Ikke utført: Varselet er allerede kvittert av en annen"
    window.banner.show_notice(None)
    assert not [ln for ln in window.banner.lines() if ln.kind is LineKind.NOTICE]


def test_a_command_on_an_encounter_that_left_the_queue_is_refused_in_bokmal(qtbot: QtBot,
                                                                          service: FakeService) -> None:
    # The bug of issue 7: "Ikke utført: Encounter/... has left the queue; it cannot be changed here".
    window = window_with_clinic(qtbot, service)
    service.fail(CommandError(ProblemKind.COMMAND_LEFT_QUEUE, encounter="Encounter/enc-17").problem)
    notices = [ln.text for ln in window.banner.lines() if ln.kind is LineKind.NOTICE]
    assert notices == ["Ikke utført: Encounter/enc-17 har forlatt køen og kan ikke endres her."]


def test_warnings_are_summarised_per_kind(qtbot: QtBot, service: FakeService) -> None:
    window = window_with_clinic(qtbot, service)
    warnings = [ln for ln in window.banner.lines() if ln.kind is LineKind.WARNINGS]
    assert [ln.text for ln in warnings] == ["Varsler: 3 over triagetid · 1 ikke triert"]
    assert "Hansen, Lars" in warnings[0].tooltip


def test_ctrl_k_opens_the_dialog_for_the_first_critical_alert(qtbot: QtBot, service: FakeService) -> None:
    window = window_with_clinic(qtbot, service)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.keyClick(window.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.banner.dialog is not None
    assert "Johansen, Ole Martin" in window.banner.dialog.heading_label.text()
    window.banner.dialog.reject()


def test_many_critical_alerts_are_counted_not_hidden(qtbot: QtBot, service: FakeService) -> None:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    entries = [make_entry(i, f"Pasient, Nr {i}") for i in range(1, 9)]
    alerts = [make_alert(i, AlertKind.DROPPED_FROM_QUEUE, e, minutes_ago=20 - i) for i, e in enumerate(entries, 1)]
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    assert len(critical_lines(window.banner)) == MAX_LINES
    more = [ln.text for ln in window.banner.lines() if ln.kind is LineKind.MORE]
    assert more == ["+ 3 kritiske varsler til (Ctrl+K kvitterer neste)"]
    assert window.banner.acknowledge_first() == alerts[0].id


def test_banner_hidden_without_alerts_and_other_critical_kinds_read(qtbot: QtBot, service: FakeService) -> None:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    service.emit(make_summary([], initial=True))
    assert not window.banner.isVisibleTo(window)
    e = make_entry(1, "Nordmann, Kari")
    stale = make_alert(1, AlertKind.SYNC_STALE, None)
    missing = make_alert(2, AlertKind.NOT_IN_QUEUE, e, minutes_ago=1)
    service.emit(make_summary([e], alerts=[stale, missing]))
    lines = critical_lines(window.banner)
    # A patient missing from the queue leads, even before an older "the list may be out of date".
    assert lines[0].startswith("IKKE I KØEN: Nordmann, Kari")
    assert lines[1].startswith("LISTEN KAN VÆRE UTDATERT")
    # A warning escalated to critical needs a fresh acknowledgement.
    overdue = make_alert(3, AlertKind.TRIAGE_OVERDUE, e, severity=Severity.CRITICAL)
    service.emit(make_summary(alerts=[overdue]))
    assert "Over dobbel triagetid: Nordmann, Kari" in " ".join(critical_lines(window.banner))


def _as_shown(tip: str) -> str:
    """What a Qt tooltip shows for ``tip``: Qt renders it as HTML when it looks like HTML."""
    from PySide6.QtGui import Qt as QtGui
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    if QtGui.mightBeRichText(tip):
        doc.setHtml(tip)
    else:
        doc.setPlainText(tip)
    return doc.toPlainText()


def test_tooltips_show_platform_text_literally_never_as_html(qtbot: QtBot, service: FakeService) -> None:
    from PySide6.QtWidgets import QLabel

    window = window_with_clinic(qtbot, service)
    entries, alerts = clinic()
    # the platform's refusal text (WRITE_NOT_APPLIED quotes it) and a platform name in the warnings' tooltip
    detail = "create Communication: refused by the platform: HTTP 422: <b>nei</b><img src=x>"
    refused = make_alert(40, AlertKind.WRITE_NOT_APPLIED, entries[3], detail=detail)
    named = replace(entries[2], patient=replace(entries[2].patient, name="<i>Hansen</i>, Lars"))  # type: ignore[arg-type]
    service.emit(make_summary([named], alerts=[*alerts, refused]))
    tips = [lbl.toolTip() for lbl in window.banner.findChildren(QLabel, "bannerText") if lbl.toolTip()]
    assert any(detail in _as_shown(t) for t in tips)
    assert any("<i>Hansen</i>, Lars" in _as_shown(t) for t in tips)


def test_a_note_the_platform_refused_is_undelivered_because_refused_not_for_want_of_a_receipt() -> None:
    from legevakt.journal.model import DeliveryState
    from legevakt.ui.alert_banner import delivery_reason
    from tests.ui.conftest import make_delivery, make_note

    entries, _ = clinic()
    note = make_note(1, entries[2], signed=True)
    refused = replace(make_delivery(1, note, DeliveryState.QUEUED, minutes_ago=1), state=DeliveryState.OVERDUE)
    assert refused.communication is None and refused.deadline is not None and refused.deadline > NOW
    alert = make_alert(41, AlertKind.NOTE_UNDELIVERED, entries[2], minutes_ago=0, key=refused.identifier)
    assert delivery_reason(alert, refused) == "ikke sendt: plattformen avviste den"
    late = make_delivery(2, note, DeliveryState.OVERDUE, minutes_ago=40)
    assert late.deadline is not None
    assert delivery_reason(replace(alert, raised_at=late.deadline), late) == \
        f"ingen kvittering innen fristen {late.deadline.astimezone(ZoneInfo('Europe/Oslo')):%H:%M}"


def test_a_rejection_shows_its_8221_reason_in_norwegian_in_the_banner_and_the_alerts_panel(
        qtbot: QtBot, service: FakeService) -> None:
    """Also where this window's ledger does not hold the delivery (raised at another workstation, or sent
    from the command line): the reason comes with the alert (its 8221 codes, the code list's text)."""
    from PySide6.QtWidgets import QLabel

    from legevakt.ui.alerts_panel import AlertsColumn, ShiftAlertsModel

    window = window_with_clinic(qtbot, service)
    entries, alerts = clinic()
    detail = ("DocumentReference/n1 to Organization/gpo-01 (Communication/c1): rejected by the recipient: "
              "E35 Pasienten finnes ikke i mottakersystemet")
    rejected = make_alert(50, AlertKind.NOTE_REJECTED, entries[2], key="delivery-50", detail=detail)
    service.emit(make_summary(entries, alerts=[*alerts, rejected]))
    shown = [lbl.text() for lbl in window.banner.findChildren(QLabel, "bannerDetail")]
    assert any("E35 Pasienten finnes ikke i mottakersystemet" in t for t in shown), shown
    acked = replace(rejected, status=AlertStatus.ACKNOWLEDGED, acknowledged_by="Practitioner/lead",
                    acknowledged_at=NOW, ack_comment="ringer")
    service.emit(make_summary(entries, alerts=[*alerts, acked]))
    shown = [lbl.text() for lbl in window.banner.findChildren(QLabel, "bannerDetail")]
    assert any("E35 Pasienten finnes ikke i mottakersystemet" in t for t in shown), shown  # until resolved

    model = ShiftAlertsModel()
    model.apply([rejected])
    why = model.data(model.index(0, int(AlertsColumn.REASON)))
    assert why == "E35 Pasienten finnes ikke i mottakersystemet"  # until it is resolved


def test_a_send_the_platform_refused_says_not_sent_never_a_deadline() -> None:
    from legevakt.journal.model import DeliveryState
    from legevakt.ui.alert_banner import delivery_reason
    from tests.ui.conftest import make_delivery, make_note

    entries, _ = clinic()
    note = make_note(1, entries[2], signed=True)
    refused = replace(make_delivery(1, note, DeliveryState.QUEUED, minutes_ago=45), state=DeliveryState.REFUSED)
    alert = make_alert(51, AlertKind.NOTE_UNDELIVERED, entries[2], minutes_ago=0, key=refused.identifier)
    assert delivery_reason(alert, refused) == "ikke sendt: plattformen avviste den"  # even past its deadline
