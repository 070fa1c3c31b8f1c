"""Fault-injection knobs, settable from tests (Python) and over HTTP (``/_sim/faults``)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from legevakt import codes

# Knob name -> accepted Python type(s) for HTTP updates.
_KNOB_TYPES: dict[str, type | tuple[type, ...]] = {
    "error_rate": (int, float),
    "latency_ms": (int, float),
    "drop_connection_rate": (int, float),
    "throttle_next": int,
    "shift_page": bool,
    "malformed_rate": (int, float),
    "wrong_type_next": int,
    "omit_total": bool,
    "short_pages": bool,
    "token_ttl_seconds": (int, float),
    "heartbeat_seconds": (int, float),
    "reject_writes_next": int,
    "list_lag_seconds": (int, float),
    # shared alerts (FHIR Task)
    "task_duplicates": bool,
    "task_refusal": str,
    # the journal's recipients (legevakt.sim.recipients)
    "transport_delay_seconds": (int, float),
    "transport_never_acks": bool,
    "receipt_delay_seconds": (int, float),
    "receipt_mode": str,
    "receipt_error_code": str,
    "late_receipts_next": int,
    "late_receipt_seconds": (int, float),
}
# String knobs and their allowed values.
_CHOICES: dict[str, frozenset[str]] = {
    "receipt_mode": frozenset({"ok", "none", "reject", "errors"}),
    "task_refusal": frozenset({"none", "capability", "forbidden", "not-found"}),
    "receipt_error_code": frozenset(codes.APPREC_ERROR_TEXTS),
}
_RATES = ("error_rate", "drop_connection_rate", "malformed_rate")
_ACTIONS = ("expire_tokens", "drop_websockets", "reset")


@dataclass
class Faults:
    """The knobs. Plain attribute assignment is safe from any thread; counters are consumed under a lock."""

    error_rate: float = 0.0  # share of FHIR requests answered 500/503 (not applied)
    latency_ms: float = 0.0  # added before every FHIR request
    drop_connection_rate: float = 0.0  # share of FHIR requests whose connection is cut mid-response
    throttle_next: int = 0  # the next N FHIR requests get 429 with Retry-After: 1
    shift_page: bool = False  # admit a patient sorting first between page 1 and 2 of an Encounter search
    malformed_rate: float = 0.0  # share of FHIR responses whose body is not valid JSON
    wrong_type_next: int = 0  # the next N reads/searches return a resource of the wrong resourceType
    omit_total: bool = False  # leave Bundle.total out of searchset/history bundles
    short_pages: bool = False  # return fewer than _count entries per page (still with next links)
    token_ttl_seconds: float = 3600.0  # lifetime of newly issued access tokens
    heartbeat_seconds: float = 10.0  # backport websocket heartbeat interval
    reject_writes_next: int = 0  # the next N creates/updates (PUT/POST) get 422 (not Task: see task_refusal)
    list_lag_seconds: float = 0.0  # a registration's List entry appears this many seconds after its Encounter
    #: a server that ignores If-None-Exist on Task creates (two workstations make two Tasks for one condition)
    task_duplicates: bool = False
    #: a server that refuses Task: none | capability (not in the CapabilityStatement, and 404) | forbidden (403)
    #: | not-found (404, still declared)
    task_refusal: str = "none"
    transport_delay_seconds: float = 0.5  # until the platform sets `received` on a sent note
    transport_never_acks: bool = False  # the platform never acknowledges transport (so nothing is receipted)
    receipt_delay_seconds: float = 3.0  # mean delay from transport to the application receipt
    receipt_mode: str = "ok"  # ok | none (never receipt) | reject | errors (OK with errors)
    receipt_error_code: str = "E35"  # the 8221 code used by reject / errors
    late_receipts_next: int = 0  # the next N receipts come after late_receipt_seconds
    late_receipt_seconds: float = 3600.0

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _rng: random.Random = field(default_factory=lambda: random.Random(7), repr=False, compare=False)
    _on_expire_tokens: list[Callable[[], None]] = field(default_factory=list, repr=False, compare=False)
    _on_drop_websockets: list[Callable[[], None]] = field(default_factory=list, repr=False, compare=False)

    def seed(self, seed: int) -> None:
        with self._lock:
            self._rng = random.Random(f"faults-{seed}")

    # -- actions ---------------------------------------------------------------------------------------

    def expire_tokens_now(self) -> None:
        """Invalidate every access token issued so far."""
        for cb in list(self._on_expire_tokens):
            cb()

    def drop_websockets_now(self) -> None:
        """Close every open websocket connection from the server side."""
        for cb in list(self._on_drop_websockets):
            cb()

    def reset(self) -> None:
        defaults = Faults()
        with self._lock:
            for name in _KNOB_TYPES:
                setattr(self, name, getattr(defaults, name))

    # -- consumption (used by the server) --------------------------------------------------------------

    def roll(self, knob: str) -> bool:
        """True with probability equal to the given rate knob."""
        rate = float(getattr(self, knob))
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def choice(self, options: list[Any]) -> Any:
        with self._lock:
            return self._rng.choice(options)

    def take(self, counter: str) -> bool:
        """Consume one unit of a ``*_next`` counter knob; True if one was available."""
        with self._lock:
            n = int(getattr(self, counter))
            if n <= 0:
                return False
            setattr(self, counter, n - 1)
            return True

    # -- (de)serialisation -----------------------------------------------------------------------------

    def receipt_fault(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """The knobs one dedicated endpoint ``POST [base]/_sim/faults/<name>`` sets, from its JSON body
        (see RECEIPT_FAULTS). Raises ValueError on a bad body; ``apply`` the result to set them."""
        if name not in RECEIPT_FAULTS:
            raise ValueError(f"unknown receipt fault {name!r}")
        unknown = sorted(set(body) - set(RECEIPT_FAULTS[name]))
        if unknown:
            allowed = ", ".join(RECEIPT_FAULTS[name]) or "nothing"
            raise ValueError(f"{name}: unknown field(s) {', '.join(unknown)} (accepts {allowed})")
        if name == "never-receipt":
            return {"receipt_mode": "none"}
        if name in ("reject", "receipt-errors"):
            code = body.get("code", self.receipt_error_code)
            if not isinstance(code, str) or code not in codes.APPREC_ERROR_TEXTS:
                known = ", ".join(sorted(codes.APPREC_ERROR_TEXTS))
                raise ValueError(f"code must be a kodeverk 8221 code, one of {known}")
            return {"receipt_mode": "reject" if name == "reject" else "errors", "receipt_error_code": code}
        if name == "transport-never-acks":
            on = body.get("on", True)
            if not isinstance(on, bool):
                raise ValueError("on must be a boolean")
            return {"transport_never_acks": on}
        if name == "late-receipts":
            return {
                "late_receipts_next": body.get("next", 1),
                "late_receipt_seconds": body.get("seconds", self.late_receipt_seconds),
            }
        return {"receipt_mode": "ok", "transport_never_acks": False, "late_receipts_next": 0}  # receipts-ok

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _KNOB_TYPES}

    def apply(self, values: dict[str, Any]) -> None:
        """Set knobs from a JSON object; ``expire_tokens``/``drop_websockets``/``reset`` (true) act.
        Raises ValueError on unknown knobs or bad values (nothing is changed then)."""
        unknown = [k for k in values if k not in _KNOB_TYPES and k not in _ACTIONS]
        if unknown:
            raise ValueError(f"unknown fault knob(s): {', '.join(sorted(unknown))}")
        updates: dict[str, Any] = {}
        for name, value in values.items():
            if name in _ACTIONS:
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be a boolean")
                continue
            want = _KNOB_TYPES[name]
            if want is str:
                if not isinstance(value, str) or value not in _CHOICES[name]:
                    raise ValueError(f"{name} must be one of {', '.join(sorted(_CHOICES[name]))}")
            elif want is bool:
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be a boolean")
            else:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"{name} must be a number")
                if want is int and not isinstance(value, int):
                    raise ValueError(f"{name} must be an integer")
                if value < 0:
                    raise ValueError(f"{name} must not be negative")
                if name in _RATES and value > 1:
                    raise ValueError(f"{name} must be within 0..1")
            updates[name] = value
        if values.get("reset"):
            self.reset()
        with self._lock:
            for name, value in updates.items():
                setattr(self, name, value)
        if values.get("expire_tokens"):
            self.expire_tokens_now()
        if values.get("drop_websockets"):
            self.drop_websockets_now()


# The dedicated receipt fault endpoints (``POST [base]/_sim/faults/<name>``) and the body fields each takes.
RECEIPT_FAULTS: dict[str, tuple[str, ...]] = {
    "never-receipt": (),  # receipt_mode none
    "reject": ("code",),  # receipt_mode reject with that 8221 code (default: the current receipt_error_code)
    "receipt-errors": ("code",),  # receipt_mode errors (OK with errors) with that 8221 code
    "transport-never-acks": ("on",),  # transport_never_acks (default true)
    "late-receipts": ("next", "seconds"),  # the next N (default 1) receipts wait S seconds (default: current)
    "receipts-ok": (),  # receipt_mode ok, transport acknowledges, no late receipts pending
}
KNOB_NAMES = tuple(_KNOB_TYPES)
__all__ = ["KNOB_NAMES", "RECEIPT_FAULTS", "Faults"]
