from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from legevakt.sim import SimServer


def subscribe(client: httpx.Client, criteria: str) -> str:
    sub = {"resourceType": "Subscription", "status": "requested", "reason": "test", "criteria": criteria,
           "channel": {"type": "websocket"}}  # fmt: skip
    r = client.post("Subscription", json=sub)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "active"
    return str(r.json()["id"])


def ws_url(client: httpx.Client) -> str:
    cs = client.get("metadata").json()
    return str(
        next(
            e["valueUrl"]
            for e in cs["rest"][0]["extension"]
            if e["url"] == "http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket"
        )
    )


def recv_until_quiet(ws: ClientConnection, quiet: float = 0.2) -> list[str]:
    out: list[str] = []
    while True:
        try:
            out.append(str(ws.recv(timeout=quiet)))
        except TimeoutError:
            return out


def test_bind_and_ping_on_list_change(sim: SimServer, client: httpx.Client) -> None:
    list_sub = subscribe(client, f"List?subject={sim.clinic_ref}")
    enc_sub = subscribe(client, f"Encounter?location={sim.clinic_ref}")
    with connect(ws_url(client)) as ws:
        ws.send(f"bind {list_sub}")
        assert ws.recv(timeout=2) == f"bound {list_sub}"
        ws.send(f"bind {enc_sub}")
        assert ws.recv(timeout=2) == f"bound {enc_sub}"
        # a change made from another thread through the Python API is pushed (recv's timeout bounds it)
        sim.clinic.admit()
        first = ws.recv(timeout=2)
        rest = recv_until_quiet(ws)
        assert {first, *rest} == {f"ping {list_sub}", f"ping {enc_sub}"}
        # the real failure: only the List changes, and it is pushed too
        ref = sim.clinic.active_encounters()[0]
        sim.clinic.drop_from_list(ref)
        assert recv_until_quiet(ws) == [f"ping {list_sub}"]
        # a client write over REST notifies as well
        enc = client.get(ref).json()
        enc["reasonCode"] = [{"text": "Svimmelhet"}]
        client.put(ref, json=enc)
        assert recv_until_quiet(ws) == [f"ping {enc_sub}"]
        # unrelated resources do not
        client.post("Patient", json={"resourceType": "Patient"})
        assert recv_until_quiet(ws) == []


def test_bind_unknown_subscription(client: httpx.Client) -> None:
    with connect(ws_url(client)) as ws:
        ws.send("bind nope")
        assert str(ws.recv(timeout=2)).startswith("error nope")


def test_subscription_validation(client: httpx.Client) -> None:
    bad = {"resourceType": "Subscription", "status": "requested", "criteria": "Banana?x=1",
           "channel": {"type": "websocket"}}  # fmt: skip
    assert client.post("Subscription", json=bad).status_code == 400
    hook = {**bad, "criteria": "Encounter?status=arrived", "channel": {"type": "rest-hook", "endpoint": "http://x"}}
    r = client.post("Subscription", json=hook)
    assert r.status_code == 201 and r.json()["status"] == "error"


def params_of(bundle: dict[str, Any]) -> dict[str, Any]:
    status = bundle["entry"][0]["resource"]
    assert status["resourceType"] == "Parameters"
    return {p["name"]: p for p in status["parameter"]}


def test_backport_binding_token_handshake_heartbeat_event(sim: SimServer, client: httpx.Client) -> None:
    sid = subscribe(client, f"List?subject={sim.clinic_ref}")
    sim.faults.heartbeat_seconds = 0.3
    r = client.post(f"Subscription/{sid}/$get-ws-binding-token")
    assert r.status_code == 200
    p = {x["name"]: x for x in r.json()["parameter"]}
    assert p["websocket-url"]["valueUrl"] == ws_url(client)
    assert p["expiration"]["valueDateTime"].endswith("Z")
    with connect(p["websocket-url"]["valueUrl"]) as ws:
        ws.send(f"bind-with-token {p['token']['valueString']}")
        hs = json.loads(ws.recv(timeout=2))
        assert hs["resourceType"] == "Bundle" and hs["type"] == "history"
        assert params_of(hs)["type"]["valueCode"] == "handshake"
        assert params_of(hs)["subscription"]["valueReference"]["reference"].endswith(f"Subscription/{sid}")
        hb = json.loads(ws.recv(timeout=2))
        assert params_of(hb)["type"]["valueCode"] == "heartbeat"
        ref = sim.clinic.admit()
        event = None
        for _ in range(5):
            msg = json.loads(ws.recv(timeout=2))
            if params_of(msg)["type"]["valueCode"] == "event-notification":
                event = msg
                break
        assert event is not None
        ps = params_of(event)
        assert ps["events-since-subscription-start"]["valueString"] == "1"
        focus = {x["name"]: x for x in ps["notification-event"]["part"]}["focus"]["valueReference"]["reference"]
        assert focus == sim.clinic.list_ref
        assert ref  # the admit changed the List
    with connect(p["websocket-url"]["valueUrl"]) as ws:
        ws.send("bind-with-token not-a-token")
        assert str(ws.recv(timeout=2)).startswith("error")


def test_drop_websockets_now(sim: SimServer, client: httpx.Client) -> None:
    sid = subscribe(client, f"List?subject={sim.clinic_ref}")
    url = ws_url(client)
    with connect(url) as ws:
        ws.send(f"bind {sid}")
        assert ws.recv(timeout=2) == f"bound {sid}"
        assert client.post("_sim/faults", json={"drop_websockets": True}).status_code == 200
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=2)
    with connect(url) as ws:  # reconnect and re-bind works
        ws.send(f"bind {sid}")
        assert ws.recv(timeout=2) == f"bound {sid}"
        sim.faults.drop_websockets_now()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=2)


def test_pings_from_the_running_clock(make_sim: Any) -> None:
    sim: SimServer = make_sim(speed=3000.0)  # 50 simulated minutes per second
    with httpx.Client(base_url=sim.base_url + "/") as client:
        sid = subscribe(client, f"Encounter?location={sim.clinic_ref}")
        with connect(ws_url(client)) as ws:
            ws.send(f"bind {sid}")
            assert ws.recv(timeout=2) == f"bound {sid}"
            assert ws.recv(timeout=3) == f"ping {sid}"


def test_server_stop_closes_websockets(make_sim: Any) -> None:
    sim: SimServer = make_sim()
    with httpx.Client(base_url=sim.base_url + "/") as client:
        sid = subscribe(client, f"List?subject={sim.clinic_ref}")
        url = ws_url(client)
    with connect(url) as ws:
        ws.send(f"bind {sid}")
        assert ws.recv(timeout=2) == f"bound {sid}"
        t = threading.Thread(target=sim.stop)
        t.start()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        t.join(10)
        assert not t.is_alive()
