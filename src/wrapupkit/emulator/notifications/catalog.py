"""Every notification topic template the Genesys SDK maps, with its event model class.

Source: ``notificationMappings.json`` of MyPureCloud/platform-client-sdk-python (257.1.0), kept in
``topics.json`` beside this module; every class listed exists in the installed SDK 269
(tests/emulator/test_emu_notify_topics.py checks it).  A channel may subscribe to any of these; the
emulator publishes events on a few of them (docs/emulator.md).
"""

from __future__ import annotations

import json
from importlib import resources


__all__ = ["TOPICS"]


def _load() -> tuple[tuple[str, str], ...]:
    text = resources.files(__package__).joinpath("topics.json").read_text(encoding="utf-8")
    topics: dict[str, str] = json.loads(text)["topics"]
    return tuple(sorted(topics.items()))


TOPICS: tuple[tuple[str, str], ...] = _load()
"""``(template, SDK event model class)`` pairs, sorted by template."""
