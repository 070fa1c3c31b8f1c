"""A small process for the journal's kill test: write and sign a note, send it to the GP, replay, follow.

    python -m tests.scenarios.journal_driver DATA_DIR BASE_URL CLINIC_REF ENCOUNTER HOLD_SECONDS

Each run does the next step that is not done yet (write the signed note; once the platform has it, send
it), then replays the outbox and runs one sync cycle. HOLD_SECONDS is slept after every 2xx answer to a
write, before the outbox is told, so kills land between the platform creating a resource and the outbox
marking it. Prints "ready" once the store is open and "done STATE" at the end.
"""

from __future__ import annotations

import sys

from legevakt.app.runtime import Runtime
from legevakt.app.settings import Settings
from legevakt.sync.auth import NoCredentials
from legevakt.sync.fhir import RetryPolicy
from tests.scenarios.replay_driver import HoldAfterWrite

DOCTOR = "Practitioner/doc-kill-1"


def main(argv: list[str]) -> int:
    data_dir, base_url, clinic_ref, encounter, hold = argv
    settings = Settings(platform=base_url, location=clinic_ref, data_dir=data_dir, write_pending_minutes=60)
    runtime = Runtime.open(settings, tokens=NoCredentials(), transport=HoldAfterWrite(float(hold)),
                           retry=RetryPolicy(attempts=1))
    try:
        print("ready", flush=True)
        if encounter not in runtime.engine.state.entries:
            runtime.engine.cycle()
        journal = runtime.journal
        notes = runtime.store.notes(encounter)
        if not notes:
            journal.write_note(encounter, DOCTOR, "Notat som skal fram nøyaktig én gang.", signed=True)
        elif notes[0].ref is not None and not runtime.store.deliveries(note=notes[0].ref):
            journal.send_note(notes[0].ref, DOCTOR)
        runtime.engine.cycle()  # the outbox, the queue, then the deliveries
        deliveries = runtime.store.deliveries()
        print(f"done {deliveries[0].state.value if deliveries else 'unsent'}", flush=True)
    finally:
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
