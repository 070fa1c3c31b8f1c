"""A small process for the kill test: queue the next scripted command (if any is left), then replay the outbox.

    python -m tests.scenarios.replay_driver DATA_DIR BASE_URL CLINIC_REF SCRIPT_JSON HOLD_SECONDS [all]

SCRIPT_JSON is a list of [encounter, kind, target, disposition]. The driver queues script[n], where n is the
number of commands the outbox already holds, so each run adds at most one (as a person would give it, against
the local state; with "all", every one left), then sends everything pending. HOLD_SECONDS is slept after
every 2xx answer to a write, before the outbox is told, so kills land in the window between the platform
applying a change and the outbox marking it. Prints "ready" once the store is open and "done" at the end.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

from legevakt.store import open_store
from legevakt.sync.engine import utcnow
from legevakt.sync.fhir import FhirClient, RetryPolicy
from legevakt.sync.outbox_replay import OutboxReplayer, ReplayConfig
from legevakt.worklist.commands import CommandKind, make_command
from legevakt.worklist.reconcile import ReconcileConfig
from legevakt.worklist.triage import MTS
from legevakt.worklist.writes import apply_command


class HoldAfterWrite(httpx.HTTPTransport):
    def __init__(self, hold: float) -> None:
        super().__init__()
        self.hold = hold

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method in ("PUT", "POST") and response.status_code < 300:
            response.read()
            time.sleep(self.hold)
        return response


def main(argv: list[str]) -> int:
    data_dir, base_url, clinic_ref, script_json, hold, *rest = argv
    every = rest == ["all"]
    script = json.loads(script_json)
    config = ReconcileConfig()
    store = open_store(Path(data_dir))
    client = FhirClient(base_url, retry=RetryPolicy(attempts=1), transport=HoldAfterWrite(float(hold)))
    try:
        print("ready", flush=True)
        now = utcnow()
        state = store.load_state(now, config)
        replayer = OutboxReplayer(client, store, ReplayConfig(clinic_ref=clinic_ref, reconcile=config,
                                                              pending_after=timedelta(hours=1)))
        queued = len(store.outbox())
        for ref, kind, target, disposition in script[queued:queued + (len(script) if every else 1)]:
            command = make_command(state.entries[ref], CommandKind(kind), target, by="kill-test", now=now,
                                   scale=MTS, disposition=disposition)
            result = apply_command(state, command, now, config)
            replayer.enqueue(command, result)
            state = result.state
        replayer.replay(now, state)
        print("done", flush=True)
        return 0
    finally:
        client.close()
        store.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
