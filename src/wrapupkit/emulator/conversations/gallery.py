"""The shapes of docs/which-leg.md, each played on a fake clock to one telling moment.

The docs build draws each entry's conversation (``docs/conf.py``), and the timeline tests render
every one, so the pictures come from the same shapes as the emulator's tests and cannot drift
from them.  An entry names who is meant (``user_id``) when the rule needs one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs

from wrapupkit.emulator.conversations import library
from wrapupkit.emulator.conversations.shapes import Leg, Shape


__all__ = ["GALLERY", "Cast", "Picture", "play_gallery"]


@attrs.frozen
class Cast:
    """The users, queues and code a gallery shape is built from."""

    ada: str = "ada"
    bob: str = "bob"
    cy: str = "cy"
    sales: str = "sales"
    billing: str = "billing"
    code: str = "resolved"


@attrs.frozen
class Picture:
    """One entry: *build* makes the shape from a :class:`Cast`; *at* is the moment shown
    (seconds after creation; None: one second after the last step); *who* names the user meant
    (``"ada"`` ...), None: no ``user_id``."""

    slug: str
    title: str
    build: Callable[[Cast], Shape]
    at: float | None = None
    who: str | None = None


def _one_call(c: Cast) -> Shape:
    return Shape(legs=(Leg.customer(disconnect=32), Leg.acd(c.sales),
                       Leg.agent(c.ada, c.sales, connect=2, disconnect=32)))  # fmt: skip


def _wrapped(shape: Shape, index: int, code: str) -> Shape:
    legs = list(shape.legs)
    legs[index] = attrs.evolve(legs[index], ui_wrapup=(3.0, code))
    return attrs.evolve(shape, legs=tuple(legs))


GALLERY: tuple[Picture, ...] = (
    Picture("one-call", "One call, one agent", _one_call),
    Picture("reoffer-answered", "Re-offer after an alert timeout, answered on the third offer",
            lambda c: library.reoffer(c.ada, c.sales, offers=3, answered=2)),
    Picture("reoffer-wrapped", "Re-offer: the answered leg wrapped up, a later offer unanswered",
            lambda c: _wrapped(library.reoffer(c.ada, c.sales, offers=2, answered=0), 2, c.code)),
    Picture("reoffer-ringing", "Offers only, none answered yet (the second still rings)",
            lambda c: library.reoffer(c.ada, c.sales, offers=2, answered=None), at=25.0),
    Picture("blind-transfer", "Blind transfer A → B, both awaiting a wrap-up (ambiguous without ids)",
            lambda c: library.blind_transfer(c.ada, c.bob, c.sales)),
    Picture("blind-transfer-wrapped", "Blind transfer: A wrapped up, B still on the call",
            lambda c: _wrapped(library.blind_transfer(c.ada, c.bob, c.sales), 2, c.code), at=50.0),
    Picture("blind-transfer-queue", "Blind transfer through another queue (with user_id = B)",
            lambda c: library.blind_transfer(c.ada, c.bob, c.sales, to_queue_id=c.billing), who="bob"),
    Picture("consult-transfer", "Consult transfer (with user_id = B)",
            lambda c: library.consult_transfer(c.ada, c.bob, c.sales, consult_call=True), who="bob"),
    Picture("conference", "Conference of three (with user_id = A)",
            lambda c: library.conference(c.ada, c.bob, c.sales), who="ada"),
    Picture("transfer-back", "Transfer back to the same agent (B wrapped up: only A awaits)",
            lambda c: _wrapped(library.transfer_back(c.ada, c.bob, c.sales), 3, c.code)),
    Picture("callback-dial", "Callback whose agent dials the customer",
            lambda c: library.callback_dial(c.ada, c.sales)),
    Picture("direct-call", "Direct non-ACD call, wrap-up required (with user_id = B)",
            lambda c: library.direct_call(c.ada, c.bob, wrapup_required=True), who="bob"),
    Picture("email-transfer", "Email transferred (with user_id = B)",
            lambda c: library.blind_transfer(c.ada, c.bob, c.sales, media="email"), who="bob"),
    Picture("outbound", "Outbound call placed by an agent for a queue",
            lambda c: library.outbound(c.ada, c.sales)),
)  # fmt: skip
"""Every picture of docs/which-leg.md, in the order of its table."""


def _last_step(shape: Shape) -> float:
    times = [
        t for leg in shape.legs for comm in leg.comms for t in (comm.alert, comm.connect, comm.disconnect)
    ]
    return max((t for t in times if t is not None), default=0.0)


def play_gallery(
    pictures: tuple[Picture, ...] = GALLERY,
) -> Iterator[tuple[Picture, dict[str, Any], str | None, float]]:
    """Play each picture's shape on its own emulator and fake clock.

    Yields ``(picture, conversation JSON at its moment, user id meant or None, that moment as
    epoch seconds)``.
    """
    from wrapupkit.emulator._emulator import Emulator
    from wrapupkit.testing import FakeClock

    for picture in pictures:
        emu = Emulator(clock=FakeClock(epoch=1_767_261_600.0))  # 2026-01-01 10:00 UTC
        users = {name: emu.add_user(name.capitalize(), id=name) for name in ("ada", "bob", "cy")}
        code = emu.add_code("Resolved", id="resolved")
        for queue in ("sales", "billing"):
            emu.add_queue(queue.capitalize(), codes=[code], id=queue)
        shape = picture.build(Cast())
        emu.add_shape(shape)
        conversation_id = next(iter(emu.state.conversations))
        emu.advance(picture.at if picture.at is not None else _last_step(shape) + 1.0)
        body = emu.conversation_json(conversation_id)
        yield picture, body, users.get(picture.who or ""), emu.clock.time()
