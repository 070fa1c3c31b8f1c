"""Qt item data roles as plain ints, for the models' hot ``data()`` paths (one place, not one per model)."""

from __future__ import annotations

from PySide6.QtCore import Qt

USER = int(Qt.ItemDataRole.UserRole.value)
DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
FONT = int(Qt.ItemDataRole.FontRole.value)
ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole.value)
