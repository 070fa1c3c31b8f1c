"""The patient panel (right side of the main window): what a nurse reads there (issue 9.3 and the empty state)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabBar, QWidget
from pytestqt.qtbot import QtBot

from legevakt.journal.model import DeliveryState
from legevakt.ui import texts
from legevakt.ui.main_window import MainWindow
from legevakt.worklist.models import Entry
from tests.ui.conftest import FakeService, clinic, clock, make_delivery, make_note, make_page, make_summary

RAW_ID_PREFIXES = ("Encounter/", "Patient/", "Location/", "Practitioner/", "DocumentReference/", "Communication/")


def window_at(qtbot: QtBot, service: FakeService) -> MainWindow:
    window = MainWindow(service, clock=clock)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def visible_texts(root: QWidget) -> list[str]:
    """Every text a person sees in ``root``: shown labels and tab titles (not tooltips)."""
    found = [w.text() for w in root.findChildren(QLabel) if w.isVisibleTo(root) and w.text()]
    for bar in root.findChildren(QTabBar):
        if bar.isVisibleTo(root):
            found += [bar.tabText(i) for i in range(bar.count())]
    return found


def id_only(entry: Entry) -> Entry:
    """The platform sent the room and the clinicians as references without a display name."""
    enc = entry.encounter
    return replace(entry, encounter=replace(enc, room="Location/rom-7", room_name=None, nurse="Practitioner/vik",
                                            nurse_name=None, doctor="Practitioner/aas", doctor_name=None))


def test_no_line_of_the_patient_panel_or_its_journal_shows_a_raw_platform_id(
        qtbot: QtBot, service: FakeService) -> None:
    window = window_at(qtbot, service)
    entries, alerts = clinic()
    entries[2] = id_only(entries[2])
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    entry = entries[2]
    window.select_ref(entry.ref)
    note = make_note(1, entry, "Smerter i brystet, BT 140/90", signed=True)
    service.page(make_page(entry, [note], [make_delivery(1, note, DeliveryState.RECEIPTED)]))
    panel = window.panel
    assert panel.tabs is not None
    ids = [entry.ref, entry.patient.ref if entry.patient else "", "Location/rom-7", "Practitioner/vik",
           "Practitioner/aas", note.ref or ""]
    for tab in range(panel.tabs.count()):  # the journal and the visit, each as the nurse opens it
        panel.tabs.setCurrentIndex(tab)
        shown = visible_texts(panel)
        assert shown, "the panel shows something"
        for text in shown:
            assert not any(prefix in text for prefix in RAW_ID_PREFIXES), text
            # nor the bare id a reference ends with ("rom-7" for Location/rom-7)
            assert not any(ref.rsplit("/", 1)[-1] in text for ref in ids if ref), text
    # names, the masked identifier and the room as words; the ids at most in a tooltip
    assert panel.name_label.text() == "Hansen, Lars"
    assert entry.ref in panel.name_label.toolTip()
    assert panel.fields["room"].text() == "tildelt (uten navn)"
    assert panel.fields["room"].toolTip() == texts.plain_tooltip("Location/rom-7")
    assert panel.fields["nurse"].toolTip() == texts.plain_tooltip("Practitioner/vik")


def test_a_named_room_and_nurse_read_by_name(qtbot: QtBot, service: FakeService) -> None:
    window = window_at(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    window.select_ref(entries[1].ref)  # Berg, Ingrid: Akuttrom 1, Lie, Hanne, Aas, Morten
    fields = window.panel.fields
    assert (fields["room"].text(), fields["nurse"].text(), fields["doctor"].text()) == (
        "Akuttrom 1", "Lie, Hanne", "Aas, Morten")
    window.select_ref(entries[11].ref)  # Haugen, Emil: nobody assigned yet
    assert (fields["room"].text(), fields["nurse"].text(), fields["doctor"].text()) == ("–", "–", "–")
    assert fields["room"].toolTip() == ""


def test_with_no_patient_selected_the_panel_shows_one_calm_centred_hint(qtbot: QtBot,
                                                                        service: FakeService) -> None:
    window = window_at(qtbot, service)
    entries, alerts = clinic()
    service.emit(make_summary(entries, alerts=alerts, initial=True))
    panel = window.panel
    assert visible_texts(panel) == ["Velg en pasient i køen."]  # no "Valgt pasient" heading above nothing
    hint = panel.empty_label
    assert hint.alignment() & Qt.AlignmentFlag.AlignHCenter and hint.alignment() & Qt.AlignmentFlag.AlignVCenter
    # the hint's text sits in the middle of the panel, not near its top
    middle = hint.mapTo(panel, hint.rect().center()).y()
    assert abs(middle - panel.height() / 2) < panel.height() * 0.1, (middle, panel.height())
    window.select_ref(entries[3].ref)
    assert panel.caption.isVisibleTo(panel) and not hint.isVisibleTo(panel)
