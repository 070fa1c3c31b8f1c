"""Typed errors of the platform link.

Environment problems (offline, auth, a server fault, a malformed answer) carry ``user_message`` in plain
words for the status bar; anything else reaching the top is a bug and is logged with a trace.
"""

from __future__ import annotations


class PlatformError(Exception):
    """Something about the platform link went wrong; ``user_message`` says what in plain words."""

    user_message = "The platform answered with an error."

    def __init__(self, detail: str = "", *, status: int | None = None) -> None:
        super().__init__(detail or self.user_message)
        self.detail = detail
        self.status = status

    def __str__(self) -> str:
        return f"{self.user_message} ({self.detail})" if self.detail else self.user_message


class PlatformUnreachable(PlatformError):
    user_message = "Cannot reach the platform (network down, server not answering, or timed out)."


class PlatformServerError(PlatformError):
    user_message = "The platform reported a fault."


class AuthenticationError(PlatformError):
    user_message = "The platform refused our credentials. Sign in again with 'legevakt login'."


class NotFound(PlatformError):
    user_message = "The platform does not have that resource."


class Gone(NotFound):
    user_message = "The platform deleted that resource."


class PreconditionFailed(PlatformError):
    user_message = "Someone else changed this on the platform first."


class Refused(PlatformError):
    """A 4xx refusal of a request, with the server's OperationOutcome text when it gave one."""

    user_message = "The platform refused the request."


class MalformedResponse(PlatformError):
    user_message = "The platform sent something we could not understand; nothing was changed."


class ConfigurationError(PlatformError):
    user_message = "The platform is not set up the way Legevakt expects."
