"""The journal's FHIR mapping, checked field by field against issue 8 and validated with fhir.resources.

Validation: see ``tests/journal/r4.py`` (fhir.resources 7.x, package R4B, plus R4's required bindings).
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legevakt.codes import APPREC_ERROR_TEXTS
from legevakt.journal import fhir as f
from legevakt.journal import model as m
from legevakt.problems import ProblemError
from legevakt.text import user_text
from tests.journal.r4 import validate_r4

T0 = dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.UTC)


def _note(text: str = "Pasienten er bedre.\nKontroll hos fastlege.") -> m.Note:
    n = m.new_note("req-1", "Encounter/e1", "Patient/p1", "Practitioner/d1", text, T0)
    return m.sign(n, "Practitioner/d1", T0)


def _sent() -> m.Delivery:
    d = m.Delivery("req-2", "DocumentReference/n1", "Patient/p1", "Organization/gp")
    return m.on_sent(d, "Communication/c1", T0, None)


def apprec(status: str, codes: tuple[str, ...] = (), to: str = "Communication/c1") -> dict[str, Any]:
    """A receipt written by hand from issue 8's text (the oracle, not the code under test)."""
    res: dict[str, Any] = {
        "resourceType": "Communication",
        "id": "r1",
        "status": "completed",
        "partOf": [{"reference": to}],
        "inResponseTo": [{"reference": to}],
        "category": [{"coding": [{"system": "urn:legevakt:codesystem:message-kind", "code": "apprec"}]}],
        "sender": {"reference": "Organization/gp"},
        "sent": "2026-03-01T18:05:00Z",
        "statusReason": {"coding": [{"system": "urn:oid:2.16.578.1.12.4.1.1.8258", "code": status}]},
        "reasonCode": [
            {"coding": [{"system": "urn:oid:2.16.578.1.12.4.1.1.8221", "code": c, "display": "x"}]} for c in codes
        ],
        "payload": [{"contentString": "fri tekst fra mottaker"}],
    }
    if not codes:
        del res["reasonCode"]
    return res


def test_document_reference_is_exactly_as_pinned_and_valid_r4() -> None:
    res = f.document_reference(_note())
    validate_r4(res)
    assert res["identifier"] == [{"system": "urn:legevakt:client-request", "value": "req-1"}]
    assert (res["status"], res["docStatus"]) == ("current", "final")
    assert {"system": "http://loinc.org", "code": "34111-5", "display": "Emergency department Note"} in res["type"][
        "coding"
    ]
    assert res["subject"] == {"reference": "Patient/p1"}
    assert res["context"]["encounter"] == [{"reference": "Encounter/e1"}]
    assert res["author"] == [{"reference": "Practitioner/d1"}]
    assert res["authenticator"] == {"reference": "Practitioner/d1"}
    (content,) = res["content"]
    assert content["attachment"]["contentType"] == "text/plain; charset=utf-8"
    assert (
        base64.b64decode(content["attachment"]["data"]).decode("utf-8") == "Pasienten er bedre.\nKontroll hos fastlege."
    )
    assert f.if_none_exist("req-1") == "identifier=urn:legevakt:client-request|req-1"


def test_a_saved_note_has_no_authenticator_and_a_correction_replaces() -> None:
    saved = m.new_note("req-1", "Encounter/e1", "Patient/p1", "Practitioner/d1", "x", T0)
    res = f.document_reference(saved)
    assert res["docStatus"] == "preliminary" and "authenticator" not in res
    fixed = m.correct(m.replace(_note(), ref="DocumentReference/n1"), "req-3", "y", "Practitioner/d1", T0)
    res = f.document_reference(fixed)
    validate_r4(res)
    assert res["relatesTo"] == [{"code": "replaces", "target": {"reference": "DocumentReference/n1"}}]


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1).filter(lambda t: user_text(t, multiline=True).strip()))
def test_note_text_round_trips_through_base64(text: str) -> None:
    note = _note(text)
    # What a person typed is stored without control and bidi formatting characters (issue 11, hand-tested
    # in tests/test_text.py); any other text, every character, survives the base64 attachment and back.
    assert note.text == user_text(text, multiline=True)
    res = f.document_reference(m.replace(note, ref="DocumentReference/n9"))
    res["id"] = "n9"
    back = f.parse_note(res)
    assert (back.text, back.status, back.ref, back.kind) == (
        note.text,
        m.NoteStatus.FINAL,
        "DocumentReference/n9",
        m.DEFAULT_NOTE_KIND,
    )


def test_communication_is_exactly_as_pinned_and_valid_r4() -> None:
    res = f.communication(_sent(), "Encounter/e1", "Practitioner/d1", T0)
    validate_r4(res)
    assert res["identifier"] == [{"system": "urn:legevakt:client-request", "value": "req-2"}]
    assert res["status"] == "in-progress"
    assert res["category"] == [{"coding": [{"system": "urn:legevakt:codesystem:message-kind", "code": "note"}]}]
    assert res["subject"] == {"reference": "Patient/p1"} and res["encounter"] == {"reference": "Encounter/e1"}
    assert res["sent"] == "2026-03-01T18:00:00Z"
    assert res["sender"] == {"reference": "Practitioner/d1"}
    assert res["recipient"] == [{"reference": "Organization/gp"}]
    assert res["payload"] == [{"contentReference": {"reference": "DocumentReference/n1"}}]
    assert "about" not in res and "partOf" not in res


def test_a_resend_refers_to_the_first_without_looking_like_a_receipt() -> None:
    d = m.replace(_sent(), resend_of="Communication/c0")
    res = f.communication(d, "Encounter/e1", "Practitioner/d1", T0)
    validate_r4(res)
    assert res["about"] == [{"reference": "Communication/c0"}]
    assert not f.is_receipt(res)
    # the first attempt was refused by the platform (never created): nothing to refer to
    never = f.communication(m.replace(_sent(), resend_of="req-1"), "Encounter/e1", "Practitioner/d1", T0)
    validate_r4(never)
    assert "about" not in never


@pytest.mark.parametrize(
    ("status", "codes", "want"),
    [
        ("1", (), m.ReceiptStatus.OK),
        ("2", ("E21",), m.ReceiptStatus.REJECTED),
        ("3", ("E32", "T99"), m.ReceiptStatus.OK_WITH_ERRORS),
    ],
)
def test_receipts_parse_and_the_text_is_ours_in_norwegian(
    status: str, codes: tuple[str, ...], want: m.ReceiptStatus
) -> None:
    raw = apprec(status, codes)
    validate_r4(raw)  # the hand-written oracle is itself valid R4
    r = f.receipt(raw)
    assert (r.ref, r.in_response_to, r.status) == ("Communication/r1", "Communication/c1", want)
    assert [(e.code, e.text) for e in r.errors] == [(c, APPREC_ERROR_TEXTS[c]) for c in codes]
    assert r.free_text == "fri tekst fra mottaker"


def test_every_listed_8221_code_has_a_norwegian_text() -> None:
    listed = ["E10", "E20", "E21", "E30", "E31", "E32", "E35", "E36", "E53", "E54"]
    listed += ["S01", "S02", "S03", "T01", "T02", "T10", "T99", "X99"]
    assert sorted(APPREC_ERROR_TEXTS) == sorted(listed)
    assert all(APPREC_ERROR_TEXTS[c] and APPREC_ERROR_TEXTS[c] != c for c in listed)
    assert APPREC_ERROR_TEXTS["E21"] == "Mottaker finnes ikke"


@pytest.mark.parametrize(
    "breakage",
    [
        lambda r: r.update(status="in-progress"),
        lambda r: r.update(category=[{"coding": [{"system": "urn:legevakt:codesystem:message-kind", "code": "note"}]}]),
        lambda r: r["statusReason"]["coding"][0].update(code="4"),
        lambda r: r["statusReason"]["coding"][0].update(system="urn:oid:2.16.578.1.12.4.1.1.8222"),
        lambda r: (r.pop("partOf"), r.pop("inResponseTo")),
        # found by part-of one sent Communication but answering another: applied to neither
        lambda r: r["inResponseTo"][0].update(reference="Communication/c2"),
    ],
)
def test_what_is_not_a_receipt_is_refused(breakage: Any) -> None:
    raw = apprec("1")
    breakage(raw)
    with pytest.raises(ProblemError):
        f.receipt(raw)


def test_outcome_update_completed_or_not_done_with_the_first_reason() -> None:
    sent = f.communication(_sent(), "Encounter/e1", "Practitioner/d1", T0)
    sent["id"] = "c1"
    ok = f.outcome_update(sent, f.receipt(apprec("3", ("E32",))))
    validate_r4(ok)
    assert ok["status"] == "completed" and "statusReason" not in ok
    bad = f.outcome_update(sent, f.receipt(apprec("2", ("E35", "E21"))))
    validate_r4(bad)
    assert bad["status"] == "not-done"
    assert bad["statusReason"]["coding"] == [
        {
            "system": "urn:oid:2.16.578.1.12.4.1.1.8221",
            "code": "E35",
            "display": "Pasienten finnes ikke i mottakersystemet",
        }
    ]
    assert sent["status"] == "in-progress"  # the input is not modified


def test_transport_time_is_the_platforms_received() -> None:
    sent = f.communication(_sent(), "Encounter/e1", "Practitioner/d1", T0)
    assert f.transport_time(sent) is None
    sent["received"] = "2026-03-01T18:00:02+00:00"
    assert f.transport_time(sent) == T0 + dt.timedelta(seconds=2)
