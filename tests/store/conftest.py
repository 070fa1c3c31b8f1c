"""Store fixtures and small builders for domain objects (synthetic data only)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from legevakt.store import DbWriter, Store, open_store
from legevakt.worklist.models import Encounter, EncounterStatus, Patient

T0 = datetime(2026, 5, 9, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def patient(n: int, *, version: str = "1", identifier: str | None = None) -> Patient:
    return Patient(ref=f"Patient/p{n}", version=version, name=f"Nordmann{n}, Åse Ødegård",
                   birth_date=date(1980, 1, 1) + timedelta(days=n), gender="female",
                   identifier_system="urn:oid:2.16.578.1.12.4.1.4.1", identifier=identifier or f"0101801{n:04d}")


def encounter(n: int, *, version: str = "1", status: EncounterStatus = EncounterStatus.TRIAGED,
              triage: str | None = "green", arrived: float = 0.0, doctor: str | None = None) -> Encounter:
    return Encounter(ref=f"Encounter/e{n}", version=version, patient_ref=f"Patient/p{n}", status=status,
                     arrived_at=at(arrived), triage=triage, complaint="Smerter i bryst, kvalme",
                     room="Location/r1", room_name="Rom 1", nurse="Practitioner/n1", nurse_name="Sykepleier Ås",
                     doctor=doctor, doctor_name=None if doctor is None else "Lege Øie",
                     last_updated=at(arrived))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    s = open_store(data_dir)
    yield s
    s.close()


@pytest.fixture
def writer(store: Store) -> Iterator[DbWriter]:
    w = DbWriter(store)
    yield w
    w.close()
