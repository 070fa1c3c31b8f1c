"""The short texts of the queue's cells (legevakt.ui.texts), in the bokmål window."""

from __future__ import annotations

from datetime import date

from legevakt.ui import texts
from tests.ui.conftest import make_entry


def test_an_infant_s_age_is_in_months_or_days_never_zero_years() -> None:
    today = date(2025, 3, 14)
    assert texts.age_sex(make_entry(1, born=date(2024, 9, 10), gender="male"), today) == "6 mnd M"
    assert texts.age_sex(make_entry(2, born=date(2025, 3, 4), gender="female"), today) == "10 d K"
    assert texts.age_sex(make_entry(3, born=date(2023, 3, 15)), today) == "23 mnd K"  # a day short of two
    assert texts.age_sex(make_entry(4, born=date(2023, 3, 14)), today) == "2 K"
    assert texts.age_sex(make_entry(5, born=date(1987, 5, 17)), today) == "37 K"


def test_one_word_for_each_way_a_visit_ends_wherever_the_bokmal_window_shows_it() -> None:
    """The queue's state, the departure reason (finish menu, census, shift report) and the confirmation name
    a cancelled visit, a visit entered in error and a patient who left unseen with the same words. A
    cancelled visit is "avlyst" ("Avlys besøket"), never "avbrutt": the confirmation's way back is "Avbryt",
    and "Avbryt besøket" beside it would read as the same button."""
    import xml.etree.ElementTree as ET

    from PySide6.QtCore import QCoreApplication

    from legevakt.ui.i18n import ts_path
    from legevakt.worklist.models import DepartureReason, EncounterStatus

    assert texts.status_label(EncounterStatus.CANCELLED) == DepartureReason.CANCELLED.label("nb") == "Avlyst"
    assert (texts.status_label(EncounterStatus.ENTERED_IN_ERROR) == DepartureReason.ENTERED_IN_ERROR.label("nb")
            == "Feilregistrert")
    lwbs = QCoreApplication.translate("SafeActions", "Register that {patient} left without being seen?")
    assert DepartureReason.LWBS.label("nb").lower() in lwbs.lower()
    for message in ET.parse(ts_path("nb")).getroot().iter("message"):
        source, translation = message.findtext("source") or "", message.findtext("translation") or ""
        if "cancel" in source.lower() and "visit" in source.lower():
            assert "avlys" in translation.lower(), (source, translation)
        if "visit" in source.lower() or "besøk" in translation.lower():
            assert "avbr" not in translation.lower(), (source, translation)
