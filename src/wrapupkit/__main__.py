"""``python -m wrapupkit``: the same command as ``wrapupkit`` (see :mod:`wrapupkit.cli`)."""

from __future__ import annotations

import sys

from wrapupkit.cli import main


if __name__ == "__main__":
    sys.exit(main())
