"""Domain types: statuses, departure reasons and their labels."""

from __future__ import annotations

import pytest

from legevakt.codes import DEPARTURE_CODES
from legevakt.worklist.models import (
    ACTIVE_STATUSES,
    DepartureReason,
    EncounterStatus,
    departure_reason,
)


def test_every_discharge_disposition_code_is_a_departure_reason() -> None:
    assert [DepartureReason(code) for code in DEPARTURE_CODES] == list(DepartureReason)[:6]


@pytest.mark.parametrize(("reason", "nb", "en"), [
    (DepartureReason.HOME, "Hjem", "Home"),
    (DepartureReason.ADMITTED, "Innlagt", "Admitted"),
    (DepartureReason.TRANSFERRED, "Overført", "Transferred"),
    (DepartureReason.LWBS, "Gikk uten å bli sett", "Left without being seen"),
    (DepartureReason.DECEASED, "Død", "Deceased"),
    (DepartureReason.OTHER, "Annet", "Other"),
    (DepartureReason.CANCELLED, "Avlyst", "Cancelled"),
    (DepartureReason.ENTERED_IN_ERROR, "Feilregistrert", "Entered in error"),
])
def test_departure_labels_in_bokmal_and_english(reason: DepartureReason, nb: str, en: str) -> None:
    assert (reason.label("nb"), reason.label("nb-NO"), reason.label("en"), reason.label("en-GB")) == (nb, nb, en, en)


def test_every_reason_has_both_labels() -> None:
    for reason in DepartureReason:
        assert reason.label("nb") and reason.label("en")


def test_departure_reason_from_status_and_disposition() -> None:
    finished = EncounterStatus.FINISHED
    assert departure_reason(finished, DepartureReason.ADMITTED) is DepartureReason.ADMITTED
    assert departure_reason(finished, None) is DepartureReason.UNSPECIFIED
    assert departure_reason(EncounterStatus.CANCELLED, DepartureReason.HOME) is DepartureReason.CANCELLED
    assert departure_reason(EncounterStatus.ENTERED_IN_ERROR, None) is DepartureReason.ENTERED_IN_ERROR


def test_active_and_terminal_statuses() -> None:
    terminal = {EncounterStatus.FINISHED, EncounterStatus.CANCELLED, EncounterStatus.ENTERED_IN_ERROR}
    assert {s for s in EncounterStatus if s.is_terminal} == terminal
    assert set(ACTIVE_STATUSES) == set(EncounterStatus) - terminal
    assert not EncounterStatus.IN_PROGRESS.waiting_for_doctor
    assert EncounterStatus.ONLEAVE.waiting_for_doctor and EncounterStatus.TRIAGED.waiting_for_doctor
