"""The journal's alerts in the worklist's one alert lifecycle (pure).

A delivery's state change becomes alert changes on the ``WorklistState`` (the same alerts, persistence,
acknowledgement and resolution as every other kind):

- entering ``overdue``: ``NOTE_UNDELIVERED`` (critical);
- entering ``refused`` (the platform refused the Communication: the note never left): ``NOTE_UNDELIVERED``
  (critical), saying so (no deadline: none runs for what was never sent);
- entering ``rejected``: ``NOTE_REJECTED`` (critical), the 8221 codes in the detail;
- entering ``receipted-with-errors``: ``NOTE_RECEIPT_ERRORS`` (warning);
- any receipt: that delivery's ``NOTE_UNDELIVERED`` resolves (a receipt came; a rejection raises its own);
- an OK receipt (``receipted``) on any delivery of a note to a recipient resolves every journal alert of
  every delivery of that note to that recipient (the first send and its resends): the note reached them;
  and once one has, a later rejection or overdue of another attempt raises nothing (``ledger`` must then
  hold that note's deliveries to say so).

Alerts are keyed by the delivery's client identifier: one condition per attempt, so a person who resolved
the first attempt's alert still hears about the resend's. Details are English with platform ids and the 8221
codes, each with the code list's Norwegian text (``shared_alerts.reason_codes`` reads them back: the UI shows
them, and a Task carries them to the other workstations).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from legevakt.journal.model import AlertKind as JournalAlert
from legevakt.journal.model import Delivery, DeliveryState, alerts_raised
from legevakt.worklist.models import AlertKind, Severity
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled, _Work
from legevakt.worklist.shared_alerts import ERRORS_MARK, REFUSED_DETAIL, REJECTED_MARK, codes_text
from legevakt.worklist.snapshot import WorklistState

KINDS = (AlertKind.NOTE_UNDELIVERED, AlertKind.NOTE_REJECTED, AlertKind.NOTE_RECEIPT_ERRORS)
_SEVERITY = {"critical": Severity.CRITICAL, "warning": Severity.WARNING}


def _detail(d: Delivery, kind: JournalAlert, codes: Sequence[str]) -> str:
    what = f"{d.note} to {d.recipient}" + (f" ({d.communication})" if d.communication else " (not yet sent)")
    if kind is JournalAlert.NOTE_UNDELIVERED and d.state is DeliveryState.REFUSED:
        return f"{what}: {REFUSED_DETAIL}"
    if kind is JournalAlert.NOTE_UNDELIVERED:
        when = d.deadline.isoformat() if d.deadline else "?"
        return f"{what}: no receipt by the deadline {when}"
    if kind is JournalAlert.NOTE_REJECTED:
        return f"{what}: {REJECTED_MARK}{codes_text(codes or ['X99'])}"
    return f"{what}: {ERRORS_MARK}{codes_text(codes)}"


def delivery_alerts(state: WorklistState, changes: Iterable[tuple[Delivery, Delivery]],
                    ledger: Iterable[Delivery], now: datetime, config: ReconcileConfig) -> Reconciled:
    """The alert changes of delivery state changes ``(before, after)``; ``ledger``: every delivery known
    (for the resends of a note to the same recipient)."""
    work = _Work(state, now, config)
    same: dict[tuple[str, str], list[Delivery]] = {}
    for d in ledger:
        same.setdefault((d.note, d.recipient), []).append(d)
    changes = list(changes)
    latest = {after.identifier: after for _, after in changes}
    for before, after in changes:
        reached = any(d.state is DeliveryState.RECEIPTED and d.identifier != after.identifier
                      for d in (latest.get(x.identifier, x) for x in same.get((after.note, after.recipient), ())))
        # Another attempt of this note already reached this recipient: a late rejection or overdue of this
        # one is no news a person must act on (no false alarm).
        for decision in () if reached else alerts_raised(before, after):
            kind = AlertKind(decision.kind.value)
            related = tuple(r for r in (after.note, after.communication) if r)
            work.raise_alert(kind, _SEVERITY[decision.severity.value], after.identifier, after.encounter,
                             _detail(after, decision.kind, [e.code for e in decision.reasons]), related)
        if after.receipt is not None and (before.receipt is None):
            work.clear_alert(AlertKind.NOTE_UNDELIVERED, after.identifier,
                             f"a receipt came from the recipient ({after.receipt.ref})")
        if after.state is DeliveryState.RECEIPTED and before.state is not DeliveryState.RECEIPTED:
            evidence = f"receipted OK by the recipient ({after.receipt.ref if after.receipt else after.communication})"
            chain = same.get((after.note, after.recipient), [])
            for d in [after, *chain]:
                for kind in KINDS:
                    work.clear_alert(kind, d.identifier, evidence)
    return work.freeze()


__all__ = ["KINDS", "delivery_alerts"]
