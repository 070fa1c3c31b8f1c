"""The status bar always says whether the list is live, how old it is, push/poll/offline, pending writes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from legevakt.app.summary import LinkMode
from legevakt.problems import Problem, ProblemKind
from legevakt.ui.status import Freshness, SyncStatusBar
from legevakt.worklist.census import Census, Shift
from tests.ui.conftest import NOW, clock, make_link, make_summary


def bar(qtbot: QtBot) -> SyncStatusBar:
    widget = SyncStatusBar(clock=clock, tick_ms=60_000)
    qtbot.addWidget(widget)
    return widget


def test_before_any_summary_it_waits_and_infers_nothing(qtbot: QtBot) -> None:
    status = bar(qtbot)
    assert status.live_label.text() == "Venter på første komplette synkronisering"
    assert status.mode_label.text() == "Kobler til…"
    assert status.freshness is Freshness.WARNING


def test_no_complete_snapshot_yet_goes_red_after_a_minute(qtbot: QtBot) -> None:
    status = bar(qtbot)
    status.apply(make_summary(link=make_link(LinkMode.CONNECTING, age_s=None), complete=False, initial=True))
    assert status.live_label.text() == "Venter på første komplette synkronisering"
    status.refresh(NOW + timedelta(seconds=61))
    assert status.freshness is Freshness.CRITICAL


@pytest.mark.parametrize(("mode", "words"), [
    # Bokmål a nurse reads, not the engineers' "Push"/"Polling" (issue 9 item 8: no English in the window).
    (LinkMode.PUSH, "Sanntid"), (LinkMode.POLL, "Henter jevnlig"), (LinkMode.OFFLINE, "Frakoblet"),
])
def test_says_push_poll_or_offline(qtbot: QtBot, mode: LinkMode, words: str) -> None:
    status = bar(qtbot)
    status.apply(make_summary(link=make_link(mode)))
    assert status.mode_label.text() == words


def test_live_list_says_its_age_and_ticks(qtbot: QtBot) -> None:
    status = bar(qtbot)
    status.apply(make_summary(link=make_link(LinkMode.PUSH, age_s=3)))
    assert status.live_label.text() == "Oppdatert for 3 s siden"
    assert status.freshness is Freshness.LIVE
    assert status.problem_label.text() == ""
    status.refresh(NOW + timedelta(seconds=5))
    assert status.live_label.text() == "Oppdatert for 8 s siden"


def test_amber_past_15_seconds_red_past_60(qtbot: QtBot) -> None:
    status = bar(qtbot)
    status.apply(make_summary(link=make_link(LinkMode.POLL, age_s=3)))
    status.refresh(NOW + timedelta(seconds=13))
    assert status.freshness is Freshness.WARNING
    assert status.live_label.text() == "Kan være utdatert · oppdatert for 16 s siden"
    assert status.property("level") == "warning"
    status.refresh(NOW + timedelta(seconds=58))
    assert status.freshness is Freshness.CRITICAL
    assert status.live_label.text() == "Kan være utdatert · oppdatert for 1 min siden"
    assert status.property("level") == "critical"


def test_with_push_up_the_age_counts_against_the_safety_net_poll(qtbot: QtBot) -> None:
    """Push keeps the list current between polls every 60 s: 40 s since the last fetch is live, not amber;
    once the expected poll is 15 s late it is amber, 60 s late red (and polling again is the usual thresholds)."""
    status = bar(qtbot)
    status.apply(make_summary(link=replace(make_link(LinkMode.PUSH, age_s=0), push_poll_seconds=60.0)))
    status.refresh(NOW + timedelta(seconds=40))
    assert status.freshness is Freshness.LIVE
    status.refresh(NOW + timedelta(seconds=76))
    assert status.freshness is Freshness.WARNING
    status.refresh(NOW + timedelta(seconds=121))
    assert status.freshness is Freshness.CRITICAL
    status.apply(make_summary(link=make_link(LinkMode.POLL, age_s=0)))
    status.refresh(NOW + timedelta(seconds=40))
    assert status.freshness is Freshness.WARNING


def test_offline_is_amber_with_the_problem_in_plain_words(qtbot: QtBot) -> None:
    status = bar(qtbot)
    status.apply(make_summary(link=make_link(LinkMode.OFFLINE, age_s=5,
                                                problem=Problem.of(ProblemKind.PLATFORM_UNREACHABLE)),
                              complete=False))
    assert status.freshness is Freshness.WARNING
    assert status.mode_label.text() == "Frakoblet"
    assert status.problem_label.text() == ("Får ikke kontakt med plattformen (nettet er nede, serveren svarer "
                                           "ikke, eller tidsavbrudd).")
    status.apply(make_summary(link=make_link(LinkMode.OFFLINE, age_s=5), complete=False))
    assert status.problem_label.text() == "Ingen forbindelse med plattformen"


def test_incomplete_snapshot_is_amber_and_says_why(qtbot: QtBot) -> None:
    status = bar(qtbot)
    status.apply(make_summary(link=make_link(LinkMode.PUSH, age_s=4), complete=False,
                              problems=(Problem.of(ProblemKind.SNAPSHOT_PAGE_FAILED, page=3),)))
    assert status.freshness is Freshness.WARNING
    assert status.problem_label.text() == "Side 3 av pasientlisten kunne ikke hentes."


def test_pending_writes_and_demo(qtbot: QtBot) -> None:
    status = bar(qtbot)
    status.apply(make_summary(link=make_link(pending=0)))
    assert status.pending_label.text() == "Alle endringer lagret"
    assert not status.demo_label.isVisibleTo(status)
    status.apply(make_summary(link=make_link(pending=1, demo=True)))
    assert status.pending_label.text() == "1 endring venter på lagring"
    assert status.demo_label.isVisibleTo(status)
    status.apply(make_summary(link=make_link(pending=4, demo=True)))
    assert status.pending_label.text() == "4 endringer venter på lagring"
    assert status.text() == "Oppdatert for 3 s siden · Sanntid · 4 endringer venter på lagring · DEMO"
    assert "https://fhir.example.no/r4" in status.toolTip()


def test_the_bar_ticks_by_itself(qtbot: QtBot) -> None:
    times = iter([NOW + timedelta(seconds=s) for s in range(100)])
    status = SyncStatusBar(clock=lambda: next(times), tick_ms=20)
    qtbot.addWidget(status)
    status.apply(make_summary(link=make_link(age_s=0)))
    first = status.live_label.text()
    qtbot.waitUntil(lambda: status.live_label.text() != first, timeout=2000)


def test_the_shift_census_is_shown_and_balances(qtbot: QtBot) -> None:
    bar = SyncStatusBar(clock=clock)
    qtbot.addWidget(bar)
    shift = Shift("evening", NOW - timedelta(hours=2), NOW + timedelta(hours=6))
    census = Census(shift, arrived=23, departed=15, present=11, dropped=1,
                    departed_by_reason={"home": 12, "admitted": 3}, carried_over=4)
    bar.apply(replace(make_summary(), census=census))
    bar.resize(1600, 30)  # wide enough for every word
    bar.show()
    qtbot.waitExposed(bar)
    whole = "Kveldsvakt: 4 overført + 23 ankommet = 15 reist + 11 her + 1 falt ut"
    assert bar.census_label.text() == bar.census_label.shown_text() == whole
    assert bar.census_label.plain_tip() == "Hjem: 12\nInnlagt: 3"
    bar.resize(700, 30)  # narrow: the census elides, its whole text leads the tooltip
    qtbot.waitUntil(bar.census_label.is_elided)
    assert bar.census_label.plain_tip() == whole + "\n\nHjem: 12\nInnlagt: 3"


def test_unverified_tls_is_shown_in_red(qtbot: QtBot) -> None:
    """verify_tls = false (issue 11): the bar says so, in red, for as long as it holds."""
    from PySide6.QtGui import QColor

    from legevakt.ui.style import style_sheet

    status = bar(qtbot)
    status.setStyleSheet(style_sheet())
    status.apply(make_summary(link=make_link(LinkMode.POLL)))
    assert not status.tls_label.isVisibleTo(status) and "TLS" not in status.text()
    status.apply(make_summary(link=replace(make_link(LinkMode.POLL), tls_unverified=True)))
    assert status.tls_label.isVisibleTo(status)
    assert status.text().endswith("TLS IKKE VERIFISERT")
    assert "sertifikat kontrolleres ikke" in status.tls_label.toolTip()
    status.resize(1200, 30)
    status.show()
    qtbot.waitExposed(status)
    image = status.tls_label.grab().toImage()
    corner = QColor(image.pixel(image.width() // 2, 2))  # the badge's background, above its text
    assert corner.red() > 150 and corner.green() < 80 and corner.blue() < 80, corner.name()
    status.grab().save("/tmp/secure_status_tls.png")
    status.apply(make_summary(link=make_link(LinkMode.POLL)))
    assert not status.tls_label.isVisibleTo(status)


def test_text_from_the_platform_is_shown_as_plain_text_never_as_html(qtbot: QtBot) -> None:
    """A problem's parameter can hold the platform's text (a reference, a code): a hostile server's
    ``<h1 style=color:red>`` or ``<img src=...>`` is shown as its characters, never rendered or loaded."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import Qt as GuiQt

    hostile = '<h1 style=color:red>Plattformen</h1><img src="http://203.0.113.9/x.png">'
    status = bar(qtbot)
    status.apply(make_summary(link=make_link(LinkMode.PUSH, age_s=4), complete=False,
                              problems=(Problem.of(ProblemKind.PLATFORM_NOT_FOUND, ref=hostile),)))
    label = status.problem_label
    assert GuiQt.mightBeRichText(label.text())  # as AutoText, Qt would render this as HTML
    assert label.textFormat() is Qt.TextFormat.PlainText
    assert hostile in label.text()
    for other in (status.live_label, status.mode_label, status.pending_label, status.census_label):
        assert other.textFormat() is Qt.TextFormat.PlainText


def test_a_platform_that_refuses_task_is_said_in_bokmal_and_shared_alerts_are_not_mentioned(qtbot: QtBot) -> None:
    status = bar(qtbot)
    status.show()
    status.apply(make_summary(link=replace(make_link(LinkMode.POLL, age_s=3), alerts_shared=False)))
    assert status.unshared_label.isVisibleTo(status)
    assert "Varsler deles ikke med andre arbeidsstasjoner" in status.text()
    status.apply(make_summary(link=replace(make_link(LinkMode.POLL, age_s=3), alerts_shared=True)))
    assert "Varsler deles ikke" not in status.text()
    status.apply(make_summary(link=make_link(LinkMode.POLL, age_s=3)))  # not known: nothing said
    assert not status.unshared_label.isVisibleTo(status)
