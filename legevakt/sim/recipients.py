"""The recipients of notes: GPs (Practitioners and their Organizations) whose systems receipt messages.

The simulator's own FHIR handling of issue 8's mapping (it does not use the client's ``legevakt.journal``):

- GPs: ``Practitioner/gp-NN`` (HPR identifier ``urn:oid:2.16.578.1.12.4.1.4.4``) working at
  ``Organization/gpo-NN`` (a fastlegekontor, organisasjonsnummer identifier). Every simulated Patient
  gets ``generalPractitioner`` = [the Practitioner, the Organization] (``gp_for``).
- A client creates a ``Communication`` with ``category`` message-kind ``note`` and ``status``
  in-progress. After ``transport_delay_seconds`` the platform sets ``received`` on it (transport
  acknowledged), unless the knob ``transport_never_acks`` is set.
- After a further random delay (``receipt_delay_seconds`` x 0.5..1.5; ``late_receipts_next`` makes the
  next N receipts wait ``late_receipt_seconds``) the recipient's system creates the application
  receipt: a ``Communication`` with ``partOf`` and ``inResponseTo`` -> the sent one, ``status``
  completed, ``category`` ``apprec``, ``sender`` the recipient, ``recipient`` the sender, ``sent`` now,
  ``statusReason.coding[0]`` kodeverk 8258 (1 OK, 2 rejected, 3 OK with errors), one ``reasonCode`` per
  8221 error, ``payload[0].contentString`` a free text.
- ``receipt_mode`` chooses the outcome: ``ok``, ``none`` (never receipt), ``reject`` (8258 code 2 with
  ``receipt_error_code``), ``errors`` (8258 code 3 with ``receipt_error_code``). A recipient that does
  not exist on the platform is rejected with E21 (Mottaker finnes ikke) whatever the mode, and a
  transport that never acknowledges never delivers, so never receipts. Besides ``POST [base]/_sim/faults``
  each has a dedicated endpoint (``faults.RECEIPT_FAULTS``: never-receipt, reject, receipt-errors,
  transport-never-acks, late-receipts, receipts-ok).
- Ground truth for tests: ``receipted`` and ``transported`` (``GET [base]/_sim/receipts``, ``ground_truth``).

Times are wall-clock seconds from an injectable clock; the server's ticker calls ``pump``. Tests pass a
fake clock and call ``pump`` themselves, so nothing waits.
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from legevakt import codes
from legevakt.sim.faults import Faults
from legevakt.sim.fhirtime import instant, utcnow
from legevakt.sim.identity import make_hpr
from legevakt.sim.resources import Resource, ResourceStore, Version

GP_COUNT = 12
_GIVEN = ("Kari", "Ola", "Ingrid", "Per", "Siri", "Nils", "Hanne", "Tor", "Mari", "Jon", "Liv", "Arne")
_FAMILY = ("Testlege", "Prøvelege", "Demolege")
_PLACES = ("Lade", "Byåsen", "Heimdal", "Moholt", "Ila", "Tiller", "Ranheim", "Lerkendal", "Sentrum", "Nardo")
# Enhetsregisteret (organisasjonsnummer).
ORG_NUMBER_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.101"


def _gp_index(key: str) -> int:
    return sum(ord(c) * (i + 1) for i, c in enumerate(key)) % GP_COUNT


def gp_refs(index: int) -> list[str]:
    return [f"Practitioner/gp-{index:02d}", f"Organization/gpo-{index:02d}"]


def gp_for(key: str) -> list[dict[str, str]]:
    """``Patient.generalPractitioner`` for a simulated patient (chosen from ``key``, e.g. the nin)."""
    return [{"reference": ref} for ref in gp_refs(_gp_index(key))]


def _is_note(res: Resource) -> bool:
    return any(
        c.get("system") == codes.MESSAGE_KIND_SYSTEM and c.get("code") == codes.MESSAGE_KIND_NOTE
        for cat in res.get("category") or []
        if isinstance(cat, dict)
        for c in cat.get("coding") or []
        if isinstance(c, dict)
    )


def _first_ref(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    ref = value.get("reference") if isinstance(value, dict) else None
    return ref if isinstance(ref, str) else None


@dataclass(frozen=True)
class Receipted:
    """Ground truth: what the simulator answered to one sent Communication."""

    communication: str
    receipt: str
    status: str  # 8258 code
    errors: tuple[str, ...]  # 8221 codes


class Recipients:
    """GP resources, the platform's transport acknowledgement and the recipients' receipts."""

    def __init__(
        self, store: ResourceStore, faults: Faults, seed: int = 1, clock: Callable[[], float] = time.monotonic
    ):
        self.store = store
        self.faults = faults
        self.clock = clock
        self.rng = random.Random(f"recipients-{seed}")
        self._heap: list[tuple[float, int, str, str]] = []  # (due, seq, action, Communication id)
        self._seq = itertools.count()
        self.receipted: dict[str, Receipted] = {}  # sent Communication ref -> what we answered
        self.transported: dict[str, str] = {}  # sent Communication ref -> the `received` instant we set
        with store.lock:
            self._build_gps()
            store.add_listener(self._on_write)

    # -- GPs -------------------------------------------------------------------------------------------

    def _build_gps(self) -> None:
        for i in range(GP_COUNT):
            pract_ref, org_ref = gp_refs(i)
            given, family = _GIVEN[i % len(_GIVEN)], _FAMILY[i % len(_FAMILY)]
            place = _PLACES[i % len(_PLACES)]
            self.store.update(
                {
                    "resourceType": "Organization",
                    "id": org_ref.split("/")[1],
                    "identifier": [{"system": ORG_NUMBER_SYSTEM, "value": f"9{self.rng.randrange(10**7, 10**8)}"}],
                    "active": True,
                    "type": [{"text": "Fastlegekontor"}],
                    "name": f"{place} legesenter (test)",
                }
            )
            self.store.update(
                {
                    "resourceType": "Practitioner",
                    "id": pract_ref.split("/")[1],
                    "identifier": [{"system": codes.HPR_SYSTEM, "value": make_hpr(self.rng)}],
                    "active": True,
                    "name": [{"text": f"{given} {family}", "family": family, "given": [given]}],
                }
            )

    # -- the loop --------------------------------------------------------------------------------------

    def _on_write(self, version: Version, prev: Resource | None) -> None:
        """Called by the store (under its lock) after every write: schedule transport for new notes."""
        res = version.resource
        if version.type != "Communication" or prev is not None or res is None:
            return
        if not _is_note(res) or res.get("status") != "in-progress" or res.get("received"):
            return
        self._schedule(float(self.faults.transport_delay_seconds), "transport", version.id)

    def _schedule(self, delay: float, action: str, cid: str) -> None:
        heapq.heappush(self._heap, (self.clock() + delay, next(self._seq), action, cid))

    def pump(self) -> int:
        """Run every due step (transport acknowledgements and receipts). Returns how many ran."""
        ran = 0
        with self.store.lock:
            while self._heap and self._heap[0][0] <= self.clock():
                _, _, action, cid = heapq.heappop(self._heap)
                if action == "transport":
                    self._transport(cid)
                else:
                    self._receipt(cid)
                ran += 1
        return ran

    def pending(self) -> int:
        with self.store.lock:
            return len(self._heap)

    def ground_truth(self) -> dict[str, Any]:
        """What the simulator answered so far, as JSON (``GET [base]/_sim/receipts``)."""
        with self.store.lock:
            return {
                "receipted": {
                    ref: {"receipt": r.receipt, "status": r.status, "errors": list(r.errors)}
                    for ref, r in self.receipted.items()
                },
                "transported": dict(self.transported),
                "pending": len(self._heap),
            }

    def _transport(self, cid: str) -> None:
        if self.faults.transport_never_acks:
            return
        res = self.store.read_copy(f"Communication/{cid}")
        if res is None or res.get("received"):
            return
        res["received"] = instant(utcnow())
        self.store.update(res)
        self.transported[f"Communication/{cid}"] = res["received"]
        if self.faults.take("late_receipts_next"):
            delay = float(self.faults.late_receipt_seconds)
        else:
            delay = float(self.faults.receipt_delay_seconds) * self.rng.uniform(0.5, 1.5)
        self._schedule(delay, "receipt", cid)

    def _receipt(self, cid: str) -> None:
        ref = f"Communication/{cid}"
        sent = self.store.read_copy(ref)
        if sent is None or ref in self.receipted:
            return
        recipient = _first_ref(sent.get("recipient"))
        mode = str(self.faults.receipt_mode)
        code = str(self.faults.receipt_error_code)
        errors: tuple[str, ...]
        if recipient is None or self.store.read_copy(recipient) is None:
            status, errors = "2", ("E21",)
        elif mode == "none":
            return
        elif mode == "reject":
            status, errors = "2", (code,)
        elif mode == "errors":
            status, errors = "3", (code,)
        else:
            status, errors = "1", ()
        texts = {"1": "Meldingen er mottatt.", "2": "Meldingen er avvist.", "3": "Mottatt, men med feil."}
        receipt: Resource = {
            "resourceType": "Communication",
            "status": "completed",
            "partOf": [{"reference": ref}],
            "inResponseTo": [{"reference": ref}],
            "category": [{"coding": [{"system": codes.MESSAGE_KIND_SYSTEM, "code": codes.MESSAGE_KIND_APPREC}]}],
            "sent": instant(utcnow()),
            "statusReason": {
                "coding": [
                    {
                        "system": codes.APPREC_STATUS_SYSTEM,
                        "code": status,
                        "display": codes.APPREC_STATUS_TEXTS[status],
                    }
                ]
            },
            "payload": [{"contentString": texts[status]}],
        }
        for key in ("subject", "encounter"):
            if sent.get(key):
                receipt[key] = sent[key]
        if recipient:
            receipt["sender"] = {"reference": recipient}
        if sent.get("sender"):
            receipt["recipient"] = [sent["sender"]]
        if errors:
            receipt["reasonCode"] = [
                {
                    "coding": [
                        {
                            "system": codes.APPREC_ERROR_SYSTEM,
                            "code": c,
                            "display": codes.APPREC_ERROR_TEXTS.get(c, c),
                        }
                    ]
                }
                for c in errors
            ]
        v = self.store.create(receipt)
        self.receipted[ref] = Receipted(ref, v.ref, status, errors)


__all__ = ["GP_COUNT", "ORG_NUMBER_SYSTEM", "Receipted", "Recipients", "gp_for", "gp_refs"]
