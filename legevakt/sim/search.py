"""FHIR search parameters: parsing a query string and matching resources against it.

Used for REST search, conditional create (If-None-Exist) and subscription criteria.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from legevakt.sim.fhirtime import parse_range

Resource = dict[str, Any]
Kind = Literal["token", "reference", "string"]
Token = tuple[str | None, str]


class SearchError(ValueError):
    """An invalid search (bad value, or an unknown parameter under strict handling)."""


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _refs(*values: Any) -> list[str]:
    out: list[str] = []
    for v in values:
        for item in _list(v):
            if isinstance(item, dict) and isinstance(item.get("reference"), str):
                out.append(item["reference"])
    return out


def _identifiers(r: Resource) -> list[Token]:
    return [
        (i.get("system"), str(i.get("value")))
        for i in _list(r.get("identifier"))
        if isinstance(i, dict) and i.get("value") is not None
    ]


def _codings(*concepts: Any) -> list[Token]:
    out: list[Token] = []
    for concept in concepts:
        for c in _list(concept):
            if not isinstance(c, dict):
                continue
            for coding in _list(c.get("coding")) if "coding" in c else [c]:
                if isinstance(coding, dict) and coding.get("code") is not None:
                    out.append((coding.get("system"), str(coding["code"])))
    return out


def _code(value: Any) -> list[Token]:
    return [(None, str(value))] if value is not None else []


def _names(r: Resource) -> list[str]:
    out: list[str] = []
    for n in _list(r.get("name")):
        if isinstance(n, str):
            out.append(n)
        elif isinstance(n, dict):
            out.extend(str(x) for x in [n.get("text"), n.get("family"), *_list(n.get("given"))] if x)
    return out


def _patient_refs(*values: Any) -> list[str]:
    return [ref for ref in _refs(*values) if _norm_ref(ref).startswith("Patient/")]


def _document_encounters(r: Resource) -> list[str]:
    ctx = r.get("context")
    return _refs(ctx.get("encounter")) if isinstance(ctx, dict) else []


Extractor = Callable[[Resource], list[Any]]
ParamDef = tuple[Kind, Extractor]

_COMMON_ID: dict[str, ParamDef] = {"identifier": ("token", _identifiers)}

PARAMS: dict[str, dict[str, ParamDef]] = {
    "Encounter": {
        **_COMMON_ID,
        "status": ("token", lambda r: _code(r.get("status"))),
        "class": ("token", lambda r: _codings(r.get("class"))),
        "location": ("reference", lambda r: _refs(*[loc.get("location") for loc in _list(r.get("location"))])),
        "subject": ("reference", lambda r: _refs(r.get("subject"))),
        "patient": ("reference", lambda r: _patient_refs(r.get("subject"))),
        "participant": (
            "reference",
            lambda r: _refs(*[p.get("individual") for p in _list(r.get("participant"))]),
        ),
        "priority": ("token", lambda r: _codings(r.get("priority"))),
    },
    "Patient": {
        **_COMMON_ID,
        "name": ("string", _names),
        "family": ("string", lambda r: [n.get("family") for n in _list(r.get("name")) if n.get("family")]),
        "given": ("string", lambda r: [g for n in _list(r.get("name")) for g in _list(n.get("given"))]),
        "gender": ("token", lambda r: _code(r.get("gender"))),
        "birthdate": ("token", lambda r: _code(r.get("birthDate"))),
    },
    "Practitioner": {**_COMMON_ID, "name": ("string", _names)},
    "Organization": {
        **_COMMON_ID,
        "name": ("string", lambda r: [r["name"]] if isinstance(r.get("name"), str) else []),
        "active": ("token", lambda r: _code(str(r["active"]).lower()) if isinstance(r.get("active"), bool) else []),
    },
    "Location": {
        **_COMMON_ID,
        "name": ("string", _names),
        "status": ("token", lambda r: _code(r.get("status"))),
        "partof": ("reference", lambda r: _refs(r.get("partOf"))),
    },
    "List": {
        **_COMMON_ID,
        "status": ("token", lambda r: _code(r.get("status"))),
        "code": ("token", lambda r: _codings(r.get("code"))),
        "subject": ("reference", lambda r: _refs(r.get("subject"))),
        "item": ("reference", lambda r: _refs(*[e.get("item") for e in _list(r.get("entry"))])),
    },
    "Subscription": {
        "status": ("token", lambda r: _code(r.get("status"))),
        "type": ("token", lambda r: _code((r.get("channel") or {}).get("type"))),
        "criteria": ("string", lambda r: [r["criteria"]] if r.get("criteria") else []),
    },
    "DocumentReference": {
        **_COMMON_ID,
        "status": ("token", lambda r: _code(r.get("status"))),
        "subject": ("reference", lambda r: _refs(r.get("subject"))),
        "patient": ("reference", lambda r: _patient_refs(r.get("subject"))),
        "encounter": ("reference", _document_encounters),
    },
    "Communication": {
        **_COMMON_ID,
        "status": ("token", lambda r: _code(r.get("status"))),
        "subject": ("reference", lambda r: _refs(r.get("subject"))),
        "patient": ("reference", lambda r: _patient_refs(r.get("subject"))),
        "encounter": ("reference", lambda r: _refs(r.get("encounter"))),
        "recipient": ("reference", lambda r: _refs(r.get("recipient"))),
        "sender": ("reference", lambda r: _refs(r.get("sender"))),
        "part-of": ("reference", lambda r: _refs(r.get("partOf"))),
        "based-on": ("reference", lambda r: _refs(r.get("basedOn"))),
    },
}

# _include targets: "Type:param" -> reference extractor
INCLUDES: dict[str, Extractor] = {
    f"{rtype}:{name}": extractor
    for rtype, params in PARAMS.items()
    for name, (kind, extractor) in params.items()
    if kind == "reference"
}

RESOURCE_TYPES = tuple(PARAMS)

# Result-control parameters we understand, and ones we accept and ignore.
CONTROL_PARAMS = frozenset({"_count", "_getpagesoffset", "_include", "_sort", "_summary", "_total"})
IGNORED_PARAMS = frozenset({"_format", "_pretty"})
SORTS = frozenset({"_id", "-_id", "_lastUpdated", "-_lastUpdated"})
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")


@dataclass
class Query:
    rtype: str
    filters: list[tuple[str, list[str]]] = field(default_factory=list)  # AND of ORs
    ids: list[set[str]] = field(default_factory=list)
    last_updated: list[tuple[str, dt.datetime, dt.datetime]] = field(default_factory=list)
    count: int | None = None
    offset: int = 0
    includes: list[str] = field(default_factory=list)
    sort: str | None = None
    summary_count: bool = False
    unknown: list[str] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)  # as given, for self/next links


def parse_query(rtype: str, pairs: Iterable[tuple[str, str]], strict: bool = False) -> Query:
    """Parse search parameters for ``rtype``. Raises SearchError on invalid values, or on unknown
    parameters when ``strict``; otherwise unknown parameters are recorded and ignored."""
    defs = PARAMS.get(rtype, {})
    q = Query(rtype)
    for key, value in pairs:
        q.params.append((key, value))
        if key == "_id":
            q.ids.append({v.strip() for v in value.split(",") if v.strip()})
        elif key == "_lastUpdated":
            prefix, raw = (value[:2], value[2:]) if value[:2] in PREFIXES else ("eq", value)
            try:
                start, end = parse_range(raw)
            except ValueError as exc:
                raise SearchError(f"invalid _lastUpdated value {value!r}") from exc
            q.last_updated.append((prefix, start, end))
        elif key == "_count":
            try:
                q.count = max(0, min(int(value), 1000))
            except ValueError as exc:
                raise SearchError(f"invalid _count {value!r}") from exc
        elif key == "_getpagesoffset":
            try:
                q.offset = max(0, int(value))
            except ValueError as exc:
                raise SearchError(f"invalid _getpagesoffset {value!r}") from exc
        elif key == "_include":
            if value in INCLUDES or value.rsplit(":", 1)[0] in INCLUDES:
                q.includes.append(value)
            else:
                q.unknown.append(f"_include={value}")
        elif key == "_sort":
            if value in SORTS:
                q.sort = value
            else:
                q.unknown.append(f"_sort={value}")
        elif key == "_summary":
            if value == "count":
                q.summary_count = True
            else:
                q.unknown.append(f"_summary={value}")
        elif key in CONTROL_PARAMS or key in IGNORED_PARAMS:
            continue
        elif key in defs:
            q.filters.append((key, [v for v in value.split(",") if v != ""]))
        else:
            q.unknown.append(key)
    if strict and q.unknown:
        raise SearchError("unknown or unsupported search parameter(s): " + ", ".join(q.unknown))
    return q


def parse_criteria(criteria: str) -> Query:
    """Parse a Subscription criteria string such as ``Encounter?location=Location/x``."""
    rtype, _, qs = criteria.strip().partition("?")
    rtype = rtype.rsplit("/", 1)[-1]
    if rtype not in PARAMS:
        raise SearchError(f"unsupported resource type in criteria: {rtype!r}")
    return parse_query(rtype, parse_qsl(qs, keep_blank_values=True), strict=True)


def _norm_ref(ref: str) -> str:
    """'http://x/fhir/Patient/1' -> 'Patient/1'; 'Patient/1/_history/2' -> 'Patient/1'."""
    parts = [p for p in ref.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:]) if len(parts) >= 2 else ref


def _token_match(values: list[Token], query: str) -> bool:
    if "|" in query:
        system, _, code = query.partition("|")
        if system == "":
            return any(s is None and c == code for s, c in values)
        if code == "":
            return any(s == system for s, _ in values)
        return any(s == system and c == code for s, c in values)
    return any(c == query for _, c in values)


def _ref_match(values: list[str], query: str) -> bool:
    if "/" in query:
        target = _norm_ref(query)
        return any(_norm_ref(v) == target for v in values)
    return any(_norm_ref(v).rsplit("/", 1)[-1] == query for v in values)


def _string_match(values: list[str], query: str) -> bool:
    q = query.casefold()
    return any(str(v).casefold().startswith(q) for v in values)


def _lastupdated_ok(t: dt.datetime, prefix: str, start: dt.datetime, end: dt.datetime) -> bool:
    if prefix == "eq":
        return start <= t < end
    if prefix == "ne":
        return not start <= t < end
    if prefix in ("gt", "sa"):
        return t >= end
    if prefix == "ge":
        return t >= start
    if prefix in ("lt", "eb"):
        return t < start
    return t < end  # le


def matches(resource: Resource, q: Query, last_updated: dt.datetime | None = None) -> bool:
    if resource.get("resourceType") != q.rtype:
        return False
    if any(resource.get("id") not in ids for ids in q.ids):
        return False
    if q.last_updated:
        if last_updated is None:
            return False
        for prefix, start, end in q.last_updated:
            if not _lastupdated_ok(last_updated, prefix, start, end):
                return False
    defs = PARAMS.get(q.rtype, {})
    for name, wanted in q.filters:
        kind, extractor = defs[name]
        got = extractor(resource)
        if kind == "token":
            ok = any(_token_match(got, w) for w in wanted)
        elif kind == "reference":
            ok = any(_ref_match(got, w) for w in wanted)
        else:
            ok = any(_string_match(got, w) for w in wanted)
        if not ok:
            return False
    return True


def include_refs(resource: Resource, include: str) -> list[str]:
    """References named by an ``_include`` value (``Type:param`` or ``Type:param:TargetType``)."""
    parts = include.split(":")
    key = ":".join(parts[:2])
    extractor = INCLUDES.get(key)
    if extractor is None or resource.get("resourceType") != parts[0]:
        return []
    refs = [_norm_ref(r) for r in extractor(resource)]
    if len(parts) > 2:
        refs = [r for r in refs if r.startswith(parts[2] + "/")]
    return refs


def norm_ref(ref: str) -> str:
    return _norm_ref(ref)
