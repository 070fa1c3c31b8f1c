import sys

from legevakt.cli import main

sys.exit(main())
