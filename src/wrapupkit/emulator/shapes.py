"""Conversation shapes for tests: the builder (`Shape`, `Leg`, `Comm`) and ready-made shapes.

::

    from wrapupkit.emulator import Emulator, shapes

    with Emulator() as emu:
        handle = emu.add_shape(shapes.reoffer(ada, queue, offers=3, answered=0))
        first, *unanswered = handle.legs_of(ada)

See docs/emulator.md ("Conversation shapes") for each shape's source and the leg order.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from wrapupkit.emulator.conversations.library import (
    blind_transfer,
    callback_dial,
    conference,
    consult_transfer,
    direct_call,
    outbound,
    reoffer,
    transfer_back,
)
from wrapupkit.emulator.conversations.shapes import Comm, Leg, Shape


__all__ = [
    "Comm",
    "Leg",
    "Shape",
    "blind_transfer",
    "callback_dial",
    "conference",
    "consult_transfer",
    "direct_call",
    "outbound",
    "reoffer",
    "transfer_back",
]
