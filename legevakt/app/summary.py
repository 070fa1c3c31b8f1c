"""Immutable summaries that cross from the sync worker to the UI thread (over queued signals)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from legevakt.journal.model import Delivery
from legevakt.problems import Problem
from legevakt.worklist.census import Census
from legevakt.worklist.models import Alert, Entry


class LinkMode(StrEnum):
    PUSH = "push"  # websocket notifications, with periodic full snapshots
    POLL = "poll"  # periodic fetches only
    OFFLINE = "offline"  # the last attempt failed; the list may be out of date
    CONNECTING = "connecting"  # no attempt finished yet


@dataclass(frozen=True, slots=True)
class LinkStatus:
    mode: LinkMode
    last_complete_at: datetime | None  # the last complete snapshot (the list's age counts from here)
    last_attempt_at: datetime | None
    problem: Problem | None = None  # why offline or incomplete (the UI translates it)
    pending_writes: int = 0
    demo: bool = False
    platform: str = ""  # base URL shown in the status bar tooltip
    tls_unverified: bool = False  # verify_tls = false over https: the status bar says so in red
    #: While push is up, seconds between the safety-net polls: the list is kept current by notifications,
    #: so its age is judged against this, not the polling interval (None: polling).
    push_poll_seconds: float | None = None
    #: False where the platform refuses Task: alerts are not shared with the clinic's other workstations
    #: (None: not known, or sharing not set up).
    alerts_shared: bool | None = None


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """What changed in one step. The UI applies it incrementally (no model reset)."""

    upserted: tuple[Entry, ...]  # entries to show or update: present and dropped
    removed: tuple[str, ...]  # encounter refs to take off the queue view (departed)
    alerts: tuple[Alert, ...]  # alerts raised, changed or resolved (latest form)
    link: LinkStatus
    census: Census
    complete: bool  # this step came from a complete snapshot
    initial: bool = False  # the first summary after start: everything known so far
    problems: tuple[Problem, ...] = field(default=())  # why a snapshot was incomplete
    pending: Mapping[str, int] | None = None  # commands waiting in the outbox per encounter; None: unchanged
    deliveries: tuple[Delivery, ...] = field(default=())  # journal deliveries changed in this step (latest form)
    # The departed entries behind ``removed`` (latest form, with their reason and time); in the initial summary
    # every departure since the previous shift began (at least the last 24 hours): the shift-lead view's census,
    # carry-over and arrivals per hour need the patients who have left too.
    departed: tuple[Entry, ...] = field(default=())
