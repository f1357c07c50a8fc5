"""Ready-made conversation shapes, built with :class:`Leg` and :class:`Comm` (see docs/which-leg.md).

Every helper returns a :class:`Shape`; ``Emulator.add_shape`` plays it.  Times are seconds after
creation: *ring* is how long an offer alerts before it is answered, *talk* how long a leg is
connected.  Each docstring lists the legs in handle order (``handle.legs[i]``).
"""

from __future__ import annotations

from wrapupkit.emulator.conversations.shapes import Comm, Leg, Shape


__all__ = [
    "blind_transfer",
    "callback_dial",
    "conference",
    "consult_transfer",
    "direct_call",
    "outbound",
    "reoffer",
    "transfer_back",
]


def _hop(user_id: str, queue_id: str | None, *, start: float, ring: float, talk: float, end_type: str) -> Leg:
    """An agent leg offered at *start*, answered after *ring*, ended after *talk* by *end_type*."""
    return Leg.agent(
        user_id,
        queue_id,
        alert=start,
        connect=start + ring,
        disconnect=start + ring + talk,
        disconnect_type=end_type,
    )


def blind_transfer(
    from_user: str,
    to_user: str,
    queue_id: str,
    *,
    to_queue_id: str | None = None,
    media: str = "call",
    ring: float = 2.0,
    talk: float = 30.0,
) -> Shape:
    """A blind transfer to another agent, or through another queue (any media: an email or message too).

    Legs: customer, ACD, first agent (ends ``transfer``), [ACD of *to_queue_id*,] second agent
    (in *to_queue_id* when given, ends ``client``).
    """
    second = ring + talk
    end = second + ring + talk
    target_queue = to_queue_id or queue_id
    hop = [Leg.acd(to_queue_id, at=second)] if to_queue_id is not None else []
    return Shape(
        media=media,
        legs=(
            Leg.customer(disconnect=end),
            Leg.acd(queue_id),
            _hop(from_user, queue_id, start=0.0, ring=ring, talk=talk, end_type="transfer"),
            *hop,
            _hop(to_user, target_queue, start=second, ring=ring, talk=talk, end_type="client"),
        ),
    )


def consult_transfer(
    from_user: str,
    to_user: str,
    queue_id: str,
    *,
    ring: float = 2.0,
    talk: float = 30.0,
    consult: float = 10.0,
    consult_call: bool = False,
) -> Shape:
    """A consult transfer (voice): the first agent consults the second, then drops out.

    ``consultParticipantId`` is set on both agent legs.  With *consult_call* the first agent's
    participant has a second call for the consult leg.
    Legs: customer, ACD, first agent (ends ``transfer.consult``), second agent.
    """
    start = ring + talk
    handover = start + ring + consult
    end = handover + talk
    first_comms = [Comm(alert=0.0, connect=ring, disconnect=handover, disconnect_type="transfer.consult")]
    if consult_call:
        first_comms.append(Comm(alert=start, connect=start + ring, disconnect=handover, direction="outbound"))
    return Shape(
        legs=(
            Leg.customer(disconnect=end),
            Leg.acd(queue_id),
            Leg(user_id=from_user, queue_id=queue_id, comms=tuple(first_comms), consult=3),
            Leg.agent(to_user, queue_id, alert=start, connect=start + ring, disconnect=end),
        ),
    )


def conference(
    first_user: str, second_user: str, queue_id: str, *, ring: float = 2.0, talk: float = 30.0
) -> Shape:
    """A conference of three: the customer and two agents, all connected, ending together.

    Legs: customer, ACD, first agent, second agent (added after *talk*).
    """
    start = ring + talk
    end = start + ring + talk
    return Shape(
        legs=(
            Leg.customer(disconnect=end),
            Leg.acd(queue_id),
            Leg.agent(first_user, queue_id, connect=ring, disconnect=end),
            Leg.agent(second_user, queue_id, alert=start, connect=start + ring, disconnect=end),
        ),
    )


def reoffer(
    user_id: str,
    queue_id: str,
    *,
    offers: int = 2,
    answered: int | None = -1,
    alert_timeout: float = 15.0,
    pause: float = 5.0,
    ring: float = 2.0,
    talk: float = 30.0,
    media: str = "call",
) -> Shape:
    """Re-offers after an alert timeout: the same user gets *offers* legs; only *answered* connects.

    An unanswered offer ends ``system`` after *alert_timeout*, with no ``connectedTime`` and no
    after-call work.  The answered offer (an index; -1: the last; None: none) ends ``client``,
    or ``transfer`` (back to the queue) when later offers follow it.
    Legs: customer, ACD, then one agent leg per offer.
    """
    if answered is not None:
        answered %= offers
    legs = [Leg.customer(), Leg.acd(queue_id)]
    start = 0.0
    answer_at: float | None = None
    for index in range(offers):
        if index == answered:
            kind = "transfer" if index < offers - 1 else "client"
            legs.append(_hop(user_id, queue_id, start=start, ring=ring, talk=talk, end_type=kind))
            answer_at = start + ring
            start += ring + talk + pause
        else:
            stop = start + alert_timeout
            legs.append(Leg.agent(user_id, queue_id, alert=start, connect=None, disconnect=stop))
            start = stop + pause
    end = start - pause
    legs[0] = Leg.customer(disconnect=end)
    # The queue holds the interaction between offers: its ACD leg stays connected until an agent
    # answers (captured re-offer bodies: the ACD leg is "connected" while offers time out; tests/corpus).
    legs[1] = Leg.acd(queue_id, until=end if answer_at is None else answer_at)
    return Shape(media=media, legs=tuple(legs))


def transfer_back(
    user_id: str, other_user: str, queue_id: str, *, ring: float = 2.0, talk: float = 30.0
) -> Shape:
    """The first agent transfers to a second, who transfers back to the first.

    Legs: customer, ACD, first agent (first leg, ends ``transfer``), second agent (ends
    ``transfer``), first agent again (second leg).
    """
    hop = ring + talk
    return Shape(
        legs=(
            Leg.customer(disconnect=3 * hop),
            Leg.acd(queue_id),
            _hop(user_id, queue_id, start=0.0, ring=ring, talk=talk, end_type="transfer"),
            _hop(other_user, queue_id, start=hop, ring=ring, talk=talk, end_type="transfer"),
            _hop(user_id, queue_id, start=2 * hop, ring=ring, talk=talk, end_type="client"),
        ),
    )


def callback_dial(
    user_id: str, queue_id: str, *, ring: float = 2.0, dial: float = 5.0, talk: float = 30.0
) -> Shape:
    """A callback whose agent dials the customer: a ``callbacks`` and a ``calls`` communication on one leg.

    With communication-level ACW (``Rules.acw_level``) the call carries the after-call work.
    Legs: customer (callback and call), ACD, agent (callback, then the outbound call).
    """
    connect = dial + ring
    end = connect + talk
    return Shape(
        media="callback",
        legs=(
            Leg(
                purpose="customer",
                comms=(
                    Comm(alert=None, connect=0.0, disconnect=end),
                    Comm(media="call", alert=dial, connect=connect, disconnect=end, direction="outbound"),
                ),
            ),
            Leg.acd(queue_id),
            Leg(
                user_id=user_id,
                queue_id=queue_id,
                comms=(
                    Comm(alert=0.0, connect=ring, disconnect=end),
                    Comm(media="call", alert=dial, connect=connect, disconnect=end, direction="outbound"),
                ),
            ),
        ),
    )


def outbound(user_id: str, queue_id: str | None = None, *, ring: float = 5.0, talk: float = 30.0) -> Shape:
    """An outbound call the agent places (on behalf of *queue_id*: purpose ``agent``; else ``user``).

    Legs: the agent (dialing), the customer (contacting).
    """
    end = ring + talk
    purpose = "agent" if queue_id is not None else "user"
    return Shape(
        legs=(
            Leg.agent(user_id, queue_id, connect=ring, disconnect=end, direction="outbound", purpose=purpose),
            Leg.customer(alert=0.0, connect=ring, disconnect=end, direction="outbound"),
        ),
    )


def direct_call(
    caller: str,
    callee: str,
    *,
    ring: float = 3.0,
    talk: float = 30.0,
    wrapup_required: bool = False,
) -> Shape:
    """A direct (non-ACD) call between two users: purpose ``user``, no queue, no ACD leg.

    *wrapup_required* turns on wrap-up for non-ACD calls on both legs.
    Legs: the caller (outbound), the callee (inbound).
    """
    end = ring + talk
    return Shape(
        legs=(
            Leg.agent(
                caller,
                connect=ring,
                disconnect=end,
                direction="outbound",
                purpose="user",
                wrapup_required=wrapup_required,
            ),
            Leg.agent(callee, connect=ring, disconnect=end, purpose="user", wrapup_required=wrapup_required),
        ),
    )
