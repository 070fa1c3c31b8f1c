"""PySide6 widgets and Qt models: renders change summaries from the application service, sends commands.

No network, no SQL and no file writes (other than the translation cache and a requested screenshot)
happen here. Everything the UI knows arrives as an immutable ``ChangeSummary`` on the GUI thread.
"""

from legevakt.ui.qtcompat import guard_singletons

# Before any widget exists: see qtcompat (PySide6 6.12 loses references to None/True on CPython 3.11).
guard_singletons()
