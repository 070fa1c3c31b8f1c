"""OAuth2 client-credentials token issuing and bearer validation."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from collections.abc import Callable
from urllib.parse import unquote


class TokenIssuer:
    def __init__(self, client_id: str, client_secret: str, ttl: Callable[[], float]) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._ttl = ttl
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._lock = threading.Lock()

    def check_client(self, client_id: str | None, client_secret: str | None) -> bool:
        return (
            client_id is not None
            and client_secret is not None
            and secrets.compare_digest(client_id, self._client_id)
            and secrets.compare_digest(client_secret, self._client_secret)
        )

    def issue(self) -> tuple[str, int]:
        """A new token and its lifetime in whole seconds."""
        ttl = float(self._ttl())
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + ttl
        return token, max(0, int(ttl))

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            exp = self._tokens.get(token)
        return exp is not None and exp > time.monotonic()

    def expire_all(self) -> None:
        with self._lock:
            self._tokens.clear()


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return unquote(user), unquote(password)
