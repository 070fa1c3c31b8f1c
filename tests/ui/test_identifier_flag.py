"""The window flags a patient whose national identifier is not valid (issue 11): a ⚠ beside the birth
date in the queue, the reason in its tooltip and in the patient panel (bokmål: "Ugyldig fødselsnummer").
A valid D-nummer is not flagged. Oracle: numbers made here from the published weights."""

from __future__ import annotations

from dataclasses import replace

from legevakt.codes import FNR_SYSTEM
from legevakt.ui.patient_panel import PatientPanel
from legevakt.ui.queue_model import Column, QueueModel
from legevakt.ui.roles import DISPLAY, TOOLTIP
from legevakt.worklist.triage import MTS
from tests.ui.conftest import NOW, clock, make_entry, make_summary


def bad_checksum_entry():  # type: ignore[no-untyped-def]
    entry = make_entry(1, "Hansen, Kari")
    assert entry.patient is not None and entry.patient.identifier is not None
    good = entry.patient.identifier
    bad = good[:10] + str((int(good[10]) + 1) % 10)
    return replace(entry, patient=replace(entry.patient, identifier=bad, identifier_system=FNR_SYSTEM))


def test_the_queue_marks_a_bad_checksum_and_says_why() -> None:
    model = QueueModel(clock=clock, language="nb")
    model.apply(make_summary([bad_checksum_entry(), make_entry(2, d_number=True)], initial=True))
    rows = {model.data(model.index(r, Column.NAME), DISPLAY): r for r in range(model.rowCount())}
    bad, dnr = rows["Hansen, Kari"], rows["Pasient, Nummer 2"]
    assert model.data(model.index(bad, Column.IDENT), DISPLAY).endswith("⚠")
    assert "Ugyldig fødselsnummer" in model.data(model.index(bad, Column.IDENT), TOOLTIP)
    assert "⚠" not in model.data(model.index(dnr, Column.IDENT), DISPLAY)  # a valid D-nummer
    assert "Ugyldig" not in model.data(model.index(dnr, Column.IDENT), TOOLTIP)


def test_the_patient_panel_flags_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = PatientPanel(MTS, "nb")
    qtbot.addWidget(panel)
    panel.show_entry(bad_checksum_entry(), (), NOW)
    assert "⚠ Ugyldig fødselsnummer" in panel.ident_label.text()
    panel.show_entry(make_entry(3), (), NOW)
    assert "Ugyldig" not in panel.ident_label.text()
