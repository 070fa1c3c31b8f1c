"""The delivery ledger: an incremental model keyed by delivery, the needs-action filter, and its window."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from legevakt.app.journal import LedgerPage
from legevakt.journal.model import Delivery, DeliveryState, Recipient
from legevakt.ui.journal_panel import RecipientNames
from legevakt.ui.ledger_view import LedgerColumn, LedgerFilterProxy, LedgerModel, LedgerView
from tests.ui.conftest import NOW, FakeService, clinic, clock, make_delivery, make_note

CLINIC_ZONE = ZoneInfo("Europe/Oslo")  # the default time_zone: clock times in the clinic's zone, not the machine's


def shift() -> list[Delivery]:
    """Eight deliveries of a shift; three need action (hand-counted): the overdue one, the rejection
    not yet sent again, and the one receipted with errors."""
    entries, _ = clinic()
    a, b = entries[2], entries[4]
    n1, n2, n3 = make_note(1, a, signed=True), make_note(2, a, signed=True), make_note(3, b, signed=True)
    return [
        make_delivery(1, n1, DeliveryState.QUEUED, minutes_ago=1),
        make_delivery(2, n1, DeliveryState.SENT, recipient="Practitioner/gp-04", minutes_ago=5),
        make_delivery(3, n2, DeliveryState.TRANSPORTED, minutes_ago=8),
        make_delivery(4, n2, DeliveryState.OVERDUE, recipient="Practitioner/gp-07", minutes_ago=50),   # action
        make_delivery(5, n3, DeliveryState.RECEIPTED, minutes_ago=30),
        make_delivery(6, n3, DeliveryState.RECEIPTED_WITH_ERRORS, recipient="Organization/gpo-05",
                      minutes_ago=35, errors=("E35",)),                                                 # action
        make_delivery(7, n3, DeliveryState.REJECTED, recipient="Organization/gpo-99", minutes_ago=40,
                      errors=("E21",)),                                                                 # action
        make_delivery(8, n1, DeliveryState.REJECTED, recipient="Organization/gpo-98", minutes_ago=45,
                      errors=("E21",), resent_as="Communication/com-001"),                              # resent
    ]


def make_model(deliveries: list[Delivery] | None = None) -> LedgerModel:
    model = LedgerModel(clock=clock)
    if deliveries:
        model.apply(deliveries)
    return model


def rows(proxy: LedgerFilterProxy) -> list[str]:
    return [d.identifier for r in range(proxy.rowCount()) if (d := proxy.delivery_at(r)) is not None]


def test_the_model_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = make_model(shift())
    qtmodeltester.check(model, force_py=True)
    proxy = LedgerFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_needs_action_only(True)
    qtmodeltester.check(proxy, force_py=True)


def test_the_model_stays_valid_while_it_changes(qtmodeltester: ModelTester) -> None:
    model = make_model()
    qtmodeltester.check(model, force_py=True)  # watches every change from here on
    deliveries = shift()
    model.apply(deliveries[:4])
    model.apply([replace(deliveries[0], state=DeliveryState.SENT, communication="Communication/com-001"),
                 *deliveries[4:]])
    model.load(LedgerPage(tuple(deliveries[2:6]), NOW))
    assert model.rowCount() == 4


def test_needs_action_filter_shows_only_what_a_person_must_act_on() -> None:
    model = make_model(shift())
    proxy = LedgerFilterProxy()
    proxy.setSourceModel(model)
    assert len(rows(proxy)) == 8
    proxy.set_needs_action_only(True)
    assert sorted(rows(proxy)) == ["dlv-004", "dlv-006", "dlv-007"]
    assert model.needs_action_count() == 3
    # The rejection is sent again: it leaves the filter by itself.
    model.apply([replace(model.delivery("dlv-007"), resent_as="Communication/com-009")])  # type: ignore[arg-type]
    assert sorted(rows(proxy)) == ["dlv-004", "dlv-006"]
    proxy.set_needs_action_only(False)
    assert len(rows(proxy)) == 8


def test_newest_first() -> None:
    model = make_model(shift())
    proxy = LedgerFilterProxy()
    proxy.setSourceModel(model)
    assert rows(proxy) == [f"dlv-{n:03d}" for n in (1, 2, 3, 5, 6, 7, 8, 4)]  # by minutes ago: 1, 5, 8, 30, ...


def test_sync_updates_are_incremental_never_a_reset() -> None:
    model = make_model(shift()[:3])
    proxy = LedgerFilterProxy()
    proxy.setSourceModel(model)
    events: list[str] = []
    model.modelReset.connect(lambda: events.append("reset"))
    proxy.modelReset.connect(lambda: events.append("proxy-reset"))
    model.rowsInserted.connect(lambda _p, first, last: events.append(f"insert {first}-{last}"))
    model.rowsRemoved.connect(lambda _p, first, last: events.append(f"remove {first}-{last}"))
    changed: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda tl, br, _roles: changed.append((tl.row(), tl.column(), br.row(), br.column())))

    first = model.delivery("dlv-002")
    assert first is not None
    model.apply([replace(first, state=DeliveryState.TRANSPORTED), shift()[4]])
    assert events == ["insert 3-3"]
    assert changed == [(1, 0, 1, len(LedgerColumn) - 1)]
    unchanged = list(model.deliveries())
    model.apply(unchanged)  # the same again: nothing
    assert events == ["insert 3-3"] and len(changed) == 1
    # A fresh read of the shift without the first row: that row goes, one removal, still no reset.
    model.load(LedgerPage(tuple(unchanged[1:]), NOW))
    assert events == ["insert 3-3", "remove 0-0"]
    assert [d.identifier for d in model.deliveries()] == ["dlv-002", "dlv-003", "dlv-005"]


def test_columns_read_in_norwegian_with_local_times() -> None:
    names = RecipientNames()
    names.learn([Recipient("Organization/gpo-99", "Byåsen legesenter")])
    known = {"Patient/pat-003": "Hansen, Lars (030492 *****)"}
    model = LedgerModel(clock=clock, names=names, patient_label=lambda d: known.get(d.patient))
    deliveries = shift()
    model.apply(deliveries)

    def text(ident: str, column: LedgerColumn) -> str:
        return str(model.data(model.index(model.row_of(ident), int(column))))

    rejected = deliveries[6]
    assert rejected.sent_at is not None
    assert text("dlv-007", LedgerColumn.SENT) == rejected.sent_at.astimezone(CLINIC_ZONE).strftime("%H:%M")
    assert text("dlv-007", LedgerColumn.PATIENT) == "Patient/pat-005"  # not in the queue: the reference
    assert text("dlv-004", LedgerColumn.PATIENT) == "Hansen, Lars (030492 *****)"
    assert text("dlv-007", LedgerColumn.RECIPIENT) == "Byåsen legesenter"
    assert text("dlv-004", LedgerColumn.RECIPIENT) == "Behandler gp-07"
    assert text("dlv-007", LedgerColumn.STATE) == "Avvist"
    assert text("dlv-008", LedgerColumn.STATE) == "Avvist, sendt på nytt"
    assert text("dlv-006", LedgerColumn.STATE) == "Kvittert med feil"
    assert text("dlv-007", LedgerColumn.RECEIPT) == "E21 Mottaker finnes ikke"
    assert text("dlv-005", LedgerColumn.RECEIPT) == "–"
    overdue = deliveries[3]
    assert overdue.deadline is not None
    assert text("dlv-004", LedgerColumn.DEADLINE) == overdue.deadline.astimezone(CLINIC_ZONE).strftime("%H:%M")
    assert text("dlv-005", LedgerColumn.DEADLINE) == "–"  # receipted: no deadline to watch
    assert text("dlv-004", LedgerColumn.NOTE) == "doc-002"
    # A patient who has left the queue keeps the name learnt while they were in it.
    known.clear()
    assert text("dlv-004", LedgerColumn.PATIENT) == "Hansen, Lars (030492 *****)"


def test_the_window_filters_and_resends(qtbot: QtBot, service: FakeService) -> None:
    model = make_model(shift())
    view = LedgerView(service, model)
    qtbot.addWidget(view)
    since = NOW - timedelta(hours=6)
    view.open_for_shift(since)
    assert service.ledgers_loaded == [since]
    assert view.caption.text() == "8 forsendelser denne vakten"
    assert view.needs_action_box.text() == "Trenger handling (3)"
    view.needs_action_box.setChecked(True)
    assert view.proxy.rowCount() == 3 and view.caption.text() == "3 forsendelser trenger handling"
    assert not view.resend_button.isEnabled()
    overdue_row = rows(view.proxy).index("dlv-004")
    view.table.selectRow(overdue_row)
    assert view.resend_button.isEnabled()
    view.resend_button.click()
    d = model.delivery("dlv-004")
    assert d is not None
    assert service.sent == [(d.encounter, d.note, "Practitioner/gp-07")]
    # Receipted with errors needs a person, but sending again is not the answer there.
    view.table.selectRow(rows(view.proxy).index("dlv-006"))
    assert not view.resend_button.isEnabled()


def test_double_click_asks_to_show_the_patient(qtbot: QtBot, service: FakeService) -> None:
    model = make_model(shift())
    view = LedgerView(service, model)
    qtbot.addWidget(view)
    index = view.proxy.index(rows(view.proxy).index("dlv-005"), 0)
    with qtbot.waitSignal(view.show_patient) as blocker:
        view.table.doubleClicked.emit(index)
    assert blocker.args == ["Encounter/enc-005"]


def test_a_journal_page_updates_the_ledger_and_adds_only_what_belongs_to_the_shift() -> None:
    deliveries = shift()
    model = make_model(deliveries[:2])
    since = NOW - timedelta(hours=1)
    resent = replace(deliveries[1], state=DeliveryState.OVERDUE, resent_as="Communication/com-010")
    old_ok = replace(deliveries[4], identifier="dlv-old", sent_at=NOW - timedelta(hours=20),
                     created_at=NOW - timedelta(hours=20))
    old_open = replace(deliveries[3], identifier="dlv-old-overdue", sent_at=NOW - timedelta(hours=20),
                       created_at=NOW - timedelta(hours=20))
    new = deliveries[2]
    assert model.fold([resent, old_ok, old_open, new], since)
    assert [d.identifier for d in model.deliveries()] == ["dlv-001", "dlv-002", "dlv-old-overdue", "dlv-003"]
    assert model.delivery("dlv-002") == resent


def test_the_receipt_tooltip_shows_the_recipients_text_literally_never_as_html() -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import Qt as QtGui
    from PySide6.QtGui import QTextDocument

    entries, _ = clinic()
    note = make_note(1, entries[2], signed=True)
    free = "<b>Avvist</b><img src='http://example.invalid/x.png'>"
    rejected = make_delivery(1, note, DeliveryState.REJECTED, free_text=free)  # a rejection without 8221 codes
    model = make_model([rejected])
    tip = model.data(model.index(0, int(LedgerColumn.RECEIPT)), Qt.ItemDataRole.ToolTipRole)
    doc = QTextDocument()
    doc.setHtml(tip) if QtGui.mightBeRichText(tip) else doc.setPlainText(tip)  # as a tooltip shows it
    assert doc.toPlainText() == f"«{free}»"


def test_a_sending_the_platform_refused_reads_as_not_sent_with_no_deadline() -> None:
    model = make_model()
    note = make_note(1, clinic()[0][2], signed=True)
    refused = replace(make_delivery(9, note, DeliveryState.OVERDUE), communication=None, was_overdue=True,
                      sent_at=None)
    model.apply([refused])

    def text(column: LedgerColumn) -> str:
        return str(model.data(model.index(model.row_of("dlv-009"), int(column))))

    assert text(LedgerColumn.STATE) == "Ikke sendt: avvist av plattformen"
    assert text(LedgerColumn.DEADLINE) == "–"  # it never left: no receipt to wait for
    assert model.needs_action_count() == 1  # a person must still send it again
