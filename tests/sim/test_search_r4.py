"""The standard R4 searches the client relies on, as R4 defines them, each also paged by next links.

Oracles: resources this test creates with hand-chosen values (and the GPs' hand-known names, see
legevakt/sim/recipients.py), never the simulator's own matching code.
"""

from __future__ import annotations

import math
import threading
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from legevakt.sim import SimServer
from legevakt.sim.search import Query, matches, normalize, parse_query, split_values

from .helpers import search_all

SYS = "urn:legevakt:client-request"
OTHER = "urn:test:other-system"


def _create(client: httpx.Client, body: dict[str, Any]) -> str:
    r = client.post(body["resourceType"], json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _comm(client: httpx.Client, ident: str | None = None, part_of: list[str] | None = None,
          system: str = SYS) -> str:
    body: dict[str, Any] = {"resourceType": "Communication", "status": "completed"}
    if ident is not None:
        body["identifier"] = [{"system": system, "value": ident}]
    if part_of:
        body["partOf"] = [{"reference": r} for r in part_of]
    return _create(client, body)


def _paged(client: httpx.Client, rtype: str, params: dict[str, str], count: int) -> list[str]:
    """The ids of every match, following next links with ``_count``; checks the paging itself."""
    bundles, entries = search_all(client, rtype, {**params, "_count": str(count)})
    got = [e["resource"]["id"] for e in entries]
    assert len(got) == len(set(got)), "a resource came twice"
    assert all(e["resource"]["resourceType"] == rtype for e in entries)
    assert len(bundles) == max(1, math.ceil(len(got) / count))
    assert {b["total"] for b in bundles} == {len(got)}
    return got


def _ids(client: httpx.Client, rtype: str, params: dict[str, str]) -> set[str]:
    """Matches without paging (one big page), for comparing against the paged result."""
    body = client.get(rtype, params={**params, "_count": "1000"}).json()
    assert "next" not in [link["relation"] for link in body["link"]]
    return {e["resource"]["id"] for e in body.get("entry", [])}


# -- Communication?part-of, _id, identifier -------------------------------------------------------------


def test_part_of_with_a_comma_is_an_or(client: httpx.Client) -> None:
    a, b, c = _comm(client), _comm(client), _comm(client)
    a1 = _comm(client, part_of=[f"Communication/{a}"])
    a2 = _comm(client, part_of=[f"Communication/{a}"])
    b1 = _comm(client, part_of=[f"Communication/{b}"])
    _comm(client, part_of=[f"Communication/{c}"])  # not asked for
    both = _comm(client, part_of=[f"Communication/{c}", f"Communication/{b}"])  # any of its partOf counts
    want = {a1, a2, b1, both}
    params = {"part-of": f"Communication/{a},Communication/{b}"}
    for count in (1, 2, 50):
        assert set(_paged(client, "Communication", params, count)) == want
    assert _ids(client, "Communication", params) == want
    # the same target as a bare id, as an absolute URL, or with a type modifier
    assert _ids(client, "Communication", {"part-of": f"{a},{b}"}) == want
    assert _ids(client, "Communication", {"part-of": f"{client.base_url}Communication/{a}"}) == {a1, a2}
    assert _ids(client, "Communication", {"part-of:Communication": a}) == {a1, a2}
    assert _ids(client, "Communication", {"part-of:Encounter": a}) == set()
    # two parameters are ANDed
    r = client.get("Communication", params=[("part-of", f"Communication/{b}"), ("part-of", f"Communication/{c}")])
    assert {e["resource"]["id"] for e in r.json()["entry"]} == {both}
    assert _ids(client, "Communication", {"part-of": "Communication/nothing-here"}) == set()


def test_id_with_a_comma_is_an_or(client: httpx.Client) -> None:
    made = [_comm(client) for _ in range(5)]
    want = {made[0], made[2], made[4]}
    params = {"_id": ",".join([made[0], made[2], made[4], "no-such-id"])}
    for count in (1, 2):
        assert set(_paged(client, "Communication", params, count)) == want
    assert _ids(client, "Communication", {"_id": made[1]}) == {made[1]}


def test_identifier_with_a_comma_is_an_or(client: httpx.Client) -> None:
    v1, v2, v3 = _comm(client, "v1"), _comm(client, "v2"), _comm(client, "v3")
    other = _comm(client, "v1", system=OTHER)  # the same value in another system
    params = {"identifier": f"{SYS}|v1,{SYS}|v2"}
    for count in (1, 3):
        assert set(_paged(client, "Communication", params, count)) == {v1, v2}
    assert _ids(client, "Communication", {"identifier": "v1"}) == {v1, other}  # no system: any system
    assert _ids(client, "Communication", {"identifier": f"{OTHER}|"}) == {other}  # system only
    assert _ids(client, "Communication", {"identifier": f"{SYS}|V1"}) == set()  # values are case-sensitive
    assert v3 in _ids(client, "Communication", {"identifier": f"{SYS}|"})
    # as the client sends it: urlencoded by httpx, values with ':' and '|'
    assert _ids(client, "Communication", {"identifier": f"{SYS}|v3,{OTHER}|v1"}) == {v3, other}


def test_document_reference_by_identifier_and_master_identifier(client: httpx.Client) -> None:
    def doc(**extra: Any) -> str:
        body = {"resourceType": "DocumentReference", "status": "current",
                "content": [{"attachment": {"contentType": "text/plain", "data": "aGVp"}}], **extra}
        return _create(client, body)

    by_ident = doc(identifier=[{"system": OTHER, "value": "x"}, {"system": SYS, "value": "note-7"}])
    by_master = doc(masterIdentifier={"system": SYS, "value": "note-7"})
    doc(identifier=[{"system": SYS, "value": "note-8"}])
    for count in (1, 5):
        assert set(_paged(client, "DocumentReference", {"identifier": f"{SYS}|note-7"}, count)) == {by_ident, by_master}
    assert _ids(client, "DocumentReference", {"identifier": f"{OTHER}|x"}) == {by_ident}


# -- string search: Practitioner?name, Organization?name ------------------------------------------------

# The GPs' names (recipients.py): gp-NN is _GIVEN[NN] + _FAMILY[NN % 3], gpo-NN "<_PLACES[NN % 10]> legesenter".
GP_PRACTITIONERS = {f"gp-{i:02d}" for i in range(12)}
GP_ORGANIZATIONS = {f"gpo-{i:02d}" for i in range(12)}


def _practitioner(client: httpx.Client, **name: Any) -> str:
    return _create(client, {"resourceType": "Practitioner", "name": [name]})


def test_practitioner_name_is_case_and_accent_insensitive_starts_with_on_any_part(client: httpx.Client) -> None:
    kari = _practitioner(client, family="Nordmann", given=["Kari"])
    kaare = _practitioner(client, family="Ås", given=["KÅRE"])  # å is a with a ring: accent-insensitive
    karlsen = _practitioner(client, family="Karlsen", given=["Ola"])
    second_given = _practitioner(client, family="Berg", given=["Ola", "Karsten"])
    by_text = _practitioner(client, text="Karoline Dahl")
    titled = _practitioner(client, family="Lie", given=["Eva"], prefix=["Dr."], suffix=["Karsk"])
    makar = _practitioner(client, family="Makar", given=["Ola"])  # "kar" inside, not at the start of a part
    mine = {kari, kaare, karlsen, second_given, by_text, titled, makar}
    known = mine | GP_PRACTITIONERS

    def found(params: dict[str, str], count: int = 1) -> set[str]:
        got = set(_paged(client, "Practitioner", params, count))
        assert got == _ids(client, "Practitioner", params)
        return got & known  # the clinic's own staff have random names: judge only the known ones

    want = {kari, kaare, karlsen, second_given, by_text, titled, "gp-00"}  # gp-00 is Kari Testlege
    assert found({"name": "kar"}) == want
    assert found({"name": "KAR"}, count=3) == want
    assert found({"name": "kår"}, count=3) == want
    assert found({"name": "dr"}, count=2) == {titled}
    assert found({"name": "kari test"}) == {"gp-00"}  # the text part, "Kari Testlege"
    assert found({"name": "prøve"}, count=2) == {"gp-01", "gp-04", "gp-07", "gp-10"}  # ø is a letter, kept
    assert found({"name": "PRØVELEGE"}, count=2) == {"gp-01", "gp-04", "gp-07", "gp-10"}
    assert found({"name": "kar,makar"}, count=4) == want | {makar}  # a comma is an OR
    assert found({"name:contains": "kar"}, count=4) == want | {makar}
    assert found({"name:exact": "Kari"}) == {kari, "gp-00"}
    assert found({"name:exact": "kari"}) == set()


def test_organization_name_starts_with_on_name_or_alias(client: httpx.Client) -> None:
    def org(**fields: Any) -> str:
        return _create(client, {"resourceType": "Organization", **fields})

    gaarden = org(name="Ladegården legekontor")
    accented = org(name="Lådestua")
    alias = org(name="Helsehuset", alias=["Lade helsehus"])
    upper = org(name="LADE LEGESENTER")
    solade = org(name="Solade legekontor")  # "lade" inside, not at the start
    mine = {gaarden, accented, alias, upper, solade}
    want = {gaarden, accented, alias, upper, "gpo-00", "gpo-10"}  # the GP offices at Lade
    for count in (1, 2, 4):
        got = set(_paged(client, "Organization", {"name": "lade"}, count))
        assert got & (mine | GP_ORGANIZATIONS) == want
    assert _ids(client, "Organization", {"name": "lade"}) & mine == want & mine
    assert _ids(client, "Organization", {"name": "byås"}) & GP_ORGANIZATIONS == {"gpo-01", "gpo-11"}


def test_an_unsupported_modifier_is_refused_not_ignored(client: httpx.Client) -> None:
    for params in ({"name:text": "kar"}, {"name:below": "kar"}, {"name:missing": "maybe"}):
        r = client.get("Practitioner", params=params)
        assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome", params
    assert client.get("Communication", params={"part-of:below": "x"}).status_code == 400


def test_escaped_commas_and_modifiers_in_matching() -> None:
    """R4 escaping (a backslash before , $ | or itself) and :missing / :not, on the matcher directly."""
    assert split_values(r"a\,b,c") == [r"a\,b", "c"]
    assert split_values(r"a\\,b") == [r"a\\", "b"]
    assert normalize("KÅRE Ærlig") == "kare ærlig"
    org: dict[str, Any] = {"resourceType": "Organization", "id": "o", "name": "Lade, avdeling 2"}

    def q(pairs: list[tuple[str, str]]) -> Query:
        return parse_query("Organization", pairs, strict=True)

    assert matches(org, q([("name", r"lade\, avd")]))  # one value with a comma in it
    assert matches(org, q([("name", "x,lade")]))  # "x" OR "lade"
    assert not matches(org, q([("name", r"x\,lade")]))  # the one value "x,lade"
    assert matches(org, q([("identifier:missing", "true")]))
    assert not matches(org, q([("identifier:missing", "false")]))
    comm = {"resourceType": "Communication", "id": "c", "status": "completed",
            "identifier": [{"system": "urn:s", "value": "a|b"}]}
    assert matches(comm, parse_query("Communication", [("identifier", r"urn:s|a\|b")], strict=True))
    assert matches(comm, parse_query("Communication", [("status:not", "in-progress")], strict=True))
    assert not matches(comm, parse_query("Communication", [("status:not", "in-progress,completed")], strict=True))


# -- conditional create ---------------------------------------------------------------------------------


def _note_comm(ident: str) -> dict[str, Any]:
    return {
        "resourceType": "Communication",
        "identifier": [{"system": SYS, "value": ident}],
        "status": "in-progress",
        "recipient": [{"reference": "Practitioner/gp-00"}],
    }


def test_if_none_exist_on_identifier_does_not_duplicate(client: httpx.Client) -> None:
    ident = "cmd-41"
    header = {"If-None-Exist": urlencode({"identifier": f"{SYS}|{ident}"})}  # as the client's outbox sends it
    first = client.post("Communication", json=_note_comm(ident), headers=header)
    plain = {"If-None-Exist": f"identifier={SYS}|{ident}"}  # the same, not encoded
    second = client.post("Communication", json=_note_comm(ident), headers=plain)
    assert first.status_code == 201 and second.status_code == 200
    rid = first.json()["id"]
    assert second.json()["id"] == rid
    assert second.headers["location"].split("/_history/")[0].endswith(f"/Communication/{rid}")
    assert _ids(client, "Communication", {"identifier": f"{SYS}|{ident}"}) == {rid}
    assert len(client.get(f"Communication/{rid}/_history").json()["entry"]) == 1  # the replay wrote nothing
    minimal = client.post("Communication", json=_note_comm(ident), headers={**header, "Prefer": "return=minimal"})
    assert minimal.status_code == 200 and f"/Communication/{rid}/" in minimal.headers["location"]


def test_if_none_exist_holds_under_concurrent_creates(sim: SimServer) -> None:
    header = {"If-None-Exist": f"identifier={SYS}|cmd-race"}
    statuses: list[int] = []

    def post() -> None:
        with httpx.Client(base_url=sim.base_url + "/", timeout=10) as c:
            statuses.append(c.post("Communication", json=_note_comm("cmd-race"), headers=header).status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 5 + [201]
    with httpx.Client(base_url=sim.base_url + "/", timeout=10) as c:
        assert len(_ids(c, "Communication", {"identifier": f"{SYS}|cmd-race"})) == 1


@pytest.mark.parametrize("header", ["identifier=", "no-such-param=1"])
def test_if_none_exist_without_usable_criteria_is_refused(client: httpx.Client, header: str) -> None:
    r = client.post("Communication", json=_note_comm("x"), headers={"If-None-Exist": header})
    assert r.status_code == 400 and r.json()["resourceType"] == "OperationOutcome"


# -- Provenance?target, recorded (a date parameter) -------------------------------------------------------
def _provenance(client: httpx.Client, target: str, recorded: str) -> str:
    return _create(client, {"resourceType": "Provenance", "target": [{"reference": target}], "recorded": recorded,
                            "agent": [{"who": {"reference": "Practitioner/p-1"}}]})


def test_provenance_by_target_and_by_recorded_instant_with_prefixes(client: httpx.Client) -> None:
    early = _provenance(client, "Encounter/e-1/_history/2", "2026-12-03T10:00:00.120Z")
    late = _provenance(client, "Encounter/e-1/_history/3", "2026-12-03T10:00:00.121Z")
    other = _provenance(client, "Encounter/e-2/_history/1", "2026-12-03T10:00:00.120Z")
    assert _ids(client, "Provenance", {"target": "Encounter/e-1"}) == {early, late}
    assert _ids(client, "Provenance", {"recorded": "2026-12-03T10:00:00.120Z"}) == {early, other}
    assert _ids(client, "Provenance", {"recorded": "2026-12-03T11:00:00.120+01:00"}) == {early, other}  # same instant
    assert _ids(client, "Provenance", {"recorded": "2026-12-03"}) == {early, late, other}  # within the day
    assert _ids(client, "Provenance", {"recorded": "gt2026-12-03T10:00:00.120Z"}) == {late}
    assert _ids(client, "Provenance", {"recorded": "lt2026-12-03T10:00:00.121Z"}) == {early, other}
    assert _ids(client, "Provenance", {"recorded": "ge2026-12-03T10:00:00.121Z"}) == {late}
    assert _ids(client, "Provenance", {"recorded": "le2026-12-03T10:00:00.120Z"}) == {early, other}
    assert _ids(client, "Provenance", {"recorded": "ne2026-12-03T10:00:00.120Z"}) == {late}
    assert _ids(client, "Provenance", {"target": "Encounter/e-1", "recorded": "2026-12-03T10:00:00.120Z"}) == {early}
    assert client.get("Provenance", params={"recorded": "not-a-date"}).status_code == 400


def test_if_none_exist_on_provenance_target_and_recorded_does_not_duplicate(client: httpx.Client) -> None:
    body = {"resourceType": "Provenance", "target": [{"reference": "Encounter/e-9/_history/4"}],
            "recorded": "2026-12-03T10:00:00.500Z", "agent": [{"who": {"reference": "Practitioner/p-1"}}]}
    ine = urlencode({"target": "Encounter/e-9/_history/4", "recorded": "2026-12-03T10:00:00.500Z"})
    first = client.post("Provenance", json=body, headers={"If-None-Exist": ine})
    again = client.post("Provenance", json=body, headers={"If-None-Exist": ine})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert _ids(client, "Provenance", {"target": "Encounter/e-9"}) == {first.json()["id"]}
