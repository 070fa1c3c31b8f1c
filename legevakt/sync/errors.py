"""Typed errors of the platform link.

Environment problems (offline, auth, a server fault, a malformed answer) carry a ``problem`` (a
``ProblemKind`` with the HTTP status or the reference as parameters) that the UI translates; the English
``user_message`` is for logs and the terminal only. Anything else reaching the top is a bug and is logged
with a trace.
"""

from __future__ import annotations

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


class ConfigurationError(PlatformError):
    user_message = "The platform is not set up the way Legevakt expects."
    kind = ProblemKind.PLATFORM_CONFIGURATION
