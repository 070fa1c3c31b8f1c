"""Names and other platform text are neutralised on display (issue 11): a RIGHT-TO-LEFT OVERRIDE in a
patient's name can no longer show it reversed (nor reverse what stands beside it), isolates and marks are
gone, and no control character (a terminal escape, a NUL) reaches the queue, the banner, the patient
panel, the wallboard or the shift report.

Oracle: hand-written hostile strings and what a nurse must read instead (the letters in the order the
platform stored them, without the formatting characters).
"""

from __future__ import annotations

import pytest

from legevakt.ui import texts
from legevakt.ui.alert_banner import headline
from legevakt.ui.patient_panel import PatientPanel
from legevakt.ui.queue_model import Column, QueueModel
from legevakt.ui.roles import DISPLAY
from legevakt.ui.wallboard import initials, room_label
from legevakt.worklist.models import AlertKind
from legevakt.worklist.triage import MTS
from tests.ui.conftest import NOW, clock, make_alert, make_entry, make_summary

RLO, PDF, LRI, PDI, LRM, ESC = "\u202e", "\u202c", "\u2066", "\u2069", "\u200e", "\x1b"
FORMATTING = (RLO, PDF, LRI, PDI, LRM, ESC, "\x00", "\x9b")


def hostile_entry():  # type: ignore[no-untyped-def]
    return make_entry(1, f"{RLO}nesnaH{PDF}, Kari{LRM}", complaint=f"Kutt{ESC}[31m i\x00 hånd",
                      room=f"Rom {LRI}3{PDI}", nurse=f"Aas{RLO}, M", doctor=f"Berg, {ESC}]0;x\x07O")


def clean(text: str) -> bool:
    return not any(c in text for c in FORMATTING)


def test_the_queue_shows_names_complaints_rooms_and_clinicians_neutralised() -> None:
    model = QueueModel(clock=clock, language="nb")
    model.apply(make_summary([hostile_entry()], initial=True))
    shown = {c: model.data(model.index(0, c), DISPLAY) for c in Column}
    assert shown[Column.NAME] == "nesnaH, Kari"
    assert shown[Column.COMPLAINT] == "Kutt[31m i hånd"
    assert shown[Column.ROOM] == "Rom 3"
    assert shown[Column.NURSE] == "Aas, M"
    assert shown[Column.DOCTOR] == "Berg, ]0;xO"
    assert all(clean(str(v)) for v in shown.values())


def test_the_banner_names_the_patient_neutralised() -> None:
    entry = hostile_entry()
    line = headline(make_alert(1, AlertKind.DROPPED_FROM_QUEUE, entry), entry)
    assert "nesnaH, Kari" in line and "Rom 3" in line
    assert clean(line)


def test_the_patient_panel_shows_the_name_and_visit_neutralised(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = PatientPanel(MTS, "nb")
    qtbot.addWidget(panel)
    panel.show_entry(hostile_entry(), (), NOW)
    assert panel.name_label.text() == "nesnaH, Kari"
    assert panel.fields["complaint"].text() == "Kutt[31m i hånd"
    assert panel.fields["room"].text() == "Rom 3"
    assert all(clean(label.text()) for label in panel.fields.values())


def test_the_wallboard_shows_initials_and_rooms_neutralised() -> None:
    entry = hostile_entry()
    assert initials(entry.patient.name if entry.patient else None) == "K.N."
    assert initials(f"{RLO}") == "–"  # a name of formatting characters only is no name
    assert room_label(entry) == "Rom 3"


@pytest.mark.parametrize("name", ["", f"{RLO}{PDF}", f"{LRM}\x00 "])
def test_a_name_of_formatting_characters_only_is_an_unknown_patient(name: str) -> None:
    entry = make_entry(2)
    assert entry.patient is not None
    from dataclasses import replace
    blank = replace(entry, patient=replace(entry.patient, name=name))
    assert texts.patient_name(blank) == texts.translate("Texts", "Unknown patient")
