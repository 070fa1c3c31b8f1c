"""The shift handover report as plain data (no Qt): what the PDF (``legevakt.ui.report_pdf``), ``legevakt
report --json`` and the window's "Vaktrapport…" all show.

``build_report(store, settings, shift)`` reads the local store once and gathers, for one shift:

- its census (``legevakt.worklist.census``): the patients carried over from the shift before and those who
  arrived in it = departed during it (by reason) + present at its end + dropped, unresolved;
- every alert raised during the shift or still open at its start, with who acknowledged and resolved it,
  when, and their comment or reason;
- journal notes not delivered in time (overdue now, or overdue once), each with how its resend chain
  stands now, notes the recipient rejected, and notes the platform refused to send (never sent, not late);
- writes not applied: outbox commands the platform refused or that conflicted, and those still pending;
- the link's uptime: seconds up of the seconds known (``link_uptime``, a pure function).

Patients appear only by their masked identifier (``160860 *****``) and their platform Encounter id, never
by name or full national identifier. The free text people typed (acknowledgement comments, resolution
reasons) and the platform's refusal texts are scrubbed of the names and national identifiers of the
patients the store knows (``Scrubber``) before they go into the report.

``parse_report_shift(settings, "2026-12-02:evening")`` reads the pinned ``--shift`` form: a date and a
configured shift name. A shift belongs to the date it starts on (``2026-12-02:night`` starts at 23:00 on
2 December and ends the next morning).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from legevakt.app import clinic_time
from legevakt.app.settings import Settings
from legevakt.journal.model import Delivery, DeliveryState
from legevakt.text import shown
from legevakt.worklist.census import Shift, census, shift_starting
from legevakt.worklist.identifiers import mask
from legevakt.worklist.models import Alert, Entry

__all__ = [
    "AlertLine",
    "CensusPart",
    "DeliveryLine",
    "Outage",
    "ReportSource",
    "Scrubber",
    "ShiftReport",
    "ShiftSpecError",
    "Uptime",
    "WriteLine",
    "build_report",
    "link_uptime",
    "masked",
    "parse_report_shift",
]

MAX_TEXT = 300  # characters of free text (comments, reasons, refusals) kept per line


class ShiftSpecError(ValueError):
    """The ``--shift`` value is not ``YYYY-MM-DD:NAME`` with a configured shift name (one line, for the user)."""


# -- the data ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CensusPart:
    arrived: int
    departed: int
    present: int
    dropped: int
    departed_by_reason: tuple[tuple[str, int], ...]  # DepartureReason values, sorted
    carried_over: int = 0  # here when the shift began (arrived before it, not departed before it)

    @property
    def balances(self) -> bool:
        return (self.carried_over + self.arrived == self.departed + self.present + self.dropped
                and self.departed == sum(n for _, n in self.departed_by_reason))


@dataclass(frozen=True)
class AlertLine:
    id: str
    kind: str  # AlertKind value
    severity: str
    status: str  # open | acknowledged | resolved (now)
    encounter: str | None
    patient: str | None  # masked identifier, e.g. "160860 *****"
    raised_at: datetime
    carried_over: bool  # raised before the shift, still open at its start
    detail: str = ""
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    ack_comment: str | None = None
    resolved_by: str | None = None  # None and resolved_at set: resolved automatically
    resolved_at: datetime | None = None
    resolution: str | None = None


@dataclass(frozen=True)
class DeliveryLine:
    identifier: str
    communication: str | None
    note: str
    encounter: str | None
    patient: str | None  # masked identifier
    recipient: str
    state: str  # DeliveryState value (now)
    sent_at: datetime | None
    deadline: datetime | None
    was_overdue: bool
    errors: tuple[tuple[str, str], ...] = ()  # (8221 code, our Norwegian text)
    rejected_at: datetime | None = None
    resent_as: str | None = None
    created_at: datetime | None = None  # when the person sent it (queued here)
    refused: bool = False  # the platform refused to create the Communication: never sent
    # The resend chain: the last attempt made for this one (None: not sent again) and how it ended.
    resent_at: datetime | None = None  # the first resend's sending time
    last_communication: str | None = None  # the last attempt's Communication
    last_state: str | None = None  # the last attempt's DeliveryState value
    last_receipt_at: datetime | None = None  # the last attempt's receipt


@dataclass(frozen=True)
class WriteLine:
    seq: int
    command_id: str
    kind: str  # CommandKind value
    field: str  # the Encounter field (or "resource")
    encounter: str | None
    patient: str | None  # masked identifier
    value: str | None  # the value asked for (codes and platform ids)
    state: str  # pending | conflict | refused
    created_at: datetime
    created_by: str
    updated_at: datetime
    attempts: int
    error: str | None = None  # scrubbed
    resource_type: str | None = None  # create/update: what it writes ("Communication", "DocumentReference", ...)


@dataclass(frozen=True)
class Outage:
    start: datetime
    end: datetime  # clipped to the known part of the shift
    ongoing: bool  # still down at ``end``

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Uptime:
    up_seconds: float
    known_seconds: float  # from the first logged state (or the shift start) to the end (or now)
    span_seconds: float  # the part of the shift looked at: all of it, or up to now while it runs
    outages: tuple[Outage, ...] = ()

    @property
    def share(self) -> float | None:
        """Up / known, 0..1; None when nothing is known."""
        return self.up_seconds / self.known_seconds if self.known_seconds > 0 else None

    @property
    def unknown_seconds(self) -> float:
        return max(0.0, self.span_seconds - self.known_seconds)


@dataclass(frozen=True)
class ShiftReport:
    location: str  # "Location/<id>"
    shift_name: str  # "day", "evening", "night" or a configured name
    start: datetime  # aware, clinic time
    end: datetime
    generated_at: datetime
    census: CensusPart
    alerts: tuple[AlertLine, ...]
    undelivered: tuple[DeliveryLine, ...]
    rejected: tuple[DeliveryLine, ...]
    writes: tuple[WriteLine, ...]
    uptime: Uptime
    complete: bool = field(default=True)  # False: the shift has not ended yet (a report so far)
    triage_names: tuple[tuple[str, str, str], ...] = ()  # the clinic's triage levels: (code, bokmål, English)
    refused: tuple[DeliveryLine, ...] = ()  # notes whose sending the platform refused (never sent)
    location_name: str | None = None  # the clinic Location's name, where known
    names: tuple[tuple[str, str], ...] = ()  # Practitioner/Organization ref -> name, where known

    def name_of(self, ref: str | None) -> str | None:
        """The name the report knows for a Practitioner or Organization reference (None: not known)."""
        return dict(self.names).get(ref) if ref else None

    @property
    def day(self) -> date:
        """The date the shift belongs to (the one it starts on)."""
        return clinic_time.local(self.start).date()

    @property
    def spec(self) -> str:
        return f"{self.day.isoformat()}:{self.shift_name}"

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        doc: dict[str, Any] = plain(asdict(self))
        doc["shift"] = self.spec
        doc["census"]["departed_by_reason"] = dict(self.census.departed_by_reason)
        doc["census"]["balances"] = self.census.balances
        doc["uptime"]["share"] = self.uptime.share
        doc["uptime"]["unknown_seconds"] = self.uptime.unknown_seconds
        return doc


# -- the --shift form -------------------------------------------------------------------------------

_SPEC = re.compile(r"(\d{4}-\d{2}-\d{2}):([^:\s]+)")


def parse_report_shift(settings: Settings, spec: str) -> Shift:
    """``YYYY-MM-DD:NAME`` -> the shift NAME that starts on that date (clinic time)."""
    names = {s.name: s for s in settings.shifts}
    hint = f"--shift must be YYYY-MM-DD:NAME with NAME one of {', '.join(names)} (e.g. 2026-12-02:evening)"
    match = _SPEC.fullmatch(spec.strip())
    if match is None:
        raise ShiftSpecError(f"{hint}; got {spec!r}")
    day_text, name = match.groups()
    if name not in names:
        raise ShiftSpecError(f"{hint}; {name!r} is not a shift here")
    try:
        day = datetime.strptime(day_text, "%Y-%m-%d").date()
    except ValueError:
        raise ShiftSpecError(f"--shift date {day_text!r} is not a real date (YYYY-MM-DD)") from None
    try:
        return shift_starting(day, name, clinic_time.zone(), settings.shifts)
    except ValueError as exc:  # a start in a clock change, or a date at the ends of the calendar
        raise ShiftSpecError(f"--shift: {exc}") from None


# -- uptime (pure) ----------------------------------------------------------------------------------

def link_uptime(events: Iterable[tuple[datetime, bool]], start: datetime, end: datetime,
                now: datetime | None = None) -> Uptime:
    """Seconds the link was up, of the seconds its state is known, within ``[start, min(end, now))``.

    ``events``: (at, up) transitions in any order; those before ``start`` give the state at the start (the
    store hands the last one before first). Before the first event the state is unknown and counts neither
    way; after an event its state holds until the next one.
    """
    horizon = end if now is None else max(start, min(end, now))
    state: bool | None = None
    t = start
    up = known = 0.0
    outages: list[Outage] = []
    down_since: datetime | None = None

    def segment(until: datetime) -> None:
        nonlocal up, known
        if state is None or until <= t:
            return
        seconds = (until - t).total_seconds()
        known += seconds
        if state:
            up += seconds

    for at, is_up in sorted(events, key=lambda e: e[0]):
        if at >= horizon:
            break
        at = max(at, start)
        segment(at)
        if state is not False and not is_up:
            down_since = at
        elif state is False and is_up and down_since is not None:
            if at > down_since:
                outages.append(Outage(down_since, at, ongoing=False))
            down_since = None
        t, state = at, is_up
    segment(horizon)
    if state is False and down_since is not None and horizon > down_since:
        outages.append(Outage(down_since, horizon, ongoing=True))
    return Uptime(up, known, max(0.0, (horizon - start).total_seconds()), tuple(outages))


# -- patients: masked only, and free text scrubbed --------------------------------------------------

def masked(entry: Entry | None) -> str | None:
    """``160860 *****``: the birth-date part of the national identifier only; None when there is none."""
    if entry is None or entry.patient is None or not entry.patient.identifier:
        return None
    m = mask(entry.patient.identifier)
    return f"{m[:6]} {m[6:]}" if len(m) == 11 else m


_NATIONAL_ID = re.compile(r"(?<!\d)(\d{6})[ .-]?\d{5}(?!\d)")
_REDACTED = "***"


class Scrubber:
    """Removes the patients' names and national identifiers from free text.

    Any 11-digit number reads as a national identifier and is masked; every name the store knows (the
    whole name as "Family, Given" and "Given Family", and each of its words of three letters or more, as
    whole words with the capital they are written with) becomes ``***``.
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        words: set[str] = set()
        for entry in entries:
            patient = entry.patient
            if patient is None or not patient.name:
                continue
            name = patient.name.strip()
            family, _, given = (p.strip() for p in name.partition(","))
            words.update(w for w in (name, f"{given} {family}".strip()) if w)
            words.update(w for w in re.split(r"[\s,]+", name) if len(w) >= 3)
        # Longest first, so a whole name goes before its parts.
        alternatives = sorted(words, key=len, reverse=True)
        self._names = (re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in alternatives) + r")(?!\w)")
                       if alternatives else None)

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        out = _NATIONAL_ID.sub(lambda m: f"{m.group(1)} *****", text)
        if self._names is not None:
            out = self._names.sub(_REDACTED, out)
        if len(out) > MAX_TEXT:
            out = out[:MAX_TEXT - 1] + "…"
        return out


# -- building ---------------------------------------------------------------------------------------

class ReportSource(Protocol):
    """The store reads the report needs (``legevakt.store.db.Store``)."""

    def entries(self) -> list[Entry]: ...
    def alerts(self, status: str | None = None) -> list[Alert]: ...
    def outbox(self, status: str | None = None) -> list[Any]: ...
    def deliveries(self, *, states: Sequence[DeliveryState] | None = None, note: str | None = None,
                   encounter: str | None = None, since: datetime | None = None) -> list[Delivery]: ...
    def link_events(self, since: datetime | None = None, until: datetime | None = None,
                    ) -> list[tuple[datetime, bool]]: ...


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def _alerts(alerts: Iterable[Alert], shift: Shift, patient_of: Mapping[str, str | None],
            scrub: Scrubber) -> tuple[AlertLine, ...]:
    start, end = _utc(shift.start), _utc(shift.end)
    lines = []
    for a in alerts:
        raised = _utc(a.raised_at)
        during = start <= raised < end
        open_at_start = raised < start and (a.resolved_at is None or _utc(a.resolved_at) > start)
        if not (during or open_at_start):
            continue
        lines.append(AlertLine(
            id=a.id, kind=a.kind.value, severity=a.severity.value, status=a.status.value, encounter=a.encounter,
            patient=patient_of.get(a.encounter) if a.encounter else None, raised_at=a.raised_at,
            carried_over=not during, detail=scrub(a.detail) or "",
            acknowledged_by=shown(a.acknowledged_by) or None, acknowledged_at=a.acknowledged_at,
            ack_comment=scrub(a.ack_comment), resolved_by=shown(a.resolved_by) or None,
            resolved_at=a.resolved_at, resolution=scrub(a.resolution)))
    return tuple(sorted(lines, key=lambda line: (_utc(line.raised_at), len(line.id), line.id)))


def _resends(d: Delivery, everything: Sequence[Delivery]) -> list[Delivery]:
    """The attempts that sent ``d`` again, in order (each one resending the one before)."""
    chain: list[Delivery] = []
    seen = {d.identifier}
    current = d
    while True:
        nxt = next((o for o in everything if o.identifier not in seen and (
            (current.communication is not None and o.resend_of == current.communication)
            or (current.resent_as is not None and o.communication == current.resent_as))), None)
        if nxt is None:
            return chain
        chain.append(nxt)
        seen.add(nxt.identifier)
        current = nxt


def _delivery_line(d: Delivery, patient: str | None, everything: Sequence[Delivery] = ()) -> DeliveryLine:
    receipt = d.receipt
    errors = tuple((e.code, e.text) for e in receipt.errors) if receipt is not None else ()
    rejected_at = None
    if d.state is DeliveryState.REJECTED:
        rejected_at = (receipt.sent_at if receipt is not None and receipt.sent_at is not None else d.sent_at)
    chain = _resends(d, everything)
    last = chain[-1] if chain else None
    return DeliveryLine(identifier=d.identifier, communication=d.communication, note=d.note, encounter=d.encounter,
                        patient=patient, recipient=d.recipient, state=d.state.value, sent_at=d.sent_at,
                        deadline=d.deadline, was_overdue=d.was_overdue, errors=errors, rejected_at=rejected_at,
                        resent_as=d.resent_as or (chain[0].communication if chain else None),
                        created_at=d.created_at, refused=d.never_sent,
                        resent_at=(chain[0].sent_at or chain[0].created_at) if chain else None,
                        last_communication=last.communication if last is not None else None,
                        last_state=last.state.value if last is not None else None,
                        last_receipt_at=last.receipt.sent_at if last is not None and last.receipt is not None else None)


def _deliveries(deliveries: Iterable[Delivery], shift: Shift, patient_of: Mapping[str, str | None],
                by_patient: Mapping[str, str | None],
                ) -> tuple[tuple[DeliveryLine, ...], tuple[DeliveryLine, ...], tuple[DeliveryLine, ...]]:
    """(undelivered, rejected, refused). Undelivered: overdue now or once, its deadline passing in the shift,
    or before it and still overdue. Rejected: the rejection came in the shift, or before it and the note was
    not yet sent again. Refused: the platform refused to create the Communication (never sent, so never
    late), the person sending it in the shift, or before it and not sent again. Each line follows its resend
    chain to the last attempt (how it stands now)."""
    start, end = _utc(shift.start), _utc(shift.end)
    everything = list(deliveries)
    undelivered, rejected, refused = [], [], []
    for d in everything:
        patient = patient_of.get(d.encounter) if d.encounter else None
        if patient is None:
            patient = by_patient.get(d.patient)
        if d.never_sent:
            made = d.created_at or d.sent_at
            line = _delivery_line(d, patient, everything)
            if made is not None and _utc(made) < end and (
                    _utc(made) >= start or (line.last_state is None and d.resent_as is None)):
                refused.append(line)
            continue
        late = d.state is DeliveryState.OVERDUE or d.was_overdue
        if late and d.deadline is not None and _utc(d.deadline) < end and (
                _utc(d.deadline) >= start or d.state is DeliveryState.OVERDUE):
            undelivered.append(_delivery_line(d, patient, everything))
        if d.state is DeliveryState.REJECTED:
            line = _delivery_line(d, patient, everything)
            when = line.rejected_at
            if when is not None and _utc(when) < end and (_utc(when) >= start or d.resent_as is None):
                rejected.append(line)

    def order(line: DeliveryLine) -> tuple[datetime, str]:
        when = line.sent_at or line.created_at
        return (_utc(when) if when else start, line.identifier)

    return (tuple(sorted(undelivered, key=order)), tuple(sorted(rejected, key=order)),
            tuple(sorted(refused, key=order)))


def _resource_type(command: Any) -> str | None:
    """What a create or update writes: the created type, or the type of the updated reference."""
    if command.kind.value == "create":
        return command.resource_type if isinstance(command.resource_type, str) else None
    if command.kind.value == "update" and isinstance(command.target, str) and "/" in command.target:
        return str(command.target.split("/", 1)[0])
    return None


def _names(entries: Iterable[Entry], given: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    """Practitioner names the report can show: the visits' nurses and doctors, then ``given`` (the
    platform's, where the caller knows them), which wins."""
    found: dict[str, str] = {}
    for e in entries:
        enc = e.encounter
        for ref, name in ((enc.nurse, enc.nurse_name), (enc.doctor, enc.doctor_name)):
            if ref and name:
                found[ref] = name
    found.update({k: v for k, v in (given or {}).items() if k and v})
    return tuple(sorted(found.items()))


def _writes(items: Iterable[Any], shift: Shift, patient_of: Mapping[str, str | None],
            scrub: Scrubber) -> tuple[WriteLine, ...]:
    """Refused or conflicting commands settled in the shift (or made in it), and every one still pending
    that was made before its end."""
    start, end = _utc(shift.start), _utc(shift.end)
    lines = []
    for item in items:
        state = str(item.state)  # an OutboxState (a StrEnum): its value
        command = item.command
        created, updated = _utc(command.created_at), _utc(item.updated_at)
        if state == "applied" or created >= end:
            continue
        if state != "pending" and not (start <= updated < end or start <= created < end):
            continue
        lines.append(WriteLine(
            seq=item.seq, command_id=command.command_id, kind=command.kind.value, field=command.kind.field,
            encounter=command.encounter, patient=patient_of.get(command.encounter) if command.encounter else None,
            value=command.target_value, state=state, created_at=command.created_at, created_by=command.created_by,
            updated_at=item.updated_at, attempts=item.attempts, error=scrub(item.last_error),
            resource_type=_resource_type(command)))
    return tuple(sorted(lines, key=lambda w: w.seq))


def build_report(store: ReportSource, settings: Settings, shift: Shift, *, now: datetime | None = None,
                 names: Mapping[str, str] | None = None, location_name: str | None = None) -> ShiftReport:
    """The handover report of ``shift`` from what the store holds ``now`` (default: the clock). ``names``:
    display names of Practitioners and Organizations the caller knows (the recipients' names read from the
    platform); ``location_name``: the clinic Location's name. Without them the report shows short ids."""
    now = now if now is not None else datetime.now(UTC)
    entries = store.entries()
    patient_of = {e.ref: masked(e) for e in entries}
    by_patient: dict[str, str | None] = {}
    for e in entries:
        if e.patient is not None and masked(e) is not None:
            by_patient.setdefault(e.patient.ref, masked(e))
    scrub = Scrubber(entries)
    c = census(entries, shift)
    census_part = CensusPart(c.arrived, c.departed, c.present, c.dropped,
                             tuple(sorted(c.departed_by_reason.items())), c.carried_over)
    alerts = _alerts(store.alerts(), shift, patient_of, scrub)
    undelivered, rejected, refused = _deliveries(store.deliveries(), shift, patient_of, by_patient)
    writes = _writes(store.outbox(), shift, patient_of, scrub)
    events = store.link_events(since=_utc(shift.start), until=_utc(shift.end))
    complete = _utc(now) >= _utc(shift.end)
    uptime = link_uptime(events, _utc(shift.start), _utc(shift.end), None if complete else _utc(now))
    return ShiftReport(location=settings.location, shift_name=shift.name, start=shift.start, end=shift.end,
                       generated_at=now, census=census_part, alerts=alerts, undelivered=undelivered,
                       rejected=rejected, writes=writes, uptime=uptime, complete=complete,
                       triage_names=tuple((lvl.code, lvl.name("nb"), lvl.name("en")) for lvl in settings.scale.levels),
                       refused=refused, location_name=location_name or None, names=_names(entries, names))
