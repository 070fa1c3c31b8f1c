"""Incremental sync: between full snapshots, fetch only what changed and merge it into the last picture.

``IncrementalSync`` is what the engine fetches snapshots from. Each cycle it either asks the
``SnapshotAssembler`` for a full snapshot, or builds one from the last *stored* complete snapshot:

1. the queue List is read again (one resource, read atomically; it is the truth about who is listed);
2. what changed since the cursor comes from ``Encounter/_history?_since=`` where the CapabilityStatement
   offers type-level history, otherwise from ``Encounter?location=<clinic>&_lastUpdated=ge``. Windows
   overlap (each starts ``overlap`` before the cursor, since ``_since`` may repeat the boundary instant and
   commits can lag their timestamps) and versions are de-duplicated by id and version;
3. changed Encounters replace the old ones; those that became terminal or left the clinic stay in this
   cycle's snapshot as confirming reads. Entries that left the List, and tracked or listed encounters the
   picture lacks, are read one by one exactly as the full assembler does, so a suspected departure is
   confirmed by a fresh read before it is final.

A failed or malformed change feed makes the cycle incomplete (it infers nothing), and the next one full.
A full snapshot also runs every ``full_every`` cycles, after an error, after a reconnect of the push
channel (``request_full``), after the machine slept or the clock was set (since the last cycle ended,
the wall clock moved more than the monotonic clock by over the interval; a slow cycle moves both alike
and never forces a full snapshot) and whenever the server offers no usable CapabilityStatement. The
cursor and the picture advance only in ``stored``, which the engine calls after the cycle's result is
stored.

All cursors are the server's own times (``meta.lastUpdated``, the HTTP ``Date``), never the client's clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from legevakt.problems import Problem, ProblemKind
from legevakt.sync.assemble import ACTIVE_STATUS_PARAM, Incomplete, SnapshotAssembler
from legevakt.sync.capabilities import ServerFeatures, discover
from legevakt.sync.errors import (
    AuthenticationError,
    MalformedResponse,
    PlatformError,
    PlatformUnreachable,
    Refused,
)
from legevakt.sync.light import count_active, read_list_if_changed
from legevakt.sync.mapping import parse_instant, patient_from_fhir, ref_of, version_of
from legevakt.worklist.models import Encounter, Patient
from legevakt.worklist.snapshot import Snapshot

log = logging.getLogger("legevakt.sync")

Resource = dict[str, Any]


class FetchKind(StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"


@dataclass(frozen=True, slots=True)
class _Pending:
    """A fetched snapshot waiting for its cycle to be stored."""

    snapshot: Snapshot
    kind: FetchKind
    cursor: datetime | None  # the cursor to keep once stored
    list_version: str | None = None  # the List version the snapshot holds (for If-None-Match)


@dataclass(slots=True)
class _Window:
    """What one change feed returned: the newest version per encounter, deletions, the high-water mark."""

    present: dict[str, Resource]
    stamps: dict[str, datetime]  # ref -> lastUpdated of the version kept (or of the deletion)
    deleted: set[str]
    ambiguous: set[str]  # two versions with one timestamp: read it to know which is current
    high_water: datetime | None
    patients: dict[str, Resource]


class IncrementalSync:
    """Snapshots for the engine: full ones when needed, the last picture plus the changes otherwise.

    Not thread-safe except ``request_full``, which the push channel calls from its own thread.
    """

    def __init__(self, assembler: SnapshotAssembler, *, full_every: int = 0, interval: float | None = 5.0,
                 overlap: timedelta = timedelta(seconds=5), features: ServerFeatures | None = None,
                 full_after: timedelta | None = timedelta(minutes=10), history_is_clinic_own: bool = False,
                 light_checks: bool = True) -> None:
        """``full_every``: a full snapshot every N cycles as well (0: only by time, ``full_after``).
        ``history_is_clinic_own``: the server holds this clinic only, so ``Encounter/_history`` is the
        clinic's change feed; otherwise (a regional platform) changes come from clinic-filtered
        ``_lastUpdated`` searches. ``light_checks``: check with the List's ETag and a count first."""
        self.assembler = assembler
        self.client = assembler.client
        self.full_every = max(0, full_every)
        self.full_after = full_after
        self.history_is_clinic_own = history_is_clinic_own
        self.light_checks = light_checks
        self._full_at: float | None = None  # monotonic time the last full snapshot was stored
        self._list_version: str | None = None
        self.interval = interval
        self.overlap = overlap
        self.features = features
        self.last_kind: FetchKind | None = None
        self.counts: dict[FetchKind, int] = {FetchKind.FULL: 0, FetchKind.INCREMENTAL: 0}
        self._lock = threading.Lock()
        self._full_reason: str | None = "first cycle"
        self._since_full = 0
        self._base: Snapshot | None = None
        self._cursor: datetime | None = None
        self._pending: _Pending | None = None
        self._ended: tuple[datetime, float] | None = None  # (wall clock, monotonic) when the last fetch ended
        self._monotonic = time.monotonic  # injectable for tests
        self._feed_broken = False  # the server refused our change feed: full snapshots only
        self._fetched_list_version: str | None = None  # the List version this cycle's fetch saw

    # -- control ---------------------------------------------------------------------------------
    def request_full(self, reason: str) -> None:
        """Make the next cycle a full snapshot (thread-safe): e.g. after the push channel reconnected."""
        with self._lock:
            self._full_reason = self._full_reason or reason

    @property
    def cursor(self) -> datetime | None:
        """The server time from which changes are not yet in the stored picture (None: none stored)."""
        return self._cursor

    # -- the engine's interface ------------------------------------------------------------------
    def fetch(self, *, tracked: Iterable[str], now: datetime) -> Snapshot:
        tracked = frozenset(tracked)
        started_mono = self._monotonic()
        try:
            reason = self._full_needed(now)
            self._pending = None
            if reason is None:
                assert self._base is not None and self._cursor is not None
                kind = FetchKind.INCREMENTAL
                try:
                    got = self._incremental(self._base, self._cursor, tracked, now)
                except (Incomplete, MalformedResponse) as exc:  # e.g. a changed resource lacks a required field
                    log.info("incremental snapshot incomplete: %s", exc)
                    got = Snapshot.incomplete(now, [exc.problem]), None
                if got is None:  # the light checks disagree with the picture, or could not say: fetch it all
                    snapshot, cursor = self._full(tracked, now)
                    kind = FetchKind.FULL
                else:
                    snapshot, cursor = got
            else:
                log.debug("full snapshot: %s", reason)
                snapshot, cursor = self._full(tracked, now)
                kind = FetchKind.FULL
        except PlatformError:
            self.request_full("the last cycle failed")
            raise
        finally:
            elapsed = self._monotonic() - started_mono
            self._ended = (now + timedelta(seconds=elapsed), self._monotonic())
        self.last_kind = kind
        self.counts[kind] += 1
        if snapshot.complete:
            version = self.assembler.list_version if kind is FetchKind.FULL else self._fetched_list_version
            self._pending = _Pending(snapshot, kind, cursor, version)
        else:
            self.request_full("the last snapshot was incomplete")
        return snapshot

    def stored(self, snapshot: Snapshot) -> None:
        """The cycle built on ``snapshot`` is stored: the picture and the cursor advance to it."""
        pending, self._pending = self._pending, None
        if pending is None or pending.snapshot is not snapshot:
            return
        self._base = snapshot
        self._list_version = pending.list_version
        if pending.kind is FetchKind.FULL:
            self._full_at = self._monotonic()
        if pending.cursor is not None:
            self._cursor = pending.cursor if self._cursor is None or pending.kind is FetchKind.FULL \
                else max(self._cursor, pending.cursor)
        elif pending.kind is FetchKind.FULL:
            self._cursor = None
        self._since_full = 0 if pending.kind is FetchKind.FULL else self._since_full + 1

    # -- deciding -----------------------------------------------------------------------------------
    def _full_needed(self, now: datetime) -> str | None:
        with self._lock:
            reason, self._full_reason = self._full_reason, None
        if self._pending is not None:
            reason = reason or "the last cycle was not stored"
        if reason is None and self._ended is not None and self.interval is not None:
            # A sleep or a clock change shows as the wall clock moving differently from the monotonic one
            # since the last cycle ENDED. A slow cycle (a slow platform, a large clinic) moves both alike and
            # must never lock the engine into full snapshots.
            ended_wall, ended_mono = self._ended
            wall = (now - ended_wall).total_seconds()
            mono = self._monotonic() - ended_mono
            if wall < -1.0 or wall - mono > max(1.0, self.interval):
                reason = f"the clock moved {wall:.0f} s in {mono:.0f} s since the last cycle (sleep or clock change)"
        if reason is None and self.full_every and self._since_full + 1 >= self.full_every:
            reason = f"every {self.full_every} cycles"
        if (reason is None and self.full_after is not None and self._full_at is not None
                and self._monotonic() - self._full_at >= self.full_after.total_seconds()):
            reason = f"every {self.full_after.total_seconds() / 60:g} minutes"
        if reason is None and (self._base is None or self._cursor is None):
            reason = "no stored picture to build on"
        if reason is None and self.features is None:
            reason = "the server's capabilities are not known yet"
        if reason is None and self.features is not None and not self._feed_available(self.features):
            reason = "the server offers no change feed"
        if reason is not None and self.features is None:
            self._discover()
        return reason

    def _discover(self) -> None:
        try:
            self.features = discover(self.client)
        except AuthenticationError:
            raise
        except PlatformError as exc:  # try again next cycle; a full snapshot does not need it
            log.info("capabilities not read: %s", type(exc).__name__)

    def _feed_available(self, features: ServerFeatures) -> bool:
        return not self._feed_broken and (self._use_history(features)
                                          or features.searches_last_updated("Encounter"))

    def _use_history(self, features: ServerFeatures) -> bool:
        """Type-level history is the change feed only on a server that holds this clinic alone (a setting):
        on a regional platform it returns every clinic's encounters."""
        return self.history_is_clinic_own and features.has_history("Encounter")

    # -- full ---------------------------------------------------------------------------------------
    def _full(self, tracked: frozenset[str], now: datetime) -> tuple[Snapshot, datetime | None]:
        started = time.monotonic()
        snapshot = self.assembler.fetch(tracked=tracked, now=now)
        if not snapshot.complete:
            return snapshot, None
        cursor = _http_date(self.assembler.list_read_date)
        if cursor is None:
            # No Date header: the newest change seen, less the time the fetch took, is no later than the
            # server's clock when the fetch began (both are the server's times; the duration is ours).
            stamps = [e.last_updated for e in snapshot.encounters.values() if e.last_updated is not None]
            if stamps:
                cursor = max(stamps) - timedelta(seconds=time.monotonic() - started)
        return snapshot, cursor

    # -- incremental ------------------------------------------------------------------------------------
    def _incremental(self, base: Snapshot, cursor: datetime, tracked: frozenset[str], now: datetime,
                     ) -> tuple[Snapshot, datetime | None] | None:
        """The picture brought up to date, or None: the light checks disagree with it (or could not say),
        so the caller fetches a full snapshot instead."""
        a = self.assembler
        self._fetched_list_version = self._list_version
        try:
            expected: int | None = None
            if self.light_checks:
                try:
                    expected = count_active(self.client, a.clinic_ref, ACTIVE_STATUS_PARAM)
                except (PlatformUnreachable, AuthenticationError, MalformedResponse):
                    raise  # offline / refused: the cycle failed; malformed: incomplete (and the next one full)
                except PlatformError as exc:
                    log.info("light count check failed (%s): full snapshot", type(exc).__name__)
                    return None
                if expected is None:
                    log.info("light count check without a total: full snapshot")
                    return None
            listed_list: list[str] | frozenset[str]
            if self.light_checks and a.list_ref is not None and self._list_version is not None:
                body = read_list_if_changed(self.client, a.list_ref, self._list_version)
                if body is None or body.get("status") != "current":
                    if body is not None:
                        a.list_ref = None  # no longer the current queue: look it up again (full)
                        return None
                    listed_list = base.list_items  # 304: the List we hold
                else:
                    listed_list = a.list_items(body)
                    self._fetched_list_version = version_of(body)
            else:
                listed_list = a.list_items(a.read_queue_list())
                self._fetched_list_version = a.list_version
            listed = list(listed_list)
            window = self._changes(cursor - self.overlap)
        except (Incomplete, MalformedResponse) as exc:
            log.info("incremental snapshot incomplete: %s", exc)
            return Snapshot.incomplete(now, [exc.problem]), None
        except (PlatformUnreachable, AuthenticationError):
            raise  # the platform cannot be reached (or refuses us): the cycle failed, the link is offline
        except PlatformError as exc:
            if isinstance(exc, Refused) and exc.status == 400:
                # The server does not take our change-feed query after all: full snapshots from now on.
                self._feed_broken = True
            failed = Problem.of(ProblemKind.SNAPSHOT_CHANGES_FAILED, cause=exc.problem.kind.value)
            return Snapshot.incomplete(now, [failed]), None
        high_water = window.high_water
        listed_set = frozenset(listed)

        clinic = a.clinic_ref
        fresh: dict[str, Resource] = {}
        for ref, raw in window.present.items():
            old = base.encounters.get(ref)
            if old is not None:
                if old.version == version_of(raw):
                    continue  # a version we have (the windows overlap)
                if old.last_updated is not None and old.last_updated > window.stamps[ref]:
                    continue  # we hold a newer one, from a confirming read
            elif ref not in tracked and ref not in listed_set and not _mentions(raw, clinic):
                continue  # someone else's encounter
            fresh[ref] = raw
        deleted = window.deleted & base.encounters.keys()
        if (not fresh and not deleted and not window.ambiguous and listed_set == base.list_items
                and (tracked | listed_set) <= base.encounters.keys()):
            # Nothing changed: the stored picture, as of now. Its indexes are reused as they are.
            if expected is not None and expected != _active_count(base):
                log.info("light check: the platform counts %d active, the picture %d: full snapshot",
                         expected, _active_count(base))
                return None
            return replace(base, taken_at=now, problems=()), high_water

        encounters: dict[str, Encounter] = dict(base.encounters)
        for ref in deleted:
            del encounters[ref]
        changed = a.map_encounters(list(fresh.values()))
        for enc in changed:
            encounters[enc.ref] = enc

        # Confirming reads: whoever left the List (unless the feed already shows them terminal), tracked
        # and listed encounters the picture lacks, and versions the feed left ambiguous.
        leavers = {ref for ref in base.list_items - listed_set
                   if not (ref in fresh and encounters[ref].status.is_terminal)}
        missing = (tracked | listed_set) - encounters.keys()
        candidates = leavers | missing | window.ambiguous
        read: dict[str, Resource] = {}
        unreadable = a.confirm(read, tracked, listed_set, candidates=candidates)
        confirmed = a.map_encounters(list(read.values()))
        for ref in unreadable:
            encounters.pop(ref, None)
        for enc in confirmed:
            encounters[enc.ref] = enc

        # Keep what the worklist needs: active at the clinic, tracked, listed, or changed in this cycle
        # (a terminal one stays as the confirming read reconcile decides the departure on).
        this_cycle = fresh.keys() | read.keys()
        kept = {ref: enc for ref, enc in encounters.items()
                if (enc.at_clinic and enc.status.is_active) or ref in tracked or ref in listed_set
                or ref in this_cycle}
        patients: dict[str, Patient] = dict(base.patients)
        for raw in window.patients.values():
            pat = patient_from_fhir(raw)
            patients[pat.ref] = pat
        problems = a.complete_patients([kept[r] for r in this_cycle if r in kept], patients)
        wanted = {e.patient_ref for e in kept.values() if e.patient_ref}
        snapshot = Snapshot.of(now, list_items=listed, encounters=kept.values(),
                               patients=[p for ref, p in patients.items() if ref in wanted],
                               unreadable=unreadable, problems=problems)
        if expected is not None and expected != _active_count(snapshot):
            log.info("light check: the platform counts %d active, the picture %d: full snapshot",
                     expected, _active_count(snapshot))
            return None
        return snapshot, high_water

    def _changes(self, since: datetime) -> _Window:
        """The changed Encounters since ``since``: the newest version of each, and deletions."""
        features = self.features
        assert features is not None
        a = self.assembler
        stamp = _instant(since)
        window = _Window({}, {}, set(), set(), None, {})
        seen: set[tuple[str, str]] = set()
        totals: list[int] = []
        if self._use_history(features):
            pages = self.client.history_pages("Encounter", {"_since": stamp, "_count": str(a.page_size)})
            history = True
        else:
            pages = self.client.pages("Encounter", {"location": a.clinic_ref, "_lastUpdated": f"ge{stamp}",
                                                    "_include": "Encounter:subject", "_count": str(a.page_size)})
            history = False
        for page in pages:
            if page.total is not None:
                totals.append(page.total)
            for raw in page.resources:
                ref = ref_of(raw)
                key = (ref, version_of(raw))
                if key in seen:
                    continue  # the same version again (pages shifted under concurrent change)
                seen.add(key)
                _offer(window, ref, raw, _stamp(raw, ref))
            for ref, modified in page.deleted:
                key = (ref, f"deleted@{modified}")
                if key in seen:
                    continue
                seen.add(key)
                when = parse_instant(modified, f"deletion of {ref}") if modified else None
                _offer(window, ref, None, when)
            for raw in page.included:
                if raw.get("resourceType") == "Patient":
                    window.patients[ref_of(raw)] = raw
        if totals:
            if history:
                # New versions may arrive while paging (a history only grows): never fewer than announced.
                if len(seen) < totals[0]:
                    raise Incomplete(ProblemKind.SNAPSHOT_CHANGES_FAILED, said=totals[0], got=len(seen))
            elif len(set(totals)) > 1 or totals[0] != len(seen):
                raise Incomplete(ProblemKind.SNAPSHOT_CHANGES_FAILED)
        return window


def _active_count(snapshot: Snapshot) -> int:
    """Active encounters at the clinic in a picture: what ``_summary=count`` of the clinic's active ones says."""
    return sum(1 for e in snapshot.encounters.values() if e.at_clinic and e.status.is_active)


def _offer(window: _Window, ref: str, raw: Resource | None, when: datetime | None) -> None:
    """Keep the newest version of ``ref`` seen in the window (``raw`` None: a deletion)."""
    if when is not None and (window.high_water is None or when > window.high_water):
        window.high_water = when
    old = window.stamps.get(ref)
    if when is None:
        window.ambiguous.add(ref)
        return
    if old is not None and when == old:
        window.ambiguous.add(ref)  # two versions, one instant: a fresh read decides
    if old is None or when >= old:
        window.stamps[ref] = when
        if raw is None:
            window.present.pop(ref, None)
            window.deleted.add(ref)
        else:
            window.present[ref] = raw
            window.deleted.discard(ref)


def _stamp(raw: Resource, ref: str) -> datetime:
    return parse_instant((raw.get("meta") or {}).get("lastUpdated"), f"{ref} meta.lastUpdated")


def _mentions(raw: Resource, clinic_ref: str) -> bool:
    """Whether an Encounter names the clinic among its locations (any status): it may concern us."""
    for loc in raw.get("location") or []:
        ref = ((loc or {}).get("location") or {}).get("reference") if isinstance(loc, dict) else None
        if isinstance(ref, str) and (ref == clinic_ref or ref.endswith("/" + clinic_ref)):
            return True
    return False


def _instant(moment: datetime) -> str:
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
