"""Alerts shared by every workstation of a clinic as FHIR R4 ``Task`` resources (issue 10). Pure functions.

The contract on the platform:

- ``Task.code.coding`` holds ``{system: "urn:legevakt:codesystem:alert", code: <AlertKind>}``; ``focus`` is
  the Encounter (the Communication for note alerts, the clinic's Location for a mass departure); ``for`` the
  Patient; ``encounter`` the Encounter; ``priority`` ``stat`` (critical) or ``urgent`` (warning);
  ``intent`` ``order``; ``description`` a Norwegian sentence naming no one (no identifiers).
- ``status``: ``requested`` while open; ``accepted`` once acknowledged, with ``owner`` the person who
  acknowledged first and a ``note`` (author, time, comment); ``completed`` once resolved, with the reason
  in ``statusReason.text`` and a ``note`` (by a person, or resolved by evidence, with the evidence). Every
  note of ours carries the extension ``ALERT_NOTE_KIND_EXT`` saying what it records.
- One condition is ``(kind, focus)``. A server may still hold two open Tasks for one condition: they are
  read as one (``fold``), and every write goes to each of them.

``merge_tasks`` is the re-read-and-merge after a 412: an acknowledgement someone else made is kept, every
note survives, and a Task never goes back from accepted to requested or from completed to open.

Alerts about one workstation alone (its link: ``SYNC_STALE``; its own writes: ``WRITE_*``) are never shared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from legevakt.codes import ALERT_CODE_SYSTEM, ALERT_NOTE_KIND_EXT, APPREC_ERROR_SYSTEM, APPREC_ERROR_TEXTS
from legevakt.worklist.models import Alert, AlertKind, AlertStatus, Severity
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled, _Work, resolve
from legevakt.worklist.snapshot import WorklistState
from legevakt.worklist.write_outcomes import merge

Resource = dict[str, Any]

#: Alerts about this workstation's own link and writes: they stay local.
LOCAL_KINDS: frozenset[AlertKind] = frozenset({AlertKind.SYNC_STALE, AlertKind.WRITE_NOT_APPLIED,
                                               AlertKind.WRITE_CONFLICT})
SHARED_KINDS: frozenset[AlertKind] = frozenset(k for k in AlertKind if k not in LOCAL_KINDS)
NOTE_KINDS: frozenset[AlertKind] = frozenset({AlertKind.NOTE_UNDELIVERED, AlertKind.NOTE_REJECTED,
                                              AlertKind.NOTE_RECEIPT_ERRORS})

# Task.status (R4 task-status) as the alert lifecycle reads it.
REQUESTED = "requested"
ACCEPTED = "accepted"
COMPLETED = "completed"
#: The statuses of a Task that is still open: the If-None-Exist and the search for the open Task use them.
OPEN_STATUSES: tuple[str, ...] = (REQUESTED, ACCEPTED)
_CLOSED = frozenset({COMPLETED, "cancelled", "rejected", "failed", "entered-in-error"})
_ACKED = frozenset({ACCEPTED, "received", "ready", "in-progress", "on-hold"})

# Task.note kinds (the extension's valueCode).
NOTE_ACK = "acknowledged"
NOTE_RESOLVED = "resolved"
NOTE_EVIDENCE = "resolved-by-evidence"

NO_COMMENT = "Kvittert uten kommentar"
EVIDENCE_PREFIX = "Løst ut fra bevis: "
#: Closed Tasks older than this before a local alert was raised belong to an earlier episode.
EPISODE_SLACK = timedelta(seconds=5)

#: Norwegian descriptions (no identifiers, no names): Task.description and Task.code.text.
DESCRIPTIONS: Mapping[AlertKind, str] = {
    AlertKind.DROPPED_FROM_QUEUE: "Pasient falt ut av køen",
    AlertKind.NOT_IN_QUEUE: "Aktivt besøk mangler i køen",
    AlertKind.STALE_ENTRY: "Avsluttet besøk står fortsatt i køen",
    AlertKind.DUPLICATE_PATIENT: "Samme pasient står i køen mer enn én gang",
    AlertKind.TRIAGE_OVERDUE: "Ventetiden har passert triagemålet",
    AlertKind.NOT_TRIAGED: "Pasienten er ikke triagert i tide",
    AlertKind.MASS_DEPARTURE: "Mange forlot køen på én gang: mulig feil i plattformen",
    AlertKind.NOTE_UNDELIVERED: "Journalnotat er ikke kvittert av mottaker innen fristen",
    AlertKind.NOTE_REJECTED: "Journalnotat ble avvist av mottaker",
    AlertKind.NOTE_RECEIPT_ERRORS: "Journalnotat ble mottatt med feil",
}
_PRIORITY = {Severity.CRITICAL: "stat", Severity.WARNING: "urgent"}
_SEVERITY = {"stat": Severity.CRITICAL, "asap": Severity.CRITICAL, "urgent": Severity.WARNING,
             "routine": Severity.WARNING}
_PRACTITIONER = re.compile(r"^Practitioner/[A-Za-z0-9\-.]{1,64}$")
_STATUS_RANK = {REQUESTED: 0, **{s: 1 for s in _ACKED}, **{s: 2 for s in _CLOSED}}

Condition = tuple[AlertKind, str]  # (kind, focus reference)


# -- the 8221 reasons of a note alert ---------------------------------------------------------------------
#: Where a note alert's detail lists the receipt's 8221 codes (``legevakt.journal.alerts``).
REJECTED_MARK = "rejected by the recipient: "
ERRORS_MARK = "receipted with errors: "
#: A refused send's NOTE_UNDELIVERED says so in its detail: the note did not leave (no deadline ran).
REFUSED_DETAIL = "the platform refused to send it: the note did not leave"
#: ... and in its Task (no false "no receipt by the deadline" there either).
REFUSED_DESCRIPTION = "Journalnotat ble ikke sendt: plattformen avviste sendingen"
_CODE = re.compile(r"\b([A-Z]\d{2})\b")


def codes_text(codes: Iterable[str]) -> str:
    """8221 codes as an alert's detail lists them: each with the code list's Norwegian text."""
    return "; ".join(f"{c} {APPREC_ERROR_TEXTS[c]}" if c in APPREC_ERROR_TEXTS else c for c in codes)


def reason_codes(alert: Alert) -> tuple[str, ...]:
    """The 8221 codes of a rejection or a receipt with errors, read from the alert's detail (the alert
    itself is all another workstation, or a window without the delivery, has)."""
    if alert.kind not in (AlertKind.NOTE_REJECTED, AlertKind.NOTE_RECEIPT_ERRORS):
        return ()
    mark = REJECTED_MARK if alert.kind is AlertKind.NOTE_REJECTED else ERRORS_MARK
    _, found, tail = alert.detail.rpartition(mark)
    if not found:
        return ()
    return tuple(dict.fromkeys(c for c in _CODE.findall(tail) if c in APPREC_ERROR_TEXTS))


def not_sent(alert: Alert) -> bool:
    """A NOTE_UNDELIVERED about a send the platform refused (the note never left)."""
    return alert.kind is AlertKind.NOTE_UNDELIVERED and REFUSED_DETAIL in alert.detail


def reasons_text(alert: Alert) -> str:
    """The 8221 reasons of a note alert in Norwegian (code and the code list's text), or ``""``."""
    return codes_text(reason_codes(alert))


def is_shared(kind: AlertKind) -> bool:
    return kind in SHARED_KINDS


def focus_of(alert: Alert, clinic_ref: str | None = None) -> str | None:
    """What the alert's Task is about: the Communication of a note alert (its note, or its encounter,
    before it was sent), the clinic for a mass departure, else the Encounter. None: nothing to share."""
    if alert.kind in NOTE_KINDS:
        for prefix in ("Communication/", "DocumentReference/"):
            found = next((r for r in alert.related if r.startswith(prefix)), None)
            if found is not None:
                return found
        return alert.encounter
    if alert.kind is AlertKind.MASS_DEPARTURE:
        return clinic_ref
    return alert.encounter


def condition_of(alert: Alert, clinic_ref: str | None = None) -> Condition | None:
    """The alert's condition on the platform; None when it is not shared."""
    if not is_shared(alert.kind):
        return None
    focus = focus_of(alert, clinic_ref)
    return None if focus is None else (alert.kind, focus)


def code_token(kind: AlertKind) -> str:
    return f"{ALERT_CODE_SYSTEM}|{kind.value}"


def open_task_query(kind: AlertKind, focus: str) -> dict[str, str]:
    """Search parameters for the open Task(s) of a condition (also the If-None-Exist criteria)."""
    return {"code": code_token(kind), "focus": focus, "status": ",".join(OPEN_STATUSES)}


def if_none_exist(kind: AlertKind, focus: str) -> str:
    """The ``If-None-Exist`` header of a create: the open Task for the same code and focus."""
    return urlencode(open_task_query(kind, focus))


def all_codes_token() -> str:
    """``code`` for a search of every shared alert kind (values ORed)."""
    return ",".join(code_token(k) for k in sorted(SHARED_KINDS))


# -- time and people ------------------------------------------------------------------------------------

def _instant(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def person_reference(by: str) -> Resource:
    """A Reference to who acted: a ``Practitioner/<id>`` as a reference, ``system|value`` as an identifier
    (an HPR number), anything else as its display."""
    by = by.strip()
    if _PRACTITIONER.match(by):
        return {"reference": by}
    system, bar, value = by.partition("|")
    if bar and system and value and ":" in system:
        return {"type": "Practitioner", "identifier": {"system": system, "value": value}}
    return {"display": by}


def person_of(ref: object) -> str | None:
    """``person_reference`` read back (the same string that went in)."""
    if not isinstance(ref, dict):
        return None
    if isinstance(ref.get("reference"), str) and ref["reference"]:
        return str(ref["reference"])
    ident = ref.get("identifier")
    if isinstance(ident, dict) and ident.get("system") and ident.get("value"):
        return f"{ident['system']}|{ident['value']}"
    if isinstance(ref.get("display"), str) and ref["display"]:
        return str(ref["display"])
    return None


# -- notes ------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TaskNote:
    kind: str | None  # NOTE_ACK, NOTE_RESOLVED, NOTE_EVIDENCE, or None (a note not written by us)
    author: str | None
    time: datetime | None
    text: str


def note_json(note: TaskNote) -> Resource:
    out: Resource = {}
    if note.kind is not None:
        out["extension"] = [{"url": ALERT_NOTE_KIND_EXT, "valueCode": note.kind}]
    if note.author:
        ref = person_reference(note.author)
        if "display" in ref and len(ref) == 1:
            out["authorString"] = ref["display"]
        else:
            out["authorReference"] = ref
    if note.time is not None:
        out["time"] = _instant(note.time)
    out["text"] = note.text
    return out


def note_of(raw: object) -> TaskNote | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        return None
    kind = None
    for ext in raw.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == ALERT_NOTE_KIND_EXT and isinstance(ext.get("valueCode"), str):
            kind = ext["valueCode"]
    author = raw.get("authorString") if isinstance(raw.get("authorString"), str) else person_of(
        raw.get("authorReference"))
    return TaskNote(kind, author, _parse_time(raw.get("time")), raw["text"])


def _note_key(raw: Resource) -> tuple[Any, ...]:
    note = note_of(raw)
    if note is None:
        return ("?", repr(raw))
    return (note.kind, note.author, note.time, note.text)


# -- Alert -> Task ---------------------------------------------------------------------------------------

def task_of(alert: Alert, *, focus: str, patient: str | None = None, clinic_ref: str | None = None,
            now: datetime | None = None) -> Resource:
    """The Task as this workstation holds the alert (no id: the body of a create, or what a merge adds)."""
    if not is_shared(alert.kind):
        raise ValueError(f"{alert.kind.value} alerts stay local")
    text = REFUSED_DESCRIPTION if not_sent(alert) else DESCRIPTIONS[alert.kind]
    reasons = reason_codes(alert)
    task: Resource = {
        "resourceType": "Task",
        "status": REQUESTED,
        "intent": "order",
        "priority": _PRIORITY[alert.severity],
        "code": {"coding": [{"system": ALERT_CODE_SYSTEM, "code": alert.kind.value}], "text": text},
        # the 8221 reasons of a rejection (code and the code list's Norwegian text: no identifiers)
        "description": f"{text}: {codes_text(reasons)}" if reasons else text,
        "focus": {"reference": focus},
        "authoredOn": _instant(alert.raised_at),
    }
    if reasons:
        task["reasonCode"] = {"coding": [{"system": APPREC_ERROR_SYSTEM, "code": c,
                                          "display": APPREC_ERROR_TEXTS[c]} for c in reasons],
                              "text": codes_text(reasons)}
    if patient:
        task["for"] = {"reference": patient}
    if alert.encounter:
        task["encounter"] = {"reference": alert.encounter}
    if clinic_ref:
        task["location"] = {"reference": clinic_ref}
    notes: list[TaskNote] = []
    changed = alert.raised_at
    if alert.acknowledged_by:
        task["status"] = ACCEPTED
        task["owner"] = person_reference(alert.acknowledged_by)
        at = alert.acknowledged_at or alert.raised_at
        notes.append(TaskNote(NOTE_ACK, alert.acknowledged_by, at, alert.ack_comment or NO_COMMENT))
        changed = max(changed, at)
    if alert.status is AlertStatus.RESOLVED:
        task["status"] = COMPLETED
        at = alert.resolved_at or changed
        reason = (alert.resolution or "").strip() or "løst"
        task["statusReason"] = {"text": reason}
        if alert.resolved_by:
            notes.append(TaskNote(NOTE_RESOLVED, alert.resolved_by, at, reason))
        else:
            notes.append(TaskNote(NOTE_EVIDENCE, None, at, EVIDENCE_PREFIX + reason))
        changed = max(changed, at)
    if notes:
        task["note"] = [note_json(n) for n in notes]
    task["lastModified"] = _instant(max(changed, now) if now is not None else changed)
    return task


# -- Task -> the shared state of an alert ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SharedAlert:
    """What the platform's Task(s) for one condition say."""

    kind: AlertKind
    focus: str
    status: AlertStatus
    severity: Severity
    tasks: tuple[str, ...]  # "Task/<id>" (more than one where a server made duplicates)
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    ack_comment: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    notes: tuple[TaskNote, ...] = ()
    last_updated: datetime | None = None  # meta.lastUpdated (the server's clock), else lastModified
    encounter: str | None = None  # Task.encounter
    raised_at: datetime | None = None  # Task.authoredOn
    reasons: tuple[str, ...] = ()  # a note alert's 8221 codes (Task.reasonCode)
    not_sent: bool = False  # a NOTE_UNDELIVERED about a send the platform refused (Task.description says so)

    @property
    def condition(self) -> Condition:
        return (self.kind, self.focus)


def kind_of(task: Resource) -> AlertKind | None:
    """The shared alert kind in ``Task.code``; None for a Task that is not one of ours."""
    code = task.get("code")
    for coding in (code.get("coding") if isinstance(code, dict) else None) or []:
        if isinstance(coding, dict) and coding.get("system") == ALERT_CODE_SYSTEM:
            try:
                kind = AlertKind(str(coding.get("code")))
            except ValueError:
                return None
            return kind if is_shared(kind) else None
    return None


def condition_of_task(task: Resource) -> Condition | None:
    kind = kind_of(task)
    focus = task.get("focus")
    ref = focus.get("reference") if isinstance(focus, dict) else None
    if kind is None or not isinstance(ref, str) or not ref:
        return None
    return (kind, ref)


def task_ref(task: Resource) -> str | None:
    rid = task.get("id")
    return f"Task/{rid}" if isinstance(rid, str) and rid else None


def last_updated(task: Resource) -> datetime | None:
    meta = task.get("meta")
    found = _parse_time(meta.get("lastUpdated")) if isinstance(meta, dict) else None
    return found or _parse_time(task.get("lastModified"))


def shared_of(task: Resource) -> SharedAlert | None:
    """The shared state one Task holds; None when it is not a shared alert of ours."""
    cond = condition_of_task(task)
    if cond is None:
        return None
    kind, focus = cond
    status = str(task.get("status") or REQUESTED)
    notes = tuple(n for n in (note_of(raw) for raw in task.get("note") or []) if n is not None)
    acks = [n for n in notes if n.kind == NOTE_ACK]
    resolutions = [n for n in notes if n.kind in (NOTE_RESOLVED, NOTE_EVIDENCE)]
    owner = person_of(task.get("owner"))
    reason = task.get("statusReason")
    reason_text = reason.get("text") if isinstance(reason, dict) and isinstance(reason.get("text"), str) else None
    alert_status = (AlertStatus.RESOLVED if status in _CLOSED else
                    AlertStatus.ACKNOWLEDGED if status in _ACKED else AlertStatus.OPEN)
    enc = task.get("encounter")
    enc_ref = enc.get("reference") if isinstance(enc, dict) and isinstance(enc.get("reference"), str) else None
    shared = SharedAlert(kind=kind, focus=focus, status=alert_status,
                         severity=_SEVERITY.get(str(task.get("priority")), Severity.WARNING),
                         tasks=tuple(r for r in (task_ref(task),) if r), notes=notes,
                         last_updated=last_updated(task), encounter=enc_ref,
                         raised_at=_parse_time(task.get("authoredOn")), reasons=_reasons_of(task),
                         not_sent=kind is AlertKind.NOTE_UNDELIVERED and task.get("description") == REFUSED_DESCRIPTION)
    return _with_people(shared, owner, acks, resolutions, reason_text)


def _reasons_of(task: Resource) -> tuple[str, ...]:
    reason = task.get("reasonCode")
    codings = reason.get("coding") if isinstance(reason, dict) else None
    return tuple(dict.fromkeys(str(c["code"]) for c in codings or []
                               if isinstance(c, dict) and c.get("system") == APPREC_ERROR_SYSTEM
                               and c.get("code") in APPREC_ERROR_TEXTS))


def _with_people(shared: SharedAlert, owner: str | None, acks: Sequence[TaskNote],
                 resolutions: Sequence[TaskNote], reason: str | None) -> SharedAlert:
    acks = sorted(acks, key=_note_order)
    first_ack = next((n for n in acks if n.author == owner), acks[0] if acks else None)
    who = owner or (first_ack.author if first_ack else None)
    comments = [n for n in acks if n.text != NO_COMMENT]
    if len(comments) > 1:
        comment: str | None = "; ".join(f"{n.author}: {n.text}" if n.author else n.text for n in comments)
    else:
        comment = comments[0].text if comments else None
    out = replace(shared)
    if shared.status is not AlertStatus.OPEN and who is not None:
        out = replace(out, acknowledged_by=who, acknowledged_at=first_ack.time if first_ack else None,
                      ack_comment=comment)
    if shared.status is AlertStatus.RESOLVED:
        ordered = sorted(resolutions, key=_note_order)
        # the resolution the Task holds (its statusReason) is the one that counts; else the first
        res = next((n for n in ordered if reason is not None and n.text.removeprefix(EVIDENCE_PREFIX) == reason),
                   ordered[0] if ordered else None)
        text = reason
        if text is None and res is not None:
            text = res.text.removeprefix(EVIDENCE_PREFIX)
        out = replace(out, resolved_by=res.author if res is not None and res.kind == NOTE_RESOLVED else None,
                      resolved_at=res.time if res is not None else shared.last_updated, resolution=text)
    return out


def _note_order(note: TaskNote) -> tuple[datetime, str, str]:
    return (note.time or datetime.max.replace(tzinfo=UTC), note.author or "", note.text)


def fold(tasks: Iterable[Resource]) -> SharedAlert | None:
    """Several Tasks for one condition (a server that made duplicates) read as one: the furthest status,
    the first acknowledgement and resolution, every note once. None when none is a shared alert."""
    states = [s for s in (shared_of(t) for t in tasks) if s is not None]
    if not states:
        return None
    first = states[0]
    status = max((s.status for s in states), key=_ALERT_RANK.__getitem__)
    severity = Severity.CRITICAL if any(s.severity is Severity.CRITICAL for s in states) else Severity.WARNING
    notes: dict[tuple[Any, ...], TaskNote] = {}
    for s in states:
        for n in s.notes:
            notes.setdefault((n.kind, n.author, n.time, n.text), n)
    ordered = tuple(sorted(notes.values(), key=_note_order))
    owners = sorted((s.acknowledged_at or datetime.max.replace(tzinfo=UTC), s.acknowledged_by or "")
                     for s in states if s.acknowledged_by)
    reasons = sorted((s.resolved_at or datetime.max.replace(tzinfo=UTC), s.resolution or "")
                      for s in states if s.status is AlertStatus.RESOLVED and s.resolution)
    updated = [s.last_updated for s in states if s.last_updated is not None]
    raised = [s.raised_at for s in states if s.raised_at is not None]
    base = SharedAlert(kind=first.kind, focus=first.focus, status=status, severity=severity,
                       tasks=tuple(sorted({t for s in states for t in s.tasks})), notes=ordered,
                       last_updated=max(updated) if updated else None,
                       encounter=next((s.encounter for s in states if s.encounter), None),
                       raised_at=min(raised) if raised else None,
                       reasons=next((s.reasons for s in states if s.reasons), ()),
                       not_sent=any(s.not_sent for s in states))
    return _with_people(base, owners[0][1] if owners else None,
                        [n for n in ordered if n.kind == NOTE_ACK],
                        [n for n in ordered if n.kind in (NOTE_RESOLVED, NOTE_EVIDENCE)],
                        reasons[0][1] if reasons else None)


_ALERT_RANK = {AlertStatus.OPEN: 0, AlertStatus.ACKNOWLEDGED: 1, AlertStatus.RESOLVED: 2}


# -- merging two versions of one Task ----------------------------------------------------------------------

def merge_tasks(theirs: Resource, ours: Resource) -> Resource:
    """The Task to write after reading ``theirs`` from the platform, to carry ``ours`` (``task_of``).

    Keeps everything of theirs (id, their owner, their reason, their notes); adds our notes that are not
    there yet; moves the status forward only (requested -> accepted -> completed), except that an
    escalation to critical (``stat``) opens an acknowledged Task again, and an acknowledgement of the
    warning never acknowledges the critical Task; takes the higher priority. ``meta`` is dropped (the
    server sets it). Equal to ``theirs`` (less meta) when ours adds nothing: then there is nothing to write.
    """
    out = {k: v for k, v in theirs.items() if k != "meta"}
    their_status, our_status = str(theirs.get("status") or REQUESTED), str(ours.get("status") or REQUESTED)
    warning_ack_on_critical = (our_status in _ACKED and theirs.get("priority") == "stat"
                               and ours.get("priority") != "stat")
    if _STATUS_RANK.get(our_status, 0) > _STATUS_RANK.get(their_status, 0) and not warning_ack_on_critical:
        out["status"] = our_status
        if our_status in _CLOSED and "statusReason" in ours:
            out["statusReason"] = ours["statusReason"]
    if "owner" not in out and "owner" in ours and out.get("status") != REQUESTED:
        out["owner"] = ours["owner"]
    if ours.get("priority") == "stat" and theirs.get("priority") != "stat":
        out["priority"] = "stat"
        if out.get("status") in _ACKED:
            # An escalation to critical needs a fresh acknowledgement (as locally): the Task opens again,
            # its notes (the acknowledgement of the warning among them) kept.
            out["status"] = REQUESTED
            out.pop("owner", None)
    for key in ("code", "description", "focus", "for", "encounter", "intent", "authoredOn", "location"):
        if key not in out and key in ours:
            out[key] = ours[key]
    notes = list(theirs.get("note") or [])
    have = {_note_key(n) for n in notes if isinstance(n, dict)}
    added = [n for n in ours.get("note") or [] if isinstance(n, dict) and _note_key(n) not in have]
    if added:
        out["note"] = notes + added
    if out != {k: v for k, v in theirs.items() if k != "meta"}:
        mine, theirs_at = _parse_time(ours.get("lastModified")), _parse_time(theirs.get("lastModified"))
        if mine is not None and (theirs_at is None or mine > theirs_at):
            out["lastModified"] = ours["lastModified"]
    return out


def same_content(a: Resource, b: Resource) -> bool:
    """Whether two Task bodies are equal but for ``meta``."""
    return {k: v for k, v in a.items() if k != "meta"} == {k: v for k, v in b.items() if k != "meta"}


# -- applying what the platform says to the local alerts -------------------------------------------------

def differs(alert: Alert, shared: SharedAlert) -> bool:
    """Whether ``shared`` tells this workstation something about ``alert`` it does not show yet."""
    if shared.status is AlertStatus.RESOLVED:
        return True
    if shared.status is AlertStatus.ACKNOWLEDGED:
        if alert.severity is Severity.CRITICAL and shared.severity is Severity.WARNING:
            return False  # acknowledged as a warning: the escalation needs its own acknowledgement
        return (alert.status is not AlertStatus.ACKNOWLEDGED or alert.acknowledged_by != shared.acknowledged_by
                or alert.ack_comment != shared.ack_comment)
    return False


def apply_shared(state: WorklistState, updates: Iterable[tuple[str, SharedAlert]], now: datetime,
                 config: ReconcileConfig) -> Reconciled | None:
    """Show the platform's acknowledgements and resolutions of other workstations on the local alerts
    (``updates``: local alert id -> what its Task(s) say). A resolution resolves the local alert as a
    person's does (a drop's tombstone leaves the queue; the condition stays quiet until it clears).
    None when nothing changed."""
    combined: Reconciled | None = None
    for alert_id, shared in updates:
        alert = state.alerts.get(alert_id)
        if alert is None or not differs(alert, shared):
            continue
        if shared.status is AlertStatus.RESOLVED:
            reason = shared.resolution or "løst på en annen arbeidsstasjon"
            result = resolve(state, alert_id, shared.resolved_by or "platform", reason, now, config)
            fixed = tuple(replace(a, resolved_by=shared.resolved_by, resolved_at=shared.resolved_at or now,
                                  acknowledged_by=a.acknowledged_by or shared.acknowledged_by,
                                  acknowledged_at=a.acknowledged_at or shared.acknowledged_at,
                                  ack_comment=a.ack_comment or shared.ack_comment)
                          if a.id == alert_id else a for a in result.alerts)
            result = replace(result, alerts=fixed)
        else:
            work = _Work(state, now, config)
            work._put(replace(alert, status=AlertStatus.ACKNOWLEDGED, acknowledged_by=shared.acknowledged_by,
                              acknowledged_at=shared.acknowledged_at or now, ack_comment=shared.ack_comment))
            result = work.freeze()
        state = result.state
        combined = result if combined is None else merge(combined, result)
    return combined


#: Kinds shown here when only another workstation raised them: a note alert belongs to the workstation that
#: sent the note, so nothing here would ever raise (nor clear) it. (Alerts about the queue are raised by
#: every workstation from its own snapshot; one raised elsewhere only is not taken over, so that a view
#: that differs never resolves, by its own evidence, a condition another workstation still sees.)
IMPORTED_KINDS: frozenset[AlertKind] = NOTE_KINDS


def import_shared(state: WorklistState, shared: Iterable[SharedAlert], now: datetime,
                  config: ReconcileConfig) -> Reconciled | None:
    """Open a local alert for each open shared note alert another workstation raised that this one does not
    hold (keyed by its focus), with who acknowledged it. None when there is none."""
    work = _Work(state, now, config)
    held = {cond for cond in (condition_of(a) for a in state.alerts.values()) if cond is not None}
    for s in shared:
        if s.kind not in IMPORTED_KINDS or s.status is AlertStatus.RESOLVED or s.condition in held:
            continue
        if (s.kind, s.focus) in state.open_keys or (s.kind, s.focus) in work.suppressed:
            continue
        detail = f"raised at another workstation: {s.kind.value} about {s.focus}"
        if s.reasons:  # the same words as where it was raised, so its reasons show here too
            mark = REJECTED_MARK if s.kind is AlertKind.NOTE_REJECTED else ERRORS_MARK
            detail = f"{detail}: {mark}{codes_text(s.reasons)}"
        elif s.not_sent:
            detail = f"{detail}: {REFUSED_DETAIL}"
        alert = work.raise_alert(s.kind, s.severity, s.focus, s.encounter, detail, (s.focus,))
        if alert is not None and s.status is AlertStatus.ACKNOWLEDGED:
            work._put(replace(alert, status=AlertStatus.ACKNOWLEDGED, acknowledged_by=s.acknowledged_by,
                              acknowledged_at=s.acknowledged_at or now, ack_comment=s.ack_comment))
        held.add(s.condition)
    result = work.freeze()
    return result if result.alerts else None


__all__ = [
    "ACCEPTED",
    "COMPLETED",
    "DESCRIPTIONS",
    "IMPORTED_KINDS",
    "LOCAL_KINDS",
    "NOTE_KINDS",
    "OPEN_STATUSES",
    "REQUESTED",
    "SHARED_KINDS",
    "Condition",
    "SharedAlert",
    "TaskNote",
    "all_codes_token",
    "apply_shared",
    "code_token",
    "codes_text",
    "condition_of",
    "condition_of_task",
    "differs",
    "focus_of",
    "fold",
    "if_none_exist",
    "import_shared",
    "is_shared",
    "kind_of",
    "last_updated",
    "merge_tasks",
    "not_sent",
    "open_task_query",
    "person_of",
    "person_reference",
    "reason_codes",
    "reasons_text",
    "same_content",
    "shared_of",
    "task_of",
    "task_ref",
]
