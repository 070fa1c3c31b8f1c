"""Property-based fuzz of the FHIR mapping and the snapshot assembly (issue 11, item 5).

Resources are generated from a compact FHIR R4 subset schema (``fhir_r4_subset.schema.json``) with
hypothesis-jsonschema, tuned so that codes, systems and references often hit the ones the client reads; then
mutated: any node replaced by another JSON type, a required field dropped, a string made huge or odd.

Properties:
(a) mapping and assembly never raise anything but the typed problem (``MalformedResponse`` from the mapping;
    a ``Snapshot`` or a ``PlatformError`` from an assembly);
(b) an answer that is incomplete, refused, faulty or corrupted in transit never changes a patient's fate:
    the platform's truth did not change, so everyone present before is present after, with no departure and
    no drop (the oracle is the previous state);
(c) valid resources map to the domain fields the generated JSON itself says (the oracle is the JSON).

The CI form runs each property 25..200 times (the file in under 30 s on one core); the ``slow`` form runs
each 2000 times: ``--slow`` (see README).
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import tests.sync.jsonschema_compat  # noqa: F401  (hypothesis-jsonschema on today's Hypothesis)
from legevakt import codes, logs
from legevakt.sync.assemble import Incomplete, SnapshotAssembler
from legevakt.sync.errors import MalformedResponse, PlatformError
from legevakt.sync.fhir import FhirClient, RetryPolicy
from legevakt.sync.mapping import display_name, encounter_from_fhir, list_items, patient_from_fhir
from legevakt.worklist.classify import EventKind
from legevakt.worklist.models import Fate
from legevakt.worklist.reconcile import reconcile
from legevakt.worklist.snapshot import Snapshot, WorklistState
from legevakt.worklist.triage import MTS

CLINIC = "Location/lv"
BASE = "https://platform.test/fhir"
SCHEMA = json.loads((Path(__file__).parent / "fhir_r4_subset.schema.json").read_text())

#: Examples per property in CI (the whole file in under 30 s on one core; LEGEVAKT_FUZZ_SCALE multiplies
#: them), and in the slow form.
_SCALE = float(os.environ.get("LEGEVAKT_FUZZ_SCALE", "1"))
CI_MUTANTS = int(200 * _SCALE)  # one (mutated) resource a case: the cheapest, and the one that finds crashes
CI_EXAMPLES = int(60 * _SCALE)  # one valid resource a case
CI_ASSEMBLIES = int(30 * _SCALE)  # a clinic, two cycles through the real client a case
CI_BUNDLES = int(25 * _SCALE)  # schema Bundles are the costliest to generate
SLOW_EXAMPLES = 2000

JSON = Any

# -- generation --------------------------------------------------------------------------------------

_SYSTEMS = [codes.TRIAGE_MTS_SYSTEM, codes.TRIAGE_RETTS_SYSTEM, codes.DEPARTURE_SYSTEM,
            codes.HL7_DISCHARGE_DISPOSITION, codes.V3_PARTICIPATION_TYPE, *codes.PERSON_ID_SYSTEMS,
            codes.LIST_CODE_SYSTEM]
_CODES = [*MTS.codes, codes.PARTICIPANT_NURSE, codes.PARTICIPANT_DOCTOR, *codes.DEPARTURE_CODES, "exp", "hosp",
          "EMER", codes.LIST_CODE_QUEUE]
_REFS = [CLINIC, "Location/room1", "Practitioner/n1", "Practitioner/d1", "Patient/p1", "Encounter/e1",
         "Encounter/e2", f"{BASE}/Encounter/e3/_history/2", f"{BASE}/Patient/p2"]


def _tuned(definitions: dict[str, JSON]) -> dict[str, JSON]:
    """The R4 subset, with the values the client looks for offered beside R4's free strings."""
    defs = copy.deepcopy(definitions)
    defs["uri"] = {"anyOf": [{"enum": _SYSTEMS}, defs["uri"]]}
    defs["code"] = {"anyOf": [{"enum": _CODES}, defs["code"]]}
    ref = defs["Reference"]["properties"]
    ref["reference"] = {"anyOf": [{"enum": _REFS}, ref["reference"]]}
    return defs


_DEFS = _tuned(SCHEMA["definitions"])


def resource(name: str, **override: JSON) -> st.SearchStrategy[JSON]:
    defs = copy.deepcopy(_DEFS)
    for path, value in override.items():  # "List_Entry.item" -> a replacement schema for that property
        kind, _, prop = path.partition("__")
        defs[kind]["properties"][prop] = value
    return from_schema({"$ref": f"#/definitions/{name}", "definitions": defs})


ENCOUNTERS = resource("Encounter")
PATIENTS = resource("Patient")
LISTS = resource("List", List_Entry__item={"type": "object", "required": ["reference"], "additionalProperties": False,
                                           "properties": {"reference": {"enum": _REFS}}})
BUNDLES = resource("Bundle")

_ODD_STRINGS = st.sampled_from([
    "", " ", "\t\n", "\x00", "\u202eevil\u202c", "\ud800", "null", "../../metadata", "Encounter/", "/", "%",
    "Encounter/e1/_history/", "urn:uuid:", "\ufeff", "9" * 400, "2026-13-45T25:61:61Z", "0001-01-01T00:00:00+14:00",
    "x" * 70_000, "🙂" * 50,
])
_OTHER_JSON = st.one_of(
    st.sampled_from([True, 7, 2.5, "x", {"k": {"x": 1}}, [1, "x"]]),  # what a hostile server sends most often
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(),
    st.text(max_size=8), _ODD_STRINGS, st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2), st.just([[[]]]), st.just({"a": {"b": []}}),
)


def _required(definitions: dict[str, JSON]) -> frozenset[str]:
    """Names of the elements the schema requires somewhere (deleting one of those is a corruption; deleting an
    optional one gives another valid answer, which no client could tell from the truth)."""
    return frozenset(name for d in definitions.values() if isinstance(d, dict) for name in d.get("required", ()))


REQUIRED = _required(SCHEMA["definitions"])


def _paths(doc: JSON, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*at, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _paths(value, (*at, i))


def _get(doc: JSON, path: tuple[Any, ...]) -> JSON:
    for step in path:
        doc = doc[step]
    return doc


@st.composite
def mutated(draw: st.DrawFn, base: JSON, max_mutations: int = 3) -> JSON:
    """``base`` with 1..``max_mutations`` nodes replaced by another JSON type or an odd string, or (a required
    element) deleted."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            return draw(_OTHER_JSON)
        containers = [p for p in paths if isinstance(_get(doc, p), (dict, list))]
        shallow = [p for p in paths if len(p) <= 3]  # a resource's own elements and their first level
        path = draw(st.sampled_from(draw(st.sampled_from([paths, containers or paths, shallow or paths]))))
        parent = _get(doc, path[:-1])
        how = draw(st.sampled_from(["replace", "delete", "odd"]))
        if how == "delete" and isinstance(parent, dict) and path[-1] in REQUIRED:
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(draw(_ODD_STRINGS if how == "odd" else _OTHER_JSON))  # never shared
    return doc


@pytest.fixture(autouse=True, scope="module")
def _no_name_registration() -> Iterator[None]:
    """Generated names must not crowd the real log filter's register (it is process-wide)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(logs, "redact_names", lambda names: list(names))
        yield


def _long(test: Callable[..., None]) -> Callable[..., None]:
    """The slow form: run with ``--slow``; minutes, not seconds."""
    return pytest.mark.slow(pytest.mark.timeout(3600)(test))


def fuzz(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return settings(max_examples=examples, deadline=None, derandomize=False, database=None, report_multiple_bugs=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.large_base_example])


# -- (a) the mapping raises only the typed problem ---------------------------------------------------

def map_any(doc: JSON) -> object:
    """Every mapping entry point on ``doc``; only ``MalformedResponse`` may come out."""
    if not isinstance(doc, dict):
        return None
    results: list[object] = []
    for fn in (lambda d: encounter_from_fhir(d, clinic_ref=CLINIC, scale=MTS, names={"Practitioner/n1": "N"},
                                             base=BASE),
               patient_from_fhir, lambda d: list_items(d, base=BASE), display_name):
        try:
            results.append(fn(doc))
        except MalformedResponse as exc:
            assert exc.problem is not None  # typed: a kind the UI translates
    return results


@st.composite
def any_resource(draw: st.DrawFn) -> JSON:
    base = draw(st.one_of(ENCOUNTERS, PATIENTS, LISTS))
    return draw(mutated(base)) if draw(st.booleans()) else base


def check_mapping_raises_only_malformed(doc: JSON) -> None:
    map_any(doc)


test_the_mapping_raises_only_the_typed_problem = fuzz(CI_MUTANTS)(given(any_resource())(
    check_mapping_raises_only_malformed))
test_the_mapping_raises_only_the_typed_problem_long = _long(fuzz(SLOW_EXAMPLES)(given(any_resource())(
    check_mapping_raises_only_malformed)))


# -- (c) valid resources map to what their JSON says -------------------------------------------------

_R4_MOMENT = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)")


def _instant(text: str) -> datetime:
    """The oracle's reading of an R4 instant (or dateTime with a time), field by field. A leap second
    (``:60``) is the last microsecond of its minute. ``ValueError``: no such day (30 February)."""
    m = _R4_MOMENT.fullmatch(text)
    assert m is not None, text
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or "0").ljust(6, "0"))
    if second == 60:
        second, micro = 59, 999_999
    zone = m.group(8)
    offset = timedelta(0) if zone == "Z" else (1 if zone[0] == "+" else -1) * timedelta(
        hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone(offset))


def _possible(text: object) -> bool:
    """Whether an R4 dateTime names a real calendar day (the schema's pattern allows 31 February)."""
    if not isinstance(text, str) or len(text) < 10:
        return True
    try:
        date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return False
    return True


def _in_range(text: object) -> bool:
    return not isinstance(text, str) or 2 <= int(text[:4]) <= 9997


#: R4's literal reference, relative form (http://hl7.org/fhir/R4/references.html#regex), no version.
R4_RELATIVE = re.compile(r"[A-Z][A-Za-z]*/[A-Za-z0-9\-.]{1,64}")


def check_encounter_round_trip(res: JSON) -> None:
    meta = res["meta"]
    stamps = (meta.get("lastUpdated"), res.get("period", {}).get("start"))
    assume(all(map(_in_range, stamps)))  # beyond year 2..9997 the client refuses an instant by design
    if not all(map(_possible, stamps)):
        with pytest.raises(MalformedResponse):  # 31 February: no such moment
            encounter_from_fhir(res, clinic_ref=CLINIC, scale=MTS)
        return
    enc = encounter_from_fhir(res, clinic_ref=CLINIC, scale=MTS, base=BASE)
    assert enc.ref == "Encounter/" + res["id"]
    assert enc.version == meta.get("versionId", "@" + meta.get("lastUpdated", ""))
    assert enc.status.value == res["status"]
    subject = res.get("subject", {}).get("reference")
    if isinstance(subject, str) and R4_RELATIVE.fullmatch(subject):
        assert enc.patient_ref == subject
    elif isinstance(subject, str) and "://" not in subject:
        assert enc.patient_ref is None  # "/0", "Patient/", "urn:uuid:..", "#x": nothing here to look up
    elif isinstance(subject, str) and subject.startswith(f"{BASE}/Patient/"):  # absolute on the base
        assert enc.patient_ref == subject.removeprefix(f"{BASE}/").split("/_history/")[0]
    start = res.get("period", {}).get("start")
    if start is not None and "T" in start:
        assert enc.arrived_at == _instant(start)
    elif start is not None and len(start) < 10:
        assert enc.arrived_at is None  # a year or a month: no arrival moment is guessed
    if "lastUpdated" in meta:
        assert enc.last_updated == _instant(meta["lastUpdated"])
    mts = [c.get("code") for c in res.get("priority", {}).get("coding", [])
           if c.get("system") == codes.TRIAGE_MTS_SYSTEM and c.get("code") in MTS.codes]
    assert enc.triage == (mts[0] if mts else None)
    at_clinic = [loc for loc in res.get("location", []) if loc["location"].get("reference") == CLINIC]
    if len(at_clinic) <= 1:
        assert enc.at_clinic == bool(at_clinic and at_clinic[0].get("status") != "completed")
    said = [r.get("text") or next((c["display"] for c in r.get("coding", []) if "display" in c), None)
            for r in res.get("reasonCode", [])]
    assert enc.complaint == next((s for s in said if s), None)


def check_patient_round_trip(res: JSON) -> None:
    pat = patient_from_fhir(res)
    assert pat.ref == "Patient/" + res["id"]
    assert pat.gender == res.get("gender")
    birth = res.get("birthDate")
    assert pat.birth_date == (date.fromisoformat(birth) if birth and len(birth) == 10 and _possible(birth) else None)
    person = [i for i in res.get("identifier", []) if i.get("system") in codes.PERSON_ID_SYSTEMS and "value" in i]
    assert pat.identifier == (person[0]["value"] if person else None)
    names = res.get("name", [])
    chosen = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if chosen is None:
        expected = "(uten navn)"
    elif chosen.get("text", "").strip():
        expected = chosen["text"].strip()
    else:
        expected = ", ".join(p for p in (chosen.get("family", ""), " ".join(chosen.get("given", []))) if p) \
            or "(uten navn)"
    assert pat.name == expected


def check_list_round_trip(res: JSON) -> None:
    expected = []
    for entry in res.get("entry", []):
        ref = entry["item"]["reference"]
        if entry.get("deleted") is True:
            continue
        relative = ref.removeprefix(f"{BASE}/").split("/_history/")[0]  # every generated item is on BASE
        if relative.startswith("Encounter/"):
            expected.append(relative)
    assert list_items(res, base=BASE) == expected


test_a_valid_encounter_maps_to_what_its_json_says = fuzz(CI_EXAMPLES)(given(ENCOUNTERS)(check_encounter_round_trip))
test_a_valid_patient_maps_to_what_its_json_says = fuzz(CI_EXAMPLES)(given(PATIENTS)(check_patient_round_trip))
test_a_valid_list_maps_to_what_its_json_says = fuzz(CI_EXAMPLES)(given(LISTS)(check_list_round_trip))


def check_round_trips(enc: JSON, pat: JSON, lst: JSON) -> None:
    check_encounter_round_trip(enc)
    check_patient_round_trip(pat)
    check_list_round_trip(lst)


test_valid_resources_round_trip_long = _long(fuzz(SLOW_EXAMPLES)(given(ENCOUNTERS, PATIENTS, LISTS)(
    check_round_trips)))


# -- (b) a faulty or corrupted answer changes no fate ------------------------------------------------

SANE_META = {"versionId": "1", "lastUpdated": "2026-11-26T08:00:00Z"}
ACTIVE = ["arrived", "triaged", "in-progress", "onleave"]


class Platform:
    """An in-process FHIR server (httpx MockTransport) for one clinic: a queue List, its Encounters (two a
    page), their Patients. ``corrupt`` rewrites one answer's JSON; ``fault`` answers one request badly."""

    def __init__(self, encounters: list[JSON], patients: list[JSON]) -> None:
        self.encounters = {e["id"]: e for e in encounters}
        self.patients = {p["id"]: p for p in patients}
        self.queue: JSON = {"resourceType": "List", "id": "q", "meta": SANE_META, "status": "current",
                            "mode": "working", "subject": {"reference": CLINIC},
                            "entry": [{"item": {"reference": f"Encounter/{i}"}} for i in self.encounters]}
        self.corrupt: tuple[str, Callable[[JSON], JSON]] | None = None
        self.fault: tuple[str, int | None] | None = None  # (which answer, HTTP status or None: connection lost)

    def _bundle(self, resources: list[JSON], rtype: str, next_url: str | None = None) -> JSON:
        bundle: JSON = {"resourceType": "Bundle", "type": "searchset", "entry": [
            {"resource": r, "search": {"mode": "match" if r["resourceType"] == rtype else "include"}}
            for r in resources]}
        if next_url:
            bundle["link"] = [{"relation": "next", "url": next_url}]
        return bundle

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[str, JSON | None]:
        """(the answer's name, its JSON or None: not found)."""
        if path == "List":
            return "list-search", self._bundle([self.queue], "List")
        if path == "List/q":
            return "list-read", self.queue
        if path == "Encounter":
            ids = sorted(self.encounters)
            page = query.get("page", ["0"])[0]
            if not page.isdecimal() or int(page) > 9:
                return "bad-page", None
            n = int(page)
            chunk = ids[2 * n:2 * n + 2]
            more = f"{BASE}/Encounter?page={n + 1}" if 2 * n + 2 < len(ids) else None
            found = [self.encounters[i] for i in chunk]
            pats = [self.patients[p] for e in found
                    if (p := e["subject"]["reference"].partition("/")[2]) in self.patients]
            return f"page-{n}", self._bundle(found + pats, "Encounter", more)
        if path.startswith("Encounter/"):
            return "read", self.encounters.get(path.partition("/")[2])
        if path == "Patient":
            wanted = query.get("_id", [""])[0].split(",")
            return "patients", self._bundle([self.patients[i] for i in wanted if i in self.patients], "Patient")
        return "other", self._bundle([], "Practitioner")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        parts = urlsplit(str(request.url))
        path = parts.path.removeprefix("/fhir/")
        name, body = self.answer(path, parse_qs(parts.query))
        if self.fault is not None and self.fault[0] == name:
            if self.fault[1] is None:
                raise httpx.ConnectError("connection lost", request=request)
            return httpx.Response(self.fault[1], json={"resourceType": "OperationOutcome", "issue": []})
        if body is None:
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})
        if self.corrupt is not None and self.corrupt[0] == name:
            body = self.corrupt[1](body)
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "application/fhir+json"})


@st.composite
def clinics(draw: st.DrawFn) -> Platform:
    """A valid clinic of 1..3 present patients, each Encounter otherwise as generated."""
    n = draw(st.integers(1, 3))
    encounters, patients = [], []
    for i in range(n):
        enc = draw(ENCOUNTERS)
        enc.update(id=f"e{i}", meta=dict(SANE_META), status=draw(st.sampled_from(ACTIVE)),
                   subject={"reference": f"Patient/p{i}"}, period={"start": "2026-11-26T07:00:00Z"})
        enc["location"] = [{"location": {"reference": CLINIC}, "status": "active"}] + [
            loc for loc in enc.get("location", []) if loc["location"].get("reference") != CLINIC]
        pat = draw(PATIENTS)
        pat.update(id=f"p{i}", meta=dict(SANE_META))
        encounters.append(enc)
        patients.append(pat)
    return Platform(encounters, patients)


ANSWERS = ["list-search", "list-read", "page-0", "page-1", "page-2", "read", "patients"]


@st.composite
def troubles(draw: st.DrawFn) -> tuple[str, Any]:
    """Something wrong with one answer of the second cycle: a corrupted body, or a fault."""
    where = draw(st.sampled_from(ANSWERS))
    if draw(st.booleans()):
        seed = draw(st.integers(0, 2**32))
        return where, ("corrupt", seed)
    return where, ("fault", draw(st.sampled_from([None, 400, 401, 403, 404, 410, 429, 500, 502, 503])))


def check_trouble_changes_no_fate(platform: Platform, trouble: tuple[str, Any], data: st.DataObject) -> None:
    client = FhirClient(BASE, timeout=5, retry=RetryPolicy(attempts=1), transport=httpx.MockTransport(platform))
    try:
        assembler = SnapshotAssembler(client, CLINIC, MTS, page_size=2)
        now = datetime(2026, 11, 26, 8, 5, tzinfo=UTC)
        first_snap = assembler.fetch(tracked=(), now=now)
        assert first_snap.complete, first_snap.problems  # a valid clinic always gives a complete snapshot
        first = reconcile(WorklistState(), first_snap, now)
        assert {e.fate for e in first.state.entries.values()} == {Fate.PRESENT}

        where, (kind, arg) = trouble
        if kind == "fault":
            platform.fault = (where, arg)
        else:
            platform.corrupt = (where, lambda body: data.draw(mutated(body)))
        # Some encounters missing from the search make the cycle read them (the "read" answer).
        if data.draw(st.booleans()):
            platform.corrupt = platform.corrupt or ("page-0", lambda body: {**body, "entry": body["entry"][:1]})
        try:
            snap = assembler.fetch(tracked=first.state.live, now=now)
        except PlatformError:
            return  # the cycle failed and says so: nothing is reconciled
        assert isinstance(snap, Snapshot)
        second = reconcile(first.state, snap, now)
        for ref in first.state.entries:
            assert second.state.entries[ref].fate is Fate.PRESENT, (ref, snap.complete, snap.problems)
        assert not [e for e in second.events if e.kind in (EventKind.DEPARTED, EventKind.DROPPED)]
    finally:
        client.close()


test_a_faulty_or_corrupted_answer_changes_no_fate = fuzz(CI_ASSEMBLIES)(given(clinics(), troubles(), st.data())(
    check_trouble_changes_no_fate))
test_a_faulty_or_corrupted_answer_changes_no_fate_long = _long(fuzz(SLOW_EXAMPLES)(given(
    clinics(), troubles(), st.data())(check_trouble_changes_no_fate)))


# -- bundles from the schema, corrupted, through the real client's paging ---------------------------

def check_bundle_pages(bundle: JSON, data: st.DataObject) -> None:
    body = data.draw(mutated(bundle)) if data.draw(st.booleans()) else bundle

    def serve(request: httpx.Request) -> httpx.Response:
        if "page=" in str(request.url):
            return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"})
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    client = FhirClient(BASE, timeout=5, retry=RetryPolicy(attempts=1), transport=httpx.MockTransport(serve))
    assembler = SnapshotAssembler(client, CLINIC, MTS, page_size=2)
    try:
        assembler.active_encounters()
    except (PlatformError, Incomplete) as exc:
        assert exc.problem is not None
    finally:
        client.close()


test_a_schema_bundle_pages_or_raises_the_typed_problem = fuzz(CI_BUNDLES)(given(BUNDLES, st.data())(
    check_bundle_pages))
test_a_schema_bundle_pages_or_raises_the_typed_problem_long = _long(fuzz(SLOW_EXAMPLES)(given(BUNDLES, st.data())(
    check_bundle_pages)))
