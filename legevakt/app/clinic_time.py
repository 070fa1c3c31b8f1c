"""The clinic's clock: every clock time the window shows goes through ``local`` (setting ``time_zone``).

The machine's own time zone (``TZ``, the OS setting) is never used: a terminal server in UTC, or a laptop
brought from another zone, must still show the clinic's wall time. The zone is process-wide, set once
from the settings when the service (or the window) starts; the default is Europe/Oslo.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Oslo"

_zone: tzinfo = ZoneInfo(DEFAULT_ZONE)


def set_zone(name: str | tzinfo | None) -> tzinfo:
    """Use ``name`` (an IANA name or a tzinfo) from now on; an unknown name keeps the default. Returns it."""
    global _zone
    if isinstance(name, tzinfo):
        _zone = name
    else:
        try:
            _zone = ZoneInfo(name or DEFAULT_ZONE)
        except (ZoneInfoNotFoundError, ValueError):
            _zone = ZoneInfo(DEFAULT_ZONE)
    return _zone


def zone() -> tzinfo:
    """The clinic's time zone."""
    return _zone


def local(moment: datetime) -> datetime:
    """``moment`` (aware; a naive one is taken as UTC) as the clinic's wall time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone)


def today(now: datetime) -> date:
    """The clinic's calendar date at ``now`` (ages, "today" in clock texts)."""
    return local(now).date()


def clock(moment: datetime) -> str:
    """"13:05" in the clinic's time."""
    return local(moment).strftime("%H:%M")


def day_clock(moment: datetime, now: datetime | None = None) -> str:
    """"13:05" when ``moment`` is on the clinic's day of ``now``, else "13.03. 22:40"."""
    here = local(moment)
    if now is not None and here.date() == today(now):
        return here.strftime("%H:%M")
    return here.strftime("%d.%m. %H:%M")
