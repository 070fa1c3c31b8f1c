"""A second Legevakt process on the same data directory, for tests/store/test_two_processes.py.

Run as ``python other_process.py COMMAND DATA_DIR [ARGS]``. Prints ``ok`` on success; on a StoreError
prints its problem kind and exits 3. Synthetic data only.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from legevakt.store import StoreError, open_store
from legevakt.worklist.reconcile import ReconcileConfig, Reconciled, acknowledge


def main(argv: list[str]) -> int:
    command, data_dir, *args = argv
    timeout = float(args[-1]) if command == "audit" and len(args) > 1 else 10.0
    try:
        with open_store(Path(data_dir), lock_timeout_s=timeout) as store:
            now = datetime.now(UTC)
            if command == "ack":  # a nurse acknowledges an alert from a terminal
                state = store.load_state(now, ReconcileConfig())
                store.save(acknowledge(state, args[0], "nurse-b", "sett i terminalen", now), actor="nurse-b",
                           snapshot_complete=False)
            elif command == "seq":  # a write of one sync_meta value (the alert sequence)
                state = store.load_state(now, ReconcileConfig())
                store.save(Reconciled(state=replace(state, alert_seq=int(args[0])), changed={}, events=(),
                                      alerts=()), snapshot_complete=False)
            elif command == "audit":  # many short write transactions
                print("ready", flush=True)
                for i in range(int(args[0])):
                    store.append_audit("proc-b", "test.write", f"b-{i}")
            else:
                raise SystemExit(f"unknown command {command}")
    except StoreError as err:
        print(err.problem.kind.value, flush=True)
        return 3
    print("ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
