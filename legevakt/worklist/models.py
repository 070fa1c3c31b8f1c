"""The worklist's domain types: plain frozen dataclasses, no I/O.

``Encounter`` and ``Patient`` are what the platform said (observations). ``Entry`` is the worklist's
judgement about one encounter: its *fate* (present, departed with a reason, or dropped) plus the last
known data. Every encounter that ever entered the queue has exactly one fate at every moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class EncounterStatus(StrEnum):
    """R4 ``Encounter.status``."""

    PLANNED = "planned"
    ARRIVED = "arrived"  # registered, not triaged
    TRIAGED = "triaged"  # waiting for a doctor
    IN_PROGRESS = "in-progress"  # with a clinician
    ONLEAVE = "onleave"  # temporarily away (x-ray, lab)
    FINISHED = "finished"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered-in-error"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_active(self) -> bool:
        return self not in _TERMINAL

    @property
    def waiting_for_doctor(self) -> bool:
        """Still counts against the triage target (no doctor has taken over).

        ``onleave`` counts: a patient sent to x-ray or the lab from triage has still not seen a doctor
        (when a doctor has, ``Encounter.doctor`` is set and the clock stops anyway).
        """
        return self in (EncounterStatus.ARRIVED, EncounterStatus.TRIAGED, EncounterStatus.PLANNED,
                        EncounterStatus.ONLEAVE, EncounterStatus.UNKNOWN)


_TERMINAL = frozenset({EncounterStatus.FINISHED, EncounterStatus.CANCELLED, EncounterStatus.ENTERED_IN_ERROR})

#: The statuses a client searches for as "active at the clinic".
ACTIVE_STATUSES: tuple[EncounterStatus, ...] = tuple(s for s in EncounterStatus if s.is_active)


class DepartureReason(StrEnum):
    """Why an encounter left the queue. The first six come from ``dischargeDisposition``."""

    HOME = "home"
    ADMITTED = "admitted"
    TRANSFERRED = "transferred"
    LWBS = "lwbs"  # left without being seen
    DECEASED = "deceased"
    OTHER = "other"
    CANCELLED = "cancelled"  # Encounter.status cancelled
    ENTERED_IN_ERROR = "entered-in-error"  # Encounter.status entered-in-error
    UNSPECIFIED = "unspecified"  # finished without a disposition
    CLOSED_BY_USER = "closed-by-user"  # a person resolved a drop and took the patient off the list

    def label(self, language: str) -> str:
        nb, en = _DEPARTURE_LABELS[self]
        return en if language.startswith("en") else nb


_DEPARTURE_LABELS: dict[DepartureReason, tuple[str, str]] = {
    DepartureReason.HOME: ("Hjem", "Home"),
    DepartureReason.ADMITTED: ("Innlagt", "Admitted"),
    DepartureReason.TRANSFERRED: ("Overført", "Transferred"),
    DepartureReason.LWBS: ("Gikk uten å bli sett", "Left without being seen"),
    DepartureReason.DECEASED: ("Død", "Deceased"),
    DepartureReason.OTHER: ("Annet", "Other"),
    DepartureReason.CANCELLED: ("Avlyst", "Cancelled"),
    DepartureReason.ENTERED_IN_ERROR: ("Feilregistrert", "Entered in error"),
    DepartureReason.UNSPECIFIED: ("Avsluttet uten årsak", "Finished, no reason given"),
    DepartureReason.CLOSED_BY_USER: ("Lukket manuelt", "Closed by a person"),
}


def departure_reason(status: EncounterStatus, disposition: DepartureReason | None) -> DepartureReason:
    if status is EncounterStatus.CANCELLED:
        return DepartureReason.CANCELLED
    if status is EncounterStatus.ENTERED_IN_ERROR:
        return DepartureReason.ENTERED_IN_ERROR
    return disposition if disposition is not None else DepartureReason.UNSPECIFIED


@dataclass(frozen=True, slots=True)
class Patient:
    ref: str  # "Patient/<id>"
    version: str  # opaque meta.versionId
    name: str  # display form, "Family, Given"
    birth_date: date | None = None
    gender: str | None = None  # FHIR AdministrativeGender
    identifier_system: str | None = None
    identifier: str | None = None  # fødselsnummer / D-nummer / hjelpenummer; never logged


@dataclass(frozen=True, slots=True)
class Encounter:
    ref: str  # "Encounter/<id>"
    version: str  # opaque meta.versionId
    patient_ref: str | None
    status: EncounterStatus
    arrived_at: datetime | None = None  # period.start, timezone-aware
    triage: str | None = None  # level code in the configured scale
    complaint: str | None = None
    room: str | None = None  # "Location/<id>"
    room_name: str | None = None
    nurse: str | None = None  # "Practitioner/<id>"
    nurse_name: str | None = None
    doctor: str | None = None
    doctor_name: str | None = None
    disposition: DepartureReason | None = None
    at_clinic: bool = True  # Encounter.location names the clinic
    last_updated: datetime | None = None


class Fate(StrEnum):
    PRESENT = "present"
    DEPARTED = "departed"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class Entry:
    """The worklist's view of one encounter: last known data plus its fate."""

    encounter: Encounter
    patient: Patient | None
    fate: Fate
    in_list: bool  # in the platform's queue List at the last complete snapshot
    ever_in_list: bool
    first_seen: datetime
    arrived_at: datetime  # period.start, or first_seen when the platform gave none
    left_at: datetime | None = None  # when it departed or was found dropped
    departure: DepartureReason | None = None
    drop_confirmed: bool = False  # a read of the Encounter showed it still active
    mass_departure: bool = False  # held as a tombstone because many left at once

    @property
    def ref(self) -> str:
        return self.encounter.ref


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


class AlertKind(StrEnum):
    DROPPED_FROM_QUEUE = "DROPPED_FROM_QUEUE"
    NOT_IN_QUEUE = "NOT_IN_QUEUE"
    STALE_ENTRY = "STALE_ENTRY"
    DUPLICATE_PATIENT = "DUPLICATE_PATIENT"
    TRIAGE_OVERDUE = "TRIAGE_OVERDUE"
    NOT_TRIAGED = "NOT_TRIAGED"
    SYNC_STALE = "SYNC_STALE"
    MASS_DEPARTURE = "MASS_DEPARTURE"
    NOTE_UNDELIVERED = "NOTE_UNDELIVERED"
    NOTE_REJECTED = "NOTE_REJECTED"
    NOTE_RECEIPT_ERRORS = "NOTE_RECEIPT_ERRORS"
    WRITE_NOT_APPLIED = "WRITE_NOT_APPLIED"
    WRITE_CONFLICT = "WRITE_CONFLICT"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    kind: AlertKind
    severity: Severity
    key: str  # the condition: one open alert per (kind, key) at most
    encounter: str | None  # "Encounter/<id>" where the alert is about one
    raised_at: datetime
    detail: str = ""  # English, no patient data (platform ids only)
    status: AlertStatus = AlertStatus.OPEN
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    ack_comment: str | None = None
    resolved_by: str | None = None  # None when resolved automatically
    resolved_at: datetime | None = None
    resolution: str | None = None  # the evidence (automatic) or the person's reason
    related: tuple[str, ...] = field(default=())  # other encounters involved (duplicates, mass departure)

    @property
    def is_open(self) -> bool:
        return self.status is not AlertStatus.RESOLVED
