"""Starting the window: the QApplication, translator, style, the main window (or the wall board) and the
service."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from legevakt.app.summary import ChangeSummary
from legevakt.ui.i18n import TranslationMissingError, install_translator
from legevakt.ui.main_window import MainWindow, UiService
from legevakt.ui.style import apply_style
from legevakt.ui.wallboard import SCREEN_SIZE, Wallboard, WallService

log = logging.getLogger("legevakt.ui")

WINDOW_SIZE = (1400, 850)
FIRST_SYNC_TIMEOUT_S = 20.0
PAINT_SETTLE_MS = 300


def application() -> QApplication:
    """The running QApplication, or a new one."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Legevakt")
    app.setOrganizationName("Legevakt")
    app.setApplicationDisplayName("Legevakt")
    return app


def run_window(service: UiService, *, screenshot: str | None = None, language: str = "nb",
               first_sync_timeout_s: float = FIRST_SYNC_TIMEOUT_S) -> int:
    """Show the main window for ``service`` and run until it closes; returns the exit code.

    With ``screenshot``: wait for the first complete change summary (or the timeout), let the widgets
    paint, save ``window.grab()`` to that path and return 0 (2 when no complete summary came in time).
    ``service.stop()`` is called on the way out either way.
    """
    app = application()
    try:
        install_translator(app, language)
    except TranslationMissingError as exc:
        # A broken install, not a user error: say what to run instead of a traceback.
        log.error("translations not installed: %s", exc)
        print(f"legevakt: {exc}", file=sys.stderr)  # noqa: T201 - before any window exists
        service.stop()
        return 1
    apply_style(app)
    if screenshot is None:
        from legevakt.ui.signin import sign_in
        session = sign_in()  # name, HPR number, role, PIN: before any patient is shown
        if session is None:
            service.stop()
            return 0
        if hasattr(service, "sign_in"):
            service.sign_in(session)
    else:
        from legevakt.ui.screenshots import demo_sign_in
        demo_sign_in(service)
    window = MainWindow(service, language=language)
    if screenshot is not None:
        window.idle_lock.confirm = None
    window.resize(*WINDOW_SIZE)
    window.show()
    try:
        if screenshot is None:
            service.start()
            return int(app.exec())
        return _screenshot(app, window, service, Path(screenshot), first_sync_timeout_s)
    finally:
        service.stop()
        window.close()


def run_wallboard(service: WallService, *, screenshot: str | None = None, language: str = "nb",
                  first_sync_timeout_s: float = FIRST_SYNC_TIMEOUT_S) -> int:
    """Show the wall board full screen for ``service`` and run until it closes (Ctrl+Q); the exit code.

    With ``screenshot``: render it at a full-HD corridor screen's size once the first complete summary is
    in, as ``run_window`` does for the window (same exit codes).
    """
    app = application()
    try:
        install_translator(app, language)
    except TranslationMissingError as exc:
        log.error("translations not installed: %s", exc)
        print(f"legevakt: {exc}", file=sys.stderr)  # noqa: T201 - before any window exists
        service.stop()
        return 1
    apply_style(app)
    board = Wallboard(service, language=language)
    if screenshot is None:
        board.showFullScreen()
    else:
        board.resize(*SCREEN_SIZE)
        board.show()
    try:
        if screenshot is None:
            service.start()
            return int(app.exec())
        return _screenshot(app, board, service, Path(screenshot), first_sync_timeout_s)
    finally:
        service.stop()
        board.close()


def _screenshot(app: QApplication, window: QWidget, service: WallService, path: Path, timeout_s: float) -> int:
    loop = QEventLoop()
    seen = {"complete": False}

    def on_changed(summary: ChangeSummary) -> None:
        if summary.complete and not seen["complete"]:
            seen["complete"] = True
            loop.quit()

    service.changed.connect(on_changed)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    try:
        service.start()
        if not seen["complete"]:
            timer.start(int(timeout_s * 1000))
            loop.exec()
    finally:
        timer.stop()
        service.changed.disconnect(on_changed)
    if not seen["complete"]:
        log.warning("no complete snapshot within %.0f s; saving the screenshot anyway", timeout_s)
    settle(app, PAINT_SETTLE_MS)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        log.error("could not save the screenshot to %s", path)
        return 1
    log.info("screenshot saved to %s", path)
    return 0 if seen["complete"] else 2


def settle(app: QApplication, ms: int) -> None:
    """Process events for ``ms`` milliseconds so layouts and paints finish."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    app.processEvents()
