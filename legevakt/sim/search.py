"""FHIR search parameters: parsing a query string and matching resources against it.

Used for REST search, conditional create (If-None-Exist) and subscription criteria.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from legevakt.sim.fhirtime import parse_range

Resource = dict[str, Any]
Kind = Literal["token", "reference", "string", "date"]
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


def _identifiers_and_master(r: Resource) -> list[Token]:
    """DocumentReference ``identifier``: ``masterIdentifier | identifier`` (R4)."""
    master = r.get("masterIdentifier")
    return _identifiers({"identifier": [master] if isinstance(master, dict) else []}) + _identifiers(r)


def _names(r: Resource) -> list[str]:
    """Every string part of every HumanName (text, family, given, prefix, suffix): R4 ``name``."""
    out: list[str] = []
    for n in _list(r.get("name")):
        if isinstance(n, str):
            out.append(n)
        elif isinstance(n, dict):
            parts = [n.get("text"), n.get("family"), *_list(n.get("given"))]
            parts += [*_list(n.get("prefix")), *_list(n.get("suffix"))]
            out.extend(x for x in parts if isinstance(x, str) and x)
    return out


def _name_parts(r: Resource, part: str) -> list[str]:
    return [x for n in _list(r.get("name")) if isinstance(n, dict) for x in _list(n.get(part)) if isinstance(x, str)]


def _name_and_alias(r: Resource) -> list[str]:
    """Organization / Location ``name``: ``name | alias`` (R4)."""
    return [x for x in [r.get("name"), *_list(r.get("alias"))] if isinstance(x, str) and x]


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
        "family": ("string", lambda r: _name_parts(r, "family")),
        "given": ("string", lambda r: _name_parts(r, "given")),
        "gender": ("token", lambda r: _code(r.get("gender"))),
        "birthdate": ("token", lambda r: _code(r.get("birthDate"))),
    },
    "Practitioner": {**_COMMON_ID, "name": ("string", _names)},
    "Provenance": {  # who made a change (R4 target, agent)
        "target": ("reference", lambda r: _refs(r.get("target"))),
        "agent": ("reference", lambda r: _refs(*[a.get("who") for a in _list(r.get("agent"))])),
        "recorded": ("date", lambda r: [r["recorded"]] if isinstance(r.get("recorded"), str) else []),
    },
    "Organization": {
        **_COMMON_ID,
        "name": ("string", _name_and_alias),
        "active": ("token", lambda r: _code(str(r["active"]).lower()) if isinstance(r.get("active"), bool) else []),
    },
    "Location": {
        **_COMMON_ID,
        "name": ("string", _name_and_alias),
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
        "identifier": ("token", _identifiers_and_master),
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
    "Task": {  # shared alerts (issue 10): code = the alert kind, focus = what it is about
        **_COMMON_ID,
        "status": ("token", lambda r: _code(r.get("status"))),
        "intent": ("token", lambda r: _code(r.get("intent"))),
        "priority": ("token", lambda r: _code(r.get("priority"))),
        "code": ("token", lambda r: _codings(r.get("code"))),
        "focus": ("reference", lambda r: _refs(r.get("focus"))),
        "subject": ("reference", lambda r: _refs(r.get("for"))),
        "patient": ("reference", lambda r: _patient_refs(r.get("for"))),
        "encounter": ("reference", lambda r: _refs(r.get("encounter"))),
        "owner": ("reference", lambda r: _refs(r.get("owner"))),
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
CONTROL_PARAMS = frozenset({"_count", "_getpagesoffset", "_include", "_sort", "_summary", "_total", "_elements"})
IGNORED_PARAMS = frozenset({"_format", "_pretty"})
SORTS = frozenset({"_id", "-_id", "_lastUpdated", "-_lastUpdated"})
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")


# Modifiers understood per kind (R4 3.1.1.5): anything else is refused, never silently ignored.
MODIFIERS: dict[str, frozenset[str]] = {
    "string": frozenset({"exact", "contains", "missing"}),
    "token": frozenset({"not", "missing"}),
    "reference": frozenset({"missing"}),  # plus a resource type, e.g. part-of:Communication=<id>
    "date": frozenset({"missing"}),
}


@dataclass(frozen=True)
class Filter:
    """One search parameter: ``name[:modifier]=v1,v2`` (the values are ORed)."""

    name: str
    modifier: str  # "" for none
    values: tuple[str, ...]  # split on unescaped commas; escaped characters still escaped


@dataclass
class Query:
    rtype: str
    filters: list[Filter] = field(default_factory=list)  # ANDed
    ids: list[set[str]] = field(default_factory=list)
    last_updated: list[tuple[str, dt.datetime, dt.datetime]] = field(default_factory=list)
    count: int | None = None
    offset: int = 0
    includes: list[str] = field(default_factory=list)
    sort: str | None = None
    summary_count: bool = False
    elements: tuple[str, ...] = ()  # _elements: the top-level elements to return (empty: all)
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
            ids = {_unescape(v).strip() for v in split_values(value)}
            ids.discard("")
            if ids:  # an empty parameter value is ignored
                q.ids.append(ids)
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
        elif key == "_elements":
            q.elements = tuple(dict.fromkeys(q.elements + tuple(e.strip() for e in value.split(",") if e.strip())))
        elif key == "_summary":
            if value == "count":
                q.summary_count = True
            else:
                q.unknown.append(f"_summary={value}")
        elif key in CONTROL_PARAMS or key in IGNORED_PARAMS:
            continue
        elif key.partition(":")[0] in defs:
            name, _, modifier = key.partition(":")
            kind = defs[name][0]
            if modifier and modifier not in MODIFIERS[kind] and not (kind == "reference" and _is_type(modifier)):
                raise SearchError(f"modifier {modifier!r} is not supported on the {kind} parameter {name!r}")
            values = tuple(v for v in split_values(value) if v != "")
            if modifier == "missing" and (len(values) != 1 or values[0] not in ("true", "false")):
                raise SearchError(f"{key} must be true or false")
            if kind == "date" and modifier != "missing":
                for v in values:
                    try:
                        parse_range(v[2:] if v[:2] in PREFIXES else v)
                    except ValueError as exc:
                        raise SearchError(f"invalid {name} value {v!r}") from exc
            if values:  # an empty parameter value is ignored
                q.filters.append(Filter(name, modifier, values))
        else:
            q.unknown.append(key)
    if strict and q.unknown:
        raise SearchError("unknown or unsupported search parameter(s): " + ", ".join(q.unknown))
    return q


def _is_type(modifier: str) -> bool:
    """A resource type name used as a reference modifier (``subject:Patient=1``)."""
    return modifier[:1].isupper() and modifier.isalnum()


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


def split_values(value: str, sep: str = ",") -> list[str]:
    """Split a parameter value on ``sep`` where it is not escaped with a backslash (R4 3.1.1.6); the
    escapes stay in the parts (``_unescape`` removes them)."""
    parts: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            cur.append(value[i : i + 2])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in "\\,$|":
            out.append(value[i + 1])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def normalize(text: str) -> str:
    """Case- and accent-insensitive form for string search (R4): decompose, drop combining marks, casefold.
    Letters that are not accented forms (ø, æ) stay what they are, as on the common servers."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _token_match(values: list[Token], raw: str) -> bool:
    parts = split_values(raw, "|")
    if len(parts) > 1:
        system, code = _unescape(parts[0]), _unescape("|".join(parts[1:]))
        if system == "":
            return any(s is None and c == code for s, c in values)
        if code == "":
            return any(s == system for s, _ in values)
        return any(s == system and c == code for s, c in values)
    code = _unescape(raw)
    return any(c == code for _, c in values)


def _ref_match(values: list[str], raw: str, rtype: str | None) -> bool:
    query = _unescape(raw)
    if rtype is not None and "/" not in query:
        query = f"{rtype}/{query}"
    if "/" in query:
        target = _norm_ref(query)
        return any(_norm_ref(v) == target for v in values)
    return any(_norm_ref(v).rsplit("/", 1)[-1] == query for v in values)


def _string_match(values: list[str], raw: str, modifier: str) -> bool:
    query = _unescape(raw)
    if modifier == "exact":
        return any(v == query for v in values)
    q = normalize(query)
    if modifier == "contains":
        return any(q in normalize(v) for v in values)
    return any(normalize(v).startswith(q) for v in values)


def _filter_ok(resource: Resource, f: Filter, defs: dict[str, ParamDef]) -> bool:
    kind, extractor = defs[f.name]
    got = extractor(resource)
    if f.modifier == "missing":
        return (not got) == (f.values[0] == "true")
    if kind == "token":
        hit = any(_token_match(got, w) for w in f.values)
        return not hit if f.modifier == "not" else hit
    if kind == "date":  # R4 3.1.1.4.1: the value's range against the parameter's, by prefix
        return any(_date_match(got, w) for w in f.values)
    if kind == "reference":
        if f.modifier:  # a type modifier: only references to that type
            got = [v for v in got if _norm_ref(v).startswith(f.modifier + "/")]
        return any(_ref_match(got, w, f.modifier or None) for w in f.values)
    return any(_string_match([str(v) for v in got], w, f.modifier) for w in f.values)


def _date_match(values: list[Any], raw: str) -> bool:
    """R4 3.1.1.4.1: the resource value's range against the parameter value's range, by prefix."""
    prefix, text = (raw[:2], raw[2:]) if raw[:2] in PREFIXES else ("eq", raw)
    start, end = parse_range(text)
    for value in values:
        try:
            lo, hi = parse_range(str(value))
        except ValueError:
            continue
        within = start <= lo and hi <= end
        hit = {"eq": within, "ne": not within, "gt": hi > end, "lt": lo < start, "ge": hi > end or within,
               "le": lo < start or within, "sa": lo >= end, "eb": hi <= start}[prefix]
        if hit:
            return True
    return False


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
    return all(_filter_ok(resource, f, defs) for f in q.filters)


SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
_ALWAYS = ("resourceType", "id", "meta")


def subset(resource: Resource, elements: tuple[str, ...]) -> Resource:
    """``_elements``: the resource with only the named top-level elements (plus id and meta), tagged
    SUBSETTED as R4 asks (3.1.1.5.9). Names are top-level element names; unknown ones are ignored."""
    out = {k: v for k, v in resource.items() if k in _ALWAYS or k in elements}
    meta = dict(out.get("meta") or {})
    meta["tag"] = [*(meta.get("tag") or []), SUBSETTED]
    out["meta"] = meta
    return out


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
