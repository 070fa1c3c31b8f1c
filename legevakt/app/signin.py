"""The signed-in clinician: name, HPR number, role, and a PIN kept only as a salted scrypt hash.

The PIN hash lives in the OS keyring (service ``legevakt-pin``, user = HPR number), never in a file or
the config; without a keyring backend ``KeyringUnavailable`` says what to install (no plain-text
fallback). The idle lock asks for the PIN again (``verify_pin``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

import keyring.errors

from legevakt.codes import HPR_SYSTEM
from legevakt.sync.auth import NO_KEYRING_HELP, KeyringUnavailable, _backend
from legevakt.worklist.roles import Role, hpr_problem

__all__ = ["HPR_SYSTEM", "NO_KEYRING_HELP", "KeyringUnavailable", "Session", "check_pin", "hash_pin", "store_pin",
           "verify_pin"]

PIN_SERVICE = "legevakt-pin"
_N, _R, _P = 2**14, 8, 1
MIN_PIN = 4


@dataclass(frozen=True)
class Session:
    name: str
    hpr: str
    role: Role
    practitioner: str  # "Practitioner/<id>" where the platform knows the HPR number, else a local identity
    on_platform: bool = False

    @property
    def local_identity(self) -> str:
        return f"{HPR_SYSTEM}|{self.hpr}"


def sign_in_problem(name: str, hpr: str, pin: str) -> str | None:
    """None when the form is acceptable, else a reason code: 'name', 'hpr-empty', 'hpr-not-digits',
    'hpr-length', 'pin-short'."""
    if not name.strip():
        return "name"
    hpr_reason = hpr_problem(hpr)
    if hpr_reason:
        return f"hpr-{hpr_reason}"
    if len(pin) < MIN_PIN:
        return "pin-short"
    return None


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_pin(pin: str, stored: str) -> bool:
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, digest = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    except ValueError:
        return False
    candidate = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return hmac.compare_digest(candidate, digest)


def store_pin(hpr: str, pin: str) -> None:
    backend = _backend()  # KeyringUnavailable where there is no secure store
    try:
        backend.set_password(PIN_SERVICE, hpr, hash_pin(pin))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(type(exc).__name__) from exc


def verify_pin(hpr: str, pin: str) -> bool:
    try:
        stored = _backend().get_password(PIN_SERVICE, hpr)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(type(exc).__name__) from exc
    return stored is not None and check_pin(pin, stored)


def practitioner_query(hpr: str) -> dict[str, str]:
    """Search parameters for the Practitioner with this HPR number."""
    return {"identifier": f"{HPR_SYSTEM}|{hpr}"}


def practitioner_from_bundle(bundle: dict[str, object]) -> str | None:
    """``Practitioner/<id>`` of the one Practitioner a search found, else None."""
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        return None
    found = [e.get("resource") for e in entries if isinstance(e, dict)]
    ids = [r.get("id") for r in found if isinstance(r, dict) and r.get("resourceType") == "Practitioner"]
    if len(ids) != 1 or not isinstance(ids[0], str):
        return None
    return f"Practitioner/{ids[0]}"


#: The person of unattended runs (``--screenshot``, the bench): the shift lead, who sees every screen,
#: and named for that role so a screenshot never shows a "nurse" with the shift lead's buttons.
DEMO_SESSION = Session(name="Demo Vaktleder", hpr="9999999", role=Role.SHIFT_LEAD,
                       practitioner=f"{HPR_SYSTEM}|9999999")
