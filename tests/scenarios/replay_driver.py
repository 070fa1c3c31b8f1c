"""A small process for the kill test: the app's runtime and worker queue the next scripted command (if any is
left), send the outbox, and run one sync cycle.

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

import httpx

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.app.worker import InlineExecutor, SyncWorker
from legevakt.problems import Problem
from legevakt.sync.auth import NoCredentials
from legevakt.sync.fhir import RetryPolicy
from legevakt.worklist.commands import CommandKind


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
    """The real runtime (store, DbWriter, engine, outbox replayer) driven by the app's one SyncWorker."""
    data_dir, base_url, clinic_ref, script_json, hold, *rest = argv
    every = rest == ["all"]
    script = json.loads(script_json)
    settings = Settings(platform=base_url, location=clinic_ref, data_dir=data_dir, write_pending_minutes=60)
    runtime = Runtime.open(settings, tokens=NoCredentials(), transport=HoldAfterWrite(float(hold)),
                           retry=RetryPolicy(attempts=1))
    problems: list[Problem] = []
    worker = SyncWorker(runtime, executor=InlineExecutor(), on_failed=problems.append)
    try:
        print("ready", flush=True)
        queued = len([r for r in runtime.store.outbox() if r.command.resource_type != "Task"])  # not alert Tasks
        for ref, kind, target, disposition in script[queued:queued + (len(script) if every else 1)]:
            worker.submit(ref, CommandKind(kind), target, by="kill-test", disposition=disposition)
        worker.sync_once()  # the commands (each queued, then sent), then one cycle: as the window does
        if problems:
            print(f"problems: {problems}", file=sys.stderr, flush=True)
            return 1
        print("done", flush=True)
        return 0
    finally:
        worker.stop()
        runtime.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
