"""Classification: what one encounter's state in a snapshot means for its entry. A pure function.

``classify`` looks at one encounter ref (the previous entry, this cycle's read of the Encounter, whether it
is in the List) and returns an ``Outcome``: the verdict, the new entry, the event and the alert effects.
It changes nothing; ``reconcile._Work.apply_outcome`` applies the outcome in the order the fields name
(``settled_effects``, the event, the entry, ``alert_effects``), because alert ids are given out in order.
See DESIGN.md section 4 for the table this implements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from legevakt.worklist.alert_rules import Clear, Effect, Raise
from legevakt.worklist.models import (
    AlertKind,
    DepartureReason,
    Encounter,
    EncounterStatus,
    Entry,
    Fate,
    Patient,
    Severity,
    departure_reason,
)


class EventKind(StrEnum):
    ARRIVED = "arrived"
    DEPARTED = "departed"
    DROPPED = "dropped"
    RETURNED = "returned"  # a dropped entry is back in the queue
    CLOSED = "closed"  # a person closed a dropped entry


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    encounter: str
    at: datetime
    detail: str = ""


class Verdict(StrEnum):
    IGNORED = "ignored"  # not ours, or nothing known: no entry
    ARRIVED = "arrived"  # a new entry (in the List, active at the clinic outside it, or an unreadable List item)
    PRESENT = "present"  # an entry that stays in, or comes back to, the queue
    DEPARTED = "departed"  # a terminal status: the entry left, with its departure reason
    DROPPED = "dropped"  # gone from the List while active, or unreadable: a tombstone until confirmed
    HELD = "held"  # left in a mass departure: a tombstone until a person confirms it
    LEFT_LIST = "left_list"  # a departed entry is no longer a (stale) List item
    CLOSED = "closed"  # a person closed it: it stays closed, only its data is kept current


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    entry: Entry | None = None  # the entry's new form; None: the entry (if any) stays as it was
    event: Event | None = None
    settled_effects: tuple[Effect, ...] = ()  # applied before the entry is put
    alert_effects: tuple[Effect, ...] = ()  # applied after the entry is put (and its own rules ran)
    record_only: bool = False  # keep ``entry`` as the record without it counting as a change


_IGNORED = Outcome(Verdict.IGNORED)
_HELD_DETAIL = "left the queue in a mass departure (encounter {}); confirm before closing"


def classify(ref: str, prev: Entry | None, enc: Encounter | None, *, in_list: bool,
             patients: Mapping[str, Patient], now: datetime, held: bool = False) -> Outcome:
    """The outcome for encounter ``ref`` in a complete snapshot.

    ``prev`` is its entry before this snapshot, ``enc`` this cycle's read of the Encounter (None: not read
    or unreadable), ``in_list`` whether the List has it, ``patients`` the snapshot's Patients, and ``held``
    whether it is one of the entries that left the List together in a mass departure.
    """
    if held and prev is not None:
        return _hold_for_mass_departure(prev, enc, patients, now)
    if enc is None:
        if in_list:
            return _listed_unreadable(ref, prev, now)
        if prev is None:
            return _IGNORED  # nothing known: not our concern
        if prev.fate is Fate.DEPARTED:
            # Not read because it had departed; if it was a stale List item, it has now left the List.
            return Outcome(Verdict.LEFT_LIST, entry=replace(prev, in_list=False) if prev.in_list else None,
                           alert_effects=(Clear(AlertKind.STALE_ENTRY, ref, "removed from the queue list"),))
        return _drop(prev, None, None, now, confirmed=False)

    patient = patients.get(enc.patient_ref) if enc.patient_ref else None
    if patient is None and prev is not None:
        patient = prev.patient

    if enc.status.is_terminal:
        return _terminal(ref, prev, enc, patient, in_list, now)

    settled: tuple[Effect, ...] = (Clear(AlertKind.STALE_ENTRY, ref, "encounter is active"),)
    if in_list:
        if prev is None:
            entry, verdict = _new_entry(enc, patient, True, now), Verdict.ARRIVED
            event: Event | None = Event(EventKind.ARRIVED, ref, now)
        else:
            event = Event(EventKind.RETURNED, ref, now) if prev.fate is not Fate.PRESENT else None
            entry, verdict = _next(prev, enc, patient, Fate.PRESENT, in_list=True, left_at=None), Verdict.PRESENT
        return Outcome(verdict, entry, event, settled, _back_in_list(ref))

    # Active, but not in the List: NOT_IN_QUEUE comes from the entry's time rules once its grace has passed
    # (``deadlines.time_alerts``), so a registration whose List entry lags a moment raises nothing.
    if prev is None:
        if not enc.at_clinic:
            return Outcome(Verdict.IGNORED, settled_effects=settled)  # never ours
        return Outcome(Verdict.ARRIVED, _new_entry(enc, patient, False, now), Event(EventKind.ARRIVED, ref, now),
                       settled)
    if prev.fate is Fate.DEPARTED and (prev.departure is DepartureReason.CLOSED_BY_USER
                                       or not (prev.in_list or enc.at_clinic)):
        # A person closed this one (or it is no longer ours): it only comes back by re-entering the List.
        if prev.encounter == enc:
            return Outcome(Verdict.CLOSED, settled_effects=settled)
        kept = _next(prev, enc, patient, prev.fate, in_list=prev.in_list, left_at=prev.left_at,
                     departure=prev.departure, drop_confirmed=prev.drop_confirmed,
                     mass_departure=prev.mass_departure)
        return Outcome(Verdict.CLOSED, kept, settled_effects=settled, record_only=True)
    if prev.in_list or prev.fate is Fate.DROPPED:
        # It was in the List at the last snapshot (even as a stale entry, now active again), or it is
        # already a tombstone: dropped, confirmed by this read.
        return _drop(prev, enc, patient, now, confirmed=True, settled=settled)
    # Never in the List since it was last seen active here (or it came back from a terminal status).
    event = Event(EventKind.RETURNED, ref, now) if prev.fate is not Fate.PRESENT else None
    return Outcome(Verdict.PRESENT, _next(prev, enc, patient, Fate.PRESENT, in_list=False, left_at=None), event,
                   settled)


def _back_in_list(ref: str) -> tuple[Effect, ...]:
    return (Clear(AlertKind.DROPPED_FROM_QUEUE, ref, "back in the queue list"),
            Clear(AlertKind.NOT_IN_QUEUE, ref, "added to the queue list"))


def _terminal(ref: str, prev: Entry | None, enc: Encounter, patient: Patient | None, in_list: bool,
              now: datetime) -> Outcome:
    if prev is None and not in_list:
        return _IGNORED  # a confirming read of something we never tracked
    if prev is not None and prev.fate is Fate.DROPPED and prev.mass_departure and not in_list:
        # Held in a mass departure: a terminal status does not release it, a person confirms it.
        entry = _next(prev, enc, patient, Fate.DROPPED, in_list=False, left_at=prev.left_at, mass_departure=True)
        return Outcome(Verdict.HELD, entry, alert_effects=(
            Raise(AlertKind.DROPPED_FROM_QUEUE, Severity.CRITICAL, ref, ref, _HELD_DETAIL.format(enc.status.value)),))
    reason = departure_reason(enc.status, enc.disposition)
    if prev is None:
        entry = replace(_new_entry(enc, patient, in_list, now), fate=Fate.DEPARTED, left_at=now, departure=reason)
    else:
        entry = _next(prev, enc, patient, Fate.DEPARTED, in_list=in_list, departure=reason,
                      left_at=prev.left_at if prev.fate is Fate.DEPARTED else now)
    event = (Event(EventKind.DEPARTED, ref, now, reason.value) if prev is None or prev.fate is not Fate.DEPARTED
             else None)
    stale: Effect = (Raise(AlertKind.STALE_ENTRY, Severity.WARNING, ref, ref,
                           f"in the queue list but the encounter is {enc.status.value}") if in_list
                     else Clear(AlertKind.STALE_ENTRY, ref, "removed from the queue list"))
    return Outcome(Verdict.DEPARTED, entry, event, alert_effects=(
        Clear(AlertKind.DROPPED_FROM_QUEUE, ref, f"encounter is {enc.status.value}"),
        Clear(AlertKind.NOT_IN_QUEUE, ref, f"encounter is {enc.status.value}"),
        stale,
    ))


def _listed_unreadable(ref: str, prev: Entry | None, now: datetime) -> Outcome:
    """In the List, but its Encounter could not be read: it is in the queue, shown with what is known."""
    if prev is None:
        # Never read: a placeholder row, so a patient in the platform's queue is never invisible here.
        placeholder = Encounter(ref=ref, version="", patient_ref=None, status=EncounterStatus.UNKNOWN)
        return Outcome(Verdict.ARRIVED, _new_entry(placeholder, None, True, now),
                       Event(EventKind.ARRIVED, ref, now, "unreadable"))
    event = Event(EventKind.RETURNED, ref, now, "unreadable") if prev.fate is not Fate.PRESENT else None
    return Outcome(Verdict.PRESENT, _next(prev, None, None, Fate.PRESENT, in_list=True, left_at=None), event,
                   alert_effects=_back_in_list(ref))


def _drop(prev: Entry, enc: Encounter | None, patient: Patient | None, now: datetime, *, confirmed: bool,
          settled: tuple[Effect, ...] = ()) -> Outcome:
    """Gone from the List while active (``enc``, read this cycle) or unreadable (``enc`` None)."""
    ref = prev.ref
    first = prev.fate is not Fate.DROPPED
    entry = _next(prev, enc, patient, Fate.DROPPED, in_list=False, left_at=now if first else prev.left_at,
                  drop_confirmed=confirmed or (prev.drop_confirmed and not first),
                  mass_departure=prev.mass_departure)
    event = Event(EventKind.DROPPED, ref, now, "confirmed" if confirmed else "unconfirmed") if first else None
    detail = ("left the queue list while the encounter is still active" if entry.drop_confirmed
              else "left the queue list and the encounter could not be read (unconfirmed)")
    if entry.mass_departure:
        detail = _HELD_DETAIL.format(entry.encounter.status.value if confirmed else "unreadable")
    return Outcome(Verdict.DROPPED, entry, event, settled, (
        Raise(AlertKind.DROPPED_FROM_QUEUE, Severity.CRITICAL, ref, ref, detail),
        # A patient shown as missing from the queue who now cannot be seen at all: the drop takes over
        # (otherwise that alert would outlive the entry once a person closes the drop).
        Clear(AlertKind.NOT_IN_QUEUE, ref, "superseded by a drop alert: the encounter can no longer be seen"),
    ))


def _hold_for_mass_departure(prev: Entry, enc: Encounter | None, patients: Mapping[str, Patient],
                             now: datetime) -> Outcome:
    """Many left at once: keep each as a dropped tombstone until a person confirms it."""
    patient = None
    if enc is not None:
        patient = (patients.get(enc.patient_ref) if enc.patient_ref else None) or prev.patient
    first = prev.fate is not Fate.DROPPED
    entry = _next(prev, enc, patient, Fate.DROPPED, in_list=False, left_at=now if first else prev.left_at,
                  drop_confirmed=enc is not None and enc.status.is_active, mass_departure=True)
    event = Event(EventKind.DROPPED, prev.ref, now, "mass departure") if first else None
    state = enc.status.value if enc is not None else "unreadable"
    return Outcome(Verdict.HELD, entry, event, alert_effects=(
        Raise(AlertKind.DROPPED_FROM_QUEUE, Severity.CRITICAL, prev.ref, prev.ref, _HELD_DETAIL.format(state)),))


def _new_entry(enc: Encounter, patient: Patient | None, in_list: bool, now: datetime) -> Entry:
    return Entry(encounter=enc, patient=patient, fate=Fate.PRESENT,
                 in_list=in_list, ever_in_list=in_list, first_seen=now,
                 arrived_at=enc.arrived_at if enc.arrived_at is not None else now)


def _next(prev: Entry, enc: Encounter | None, patient: Patient | None, fate: Fate, *, in_list: bool,
          left_at: datetime | None, departure: DepartureReason | None = None, drop_confirmed: bool = False,
          mass_departure: bool = False) -> Entry:
    """``prev`` with its new fate, and the platform's latest data when this cycle read it (``enc``).

    ``arrived_at`` follows period.start when the platform gives one. One constructor call: this runs for
    every changed entry and ``dataclasses.replace`` costs twice as much.
    """
    if enc is None:
        enc, patient, arrived = prev.encounter, prev.patient, prev.arrived_at
    else:
        arrived = enc.arrived_at if enc.arrived_at is not None else prev.arrived_at
    return Entry(enc, patient, fate, in_list, prev.ever_in_list or in_list, prev.first_seen, arrived, left_at,
                 departure, drop_confirmed, mass_departure)
