"""Benchmark: Store.save for a first sync of N entries, and for a typical cycle (a few changes).

Run: ``python tests/store/bench_save.py [N]``. Prints wall times and the ratio to a lower bound of the
same SQL work (the same entry and audit rows, already serialised, written with plain sqlite3 executemany
in one transaction with the same pragmas). Not a test: timings are never asserted.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from legevakt.store import open_store
from legevakt.store.engine import FILE_NAME
from legevakt.store.repositories.queue import entry_row as _entry_row
from legevakt.worklist.models import Encounter, EncounterStatus, Patient
from legevakt.worklist.reconcile import ReconcileConfig, reconcile
from legevakt.worklist.snapshot import Snapshot

T0 = datetime(2026, 5, 9, 8, 0, tzinfo=UTC)
CFG = ReconcileConfig()


def clinic(n: int, version: str = "1") -> tuple[list[Encounter], list[Patient]]:
    encs = [Encounter(ref=f"Encounter/e{i}", version=version, patient_ref=f"Patient/p{i}",
                      status=EncounterStatus.TRIAGED, arrived_at=T0 + timedelta(seconds=i), triage="blue",
                      complaint="Smerter i brystet", room="Location/r1", room_name="Rom 1",
                      nurse="Practitioner/n1", nurse_name="Sykepleier Ås", last_updated=T0)
            for i in range(n)]
    pats = [Patient(ref=f"Patient/p{i}", version="1", name=f"Nordmann{i}, Åse", identifier=f"{i:011d}",
                    identifier_system="urn:oid:2.16.578.1.12.4.1.4.1") for i in range(n)]
    return encs, pats


def lower_bound(path: Path, rows: list[dict[str, object]]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (ref TEXT PRIMARY KEY, patient_ref TEXT, fate TEXT, in_list INT, ever INT, "
                 "first_seen TEXT, arrived_at TEXT, left_at TEXT, departure TEXT, dc INT, md INT, enc TEXT, pat TEXT)")
    prepared = [(r["encounter_ref"], r["patient_ref"], r["fate"], r["in_list"], r["ever_in_list"],
                 str(r["first_seen"]), str(r["arrived_at"]), None, None, 0, 0, json.dumps(r["encounter"]),
                 json.dumps(r["patient"])) for r in rows]
    conn.execute("CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, actor TEXT, action TEXT, "
                 "target TEXT, detail TEXT)")
    audit = [(str(r["first_seen"]), "system", "entry.arrived", r["encounter_ref"], "") for r in rows]
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(ref) DO UPDATE SET "
                     "enc=excluded.enc", prepared)
    conn.executemany("INSERT INTO a (at, actor, action, target, detail) VALUES (?,?,?,?,?)", audit)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "data")
        encs, pats = clinic(n)
        state = store.load_state(T0, CFG)
        first = reconcile(state, Snapshot.of(T0, list_items=[e.ref for e in encs], encounters=encs,
                                             patients=pats), T0, CFG)
        started = time.perf_counter()
        store.save(first)
        big = time.perf_counter() - started
        rows = [_entry_row(e) for e in first.changed.values()]
        bound = lower_bound(Path(tmp) / "bound.sqlite3", rows)
        print(f"first sync, {len(first.changed)} entries changed, {len(first.events)} events: "
              f"save {big * 1e3:.0f} ms; lower bound {bound * 1e3:.0f} ms; ratio {big / bound:.1f}")

        state, times = first.state, []
        for cycle in range(1, 21):
            now = T0 + timedelta(seconds=5 * cycle)
            encs = list(encs)
            for k in range(3):  # three encounters change per cycle
                i = (cycle * 3 + k) % n
                encs[i] = replace(encs[i], version=str(cycle + 1), room_name=f"Rom {cycle}")
            result = reconcile(state, Snapshot.of(now, list_items=[e.ref for e in encs], encounters=encs,
                                                  patients=pats), now, CFG)
            started = time.perf_counter()
            store.save(result)
            times.append(time.perf_counter() - started)
            state = result.state
        times.sort()
        print(f"typical cycle (3 of {n} changed, seen map rewritten): median {times[len(times) // 2] * 1e3:.1f} ms,"
              f" max {times[-1] * 1e3:.1f} ms")

        times = []
        for cycle in range(21, 41):
            now = T0 + timedelta(seconds=5 * cycle)
            result = reconcile(state, Snapshot.of(now, list_items=[e.ref for e in encs], encounters=encs,
                                                  patients=pats), now, CFG)
            started = time.perf_counter()
            store.save(result)
            times.append(time.perf_counter() - started)
            state = result.state
        times.sort()
        print(f"quiet cycle (nothing changed): median {times[len(times) // 2] * 1e3:.1f} ms, "
              f"max {times[-1] * 1e3:.1f} ms")

        started = time.perf_counter()
        store.load_state(T0 + timedelta(minutes=10), CFG)
        print(f"load_state with {n} entries: {(time.perf_counter() - started) * 1e3:.0f} ms")
        size = (Path(tmp) / "data" / FILE_NAME).stat().st_size
        print(f"database file {size / 1e6:.1f} MB (plus WAL)")
        store.close()


if __name__ == "__main__":
    main()
