"""The application layer of the headless commands (``legevakt sync``, ``alerts``, ``census``, ``do``, ``outbox``,
``login``, ``logout``).

The CLI parses arguments and prints; everything that reads or changes the clinic goes through here, on the
same ``Runtime`` (store, ``DbWriter``, engine) the window's ``AppService`` uses. Errors come out as
``HeadlessError`` with a one-line message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from legevakt.app import clinic_time
from legevakt.app.problem_words import all_words, words
from legevakt.app.report import ShiftReport, ShiftSpecError, build_report, parse_report_shift
from legevakt.app.runtime import CLINIC_TZ, Runtime, alert_json, identifier_issue_of, state_json
from legevakt.app.settings import Settings
from legevakt.app.summary import LinkMode
from legevakt.app.worker import InlineExecutor, SyncWorker
from legevakt.journal.model import NoteStatus
from legevakt.problems import Problem, ProblemError, ProblemKind
from legevakt.store.db import StoreError, open_store
from legevakt.sync.auth import KeyringUnavailable, NoCredentials
from legevakt.sync.engine import utcnow
from legevakt.sync.errors import (
    AuthenticationError,
    ForeignOrigin,
    LimitExceeded,
    MalformedResponse,
    NotFound,
    PlatformError,
    PlatformServerError,
    PlatformUnreachable,
)
from legevakt.worklist.census import Census, Shift, census, previous_shift, shift_at, shift_starting
from legevakt.worklist.commands import CommandError, CommandKind, apply_local, check_reference, make_command
from legevakt.worklist.reconcile import AlertActionError

__all__ = [
    "CLINIC_TZ",
    "CONFIGURATION",
    "USAGE",
    "HeadlessError",
    "KeyringUnavailable",
    "StoreError",
    "SyncOnce",
    "Watch",
    "alert_action",
    "alert_json",
    "census_of",
    "deliveries_of",
    "do_changes",
    "ledger_lines",
    "list_alerts",
    "login",
    "logout",
    "open_local_runtime",
    "open_platform_runtime",
    "outbox_rows",
    "resolve_shift",
    "send_note",
    "sharing_json",
    "shift_report",
    "sign_note",
    "sync_once",
    "write_note",
]


log = logging.getLogger("legevakt.app")


#: ``HeadlessError.kind`` where no ``ProblemKind`` fits: the command line asks for something missing or
#: contradictory (``give --text TEXT``), or the configuration has a bad value.
USAGE = "usage"
CONFIGURATION = "configuration"


class HeadlessError(Exception):
    """A one-line error for the user; the command exits 1.

    ``kind``: a ``ProblemKind`` value where the error is a typed problem (``note-not-signed``,
    ``platform-unreachable``, ``store-disk-full``...), else ``USAGE`` or ``CONFIGURATION``; ``params``: the
    problem's parameters (ids, counts, codes: never patient data). ``--json`` prints ``to_json()``."""

    def __init__(self, message: str, *, kind: str = USAGE, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.kind = str(kind)
        self.params = dict(params or {})

    @classmethod
    def of(cls, message: str, problem: Problem) -> HeadlessError:
        return cls(message, kind=problem.kind.value, params=problem.params)

    def to_json(self) -> dict[str, Any]:
        """``{"error": {"kind": ..., "message": ..., "params": {...}}}``: what ``--json`` prints on stdout."""
        return {"error": {"kind": self.kind, "message": str(self), "params": self.params}}


def _store_error(exc: StoreError) -> HeadlessError:
    return HeadlessError.of(str(exc), exc.problem)


def open_platform_runtime(settings: Settings) -> Runtime:
    """The runtime for a command that talks to the platform."""
    if not settings.platform or not settings.location:
        raise HeadlessError("give --platform URL and --location Location/<id> (or set them in the config file)")
    try:
        return Runtime.open(settings)
    except StoreError as exc:
        raise _store_error(exc) from exc


def open_local_runtime(settings: Settings) -> Runtime:
    """The runtime for a command that only works on the local store (never contacts the platform nor
    asks the keyring): the same store, writer and engine as the window."""
    try:
        return Runtime.open(settings, tokens=NoCredentials())
    except StoreError as exc:
        raise _store_error(exc) from exc


# -- sync ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SyncOnce:
    """``sync --once``: the ``sync --json`` document, and why the cycle could not run (None: it ran).

    When the platform cannot be reached (down, timed out, a server fault), the document is still the same one, built
    from what is stored here: ``"complete": false``, ``"link": "offline"``, the problem listed in
    ``problems``/``problem_kinds``, and nothing inferred from the missing answer (nobody taken as gone)."""

    doc: dict[str, Any]
    failed: HeadlessError | None = None


def sync_once(settings: Settings) -> SyncOnce:
    """One sync cycle, run by the app's one ``SyncWorker`` in this thread; the ``sync --json`` document."""
    runtime = open_platform_runtime(settings)
    try:
        try:
            _read_capabilities(runtime)
        except ForeignOrigin:
            pass  # refused (nothing sent there): the cycle reports its snapshot incomplete and says why
        except MalformedResponse as exc:
            raise HeadlessError.of(f"{settings.platform} does not look like a FHIR R4 server: {exc.detail}",
                                   exc.problem) from exc
        except NotFound:
            pass  # no CapabilityStatement: still synced, by full snapshots
        except PlatformError as exc:
            # The link was down for this attempt: the shift report's uptime counts it (one row per change).
            runtime.writer.submit(lambda s: s.record_link(utcnow(), False)).result()
            failed = HeadlessError.of(f"cannot reach the platform at {settings.platform}: {exc}", exc.problem)
            if not _out_of_reach(exc):
                raise failed from exc  # to be fixed here (credentials, another origin): an error, exit 1
            return SyncOnce(_stored_doc(runtime, settings, (exc.problem,)), failed)
        failures: list[Problem] = []
        worker = SyncWorker(runtime, on_failed=failures.append, executor=InlineExecutor())
        cycled = worker.sync_once()
        if cycled is None:  # the worker failed here (the store, a bug): an error, not an answer
            problems = tuple(failures) or (Problem.of(ProblemKind.BUG, where="sync"),)
            raise HeadlessError.of(f"sync failed: {all_words(problems)}", problems[0])
        outcome = cycled
        if outcome.error is not None:
            failed = HeadlessError.of(f"sync failed: {outcome.error}", outcome.error.problem)
            if not _out_of_reach(outcome.error):
                raise failed
            return SyncOnce(_stored_doc(runtime, settings, (outcome.error.problem,)), failed)
        doc = state_json(runtime.engine.state, settings, complete=outcome.complete, synced_at=outcome.at,
                         link=runtime.link(outcome), problems=outcome.problems,
                         pending=runtime.pending_by_encounter())
        return SyncOnce(_with_sharing_and_deliveries(doc, runtime, settings, outcome.at))
    finally:
        runtime.close()


def _out_of_reach(exc: PlatformError) -> bool:
    """The platform gave no answer this time (down, timed out, a server fault, past the cycle's deadline):
    ``sync --once`` then prints what is stored, said incomplete (exit 4). A refusal to fix here (credentials,
    a foreign origin, a limit, not FHIR) stays an error (exit 1)."""
    return isinstance(exc, PlatformUnreachable | PlatformServerError)


def _with_sharing_and_deliveries(doc: dict[str, Any], runtime: Runtime, settings: Settings,
                                 at: datetime) -> dict[str, Any]:
    doc.update(sharing_json(runtime))
    shift = shift_at(at, clinic_time.zone(), settings.shifts)
    doc["deliveries"] = [d.to_json() for d in runtime.journal.ledger(since=shift.start).deliveries]
    return doc


def _stored_doc(runtime: Runtime, settings: Settings, problems: tuple[Problem, ...]) -> dict[str, Any]:
    """The ``sync --json`` document from what is stored, when this attempt got no answer: incomplete,
    offline, with the problems; ``synced_at`` is the attempt, ``last_complete_at`` the age of what is shown."""
    at = utcnow()
    link = replace(runtime.link(None), mode=LinkMode.OFFLINE, last_attempt_at=at, problem=problems[0])
    doc = state_json(runtime.engine.state, settings, complete=False, synced_at=at, link=link, problems=problems,
                     pending=runtime.pending_by_encounter())
    return _with_sharing_and_deliveries(doc, runtime, settings, at)


def _is_transient(exc: BaseException) -> bool:
    """One garbled answer (a proxy's error page, a cut-off body) or a 5xx may be a passing fault: tried
    again. A refusal (another origin, a limit) is not."""
    if isinstance(exc, ForeignOrigin | LimitExceeded):
        return False
    return isinstance(exc, MalformedResponse | PlatformServerError)


def _read_capabilities(runtime: Runtime) -> None:
    """``[base]/metadata``, tried up to ``METADATA_ATTEMPTS`` times over a passing fault (issue 11: one bad
    answer used to end the sync with "does not look like a FHIR R4 server"); the last error is raised."""
    retrying = Retrying(stop=stop_after_attempt(METADATA_ATTEMPTS),
                        wait=wait_random_exponential(multiplier=0.2, max=2.0),
                        retry=retry_if_exception(_is_transient), reraise=True)
    for attempt in retrying:
        with attempt:
            runtime.client.capabilities()


METADATA_ATTEMPTS = 3


# -- alerts ----------------------------------------------------------------------------------------

def list_alerts(settings: Settings, status: str | None) -> list[Any]:
    """``status``: open, acknowledged, resolved, all, or None (not resolved)."""
    runtime = open_local_runtime(settings)
    try:
        alerts = runtime.store.alerts(None if status in (None, "all") else status)
    finally:
        runtime.close()
    if status is None:
        alerts = [a for a in alerts if a.is_open]
    return alerts


def sharing_json(runtime: Runtime) -> dict[str, Any]:
    """Whether alerts are shared with the clinic's other workstations (FHIR Task), for ``sync --json``:
    ``alerts_shared`` false (with the reason and the status bar's words) where the platform refuses Task."""
    shared = runtime.engine.alerts_shared
    doc: dict[str, Any] = {"alerts_shared": shared}
    if shared is False:
        tasks = runtime.engine.tasks
        doc["alerts_not_shared"] = {"reason": tasks.refusal if tasks is not None else None,
                                    "message": "Alerts are not shared with other workstations",
                                    "message_nb": "Varsler deles ikke med andre arbeidsstasjoner"}
    return doc


def alert_action(settings: Settings, action: str, alert_id: str, by: str, text: str) -> Any:
    """Acknowledge (``text``: the comment) or resolve (``text``: the reason) an alert through the engine
    and the writer, exactly as the window does (``AppService.acknowledge``/``resolve``). The changed alert.

    The change goes through the outbox (a shared alert's Task with it, in one transaction); with a platform
    configured or given (``--platform``, ``--location``) it is sent at once; offline, or without one, it
    stays queued and goes with the next sync, exactly once."""
    send = bool(settings.platform and settings.location)
    runtime = open_platform_runtime(settings) if send else open_local_runtime(settings)
    try:
        stored = runtime.store.alert(alert_id)
        if stored is None:
            raise HeadlessError(f"no alert with id {alert_id}", kind=ProblemKind.ALERT_NOT_OPEN,
                                params={"alert": alert_id})
        if not stored.is_open:
            raise HeadlessError(f"alert {alert_id} is already resolved; nothing changed",
                                kind=ProblemKind.ALERT_NOT_OPEN, params={"alert": alert_id})
        act: Callable[[str, str, str], Any] = (runtime.engine.acknowledge if action == "ack"
                                               else runtime.engine.resolve)
        try:
            result = act(alert_id, by, text)
        except AlertActionError as exc:
            raise HeadlessError.of(f"{words(exc.problem)}; nothing changed", exc.problem) from exc
        except StoreError as exc:
            raise _store_error(exc) from exc
        if send:
            try:
                runtime.engine.replay()  # out of reach: it stays in the outbox for the next sync
            except PlatformError as exc:
                log.info("alert change queued, platform not reached: %s", type(exc).__name__)
    finally:
        runtime.close()
    return next(a for a in result.alerts if a.id == alert_id)


# -- census ----------------------------------------------------------------------------------------

def resolve_shift(settings: Settings, spec: str) -> Shift:
    """``spec``: current, previous or NAME@YYYY-MM-DD."""
    current = shift_at(utcnow(), clinic_time.zone(), settings.shifts)
    if spec == "current":
        return current
    if spec == "previous":
        return previous_shift(current, clinic_time.zone(), settings.shifts)
    name, _, day = spec.partition("@")
    names = {s.name: s for s in settings.shifts}
    if name not in names or not day:
        raise HeadlessError(f"--shift must be current, previous or NAME@YYYY-MM-DD with NAME one of "
                            f"{', '.join(names)}")
    try:
        start_day = datetime.strptime(day, "%Y-%m-%d").date()
    except ValueError as exc:
        raise HeadlessError(f"--shift date {day!r} is not YYYY-MM-DD") from exc
    try:
        return shift_starting(start_day, name, clinic_time.zone(), settings.shifts)
    except ValueError as exc:  # a date at the ends of the calendar, or a start in a clock change
        raise HeadlessError(f"--shift: {exc}") from None


def census_of(settings: Settings, shift: Shift) -> Census:
    try:
        store = open_store(settings.data_path())
    except StoreError as exc:
        raise _store_error(exc) from exc
    try:
        return census(store.entries(), shift)
    finally:
        store.close()


# -- the shift handover report ---------------------------------------------------------------------

def shift_report(settings: Settings, spec: str) -> ShiftReport:
    """The handover report of the shift ``spec`` (``YYYY-MM-DD:NAME``) from the local store (no platform)."""
    try:
        shift = parse_report_shift(settings, spec)
    except ShiftSpecError as exc:
        raise HeadlessError(str(exc)) from exc
    try:
        store = open_store(settings.data_path())
    except StoreError as exc:
        raise _store_error(exc) from exc
    try:
        return build_report(store, settings, shift)
    except StoreError as exc:
        raise _store_error(exc) from exc
    finally:
        store.close()


# -- outbox and do ---------------------------------------------------------------------------------

def outbox_rows(settings: Settings, *, everything: bool) -> list[Any]:
    try:
        store = open_store(settings.data_path())
    except StoreError as exc:
        raise _store_error(exc) from exc
    try:
        return list(store.outbox(None if everything else "pending"))
    except StoreError as exc:
        raise _store_error(exc) from exc
    finally:
        store.close()


@dataclass(frozen=True)
class DoOutcome:
    queued: list[Any]  # the commands queued here
    report: Any  # the replay report
    pending_after: int


_ORDER = ("triage", "room", "nurse", "doctor", "state")
_KINDS = {"triage": CommandKind.SET_TRIAGE, "room": CommandKind.ASSIGN_ROOM, "nurse": CommandKind.ASSIGN_NURSE,
          "doctor": CommandKind.ASSIGN_DOCTOR, "state": CommandKind.SET_STATE}


def do_changes(settings: Settings, ref: str, by: str, changes: dict[str, str | None],
               disposition: str | None) -> DoOutcome:
    """Queue one command per given field (triage, room, nurse, doctor, state, in that order) and replay
    everything pending. Bad input queues nothing (``HeadlessError``)."""
    wanted = [(_KINDS[f], changes[f]) for f in _ORDER if changes.get(f) is not None]
    try:
        check_reference(ref, "Encounter", "encounter")
    except CommandError as exc:
        raise HeadlessError.of(f"{words(exc.problem)}; nothing queued", exc.problem) from exc
    runtime = open_platform_runtime(settings)
    try:
        engine = runtime.engine
        entry = engine.state.entries.get(ref)
        if entry is None:  # not known here yet: sync first
            outcome = engine.cycle()
            if outcome.error is not None:
                raise HeadlessError.of(f"{ref} is not known here and the sync failed: {outcome.error}; "
                                       "nothing queued", outcome.error.problem)
            entry = engine.state.entries.get(ref)
            if entry is None:
                raise HeadlessError(f"{ref} is not in this clinic's worklist; nothing queued",
                                    kind=ProblemKind.COMMAND_NOT_IN_QUEUE, params={"encounter": ref})
        # Every command is made and checked before any is queued: bad input queues nothing.
        now = utcnow()
        commands = []
        try:
            current = entry
            for kind, value in wanted:
                assert value is not None
                command = make_command(current, kind, value, by=by, now=now, scale=engine.config.scale,
                                       disposition=disposition if kind is CommandKind.SET_STATE else None)
                commands.append(command)
                current = apply_local(current, command)
        except CommandError as exc:
            raise HeadlessError.of(f"{words(exc.problem)}; nothing queued", exc.problem) from exc
        for command in commands:
            engine.submit(command)
        report = engine.replay()
        pending_after = runtime.pending_writes()
    except StoreError as exc:
        raise _store_error(exc) from exc
    finally:
        runtime.close()
    assert report is not None
    return DoOutcome(commands, report, pending_after)


# -- login / logout --------------------------------------------------------------------------------

def login(platform: str, client_id: Callable[[], str], secret: Callable[[], str], *, verify: bool,
          timeout: float, token_url: str = "") -> str:
    """Check the credentials against the platform's token endpoint, then store them in the OS keyring.
    ``client_id``/``secret`` are asked for only once a keyring is known to exist. The client id.

    ``token_url``: the configured token endpoint (``oauth_endpoint``); empty: the one the platform declares,
    which must be on its own origin. The secret goes nowhere else, and never over plain http to another
    machine."""
    from legevakt.sync.auth import (
        ClientCredentials,
        ClientCredentialsTokens,
        discover_token_url,
        keyring_available,
        store_credentials,
    )

    if not keyring_available():
        raise KeyringUnavailable()
    cid = client_id()
    sec = secret()
    if not cid or not sec:
        raise HeadlessError("both a client id and a secret are needed; nothing was stored")
    try:
        token_url = token_url or discover_token_url(platform, verify=verify, timeout=timeout)
    except PlatformError as exc:
        raise HeadlessError.of(f"cannot find the platform's token endpoint: {exc}; nothing was stored",
                               exc.problem) from exc
    creds = ClientCredentials(cid, sec)
    try:
        tokens = ClientCredentialsTokens(token_url, creds, verify=verify, timeout=timeout)
    except PlatformError as exc:
        raise HeadlessError.of(f"{exc}; nothing was sent or stored", exc.problem) from exc
    try:
        tokens.refresh()
    except AuthenticationError as exc:
        raise HeadlessError.of(f"the platform refused these credentials ({exc.detail}); nothing was stored",
                               exc.problem) from exc
    except PlatformError as exc:
        raise HeadlessError.of(f"could not check the credentials: {exc}; nothing was stored", exc.problem) from exc
    finally:
        tokens.close()
    store_credentials(platform, creds)
    return cid


def logout(platform: str) -> None:
    from legevakt.sync.auth import delete_credentials

    delete_credentials(platform)


# -- the journal: note, send, deliveries -----------------------------------------------------------

@dataclass(frozen=True)
class JournalOutcome:
    """What ``note``/``send`` did: the note or delivery as stored after sending, and whether the platform
    has it (False: queued in the outbox, retried at the next sync; exit 3)."""

    note: Any
    delivery: Any = None
    on_platform: bool = True
    created: bool = True  # a new note, signature or Communication (False: the existing one, nothing changed)
    refused: bool = False  # the platform refused (or conflicted with) the write: it will not go by itself
    pending: bool = False  # queued in the outbox here: it goes to the platform at the next sync


_NOT_GOING = ("refused", "conflict")  # outbox states of a write that the next sync will not send


def _known(runtime: Runtime, encounter: str) -> None:
    """Sync once when the encounter is not known here yet (as ``do`` does)."""
    if encounter in runtime.engine.state.entries:
        return
    outcome = runtime.engine.cycle()
    if outcome.error is not None:
        raise HeadlessError.of(f"{encounter} is not known here and the sync failed: {outcome.error}; nothing written",
                               outcome.error.problem)
    if encounter not in runtime.engine.state.entries:
        raise HeadlessError(f"{encounter} is not in this clinic's worklist; nothing written",
                            kind=ProblemKind.NOTE_WRONG_ENCOUNTER, params={"encounter": encounter})


def _journal_call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except ProblemError as exc:
        raise HeadlessError.of(f"{words(exc.problem)}; nothing changed", exc.problem) from exc
    except StoreError as exc:
        raise _store_error(exc) from exc


def write_note(settings: Settings, encounter: str, by: str, text: str, *, sign: bool) -> JournalOutcome:
    """Write a note for ``encounter`` (signed with ``sign``), send it to the platform now."""
    try:
        check_reference(encounter, "Encounter", "encounter")
        check_reference(by, "Practitioner", "--by")
    except CommandError as exc:
        raise HeadlessError.of(f"{words(exc.problem)}; nothing written", exc.problem) from exc
    runtime = open_platform_runtime(settings)
    try:
        _known(runtime, encounter)
        journal = runtime.journal
        note = _journal_call(lambda: journal.write_note(encounter, by, text, signed=sign))
        journal.push()
        state = runtime.store.outbox_states([note.identifier]).get(note.identifier)
        note = journal.refreshed_note(note)
        return JournalOutcome(note, on_platform=note.ref is not None, refused=state in _NOT_GOING,
                              pending=note.ref is None and state not in _NOT_GOING)
    finally:
        runtime.close()


def sign_note(settings: Settings, note_ref: str, by: str) -> JournalOutcome:
    try:
        check_reference(by, "Practitioner", "--by")
    except CommandError as exc:
        raise HeadlessError.of(f"{words(exc.problem)}; nothing signed", exc.problem) from exc
    runtime = open_platform_runtime(settings)
    try:
        journal = runtime.journal
        stored = runtime.store.note(note_ref)
        current = journal.refreshed_note(stored) if stored is not None else None
        if current is not None and current.status is NoteStatus.FINAL:
            if current.authenticator != by:  # signed by another: never signed twice, nor re-attributed
                raise HeadlessError(f"note {note_ref} is already signed by {current.authenticator}; a signed note is "
                                    "not signed again: write a correction instead; nothing signed",
                                    kind=ProblemKind.NOTE_ALREADY_SIGNED, params={"note": note_ref})
            # Signed by this practitioner already: nothing to do (a script may run it twice).
            state = journal.sign_state(current)
            return JournalOutcome(current, on_platform=current.ref is not None and state in (None, "applied"),
                                  created=False, pending=state == "pending")
        note = _journal_call(lambda: journal.sign_note(note_ref, by))
        journal.push()
        state = journal.sign_state(note)
        return JournalOutcome(journal.refreshed_note(note), on_platform=state == "applied",
                              refused=state in _NOT_GOING, pending=state == "pending")
    finally:
        runtime.close()


def send_note(settings: Settings, note_ref: str, by: str, to: str | None) -> JournalOutcome:
    try:
        check_reference(by, "Practitioner", "--by")
    except CommandError as exc:
        raise HeadlessError.of(f"{words(exc.problem)}; nothing sent", exc.problem) from exc
    runtime = open_platform_runtime(settings)
    try:
        journal = runtime.journal
        try:
            delivery, created = _journal_call(lambda: journal.send_note(note_ref, by, to))
        except PlatformError as exc:
            raise HeadlessError.of(f"cannot read the patient's GP from the platform: {exc}; give --to, "
                                   "nothing sent", exc.problem) from exc
        if created:
            journal.push()
        delivery = journal.refreshed_delivery(delivery)
        state = runtime.store.outbox_states([delivery.identifier]).get(delivery.identifier)
        return JournalOutcome(runtime.store.note(note_ref), delivery, on_platform=delivery.communication is not None,
                              created=created, refused=delivery.communication is None and state in _NOT_GOING)
    finally:
        runtime.close()


def deliveries_of(settings: Settings, *, everything: bool) -> list[Any]:
    """The ledger: the current shift's deliveries and every earlier one still open or needing action;
    ``everything``: all of them."""
    runtime = open_local_runtime(settings)
    try:
        shift = shift_at(utcnow(), clinic_time.zone(), settings.shifts)
        page = runtime.journal.ledger(everything=everything, since=shift.start)
        return list(page.deliveries)
    except StoreError as exc:
        raise _store_error(exc) from exc
    finally:
        runtime.close()


@dataclass(frozen=True)
class LedgerLine:
    """One delivery as ``deliveries`` prints it for a person: the patient masked (``160865 *****``) and
    the recipient's name where the store knows it (None: shown by reference)."""

    delivery: Any
    patient: str | None
    recipient_name: str | None


def ledger_lines(settings: Settings, *, everything: bool) -> list[LedgerLine]:
    """``deliveries_of`` with the masked patient and, where known here, the recipient's name (the clinic's
    own practitioners, by the names the worklist has for them); never asks the platform."""
    from legevakt.app.report import masked

    clinic_time.set_zone(settings.time_zone)
    rows = deliveries_of(settings, everything=everything)
    try:
        store = open_store(settings.data_path())
    except StoreError as exc:
        raise _store_error(exc) from exc
    try:
        entries = store.entries()
    except StoreError as exc:
        raise _store_error(exc) from exc
    finally:
        store.close()
    by_encounter = {e.ref: masked(e) for e in entries}
    by_patient: dict[str, str | None] = {}
    names: dict[str, str] = {}
    for e in entries:
        if e.patient is not None and by_encounter[e.ref] is not None:
            by_patient.setdefault(e.patient.ref, by_encounter[e.ref])
        enc = e.encounter
        for ref, name in ((enc.doctor, enc.doctor_name), (enc.nurse, enc.nurse_name)):
            if ref and name:
                names.setdefault(ref, name)
    out = []
    for d in rows:
        patient = by_encounter.get(d.encounter) if d.encounter else None
        out.append(LedgerLine(d, patient if patient is not None else by_patient.get(d.patient),
                              names.get(d.recipient)))
    return out


# -- sync --watch ----------------------------------------------------------------------------------

Emit = Callable[[dict[str, Any]], None]


def _queue_rows(entries: Any, pending: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for entry in entries:
        enc = entry.encounter
        rows.append({"encounter": enc.ref, "patient": enc.patient_ref, "state": enc.status.value,
                     "fate": entry.fate.value, "triage": enc.triage, "arrived": entry.arrived_at.isoformat(),
                     "room": enc.room, "nurse": enc.nurse, "doctor": enc.doctor, "in_list": entry.in_list,
                     "pending": pending.get(enc.ref, 0), "identifier_issue": identifier_issue_of(entry)})
    return rows


class Watch:
    """``sync --watch``: the window's engine and worker (push where offered, else polling; incremental with
    periodic full snapshots) in this thread, printing one JSON object per event until ``stop()``.

    Events: first ``{"type": "snapshot", ...}`` (the ``sync --once --json`` document, after the first
    cycle), then ``change`` (queue entries upserted or removed), ``alert`` (each alert opened or changed),
    ``delivery`` (a journal delivery changed) and ``link`` (push/poll/offline or pending writes changed).
    """

    def __init__(self, settings: Settings, emit: Emit) -> None:
        self.settings = settings
        self.emit = emit
        self.runtime = open_platform_runtime(settings)
        self.worker = SyncWorker(self.runtime, interval=settings.poll_seconds, push=settings.push,
                                 push_interval=settings.push_poll_seconds,
                                 on_changed=self._changed, on_failed=self._failed, executor=InlineExecutor())
        self._snapshot_sent = False
        self._link: tuple[str, int] | None = None

    def run(self) -> None:
        """Until ``stop()`` (e.g. from a SIGINT/SIGTERM handler); the runtime is closed on the way out."""
        try:
            self.worker.run()
        finally:
            self.runtime.close()

    def stop(self) -> None:
        self.worker.stop()

    def _failed(self, problem: Problem) -> None:
        self.emit({"type": "problem", "problem": words(problem), "problem_kind": problem.to_json()})

    def _changed(self, summary: Any) -> None:
        if summary.initial:
            return  # what the store held; the snapshot follows the first cycle
        rt = self.runtime
        link = summary.link
        if not self._snapshot_sent and self.worker.last is not None:
            outcome = self.worker.last
            doc = state_json(rt.engine.state, self.settings, complete=outcome.complete, synced_at=outcome.at,
                             link=link, problems=outcome.problems, pending=rt.pending_by_encounter())
            shift = shift_at(outcome.at, clinic_time.zone(), self.settings.shifts)
            doc["deliveries"] = [d.to_json() for d in rt.journal.ledger(since=shift.start).deliveries]
            self.emit({"type": "snapshot", **doc})
            self._snapshot_sent = True
            self._link = (link.mode.value, link.pending_writes)
            return
        pending = dict(summary.pending or {})
        if summary.upserted or summary.removed:
            self.emit({"type": "change", "complete": summary.complete,
                       "upserted": _queue_rows(summary.upserted, pending), "removed": list(summary.removed)})
        for alert in summary.alerts:
            self.emit({"type": "alert", **alert_json(alert)})
        for d in summary.deliveries:
            self.emit({"type": "delivery", **d.to_json()})
        now = (link.mode.value, link.pending_writes)
        if now != self._link:
            self._link = now
            self.emit({"type": "link", "link": link.mode.value, "pending_writes": link.pending_writes,
                       "last_complete_at": link.last_complete_at.isoformat() if link.last_complete_at else None,
                       "problem_kinds": [link.problem.to_json()] if link.problem else []})
