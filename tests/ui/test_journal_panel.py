"""The journal panel: what a nurse sees of a patient's notes and deliveries, and what the buttons send."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from legevakt.app.journal import RecipientMatches
from legevakt.journal.model import DeliveryState, NoteStatus, Recipient
from legevakt.problems import Problem, ProblemKind
from legevakt.ui import texts
from legevakt.ui.journal_panel import JournalPanel, NoteCard, RecipientDialog
from legevakt.worklist.models import Entry
from tests.ui.conftest import NOW, FakeService, clinic, clock, make_delivery, make_entry, make_note, make_page

HTML = "<b>x</b><script>alert(1)</script>"

CLINIC_ZONE = ZoneInfo("Europe/Oslo")  # the default time_zone: clock times in the clinic's zone, not the machine's
NOW_CLINIC = NOW.astimezone(CLINIC_ZONE)


@pytest.fixture
def entry() -> Entry:
    return clinic()[0][2]  # Hansen, Lars


def make_panel(qtbot: QtBot, service: FakeService, entry: Entry | None = None) -> JournalPanel:
    panel = JournalPanel(service, clock=clock)
    qtbot.addWidget(panel)
    panel.resize(360, 800)
    if entry is not None:
        panel.set_entry(entry)
    return panel


def card(panel: JournalPanel, identifier: str) -> NoteCard:
    return next(c for c in panel.cards if c.note.identifier == identifier)


def enabled(panel: JournalPanel) -> dict[str, bool]:
    return {"save": panel.save_button.isEnabled(), "sign": panel.sign_button.isEnabled(),
            "gp": panel.send_gp_button.isEnabled(), "to": panel.send_to_button.isEnabled()}


# -- what is shown ------------------------------------------------------------------------------


def test_notes_show_newest_first(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    old, newest, middle = (make_note(1, entry, minutes_ago=90), make_note(2, entry, minutes_ago=2),
                           make_note(3, entry, minutes_ago=30))
    service.page(make_page(entry, [old, newest, middle]))  # out of order on purpose
    assert [c.note.identifier for c in panel.cards] == ["note-002", "note-003", "note-001"]
    # ...and in that order on screen, top to bottom.
    tops = [c.mapTo(panel, c.rect().topLeft()).y() for c in panel.cards]
    assert tops == sorted(tops)
    assert panel.status_label.text() == "3 notater, nyeste først"


def test_note_text_is_shown_literally_never_as_html(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    note = make_note(1, entry, f"Kontroll: {HTML} ferdig", signed=True)
    rejected = make_delivery(1, note, DeliveryState.REJECTED, errors=("E21",), free_text=f"Svar {HTML}")
    service.page(make_page(entry, [note], [rejected]))
    shown = card(panel, "note-001")
    assert QtGui.mightBeRichText(shown.text_label.text())  # a label left to guess would render it as HTML
    assert shown.text_label.textFormat() == Qt.TextFormat.PlainText
    assert shown.text_label.text() == f"Kontroll: {HTML} ferdig"
    receipt = shown.rows[0].receipt_label
    assert receipt.textFormat() == Qt.TextFormat.PlainText and f"«Svar {HTML}»" in receipt.text()
    # Every label of the card is plain text.
    assert all(lbl.textFormat() == Qt.TextFormat.PlainText for lbl in shown.findChildren(QLabel))
    # Rendered, the tags take space as characters: a label that rendered HTML would be narrower.
    plain = shown.text_label.fontMetrics().horizontalAdvance(shown.text_label.text())
    rich = QLabel()
    rich.setTextFormat(Qt.TextFormat.RichText)
    rich.setText(shown.text_label.text())
    assert rich.sizeHint().width() < plain
    # Picked, the editor shows the same characters.
    panel.pick("note-001")
    assert panel.editor.toPlainText() == f"Kontroll: {HTML} ferdig"


def test_delivery_states_receipts_and_deadlines_in_norwegian(qtbot: QtBot, service: FakeService,
                                                             entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    note = make_note(1, entry, signed=True)
    states = [DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.TRANSPORTED, DeliveryState.OVERDUE,
              DeliveryState.RECEIPTED, DeliveryState.RECEIPTED_WITH_ERRORS, DeliveryState.REJECTED]
    deliveries = [make_delivery(i, note, s, recipient=f"Practitioner/gp-{i:02d}", minutes_ago=60 - i,
                                errors=("E35",) if s is DeliveryState.RECEIPTED_WITH_ERRORS else
                                ("E21",) if s is DeliveryState.REJECTED else (),
                                free_text="Ukjent hos oss" if s is DeliveryState.REJECTED else None)
                  for i, s in enumerate(states, start=1)]
    panel.names.learn([Recipient("Practitioner/gp-07", "Kari Testlege")])
    service.page(make_page(entry, [note], deliveries))
    rows = {row.delivery.state: row for row in card(panel, "note-001").rows}
    assert {s: r.state_label.text() for s, r in rows.items()} == {
        DeliveryState.QUEUED: "I kø", DeliveryState.SENT: "Sendt", DeliveryState.TRANSPORTED: "Overført",
        DeliveryState.OVERDUE: "Forsinket", DeliveryState.RECEIPTED: "Kvittert",
        DeliveryState.RECEIPTED_WITH_ERRORS: "Kvittert med feil", DeliveryState.REJECTED: "Avvist"}
    rejected = rows[DeliveryState.REJECTED]
    assert rejected.recipient_label.text() == "til Kari Testlege"
    assert rejected.receipt_label.text() == "E21 Mottaker finnes ikke\n«Ukjent hos oss»"
    assert rows[DeliveryState.RECEIPTED_WITH_ERRORS].receipt_label.text() == \
        "E35 Pasienten finnes ikke i mottakersystemet"
    assert rows[DeliveryState.SENT].recipient_label.text() == "til Behandler gp-02"
    sent = rows[DeliveryState.SENT].delivery
    assert sent.deadline is not None
    assert f"frist {sent.deadline.astimezone(CLINIC_ZONE):%H:%M}" in rows[DeliveryState.SENT].times_label.text()
    assert not rows[DeliveryState.RECEIPTED].receipt_label.isVisibleTo(panel)
    # Newest delivery first within the note (sent 53 minutes ago, the others earlier).
    assert card(panel, "note-001").rows[0].delivery.state is DeliveryState.REJECTED


def test_a_page_for_another_patient_is_not_shown(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    other = make_entry(40, "Annen, Pasient")
    service.page(make_page(other, [make_note(9, other, "Feil pasient")]))
    assert panel.cards == [] and panel.page is None
    assert panel.status_label.text() == "Henter journalen…"
    service.page(make_page(entry, []))
    assert panel.status_label.text() == "Ingen notater ennå."


# -- which buttons a nurse can press ------------------------------------------------------------


def test_buttons_are_enabled_only_when_they_make_sense(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    saved = make_note(1, entry, "Lagret notat", minutes_ago=30)
    local = make_note(2, entry, "Bare her", minutes_ago=20, on_platform=False)
    signed = make_note(3, entry, "Signert notat", minutes_ago=10, signed=True)
    signed_local = make_note(4, entry, "Signert, ikke på plattformen", minutes_ago=5, signed=True, on_platform=False)
    service.page(make_page(entry, [saved, local, signed, signed_local]))

    # A new note: nothing to save until there is text; nothing to sign or send.
    assert enabled(panel) == {"save": False, "sign": False, "gp": False, "to": False}
    qtbot.keyClicks(panel.editor, "Ny tekst")
    assert enabled(panel) == {"save": True, "sign": False, "gp": False, "to": False}
    panel.editor.setPlainText("   \n ")
    assert not panel.save_button.isEnabled()

    # A saved note on the platform: sign, not send; edited, save first.
    panel.pick("note-001")
    assert panel.editor.toPlainText() == "Lagret notat" and not panel.editor.isReadOnly()
    assert enabled(panel) == {"save": False, "sign": True, "gp": False, "to": False}
    assert panel.why_label.text() == "Signer notatet før det sendes."
    qtbot.keyClicks(panel.editor, " endret")
    assert enabled(panel) == {"save": True, "sign": False, "gp": False, "to": False}
    assert panel.why_label.text() == "Lagre endringene før du signerer."

    # Saved but not on the platform yet: cannot be signed (the service would refuse).
    panel.pick("note-002")
    assert enabled(panel) == {"save": False, "sign": False, "gp": False, "to": False}
    assert "venter på plattformen" in panel.why_label.text()

    # Signed: read-only, no sign, send.
    panel.pick("note-003")
    assert panel.editor.isReadOnly()
    assert enabled(panel) == {"save": False, "sign": False, "gp": True, "to": True}
    assert panel.editor_caption.text().startswith("Signert av Hanne Lie ")

    # Signed but the platform does not have it yet: no send.
    panel.pick("note-004")
    assert enabled(panel) == {"save": False, "sign": False, "gp": False, "to": False}

    # Back to a new note: the editor is writable again, and the draft typed earlier is still there.
    panel.new_note()
    assert not panel.editor.isReadOnly() and panel.editor.toPlainText() == "   \n "


def test_a_signed_note_cannot_be_edited(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    service.page(make_page(entry, [make_note(1, entry, "Signert", signed=True)]))
    panel.show()
    qtbot.mouseClick(card(panel, "note-001"), Qt.MouseButton.LeftButton)
    assert panel.current_note() is not None and panel.current_note().identifier == "note-001"  # type: ignore[union-attr]
    qtbot.keyClicks(panel.editor, "endring")
    assert panel.editor.toPlainText() == "Signert"
    panel.save()
    assert service.saved == []


def test_without_a_practitioner_the_journal_is_read_only(qtbot: QtBot, entry: Entry) -> None:
    service = FakeService(practitioner="")
    panel = make_panel(qtbot, service, entry)
    note = make_note(1, entry, signed=True)
    service.page(make_page(entry, [note, make_note(2, entry)], [make_delivery(1, note, DeliveryState.REJECTED)]))
    assert panel.author_hint.isVisibleTo(panel)
    assert "Practitioner-referanse" in panel.author_hint.text()
    assert panel.editor.isReadOnly()
    for key in (None, "note-001", "note-002"):
        panel.pick(key)
        assert not any(enabled(panel).values())
    resend = card(panel, "note-001").rows[0].resend_button
    assert resend is not None and not resend.isEnabled()


# -- what the buttons send -------------------------------------------------------------------------


def test_write_save_sign_and_send_a_note(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    service.page(make_page(entry, []))
    qtbot.keyClicks(panel.editor, "Pasienten er bedre.")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert service.saved == [(entry.ref, "Pasienten er bedre.", None)]
    assert panel.busy and not any(enabled(panel).values())  # no second save while the first is under way
    panel.save()
    assert len(service.saved) == 1

    # The page comes back with the new note: it becomes the current note.
    saved = make_note(7, entry, "Pasienten er bedre.", minutes_ago=0)
    service.page(make_page(entry, [saved]))
    assert not panel.busy
    assert panel.current_note() == saved and panel.editor_caption.text().startswith("Lagret notat")
    assert card(panel, "note-007").property("current") is True
    qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    assert service.signed == [(entry.ref, "note-007")]

    service.page(make_page(entry, [replace(saved, status=NoteStatus.FINAL, authenticator="Practitioner/hanne-lie")]))
    qtbot.mouseClick(panel.send_gp_button, Qt.MouseButton.LeftButton)
    assert service.sent == [(entry.ref, "note-007", None)]


def test_editing_a_saved_note_saves_new_text_for_it(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    service.page(make_page(entry, [make_note(1, entry, "Første")]))
    panel.pick("note-001")
    qtbot.keyClicks(panel.editor, " og andre")
    panel.save()
    assert service.saved == [(entry.ref, "Første og andre", "note-001")]


def test_a_refused_command_keeps_the_text_and_says_why(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    service.page(make_page(entry, []))
    qtbot.keyClicks(panel.editor, "Tekst")
    panel.save()
    service.fail(Problem.of(ProblemKind.STORE_DISK_FULL))
    assert not panel.busy and panel.save_button.isEnabled()
    assert panel.editor.toPlainText() == "Tekst"
    assert panel.notice_label.isVisibleTo(panel)
    assert panel.notice_label.text() == "Ikke utført: Disken er full; ingenting mer kan lagres."


@pytest.mark.parametrize(("kind", "params", "said"), [
    (ProblemKind.NOTE_ALREADY_SIGNED, {"note": "note-001"},
     "Notat fra 14:10 er signert og kan ikke endres; skriv en rettelse i stedet."),
    (ProblemKind.NOTE_WRONG_ENCOUNTER, {"encounter": "Encounter/enc-003"},
     "Hansen, Lars (030492 *****) er ikke på denne legevaktens arbeidsliste."),
    (ProblemKind.NOTE_BAD_RECIPIENT, {"ref": "Practitioner/gp-03"}, "Behandler gp-03"),
])
def test_a_refusal_names_the_visit_the_note_and_the_recipient_in_words_not_ids(
        qtbot: QtBot, service: FakeService, entry: Entry, kind: ProblemKind, params: dict[str, str],
        said: str) -> None:
    """Issue 9.3: no line shows a raw platform id to a nurse; the id is in the notice's tooltip."""
    assert entry.ref == "Encounter/enc-003"
    panel = make_panel(qtbot, service, entry)
    service.page(make_page(entry, [make_note(1, entry, "Første")]))  # written 14:10 clinic time (20 min before NOW)
    panel.pick("note-001")
    qtbot.keyClicks(panel.editor, " og andre")
    panel.save()
    service.fail(Problem(kind, params))
    text = panel.notice_label.text()
    assert said in text
    assert not any(raw in text for raw in params.values()), text
    assert all(raw in panel.notice_label.toolTip() for raw in params.values())


def test_a_draft_stays_with_its_patient(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    service.page(make_page(entry, []))
    qtbot.keyClicks(panel.editor, "Utkast for Hansen")
    other = make_entry(40, "Annen, Pasient")
    panel.set_entry(other)
    assert panel.editor.toPlainText() == ""  # never under another patient
    service.page(make_page(other, []))
    assert panel.editor.toPlainText() == ""
    panel.set_entry(entry)
    assert panel.editor.toPlainText() == "Utkast for Hansen"


def test_resend_sends_again_to_the_same_recipient(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    note = make_note(1, entry, signed=True)
    overdue = make_delivery(1, note, DeliveryState.OVERDUE, recipient="Practitioner/gp-07", minutes_ago=50)
    ok = make_delivery(2, note, DeliveryState.RECEIPTED, recipient="Practitioner/gp-03", minutes_ago=40)
    rejected = make_delivery(3, note, DeliveryState.REJECTED, recipient="Organization/gpo-99", minutes_ago=45,
                             errors=("E21",), resent_as="Communication/com-004")
    resend = make_delivery(4, note, DeliveryState.SENT, recipient="Organization/gpo-99", minutes_ago=5,
                           resend_of=rejected.communication)
    service.page(make_page(entry, [note], [overdue, ok, rejected, resend]))
    rows = {row.delivery.identifier: row for row in card(panel, "note-001").rows}
    assert rows["dlv-002"].resend_button is None  # receipted: nothing to do
    assert rows["dlv-003"].resend_button is None  # already sent again: says so instead
    assert rows["dlv-003"].findChild(QLabel, "deliveryResent").text() == "Sendt på nytt"
    button = rows["dlv-001"].resend_button
    assert button is not None and button.text() == "Send på nytt" and button.isEnabled()
    panel.show()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert service.sent == [(entry.ref, note.ref, "Practitioner/gp-07")]


# -- the recipient picker ----------------------------------------------------------------------------


def test_recipient_search_asks_once_after_typing_stops(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    service.page(make_page(entry, [make_note(1, entry, signed=True)]))
    panel.pick("note-001")
    dialog = panel.pick_recipient()
    assert isinstance(dialog, RecipientDialog)
    qtbot.keyClicks(dialog.search, "K")
    qtbot.waitUntil(lambda: not dialog.timer.isActive(), timeout=3000)
    assert service.searches == []  # one letter: not asked
    assert dialog.hint.text() == "Skriv minst to bokstaver av navnet."
    qtbot.keyClicks(dialog.search, "ari")  # "Ka", "Kar", "Kari" typed without a pause
    assert dialog.timer.isActive() and service.searches == []
    qtbot.waitUntil(lambda: service.searches != [], timeout=3000)
    assert service.searches == ["Kari"] and not dialog.timer.isActive()
    assert dialog.hint.text() == "Søker…"

    service.found("Ka", Recipient("Practitioner/gp-99", "Karl Foreldet"))  # a late answer to an older query
    assert dialog.results.count() == 0
    service.found("Kari", Recipient("Practitioner/gp-03", "Kari Testlege"),
                  Recipient("Organization/gpo-03", "Lade legekontor"))
    # names as the nurse reads them; the platform id only in the tooltip (issue 9.3)
    assert [dialog.results.item(i).text() for i in range(dialog.results.count())] == [
        "Kari Testlege", "Lade legekontor"]
    assert [dialog.results.item(i).toolTip() for i in range(dialog.results.count())] == [
        texts.plain_tooltip("Practitioner/gp-03"), texts.plain_tooltip("Organization/gpo-03")]
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    assert dialog.chosen() == Recipient("Organization/gpo-03", "Lade legekontor")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert service.sent == [(entry.ref, "note-001", "Organization/gpo-03")]
    # The name is remembered for the delivery that comes back.
    assert panel.names.label("Organization/gpo-03") == "Lade legekontor"


def test_recipient_search_with_no_match_says_so(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    dialog = RecipientDialog(service, JournalPanel(service).names, debounce_ms=10)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.search, "Zz")
    qtbot.waitUntil(lambda: service.searches == ["Zz"], timeout=3000)
    service.found("Zz")
    assert dialog.hint.text() == "Ingen lege eller virksomhet med det navnet."
    assert not dialog.send_button.isEnabled()
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.result() == 0 and service.sent == []


def test_the_resend_tooltip_names_the_recipient_literally_never_as_html(
        qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    from PySide6.QtGui import QTextDocument

    panel = make_panel(qtbot, service, entry)
    note = make_note(1, entry, signed=True)
    overdue = make_delivery(1, note, DeliveryState.OVERDUE, recipient="Practitioner/gp-07", minutes_ago=50)
    panel.names.learn([Recipient("Practitioner/gp-07", HTML)])  # the name as the platform has it
    service.page(make_page(entry, [note], [overdue]))
    button = card(panel, "note-001").rows[0].resend_button
    assert button is not None
    tip = button.toolTip()
    doc = QTextDocument()
    doc.setHtml(tip) if QtGui.mightBeRichText(tip) else doc.setPlainText(tip)  # as a tooltip shows it
    assert doc.toPlainText().endswith(HTML)


# -- who signed, and whether sending makes sense -------------------------------------------------


def test_a_signed_note_says_who_signed_it_by_name_never_by_reference(qtbot: QtBot, service: FakeService,
                                                                    entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    mine = make_note(1, entry, signed=True, minutes_ago=17)  # by Practitioner/hanne-lie: the user, "Hanne Lie"
    other = make_note(2, entry, signed=True, minutes_ago=40, author="Practitioner/gp-07")  # learnt from a search
    stranger = make_note(3, entry, signed=True, minutes_ago=60, author="Practitioner/f84d2829c95b519e")
    panel.names.learn([Recipient("Practitioner/gp-07", "Kari Testlege")])
    service.page(make_page(entry, [mine, other, stranger]))
    at = (NOW_CLINIC - timedelta(minutes=17)).strftime("%H:%M")

    def heading(identifier: str) -> str:  # the badge and the line beside it, as read
        shown = card(panel, identifier)
        return f"{shown.status_label.text()} {shown.time_label.text()}"

    assert heading("note-001") == f"Signert av Hanne Lie {at}"
    assert heading("note-002").startswith("Signert av Kari Testlege ")
    assert heading("note-003").startswith("Signert av annen behandler ")
    panel.pick("note-001")
    assert panel.editor_caption.text() == f"Signert av Hanne Lie {at} (kan ikke endres)"
    # The reference only in the tooltip, never as visible text.
    assert "f84d2829c95b519e" in card(panel, "note-003").status_label.toolTip()
    assert "f84d2829c95b519e" in card(panel, "note-003").time_label.toolTip()
    for c in panel.cards:
        assert all("Practitioner/" not in lbl.text() for lbl in c.findChildren(QLabel))
    panel.pick("note-003")
    assert "Practitioner/" not in panel.editor_caption.text()


def test_a_receipted_note_is_not_offered_to_the_gp_again(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    note = make_note(1, entry, signed=True, minutes_ago=30)
    done = make_delivery(1, note, DeliveryState.RECEIPTED, recipient="Practitioner/gp-08", minutes_ago=20)
    panel.names.learn([Recipient("Practitioner/gp-08", "Mari Demolege")])
    service.page(make_page(entry, [note], [done]))
    panel.pick("note-001")
    receipted = (NOW_CLINIC - timedelta(minutes=18)).strftime("%H:%M")  # the receipt came 2 minutes after
    assert not panel.send_gp_button.isEnabled()
    assert panel.send_state_label.text() == f"Sendt og kvittert {receipted} (til Mari Demolege)"
    assert panel.send_state_label.isVisibleTo(panel)
    assert f"Sendt og kvittert {receipted}" in panel.send_gp_button.toolTip()
    panel.send_to_gp()
    assert service.sent == []
    # Another recipient may still get it; the one who has it cannot be picked again.
    assert panel.send_to_button.isEnabled()
    dlg = panel.pick_recipient()
    assert dlg is not None
    dlg.search.setText("Ma")
    dlg._ask()
    service.recipients_found.emit(RecipientMatches("Ma", (Recipient("Practitioner/gp-08", "Mari Demolege"),)))
    assert not dlg.send_button.isEnabled()
    assert dlg.hint.text() == f"Sendt og kvittert {receipted} (til Mari Demolege): velg en annen mottaker."
    dlg.reject()


def test_a_note_on_its_way_waits_for_its_receipt(qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    note = make_note(1, entry, signed=True, minutes_ago=30)
    on_way = make_delivery(1, note, DeliveryState.TRANSPORTED, minutes_ago=10, deadline_minutes=30)
    service.page(make_page(entry, [note], [on_way]))
    panel.pick("note-001")
    deadline = (NOW_CLINIC + timedelta(minutes=20)).strftime("%H:%M")
    assert not panel.send_gp_button.isEnabled()
    assert panel.send_state_label.text() == f"Sendt, venter på kvittering (frist {deadline}, til Behandler gp-03)"


def test_after_a_rejection_or_an_overdue_the_gp_button_sends_again(qtbot: QtBot, service: FakeService,
                                                                  entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    note = make_note(1, entry, signed=True, minutes_ago=60)
    late = make_note(2, entry, signed=True, minutes_ago=70)
    rejected = make_delivery(1, note, DeliveryState.REJECTED, recipient="Practitioner/gp-08", minutes_ago=50,
                             errors=("E21",))
    overdue = make_delivery(2, late, DeliveryState.OVERDUE, minutes_ago=45, deadline_minutes=30)
    panel.names.learn([Recipient("Practitioner/gp-08", "Mari Demolege")])
    service.page(make_page(entry, [note, late], [rejected, overdue]))
    panel.pick("note-001")
    assert panel.send_gp_button.isEnabled() and panel.send_gp_button.text() == "Send på nytt"
    answered = (NOW_CLINIC - timedelta(minutes=48)).strftime("%H:%M")
    assert panel.send_state_label.text() == f"Avvist av Mari Demolege {answered}: send på nytt"
    panel.send_to_gp()
    assert service.sent == [(entry.ref, note.ref, "Practitioner/gp-08")]  # again, to the same recipient
    service.page(make_page(entry, [note, late], [rejected, overdue]))
    panel.pick("note-002")
    deadline = (NOW_CLINIC - timedelta(minutes=15)).strftime("%H:%M")
    assert panel.send_gp_button.text() == "Send på nytt"
    assert panel.send_state_label.text() == \
        f"Ikke kvittert innen fristen {deadline} (til Behandler gp-03): send på nytt"
    # A new signed note with nothing sent: the plain GP button again.
    service.page(make_page(entry, [note, late, make_note(3, entry, signed=True)], [rejected, overdue]))
    panel.pick("note-003")
    assert panel.send_gp_button.text() == "Send til fastlege" and not panel.send_state_label.isVisibleTo(panel)


def test_a_sending_the_platform_refused_shows_no_deadline_and_offers_to_send_again(
        qtbot: QtBot, service: FakeService, entry: Entry) -> None:
    panel = make_panel(qtbot, service, entry)
    note = make_note(1, entry, signed=True, minutes_ago=30)
    refused = replace(make_delivery(1, note, DeliveryState.OVERDUE, minutes_ago=10), communication=None,
                      sent_at=None, was_overdue=True)
    service.page(make_page(entry, [note], [refused]))
    panel.pick("note-001")
    made = (NOW_CLINIC - timedelta(minutes=10)).strftime("%H:%M")
    row = card(panel, "note-001").rows[0]
    assert row.times_label.text() == f"ikke sendt: plattformen avviste forsendelsen {made}"
    assert "frist" not in row.times_label.text()
    assert panel.send_state_label.text() == "Plattformen avviste forsendelsen til Behandler gp-03: send på nytt"
    assert panel.send_gp_button.text() == "Send på nytt" and panel.send_gp_button.isEnabled()
