"""``python -m wrapupkit.emulator``: serve a standalone emulator until Ctrl-C."""

from __future__ import annotations

import sys

from wrapupkit.emulator._cli import main


if __name__ == "__main__":
    sys.exit(main())
