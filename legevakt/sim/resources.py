"""A versioned, in-memory FHIR resource store with full history.

Stored resource dicts are never mutated after they are stored, so readers may hold them without copying
as long as they do not modify them (``read_copy`` gives a private deep copy). One re-entrant lock guards
everything; the clinic takes the same lock to make multi-resource changes atomic.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import hashlib
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from legevakt.sim.fhirtime import instant, utcnow

Resource = dict[str, Any]


class StoreError(Exception):
    """Base for store failures that map to HTTP statuses."""


class NotFound(StoreError):
    pass


class Gone(StoreError):
    pass


class PreconditionFailed(StoreError):
    pass


@dataclass(frozen=True)
class Version:
    """One entry of a resource's history."""

    seq: int
    type: str
    id: str
    vid: str
    last_updated: dt.datetime
    method: str  # POST, PUT or DELETE
    resource: Resource | None  # None for a deletion

    @property
    def ref(self) -> str:
        return f"{self.type}/{self.id}"

    @property
    def deleted(self) -> bool:
        return self.resource is None


ChangeListener = Callable[[Version, "Resource | None"], None]


class ResourceStore:
    def __init__(self, seed: int = 1) -> None:
        self.lock = threading.RLock()
        self._ids = random.Random(f"ids-{seed}")
        self._seq = 0
        self._last_ts = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        self._current: dict[str, dict[str, Version]] = {}
        self._history: list[Version] = []
        self._history_ts: list[dt.datetime] = []
        self._by_res: dict[tuple[str, str], list[Version]] = {}
        self._listeners: list[ChangeListener] = []

    # -- listeners -------------------------------------------------------------------------------------

    def add_listener(self, listener: ChangeListener) -> None:
        with self.lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: ChangeListener) -> None:
        with self.lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    # -- ids, clock ------------------------------------------------------------------------------------

    def new_id(self) -> str:
        with self.lock:
            while True:
                rid = f"{self._ids.getrandbits(64):016x}"
                if not any(rid in by_id for by_id in self._current.values()):
                    return rid

    def _now(self) -> dt.datetime:
        t = utcnow()
        t = t.replace(microsecond=t.microsecond // 1000 * 1000)
        if t < self._last_ts:  # keep lastUpdated non-decreasing in history order
            t = self._last_ts
        self._last_ts = t
        return t

    def _vid(self, rtype: str, rid: str, seq: int) -> str:
        return hashlib.sha1(f"{rtype}/{rid}/{seq}".encode()).hexdigest()[:12]

    # -- writes ----------------------------------------------------------------------------------------

    def _put(self, rtype: str, rid: str, resource: Resource | None, method: str, *, shared: bool = False) -> Version:
        """``shared``: the caller hands ``resource`` over and guarantees that what it holds inside is never
        mutated (e.g. a List whose entries are shared with its previous version), so only the top level is
        copied: a large resource changed one entry at a time costs one pointer per entry, not a deep copy."""
        prev = self._current.get(rtype, {}).get(rid)
        self._seq += 1
        ts = self._now()
        vid = self._vid(rtype, rid, self._seq)
        stored: Resource | None = None
        if resource is not None:
            stored = dict(resource) if shared else copy.deepcopy(resource)
            stored["resourceType"] = rtype
            stored["id"] = rid
            meta = dict(stored.get("meta") or {})
            meta["versionId"] = vid
            meta["lastUpdated"] = instant(ts)
            stored["meta"] = meta
            # keep a conventional key order: resourceType, id, meta first
            head = {"resourceType": rtype, "id": rid, "meta": meta}
            stored = head | {k: v for k, v in stored.items() if k not in head}
        version = Version(self._seq, rtype, rid, vid, ts, method, stored)
        self._current.setdefault(rtype, {})[rid] = version
        self._history.append(version)
        self._history_ts.append(ts)
        self._by_res.setdefault((rtype, rid), []).append(version)
        prev_res = prev.resource if prev is not None else None
        for listener in list(self._listeners):
            listener(version, prev_res)
        return version

    def create(self, resource: Resource, rid: str | None = None, *, shared: bool = False) -> Version:
        rtype = str(resource["resourceType"])
        with self.lock:
            if rid is None:
                rid = self.new_id()
            elif rid in self._current.get(rtype, {}):
                raise ValueError(f"{rtype}/{rid} exists")
            return self._put(rtype, rid, resource, "POST", shared=shared)

    def update(self, resource: Resource, if_match: str | None = None, *, shared: bool = False,
               ) -> tuple[Version, bool]:
        """Store a new version (creating the resource if absent). Returns (version, created).

        ``shared``: see ``_put`` (the store's own callers only, never a client's body)."""
        rtype, rid = str(resource["resourceType"]), str(resource["id"])
        with self.lock:
            cur = self._current.get(rtype, {}).get(rid)
            exists = cur is not None and not cur.deleted
            if if_match is not None and (cur is None or cur.deleted or cur.vid != if_match):
                raise PreconditionFailed(
                    f"{rtype}/{rid}: version {if_match!r} does not match current "
                    f"{cur.vid if cur is not None and not cur.deleted else 'none'!r}"
                )
            return self._put(rtype, rid, resource, "PUT" if exists else "POST", shared=shared), not exists

    def delete(self, rtype: str, rid: str) -> Version | None:
        """Delete; returns the deletion version, or None if there was nothing to delete."""
        with self.lock:
            cur = self._current.get(rtype, {}).get(rid)
            if cur is None or cur.deleted:
                return None
            return self._put(rtype, rid, None, "DELETE")

    # -- reads -----------------------------------------------------------------------------------------

    def current(self, rtype: str, rid: str) -> Version | None:
        """The latest version (possibly a deletion), or None if never existed."""
        with self.lock:
            return self._current.get(rtype, {}).get(rid)

    def get(self, rtype: str, rid: str) -> Resource | None:
        """The live resource (shared, do not mutate), or None if absent/deleted."""
        with self.lock:
            cur = self._current.get(rtype, {}).get(rid)
            return None if cur is None else cur.resource

    def get_ref(self, ref: str) -> Resource | None:
        rtype, _, rid = ref.partition("/")
        return self.get(rtype, rid) if rid else None

    def read_copy(self, ref: str) -> Resource | None:
        res = self.get_ref(ref)
        return copy.deepcopy(res) if res is not None else None

    def vread(self, rtype: str, rid: str, vid: str) -> Version | None:
        with self.lock:
            for v in self._by_res.get((rtype, rid), ()):
                if v.vid == vid:
                    return v
            return None

    def live(self, rtype: str) -> Iterator[Resource]:
        """A snapshot iterator over live resources of a type (shared dicts: do not mutate)."""
        with self.lock:
            items = [v.resource for v in self._current.get(rtype, {}).values() if v.resource is not None]
        return iter(items)

    def live_versions(self, rtype: str) -> list[Version]:
        """Current, non-deleted versions of a type."""
        with self.lock:
            return [v for v in self._current.get(rtype, {}).values() if v.resource is not None]

    @property
    def seq(self) -> int:
        """The sequence number of the last version written (0: none)."""
        return self._seq

    def since_seq(self, seq: int) -> list[Version]:
        """Every version written after sequence number ``seq``, oldest first (``_history[i].seq == i + 1``)."""
        with self.lock:
            return self._history[max(0, seq):]

    def history(
        self, rtype: str | None = None, rid: str | None = None, since: dt.datetime | None = None
    ) -> list[Version]:
        """Versions oldest first, with lastUpdated >= since (inclusive)."""
        with self.lock:
            if rtype is not None and rid is not None:
                versions = self._by_res.get((rtype, rid), [])
                return [v for v in versions if since is None or v.last_updated >= since]
            start = 0 if since is None else bisect.bisect_left(self._history_ts, since)
            return [
                v for v in self._history[start:] if (rtype is None or v.type == rtype) and (rid is None or v.id == rid)
            ]
