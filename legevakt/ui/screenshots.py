"""``legevakt --screenshot DIR``: the review set of screenshots, staged on the demo platform.

The real window (bokmål) on a real service against the embedded demo platform; after the first complete
sync each scene is staged with the platform's knobs (a patient dropped from the queue List, many dropped
at once, ...) or through the window's own panels, waited for (each wait with a timeout) and saved. A scene
that cannot be staged is named in the output and the run ends with exit code 2; it never hangs.

The UI may not import the simulator: the command line hands in a ``DemoPlatform`` (the List's items and a
way to drop some of them in one go) and a factory for services.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from legevakt.app.summary import ChangeSummary
from legevakt.journal.model import DeliveryState, NoteStatus
from legevakt.ui.i18n import TranslationMissingError, install_translator
from legevakt.ui.launch import PAINT_SETTLE_MS, WINDOW_SIZE, application, settle
from legevakt.ui.main_window import MainWindow, UiService
from legevakt.ui.style import apply_style
from legevakt.ui.wallboard import SCREEN_SIZE, Wallboard
from legevakt.worklist.models import AlertKind, AlertStatus

log = logging.getLogger("legevakt.ui")

FIRST_SYNC_TIMEOUT_S = 30.0
SCENE_TIMEOUT_S = 20.0
JOURNAL_TIMEOUT_S = 30.0  # save, sign, send and the recipient's receipt
MASS_SHARE = 0.4  # share of the queue dropped at once (the rule needs more than 30 % and more than 5)
MASS_MIN = 6
POLL_MS = 50
NOTE_TEXT = ("Kontrollert etter fall. Ingen nevrologiske utfall, CT caput uten funn. "
             "Utskrevet til hjemmet med råd om tilsyn i natt.")

#: Screens of the review set that do not exist yet: file name and the issue 9 item that adds it.
MISSING: tuple[tuple[str, str], ...] = ()
TROUBLE_SHOT = "02b-journal-rejected.png"
GONE_RECIPIENT = "Practitioner/sluttet-lege"  # a GP the platform no longer has: the recipient answers E21
TROUBLE_TEXTS = ("Kontroll av sår på hånd. Sydd med fire sting, fjernes hos fastlege om ti dager.",
                 "Vurdert for hodepine og oppkast. Ingen nakkestivhet, normal nevrologisk status. Hjem med råd.")


class DemoPlatform(Protocol):
    """The demo platform's knobs the scenes use (the command line adapts the simulator to this)."""

    def queue(self) -> list[str]:
        """Encounter refs in the queue List, in List order."""
        ...

    def drop(self, refs: Sequence[str]) -> None:
        """Remove these entries from the List at once (one platform change), the encounters left active."""
        ...

    def restore(self, refs: Sequence[str]) -> None:
        """Put these entries back in the List."""
        ...


class ReceiptKnob(Protocol):
    """Optional on a ``DemoPlatform``: the recipients' systems stop answering (no application receipts)
    while ``on``, so a note sent meanwhile goes past its deadline (for ``02b-journal-rejected.png``)."""

    def silence_receipts(self, on: bool) -> None: ...


@dataclass
class ShotReport:
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file name, why)

    @property
    def exit_code(self) -> int:
        return 2 if self.failed else 0


def wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop until ``condition()`` holds or ``timeout_s`` passes; whether it held."""
    if condition():
        return True
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(POLL_MS)
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(int(timeout_s * 1000))
    try:
        loop.exec()
    finally:
        poll.stop()
        deadline.stop()
    return condition()


class _Scenes:
    def __init__(self, app: QApplication, directory: Path, platform: DemoPlatform,
                 echo: Callable[[str], None], timeout_s: float) -> None:
        self.app = app
        self.directory = directory
        self.platform = platform
        self.echo = echo
        self.timeout_s = timeout_s
        self.report = ShotReport()
        self.dropped: list[str] = []

    def drop(self, refs: Sequence[str]) -> None:
        self.platform.drop(refs)
        self.dropped.extend(refs)

    def save(self, widget: QWidget, name: str) -> None:
        settle(self.app, PAINT_SETTLE_MS)
        path = self.directory / name
        if widget.grab().save(str(path)):
            self.report.written.append(path)
            self.echo(f"wrote {path}")
        else:
            self.fail(name, "the picture could not be saved")

    def fail(self, name: str, why: str) -> None:
        self.report.failed.append((name, why))
        self.echo(f"not staged: {name}: {why}")
        log.warning("screenshot scene %s not staged: %s", name, why)

    def scene(self, name: str, staged: bool, why: str, widget: QWidget) -> None:
        """Save ``widget`` as ``name`` when the scene was staged; otherwise report it (no picture)."""
        if staged:
            self.save(widget, name)
        else:
            self.fail(name, why)


def _listed_rows(window: MainWindow, platform: DemoPlatform) -> list[str]:
    """The List's entries the window shows (in List order)."""
    return [ref for ref in platform.queue() if window.queue_model.entry(ref) is not None]


def _open_alert(window: MainWindow, kind: AlertKind, encounter: str | None = None) -> bool:
    return any(a.kind is kind and a.status is AlertStatus.OPEN and (encounter is None or a.encounter == encounter)
               for a in window.alerts_model.ordered())


def _first_sync(service: UiService, timeout_s: float) -> bool:
    seen = {"complete": False}

    def on_changed(summary: ChangeSummary) -> None:
        if summary.complete:
            seen["complete"] = True

    service.changed.connect(on_changed)
    try:
        service.start()
        return wait_until(lambda: seen["complete"], timeout_s)
    finally:
        service.changed.disconnect(on_changed)


def run_screenshots(directory: Path, platform: DemoPlatform, make_service: Callable[[str], UiService], *,
                    echo: Callable[[str], None], timeout_s: float = SCENE_TIMEOUT_S,
                    first_sync_timeout_s: float = FIRST_SYNC_TIMEOUT_S,
                    late_service: Callable[[str], UiService] | None = None) -> int:
    """Write the review set into ``directory`` (created); one ``echo`` line per file. Exit code 0, or 2 when
    a scene could not be staged (1: no translations installed). ``late_service``: a fresh service on the
    same platform whose notes' receipt deadline is short (seconds), for the journal's trouble scene (with
    the platform's ``silence_receipts``); without either that screen is listed in ``MISSING.txt``."""
    app = application()
    try:
        install_translator(app, "nb")
    except TranslationMissingError as exc:
        log.error("translations not installed: %s", exc)
        echo(f"legevakt: {exc}")
        return 1
    apply_style(app)
    directory.mkdir(parents=True, exist_ok=True)
    shots = _Scenes(app, directory, platform, echo, timeout_s)

    service = make_service("nb")
    window = _unattended_window(service, "nb")
    board = Wallboard(service, language="nb")  # fed by the same service from the first summary on
    board.resize(*SCREEN_SIZE)
    window.show()
    try:
        if not _first_sync(service, first_sync_timeout_s):
            shots.fail("01-main-dropped.png", f"no complete sync within {first_sync_timeout_s:.0f} s")
            shots.fail("(the rest)", "not attempted without a first sync")
        else:
            _bokmaal_scenes(shots, window, board)
    finally:
        board.close()
        window.alerts_panel.hide()
        window.shift_lead_view.hide()
        window.close()
        service.stop()

    _english_scene(shots, make_service, first_sync_timeout_s)
    _trouble_scene(shots, late_service, first_sync_timeout_s)
    _write_missing(shots)
    return shots.report.exit_code


def _bokmaal_scenes(shots: _Scenes, window: MainWindow, board: Wallboard) -> None:
    platform, timeout = shots.platform, shots.timeout_s
    # 01: one patient dropped from the List; the banner says so, and the patient is selected.
    listed = _listed_rows(window, platform)
    if not listed:
        shots.fail("01-main-dropped.png", "the queue is empty")
        return
    dropped = listed[len(listed) // 2]
    shots.drop([dropped])
    ok = wait_until(lambda: _open_alert(window, AlertKind.DROPPED_FROM_QUEUE, dropped)
                    and window.banner.is_critical(), timeout)
    if ok:
        window.select_ref(dropped)
    shots.scene("01-main-dropped.png", ok, f"no drop alert within {timeout:.0f} s", window)

    # 02: a note written, signed and sent to the GP through the panel, until receipted.
    ok, why = _journal(window, platform)
    shots.scene("02-journal.png", ok, why, window)

    # 03: Varsler > Alle varsler…
    window.open_alerts()
    panel = window.alerts_panel
    ok = wait_until(lambda: panel.isVisible() and panel.proxy.rowCount() > 0, timeout)
    shots.scene("03-alerts-panel.png", ok, "the alerts panel listed nothing", panel)
    panel.hide()

    # 04: more than 30 % of the queue dropped at once.
    window.table.selectionModel().clear()
    listed = _listed_rows(window, platform)
    count = max(MASS_MIN, math.ceil(MASS_SHARE * len(listed)))
    if len(listed) - count < 2:
        shots.fail("04-mass-departure.png", f"the queue is too short ({len(listed)}) for a mass departure")
    else:
        shots.drop(listed[:count])
        ok = wait_until(lambda: _open_alert(window, AlertKind.MASS_DEPARTURE), timeout)
        shots.scene("04-mass-departure.png", ok, f"no mass-departure alert within {timeout:.0f} s", window)

    # 05: Vakt > Vaktleders oversikt.
    window.shift_lead_action.trigger()
    lead = window.shift_lead_view
    ok = wait_until(lead.isVisible, timeout)
    shots.scene("05-shift-lead.png", ok, "the shift-lead view did not open", lead)
    lead.hide()

    # 06: the wall board, fed by the same service.
    board.show()
    ok = wait_until(lambda: board.isVisible() and board.model.rowCount() > 0, timeout)
    shots.scene("06-wallboard.png", ok, "the wall board shows no patients", board)
    board.hide()

    # 07: locked, then a new critical alert (another patient dropped) while locked.
    window.idle_lock.lock()
    remaining = _listed_rows(window, platform)
    if not window.locked or not remaining:
        shots.fail("07-lock.png", "the window did not lock" if not window.locked else "nobody left to drop")
    else:
        shots.drop([remaining[-1]])
        ok = wait_until(lambda: not window.lock_page.live.isHidden(), timeout)
        shots.scene("07-lock.png", ok, f"no new critical alert on the lock screen within {timeout:.0f} s", window)
    window.idle_lock.unlock()

    # 09: Verktøy > Innstillinger… on the service's config file (shown, never saved).
    dialog = window.open_settings()
    ok = dialog is not None and wait_until(dialog.isVisible, timeout)
    if dialog is not None:
        dialog.resize(dialog.sizeHint())
        shots.scene("09-settings.png", ok, "the settings dialog did not open", dialog)
        dialog.reject()
    else:
        shots.fail("09-settings.png", "the service names no config file")

    # 08: the sign-in dialog as a nurse fills it in (never submitted: nothing is stored).
    from legevakt.ui.signin import SignInDialog
    sign = SignInDialog(window)
    sign.name.setText("Kari Nordmann")
    sign.hpr.setText("12a4567")
    sign.role.setCurrentIndex(0)
    sign.pin.setText("0000")
    sign.pin_again.setText("0000")
    sign.try_sign_in()  # shows the HPR format error; a well-formed number would sign in
    sign.show()
    sign.resize(sign.sizeHint())
    shots.scene("08-sign-in.png", wait_until(sign.isVisible, timeout), "the sign-in dialog did not open", sign)
    sign.reject()


def _journal(window: MainWindow, platform: DemoPlatform) -> tuple[bool, str]:
    """Select a listed patient, then write, save, sign and send a note to the GP in the panel and wait for
    the receipt; (done, why not)."""
    panel = window.journal
    candidates = _listed_rows(window, platform)
    if not candidates:
        return False, "nobody in the queue to write about"
    target = candidates[0]
    if not window.select_ref(target):
        return False, "the patient could not be selected"

    def write() -> None:
        panel.editor.setPlainText(NOTE_TEXT)
        panel.save()

    steps: list[tuple[str, Callable[[], None], Callable[[], bool]]] = [
        ("the journal did not load", lambda: None, lambda: panel.page is not None and not panel.busy),
        ("the note was not saved", write,
         lambda: (n := panel.current_note()) is not None and n.ref is not None and not panel.busy),
        ("the note was not signed", panel.sign,
         lambda: (n := panel.current_note()) is not None and n.status is NoteStatus.FINAL and not panel.busy),
        ("the note was not receipted", panel.send_to_gp,
         lambda: any(r.delivery.state is DeliveryState.RECEIPTED for c in panel.cards for r in c.rows)),
    ]
    for why, act, done in steps:
        act()
        if not wait_until(done, JOURNAL_TIMEOUT_S):
            return False, f"{why} within {JOURNAL_TIMEOUT_S:.0f} s"
    return True, ""


def _trouble_scene(shots: _Scenes, late_service: Callable[[str], UiService] | None, timeout_s: float) -> None:
    """02b: the journal when sending goes wrong: one note rejected by its recipient (a GP the platform no
    longer has: E21), one sent while the recipients do not answer and gone past its deadline; both offer
    "Send på nytt". Staged only when the caller hands in both knobs (said in the output when not)."""
    silence = getattr(shots.platform, "silence_receipts", None)
    if late_service is None or not callable(silence):
        shots.echo(f"skipped: {TROUBLE_SHOT}: needs a service with a short receipt deadline (late_service) "
                   "and the platform's silence_receipts")
        return
    service = late_service("nb")
    window = _unattended_window(service, "nb")
    window.show()
    try:
        ok = _first_sync(service, timeout_s)
        why = f"no complete sync within {timeout_s:.0f} s"
        if ok:
            ok, why = _journal_trouble(shots.app, window, shots.platform, silence)
        shots.scene(TROUBLE_SHOT, ok, why, window)
    finally:
        silence(False)
        window.close()
        service.stop()


def _journal_trouble(app: QApplication, window: MainWindow, platform: DemoPlatform,
                     silence: Callable[[bool], None]) -> tuple[bool, str]:
    panel = window.journal
    candidates = _listed_rows(window, platform)
    if not candidates:
        return False, "nobody in the queue to write about"
    target = candidates[min(1, len(candidates) - 1)]
    if not window.select_ref(target):
        return False, "the patient could not be selected"

    def delivered(state: DeliveryState) -> Callable[[], bool]:
        def check() -> bool:
            note = panel.current_note()
            return note is not None and not panel.busy and any(
                d.state is state for d in panel.deliveries_of(note))
        return check

    def write(text: str) -> list[tuple[str, Callable[[], None], Callable[[], bool]]]:
        def type_it() -> None:
            panel.new_note()
            panel.editor.setPlainText(text)
            panel.save()
        return [("the note was not saved", type_it,
                 lambda: (n := panel.current_note()) is not None and n.ref is not None and not panel.busy),
                ("the note was not signed", panel.sign,
                 lambda: (n := panel.current_note()) is not None and n.status is NoteStatus.FINAL and not panel.busy)]

    def send_to_gone() -> None:
        note = panel.current_note()
        if note is not None and panel.encounter is not None:
            panel.service.send_note(panel.encounter, note.identifier, GONE_RECIPIENT)

    def send_unanswered() -> None:
        silence(True)  # the GP's system does not answer: the deadline passes
        panel.send_to_gp()

    steps: list[tuple[str, Callable[[], None], Callable[[], bool]]] = [
        ("the journal did not load", lambda: None, lambda: panel.page is not None and not panel.busy),
        *write(TROUBLE_TEXTS[0]),
        ("the note to a GP the platform does not have was not rejected", send_to_gone,
         delivered(DeliveryState.REJECTED)),
        *write(TROUBLE_TEXTS[1]),
        ("the note sent while nobody answers did not go past its deadline",
         send_unanswered, delivered(DeliveryState.OVERDUE)),
    ]
    for why, act, done in steps:
        act()
        if not wait_until(done, JOURNAL_TIMEOUT_S):
            return False, f"{why} within {JOURNAL_TIMEOUT_S:.0f} s"
    silence(False)
    # The overdue note stays open (its state and "Send på nytt" under the editor); the list shows the
    # rejected one's delivery with the recipient's reason and its own "Send på nytt".
    window.table.setFocus()
    rejected = next((r for c in panel.cards for r in c.rows if r.delivery.state is DeliveryState.REJECTED), None)
    if rejected is None:
        return False, "the rejected note is not in the list"
    settle(app, PAINT_SETTLE_MS)  # laid out before it is scrolled to
    panel.notes_scroll.ensureWidgetVisible(rejected, 0, 8)
    return True, ""


def demo_sign_in(service: object) -> None:
    """The unattended paths (screenshots, the demo's single shot) sign in the demo shift lead, who sees
    every screen; no PIN is stored."""
    from legevakt.app.signin import DEMO_SESSION
    sign_in = getattr(service, "sign_in", None)
    if callable(sign_in):
        sign_in(DEMO_SESSION)


def _unattended_window(service: UiService, language: str) -> MainWindow:
    """The demo user signed in and the main window built for ``language`` at the review size, with no PIN
    prompt behind the lock (the review set runs unattended); not shown yet."""
    demo_sign_in(service)
    window = MainWindow(service, language=language)
    window.idle_lock.confirm = None
    window.resize(*WINDOW_SIZE)
    return window


def _english_scene(shots: _Scenes, make_service: Callable[[str], UiService], timeout_s: float) -> None:
    """10: the main window in English: a second start with language en on the same platform, the patients
    dropped for the scenes before back in the List (a fresh client would list them as not in the queue)."""
    shots.platform.restore(shots.dropped)
    install_translator(shots.app, "en")
    service = make_service("en")
    window = _unattended_window(service, "en")
    window.show()
    try:
        ok = _first_sync(service, timeout_s)
        entry = window.proxy.entry_at(min(2, window.proxy.rowCount() - 1)) if ok else None
        if entry is not None:
            window.select_ref(entry.ref)
        shots.scene("10-main-english.png", ok, f"no complete sync within {timeout_s:.0f} s", window)
    finally:
        window.close()
        service.stop()
        install_translator(shots.app, "nb")


def _write_missing(shots: _Scenes) -> None:
    path = shots.directory / "MISSING.txt"
    path.write_text("".join(f"{name}: {why}\n" for name, why in MISSING), encoding="utf-8")
    shots.echo(f"wrote {path}")
    for name, why in MISSING:
        shots.echo(f"missing: {name}: {why}")
