"""``python -m bekostiging``: see :mod:`bekostiging.cli`."""

import sys

from bekostiging.cli import main

if __name__ == "__main__":
    sys.exit(main())
