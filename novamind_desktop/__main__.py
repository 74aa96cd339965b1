"""`python -m novamind_desktop`: the same program as the `novamind-desktop` console script."""

import sys

from novamind_desktop.cli import main

sys.exit(main())
