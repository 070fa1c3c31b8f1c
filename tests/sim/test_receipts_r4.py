"""What the simulator's recipients write is valid FHIR R4.

Structure, types, cardinality and unknown fields by ``fhir.resources`` (tests/journal/r4.py, the project's
validator); on top of that what it does not check: the R4 target types of each reference, and that the
codes come from the code systems they name (kodeverk 8258 and 8221, the message kinds).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner

from legevakt import codes
from legevakt.sim import SimServer
from tests.journal.r4 import validate_r4

from .helpers import FakeClock, patient_with_gp, receipts_of, run_recipients, send_note

# R4 Communication's reference targets (Reference(Any) for partOf).
_SENDERS = {
    "Device", "Organization", "Patient", "Practitioner", "PractitionerRole", "RelatedPerson", "HealthcareService"
}
_RECIPIENTS = _SENDERS | {"Group", "CareTeam"}
_TARGETS: dict[str, set[str]] = {
    "inResponseTo": {"Communication"},
    "sender": _SENDERS,
    "recipient": _RECIPIENTS,
    "subject": {"Patient", "Group"},
    "encounter": {"Encounter"},
}
_MESSAGE_KINDS = {codes.MESSAGE_KIND_NOTE, codes.MESSAGE_KIND_APPREC}


def _ref_types(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(i["reference"]).split("/")[0] for i in items]


def _check_communication(res: dict[str, Any]) -> None:
    validate_r4(res)
    for name, allowed in _TARGETS.items():
        if name in res:
            assert set(_ref_types(res[name])) <= allowed, (name, res[name])
    for cat in res["category"]:
        (coding,) = cat["coding"]
        assert coding["system"] == codes.MESSAGE_KIND_SYSTEM and coding["code"] in _MESSAGE_KINDS


@pytest.mark.parametrize(
    ("fault", "body", "to", "status", "errors"),
    [
        ("receipts-ok", None, None, "1", []),
        ("reject", {"code": "E31"}, None, "2", ["E31"]),
        ("receipt-errors", {"code": "E35"}, None, "3", ["E35"]),
        ("receipts-ok", None, "Practitioner/nobody", "2", ["E21"]),  # a recipient the platform does not know
    ],
)
def test_every_kind_of_receipt_is_valid_r4(
    sim: SimServer,
    client: httpx.Client,
    clock: FakeClock,
    fault: str,
    body: Any,
    to: str | None,
    status: str,
    errors: list[str],
) -> None:
    assert client.post(f"_sim/faults/{fault}", json=body).status_code == 200
    patient = patient_with_gp(client)
    cid = send_note(client, patient, to or patient["generalPractitioner"][0]["reference"]).json()["id"]
    run_recipients(sim, clock, 1.0)
    run_recipients(sim, clock, 10.0)
    (rec,) = receipts_of(client, cid)
    _check_communication(rec)
    sent = client.get(f"Communication/{cid}").json()
    assert sent["received"]  # the transport acknowledgement the platform wrote
    _check_communication(sent)
    (reason,) = rec["statusReason"]["coding"]
    assert (reason["system"], reason["code"]) == (codes.APPREC_STATUS_SYSTEM, status)
    assert reason["display"] == codes.APPREC_STATUS_TEXTS[status]
    got = [c["coding"] for c in rec.get("reasonCode", [])]
    assert got == [[{"system": codes.APPREC_ERROR_SYSTEM, "code": e, "display": codes.APPREC_ERROR_TEXTS[e]}]
                   for e in errors]
    assert rec["inResponseTo"] == rec["partOf"] == [{"reference": f"Communication/{cid}"}]
    assert rec["recipient"] == [sent["sender"]] and rec["sender"] == sent["recipient"][0]
    assert rec["subject"] == sent["subject"] and rec["payload"][0]["contentString"]


def test_the_gps_and_the_patients_pointing_at_them_are_valid_r4(client: httpx.Client) -> None:
    for i in range(12):
        pract = client.get(f"Practitioner/gp-{i:02d}").json()
        Practitioner.parse_obj(pract)
        assert [ident["system"] for ident in pract["identifier"]] == [codes.HPR_SYSTEM]
        Organization.parse_obj(client.get(f"Organization/gpo-{i:02d}").json())
    patient = patient_with_gp(client)
    Patient.parse_obj(patient)
    assert set(_ref_types(patient["generalPractitioner"])) <= {"Organization", "Practitioner", "PractitionerRole"}
    for gp in patient["generalPractitioner"]:
        assert client.get(gp["reference"]).status_code == 200
