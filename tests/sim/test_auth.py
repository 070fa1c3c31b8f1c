from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from legevakt.sim import SimServer

CREDS = {"grant_type": "client_credentials", "client_id": "legevakt-demo", "client_secret": "demo-secret"}


@pytest.fixture
def secured(make_sim: Callable[..., SimServer]) -> SimServer:
    return make_sim(require_auth=True)


def token(c: httpx.Client) -> str:
    r = c.post("_auth/token", data=CREDS)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    return str(body["access_token"])


def test_token_flow(secured: SimServer) -> None:
    with httpx.Client(base_url=secured.base_url + "/") as c:
        assert c.get("metadata").status_code == 200  # metadata is open
        r = c.get("Encounter")
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
        assert r.json()["resourceType"] == "OperationOutcome"
        bad = c.post("_auth/token", data={**CREDS, "client_secret": "wrong"})
        assert bad.status_code == 401 and bad.json() == {"error": "invalid_client"}
        assert c.post("_auth/token", data={**CREDS, "grant_type": "password"}).status_code == 400
        basic = c.post("_auth/token", data={"grant_type": "client_credentials"}, auth=("legevakt-demo", "demo-secret"))
        assert basic.status_code == 200
        tok = token(c)
        ok = c.get("Encounter", headers={"Authorization": f"Bearer {tok}"})
        assert ok.status_code == 200
        wrong = c.get("Encounter", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "invalid_token" in wrong.headers["www-authenticate"]
        assert c.get("_sim/state").status_code == 200  # control routes need no auth


def test_expire_tokens_now_and_ttl(secured: SimServer) -> None:
    with httpx.Client(base_url=secured.base_url + "/") as c:
        tok = token(c)
        headers = {"Authorization": f"Bearer {tok}"}
        assert c.get("Patient", headers=headers).status_code == 200
        secured.faults.expire_tokens_now()
        assert c.get("Patient", headers=headers).status_code == 401
        tok = token(c)
        assert c.post("_sim/faults", json={"expire_tokens": True}).status_code == 200
        assert c.get("Patient", headers={"Authorization": f"Bearer {tok}"}).status_code == 401
        secured.faults.token_ttl_seconds = 1.0
        r = c.post("_auth/token", data=CREDS)
        assert r.json()["expires_in"] == 1
        tok = r.json()["access_token"]
        assert c.get("Patient", headers={"Authorization": f"Bearer {tok}"}).status_code == 200
        time.sleep(1.05)
        assert c.get("Patient", headers={"Authorization": f"Bearer {tok}"}).status_code == 401


def test_websocket_requires_token(secured: SimServer) -> None:
    with httpx.Client(base_url=secured.base_url + "/") as c:
        tok = token(c)
        headers = {"Authorization": f"Bearer {tok}"}
        sub = {"resourceType": "Subscription", "status": "requested", "reason": "t",
               "criteria": f"List?subject={secured.clinic_ref}", "channel": {"type": "websocket"}}  # fmt: skip
        sid = c.post("Subscription", json=sub, headers=headers).json()["id"]
    ws_url = secured.base_url.replace("http", "ws", 1) + "/$websocket"
    with connect(ws_url) as ws:
        ws.send(f"bind {sid}")
        assert ws.recv(timeout=2) == f"error {sid} unauthorized"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=2)
    with connect(ws_url) as ws:
        ws.send(f"bind {sid} {tok}")
        assert ws.recv(timeout=2) == f"bound {sid}"
    with connect(f"{ws_url}?access_token={tok}") as ws:
        ws.send(f"bind {sid}")
        assert ws.recv(timeout=2) == f"bound {sid}"
