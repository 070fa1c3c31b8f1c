"""The worker's journal commands report what they changed like a sync step (the window's ledger and banner
learn a resend at once, not only from the next cycle's summary)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from legevakt.app.journal import JournalPage
from legevakt.app.runtime import Runtime
from legevakt.app.settings import load
from legevakt.app.summary import ChangeSummary
from legevakt.app.worker import InlineExecutor, SyncWorker
from legevakt.journal.model import DeliveryState
from legevakt.problems import Problem
from legevakt.sim import SimServer
from legevakt.worklist.models import AlertKind, AlertStatus

DOCTOR = "Practitioner/doc-worker-1"


def test_a_resend_from_the_window_reports_both_attempts_and_the_resolved_alert(
        make_sim: Callable[..., SimServer], tmp_path: Path) -> None:
    sim = make_sim(seed=11, initial_patients=3)
    sim.faults.apply({"transport_delay_seconds": 0, "receipt_delay_seconds": 0, "receipt_mode": "reject"})
    settings = load(tmp_path / "none.toml", {"platform": sim.base_url, "location": sim.clinic_ref,
                                             "data_dir": str(tmp_path / "data")})
    runtime = Runtime.open(settings)
    summaries: list[ChangeSummary] = []
    pages: list[object] = []
    failures: list[Problem] = []
    worker = SyncWorker(runtime, on_changed=summaries.append, on_failed=failures.append, on_journal=pages.append,
                        executor=InlineExecutor())
    try:
        worker.sync_once()
        encounter = sorted(runtime.engine.state.entries)[0]
        worker.save_note(encounter, DOCTOR, "Henvisning til fastlege")
        worker.run_pending()
        page = pages[-1]
        assert isinstance(page, JournalPage) and len(page.notes) == 1
        note = page.notes[0]
        worker.sign_note(encounter, note.identifier, DOCTOR)
        worker.send_note(encounter, note.identifier, DOCTOR)
        worker.run_pending()
        for _ in range(3):
            sim.recipients.pump()
        worker.sync_once()
        (first,) = runtime.store.deliveries()
        assert first.state is DeliveryState.REJECTED
        (alert,) = [a for a in runtime.engine.state.alerts.values() if a.kind is AlertKind.NOTE_REJECTED]

        sim.faults.apply({"receipt_mode": "ok"})
        summaries.clear()
        worker.send_note(encounter, note.identifier, DOCTOR, to=first.recipient)  # "Send på nytt"
        worker.run_pending()
        during = {d.identifier: d for s in summaries for d in s.deliveries}  # from the command alone
        assert during[first.identifier].resent_as is not None
        for _ in range(3):
            sim.recipients.pump()
        worker.sync_once()
        reported = {d.identifier: d for s in summaries for d in s.deliveries}
        assert failures == []
        resend = next(d for d in runtime.store.deliveries() if d.identifier != first.identifier)
        assert resend.state is DeliveryState.RECEIPTED
        assert reported[first.identifier].resent_as == resend.communication
        assert reported[resend.identifier].state is DeliveryState.RECEIPTED
        resolved = [a for s in summaries for a in s.alerts if a.id == alert.id]
        assert resolved and resolved[-1].status is AlertStatus.RESOLVED
    finally:
        worker.stop()
        runtime.close()
