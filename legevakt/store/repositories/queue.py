"""The queue: every entry the store knows, and the sync cursors (``sync_meta``) the worklist restores from.

``MetaCache`` remembers what sync_meta holds as this process last wrote or read it, so a save skips the
big maps when their content did not change; the ``Database`` tells it to forget when another process
wrote (the write generation moved).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select

from legevakt.store.codec import (
    dt_from_str,
    dt_to_str,
    encounter_from_dict,
    encounter_to_dict,
    patient_from_dict,
    patient_to_dict,
)
from legevakt.store.engine import UnitOfWork
from legevakt.store.tables import EntryRow, SyncMetaRow
from legevakt.worklist.models import AlertKind, DepartureReason, Entry, Fate, Severity
from legevakt.worklist.snapshot import WorklistState

# sync_meta keys
META_LAST_COMPLETE = "last_complete_at"
META_SEEN = "seen"
META_SEEN_PATIENTS = "seen_patients"
META_IN_LIST = "in_list"
META_ALERT_SEQ = "alert_seq"
META_SUPPRESSED = "suppressed"  # conditions a person resolved while they held: (kind, key) -> severity

_ENTRIES: Table = EntryRow.__table__  # type: ignore[assignment]
_META: Table = SyncMetaRow.__table__  # type: ignore[assignment]

_ENTRY_COLUMNS = (EntryRow.encounter, EntryRow.patient, EntryRow.fate, EntryRow.in_list, EntryRow.ever_in_list,
                  EntryRow.first_seen, EntryRow.arrived_at, EntryRow.left_at, EntryRow.departure,
                  EntryRow.drop_confirmed, EntryRow.mass_departure)


class MetaCache:
    """What sync_meta holds, as last written or read by this process (thread-safe through ``lock``)."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self._written: dict[str, object] = {}
        self.generation = 0  # bumped by every save (and every forget), so a racing load never seeds stale values

    def forget(self) -> None:
        with self.lock:
            self._written.clear()
            self.generation += 1

    def seed(self, generation: int, values: Mapping[str, object]) -> bool:
        """Seed from a load that started at ``generation``; False (nothing seeded) when a save came between."""
        with self.lock:
            if generation != self.generation:
                return False
            self._written = dict(values)
            return True

    def saved(self, values: Mapping[str, object]) -> None:
        with self.lock:
            self._written.update(values)
            self.generation += 1

    def changes(self, state: WorklistState, snapshot_complete: bool) -> dict[str, object]:
        """The cursors of ``state`` that differ from what sync_meta holds."""
        current: dict[str, object] = {META_ALERT_SEQ: state.alert_seq, META_SUPPRESSED: state.suppressed}
        if snapshot_complete:
            current.update({META_SEEN: state.seen, META_SEEN_PATIENTS: state.seen_patients,
                            META_IN_LIST: state.in_list, META_LAST_COMPLETE: state.last_complete_at})
        missing = object()
        changes: dict[str, object] = {}
        with self.lock:
            for key, value in current.items():
                old = self._written.get(key, missing)
                if old is value:
                    continue
                if old is not missing and old == value:
                    self._written[key] = value  # same content: remember the new object, skip the write
                    continue
                changes[key] = value
        return changes


class QueueRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def entries(self, *, ordered: bool = True) -> list[Entry]:
        stmt = select(*_ENTRY_COLUMNS)
        if ordered:
            stmt = stmt.order_by(EntryRow.arrived_at, EntryRow.encounter_ref)
        return [entry_from_row(row) for row in self._uow.session.execute(stmt)]

    def save_entries(self, entries: Iterable[Entry]) -> None:
        self._uow.upsert(_ENTRIES, [entry_row(e) for e in entries])

    def all_meta(self) -> dict[str, Any]:
        return {k: v for k, v in self._uow.session.execute(select(SyncMetaRow.key, SyncMetaRow.value))}

    def meta(self, key: str) -> Any:
        return self._uow.session.scalar(select(SyncMetaRow.value).where(SyncMetaRow.key == key))

    def save_meta(self, meta: Mapping[str, object], now: datetime) -> None:
        """Write the cursors in ``meta`` (domain values); the write generation rides along in the statement."""
        if not meta:
            return
        rows = [{"key": k, "value": _meta_json(k, v), "updated_at": now} for k, v in meta.items()]
        generation = self._uow.take_generation_row(now)
        if generation is not None:
            rows.append(generation)
        self._uow.upsert(_META, rows)


def entry_row(entry: Entry) -> dict[str, Any]:
    return {
        "encounter_ref": entry.ref,
        "patient_ref": entry.encounter.patient_ref,
        "fate": entry.fate.value,
        "in_list": entry.in_list,
        "ever_in_list": entry.ever_in_list,
        "first_seen": entry.first_seen,
        "arrived_at": entry.arrived_at,
        "left_at": entry.left_at,
        "departure": None if entry.departure is None else entry.departure.value,
        "drop_confirmed": entry.drop_confirmed,
        "mass_departure": entry.mass_departure,
        "encounter": encounter_to_dict(entry.encounter),
        "patient": None if entry.patient is None else patient_to_dict(entry.patient),
    }


def entry_from_row(row: Any) -> Entry:
    (encounter, patient, fate, in_list, ever_in_list, first_seen, arrived_at, left_at, departure,
     drop_confirmed, mass_departure) = row
    return Entry(
        encounter=encounter_from_dict(encounter),
        patient=None if patient is None else patient_from_dict(patient),
        fate=Fate(fate),
        in_list=bool(in_list),
        ever_in_list=bool(ever_in_list),
        first_seen=first_seen,
        arrived_at=arrived_at,
        left_at=left_at,
        departure=None if departure is None else DepartureReason(departure),
        drop_confirmed=bool(drop_confirmed),
        mass_departure=bool(mass_departure),
    )


def _meta_json(key: str, value: object) -> object:
    if key == META_SUPPRESSED:
        assert isinstance(value, Mapping)
        return sorted([str(kind), k, str(severity)] for (kind, k), severity in value.items())
    if key == META_IN_LIST:
        assert isinstance(value, Iterable)
        return sorted(value)
    if key == META_LAST_COMPLETE:
        assert value is None or isinstance(value, datetime)
        return dt_to_str(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def suppressed_from_json(value: object) -> dict[tuple[AlertKind, str], Severity]:
    out: dict[tuple[AlertKind, str], Severity] = {}
    for item in value if isinstance(value, list) else ():
        kind, key, severity = item
        out[(AlertKind(kind), key)] = Severity(severity)
    return out


def last_complete_from_json(value: object) -> datetime | None:
    return dt_from_str(value)
