"""The journal in the whole product: simulator -> sync worker -> store -> service -> window.

A nurse selects a patient, writes a note in the panel, saves, signs and sends it to the GP; the platform
has one DocumentReference and one Communication for it, the recipient's receipt comes back by sync, and
the panel and the ledger show it receipted. A recipient that does not exist rejects with E21, and the
panel offers to send again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from legevakt.app.service import AppService
from legevakt.app.settings import Settings
from legevakt.journal.model import DeliveryState, NoteStatus
from legevakt.sim import SimServer
from legevakt.store.db import open_store
from legevakt.ui.main_window import MainWindow

AUTHOR = "Practitioner/gp-01"  # any Practitioner on the platform will do as the author


@pytest.fixture
def running(make_sim: Callable[..., SimServer], tmp_path: Path, qtbot: QtBot,
            ) -> Iterator[tuple[SimServer, AppService, MainWindow]]:
    sim = make_sim(seed=5, initial_patients=6)
    sim.faults.transport_delay_seconds = 0.05
    sim.faults.receipt_delay_seconds = 0.2
    settings = Settings(platform=sim.base_url, location=sim.clinic_ref, data_dir=str(tmp_path), poll_seconds=0.2,
                        push_poll_seconds=0.2,
                        user="Kari Sykepleier", practitioner=AUTHOR)
    service = AppService(settings)
    window = MainWindow(service)
    qtbot.addWidget(window)
    service.start()
    try:
        yield sim, service, window
    finally:
        service.stop()


def signed_note(window: MainWindow, sim: SimServer, qtbot: QtBot, text: str) -> str:
    """Select the first patient, write, save and sign a note in the panel; the encounter ref."""
    qtbot.waitUntil(lambda: window.queue_model.rowCount() == len(sim.clinic.active_encounters()), timeout=10_000)
    target = sorted(sim.clinic.list_items())[0]
    assert window.select_ref(target)
    panel = window.journal
    qtbot.waitUntil(lambda: panel.page is not None, timeout=10_000)
    panel.editor.setPlainText(text)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.sign_button.isEnabled(), timeout=10_000)
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.send_to_button.isEnabled(), timeout=10_000)
    return target


def test_a_note_written_in_the_window_is_saved_signed_sent_and_receipted(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot, tmp_path: Path) -> None:
    sim, service, window = running
    qtbot.waitUntil(lambda: window.queue_model.rowCount() == len(sim.clinic.active_encounters()), timeout=10_000)
    target = sorted(sim.clinic.list_items())[0]
    assert window.select_ref(target)
    panel = window.journal
    qtbot.waitUntil(lambda: panel.page is not None, timeout=10_000)
    assert panel.notes() == ()

    text = "Observert 1 time. <b>Ikke HTML</b> Utskrevet."
    panel.editor.setPlainText(text)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (n := panel.current_note()) is not None and n.ref is not None, timeout=10_000)
    assert [c.text_label.text() for c in panel.cards] == [text]

    assert panel.sign_button.isEnabled()
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (n := panel.current_note()) is not None and n.status is NoteStatus.FINAL,
                    timeout=10_000)
    assert panel.send_gp_button.isEnabled()
    qtbot.mouseClick(panel.send_gp_button, Qt.MouseButton.LeftButton)

    def shown() -> list[DeliveryState]:
        return [row.delivery.state for c in panel.cards for row in c.rows]

    # Sent, then the receipt comes back by sync and the open journal is read again.
    qtbot.waitUntil(lambda: shown() == [DeliveryState.RECEIPTED], timeout=15_000)
    row = panel.cards[0].rows[0]
    assert row.resend_button is None and row.receipt_label.text() == "«Meldingen er mottatt.»"
    note = panel.current_note()
    assert note is not None and note.ref is not None
    # The platform has exactly one note and one message for it, to the patient's GP.
    docs = [r for r in sim.store.live("DocumentReference") if f"DocumentReference/{r['id']}" == note.ref]
    assert len(docs) == 1 and docs[0]["docStatus"] == "final"
    sent = [r for r in sim.store.live("Communication") if not r.get("inResponseTo")
            and any((p.get("contentReference") or {}).get("reference") == note.ref for p in r.get("payload") or [])]
    patient = sim.store.get_ref(note.patient) or {}
    gps = [g["reference"] for g in patient.get("generalPractitioner") or []]
    assert len(sent) == 1 and sent[0]["recipient"][0]["reference"] == gps[0]
    # The ledger has it too, receipted.
    qtbot.waitUntil(lambda: any(d.state is DeliveryState.RECEIPTED for d in window.ledger_model.deliveries()),
                    timeout=10_000)

    service.stop()
    store = open_store(tmp_path)
    try:
        actions = [r.action for r in store.audit(limit=50, target=target)]
    finally:
        store.close()
    assert {"journal.opened", "note.saved", "note.signed", "note.sent"} <= set(actions)


@pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")  # the offscreen platform
def test_a_rejected_note_shows_why_and_is_sent_again_from_the_panel(
        running: tuple[SimServer, AppService, MainWindow], qtbot: QtBot) -> None:
    sim, _service, window = running
    sim.faults.receipt_mode = "reject"
    sim.faults.receipt_error_code = "E21"
    signed_note(window, sim, qtbot, "Epikrise til legekontoret.")
    panel = window.journal

    # Send to… an office found by name as you type.
    dialog = panel.pick_recipient()
    assert dialog is not None
    qtbot.keyClicks(dialog.search, "Tiller")
    qtbot.waitUntil(lambda: dialog.results.count() > 0, timeout=10_000)
    assert dialog.chosen() is not None and dialog.chosen().ref == "Organization/gpo-05"  # type: ignore[union-attr]
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)

    def rows() -> list[tuple[DeliveryState, bool]]:
        return [(r.delivery.state, r.resend_button is not None) for c in panel.cards for r in c.rows]

    qtbot.waitUntil(lambda: rows() == [(DeliveryState.REJECTED, True)], timeout=15_000)
    row = panel.cards[0].rows[0]
    assert row.receipt_label.text().startswith("E21 Mottaker finnes ikke")
    assert "Tiller legesenter (test)" in row.recipient_label.text()
    # The banner names the reason from the ledger, in Norwegian (the alert's own detail is English).
    qtbot.waitUntil(lambda: "E21 Mottaker finnes ikke" in window.banner.text(), timeout=10_000)
    window.ledger_view.set_needs_action_only(True)
    assert window.ledger_view.proxy.rowCount() == 1

    sim.faults.receipt_mode = "ok"
    assert row.resend_button is not None
    qtbot.mouseClick(row.resend_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sorted(s for s, _ in rows()) == sorted([DeliveryState.RECEIPTED, DeliveryState.REJECTED])
                    and not any(b for _, b in rows()), timeout=15_000)
    qtbot.waitUntil(lambda: window.ledger_view.proxy.rowCount() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: "E21" not in window.banner.text(), timeout=10_000)  # resolved by the OK receipt
