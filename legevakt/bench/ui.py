"""Benchmark of the main window folding in one sync's change summary, against a reset of the same window.

The real ``MainWindow`` (queue model, filter proxy, table, filter counts, alert banner, status bar, patient
panel, shift-lead view) holds ``--rows`` synthetic patients, shown offscreen at 1280 x 800 with one patient
selected, fed by a fake service. A 1 % change set (doctors taking over, triage and room changes, patients
leaving to x-ray, departures, arrivals, drops with their critical alerts, warnings) goes in through the
service's ``changed`` signal, exactly as a sync delivers it, and the clock runs until the window has
processed its events (the view's delayed layout included).

Against it, in the same run and alternating with it: a reset-and-reload of the same window to the same state
(the queue model reset with ``beginResetModel``/``endResetModel`` and filled from the whole list, the proxy
sorting it again; the rest of the window as it takes any summary). That is what the incremental path must
beat: a summary that costs more than a reset is a reason to reset.

``model_median_ms`` is the queue model and its sorting, filtering proxy alone (no view, no window) taking the
same summaries. The change set alternates forwards and backwards (the backward one undoes it: arrivals leave,
departures come back, alerts resolve), so every sample starts from a window holding ``--rows`` rows.

    python -m legevakt.bench ui             # a readable table
    python -m legevakt.bench ui --json      # {"rows", "window_median_ms", "model_median_ms", "reset_median_ms",
                                            #  "ratio", "rss_mb", ...}
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from legevakt.app.summary import ChangeSummary, LinkMode, LinkStatus
from legevakt.codes import FNR_SYSTEM
from legevakt.nin import control_digits
from legevakt.worklist.census import census
from legevakt.worklist.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DepartureReason,
    Encounter,
    EncounterStatus,
    Entry,
    Fate,
    Patient,
    Severity,
)

ROWS = 10_000
CHANGE = 0.01
NOW = datetime(2025, 3, 14, 18, 30, tzinfo=UTC)
TARGETS = {"window_median_ms": 50.0, "model_median_ms": 15.0, "ratio": 0.1, "rss_mb": 250.0}

_TRIAGE = ("red", "orange", "yellow", "yellow", "green", "green", "green", "blue", None)
_COMPLAINTS = ("Brystsmerter", "Magesmerter", "Pustebesvær", "Feber", "Kutt i hånd", "Hodepine, oppkast",
               "Ankelskade", "Svimmelhet", "Allergisk reaksjon", "Urinveisinfeksjon")
_NURSES = (("Practitioner/n1", "Lie, Hanne"), ("Practitioner/n2", "Vik, Siri"), ("Practitioner/n3", "Berg, Ola"))
_DOCTORS = (("Practitioner/d1", "Aas, Morten"), ("Practitioner/d2", "Dahl, Kristin"))
_ROOMS = tuple((f"Location/r{i}", f"Rom {i}") for i in range(1, 13))


def _fnr(rng: random.Random, born: date) -> str:
    while True:
        first9 = f"{born:%d%m%y}{rng.randrange(500):03d}"
        control = control_digits(first9)
        if control is not None:
            return first9 + control


def _entry(rng: random.Random, i: int, now: datetime) -> Entry:
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(80 * 365))
    patient = Patient(ref=f"Patient/p{i}", version="1", name=f"Pasient, Nummer {i}", birth_date=born,
                      gender=rng.choice(("male", "female")), identifier_system=FNR_SYSTEM, identifier=_fnr(rng, born))
    triage = rng.choice(_TRIAGE)
    status = EncounterStatus.ARRIVED if triage is None else rng.choice(
        (EncounterStatus.TRIAGED, EncounterStatus.TRIAGED, EncounterStatus.IN_PROGRESS))
    arrived = now - timedelta(minutes=rng.uniform(0, 300))  # some past their triage target
    nurse, nurse_name = rng.choice(_NURSES)
    doctor, doctor_name = rng.choice(_DOCTORS) if status is EncounterStatus.IN_PROGRESS else (None, None)
    room, room_name = rng.choice(_ROOMS) if status is EncounterStatus.IN_PROGRESS else (None, None)
    enc = Encounter(ref=f"Encounter/e{i}", version="1", patient_ref=patient.ref, status=status, arrived_at=arrived,
                    triage=triage, complaint=rng.choice(_COMPLAINTS), room=room, room_name=room_name, nurse=nurse,
                    nurse_name=nurse_name, doctor=doctor, doctor_name=doctor_name, last_updated=arrived)
    return Entry(encounter=enc, patient=patient, fate=Fate.PRESENT, in_list=True, ever_in_list=True,
                 first_seen=arrived, arrived_at=arrived)


def _bump(entry: Entry, now: datetime, **changes: Any) -> Entry:
    enc = entry.encounter
    return replace(entry, encounter=replace(enc, version=str(int(enc.version) + 1), last_updated=now, **changes))


def _alert(n: int, kind: AlertKind, severity: Severity, ref: str, at: datetime) -> Alert:
    return Alert(id=f"AL-{n:06d}", kind=kind, severity=severity, key=ref, encounter=ref, raised_at=at,
                 detail="benchmark")


@dataclass(frozen=True, slots=True)
class State:
    """What the worklist holds at one moment: the queue (present and dropped) and the open alerts."""

    queue: dict[str, Entry]
    alerts: dict[str, Alert]


@dataclass(frozen=True, slots=True)
class Case:
    rows: int
    start: State  # the window holds this before the forward summary
    after: State  # ... and this after it
    initial: ChangeSummary  # everything in ``start`` (loads the window)
    forward: ChangeSummary  # start -> after: the 1 % change set
    backward: ChangeSummary  # after -> start: the change set undone
    reload_start: ChangeSummary  # a whole-list summary of ``start`` (what a reset reloads)
    reload_after: ChangeSummary  # ... of ``after``


def _link(now: datetime, pending: int) -> LinkStatus:
    return LinkStatus(mode=LinkMode.PUSH, last_complete_at=now - timedelta(seconds=2),
                      last_attempt_at=now - timedelta(seconds=1), pending_writes=pending,
                      platform="https://fhir.example.no/r4", push_poll_seconds=60.0)


def _whole(state: State, now: datetime, pending: dict[str, int]) -> ChangeSummary:
    entries = tuple(state.queue.values())
    return ChangeSummary(upserted=entries, removed=(), alerts=tuple(state.alerts.values()),
                         link=_link(now, sum(pending.values())), census=census(entries), complete=True,
                         initial=True, pending=pending)


def _diff(old: State, new: State, now: datetime, pending: dict[str, int]) -> ChangeSummary:
    """The summary a sync sends between two states (what ``Runtime.summary`` builds from a reconcile)."""
    upserted = tuple(e for ref, e in new.queue.items() if old.queue.get(ref) != e)
    gone = [old.queue[ref] for ref in old.queue if ref not in new.queue]
    departed = tuple(replace(e, fate=Fate.DEPARTED, in_list=False, left_at=now,
                             departure=DepartureReason.HOME) for e in gone)
    alerts = [a for aid, a in new.alerts.items() if old.alerts.get(aid) != a]
    alerts += [replace(a, status=AlertStatus.RESOLVED, resolved_at=now, resolution="benchmark")
               for aid, a in old.alerts.items() if aid not in new.alerts]
    return ChangeSummary(upserted=upserted, removed=tuple(e.ref for e in departed), alerts=tuple(alerts),
                         link=_link(now, sum(pending.values())), census=census((*new.queue.values(), *departed)),
                         complete=True, pending=pending, departed=departed)


def build_case(rows: int = ROWS, seed: int = 1) -> Case:
    """``rows`` patients (a few dropped, some warnings open) and a change set touching ``CHANGE`` of them."""
    rng = random.Random(seed)
    queue: dict[str, Entry] = {}
    alerts: dict[str, Alert] = {}
    for i in range(rows):
        entry = _entry(rng, i, NOW - timedelta(seconds=10))
        queue[entry.ref] = entry
    # A standing background: 0.2 % dropped with their critical alert, 2 % with a triage-overdue warning.
    refs = sorted(queue)
    for k, ref in enumerate(rng.sample(refs, max(1, rows // 500))):
        queue[ref] = replace(queue[ref], fate=Fate.DROPPED, in_list=False, left_at=NOW - timedelta(minutes=5),
                             drop_confirmed=True)
        a = _alert(k, AlertKind.DROPPED_FROM_QUEUE, Severity.CRITICAL, ref, NOW - timedelta(minutes=5))
        alerts[a.id] = a
    for k, ref in enumerate(rng.sample(refs, max(1, rows // 50)), start=rows):
        if queue[ref].fate is Fate.PRESENT:
            a = _alert(k, AlertKind.TRIAGE_OVERDUE, Severity.WARNING, ref, NOW - timedelta(minutes=8))
            alerts[a.id] = a
    start = State(dict(queue), dict(alerts))

    changes = max(10, int(rows * CHANGE))
    chosen = rng.sample([r for r in refs if queue[r].fate is Fate.PRESENT], changes)
    next_alert = 10 * rows
    for k, ref in enumerate(chosen):
        entry, kind = queue[ref], k % 10
        if kind in (0, 1, 2):  # a doctor takes over, in a room
            doctor, doctor_name = rng.choice(_DOCTORS)
            room, room_name = rng.choice(_ROOMS)
            queue[ref] = _bump(entry, NOW, status=EncounterStatus.IN_PROGRESS, doctor=doctor,
                               doctor_name=doctor_name, room=room, room_name=room_name)
        elif kind in (3, 4):  # triaged, or the triage revised
            triage = rng.choice([t for t in _TRIAGE if t is not None and t != entry.encounter.triage])
            status = EncounterStatus.TRIAGED if entry.encounter.status is EncounterStatus.ARRIVED \
                else entry.encounter.status
            queue[ref] = _bump(entry, NOW, triage=triage, status=status)
        elif kind == 5:  # another nurse, another room
            nurse, nurse_name = rng.choice(_NURSES)
            room, room_name = rng.choice(_ROOMS)
            queue[ref] = _bump(entry, NOW, nurse=nurse, nurse_name=nurse_name, room=room, room_name=room_name)
        elif kind == 6:  # departs
            del queue[ref]
        elif kind == 7:  # a new arrival (this one untouched)
            new = _entry(rng, rows + k, NOW)
            queue[new.ref] = new
        elif kind == 8:  # dropped from the platform's list while still active: the critical alert
            queue[ref] = replace(entry, fate=Fate.DROPPED, in_list=False, left_at=NOW, drop_confirmed=True)
            a = _alert(next_alert, AlertKind.DROPPED_FROM_QUEUE, Severity.CRITICAL, ref, NOW)
            alerts[a.id] = a
            next_alert += 1
        else:  # off to x-ray, past the triage target: a warning
            queue[ref] = _bump(entry, NOW, status=EncounterStatus.ONLEAVE, room="Location/xray", room_name="Røntgen")
            a = _alert(next_alert, AlertKind.TRIAGE_OVERDUE, Severity.WARNING, ref, NOW)
            alerts[a.id] = a
            next_alert += 1
    after = State(queue, alerts)
    pending_start = {chosen[0]: 1}
    pending_after = {chosen[0]: 0, chosen[1]: 2} if len(chosen) > 1 else {}
    pending_after = {r: n for r, n in pending_after.items() if n}
    return Case(rows=rows, start=start, after=after,
                initial=_whole(start, NOW, pending_start),
                forward=_diff(start, after, NOW, pending_after),
                backward=_diff(after, start, NOW, pending_start),
                reload_start=_whole(start, NOW, pending_start),
                reload_after=_whole(after, NOW, pending_after))


# -- the window ---------------------------------------------------------------------------------
def _qt() -> Any:
    """The offscreen application, bokmål and styled as the real one starts."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from legevakt.ui.i18n import install_translator
    from legevakt.ui.style import apply_style

    app = QApplication.instance() or QApplication(["legevakt-bench"])
    install_translator(app, "nb")
    apply_style(app)  # type: ignore[arg-type]
    return app


def _service() -> Any:
    """A stand-in for the application service: the window's signals and no-op commands."""
    from PySide6.QtCore import QObject, Signal

    class BenchService(QObject):
        changed = Signal(object)
        failed = Signal(object)
        journal_loaded = Signal(object)
        ledger_loaded = Signal(object)
        recipients_found = Signal(object)
        demo = False
        user = "Hanne Lie"
        language = "nb"
        practitioner = "Practitioner/hanne-lie"

        def now(self) -> datetime:
            return NOW

        def _ignore(self, *args: object, **kwargs: object) -> None:
            """Commands go nowhere: nothing in the bench clicks."""

        start = stop = acknowledge = resolve = open_journal = submit = load_journal = _ignore
        load_ledger = search_recipients = save_note = sign_note = send_note = _ignore

    return BenchService()


@contextmanager
def _resetting(model: Any) -> Iterator[None]:
    """While active, the queue model takes a summary by resetting (the lower bound's path)."""
    model.apply = model.reload
    try:
        yield
    finally:
        del model.apply


class Bench:
    """One window and one bare model+proxy holding the case, and the ways to feed them."""

    def __init__(self, case: Case) -> None:
        from legevakt.ui.main_window import MainWindow
        from legevakt.ui.queue_model import QueueFilterProxy, QueueModel

        self.app = _qt()
        self.case = case
        self.service = _service()
        self.window = MainWindow(self.service, language="nb", clock=lambda: NOW, tick_ms=3_600_000,
                                 idle_lock_ms=3_600_000)
        self.window.tick_timer.stop()
        self.window.idle_lock.stop()
        self.window.resize(1280, 800)
        self.window.show()
        self.service.changed.emit(case.initial)
        self.app.processEvents()
        keep = next(ref for ref in case.start.queue if ref in case.after.queue
                    and case.start.queue[ref] == case.after.queue[ref])
        self.window.select_ref(keep)  # a nurse has a patient open
        self.app.processEvents()
        self.model = QueueModel(scale=self.window.queue_model.scale, clock=lambda: NOW, language="nb")
        self.proxy = QueueFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.model.apply(case.initial)
        self.resets = 0
        for m in (self.window.queue_model, self.model):
            m.modelReset.connect(self._count_reset)
        self.at_start = True
        self.last_apply_ms = 0.0  # the last window step without its event processing (layout, painting)

    def _count_reset(self) -> None:
        self.resets += 1

    def _step(self) -> ChangeSummary:
        return self.case.forward if self.at_start else self.case.backward

    def window_step(self) -> None:
        """The incremental path: the next summary through the service's signal, events processed."""
        t = time.perf_counter()
        self.service.changed.emit(self._step())
        self.last_apply_ms = (time.perf_counter() - t) * 1000.0
        self._events()
        self.at_start = not self.at_start

    def window_reset(self) -> None:
        """The lower bound: reset the window to the state it holds, reloading the whole list."""
        whole = self.case.reload_start if self.at_start else self.case.reload_after
        with _resetting(self.window.queue_model):
            self.service.changed.emit(whole)
        self._events()

    def _events(self) -> None:
        """What the event loop does next: layout, painting, and deleting the widgets a rebuild dropped
        (``processEvents`` alone leaves ``deleteLater`` to the loop, which a bench does not run)."""
        from PySide6.QtCore import QCoreApplication, QEvent

        self.app.processEvents()
        QCoreApplication.sendPostedEvents(None, int(QEvent.Type.DeferredDelete.value))

    def model_step(self, at_start: bool) -> None:
        self.model.apply(self.case.forward if at_start else self.case.backward)


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000.0


def _rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB, from /proc (0 where it is missing)."""
    found = {"VmRSS": 0.0, "VmHWM": 0.0}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in found:
                    found[key] = int(value.split()[0]) / 1024
    except OSError:  # pragma: no cover - not Linux
        import resource

        found["VmHWM"] = found["VmRSS"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return found["VmRSS"], found["VmHWM"]


def measure(case: Case, repeats: int) -> dict[str, Any]:
    bench = Bench(case)
    window: list[float] = []
    applied: list[float] = []
    resets: list[float] = []
    model: list[float] = []
    bench.window_step()  # warm up both directions of every path
    bench.window_step()
    bench.window_reset()
    bench.model_step(True)
    bench.model_step(False)
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    resets_before = bench.resets
    try:
        for _ in range(repeats):
            for _direction in range(2):
                window.append(_timed(bench.window_step))
                applied.append(bench.last_apply_ms)
                resets.append(_timed(bench.window_reset))
                model.append(_timed(lambda: bench.model_step(True)))
                model.append(_timed(lambda: bench.model_step(False)))
            gc.enable()
            gc.collect()
            gc.disable()
    finally:
        if gc_was_enabled:
            gc.enable()
    rss, peak = _rss_mb()
    window_ms, model_ms, reset_ms = (statistics.median(x) for x in (window, model, resets))
    result: dict[str, Any] = {
        "rows": case.rows,
        "window_median_ms": round(window_ms, 2),
        "model_median_ms": round(model_ms, 2),
        "reset_median_ms": round(reset_ms, 2),
        "ratio": round(window_ms / reset_ms, 3),
        "rss_mb": round(rss, 1),
        "rss_peak_mb": round(peak, 1),
        "window_apply_median_ms": round(statistics.median(applied), 2),  # the summary's slots, before painting
        "repeats": repeats,
        "samples": len(window),
        "changed": len(case.forward.upserted) + len(case.forward.removed),
        "alerts": len(case.forward.alerts),
        "resets_in_steps": bench.resets - resets_before - len(resets),  # resets the incremental path made
        "targets": TARGETS,
    }
    result["meets"] = {key: result[key] <= target for key, target in TARGETS.items()}
    bench.window.close()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m legevakt.bench ui", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--rows", type=int, default=ROWS, help=f"patients in the window (default {ROWS})")
    parser.add_argument("--repeats", type=int, default=7, help="forward+backward rounds timed (default 7)")
    args = parser.parse_args(argv)
    result = measure(build_case(args.rows), max(1, args.repeats))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"rows {result['rows']:,}, change set {result['changed']} entries and {result['alerts']} alerts, "
          f"{result['samples']} samples each")
    for key, label in (("window_median_ms", "window, incremental"), ("model_median_ms", "model + proxy alone"),
                       ("reset_median_ms", "window, reset and reload"), ("ratio", "ratio window / reset"),
                       ("rss_mb", "resident memory MB")):
        target = TARGETS.get(key)
        verdict = "" if target is None else f"  (target <= {target:g}: {'ok' if result['meets'][key] else 'NOT MET'})"
        print(f"  {label:<26} {result[key]:>10}{verdict}")
    return 0
