"""Launch NOVAMIND Desktop (same as the `novamind-desktop` console script)."""

import sys

from novamind_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
