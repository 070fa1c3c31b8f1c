"""Assemble one complete-or-not ``Snapshot`` of the clinic's queue from a FHIR server.

A snapshot is complete only when the queue List was read, every page of the active-encounter search
arrived, entries were de-duplicated by id (keeping the newest version), and, where the server gives
``Bundle.total``, the counts agree. Encounters that were tracked (or are listed) but that the search no
longer returns are read one by one, so a suspected departure is confirmed before it is final.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from legevakt import codes
from legevakt.sync.errors import Gone, MalformedResponse, NotFound, PlatformError
from legevakt.sync.fhir import FhirClient
from legevakt.sync.mapping import (
    display_name,
    encounter_from_fhir,
    list_items,
    patient_from_fhir,
    ref_of,
    version_of,
)
from legevakt.worklist.models import ACTIVE_STATUSES, Encounter
from legevakt.worklist.snapshot import Snapshot
from legevakt.worklist.triage import TriageScale

log = logging.getLogger("legevakt.sync")

Resource = dict[str, Any]
ACTIVE_STATUS_PARAM = ",".join(s.value for s in ACTIVE_STATUSES)


class _Incomplete(Exception):
    """Internal: the snapshot cannot be complete; the message says why in plain words."""


class SnapshotAssembler:
    """Fetches snapshots for one clinic. Remembers the queue List's id and display names between cycles."""

    def __init__(self, client: FhirClient, clinic_ref: str, scale: TriageScale, *, page_size: int = 100,
                 id_batch: int = 50) -> None:
        self.client = client
        self.clinic_ref = clinic_ref
        self.scale = scale
        self.page_size = page_size
        self.id_batch = id_batch
        self.list_ref: str | None = None
        self.names: dict[str, str] = {}

    # -- the queue List --------------------------------------------------------------------------
    def read_queue_list(self) -> Resource:
        """The clinic's queue List, found by subject + status=current and then read by id."""
        if self.list_ref is not None:
            try:
                body = self.client.read(self.list_ref)
                if body.get("status") == "current":
                    return body
            except (NotFound, Gone):
                pass
            self.list_ref = None
        candidates = []
        for page in self.client.pages("List", {"subject": self.clinic_ref, "status": "current"}):
            candidates.extend(page.resources)
        if not candidates:
            raise _Incomplete("the platform has no current queue list for this clinic")
        if len(candidates) > 1:
            coded = [c for c in candidates if _has_queue_code(c)]
            working = [c for c in (coded or candidates) if c.get("mode") == "working"]
            candidates = working or coded or candidates
        if len(candidates) != 1:
            raise _Incomplete("the platform has several current lists for this clinic; cannot tell which is "
                              "the queue")
        self.list_ref = ref_of(candidates[0])
        return candidates[0]

    # -- one snapshot ----------------------------------------------------------------------------
    def fetch(self, *, tracked: Iterable[str], now: datetime) -> Snapshot:
        """One snapshot. ``tracked``: encounters the worklist follows (present and dropped).

        Returns an incomplete snapshot when pages were missing, counts disagreed or an answer was
        malformed; raises ``PlatformError`` when the platform could not be reached at all.
        """
        try:
            return self._fetch(frozenset(tracked), now)
        except _Incomplete as exc:
            log.info("snapshot incomplete: %s", exc)
            return Snapshot.incomplete(now, [str(exc)])
        except MalformedResponse as exc:
            log.warning("snapshot incomplete, malformed answer: %s", exc.detail)
            return Snapshot.incomplete(now, [str(exc)])

    def _fetch(self, tracked: frozenset[str], now: datetime) -> Snapshot:
        problems: list[str] = []
        # Unreachable / refused credentials propagate: the caller reports it could not reach the platform.
        listed = list_items(self.read_queue_list())

        raw_encounters, raw_patients = self._active_encounters()
        listed_set = frozenset(listed)
        candidates = sorted((tracked | listed_set) - raw_encounters.keys())
        unreadable: list[str] = []
        for ref in candidates:
            try:
                raw_encounters[ref] = self.client.read(ref)
            except PlatformError as exc:
                if ref in listed_set and ref not in tracked:
                    raise _Incomplete("a patient in the queue list could not be read") from exc
                log.info("confirming read of %s failed: %s", ref, type(exc).__name__)
                unreadable.append(ref)

        self._learn_names(raw_encounters.values())
        encounters: list[Encounter] = [
            encounter_from_fhir(res, clinic_ref=self.clinic_ref, scale=self.scale, names=self.names)
            for res in raw_encounters.values()
        ]
        patients = {p.ref: p for p in (patient_from_fhir(r) for r in raw_patients.values())}
        missing = sorted({e.patient_ref for e in encounters if e.patient_ref} - patients.keys())
        if missing:
            fetched = self._by_ids("Patient", missing)
            patients.update({p.ref: p for p in (patient_from_fhir(r) for r in fetched)})
            still = [m for m in missing if m not in patients]
            if still:
                problems.append(f"{len(still)} patient record(s) could not be read")
        return Snapshot.of(now, list_items=listed, encounters=encounters, patients=patients.values(),
                           unreadable=unreadable, problems=problems)

    def _active_encounters(self) -> tuple[dict[str, Resource], dict[str, Resource]]:
        params = {
            "location": self.clinic_ref,
            "status": ACTIVE_STATUS_PARAM,
            "_include": "Encounter:subject",
            "_count": str(self.page_size),
        }
        encounters: dict[str, Resource] = {}
        patients: dict[str, Resource] = {}
        totals: set[int] = set()
        pages = 0
        try:
            for page in self.client.pages("Encounter", params):
                pages += 1
                if page.total is not None:
                    totals.add(page.total)
                for res in page.resources:
                    ref = ref_of(res)
                    old = encounters.get(ref)
                    if old is None or _newer(res, old):
                        encounters[ref] = res
                for res in page.included:
                    if res.get("resourceType") == "Patient":
                        patients[ref_of(res)] = res
        except MalformedResponse:
            raise
        except PlatformError as exc:
            raise _Incomplete(f"page {pages + 1} of the encounter search could not be fetched: {exc}") from exc
        if len(totals) > 1:
            raise _Incomplete("the encounter list changed while it was being fetched")
        if totals and totals != {len(encounters)}:
            raise _Incomplete(f"the platform announced {totals.pop()} encounters but {len(encounters)} arrived")
        return encounters, patients

    def _by_ids(self, rtype: str, refs: list[str]) -> list[Resource]:
        """Batch reads via ``_id`` search; failures leave the rest unread (callers decide what that means)."""
        found: list[Resource] = []
        ids = [r.partition("/")[2] for r in refs]
        for start in range(0, len(ids), self.id_batch):
            chunk = ids[start:start + self.id_batch]
            try:
                for page in self.client.pages(rtype, {"_id": ",".join(chunk), "_count": str(len(chunk))}):
                    found.extend(page.resources)
            except PlatformError as exc:
                log.info("batch read of %d %s failed: %s", len(chunk), rtype, type(exc).__name__)
        return found

    def _learn_names(self, encounters: Iterable[Resource]) -> None:
        wanted: dict[str, set[str]] = {"Location": set(), "Practitioner": set()}
        for res in encounters:
            for loc in res.get("location") or []:
                ref = ((loc or {}).get("location") or {}).get("reference")
                if isinstance(ref, str) and ref != self.clinic_ref and ref not in self.names:
                    wanted["Location"].add(ref)
            for part in res.get("participant") or []:
                ref = ((part or {}).get("individual") or {}).get("reference")
                if isinstance(ref, str) and ref.startswith("Practitioner/") and ref not in self.names:
                    wanted["Practitioner"].add(ref)
        for rtype, refs in wanted.items():
            if refs:
                for res in self._by_ids(rtype, sorted(refs)):
                    name = display_name(res)
                    if name:
                        self.names[ref_of(res)] = name


def _has_queue_code(resource: Resource) -> bool:
    code = resource.get("code") or {}
    return any(isinstance(c, dict) and c.get("system") == codes.LIST_CODE_SYSTEM and c.get("code") ==
               codes.LIST_CODE_QUEUE for c in code.get("coding") or [])


def _newer(a: Resource, b: Resource) -> bool:
    ua = (a.get("meta") or {}).get("lastUpdated") or ""
    ub = (b.get("meta") or {}).get("lastUpdated") or ""
    if ua != ub:
        return bool(str(ua) > str(ub))
    return version_of(a) != version_of(b)
