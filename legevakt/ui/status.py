"""The status bar: is the list live, how old is it, push/poll/offline, pending writes, DEMO, and a red
"TLS NOT VERIFIED" while the platform's certificate is not checked (``verify_tls = false``).

It never infers. The age counts from the last *complete* snapshot (``link.last_complete_at``) and ticks
every second; before the first complete snapshot it says so. Past 15 s, offline or after an incomplete
snapshot it turns amber, past 60 s red, with the link's problem in plain words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from legevakt.app.summary import ChangeSummary, LinkMode, LinkStatus
from legevakt.problems import Problem
from legevakt.ui import texts
from legevakt.ui.elide import ElidedLabel, PriorityRow
from legevakt.ui.problem_texts import problem_text, problems_text
from legevakt.worklist.census import Census

translate = QCoreApplication.translate

WARN_AFTER = timedelta(seconds=15)

#: Who gets the status bar's width first when it is short (0 first): the link's state and its reason, then
#: the pending writes, then the census and the person signed in.
PRIORITY_LINK = 0
PRIORITY_PENDING = 1
PRIORITY_CENSUS = 2
CRITICAL_AFTER = timedelta(seconds=60)


class Freshness(StrEnum):
    LIVE = "live"
    WARNING = "warning"
    CRITICAL = "critical"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def mode_text(mode: LinkMode) -> str:
    if mode is LinkMode.PUSH:
        return translate("SyncStatusBar", "Push")
    if mode is LinkMode.POLL:
        return translate("SyncStatusBar", "Polling")
    if mode is LinkMode.OFFLINE:
        return translate("SyncStatusBar", "Offline")
    return translate("SyncStatusBar", "Connecting…")


def pending_text(n: int) -> str:
    if n <= 0:
        return translate("SyncStatusBar", "All changes saved")
    return translate("SyncStatusBar", "%n changes waiting to be saved", None, n)


class SyncStatusBar(QStatusBar):
    """Always-on account of how fresh the queue is."""

    def __init__(self, parent: QWidget | None = None, *, clock: Callable[[], datetime] = _utcnow,
                 warn_after: timedelta = WARN_AFTER, critical_after: timedelta = CRITICAL_AFTER,
                 tick_ms: int = 1000) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatusBar")
        self.setSizeGripEnabled(False)
        self._clock = clock
        self._warn_after = warn_after
        self._critical_after = critical_after
        self._link: LinkStatus | None = None
        self._complete = False
        self._problems: tuple[Problem, ...] = ()
        self._waiting_since = clock()
        self._freshness = Freshness.WARNING
        self.setProperty("level", self._freshness.value)

        box = QWidget(self)
        box.setObjectName("syncStatusBox")
        # Short of width (1280 px, a long census, a long name) the link's state and its reason read first;
        # the census and the person signed in elide (their whole text in the tooltip). No label widens the
        # window: each asks for a few characters at least.
        row = self.row = PriorityRow(box)
        row.setContentsMargins(10, 2, 10, 2)
        row.setSpacing(14)
        self.dot = QLabel("●", box)
        self.dot.setObjectName("statusDot")
        self.live_label = ElidedLabel("", box)
        self.live_label.setObjectName("statusLive")
        self.mode_label = ElidedLabel("", box)
        self.mode_label.setObjectName("statusMode")
        self.pending_label = ElidedLabel("", box)
        self.pending_label.setObjectName("statusPending")
        self.problem_label = ElidedLabel("", box)  # platform words can be long: elided, whole in the tooltip
        self.problem_label.setObjectName("statusProblem")
        self.census_label = ElidedLabel("", box)
        self.census_label.setObjectName("statusCensus")
        self.demo_label = QLabel(translate("SyncStatusBar", "DEMO"), box)
        self.demo_label.setObjectName("demoBadge")
        self.demo_label.setToolTip(translate("SyncStatusBar", "Connected to the built-in demo platform: "
                                                              "synthetic patients only"))
        self.demo_label.hide()
        self.tls_label = QLabel(translate("SyncStatusBar", "TLS NOT VERIFIED"), box)
        self.tls_label.setObjectName("tlsUnverifiedBadge")
        # the platform refuses Task: this workstation's alerts are its own (issue 10)
        self.unshared_label = ElidedLabel(translate("SyncStatusBar", "Alerts are not shared with other "
                                                                     "workstations"), box)
        self.unshared_label.setObjectName("alertsNotShared")
        self.unshared_label.hide()
        for label in (self.dot, self.live_label, self.mode_label, self.pending_label, self.problem_label,
                      self.census_label, self.demo_label, self.tls_label, self.unshared_label):
            # never rich text: a problem's parameters can come from the platform (a hostile <h1>, an <img>)
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.tls_label.setToolTip(translate(
            "SyncStatusBar", "verify_tls = false: the platform's certificate is not checked, so anyone on the "
                             "network path could read or change what is sent, the credentials included"))
        self.tls_label.hide()
        # Priority 0 reads first: the age, the link mode, the problem (and the badges, which never shrink).
        row.add(self.dot)
        row.add(self.live_label, PRIORITY_LINK)
        row.add(_separator(box))
        row.add(self.mode_label, PRIORITY_LINK)
        row.add(_separator(box))
        row.add(self.pending_label, PRIORITY_PENDING)
        row.add(self.problem_label, PRIORITY_LINK, stretch=True)
        row.add(self.census_label, PRIORITY_CENSUS)
        row.add(self.unshared_label, PRIORITY_PENDING)
        row.add(self.tls_label)
        row.add(self.demo_label)
        self.addWidget(box, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def add_trailing(self, label: QWidget, priority: int = PRIORITY_CENSUS) -> None:
        """Add ``label`` at the right end of the bar, sharing its width by ``priority`` (the person signed in:
        it shortens first, with the census)."""
        self.row.add(label, priority)

    @property
    def freshness(self) -> Freshness:
        return self._freshness

    def text(self) -> str:
        """Everything the bar says, in reading order (for tests and accessibility)."""
        parts = [self.live_label.text(), self.mode_label.text(), self.pending_label.text()]
        if self.problem_label.text():
            parts.append(self.problem_label.text())
        if self.unshared_label.isVisibleTo(self):
            parts.append(self.unshared_label.text())
        if self.tls_label.isVisibleTo(self):
            parts.append(self.tls_label.text())
        if self.demo_label.isVisibleTo(self):
            parts.append(self.demo_label.text())
        return " · ".join(parts)

    def apply(self, summary: ChangeSummary) -> None:
        self._link = summary.link
        self._complete = summary.complete
        self._problems = summary.problems
        self._show_census(summary.census)
        self.refresh()

    def _show_census(self, census: Census) -> None:
        """The shift's census, so the shift lead sees it balance: carried over + arrived = left + here + dropped."""
        counts = {"arrived": census.arrived, "departed": census.departed, "present": census.present,
                  "dropped": census.dropped}
        if census.shift is None:
            text = translate("SyncStatusBar", "In all: {arrived} arrived = {departed} left + {present} here + "
                                              "{dropped} dropped").format(**counts)
        else:
            text = translate("SyncStatusBar", "{shift}: {carried} carried over + {arrived} arrived = {departed} left "
                                              "+ {present} here + {dropped} dropped").format(
                shift=texts.shift_title(census.shift.name), carried=census.carried_over, **counts)
        self.census_label.setText(text)
        reasons = "\n".join(f"{texts.departure_label(code)}: {n}" for code, n in census.departed_by_reason.items())
        self.census_label.setToolTip(reasons or translate("SyncStatusBar", "Nobody has left this shift yet"))

    def refresh(self, now: datetime | None = None) -> None:
        now = now if now is not None else self._clock()
        link = self._link
        last = link.last_complete_at if link is not None else None
        problem = self._problem_text()
        if last is None:
            level = (Freshness.CRITICAL if now - self._waiting_since > self._critical_after
                     else Freshness.WARNING)
            live = translate("SyncStatusBar", "Waiting for the first complete synchronisation")
        else:
            age = now - last
            # With push up, notifications keep the list current between the rare safety-net polls: its
            # age counts against that poll interval (the channel drops to polling when heartbeats stop).
            slack = timedelta(seconds=link.push_poll_seconds) if link is not None and link.push_poll_seconds \
                and link.mode is LinkMode.PUSH else timedelta(0)
            if age > self._critical_after + slack:
                level = Freshness.CRITICAL
            elif (age > self._warn_after + slack or not self._complete
                  or (link is not None and link.mode is LinkMode.OFFLINE)):
                level = Freshness.WARNING
            else:
                level = Freshness.LIVE
            age_words = texts.age_text(age.total_seconds())
            if level is Freshness.LIVE:
                live = translate("SyncStatusBar", "Updated {age} ago").format(age=age_words)
            else:
                live = translate("SyncStatusBar", "May be out of date · updated {age} ago").format(age=age_words)
        self.live_label.setText(live)
        self.mode_label.setText(mode_text(link.mode if link is not None else LinkMode.CONNECTING))
        self.pending_label.setText(pending_text(link.pending_writes if link is not None else 0))
        self.problem_label.setText(problem if level is not Freshness.LIVE or problem else "")
        self.demo_label.setVisible(bool(link is not None and link.demo))
        self.tls_label.setVisible(bool(link is not None and link.tls_unverified))
        self.unshared_label.setVisible(bool(link is not None and link.alerts_shared is False))
        if link is not None and link.platform:
            self.setToolTip(translate("SyncStatusBar", "Platform: {url}").format(url=link.platform))
        if level is not self._freshness:
            self._freshness = level
            self.setProperty("level", level.value)
            _repolish(self)

    def _problem_text(self) -> str:
        link = self._link
        if link is None:
            return ""
        if link.problem:
            return problem_text(link.problem)
        if link.mode is LinkMode.OFFLINE:
            return translate("SyncStatusBar", "No connection to the platform")
        if not self._complete:
            if self._problems:
                return problems_text(self._problems)
            return translate("SyncStatusBar", "The last update from the platform was incomplete")
        return ""


def _separator(parent: QWidget) -> QLabel:
    sep = QLabel("|", parent)
    sep.setObjectName("statusSeparator")
    return sep


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    for child in widget.findChildren(QWidget):
        style.unpolish(child)
        style.polish(child)
    widget.update()
