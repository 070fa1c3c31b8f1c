"""The look: a calm clinical palette, the standard triage colours, and the application style sheet."""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication

from legevakt.ui.paths import resources_dir
from legevakt.worklist.triage import TriageLevel

log = logging.getLogger("legevakt.ui")

# Triage colours (standard) and the text colour that reads on each.
TRIAGE_COLOURS: dict[str, str] = {
    "red": "#d32f2f",
    "orange": "#f57c00",
    "yellow": "#fbc02d",
    "green": "#388e3c",
    "blue": "#1976d2",
}
_DARK_TEXT = "#1b1f24"
_LIGHT_TEXT = "#ffffff"
UNTRIAGED_COLOUR = "#eceff1"
UNTRIAGED_TEXT = "#37474f"

# The calm palette.
INK = "#1f2933"
MUTED = "#616e7c"
SURFACE = "#ffffff"
WINDOW = "#f3f5f8"
LINE = "#dde3ea"
ACCENT = "#1565c0"

# States.
CRITICAL_BG = "#c62828"  # dropped rows, critical banner
CRITICAL_FG = "#ffffff"
CRITICAL_SOFT_BG = "#ffebee"  # waiting past twice the target
CRITICAL_SOFT_FG = "#b71c1c"
WARNING_BG = "#ffe0b2"  # waiting past the target, amber banner
WARNING_FG = "#7a4100"
WARNING_STRONG = "#ef6c00"
OK_FG = "#2e7d32"


def triage_colour(level: TriageLevel | None) -> QColor:
    if level is None:
        return QColor(UNTRIAGED_COLOUR)
    return QColor(TRIAGE_COLOURS.get(level.colour, level.colour))


def triage_text_colour(level: TriageLevel | None) -> QColor:
    """White or near-black text for the level's colour (WCAG relative luminance)."""
    if level is None:
        return QColor(UNTRIAGED_TEXT)
    bg = triage_colour(level)

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * channel(bg.redF()) + 0.7152 * channel(bg.greenF()) + 0.0722 * channel(bg.blueF())
    contrast_white = 1.05 / (lum + 0.05)
    # White where it reads (red, green, blue: bold text at >= 4:1), dark on orange and yellow.
    return QColor(_LIGHT_TEXT if contrast_white >= 4.0 else _DARK_TEXT)


def triage_swatch(level: TriageLevel | None, size: int = 14) -> QIcon:
    """A small square in the level's colour, for menus (the level's name always stands beside it)."""
    pix = QPixmap(size, size)
    pix.fill(triage_colour(level))
    return QIcon(pix)


@cache
def alert_icon(critical: bool, size: int = 16) -> QIcon:
    """A filled circle with an exclamation mark: red for critical, amber for warnings."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    ring = QPen(QColor("#ffffff"))
    ring.setWidthF(1.5)
    p.setPen(ring)  # a white ring keeps the icon visible on a red (dropped) row
    p.setBrush(QColor(CRITICAL_BG if critical else WARNING_STRONG))
    p.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(size * 0.75))
    p.setFont(font)
    p.setPen(QColor("#ffffff"))
    p.drawText(QRectF(0, 0, size, size), int(Qt.AlignmentFlag.AlignCenter), "!")
    p.end()
    return QIcon(pix)


def style_sheet() -> str:
    path = resources_dir() / "styles" / "legevakt.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        log.warning("style sheet not found (%s); using the platform look", exc)
        return ""


def apply_style(app: QApplication) -> None:
    """Fusion (the same on every platform), a readable base font, and the application style sheet."""
    app.setStyle("Fusion")
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
        app.setFont(font)
    app.setStyleSheet(style_sheet())
