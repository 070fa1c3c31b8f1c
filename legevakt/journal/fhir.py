"""The journal's FHIR R4 mapping, as pure dict builders and parsers (the sync layer does the HTTP).

Note -> ``DocumentReference``
    ``identifier`` [{system: CLIENT_REQUEST_SYSTEM, value: <client-made>}] (the sync layer creates it with
    ``If-None-Exist: identifier=<system>|<value>``), ``status`` current, ``docStatus`` preliminary (saved) |
    final (signed), ``type`` LOINC 34111-5 plus our kind code (NOTE_KIND_SYSTEM), ``subject`` Patient,
    ``context.encounter`` [Encounter], ``author`` [Practitioner], ``authenticator`` Practitioner once
    signed, ``date``, one ``content.attachment`` {contentType "text/plain; charset=utf-8", data: base64 of
    the UTF-8 text}; a correction has ``relatesTo`` [{code: replaces, target: the old note}].

Sending -> ``Communication`` (one per recipient)
    ``identifier`` (client-made, If-None-Exist), ``status`` in-progress, ``category`` [{coding: [{system:
    urn:legevakt:codesystem:message-kind, code: note}]}], ``subject``, ``encounter``, ``sent``, ``sender``
    Practitioner, ``recipient`` [Practitioner | Organization], ``payload[0].contentReference`` -> the
    DocumentReference. A resend is a new Communication (new identifier) that refers to the first one in
    ``about`` [Reference(Communication)] (``partOf``/``inResponseTo`` are reserved for receipts, R4
    ``basedOn`` targets requests only).
    Transport acknowledged: the platform sets ``received``.

Application receipt (from the recipient's side) -> ``Communication``
    ``partOf`` and ``inResponseTo`` -> the sent Communication, ``status`` completed, ``category`` code
    apprec, ``sender`` the recipient, ``sent`` the receipt time, ``statusReason.coding[0]`` kodeverk 8258
    (1 OK, 2 rejected, 3 OK with errors), one ``reasonCode[]`` per error with ``coding[0]`` kodeverk 8221,
    optionally ``payload[0].contentString`` free text. Found with ``Communication?part-of=<ref>``.

Outcome recorded (``outcome_update``)
    The client updates its own Communication: ``completed`` on OK or OK-with-errors, ``not-done`` with
    ``statusReason`` = the first 8221 coding on rejection.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
from typing import Any

from legevakt.codes import (
    APPREC_ERROR_SYSTEM,
    APPREC_ERROR_TEXTS,
    APPREC_STATUS_SYSTEM,
    CLIENT_REQUEST_SYSTEM,
    LOINC_ED_NOTE,
    LOINC_ED_NOTE_DISPLAY,
    LOINC_SYSTEM,
    MESSAGE_KIND_APPREC,
    MESSAGE_KIND_NOTE,
    MESSAGE_KIND_SYSTEM,
    NOTE_KIND_SYSTEM,
)
from legevakt.journal.model import (
    Delivery,
    Note,
    NoteStatus,
    Receipt,
    ReceiptError,
    ReceiptStatus,
    receipt_error,
)
from legevakt.problems import Problem, ProblemError, ProblemKind

TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
MAX_NOTE_BYTES = 1_000_000


def _instant(t: dt.datetime) -> str:
    if t.tzinfo is None:
        raise ValueError("FHIR instants need a time zone")
    return t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def identifier(value: str) -> dict[str, str]:
    return {"system": CLIENT_REQUEST_SYSTEM, "value": value}


def if_none_exist(value: str) -> str:
    """The ``If-None-Exist`` header value for a create with this client-made identifier."""
    return f"identifier={CLIENT_REQUEST_SYSTEM}|{value}"


def _ref(ref: str) -> dict[str, str]:
    return {"reference": ref}


# -- notes ------------------------------------------------------------------------------------------


def document_reference(note: Note) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "identifier": [identifier(note.identifier)],
        "status": "current",
        "docStatus": note.status.value,
        "type": {
            "coding": [
                {"system": LOINC_SYSTEM, "code": LOINC_ED_NOTE, "display": LOINC_ED_NOTE_DISPLAY},
                {"system": NOTE_KIND_SYSTEM, "code": note.kind},
            ]
        },
        "subject": _ref(note.patient),
        "date": _instant(note.date),
        "author": [_ref(note.author)],
        "content": [
            {
                "attachment": {
                    "contentType": TEXT_CONTENT_TYPE,
                    "data": base64.b64encode(note.text.encode("utf-8")).decode("ascii"),
                }
            }
        ],
        "context": {"encounter": [_ref(note.encounter)]},
    }
    if note.status is NoteStatus.FINAL and note.authenticator:
        res["authenticator"] = _ref(note.authenticator)
    if note.replaces:
        res["relatesTo"] = [{"code": "replaces", "target": _ref(note.replaces)}]
    if note.ref:
        res["id"] = note.ref.split("/", 1)[1]
    return res


def _malformed(what: str) -> ProblemError:
    return ProblemError(Problem.of(ProblemKind.RECEIPT_MALFORMED, what=what))


def _first_ref(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return str(value["reference"])
    return None


def _parse_instant(value: Any, what: str) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _malformed(what) from None
    if t.tzinfo is None:
        raise _malformed(what)
    return t


def parse_note(res: dict[str, Any]) -> Note:
    """A Note from a DocumentReference (ours or another client's); raises RECEIPT_MALFORMED-like problems
    with ``what`` naming the field."""
    if res.get("resourceType") != "DocumentReference":
        raise _malformed("resourceType")
    ident = next(
        (
            i.get("value")
            for i in res.get("identifier") or []
            if isinstance(i, dict) and i.get("system") == CLIENT_REQUEST_SYSTEM
        ),
        None,
    ) or str(res.get("id", ""))
    try:
        status = NoteStatus(res.get("docStatus", "preliminary"))
    except ValueError:
        raise _malformed("docStatus") from None
    att = ((res.get("content") or [{}])[0] or {}).get("attachment") or {}
    if not str(att.get("contentType", "")).lower().startswith("text/plain"):
        raise _malformed("contentType")
    try:
        raw = base64.b64decode(att.get("data", ""), validate=True)
        if len(raw) > MAX_NOTE_BYTES:
            raise _malformed("size")
        text = raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise _malformed("data") from None
    kind = next(
        (c.get("code") for c in (res.get("type") or {}).get("coding") or [] if c.get("system") == NOTE_KIND_SYSTEM),
        None,
    )
    replaces = next(
        (_first_ref(r.get("target")) for r in res.get("relatesTo") or [] if r.get("code") == "replaces"), None
    )
    encounter = _first_ref((res.get("context") or {}).get("encounter"))
    patient, author = _first_ref(res.get("subject")), _first_ref(res.get("author"))
    if not (encounter and patient and author):
        raise _malformed("references")
    note = Note(
        identifier=ident,
        encounter=encounter,
        patient=patient,
        author=author,
        text=text,
        date=_parse_instant(res.get("date"), "date"),
        status=status,
        authenticator=_first_ref(res.get("authenticator")),
        replaces=replaces,
        ref=f"DocumentReference/{res['id']}" if res.get("id") else None,
    )
    return note if kind is None else dataclasses.replace(note, kind=kind)


# -- sending ----------------------------------------------------------------------------------------


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": MESSAGE_KIND_SYSTEM, "code": code}]}]


def communication(d: Delivery, encounter: str, sender: str, sent: dt.datetime) -> dict[str, Any]:
    """The Communication that sends note ``d.note`` to ``d.recipient``."""
    res: dict[str, Any] = {
        "resourceType": "Communication",
        "identifier": [identifier(d.identifier)],
        "status": "in-progress",
        "category": _category(MESSAGE_KIND_NOTE),
        "subject": _ref(d.patient),
        "encounter": _ref(encounter),
        "sent": _instant(sent),
        "sender": _ref(sender),
        "recipient": [_ref(d.recipient)],
        "payload": [{"contentReference": _ref(d.note)}],
    }
    if d.resend_of and d.resend_of.startswith("Communication/"):  # not when the first was never created
        res["about"] = [_ref(d.resend_of)]
    return res


def _has_category(res: dict[str, Any], code: str) -> bool:
    return any(
        c.get("system") == MESSAGE_KIND_SYSTEM and c.get("code") == code
        for cat in res.get("category") or []
        if isinstance(cat, dict)
        for c in cat.get("coding") or []
        if isinstance(c, dict)
    )


def is_receipt(res: dict[str, Any]) -> bool:
    return res.get("resourceType") == "Communication" and _has_category(res, MESSAGE_KIND_APPREC)


def transport_time(res: dict[str, Any]) -> dt.datetime | None:
    """``received`` on our sent Communication (the platform's transport acknowledgement)."""
    return _parse_instant(res["received"], "received") if res.get("received") else None


def receipt(res: dict[str, Any]) -> Receipt:
    """Parse an application receipt; raises ProblemError(RECEIPT_MALFORMED) when it is not one."""
    if not is_receipt(res):
        raise _malformed("category")
    if res.get("status") != "completed":
        raise _malformed("status")
    answers, part_of = _first_ref(res.get("inResponseTo")), _first_ref(res.get("partOf"))
    target = answers or part_of
    if not target or not res.get("id"):
        raise _malformed("inResponseTo")
    if answers and part_of and answers != part_of:  # found by part-of one note, answering another: neither
        raise _malformed("inResponseTo")
    coding = ((res.get("statusReason") or {}).get("coding") or [None])[0]
    if not isinstance(coding, dict) or coding.get("system") != APPREC_STATUS_SYSTEM:
        raise _malformed("statusReason")
    try:
        status = ReceiptStatus(str(coding.get("code")))
    except ValueError:
        raise _malformed("statusReason") from None
    errors: list[ReceiptError] = []
    for rc in res.get("reasonCode") or []:
        c = ((rc or {}).get("coding") or [None])[0] if isinstance(rc, dict) else None
        if isinstance(c, dict) and c.get("system") == APPREC_ERROR_SYSTEM and isinstance(c.get("code"), str):
            errors.append(receipt_error(c["code"]))
    payload = (res.get("payload") or [{}])[0]
    text = payload.get("contentString") if isinstance(payload, dict) else None
    return Receipt(
        ref=f"Communication/{res['id']}",
        in_response_to=target,
        status=status,
        errors=tuple(errors),
        sent_at=_parse_instant(res["sent"], "sent") if res.get("sent") else None,
        free_text=text if isinstance(text, str) else None,
    )


def error_coding(code: str) -> dict[str, str]:
    return {"system": APPREC_ERROR_SYSTEM, "code": code, "display": APPREC_ERROR_TEXTS.get(code, code)}


def outcome_update(sent: dict[str, Any], r: Receipt) -> dict[str, Any]:
    """Our Communication with the receipt's outcome recorded (the body of a PUT with If-Match)."""
    res = copy.deepcopy(sent)
    if r.status is ReceiptStatus.REJECTED:
        res["status"] = "not-done"
        first = r.errors[0].code if r.errors else "X99"
        res["statusReason"] = {"coding": [error_coding(first)]}
    else:
        res["status"] = "completed"
        res.pop("statusReason", None)
    return res


__all__ = [
    "TEXT_CONTENT_TYPE",
    "communication",
    "document_reference",
    "error_coding",
    "identifier",
    "if_none_exist",
    "is_receipt",
    "outcome_update",
    "parse_note",
    "receipt",
    "transport_time",
]
