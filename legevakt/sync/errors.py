"""Typed errors of the platform link.

Environment problems (offline, auth, a server fault, a malformed answer) carry a ``problem`` (a
``ProblemKind`` with the HTTP status or the reference as parameters) that the UI translates; the English
``user_message`` is for logs and the terminal only. Anything else reaching the top is a bug and is logged
with a trace.
"""

from __future__ import annotations

import re
import ssl

from legevakt.problems import Problem, ProblemKind


class PlatformError(Exception):
    """Something about the platform link went wrong; ``user_message`` says what in plain words."""

    user_message = "The platform answered with an error."
    kind = ProblemKind.PLATFORM_ERROR

    def __init__(self, detail: str = "", *, status: int | None = None, ref: str | None = None) -> None:
        super().__init__(detail or self.user_message)
        self.detail = detail
        self.status = status
        self.ref = ref

    @property
    def problem(self) -> Problem:
        """What went wrong as a kind plus parameters (the HTTP status, a reference): never the detail,
        which may hold the server's free text."""
        params: dict[str, object] = {}
        if self.status is not None:
            params["status"] = self.status
        if self.ref is not None:
            params["ref"] = self.ref
        return Problem(self.kind, params)

    def __str__(self) -> str:
        return f"{self.user_message} ({self.detail})" if self.detail else self.user_message


class PlatformUnreachable(PlatformError):
    user_message = "Cannot reach the platform (network down, server not answering, or timed out)."
    kind = ProblemKind.PLATFORM_UNREACHABLE


class TlsFailed(PlatformUnreachable):
    """The secure connection failed: the certificate could not be verified, or the TLS handshake failed.

    A kind of its own (not "network down": someone must fix a certificate or the trust store), handled
    like an unreachable platform otherwise (the cycle fails, the outbox waits); never retried at once."""

    user_message = ("The platform's TLS certificate could not be verified (or the secure connection failed); "
                    "this is not a network outage. Ask the platform's administrator to check its certificate.")
    kind = ProblemKind.TLS_FAILED


class CycleDeadline(PlatformUnreachable):
    """The sync cycle ran past its overall deadline (``cycle_deadline_seconds``): abandoned as incomplete,
    nothing inferred; handled like an unreachable platform (the outbox waits for the next turn)."""

    user_message = ("The platform did not finish answering within the sync deadline; this update was abandoned "
                    "and nothing was concluded from it.")
    kind = ProblemKind.SYNC_DEADLINE

    def __init__(self, seconds: float) -> None:
        super().__init__(f"past the {seconds:g} s deadline of the sync cycle")
        self.seconds = seconds

    @property
    def problem(self) -> Problem:
        return Problem(self.kind, {"seconds": round(self.seconds)})


class PlatformServerError(PlatformError):
    user_message = "The platform reported a fault."
    kind = ProblemKind.PLATFORM_SERVER_ERROR


class AuthenticationError(PlatformError):
    user_message = "The platform refused our credentials. Sign in again with 'legevakt login'."
    kind = ProblemKind.PLATFORM_AUTH


class NotFound(PlatformError):
    user_message = "The platform does not have that resource."
    kind = ProblemKind.PLATFORM_NOT_FOUND


class Gone(NotFound):
    user_message = "The platform deleted that resource."
    kind = ProblemKind.PLATFORM_GONE


class PreconditionFailed(PlatformError):
    user_message = "Someone else changed this on the platform first."
    kind = ProblemKind.PLATFORM_PRECONDITION_FAILED


class Refused(PlatformError):
    """A 4xx refusal of a request, with the server's OperationOutcome text when it gave one."""

    user_message = "The platform refused the request."
    kind = ProblemKind.PLATFORM_REFUSED


class MalformedResponse(PlatformError):
    user_message = "The platform sent something we could not understand; nothing was changed."
    kind = ProblemKind.PLATFORM_MALFORMED


class UnresolvedListItems(MalformedResponse):
    """Queue List entries whose item is a reference the client cannot look up (another server's base, a
    ``urn:uuid:``, a contained ``#x``, a display or identifier only). The List as such is fine, but who those
    entries are is unknown: the snapshot is incomplete, so nobody is taken as having left the queue (or as
    missing from it) on the strength of it. ``count``: how many such entries."""

    user_message = ("The queue list has entries Legevakt cannot look up (a reference to another server, or "
                    "none); nothing was concluded from it.")
    kind = ProblemKind.SNAPSHOT_LIST_ITEM_UNRESOLVED

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} List entries with an item that cannot be resolved")
        self.count = count

    @property
    def problem(self) -> Problem:
        return Problem(self.kind, {"count": self.count})


class LimitExceeded(MalformedResponse):
    """An answer beyond one of the client's bounds (``what``: "pages", "body", "depth", "string"): refused
    before it is used, so a hostile or broken server cannot hold a cycle or exhaust memory."""

    user_message = ("The platform sent an answer beyond Legevakt's limits (too big, too deep or too long); "
                    "it was refused.")
    kind = ProblemKind.PLATFORM_LIMIT

    def __init__(self, what: str, limit: int, *, status: int | None = None) -> None:
        super().__init__(f"{what} beyond the limit of {limit}", status=status)
        self.what = what
        self.limit = limit

    @property
    def problem(self) -> Problem:
        return Problem(self.kind, {"what": self.what, "limit": self.limit})


class ConfigurationError(PlatformError):
    user_message = "The platform is not set up the way Legevakt expects."
    kind = ProblemKind.PLATFORM_CONFIGURATION


class InsecureTransport(ConfigurationError):
    """Credentials would go over plain ``http://`` to a host other than this machine: refused."""

    user_message = ("Refused to send credentials over plain http:// to another machine; use an https:// address "
                    "(plain http:// is accepted only for this machine).")
    kind = ProblemKind.INSECURE_TRANSPORT


class ForeignOrigin(MalformedResponse):
    """The platform named another origin (a ``next`` link, a redirect, a token endpoint, a websocket URL):
    refused, and nothing (no token, no secret) was sent there.

    A malformed answer for the snapshot's rules (the snapshot is incomplete; no fate changes). ``where``
    (the problem's ``via``: "link", "redirect", "token-endpoint", "websocket") says what pointed away,
    ``foreign`` the refused origin (normalised ``scheme://host:port``, so it holds only host characters,
    never the server's free text)."""

    user_message = ("The platform pointed to another server; Legevakt refused to go there, so that its "
                    "credentials stay with the platform.")
    kind = ProblemKind.FOREIGN_ORIGIN

    def __init__(self, where: str, foreign: str) -> None:
        super().__init__(f"{where} on another origin ({foreign}) refused")
        self.where = where
        self.foreign = foreign

    @property
    def problem(self) -> Problem:
        return Problem(self.kind, {"via": self.where, "origin": self.foreign})


def tls_failure(exc: BaseException | None) -> str | None:
    """Why TLS failed, when ``exc`` (or what caused it) is an ``ssl.SSLError``: OpenSSL's own words (e.g.
    "certificate verify failed: self-signed certificate"), never the server's. None for anything else."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {exc.verify_message}" if exc.verify_message else \
                "certificate verify failed"
        if isinstance(exc, ssl.SSLError):
            return str(exc.reason or type(exc).__name__).lower().replace("_", " ")
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


_TOKEN = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def token(value: object) -> str:
    """A platform value safe to quote in an error: a FHIR id or code as given, anything else not quoted.

    Error texts reach the log; free text from the platform (which may quote a patient) must not.
    """
    if isinstance(value, str) and _TOKEN.fullmatch(value):
        return repr(value)
    return "something that is not an id or code" if value is not None else "None"
