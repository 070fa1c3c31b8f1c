"""Validate resources against the FHIR R4 definitions, for tests (shared by the journal's test suites).

``fhir.resources`` (7.x, package ``R4B``: FHIR 4.3, whose DocumentReference and Communication equal R4's)
checks structure, types, cardinality and unknown fields, but not code bindings; the required bindings
of the elements we write are checked here from the R4 value sets.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.task import Task

# Required bindings (R4 value sets document-reference-status, composition-status, event-status,
# document-relationship-type).
_REQUIRED: dict[str, dict[str, frozenset[str]]] = {
    "DocumentReference": {
        "status": frozenset({"current", "superseded", "entered-in-error"}),
        "docStatus": frozenset({"preliminary", "final", "amended", "entered-in-error"}),
    },
    "Task": {  # R4 task-status, task-intent, request-priority
        "status": frozenset({"draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
                             "in-progress", "on-hold", "failed", "completed", "entered-in-error"}),
        "intent": frozenset({"unknown", "proposal", "plan", "order", "original-order", "reflex-order",
                             "filler-order", "instance-order", "option"}),
        "priority": frozenset({"routine", "urgent", "asap", "stat"}),
    },
    "Communication": {
        "status": frozenset(
            {"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown"}
        ),
    },
}
_RELATES_TO = frozenset({"replaces", "transforms", "signs", "appends"})
_MODELS: dict[str, Any] = {"DocumentReference": DocumentReference, "Communication": Communication, "Task": Task}


def validate_r4(res: dict[str, Any]) -> None:
    """Raise (pydantic's ValidationError or AssertionError) unless ``res`` is a valid R4 resource."""
    rtype = res["resourceType"]
    _MODELS[rtype].parse_obj(res)
    for name, allowed in _REQUIRED[rtype].items():
        if name in res:
            assert res[name] in allowed, f"{rtype}.{name} {res[name]!r} is not in its required value set"
    for rel in res.get("relatesTo") or []:
        assert rel["code"] in _RELATES_TO, f"relatesTo.code {rel['code']!r}"
