"""Conversation shapes: a small, typed builder of legs and their communications' steps.

A :class:`Shape` lists participant legs (:class:`Leg`); each leg lists communications
(:class:`Comm`) with the times of their steps on the emulator clock, in seconds after the
conversation is created: offered (``alert``, the communication appears in its initial state,
``alerting`` by default), answered (``connect``), ended (``disconnect``).  After-call work follows
from the rules (see docs/emulator.md).  ``Emulator.add_shape(shape)`` plays it and returns a
:class:`~wrapupkit.emulator.ShapeHandle`; ``POST /__emulator__/shapes`` takes the same fields as JSON.

::

    Shape(legs=[
        Leg.customer(),
        Leg.acd(queue_id),
        Leg.agent(ada, queue_id, connect=2, disconnect=30, disconnect_type="transfer"),
        Leg.agent(bob, queue_id, alert=30, connect=33, disconnect=90),
    ])

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs


__all__ = ["Comm", "Leg", "Shape"]


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Comm:
    """One communication of a leg and when each of its steps happens.

    Attributes:
        media: ``call``, ``callback``, ``email`` ...; None: the shape's media.
        alert: when the communication appears in *initial_state* (seconds after creation); None:
            it appears at *connect*, already connected.
        connect: when it is answered; None: never (an offer that ends unanswered).
        disconnect: when it ends; None: it stays up until ``Emulator.disconnect``.
        disconnect_type: how it ended; None: ``client`` for an answered agent, ``system`` for an
            offer that timed out, ``peer`` for the customer, ``transfer`` for ACD and IVR legs.
        direction: ``inbound`` or ``outbound``.
        initial_state: None: ``alerting`` (``dialing`` for an outbound agent call, ``contacting``
            for the outbound customer side).
        request_acw: the agent asks for after-call work while connected (AGENT_REQUESTED queues),
            as ``PATCH /api/v2/conversations/aftercallwork/...`` does.
    """

    media: str | None = None
    alert: float | None = 0.0
    connect: float | None = 0.0
    disconnect: float | None = None
    disconnect_type: str | None = None
    direction: str = "inbound"
    initial_state: str | None = None
    request_acw: bool = False


@attrs.frozen(kw_only=True)
class Leg:
    """One participant leg.

    Attributes:
        purpose: ``customer``, ``external``, ``acd``, ``ivr``, ``agent`` (an ACD leg) or ``user``
            (an internal user on a direct, non-ACD interaction).
        user_id: the user of an ``agent``/``user`` leg.
        queue_id: the queue of an ``agent`` or ``acd`` leg (its ACW settings and codes apply).
        name: the display name; None: the user's, the queue's, or ``Customer``.
        comms: the leg's communications, in order.
        wrapup_required: whether an answered leg must take a wrap-up; None: True for ``agent``
            legs and the queue's prompt, False for ``user`` legs.
        consult: index (in the shape's legs) of the leg this one consults with:
            ``consultParticipantId`` is set on both.
        ui_wrapup: ``(seconds_after_acw_pending, code_id)``: the agent applies a code in the UI.
        ui_skip: seconds after ACW pending at which the agent leaves ACW without a code (skipped).
    """

    purpose: str = "agent"
    user_id: str | None = None
    queue_id: str | None = None
    name: str | None = None
    comms: tuple[Comm, ...] = attrs.field(default=(Comm(),), converter=_tuple)
    wrapup_required: bool | None = None
    consult: int | None = None
    ui_wrapup: tuple[float, str] | None = None
    ui_skip: float | None = None

    @classmethod
    def customer(
        cls,
        *,
        connect: float = 0.0,
        disconnect: float | None = None,
        direction: str = "inbound",
        media: str | None = None,
        alert: float | None = None,
    ) -> Leg:
        """The customer: connected from *connect*; with *alert*, first contacted (outbound) or alerting."""
        comm = Comm(media=media, alert=alert, connect=connect, disconnect=disconnect, direction=direction)
        return cls(purpose="customer", comms=(comm,))

    @classmethod
    def acd(cls, queue_id: str, *, at: float = 0.0, until: float | None = None, purpose: str = "acd") -> Leg:
        """The queue's ACD leg, connected from *at* until *until* (None: *at*), ended by ``transfer``."""
        comm = Comm(alert=None, connect=at, disconnect=at if until is None else until)
        return cls(purpose=purpose, queue_id=queue_id, comms=(comm,))

    @classmethod
    def ivr(cls, *, at: float = 0.0, until: float | None = None) -> Leg:
        """An IVR leg (no queue), connected from *at* until *until* (None: *at*)."""
        comm = Comm(alert=None, connect=at, disconnect=at if until is None else until)
        return cls(purpose="ivr", name="IVR", comms=(comm,))

    @classmethod
    def agent(
        cls,
        user_id: str,
        queue_id: str | None = None,
        *,
        alert: float | None = 0.0,
        connect: float | None = 0.0,
        disconnect: float | None = None,
        disconnect_type: str | None = None,
        media: str | None = None,
        direction: str = "inbound",
        request_acw: bool = False,
        purpose: str = "agent",
        wrapup_required: bool | None = None,
        consult: int | None = None,
        ui_wrapup: tuple[float, str] | None = None,
        ui_skip: float | None = None,
        name: str | None = None,
    ) -> Leg:
        """An agent's ACD leg with one communication (``purpose="user"`` for a direct call).

        The keyword arguments are those of :class:`Comm` and :class:`Leg`.
        """
        comm = Comm(
            media=media,
            alert=alert,
            connect=connect,
            disconnect=disconnect,
            disconnect_type=disconnect_type,
            direction=direction,
            request_acw=request_acw,
        )
        return cls(
            purpose=purpose,
            user_id=user_id,
            queue_id=queue_id,
            name=name,
            comms=(comm,),
            wrapup_required=wrapup_required,
            consult=consult,
            ui_wrapup=ui_wrapup,
            ui_skip=ui_skip,
        )


@attrs.frozen(kw_only=True)
class Shape:
    """A whole conversation: its legs, its media and its timing settings.

    Attributes:
        legs: the participant legs, in the order they are listed in the handle.
        media: the media of every communication that does not name its own.
        id: the conversation id; None: a fresh UUID.
        acw_delay: seconds between a communication's disconnect and its ACW becoming pending.
        acw_timeout: seconds until ``ININ-WRAP-UP-TIMEOUT`` once ACW is pending; None: from each
            leg's queue (time-boxed prompts only).
    """

    legs: tuple[Leg, ...] = attrs.field(converter=_tuple)
    media: str = "call"
    id: str | None = None
    acw_delay: float = 0.0
    acw_timeout: float | None = None
