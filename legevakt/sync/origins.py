"""Where the platform's secrets may go: web origins (scheme, host, port) and loopback hosts.

The bearer token goes only to the configured platform's origin, the client secret only to the token
endpoint the configuration names or, when the platform declares it, one on the platform's own origin. An
origin is compared after normalisation: the scheme and host in lower case (IDNA-encoded by httpx), the
default port made explicit, ``ws``/``wss`` read as ``http``/``https`` (a websocket on the platform's own
host and port is the platform). Anything that does not parse into a clean origin is foreign.

Pure standard library plus ``httpx.URL`` for parsing (the parser the client itself connects with), so
the settings can use it too.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import httpx

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WS_SCHEMES = {"ws": "http", "wss": "https"}
#: What a normalised host may hold (DNS labels, IPv4, IPv6 without brackets): nothing else is shown or trusted.
_CLEAN_HOST = re.compile(r"^[a-z0-9._:-]{1,253}$")


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str  # "http" or "https" (websocket schemes are read as these)
    host: str  # lower case, no trailing dot, IPv6 without brackets
    port: int  # always explicit

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def origin_of(scheme: str, host: str, port: int | None) -> Origin | None:
    """The normalised origin of these parts; None when they are not a clean http(s)/ws(s) origin."""
    scheme = scheme.lower()
    scheme = _WS_SCHEMES.get(scheme, scheme)
    if scheme not in _DEFAULT_PORTS:
        return None
    host = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    if not _CLEAN_HOST.match(host):
        return None
    if port is None:
        port = _DEFAULT_PORTS[scheme]
    if not 0 < port < 65536:
        return None
    return Origin(scheme, host, port)


def origin(url: str | httpx.URL) -> Origin | None:
    """The origin of an absolute URL, as httpx would connect to it; None when it has none."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    try:
        host = parsed.raw_host.decode("ascii")  # the IDNA form httpx connects to
        port = parsed.port
    except (UnicodeDecodeError, ValueError):
        return None
    if not parsed.scheme or not host:
        return None
    return origin_of(parsed.scheme, host, port)


def same_origin(url: str | httpx.URL, base: Origin | str | None) -> bool:
    """Whether ``url`` is on ``base``'s origin (a URL that does not parse is on none)."""
    if base is None:
        return False
    expected = base if isinstance(base, Origin) else origin(base)
    found = origin(url)
    return expected is not None and found is not None and found == expected


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1): traffic that never leaves this machine."""
    host = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def shown(url: str | httpx.URL) -> str:
    """A URL's origin for a message (normalised, so it holds only host characters), or a dash."""
    found = origin(url)
    return str(found) if found is not None else "–"


def transport_problem(url: str) -> str | None:
    """What is wrong with ``url`` as a place to send credentials: not http(s), or plain ``http://`` to a host
    other than this machine. None when fine (an empty URL is fine: not configured)."""
    if not url:
        return None
    found = origin(url)
    if found is None or not url.lower().startswith(("http://", "https://")):
        return "must be an http(s) URL"
    if found.scheme == "http" and not found.loopback:
        return ("must use https:// (plain http:// is accepted only for this machine: localhost, 127.0.0.1, ::1, "
                "as anything sent over it can be read on the way)")
    return None


__all__ = ["Origin", "is_loopback", "origin", "origin_of", "same_origin", "shown", "transport_problem"]
