"""Assemble one complete-or-not ``Snapshot`` of the clinic's queue from a FHIR server.

A snapshot is complete only when the queue List was read, every page of the active-encounter search
arrived, entries were de-duplicated by id (keeping the newest version), and, where the server gives
``Bundle.total``, the counts agree. Encounters that were tracked (or are listed) but that the search no
longer returns are read one by one, so a suspected departure is confirmed before it is final.

The pieces (``read_queue_list``, ``active_encounters``, ``confirm``, ``map_encounters``,
``complete_patients``) are reused by the incremental sync (``legevakt.sync.incremental``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable
from datetime import datetime, tzinfo
from typing import Any, TypeGuard

from legevakt import codes
from legevakt.problems import Problem, ProblemError, ProblemKind
from legevakt.sync.errors import (
    AuthenticationError,
    CycleDeadline,
    ForeignOrigin,
    Gone,
    MalformedResponse,
    NotFound,
    PlatformError,
    PlatformUnreachable,
)
from legevakt.sync.fhir import FhirClient
from legevakt.sync.mapping import (
    _ID,
    CLINIC_ZONE,
    as_dict,
    as_dicts,
    display_name,
    encounter_from_fhir,
    list_items,
    parse_instant,
    patient_from_fhir,
    ref_of,
    resolve_reference,
    version_of,
)
from legevakt.worklist.models import ACTIVE_STATUSES, Encounter, Patient
from legevakt.worklist.snapshot import Snapshot
from legevakt.worklist.triage import TriageScale

log = logging.getLogger("legevakt.sync")

Resource = dict[str, Any]
ACTIVE_STATUS_PARAM = ",".join(s.value for s in ACTIVE_STATUSES)


class Incomplete(ProblemError):
    """The snapshot cannot be complete; ``problem`` says why (a ``SNAPSHOT_*`` kind)."""

    def __init__(self, kind: ProblemKind, /, **params: object) -> None:
        super().__init__(Problem(kind, params))


class SnapshotAssembler:
    """Fetches snapshots for one clinic. Remembers the queue List's id and display names between cycles."""

    def __init__(self, client: FhirClient, clinic_ref: str, scale: TriageScale, *, page_size: int = 100,
                 id_batch: int = 50, zone: tzinfo = CLINIC_ZONE) -> None:
        self.client = client
        #: The clinic's time zone (setting ``time_zone``): a bare date from the platform is its midnight.
        self.zone = zone
        self.clinic_ref = clinic_ref
        self.scale = scale
        self.page_size = page_size
        self.id_batch = id_batch
        self.list_ref: str | None = None
        self.list_read_date: str | None = None  # the server's HTTP Date when the List was last read
        self.list_version: str | None = None  # meta.versionId of the List last read (for If-None-Match)
        self.names: dict[str, str] = {}
        # Consecutive cycles in which the confirming read of an encounter failed (see ``confirm``).
        self.read_failures: dict[str, int] = {}
        self.unconfirmed_after = 2

    # -- the queue List --------------------------------------------------------------------------
    def read_queue_list(self) -> Resource:
        """The clinic's queue List, found by subject + status=current and then read by id.

        Also notes the server's clock (HTTP ``Date``) when the List was read, in ``list_read_date``.
        """
        if self.list_ref is not None:
            try:
                body = self.client.read(self.list_ref)
                self.list_read_date = self.client.last_date
                if body.get("status") == "current":
                    self.list_version = version_of(body)
                    return body
            except (NotFound, Gone):
                pass
            self.list_ref = None
        candidates = []
        date = None
        for page in self.client.pages("List", {"subject": self.clinic_ref, "status": "current"}):
            date = date or self.client.last_date
            candidates.extend(page.resources)
        self.list_read_date = date
        if not candidates:
            raise Incomplete(ProblemKind.SNAPSHOT_NO_QUEUE_LIST)
        if len(candidates) > 1:
            coded = [c for c in candidates if _has_queue_code(c)]
            working = [c for c in (coded or candidates) if c.get("mode") == "working"]
            candidates = working or coded or candidates
        if len(candidates) != 1:
            raise Incomplete(ProblemKind.SNAPSHOT_SEVERAL_QUEUE_LISTS, count=len(candidates))
        self.list_ref = ref_of(candidates[0])
        self.list_version = version_of(candidates[0])
        return candidates[0]

    # -- one snapshot ----------------------------------------------------------------------------
    def fetch(self, *, tracked: Iterable[str], now: datetime) -> Snapshot:
        """One snapshot. ``tracked``: encounters the worklist follows (present and dropped).

        Returns an incomplete snapshot when pages were missing, counts disagreed or an answer was
        malformed; raises ``PlatformError`` when the platform could not be reached at all.
        """
        try:
            return self._fetch(frozenset(tracked), now)
        except Incomplete as exc:
            log.info("snapshot incomplete: %s", exc)
            return Snapshot.incomplete(now, [exc.problem])
        except MalformedResponse as exc:
            log.warning("snapshot incomplete, malformed answer: %s", exc.detail)
            return Snapshot.incomplete(now, [exc.problem])

    def stored(self, snapshot: Snapshot) -> None:
        """The cycle built on ``snapshot`` is stored. A plain assembler keeps no cursor: nothing to do."""

    def _fetch(self, tracked: frozenset[str], now: datetime) -> Snapshot:
        # Unreachable / refused credentials propagate: the caller reports it could not reach the platform.
        listed = self.list_items(self.read_queue_list())
        raw_encounters, raw_patients, uncertain = self.active_encounters()
        # Encounters whose copies disagree with nothing to tell which is newer are read like the missing ones.
        candidates = ((tracked | frozenset(listed)) - raw_encounters.keys()) | uncertain
        unreadable = self.confirm(raw_encounters, tracked, frozenset(listed), candidates=candidates)
        encounters = self.map_encounters(list(raw_encounters.values()))
        patients = {p.ref: p for p in map(patient_from_fhir, raw_patients.values())}
        problems = self.complete_patients(encounters, patients)
        return Snapshot.of(now, list_items=listed, encounters=encounters, patients=patients.values(),
                           unreadable=unreadable, problems=problems)

    # -- the pieces (also used by the incremental sync) ------------------------------------------
    def list_items(self, queue: Resource) -> list[str]:
        """The Encounter refs in the queue List, absolute references on the platform's base read as
        ``Type/id``; ``UnresolvedListItems`` (a ``MalformedResponse``) for an item the client cannot look up."""
        return list_items(queue, base=self.client.base_url)

    def confirm(self, found: dict[str, Resource], tracked: frozenset[str], listed: frozenset[str],
                candidates: Iterable[str] | None = None) -> list[str]:
        """Confirming reads of the tracked and listed encounters missing from ``found`` (or of
        ``candidates``), added to ``found``; returns those that could not be read.

        A read that fails (after the client's retries) makes this cycle incomplete the first time, so a
        passing fault infers nothing; when the same read fails again the next cycle, the encounter is
        unreadable and reconcile shows a patient who left the List that way as a critical drop marked
        *unconfirmed* (issue 3). So one bad record delays the queue by one cycle at most, never freezes
        it, and a persistent failure names the patient. A definite answer (404, 410, 403) is unreadable at
        once. A malformed answer makes the snapshot incomplete; unreachable and refused credentials
        propagate.
        """
        refs = sorted((tracked | listed) - found.keys()) if candidates is None else sorted(candidates)
        unreadable: list[str] = []
        for ref in refs:
            try:
                found[ref] = self.client.read(ref)
                self.read_failures.pop(ref, None)
            except (PlatformUnreachable, MalformedResponse):
                raise
            except NotFound as exc:
                log.info("confirming read of %s: %s", ref, type(exc).__name__)
                unreadable.append(ref)
            except AuthenticationError as exc:
                if exc.status != 403:
                    raise
                log.info("confirming read of %s: forbidden", ref)
                unreadable.append(ref)
            except PlatformError as exc:
                failures = self.read_failures.get(ref, 0) + 1
                self.read_failures[ref] = failures
                log.info("confirming read of %s failed (%d in a row): %s", ref, failures, type(exc).__name__)
                if failures < self.unconfirmed_after:
                    raise Incomplete(ProblemKind.SNAPSHOT_PATIENT_UNREADABLE, ref=ref, cause=exc.problem.kind.value,
                                     listed=ref in listed) from exc
                unreadable.append(ref)
        return unreadable

    def map_encounters(self, raws: Collection[Resource]) -> list[Encounter]:
        """Map Encounters, learning the display names of rooms and practitioners first."""
        self._learn_names(raws)
        clinic, scale, names, base, zone = self.clinic_ref, self.scale, self.names, self.client.base_url, self.zone
        return [encounter_from_fhir(res, clinic_ref=clinic, scale=scale, names=names, base=base, zone=zone)
                for res in raws]

    def complete_patients(self, encounters: Iterable[Encounter], patients: dict[str, Patient]) -> list[Problem]:
        """Read the patients of ``encounters`` missing from ``patients`` (added in place); the problems."""
        missing = sorted({e.patient_ref for e in encounters if e.patient_ref} - patients.keys())
        if not missing:
            return []
        fetched = self._by_ids("Patient", missing)
        patients.update({p.ref: p for p in map(patient_from_fhir, fetched)})
        still = [m for m in missing if m not in patients]
        return [Problem.of(ProblemKind.SNAPSHOT_PATIENTS_UNREAD, count=len(still))] if still else []

    def active_encounters(self) -> tuple[dict[str, Resource], dict[str, Resource], frozenset[str]]:
        """Every active Encounter at the clinic (by ref, newest version), the included Patients, and the
        *uncertain* encounters: those the search returned in copies that differ with no way to tell which
        is newer (the same ``meta.lastUpdated``, or none). Paged results shift under concurrent change, so
        which copy came last says nothing: an uncertain encounter is left out of the first mapping and
        decided by a confirming read, never by page order."""
        params = {
            "location": self.clinic_ref,
            "status": ACTIVE_STATUS_PARAM,
            "_include": "Encounter:subject",
            "_count": str(self.page_size),
        }
        encounters: dict[str, Resource] = {}
        patients: dict[str, Resource] = {}
        copies: dict[str, list[Resource]] = {}
        patient_copies: dict[str, list[Resource]] = {}
        totals: set[int] = set()
        pages = 0
        try:
            for page in self.client.pages("Encounter", params):
                pages += 1
                if page.total is not None:
                    totals.add(page.total)
                for res in page.resources:
                    _offer(encounters, copies, ref_of(res), res)
                for res in page.included:
                    if res.get("resourceType") == "Patient":
                        _offer(patients, patient_copies, ref_of(res), res)
        except (MalformedResponse, CycleDeadline):
            raise  # a deadline abandons the whole cycle and says so
        except PlatformError as exc:
            raise Incomplete(ProblemKind.SNAPSHOT_PAGE_FAILED, page=pages + 1, cause=exc.problem.kind.value) from exc
        if len(totals) > 1:
            raise Incomplete(ProblemKind.SNAPSHOT_LIST_CHANGED)
        if totals and totals != {len(encounters)}:  # distinct encounters, the uncertain ones among them
            raise Incomplete(ProblemKind.SNAPSHOT_TOTAL_MISMATCH, said=totals.pop(), got=len(encounters))
        uncertain: set[str] = set()
        for ref, found in copies.items():
            chosen = newest(found)
            if chosen is None:
                uncertain.add(ref)
                del encounters[ref]
            else:
                encounters[ref] = chosen
        for ref, found in patient_copies.items():  # no fate rests on a Patient: any fixed choice will do
            patients[ref] = newest(found) or max(found, key=_canonical)
        return encounters, patients, frozenset(uncertain)

    def _by_ids(self, rtype: str, refs: list[str]) -> list[Resource]:
        """Batch reads via ``_id`` search; failures leave the rest unread (callers decide what that means),
        except a link to another origin, which makes the snapshot incomplete (``ForeignOrigin``)."""
        found: list[Resource] = []
        ids = [r.partition("/")[2] for r in refs]
        for start in range(0, len(ids), self.id_batch):
            chunk = ids[start:start + self.id_batch]
            try:
                for page in self.client.pages(rtype, {"_id": ",".join(chunk), "_count": str(len(chunk))}):
                    found.extend(page.resources)
            except (ForeignOrigin, CycleDeadline):
                raise  # the snapshot is incomplete and says why (not just "records unread")
            except PlatformError as exc:
                log.info("batch read of %d %s failed: %s", len(chunk), rtype, type(exc).__name__)
        return found

    def _learn_names(self, encounters: Iterable[Resource]) -> None:
        wanted: dict[str, set[str]] = {"Location": set(), "Practitioner": set()}
        for res in encounters:
            for loc in as_dicts(as_dict(res).get("location")):
                ref = self._resolved(as_dict(loc.get("location")).get("reference"))
                if _plain_ref(ref, "Location/") and ref != self.clinic_ref and ref not in self.names:
                    wanted["Location"].add(ref)
            for part in as_dicts(as_dict(res).get("participant")):
                ref = self._resolved(as_dict(part.get("individual")).get("reference"))
                if _plain_ref(ref, "Practitioner/") and ref not in self.names:
                    wanted["Practitioner"].add(ref)
        for rtype, refs in wanted.items():
            if refs:
                for res in self._by_ids(rtype, sorted(refs)):
                    name = display_name(res)
                    if name:
                        self.names[ref_of(res)] = name


    def _resolved(self, ref: object) -> str | None:
        """``Type/id`` of a reference the client can look up (absolute on the platform's base too)."""
        return resolve_reference(ref, self.client.base_url) if isinstance(ref, str) else None


def _plain_ref(ref: object, prefix: str) -> TypeGuard[str]:
    """A relative ``Type/id`` reference of that type, with an R4 id (its id goes into an ``_id`` search)."""
    return isinstance(ref, str) and ref.startswith(prefix) and _ID.fullmatch(ref[len(prefix):]) is not None


def _has_queue_code(resource: Resource) -> bool:
    return any(c.get("system") == codes.LIST_CODE_SYSTEM and c.get("code") == codes.LIST_CODE_QUEUE
               for c in as_dicts(as_dict(resource.get("code")).get("coding")))


def _offer(held: dict[str, Resource], copies: dict[str, list[Resource]], ref: str, res: Resource) -> None:
    """Note one copy of ``ref``; differing copies are gathered in ``copies`` for ``newest`` to decide."""
    first = held.get(ref)
    if first is None:
        held[ref] = res
    elif res != first:
        found = copies.setdefault(ref, [first])
        if res not in found:
            found.append(res)


def newest(copies: Collection[Resource]) -> Resource | None:
    """The one copy newer than every other by ``meta.lastUpdated`` (an instant, whatever its offset), or
    None when no copy is: two differing copies share the newest instant, or one has no usable instant.
    Independent of the order of ``copies``."""
    stamped = [(_instant_or_none(c), c) for c in copies]
    if any(when is None for when, _ in stamped):
        return None
    top = max(when for when, _ in stamped if when is not None)
    at_top = [c for when, c in stamped if when == top]
    return at_top[0] if len(at_top) == 1 else None


def _instant_or_none(res: Resource) -> datetime | None:
    updated = as_dict(res.get("meta")).get("lastUpdated")
    try:
        return None if updated is None else parse_instant(updated, "meta.lastUpdated")
    except MalformedResponse:
        return None


def _canonical(res: Resource) -> str:
    return json.dumps(res, sort_keys=True, ensure_ascii=True, default=str)
