"""FHIR instant / dateTime formatting and parsing (wall clock, UTC)."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import format_datetime

UTC = dt.UTC

_DATE_RE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,9}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def instant(t: dt.datetime) -> str:
    """ISO 8601 with milliseconds and 'Z'."""
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def http_date(t: dt.datetime) -> str:
    return format_datetime(t.astimezone(UTC), usegmt=True)


def parse_range(value: str) -> tuple[dt.datetime, dt.datetime]:
    """Parse a FHIR date/dateTime/instant into the half-open UTC range its precision covers.

    A value without a time zone is taken as UTC. Raises ValueError if it does not parse.
    """
    m = _DATE_RE.match(value.strip())
    if not m:
        raise ValueError(f"not a FHIR date/dateTime: {value!r}")
    g = m.groupdict()
    year = int(g["y"])
    if g["m"] is None:
        start = dt.datetime(year, 1, 1, tzinfo=UTC)
        return start, dt.datetime(year + 1, 1, 1, tzinfo=UTC)
    month = int(g["m"])
    if g["d"] is None:
        start = dt.datetime(year, month, 1, tzinfo=UTC)
        end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
        return start, end
    day = int(g["d"])
    if g["H"] is None:
        start = dt.datetime(year, month, day, tzinfo=UTC)
        return start, start + dt.timedelta(days=1)
    tz: dt.tzinfo = UTC
    if g["tz"] and g["tz"] != "Z":
        sign = 1 if g["tz"][0] == "+" else -1
        hh, mm = int(g["tz"][1:3]), int(g["tz"][4:6])
        tz = dt.timezone(sign * dt.timedelta(hours=hh, minutes=mm))
    second = int(g["S"]) if g["S"] is not None else 0
    frac = g["f"]
    micro = int((frac + "000000")[:6]) if frac else 0
    start = dt.datetime(year, month, day, int(g["H"]), int(g["M"]), second, micro, tzinfo=tz).astimezone(UTC)
    if g["S"] is None:
        width = dt.timedelta(minutes=1)
    elif not frac:
        width = dt.timedelta(seconds=1)
    else:
        width = dt.timedelta(microseconds=max(1, 10 ** (6 - min(len(frac), 6))))
    return start, start + width


def parse_instant(value: str) -> dt.datetime:
    """The start of the range a FHIR date/dateTime value covers."""
    return parse_range(value)[0]
