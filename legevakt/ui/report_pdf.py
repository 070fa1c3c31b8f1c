"""The shift handover report as a PDF: A4, bokmål by default, "Side N av M" on every page.

``render_report_pdf(report, path)`` lays out a ``ShiftReport`` (``legevakt.app.report``) with a
``QTextDocument`` built from HTML in which every value is escaped (``html.escape``: nothing from the
platform or the store is ever read as markup), paginates it to the A4 body, and paints each page with its
footer through ``QPdfWriter``. It writes only the PDF: to a temporary file beside ``path``, renamed over
it once complete, so a crash never leaves half a PDF where a whole one was.

It needs a ``QGuiApplication`` (fonts), no window and no display: ``ensure_gui_application()`` makes an
offscreen one for the command line. The words come from the report's own translator for ``language``, so
the PDF is in bokmål even when the window runs in English (and the other way round).

Patients appear only by their masked identifier and their Encounter id (the report holds nothing more).
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QMarginsF, QRectF, Qt, QTranslator
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextCursor,
    QTextDocument,
    QTextTable,
)

from legevakt.app import clinic_time
from legevakt.app.report import AlertLine, DeliveryLine, ShiftReport, Uptime, WriteLine
from legevakt.ui.i18n import TranslationMissingError, normalise_language, qm_path
from legevakt.ui.problem_texts import field_source
from legevakt.ui.texts import QT_TRANSLATE_NOOP, status_source
from legevakt.worklist.census import Shift
from legevakt.worklist.models import DepartureReason, EncounterStatus
from legevakt.worklist.write_outcomes import cleared_by_change

__all__ = ["ReportWriteError", "ensure_gui_application", "paginate", "render_report_pdf", "report_html",
           "shift_title", "title_text"]

DPI = 300
MARGINS_MM = QMarginsF(18, 15, 18, 12)
FOOTER_MM = 9.0
FONT_FAMILIES = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "Sans Serif"]
BODY_PT = 8.5
_C = "ShiftReport"


class ReportWriteError(OSError):
    """The PDF could not be written (one line, for the user; nothing was left behind)."""


def ensure_gui_application() -> QCoreApplication:
    """The running Qt application, or a new offscreen ``QGuiApplication`` when there is none."""
    app = QCoreApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["legevakt"])
    elif not isinstance(app, QGuiApplication):
        raise RuntimeError("the report needs a QGuiApplication (fonts), not a bare QCoreApplication")
    return app


# -- words ------------------------------------------------------------------------------------------

class _Words:
    """The report's own translator: ``language`` regardless of the one installed for the window."""

    def __init__(self, language: str) -> None:
        self.language = normalise_language(language)
        self._translator: QTranslator | None = None
        if self.language != "en":
            translator = QTranslator()
            qm = qm_path(self.language)
            if not qm.is_file() or not translator.load(str(qm)) or translator.isEmpty():
                raise TranslationMissingError(f"the {self.language} translation {qm} is missing or empty")
            self._translator = translator
        self.locale = (QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom) if self.language == "en"
                       else QLocale(QLocale.Language.NorwegianBokmal, QLocale.Country.Norway))

    def translate(self, context: str, text: str) -> str:
        if self._translator is None:
            return text
        return self._translator.translate(context, text) or text


# The report's names of the kinds: the screens' names (``texts.alert_short``) where those are short forms
# for a narrow column, in full here.
_ALERT_KIND = {
    "DROPPED_FROM_QUEUE": QT_TRANSLATE_NOOP("ShiftReport", "Dropped from the queue"),
    "NOT_IN_QUEUE": QT_TRANSLATE_NOOP("ShiftReport", "Missing from the queue"),
    "STALE_ENTRY": QT_TRANSLATE_NOOP("ShiftReport", "Stale queue entry"),
    "DUPLICATE_PATIENT": QT_TRANSLATE_NOOP("ShiftReport", "Possible duplicate patient"),
    "TRIAGE_OVERDUE": QT_TRANSLATE_NOOP("ShiftReport", "Over triage target"),
    "NOT_TRIAGED": QT_TRANSLATE_NOOP("ShiftReport", "Not triaged"),
    "SYNC_STALE": QT_TRANSLATE_NOOP("ShiftReport", "The list may be out of date"),
    "MASS_DEPARTURE": QT_TRANSLATE_NOOP("ShiftReport", "Many vanished at once"),
    "NOTE_UNDELIVERED": QT_TRANSLATE_NOOP("ShiftReport", "Journal note not delivered"),
    "NOTE_REJECTED": QT_TRANSLATE_NOOP("ShiftReport", "Journal note rejected"),
    "NOTE_RECEIPT_ERRORS": QT_TRANSLATE_NOOP("ShiftReport", "Journal note receipted with errors"),
    "WRITE_NOT_APPLIED": QT_TRANSLATE_NOOP("ShiftReport", "Change not saved on the platform"),
    "WRITE_CONFLICT": QT_TRANSLATE_NOOP("ShiftReport", "Change conflicts with another"),
}
_SEVERITY = {
    "critical": QT_TRANSLATE_NOOP("ShiftReport", "critical"),
    "warning": QT_TRANSLATE_NOOP("ShiftReport", "warning"),
}
_DELIVERY_STATE = {
    "queued": QT_TRANSLATE_NOOP("ShiftReport", "in the outbox"),
    "sent": QT_TRANSLATE_NOOP("ShiftReport", "sent"),
    "transported": QT_TRANSLATE_NOOP("ShiftReport", "transported"),
    "overdue": QT_TRANSLATE_NOOP("ShiftReport", "overdue"),
    "receipted": QT_TRANSLATE_NOOP("ShiftReport", "receipted"),
    "receipted-with-errors": QT_TRANSLATE_NOOP("ShiftReport", "receipted with errors"),
    "rejected": QT_TRANSLATE_NOOP("ShiftReport", "rejected"),
    "refused": QT_TRANSLATE_NOOP("ShiftReport", "not sent (refused by the platform)"),
}
_WRITE_STATE = {
    "pending": QT_TRANSLATE_NOOP("ShiftReport", "still waiting"),
    "conflict": QT_TRANSLATE_NOOP("ShiftReport", "conflict"),
    "refused": QT_TRANSLATE_NOOP("ShiftReport", "refused"),
}
_FIELD = {
    "triage": QT_TRANSLATE_NOOP("ShiftReport", "triage"),
    "room": QT_TRANSLATE_NOOP("ShiftReport", "room"),
    "nurse": QT_TRANSLATE_NOOP("ShiftReport", "nurse"),
    "doctor": QT_TRANSLATE_NOOP("ShiftReport", "doctor"),
    "state": QT_TRANSLATE_NOOP("ShiftReport", "state"),
    "resource": QT_TRANSLATE_NOOP("ShiftReport", "record"),
}
#: What a create or update writes, by its resource type (else "record").
_RESOURCE = {
    "Communication": QT_TRANSLATE_NOOP("ShiftReport", "sending of a journal note"),
    "DocumentReference": QT_TRANSLATE_NOOP("ShiftReport", "journal note"),
    "Task": QT_TRANSLATE_NOOP("ShiftReport", "shared alert"),
}
_SHIFT = {
    "day": QT_TRANSLATE_NOOP("ShiftReport", "day shift"),
    "evening": QT_TRANSLATE_NOOP("ShiftReport", "evening shift"),
    "night": QT_TRANSLATE_NOOP("ShiftReport", "night shift"),
}


# -- formatting -------------------------------------------------------------------------------------

def _e(value: object) -> str:
    """Escaped text for the HTML (quotes too): a value is never markup."""
    return html.escape("" if value is None else str(value), quote=True)


class _Format:
    def __init__(self, report: ShiftReport, words: _Words) -> None:
        self.report = report
        self.w = words
        self.start = clinic_time.local(report.start)
        self.end = clinic_time.local(report.end)

    def translate(self, context: str, text: str) -> str:
        return self.w.translate(context, text)

    def shift_name(self) -> str:
        name = self.report.shift_name
        return self.w.translate(_C, _SHIFT[name]) if name in _SHIFT else name

    def long_date(self) -> str:
        d = self.report.day
        fmt = "dddd d MMMM yyyy" if self.w.language == "en" else "dddd d. MMMM yyyy"
        return self.w.locale.toString(QDate(d.year, d.month, d.day), fmt)

    def date_only(self) -> str:
        d = self.report.day
        fmt = "d MMMM yyyy" if self.w.language == "en" else "d. MMMM yyyy"
        return self.w.locale.toString(QDate(d.year, d.month, d.day), fmt)

    def when(self, t: datetime | None) -> str:
        """``HH:MM`` within the shift; with the date (``dd.mm. HH:MM``) outside it."""
        if t is None:
            return "–"
        local = clinic_time.local(t)
        if self.report.start <= t < self.report.end:
            return local.strftime("%H:%M")
        return local.strftime("%d.%m. %H:%M")

    def stamp(self, t: datetime) -> str:
        return clinic_time.local(t).strftime("%d.%m.%Y %H:%M")

    def duration(self, seconds: float) -> str:
        minutes = round(seconds / 60)
        h, m = divmod(max(0, minutes), 60)
        if h == 0:
            return self.translate("ShiftReport", "{m} min").format(m=m)
        return self.translate("ShiftReport", "{h} h {m} min").format(h=h, m=m)

    def percent(self, share: float) -> str:
        return self.translate("ShiftReport", "{percent} %").format(percent=self.w.locale.toString(share * 100, "f", 1))

    def patient(self, masked: str | None, encounter: str | None) -> str:
        if masked is None and encounter is None:
            return "–"  # not about a patient (the link, the list)
        who = _e(masked) if masked else _e(self.translate("ShiftReport", "no ID"))
        if encounter:  # the visit by its platform id (the column says "visit"), short, for tracing
            return f"{who}<br/>{_ident(encounter)}"
        return who

    def departure(self, code: str) -> str:
        try:
            return DepartureReason(code).label(self.w.language)
        except ValueError:
            return code

    def value(self, field: str, value: str) -> str:
        """A command's value in words where we have them: a state, a triage level; else the code or id."""
        if field == "state":
            status, _, disposition = value.partition(":")
            try:
                words = self.w.translate("Texts", status_source(EncounterStatus(status)))
            except (ValueError, KeyError):
                return value
            return f"{words}: {self.departure(disposition)}" if disposition else words
        if field == "triage":
            names = {code: (nb, en) for code, nb, en in self.report.triage_names}
            if value in names:
                return names[value][1] if self.w.language == "en" else names[value][0]
        return value

    def location(self) -> str:
        """The clinic by its Location's name where known, else by its id."""
        if self.report.location_name:
            return self.report.location_name
        loc = self.report.location
        return loc.split("/", 1)[1] if loc.startswith("Location/") else loc

    def person(self, ref: str | None) -> str:
        """A Practitioner or Organization (or a person's own name) as cell HTML: the name where known; else
        what it is, with a short unbroken id in small muted type (for tracing)."""
        if not ref:
            return "–"
        name = self.report.name_of(ref)
        if name:
            return _e(name)
        rtype, _, rid = ref.partition("/")
        if rtype == "Practitioner" and rid:
            return _e(self.translate("ShiftReport", "practitioner")) + "<br/>" + _ident(rid)
        if rtype == "Organization" and rid:
            return _e(self.translate("ShiftReport", "organisation")) + "<br/>" + _ident(rid)
        return _e(ref)  # a person's own name (``created_by`` before sign-in)


def shift_title(shift: Shift, language: str = "nb") -> str:
    """``Kveldsvakt 02.12.2026 15:00–23:00``: a shift as the menu offers it (clinic time)."""
    words = _Words(language)
    name = words.translate(_C, _SHIFT[shift.name]) if shift.name in _SHIFT else shift.name
    start, end = clinic_time.local(shift.start), clinic_time.local(shift.end)
    return f"{name[:1].upper()}{name[1:]} {start:%d.%m.%Y} {start:%H:%M}–{end:%H:%M}"


# -- the document -----------------------------------------------------------------------------------

_CSS = """
h1 { font-size: 15pt; font-weight: bold; margin: 0; }
h2 { font-size: 11pt; font-weight: bold; margin-top: 14px; margin-bottom: 4px; color: #1f3a5f; }
p { margin-top: 2px; margin-bottom: 2px; }
table.grid { border-collapse: collapse; border-color: #9aa5b1; }
table.grid th { background-color: #e3e8ee; font-weight: bold; text-align: left; }
td.num { text-align: right; }
.muted { color: #555555; }
.alarm { color: #a40000; font-weight: bold; }
.ok { color: #1d6b2f; }
.id { color: #555555; font-size: 7pt; white-space: nowrap; }
"""


# Qt's HTML takes the collapsed border from the table's own style, not from the style sheet.
_GRID = ("border='2' cellspacing='0' cellpadding='4' "
         "style='border-collapse: collapse; border-style: solid; border-color: #a3adb8;'")


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int] | None = None) -> str:
    """A grid: ``headers`` plain text (escaped here); cells already escaped HTML."""
    head = "".join(
        f"<th width='{widths[i]}%'>{_e(h)}</th>" if widths else f"<th>{_e(h)}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f"<table class='grid' width='100%' {_GRID}>"
            f"<thead><tr>{head}</tr></thead>{body}</table>")


def _id(ref: str) -> str:
    """``Encounter/abc`` -> ``abc``: the platform id, where the column already names the type."""
    return ref.rsplit("/", 1)[-1]


SHORT_ID = 8  # an id shown for tracing: its first characters (enough to find it in the log or the platform)


def _ident(ref: str, label: str = "") -> str:
    """An id shown for tracing: short, unbroken, small and muted (``label`` before it, e.g. "melding")."""
    rid = _id(ref)
    short = rid if len(rid) <= SHORT_ID + 4 else f"{rid[:SHORT_ID]}…"
    text = f"{label}\u00a0{short}" if label else short
    return f"<span class='id'>{_e(text)}</span>"


def _recipient(f: _Format, d: DeliveryLine) -> str:
    message = f.translate("ShiftReport", "message")
    return f"{f.person(d.recipient)}<br/>{_ident(d.communication or d.identifier, message)}"


def _span(cls: str, text: str) -> str:
    return f"<span class='{cls}'>{_e(text)}</span>"


def _para(cls: str, text: str) -> str:
    return f"<p class='{cls}'>{_e(text)}</p>"


def _none(f: _Format, text: str) -> str:
    """``text`` is one of the QT_TRANSLATE_NOOP strings in ``_SECTION_NOOPS``."""
    return _para("muted", f.w.translate(_C, text))


def _summary(f: _Format) -> str:
    r = f.report
    open_now = sum(1 for a in r.alerts if a.status != "resolved")
    critical = sum(1 for a in r.alerts if a.severity == "critical")
    share = r.uptime.share
    link = f.percent(share) if share is not None else f.translate("ShiftReport", "unknown")
    rows = [
        (f.translate("ShiftReport", "Patients carried over from the previous shift"), str(r.census.carried_over)),
        (f.translate("ShiftReport", "Patients arrived"), str(r.census.arrived)),
        (f.translate("ShiftReport", "Alerts (critical)"), f"{len(r.alerts)} ({critical})"),
        (f.translate("ShiftReport", "Alerts still open now"), str(open_now)),
        (f.translate("ShiftReport", "Journal notes not delivered in time"), str(len(r.undelivered))),
        (f.translate("ShiftReport", "Journal notes rejected"), str(len(r.rejected))),
        (f.translate("ShiftReport", "Journal notes the platform refused to send"), str(len(r.refused))),
        (f.translate("ShiftReport", "Changes not saved on the platform"), str(len(r.writes))),
        (f.translate("ShiftReport", "Link to the platform up"), link),
    ]
    cells = "".join(
        f"<tr><td>{_e(k)}</td><td class='num'><b>{_e(v)}</b></td></tr>" for k, v in rows)
    return f"<table class='grid' width='60%' {_GRID}>{cells}</table>"


def _census(f: _Format) -> str:
    """carried over + arrived = departed + present + dropped: the balance, then who departed and why."""
    r = f.report
    c = r.census
    present = (f.translate("ShiftReport", "Present at the end of the shift (handed over)") if r.complete
               else f.translate("ShiftReport", "Present now"))
    rows = [
        (f.translate("ShiftReport", "Carried over from the previous shift"), c.carried_over, ""),
        (f.translate("ShiftReport", "Arrived during the shift"), c.arrived, ""),
        (f.translate("ShiftReport", "Departed during the shift"), c.departed, ""),
        (present, c.present, ""),
        (f.translate("ShiftReport", "Dropped from the queue, unresolved"), c.dropped, "alarm" if c.dropped else ""),
    ]
    cells = "".join(
        f"<tr><td>{_span(cls, k) if cls else _e(k)}</td><td class='num'><b>{n}</b></td></tr>"
        for k, n, cls in rows)
    out = f"<table class='grid' width='60%' {_GRID}>{cells}</table>"
    line = f.translate("ShiftReport", "{carried} carried over + {arrived} arrived = {departed} departed + "
                                      "{present} present + {dropped} dropped, unresolved").format(
        carried=c.carried_over, arrived=c.arrived, departed=c.departed, present=c.present, dropped=c.dropped)
    out += _para("muted", line)
    if c.dropped:
        out += _para("alarm", f.translate("ShiftReport",
                                          "Patients who dropped out of the queue must be found and resolved."))
    if not c.balances:
        out += _para("alarm", f.translate("ShiftReport", "The census does not balance."))
    if c.departed_by_reason:
        rows_html = []
        for label, n in sorted(((f.departure(code), n) for code, n in c.departed_by_reason),
                               key=lambda pair: (-pair[1], pair[0])):
            rows_html.append((_e(label), f"<div align='right'>{n}</div>"))
        headers = [f.translate("ShiftReport", "Departed, by reason"), f.translate("ShiftReport", "Number")]
        out += _table(headers, rows_html, [70, 30])
    else:
        out += _none(f, "Nobody left the queue during this shift.")
    return out


def _alert_row(f: _Format, a: AlertLine) -> list[str]:
    raised = _e(f.when(a.raised_at))
    if a.carried_over:
        raised += "<br/>" + _span("muted", f.translate("ShiftReport", "before the shift"))
    kind = _e(f.w.translate(_C, _ALERT_KIND.get(a.kind, a.kind)))
    severity = f.w.translate(_C, _SEVERITY.get(a.severity, a.severity))
    kind_cell = (f"<span class='alarm'>{kind}</span>" if a.severity == "critical" else kind) + \
        f"<br/><span class='muted'>{_e(severity)} · {_e(a.id)}</span>"
    if a.acknowledged_at is not None:
        ack = f"{_e(a.acknowledged_by or '–')}, {_e(f.when(a.acknowledged_at))}"
        if a.ack_comment:
            ack += f"<br/><i>«{_e(a.ack_comment)}»</i>"
    else:
        ack = _span("alarm", f.translate("ShiftReport", "not acknowledged")) if a.severity == "critical" and \
            a.status != "resolved" else _e(f.translate("ShiftReport", "not acknowledged"))
    if a.resolved_at is not None and a.resolved_by is None:
        # Resolved by the evidence (the condition cleared); its English description stays in the JSON.
        res = _e(f.translate("ShiftReport", "automatically")) + ", " + _e(f.when(a.resolved_at))
    elif a.resolved_at is not None:
        res = f"{_e(a.resolved_by)}, {_e(f.when(a.resolved_at))}"
        field = cleared_by_change(a.resolution)
        source = field_source(field) if field is not None else None
        if field is not None:  # their own change cleared it: said in the report's language
            words = f.translate("ShiftReport", "cleared by their change of {field}").format(
                field=f.translate("Problems", source) if source is not None else field)
            res += f"<br/><i>{_e(words)}</i>"
        elif a.resolution:
            res += f"<br/><i>«{_e(a.resolution)}»</i>"
    else:
        res = _span("alarm", f.translate("ShiftReport", "still open"))
    return [raised, kind_cell, f.patient(a.patient, a.encounter), ack, res]


def _alerts(f: _Format) -> str:
    alerts = f.report.alerts
    if not alerts:
        return _none(f, "No alerts during this shift.")
    headers = [
        f.translate("ShiftReport", "Raised"),
        f.translate("ShiftReport", "Alert"),
        f.translate("ShiftReport", "Patient / visit"),
        f.translate("ShiftReport", "Acknowledged"),
        f.translate("ShiftReport", "Resolved"),
    ]
    return _table(headers, (_alert_row(f, a) for a in alerts), [12, 21, 21, 23, 23])


_UNSETTLED = ("overdue", "rejected", "refused", "queued", "sent", "transported")


def _delivery_state(f: _Format, d: DeliveryLine) -> str:
    """How the note stands now: its own state, or, once sent again, the last attempt's (the chain's)."""
    if d.last_state is None:
        state = _e(f.w.translate(_C, _DELIVERY_STATE.get(d.state, d.state)))
        return f"<span class='alarm'>{state}</span>" if d.state in _UNSETTLED else state
    again = f.translate("ShiftReport", "sent again {time}").format(time=f.when(d.resent_at))
    if d.last_state == "receipted":
        head = _span("ok", f.translate("ShiftReport", "delivered (sent again), receipted {time}").format(
            time=f.when(d.last_receipt_at)))
    elif d.last_state == "receipted-with-errors":
        head = _e(f.translate("ShiftReport", "sent again, receipted with errors {time}").format(
            time=f.when(d.last_receipt_at)))
    else:
        last = f.w.translate(_C, _DELIVERY_STATE.get(d.last_state, d.last_state))
        head = _span("alarm", f.translate("ShiftReport", "sent again, now: {state}").format(state=last))
    return f"{head}<br/>{_span('muted', again)} {_ident(d.last_communication or '')}"


def _undelivered(f: _Format) -> str:
    lines = f.report.undelivered
    if not lines:
        return _none(f, "Every note sent was receipted in time.")
    headers = [
        f.translate("ShiftReport", "Sent"),
        f.translate("ShiftReport", "Deadline"),
        f.translate("ShiftReport", "Patient / visit"),
        f.translate("ShiftReport", "Recipient"),
        f.translate("ShiftReport", "State now"),
    ]
    rows = ([_e(f.when(d.sent_at)), _e(f.when(d.deadline)), f.patient(d.patient, d.encounter),
             _recipient(f, d), _delivery_state(f, d)] for d in lines)
    return _table(headers, rows, [10, 10, 22, 30, 28])


def _rejected(f: _Format) -> str:
    lines = f.report.rejected
    if not lines:
        return _none(f, "No note was rejected.")
    headers = [
        f.translate("ShiftReport", "Rejected"),
        f.translate("ShiftReport", "Patient / visit"),
        f.translate("ShiftReport", "Recipient"),
        f.translate("ShiftReport", "Why (the recipient's codes)"),
        f.translate("ShiftReport", "Sent again"),
    ]

    def errors(d: DeliveryLine) -> str:
        if not d.errors:
            return _e(f.translate("ShiftReport", "no reason given"))
        return "<br/>".join(f"<b>{_e(code)}</b> {_e(text)}" for code, text in d.errors)

    not_yet = _span("alarm", f.translate("ShiftReport", "not yet"))
    rows = ([_e(f.when(d.rejected_at)), f.patient(d.patient, d.encounter), _recipient(f, d), errors(d),
             _resent(f, d) if d.resent_as else not_yet] for d in lines)
    return _table(headers, rows, [10, 21, 27, 27, 15])


def _resent(f: _Format, d: DeliveryLine) -> str:
    """When it was sent again and how that attempt stands (its id short, for tracing)."""
    when = _e(f.when(d.resent_at)) if d.resent_at is not None else ""
    if d.last_state is not None:
        state = _e(f.w.translate(_C, _DELIVERY_STATE.get(d.last_state, d.last_state)))
        when = f"{when}<br/>{state}" if when else state
    return f"{when}<br/>{_ident(d.last_communication or d.resent_as or '')}" if when else _ident(d.resent_as or "")


def _refused(f: _Format) -> str:
    lines = f.report.refused
    if not lines:
        return _none(f, "The platform took every note sent.")
    headers = [
        f.translate("ShiftReport", "Sent"),
        f.translate("ShiftReport", "Patient / visit"),
        f.translate("ShiftReport", "Recipient"),
        f.translate("ShiftReport", "State now"),
    ]

    def state(d: DeliveryLine) -> str:
        if d.last_state is not None:
            return _delivery_state(f, d)
        return _span("alarm", f.translate("ShiftReport", "not sent: the platform refused it"))

    rows = ([_e(f.when(d.created_at or d.sent_at)), f.patient(d.patient, d.encounter), _recipient(f, d), state(d)]
            for d in lines)
    return _table(headers, rows, [10, 25, 30, 35])


def _write_row(f: _Format, w: WriteLine) -> list[str]:
    if w.field == "resource" and w.resource_type in _RESOURCE:
        field = f.w.translate(_C, _RESOURCE[w.resource_type])
    else:
        field = f.w.translate(_C, _FIELD.get(w.field, w.field))
    change = _e(field) + (f" → {_e(f.value(w.field, w.value))}" if w.value and w.field != "resource" else "")
    state = _e(f.w.translate(_C, _WRITE_STATE.get(w.state, w.state)))
    state_cell = f"<span class='alarm'>{state}</span>"
    if w.attempts:
        tries = f.translate("ShiftReport", "{n} attempts").format(n=w.attempts)
        state_cell += "<br/>" + _span("muted", tries)
    error = f"<i>{_e(w.error)}</i>" if w.error else "–"
    return [_e(f.when(w.created_at)), f.patient(w.patient, w.encounter), change, f.person(w.created_by), state_cell,
            error]


def _writes(f: _Format) -> str:
    lines = f.report.writes
    if not lines:
        return _none(f, "Every change made here was saved on the platform.")
    headers = [
        f.translate("ShiftReport", "Made"),
        f.translate("ShiftReport", "Patient / visit"),
        f.translate("ShiftReport", "Change"),
        f.translate("ShiftReport", "By"),
        f.translate("ShiftReport", "State"),
        f.translate("ShiftReport", "The platform's answer"),
    ]
    return _table(headers, (_write_row(f, w) for w in lines), [9, 21, 17, 12, 13, 28])


def _uptime(f: _Format) -> str:
    u: Uptime = f.report.uptime
    if u.share is None:
        return _none(f, "The link's state is not known for this shift (no record of it).")
    line = f.translate("ShiftReport", "Up {up} of {known} with known state ({percent}).").format(
        up=f.duration(u.up_seconds), known=f.duration(u.known_seconds), percent=f.percent(u.share))
    out = f"<p>{_e(line)}</p>"
    if u.unknown_seconds >= 60:
        unknown = f.translate("ShiftReport", "Not known: {unknown} (before the first record of the link).")
        out += _para("muted", unknown.format(unknown=f.duration(u.unknown_seconds)))
    if u.outages:
        rows = []
        for o in u.outages:
            end = _span("alarm", f.translate("ShiftReport", "still down")) if o.ongoing else _e(f.when(o.end))
            rows.append([_e(f.when(o.start)), end, _e(f.duration(o.seconds))])
        headers = [f.translate("ShiftReport", "Down from"), f.translate("ShiftReport", "Until"),
                   f.translate("ShiftReport", "For")]
        out += _table(headers, rows, [34, 33, 33])
    else:
        out += _para("ok", f.translate("ShiftReport", "No outages."))
    return out


def title_text(report: ShiftReport, language: str = "nb") -> str:
    f = _Format(report, _Words(language))
    if not f.location():
        return f.translate("ShiftReport", "Shift report — Legevakt — {shift} {date}").format(
            shift=f.shift_name(), date=f.date_only())
    if f.report.location_name:  # the clinic's own name ("Trondheim legevakt")
        return f.translate("ShiftReport", "Shift report — {clinic} — {shift} {date}").format(
            clinic=f.location(), shift=f.shift_name(), date=f.date_only())
    return f.translate("ShiftReport", "Shift report — Legevakt {location} — {shift} {date}").format(
        location=f.location(), shift=f.shift_name(), date=f.date_only())


def report_html(report: ShiftReport, language: str = "nb") -> str:
    """The report as (escaped) HTML for ``QTextDocument``."""
    f = _Format(report, _Words(language))
    title = title_text(report, language)
    period = f.translate("ShiftReport", "{date}, {start}–{end} (clinic time)").format(
        date=f.long_date(), start=f.start.strftime("%H:%M"), end=f.end.strftime("%H:%M"))
    made = f.translate("ShiftReport", "Made {time}").format(time=f.stamp(report.generated_at))
    parts = [
        f"<h1>{_e(title)}</h1>",
        f"<p class='muted'>{_e(period)} · {_e(made)}</p>",
    ]
    if not report.complete:
        parts.append(_para("alarm", f.translate("ShiftReport", "The shift is not over: this is the state so far.")))
    parts.append(_para("muted", f.translate("ShiftReport", "Patients appear only by their masked national identity "
                                                           "number and their visit id.")))
    sections = [
        ("Summary", _summary(f)),
        ("Census", _census(f)),
        ("Alerts", _alerts(f)),
        ("Journal notes not delivered in time", _undelivered(f)),
        ("Journal notes rejected by the recipient", _rejected(f)),
        ("Journal notes not sent: refused by the platform", _refused(f)),
        ("Changes not saved on the platform", _writes(f)),
        ("Link to the platform", _uptime(f)),
    ]
    for heading, body in sections:
        parts.append(f"<h2>{_e(f.w.translate(_C, heading))}</h2>{body}")
    return f"<html><head><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>"


_SECTION_NOOPS = (  # the section headings above, for lupdate
    QT_TRANSLATE_NOOP("ShiftReport", "Summary"),
    QT_TRANSLATE_NOOP("ShiftReport", "Census"),
    QT_TRANSLATE_NOOP("ShiftReport", "Alerts"),
    QT_TRANSLATE_NOOP("ShiftReport", "Journal notes not delivered in time"),
    QT_TRANSLATE_NOOP("ShiftReport", "Journal notes rejected by the recipient"),
    QT_TRANSLATE_NOOP("ShiftReport", "Journal notes not sent: refused by the platform"),
    QT_TRANSLATE_NOOP("ShiftReport", "The platform took every note sent."),
    QT_TRANSLATE_NOOP("ShiftReport", "Changes not saved on the platform"),
    QT_TRANSLATE_NOOP("ShiftReport", "Link to the platform"),
    QT_TRANSLATE_NOOP("ShiftReport", "No alerts during this shift."),
    QT_TRANSLATE_NOOP("ShiftReport", "Every note sent was receipted in time."),
    QT_TRANSLATE_NOOP("ShiftReport", "No note was rejected."),
    QT_TRANSLATE_NOOP("ShiftReport", "Every change made here was saved on the platform."),
    QT_TRANSLATE_NOOP("ShiftReport", "The link's state is not known for this shift (no record of it)."),
    QT_TRANSLATE_NOOP("ShiftReport", "Nobody left the queue during this shift."),
)


# -- painting ---------------------------------------------------------------------------------------

def _font(points: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def _mm(mm: float) -> float:
    return mm / 25.4 * DPI


@dataclass(frozen=True)
class _Page:
    top: float  # the part of the document on this page: [top, bottom)
    bottom: float
    header: tuple[float, float] | None  # a table's header rows repeated above it (continued table)


@dataclass(frozen=True)
class _Break:
    y: float
    header: tuple[float, float] | None  # the header to repeat when the page breaks here (inside a table)


def _breaks(doc: QTextDocument) -> list[_Break]:
    """Where a page may end: between table rows (never inside one; not before a table's first data row),
    between blocks outside tables, and never right after a heading (it stays with what it introduces)."""
    layout = doc.documentLayout()
    rows: dict[int, dict[int, list[float]]] = {}  # table -> row -> [top, bottom]
    tables: dict[int, QTextTable] = {}
    loose: list[tuple[float, float, bool]] = []  # blocks outside tables: top, bottom, is a heading
    block = doc.begin()
    while block.isValid():
        rect = layout.blockBoundingRect(block)
        cursor = QTextCursor(block)
        table = cursor.currentTable()
        if table is not None:
            key = table.firstPosition()
            tables[key] = table
            span = rows.setdefault(key, {}).setdefault(table.cellAt(cursor).row(), [rect.top(), rect.bottom()])
            span[0], span[1] = min(span[0], rect.top()), max(span[1], rect.bottom())
        else:
            loose.append((rect.top(), rect.bottom(), block.blockFormat().headingLevel() > 0))
        block = block.next()

    elements: list[tuple[float, float, str]] = []  # top, bottom, kind: heading | block | table
    out: list[_Break] = []
    frames = []
    for key, table in tables.items():
        frame = layout.frameBoundingRect(table)
        frames.append((frame.top(), frame.bottom()))
        elements.append((frame.top(), frame.bottom(), "table"))
        spans = [rows[key][r] for r in sorted(rows[key])]
        heads = table.format().headerRowCount()
        bounds = [(spans[i - 1][1] + spans[i][0]) / 2 for i in range(1, len(spans))]
        # From just above the frame, so the table's top border comes along.
        header = (frame.top() - _mm(0.3), bounds[heads - 1]) if 0 < heads <= len(bounds) else None
        out.extend(_Break(y, header) for y in bounds[heads:])  # not before the first data row
    for top, bottom, heading in loose:
        if any(ft <= top < fb for ft, fb in frames):
            continue  # the empty block Qt keeps beside a table
        elements.append((top, bottom, "heading" if heading else "block"))
    elements.sort()
    for (_, prev_bottom, prev_kind), (top, _, kind) in pairwise(elements):
        if prev_kind != "heading" and kind != "table":
            out.append(_Break((prev_bottom + top) / 2, None))
    return sorted(out, key=lambda b: b.y)


def paginate(doc: QTextDocument, height: float) -> list[_Page]:
    """Cut the laid-out document into pages of ``height`` at the allowed breaks (``_breaks``); a piece
    taller than a page is cut where the page ends."""
    total = doc.size().height()
    breaks = _breaks(doc)
    pages: list[_Page] = []
    top, header = 0.0, None
    while top < total - 0.5:
        room = height - ((header[1] - header[0]) if header else 0.0)
        if top + room >= total:
            pages.append(_Page(top, total, header))
            break
        fitting = [b for b in breaks if top + 1.0 < b.y <= top + room]
        if fitting:
            cut = fitting[-1]
            pages.append(_Page(top, cut.y, header))
            top, header = cut.y, cut.header
        else:
            pages.append(_Page(top, top + room, header))
            top = top + room
            header = None
    return pages or [_Page(0.0, max(total, 1.0), None)]


def _paint(report: ShiftReport, target: str, language: str) -> int:
    words = _Words(language)
    f = _Format(report, words)
    writer = QPdfWriter(target)
    writer.setResolution(DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     MARGINS_MM, QPageLayout.Unit.Millimeter))
    writer.setTitle(title_text(report, language))
    writer.setCreator("Legevakt")
    area = writer.pageLayout().paintRectPixels(DPI)
    width, height = float(area.width()), float(area.height())
    body = height - _mm(FOOTER_MM)

    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    doc.setDefaultFont(_font(BODY_PT))
    doc.setDocumentMargin(0)
    doc.setHtml(report_html(report, language))
    doc.setTextWidth(width)
    pages = paginate(doc, body)

    footer_left = f.translate("ShiftReport", "Shift report · {location} · {shift} {date}").format(
        location=f.location() or "–", shift=f.shift_name(), date=report.day.strftime("%d.%m.%Y"))
    painter = QPainter()
    if not painter.begin(writer):
        raise ReportWriteError(f"cannot write the PDF {target}")
    try:
        for n, page in enumerate(pages):
            if n:
                writer.newPage()
            offset = 0.0
            if page.header is not None:
                h_top, h_bottom = page.header
                painter.save()
                painter.translate(0, -h_top)
                doc.drawContents(painter, QRectF(-_mm(1), h_top, width + _mm(2), h_bottom - h_top))
                painter.restore()
                offset = h_bottom - h_top
            painter.save()
            painter.translate(0, offset - page.top)
            doc.drawContents(painter, QRectF(-_mm(1), page.top, width + _mm(2), page.bottom - page.top))
            painter.restore()
            line_y = body + _mm(3)
            painter.setPen(QPen(QColor("#9aa5b1"), _mm(0.2)))
            painter.drawLine(0, round(line_y), round(width), round(line_y))
            painter.setPen(QColor("#333333"))
            painter.setFont(_font(7.5))
            text_box = QRectF(0, line_y + _mm(1), width, height - line_y - _mm(1))
            painter.drawText(text_box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), footer_left)
            painter.drawText(text_box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                             f.translate("ShiftReport", "Page {n} of {m}").format(n=n + 1, m=len(pages)))
    finally:
        ended = painter.end()
    if not ended:
        raise ReportWriteError(f"cannot write the PDF {target}")
    return len(pages)


def render_report_pdf(report: ShiftReport, path: str | Path, language: str = "nb") -> int:
    """Write ``report`` as an A4 PDF to ``path`` (replaced atomically when it exists). The page count.

    Raises ``ReportWriteError`` (nothing written, nothing left behind) when the folder is missing or the
    file cannot be written.
    """
    ensure_gui_application()
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ReportWriteError(f"cannot write {target}: the folder {folder} does not exist")
    if target.is_dir():
        raise ReportWriteError(f"cannot write {target}: it is a folder")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ReportWriteError(f"cannot write in {folder}: {exc.strerror}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        pages = _paint(report, str(tmp), language)
        if tmp.stat().st_size == 0:
            raise ReportWriteError(f"cannot write the PDF {target}")
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(folder)
    return pages


def _sync_folder(folder: Path) -> None:
    """Make the rename durable where the OS allows a folder to be synced (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
