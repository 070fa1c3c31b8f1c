"""``legevakt login`` and ``legevakt logout``: the platform's client credentials, in the OS keyring only.

``login`` asks for the client id (or takes ``--client-id``) and the secret (hidden prompt on a terminal;
one line from stdin otherwise, for scripts), finds the token endpoint in the platform's
CapabilityStatement (SMART ``oauth-uris``), checks the credentials by fetching a token, and only then
stores them in the OS keyring. Nothing is written to the config file, the database or a log. Without a
keyring backend it says what to install and exits 1 before asking for anything.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from legevakt.cli import CliError, _common, _settings

COMMANDS = ("login", "logout")


def add_parsers(sub: Any) -> None:
    """Add ``login`` and ``logout`` to the ``legevakt`` sub-command parsers."""
    login = sub.add_parser("login", help="store the platform's client credentials in the OS keyring",
                           description="Ask for the client id and secret, check them against the platform's "
                                       "token endpoint and store them in the OS keyring (never in a file). "
                                       "The secret is read from a hidden prompt, or from stdin when it is "
                                       "not a terminal.")
    login.add_argument("--client-id", help="the OAuth2 client id (asked for when not given)")
    _common(login)
    logout = sub.add_parser("logout", help="remove the platform's credentials from the OS keyring")
    _common(logout)


def run(args: argparse.Namespace) -> int:
    from legevakt.sync.auth import KeyringUnavailable

    settings = _settings(args)
    if not settings.platform:
        raise CliError("give --platform URL (or set 'platform' in the config file)")
    try:
        if args.command == "login":
            return _login(args, settings.platform, verify=settings.verify_tls, timeout=settings.timeout_seconds)
        return _logout(settings.platform)
    except KeyringUnavailable as exc:
        raise CliError(exc.user_message) from exc


def _login(args: argparse.Namespace, platform: str, *, verify: bool, timeout: float) -> int:
    from legevakt.sync.auth import (
        ClientCredentials,
        ClientCredentialsTokens,
        KeyringUnavailable,
        discover_token_url,
        keyring_available,
        store_credentials,
    )
    from legevakt.sync.errors import AuthenticationError, PlatformError

    if not keyring_available():
        raise KeyringUnavailable()
    client_id = args.client_id or _ask("Client id: ")
    secret = _secret()
    if not client_id or not secret:
        raise CliError("both a client id and a secret are needed; nothing was stored")
    try:
        token_url = discover_token_url(platform, verify=verify, timeout=timeout)
    except PlatformError as exc:
        raise CliError(f"cannot find the platform's token endpoint: {exc}; nothing was stored") from exc
    creds = ClientCredentials(client_id, secret)
    tokens = ClientCredentialsTokens(token_url, creds, verify=verify, timeout=timeout)
    try:
        tokens.refresh()
    except AuthenticationError as exc:
        raise CliError(f"the platform refused these credentials ({exc.detail}); nothing was stored") from exc
    except PlatformError as exc:
        raise CliError(f"could not check the credentials: {exc}; nothing was stored") from exc
    finally:
        tokens.close()
    store_credentials(platform, creds)
    print(f"Signed in to {platform} as client {client_id!r}. The credentials are in the OS keyring.")
    return 0


def _logout(platform: str) -> int:
    from legevakt.sync.auth import delete_credentials

    delete_credentials(platform)
    print(f"Removed the credentials for {platform} from the OS keyring (if there were any).")
    return 0


def _ask(prompt: str) -> str:
    if sys.stdin.isatty():
        return input(prompt).strip()
    return sys.stdin.readline().strip()


def _secret() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Client secret: ")
    return sys.stdin.readline().rstrip("\r\n")
