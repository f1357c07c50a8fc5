"""A local Genesys Cloud for tests: moto for the wrap-up APIs.

::

    from wrapupkit.emulator import Emulator

    with Emulator() as emu:
        code = emu.add_code("Sale")
        queue = emu.add_queue("Support", codes=[code])
        user = emu.add_user("Ada")
        conv = emu.add_conversation(user_id=user, queue_id=queue)
        # point PureCloudPlatformClientV2.ApiClient(host=emu.url) at it

Importing this package never imports ``PureCloudPlatformClientV2``: the emulator writes the JSON
itself (see docs/emulator.md for the supported endpoints and modelled behaviours).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from wrapupkit.emulator._emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator
from wrapupkit.emulator.conversations.handles import CommHandle, ConversationHandle, LegHandle, ShapeHandle
from wrapupkit.emulator.conversations.shapes import Comm, Leg, Shape
from wrapupkit.emulator.core.errors import EmulatorError
from wrapupkit.emulator.core.faults import RecordedRequest
from wrapupkit.emulator.core.rules import Rules
from wrapupkit.emulator.routing.models import TIMEOUT_CODE


__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "TIMEOUT_CODE",
    "Comm",
    "CommHandle",
    "ConversationHandle",
    "Emulator",
    "EmulatorError",
    "Leg",
    "LegHandle",
    "RecordedRequest",
    "Rules",
    "Shape",
    "ShapeHandle",
]
