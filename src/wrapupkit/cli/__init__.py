"""The ``wrapupkit`` command: apply a wrap-up, list a queue's codes, run a bulk CSV, serve the emulator.

Credentials come from the ``GENESYSCLOUD_*`` environment (see
:meth:`~wrapupkit.WrapupClient.from_env`).  Results go to stdout (JSON with
``--json``); messages and errors go to stderr.  The exit status says what went
wrong (see :data:`EXIT_CODES`).  Secrets and notes are never printed.

``wrapupkit --help`` answers without importing the Genesys SDK: every import
beyond the exception tree happens inside the command that needs it.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from wrapupkit.cli._common import EXIT_CODES, exit_code_for
from wrapupkit.cli._main import build_parser, main


__all__ = ["EXIT_CODES", "build_parser", "exit_code_for", "main"]
