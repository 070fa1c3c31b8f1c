"""The bundle's entry point: the ``legevakt`` console script (``legevakt.cli:main``), frozen by PyInstaller.

A file of its own (not ``legevakt/cli/__main__.py``): PyInstaller puts the entry script's directory on the
module search path, and the command modules there (``sync``, ``report``, ...) must not become top-level
modules of the bundle.
"""

import sys

from legevakt.cli import main

if __name__ == "__main__":
    sys.exit(main())
