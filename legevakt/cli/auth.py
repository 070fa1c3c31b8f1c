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

from legevakt.app.headless import KeyringUnavailable, login, logout
from legevakt.cli.options import CliError, common, settings_of


def add_parsers(sub: Any) -> None:
    """Add ``login`` and ``logout`` to the ``legevakt`` sub-command parsers."""
    p = sub.add_parser("login", help="store the platform's client credentials in the OS keyring",
                       description="Ask for the client id and secret, check them against the platform's "
                                   "token endpoint and store them in the OS keyring (never in a file). "
                                   "The secret is read from a hidden prompt, or from stdin when it is "
                                   "not a terminal.")
    p.add_argument("--client-id", help="the OAuth2 client id (asked for when not given)")
    common(p)
    out = sub.add_parser("logout", help="remove the platform's credentials from the OS keyring")
    common(out)


def run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if not settings.platform:
        raise CliError("give --platform URL (or set 'platform' in the config file)")
    platform = settings.platform
    try:
        if args.command == "login":
            client_id = login(platform, lambda: args.client_id or _ask("Client id: "), _secret,
                              verify=settings.verify_tls, timeout=settings.timeout_seconds,
                              token_url=settings.oauth_endpoint)
            print(f"Signed in to {platform} as client {client_id!r}. The credentials are in the OS keyring.")
            return 0
        logout(platform)
        print(f"Removed the credentials for {platform} from the OS keyring (if there were any).")
        return 0
    except KeyringUnavailable as exc:
        raise CliError(exc.user_message) from exc


def _ask(prompt: str) -> str:
    if sys.stdin.isatty():
        return input(prompt).strip()
    return sys.stdin.readline().strip()


def _secret() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Client secret: ")
    return sys.stdin.readline().rstrip("\r\n")
