"""The journal's application layer: write, sign and send notes, read a patient's journal and the ledger.

Used in the sync worker's thread (``SyncWorker.save_note`` etc., for the window) and by the headless
commands (``legevakt note|send|deliveries``), on one ``Runtime``. Every change is stored in one
transaction with the outbox command that carries it to the platform (through the one ``DbWriter``), then
the outbox is replayed; the platform's ids are learnt by the journal follower (``sync.journal_follow``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from legevakt.codes import HPR_SYSTEM
from legevakt.journal import fhir as jfhir
from legevakt.journal.model import (
    RESENDABLE_STATES,
    Delivery,
    DeliveryState,
    Note,
    NoteStatus,
    Recipient,
    default_recipient,
    edit,
    new_delivery,
    new_note,
    recipient,
    send_decision,
    sign,
)
from legevakt.problems import Problem, ProblemError, ProblemKind
from legevakt.sync.errors import PlatformError
from legevakt.sync.mapping import ref_of
from legevakt.worklist.commands import Command, CommandKind, make_create, make_update
from legevakt.worklist.reconcile import Reconciled
from legevakt.worklist.write_outcomes import merge

if TYPE_CHECKING:
    from legevakt.app.runtime import Runtime

log = logging.getLogger("legevakt.app")


@dataclass(frozen=True, slots=True)
class JournalPage:
    """One patient's journal as the panel shows it (crosses to the UI thread)."""

    encounter: str
    patient: str | None
    notes: tuple[Note, ...]  # newest first
    deliveries: tuple[Delivery, ...]  # every delivery of these notes, newest first
    recipients: tuple[Recipient, ...] = ()  # the deliveries' recipients with their names, where known


@dataclass(frozen=True, slots=True)
class LedgerPage:
    """Deliveries for the ledger view, newest first."""

    deliveries: tuple[Delivery, ...]
    since: datetime | None  # the shift's start (None: everything)


@dataclass(frozen=True, slots=True)
class RecipientMatches:
    query: str
    recipients: tuple[Recipient, ...]  # Practitioners and Organizations whose name matches


@dataclass(frozen=True, slots=True)
class PractitionerLookup:
    """The platform's answer to ``Practitioner?identifier=<HPR system>|<hpr>``: the one match, or None."""

    hpr: str
    practitioner: str | None  # "Practitioner/<id>"


def _problem(kind: ProblemKind, **params: Any) -> ProblemError:
    return ProblemError(Problem.of(kind, **params))


def _display(res: dict[str, Any]) -> str | None:
    if res.get("resourceType") in ("Organization", "Location"):
        name = res.get("name")
        return name if isinstance(name, str) else None
    for n in res.get("name") or []:
        if not isinstance(n, dict):
            continue
        if isinstance(n.get("text"), str):
            return str(n["text"])
        given = " ".join(g for g in n.get("given") or [] if isinstance(g, str))
        family = n.get("family") if isinstance(n.get("family"), str) else ""
        if given or family:
            return f"{given} {family}".strip()
    return None


def _merged(first: Reconciled | None, second: Reconciled) -> Reconciled:
    return second if first is None else merge(first, second)


def _newest(d: Delivery) -> datetime:
    when = d.created_at or d.sent_at
    return when if when is not None else datetime.min.replace(tzinfo=UTC)


class JournalService:
    """The journal's operations over one runtime (call from one thread: the worker's, or a command's)."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self._touched: dict[str, Delivery] = {}  # deliveries written since the last ``drain`` (latest form)
        self._alerts: Reconciled | None = None  # alert changes since the last ``drain``
        self._names: dict[str, str | None] = {}  # recipient ref -> display name read from the platform

    def drain(self) -> tuple[tuple[Delivery, ...], Reconciled | None]:
        """The deliveries and alert changes this service caused since the last call (for a summary)."""
        touched, alerts = tuple(self._touched.values()), self._alerts
        self._touched, self._alerts = {}, None
        return touched, alerts

    # -- reading -----------------------------------------------------------------------------------
    def page(self, encounter: str) -> JournalPage:
        store = self.rt.store
        notes = self._as_on_platform(store.notes(encounter))
        deliveries = store.deliveries(encounter=encounter)
        entry = self.rt.engine.state.entries.get(encounter)
        patient = entry.encounter.patient_ref if entry is not None else (notes[0].patient if notes else None)
        named = tuple(self._named(ref) for ref in dict.fromkeys(d.recipient for d in deliveries))
        return JournalPage(encounter, patient, tuple(notes), tuple(deliveries), named)

    def recipient_name(self, ref: str) -> str | None:
        """A Practitioner's, Organization's or Location's name from the platform, or None (not read:
        offline, unreadable, or it has none)."""
        return self._named(ref).display

    def _named(self, ref: str) -> Recipient:
        """The recipient with its name from the platform (read once per runtime; unreadable: no name)."""
        if ref not in self._names:
            if not self.rt.link_up:
                return Recipient(ref)  # offline: no read that would hold the worker up; ask again later
            try:
                self._names[ref] = _display(self.rt.client.read(ref))
            except PlatformError as exc:
                log.info("recipient name not read: %s", type(exc).__name__)
                self._names[ref] = None  # once per runtime: a missing or unreadable one is shown by reference
        return Recipient(ref, self._names[ref])

    def ledger(self, *, everything: bool = False, since: datetime | None = None) -> LedgerPage:
        """The shift's deliveries (``since``), plus every earlier one still on its way or with an open
        journal alert; ``everything``: all deliveries ever."""
        store = self.rt.store
        if everything:
            return LedgerPage(tuple(store.deliveries()), None)
        recent = store.deliveries(since=since) if since is not None else store.deliveries()
        seen = {d.identifier for d in recent}
        # From earlier shifts: what is still on its way, and what still has an open journal alert (once a
        # person resolved it, or a resend reached the recipient, it stays in its own shift's ledger).
        alerted = {a.key for a in self.rt.engine.state.alerts.values() if a.kind.value.startswith("NOTE_")}
        older = [d for d in store.deliveries(states=[DeliveryState.QUEUED, DeliveryState.SENT,
                                                     DeliveryState.TRANSPORTED, DeliveryState.OVERDUE,
                                                     DeliveryState.REJECTED, DeliveryState.RECEIPTED_WITH_ERRORS,
                                                     DeliveryState.REFUSED])
                 if d.identifier not in seen and (d.state in (DeliveryState.QUEUED, DeliveryState.SENT,
                                                              DeliveryState.TRANSPORTED)
                                                  or (d.needs_action and d.identifier in alerted))]
        merged = sorted([*recent, *older], key=_newest, reverse=True)
        return LedgerPage(tuple(merged), since)

    def search_recipients(self, query: str, limit: int = 10) -> RecipientMatches:
        """Practitioners and Organizations on the platform whose name starts with ``query`` (FHIR ``name``)."""
        text = query.strip()
        if len(text) < 2:
            return RecipientMatches(query, ())
        found: list[Recipient] = []
        for rtype in ("Practitioner", "Organization"):
            bundle = self.rt.client.get(rtype, {"name": text, "_count": str(limit)}, expect="Bundle")
            for e in bundle.get("entry") or []:
                res = e.get("resource") if isinstance(e, dict) else None
                if isinstance(res, dict) and res.get("resourceType") == rtype and isinstance(res.get("id"), str):
                    found.append(Recipient(ref_of(res), _display(res)))
        return RecipientMatches(query, tuple(found[: limit * 2]))

    def find_practitioner(self, hpr: str) -> PractitionerLookup:
        """The Practitioner the platform knows by this HPR number (None unless exactly one)."""
        bundle = self.rt.client.get("Practitioner", {"identifier": f"{HPR_SYSTEM}|{hpr}"}, expect="Bundle")
        refs = [ref_of(res) for e in bundle.get("entry") or []
                if isinstance(e, dict) and isinstance(res := e.get("resource"), dict)
                and res.get("resourceType") == "Practitioner" and isinstance(res.get("id"), str)]
        return PractitionerLookup(hpr, refs[0] if len(refs) == 1 else None)

    def general_practitioners(self, patient: str) -> list[str]:
        """``Patient.generalPractitioner`` as the platform has it now (a read)."""
        res = self.rt.client.read(patient)
        return [str(g["reference"]) for g in res.get("generalPractitioner") or []
                if isinstance(g, dict) and isinstance(g.get("reference"), str)]

    # -- writing -----------------------------------------------------------------------------------
    def _now(self) -> datetime:
        return self.rt.engine.clock()

    def _patient_of(self, encounter: str) -> str:
        entry = self.rt.engine.state.entries.get(encounter)
        if entry is None or entry.encounter.patient_ref is None:
            raise _problem(ProblemKind.NOTE_WRONG_ENCOUNTER, encounter=encounter)
        return entry.encounter.patient_ref

    def _note(self, key: str) -> Note:
        note = self.rt.store.note(key)
        if note is None:
            raise _problem(ProblemKind.NOTE_UNKNOWN, note=key)
        return self._as_on_platform([note])[0]

    def sign_state(self, note: Note) -> str | None:
        """The outbox state of the latest command signing ``note`` on the platform (``pending``,
        ``applied``, ``conflict``, ``refused``; None: none queued here, e.g. a note created signed)."""
        return self._sign_states([note]).get(note.ref or "")

    def _sign_states(self, notes: Sequence[Note]) -> dict[str, str]:
        refs = {n.ref: n.encounter for n in notes if n.ref}
        latest: dict[str, str] = {}
        for encounter in set(refs.values()):
            for item in self.rt.store.outbox(encounter=encounter):  # in order: the last one wins
                c = item.command
                if c.kind is CommandKind.UPDATE and c.target in refs and c.change().set.get("docStatus") == "final":
                    latest[c.target] = item.state.value
        return latest

    def _as_on_platform(self, notes: Sequence[Note]) -> list[Note]:
        """The notes as the platform has them: one whose signing the platform refused is not signed (it may
        be signed again, and is not sent as signed)."""
        signed = [n for n in notes if n.status is NoteStatus.FINAL and n.ref]
        refused = {ref for ref, state in self._sign_states(signed).items() if state == "refused"} if signed else set()
        return [replace(n, status=NoteStatus.PRELIMINARY, authenticator=None) if n.ref in refused else n
                for n in notes]

    def _store(self, *, notes: Sequence[Note] = (), deliveries: Sequence[Delivery] = (),
               commands: Sequence[Command] = (), audit: Sequence[tuple[str, str, str, str]] = ()) -> None:
        self.rt.writer.submit(lambda s: s.save_journal(notes=notes, deliveries=deliveries, commands=commands,
                                                       audit=audit)).result()

    def write_note(self, encounter: str, by: str, text: str, *, signed: bool = False) -> Note:
        """A new note for the encounter (signed at once with ``signed``), stored with its create command."""
        now = self._now()
        ident = str(uuid.uuid4())
        note = new_note(ident, encounter, self._patient_of(encounter), by, text, now)
        if signed:
            note = sign(note, by, now)
        command = make_create(jfhir.document_reference(note), by=by, now=now, encounter=encounter,
                              command_id=ident)
        action = "note.signed" if signed else "note.saved"
        self._store(notes=[note], commands=[command], audit=[(by, action, encounter, f"note {ident}")])
        return note

    def edit_note(self, key: str, by: str, text: str) -> Note:
        """New text for a saved (unsigned) note already on the platform."""
        note = self._note(key)
        changed = edit(note, text, self._now())
        if note.ref is None:
            raise _problem(ProblemKind.NOTE_NOT_ON_PLATFORM, note=note.identifier)
        body = jfhir.document_reference(changed)
        command = make_update(note.ref, {"content": body["content"], "date": body["date"]}, by=by, now=self._now(),
                              expect={"docStatus": "preliminary"}, encounter=note.encounter)
        self._store(notes=[changed], commands=[command], audit=[(by, "note.edited", note.encounter, note.ref)])
        return changed

    def sign_note(self, key: str, by: str) -> Note:
        """Sign a saved note (``docStatus`` final, ``authenticator``); a signed note is refused."""
        note = self._note(key)
        signed = sign(note, by, self._now())
        if note.ref is None:
            raise _problem(ProblemKind.NOTE_NOT_ON_PLATFORM, note=note.identifier)
        body = jfhir.document_reference(signed)
        command = make_update(note.ref, {"docStatus": "final", "authenticator": body["authenticator"],
                                         "date": body["date"]},
                              by=by, now=self._now(), expect={"docStatus": "preliminary"}, encounter=note.encounter)
        self._store(notes=[signed], commands=[command], audit=[(by, "note.signed", note.encounter, note.ref)])
        return signed

    def send_note(self, key: str, by: str, to: str | None = None) -> tuple[Delivery, bool]:
        """Send a signed note to ``to`` (default: the patient's GP). Returns the delivery and whether it is
        new: in flight or receipted already, the existing one comes back and nothing changes; after a
        rejection or an overdue it is a resend (a new Communication that refers to the first)."""
        note = self._note(key)
        if note.status is not NoteStatus.FINAL:
            raise _problem(ProblemKind.NOTE_NOT_SIGNED, note=note.ref or note.identifier)
        if note.ref is None:
            raise _problem(ProblemKind.NOTE_NOT_ON_PLATFORM, note=note.identifier)
        earlier = self.rt.store.deliveries(note=note.ref)
        if to:
            target = recipient(to)
        else:
            try:
                gps = self.general_practitioners(note.patient)
            except PlatformError:
                # Out of reach: the GP cannot be read, but a delivery of this note still in flight or
                # receipted is in the ledger here: that one comes back, as it would online (nothing sent).
                live = [d for d in earlier if d.resent_as is None and d.state not in RESENDABLE_STATES]
                if live:
                    return live[0], False
                raise
            target = default_recipient(None, gps)
        decision = send_decision(note, target, earlier)
        if decision.existing is not None:
            return decision.existing, False
        now = self._now()
        ident = str(uuid.uuid4())
        delivery = new_delivery(ident, note, target, by=by, at=now,
                                setting=self.rt.settings.note_receipt_deadline_minutes,
                                resend_of=decision.resend_of)
        body = jfhir.communication(delivery, note.encounter, by, now)
        command = make_create(body, by=by, now=now, encounter=note.encounter, command_id=ident)
        action = "note.resent" if decision.resend_of is not None else "note.sent"
        self._store(deliveries=[delivery], commands=[command],
                    audit=[(by, action, note.encounter, f"{note.ref} to {target.ref}")])
        self._touched[delivery.identifier] = delivery
        return delivery, True

    # -- after a change: send it now, and learn the platform's ids --------------------------------
    def push(self) -> None:
        """Replay the outbox and follow the deliveries once (the platform out of reach: stays pending)."""
        engine = self.rt.engine
        try:
            report = engine.replay()
        except PlatformError as exc:
            log.info("journal write queued, platform not reached: %s", type(exc).__name__)
            return
        if report is not None and report.reconciled is not None:
            self._alerts = _merged(self._alerts, report.reconciled)
        step = engine.follow(replayed=report)
        if step is not None:
            self._touched.update((d.identifier, d) for d in step.changed)
            if step.result is not None:
                self._alerts = _merged(self._alerts, step.result)

    def refreshed_note(self, note: Note) -> Note:
        return self._as_on_platform([self.rt.store.note(note.identifier) or note])[0]

    def refreshed_delivery(self, d: Delivery) -> Delivery:
        return self.rt.store.delivery(d.identifier) or d


__all__ = ["JournalPage", "JournalService", "LedgerPage", "RecipientMatches"]
