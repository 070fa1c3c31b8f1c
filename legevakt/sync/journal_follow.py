"""Following the journal's deliveries on the platform, once per sync cycle (plain FHIR R4 searches).

For the deliveries not yet settled, in batches of ``batch`` references per request (a comma is OR in a
FHIR search parameter, R4 3.1.1.4.2):

1. What the outbox created: a note or a Communication whose create the outbox confirmed but whose
   platform id we did not hear (a crash in between) is found by its client identifier
   (``identifier=<system>|<value>,...``).
2. Transport: ``Communication?_id=a,b,...`` for those sent but not yet acknowledged (``received``).
3. Receipts: ``Communication?part-of=Communication/a,...`` (a standard R4 search parameter); each match
   that is an application receipt settles its delivery (``legevakt.journal.model.on_receipt``).
4. The clock: a delivery whose receipt search succeeded this cycle, or that is still in our own outbox
   (so certainly unreceipted), goes ``overdue`` past its deadline. One we could not check is left as it
   was: offline, nothing is inferred. One whose create the platform refused is ``refused`` at once; one
   created whose Communication the platform's identifier search does not find goes ``overdue`` past its
   deadline (no receipt can be seen for it).
5. A receipted delivery gets an outbox command recording the outcome on our Communication (``completed``,
   or ``not-done`` with the 8221 reason), stored with the new state and its alerts in one transaction.

Paging follows ``next`` links only; nothing here relies on the simulator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol, TypeVar

from legevakt import codes
from legevakt.journal import fhir as jfhir
from legevakt.journal.alerts import KINDS, delivery_alerts
from legevakt.journal.model import (
    Delivery,
    DeliveryState,
    Note,
    Receipt,
    on_clock,
    on_receipt,
    on_refused,
    on_resent,
    on_sent,
    on_transported,
)
from legevakt.problems import Problem, ProblemError
from legevakt.sync.errors import PlatformError, PlatformUnreachable
from legevakt.sync.fhir import FhirClient, Resource
from legevakt.worklist.commands import Command, make_update
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled
from legevakt.worklist.snapshot import WorklistState

log = logging.getLogger("legevakt.sync")

T = TypeVar("T")

OPEN_STATES = (DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.TRANSPORTED, DeliveryState.OVERDUE)
_WAITING_FOR_RECEIPT = frozenset({DeliveryState.SENT, DeliveryState.TRANSPORTED, DeliveryState.OVERDUE})
BATCH = 40  # references per search request (keeps URLs well under common 8 KiB limits)


class Ledger(Protocol):
    """What the follower reads (``legevakt.store.db.Store`` is one)."""

    def deliveries(self, *, states: Sequence[DeliveryState] | None = None, note: str | None = None,
                   encounter: str | None = None, since: datetime | None = None) -> list[Delivery]: ...

    def delivery(self, key: str) -> Delivery | None: ...

    def notes(self, encounter: str | None = None, *, without_ref: bool = False) -> list[Note]: ...

    def outbox_states(self, command_ids: Sequence[str]) -> dict[str, str]: ...

    def save_journal(self, *, notes: Sequence[Note] = (), deliveries: Sequence[Delivery] = (),
                     result: Reconciled | None = None, commands: Sequence[Command] = (),
                     audit: Sequence[tuple[str, str, str, str]] = (), actor: str = ...) -> None: ...


Write = Callable[[Callable[[Ledger], T]], T]  # runs a store write (through the one DbWriter)
#: (state before, alert changes, Patient by alert key) -> the outbox commands that share those changes on the
#: platform (Task, ``legevakt.sync.alert_tasks``), stored with them in one transaction.
Share = Callable[[WorklistState, Reconciled, Mapping[str, str]], Sequence[Command]]


@dataclass(frozen=True, slots=True)
class JournalStep:
    result: Reconciled | None  # the alert changes (None: none)
    changed: tuple[Delivery, ...] = ()  # deliveries whose state or data changed in this step
    notes: tuple[Note, ...] = ()  # notes that learnt their platform id
    commands: int = 0  # outbox commands queued (receipt outcomes to record on the platform)
    problems: tuple[Problem, ...] = ()
    checked: int = 0  # deliveries whose receipts were searched successfully
    unknown: int = 0  # deliveries that could not be checked this cycle
    requests: int = 0
    tasks: int = 0  # outbox commands queued that share this step's alert changes (Task)


@dataclass
class _Fetch:
    requests: int = 0
    problems: list[Problem] = field(default_factory=list)
    unreachable: bool = False


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def outcome_fields(r: Receipt) -> dict[str, Any]:
    """The fields that record a receipt's outcome on our Communication (journal.fhir.outcome_update)."""
    recorded = jfhir.outcome_update({}, r)
    return {"status": recorded["status"], "statusReason": recorded.get("statusReason")}


class JournalFollower:
    def __init__(self, client: FhirClient, ledger: Ledger, *, deadline_setting: Any = None,
                 config: ReconcileConfig | None = None, write: Write[Any] | None = None, batch: int = BATCH) -> None:
        self.client = client
        self.ledger = ledger
        self.deadline_setting = deadline_setting
        self.config = config or ReconcileConfig()
        self._write: Write[Any] = write if write is not None else (lambda fn: fn(ledger))
        self.batch = batch

    # -- searching ---------------------------------------------------------------------------------
    def _search(self, fetch: _Fetch, rtype: str, params: Mapping[str, str]) -> list[Resource] | None:
        """Every match of one search over all its pages, or None when it failed (recorded)."""
        if fetch.unreachable:
            return None
        found: list[Resource] = []
        try:
            for page in self.client.pages(rtype, params):
                fetch.requests += 1
                found.extend(page.resources)
        except PlatformUnreachable as exc:
            fetch.unreachable = True
            fetch.problems.append(exc.problem)
            return None
        except PlatformError as exc:
            log.warning("journal search failed: %s", type(exc).__name__)
            fetch.problems.append(exc.problem)
            return None
        return found

    def _by_identifier(self, fetch: _Fetch, rtype: str, idents: Sequence[str],
                       searched: set[str] | None = None) -> dict[str, Resource]:
        """The resources with these client identifiers; ``searched`` learns the identifiers whose search
        succeeded (found or not)."""
        out: dict[str, Resource] = {}
        for chunk in _chunks(idents, self.batch):
            value = ",".join(f"{codes.CLIENT_REQUEST_SYSTEM}|{i}" for i in chunk)
            found = self._search(fetch, rtype, {"identifier": value, "_count": str(len(chunk) * 2)})
            if found is not None and searched is not None:
                searched.update(chunk)
            for res in found or ():
                for ident in res.get("identifier") or []:
                    if isinstance(ident, dict) and ident.get("system") == codes.CLIENT_REQUEST_SYSTEM \
                            and ident.get("value") in chunk and isinstance(res.get("id"), str):
                        out[str(ident["value"])] = res
        return out

    def _chains(self, state: WorklistState, changed: Sequence[Delivery],
                known: Mapping[str, Delivery]) -> list[Delivery]:
        """The ledger ``delivery_alerts`` needs: for an attempt receipted OK it resolves the journal alerts of
        every attempt of that note to that recipient. The same as ``ledger.deliveries(note=...)`` for each
        receipted delivery, without a query for each.

        An attempt in such a chain matters only through ``clear_alert`` on its identifier, which does
        something only where that identifier has an open journal alert or a suppression. Before this step
        those are keys in ``state``; in this step only the deliveries in ``changed`` raise alerts. So the
        ledger is asked only for the notes of the keys in ``state`` (usually none or a few), and ``changed``
        covers the rest: the same alerts resolve in the same step, with the same result. At most one query
        per receipted delivery plus fewer lookups than that (usually none at all)."""
        # A change that would alert needs its note's other attempts: one that reached the recipient
        # already means no alert (rare: one query per such note).
        alarming = {d.note for d in changed if d.state in (DeliveryState.OVERDUE, DeliveryState.REJECTED,
                                                            DeliveryState.REFUSED,
                                                            DeliveryState.RECEIPTED_WITH_ERRORS)}
        extra = [c for note in sorted(alarming) for c in self.ledger.deliveries(note=note)]
        receipted = [d for d in changed if d.state is DeliveryState.RECEIPTED]
        if not receipted:
            return extra
        keys = {key for kind, key in (*state.open_keys, *state.suppressed) if kind in KINDS}
        unknown = [key for key in keys if key not in known]
        if len(unknown) >= len(receipted):  # looking their notes up costs more than a query per chain
            return extra + [c for d in receipted for c in self.ledger.deliveries(note=d.note)]
        notes = {known[key].note for key in keys if key in known}
        for key in unknown:
            d = self.ledger.delivery(key)
            if d is not None:
                notes.add(d.note)
        chains: list[Delivery] = []
        asked: dict[str, list[Delivery]] = {}
        for d in receipted:
            if d.note in notes:
                if d.note not in asked:
                    asked[d.note] = self.ledger.deliveries(note=d.note)
                chains.extend(asked[d.note])
        chains.extend(changed)
        return extra + chains

    # -- one step ----------------------------------------------------------------------------------
    def follow(self, state: WorklistState, now: datetime, hints: Mapping[str, str] | None = None, *,
               share: Share | None = None) -> JournalStep:
        """Check every open delivery once; store what changed, its alerts and (``share``) the commands that
        share those alerts with the other workstations, in one transaction."""
        hints = hints or {}
        fetch = _Fetch()
        open_ = self.ledger.deliveries(states=OPEN_STATES)
        unnamed_notes = self.ledger.notes(without_ref=True)
        if not open_ and not unnamed_notes:
            return JournalStep(None)
        current: dict[str, Delivery] = {d.identifier: d for d in open_}
        outbox = self.ledger.outbox_states([n.identifier for n in unnamed_notes]
                                           + [d.identifier for d in open_ if d.communication is None])

        # 1. platform ids of what the outbox created
        named: list[Note] = []
        note_refs = {n.identifier: hints[n.identifier] for n in unnamed_notes
                     if outbox.get(n.identifier) == "applied" and n.identifier in hints}
        missing = [n.identifier for n in unnamed_notes
                   if outbox.get(n.identifier) == "applied" and n.identifier not in note_refs]
        for ident, res in self._by_identifier(fetch, "DocumentReference", missing).items():
            note_refs[ident] = f"DocumentReference/{res['id']}"
        for n in unnamed_notes:
            if n.identifier in note_refs:
                named.append(replace(n, ref=note_refs[n.identifier]))

        unsent = [d for d in open_ if d.communication is None and outbox.get(d.identifier) == "applied"]
        looked: set[str] = set()  # created, but the platform's answers name no Communication for it
        found = self._by_identifier(fetch, "Communication", [d.identifier for d in unsent if d.identifier not in hints],
                                    looked)
        sent_res: dict[str, Resource] = {}
        for d in unsent:
            hinted = hints.get(d.identifier)
            match = found.get(d.identifier)
            if match is not None:
                hinted = f"Communication/{match['id']}"
                sent_res[hinted] = match
            if hinted is not None:
                current[d.identifier] = on_sent(d, hinted, d.sent_at or now, self.deadline_setting)

        # 2. transport acknowledgements
        need_transport = [d.communication for d in current.values()
                          if d.communication and d.transported_at is None and d.state in _WAITING_FOR_RECEIPT
                          and d.communication not in sent_res]
        for chunk in _chunks([c for c in need_transport if c], self.batch):
            res_list = self._search(fetch, "Communication", {"_id": ",".join(c.split("/", 1)[1] for c in chunk),
                                                               "_count": str(len(chunk))})
            for res in res_list or ():
                sent_res[f"Communication/{res.get('id')}"] = res
        by_comm = {d.communication: d.identifier for d in current.values() if d.communication}
        for comm_ref, res in sent_res.items():
            known = by_comm.get(comm_ref)
            if known is None:
                continue
            try:
                received = jfhir.transport_time(res)
            except ProblemError as exc:
                fetch.problems.append(exc.problem)
                continue
            if received is not None:
                current[known] = on_transported(current[known], received)

        # 3. receipts
        waiting = [d.communication for d in current.values()
                   if d.communication and d.state in _WAITING_FOR_RECEIPT]
        checked: set[str] = set()
        for chunk in _chunks([c for c in waiting if c], self.batch):
            res_list = self._search(fetch, "Communication", {"part-of": ",".join(chunk)})
            if res_list is None:
                continue
            checked.update(chunk)
            receipts: dict[str, Receipt] = {}
            for res in res_list:
                if not jfhir.is_receipt(res):
                    continue
                try:
                    r = jfhir.receipt(res)
                except ProblemError as exc:
                    fetch.problems.append(exc.problem)
                    continue
                earlier = receipts.get(r.in_response_to)
                if earlier is None or (r.sent_at and earlier.sent_at and r.sent_at < earlier.sent_at):
                    receipts[r.in_response_to] = r
            for comm, r in receipts.items():
                owner = by_comm.get(comm)
                if owner is not None:
                    current[owner] = on_receipt(current[owner], r)

        # 4. the clock, where we know (a create the platform refused never arrives: refused now, no clock)
        for ident, d in list(current.items()):
            if d.communication is None and outbox.get(ident) == "refused":
                d = current[ident] = on_refused(d)
            certain = (d.communication in checked) or (
                d.communication is None and outbox.get(ident) in ("pending", "conflict", "refused")) or (
                d.communication is None and ident in looked)  # no Communication found: no receipt can be seen
            if certain:
                current[ident] = on_clock(d, now)

        before = {d.identifier: d for d in open_}
        changed = [d for ident, d in current.items() if d != before[ident]]
        # resends: the first attempt learns the Communication that resent it
        for d in list(changed):
            was = before.get(d.identifier)
            if d.resend_of and d.communication and was is not None and was.communication is None:
                first = self.ledger.delivery(d.resend_of)
                if first is not None:
                    first = current.get(first.identifier, first)  # as this step left it (it may have changed too)
                if first is not None and first.resent_as is None:
                    changed = [c for c in changed if c.identifier != first.identifier]
                    changed.append(on_resent(first, d))

        # 5. outcomes recorded on our Communications
        commands: list[Command] = []
        for d in changed:
            was = before.get(d.identifier)
            if d.receipt is not None and (was is None or was.receipt is None) and d.communication:
                commands.append(make_update(d.communication, outcome_fields(d.receipt), by="legevakt",
                                            now=now, encounter=d.encounter))

        result: Reconciled | None = None
        patients: dict[str, str] = {}
        if changed:
            chains = self._chains(state, changed, before)
            patients = {d.identifier: d.patient for d in (*chains, *changed)}
            pairs = [(before.get(d.identifier) or d, d) for d in changed]
            result = delivery_alerts(state, pairs, chains, now, self.config)
            if not result.alerts:
                result = None
        shared: list[Command] = []
        if result is not None and share is not None:
            shared = list(share(state, result, patients))
        if changed or named:
            self._write(lambda ledger: ledger.save_journal(notes=named, deliveries=changed, result=result,
                                                           commands=[*commands, *shared]))
        waiting_n = len([c for c in waiting if c])
        return JournalStep(result, tuple(changed), tuple(named), len(commands), tuple(fetch.problems),
                           checked=len(checked),
                           unknown=waiting_n - len(checked), requests=fetch.requests, tasks=len(shared))


__all__ = ["BATCH", "OPEN_STATES", "JournalFollower", "JournalStep", "Ledger", "outcome_fields"]
