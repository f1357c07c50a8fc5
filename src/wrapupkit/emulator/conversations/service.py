"""Conversation operations on the state: seeding, disconnect, UI wrap-ups, ACW requests, lookups."""

from __future__ import annotations

from wrapupkit.emulator._state import State
from wrapupkit.emulator.conversations import steps
from wrapupkit.emulator.conversations.build import add_shape
from wrapupkit.emulator.conversations.handles import ConversationHandle
from wrapupkit.emulator.conversations.models import Communication, Conversation, Participant
from wrapupkit.emulator.conversations.shapes import Comm, Leg, Shape
from wrapupkit.emulator.conversations.timeline import tick
from wrapupkit.emulator.core.errors import EmulatorError, bad_request, not_found
from wrapupkit.emulator.core.media import MEDIA
from wrapupkit.emulator.routing import service as routing


__all__ = [
    "add_conversation",
    "agent",
    "agent_of",
    "apply_ui_wrapup",
    "disconnect",
    "end_participant",
    "get_conversation",
    "park",
    "request_acw",
]


def add_conversation(
    state: State,
    *,
    user_id: str,
    queue_id: str | None = None,
    media: str = "call",
    id: str | None = None,
    disconnect_after: float | None = 0.0,
    acw_delay: float = 0.0,
    acw_timeout: float | None = None,
    ui_wrapup: tuple[float, str] | None = None,
    wrapup_required: bool = True,
    agents: int = 1,
) -> ConversationHandle:
    """Create a conversation: a customer, the queue's ACD leg, and *agents* answered agent legs.

    Without a queue it is a direct call: no ACD leg, and the agent legs have purpose ``user``.
    Its timeline runs on the clock: disconnect after *disconnect_after* seconds (None: only on
    :func:`disconnect`), ACW pending *acw_delay* later, then ``ININ-WRAP-UP-TIMEOUT`` after
    *acw_timeout* (None: from the queue) unless wrapped up, or the first agent's *ui_wrapup*
    ``(seconds_after_pending, code_id)``.

    Raises:
        EmulatorError: 400 for a bad argument or unknown user/code, 404 for an unknown queue,
            409 for a used id.
    """
    if media not in MEDIA:
        raise bad_request(f"media must be one of {', '.join(MEDIA)}")
    if agents < 1:
        raise bad_request("agents must be at least 1")
    if acw_delay < 0 or (acw_timeout is not None and acw_timeout < 0):
        raise bad_request("acw_delay and acw_timeout must not be negative")
    if disconnect_after is not None and disconnect_after < 0:
        raise bad_request("disconnect_after must not be negative")
    if user_id not in state.users:
        raise bad_request(f"unknown user id {user_id}; add it with add_user() first")
    if ui_wrapup is not None and (ui_wrapup[0] < 0 or routing.find_code(state, ui_wrapup[1]) is None):
        raise bad_request("ui_wrapup needs a non-negative delay and a known code id")
    with state.mutating():
        if queue_id is not None:
            routing.get_queue(state, queue_id)
        users = [user_id] + [routing.add_user(state, f"Agent {i + 1}") for i in range(1, agents)]
        purpose = "agent" if queue_id is not None else "user"
        legs = [Leg.customer(disconnect=disconnect_after)]
        if queue_id is not None:
            legs.append(Leg.acd(queue_id))
        for index, uid in enumerate(users):
            legs.append(
                Leg(
                    purpose=purpose,
                    user_id=uid,
                    queue_id=queue_id,
                    comms=(Comm(alert=0.0, connect=0.0, disconnect=disconnect_after),),
                    wrapup_required=wrapup_required,
                    ui_wrapup=ui_wrapup if index == 0 else None,
                )
            )
        shape = Shape(legs=legs, media=media, id=id, acw_delay=acw_delay, acw_timeout=acw_timeout)
        handle = add_shape(state, shape)
    customer, agent_legs = handle.legs[0], handle.agent_legs
    return ConversationHandle(
        id=handle.id,
        media=media,
        user_id=user_id,
        queue_id=queue_id,
        agent_participant_id=agent_legs[0].participant_id,
        agent_communication_id=agent_legs[0].communication_id,
        customer_participant_id=customer.participant_id,
        customer_communication_id=customer.communication_id,
        acd_participant_id=handle.legs[1].participant_id if queue_id is not None else None,
        agent_participant_ids=tuple(leg.participant_id for leg in agent_legs),
        legs=handle.legs,
    )


def _live(conv: Conversation) -> list[tuple[Participant, Communication]]:
    return [(p, c) for p in conv.participants for c in p.communications if not c.ended]


def disconnect(state: State, conversation_id: str) -> None:
    """End every live communication now and drop legs not offered yet; 409 if all had ended."""
    with state.mutating():
        conv = get_conversation(state, conversation_id)
        live = _live(conv)
        if not live and not conv.upcoming:
            raise EmulatorError(
                409, "general.conflict", f"conversation {conversation_id} is already disconnected"
            )
        conv.upcoming.clear()
        now = state.clock.monotonic()
        for p, comm in live:
            steps.disconnect(state, conv, now, p=p, comm=comm)
        state.changed(conversation_id)
        tick(state)


def end_participant(state: State, conv: Conversation, p: Participant) -> None:
    """The participant hangs up (PATCH ``state: disconnected``); the customer too if no agent is left."""
    now = state.clock.monotonic()
    for comm in p.communications:
        steps.disconnect(state, conv, now, p=p, comm=comm)
    if not any(q.is_agent for q, _comm in _live(conv)):
        for q, comm in _live(conv):
            steps.disconnect(state, conv, now, p=q, comm=comm)
    state.changed(conv.id)
    tick(state)


def apply_ui_wrapup(
    state: State, conversation_id: str, code_id: str, *, participant_id: str | None = None
) -> None:
    """The agent applies *code_id* from the UI now (first agent by default; closes ACW if pending)."""
    with state.mutating():
        conv = get_conversation(state, conversation_id)
        p = agent_of(conv, participant_id)
        code = routing.find_code(state, code_id)
        if code is None:
            raise bad_request(f"unknown wrap-up code id {code_id}")
        if p.comm.acw == "complete":
            raise EmulatorError(409, "general.conflict", f"participant {p.id} is not in after-call work")
        epoch = state.now()
        steps.set_wrapup(
            conv, p, p.comm, steps.ui_wrapup(code_id, code.name, epoch), source="ui", epoch=epoch
        )
        state.changed(conversation_id)


def request_acw(
    state: State, conversation_id: str, participant_id: str, communication_id: str, required: bool
) -> None:
    """``AfterCallWorkUpdate``: the agent asks for (or withdraws) after-call work while connected.

    Raises:
        EmulatorError: 404 for an unknown id; 400 when the communication is not connected ("Can
            only be updated for connected communications", the SDK's AfterCallWorkUpdate docs).
    """
    with state.mutating():
        conv = get_conversation(state, conversation_id)
        p = conv.participant(participant_id)
        comm = p.communication(communication_id) if p is not None else None
        if p is None or comm is None:
            raise not_found(f"Communication {communication_id} not found for participant {participant_id}")
        if comm.state != "connected":
            raise bad_request("afterCallWorkRequired can only be updated for connected communications.")
        comm.acw_requested = required
        state.changed(conversation_id)


def park(state: State, conversation_id: str, participant_id: str | None = None) -> None:
    """The agent parks the email or message: it is set aside (``state: parked``) and its ACW opens.

    Parking frees the agent for new interactions while the conversation stays open (Resource
    Center: configure email and message parking for agents); after-call work opens on the parked
    communication as after a disconnect (the gap, then ``pending``), so a wrap-up is taken then.

    Raises:
        EmulatorError: 404 for an unknown id; 400 when the communication is not a connected
            email or message (the SDK's ``Email`` and ``Message`` states list ``parked``; ``Call``'s do not).
    """
    with state.mutating():
        conv = get_conversation(state, conversation_id)
        p = agent_of(conv, participant_id)
        comm = p.comm
        if comm.media not in ("email", "message") or comm.state != "connected":
            raise bad_request("Only a connected email or message can be parked.")
        steps.park(state, conv, state.clock.monotonic(), p=p, comm=comm)
        state.changed(conversation_id)
        tick(state)


def get_conversation(state: State, conversation_id: str) -> Conversation:
    conv = state.conversations.get(conversation_id)
    if conv is None:
        raise not_found(f"Conversation {conversation_id} not found")
    return conv


def agent_of(conv: Conversation, participant_id: str | None) -> Participant:
    """The agent or user leg *participant_id* (the first such leg when None); 404 otherwise."""
    if participant_id is None:
        if not conv.agents:
            raise not_found(f"conversation {conv.id} has no agent participant yet")
        return conv.agents[0]
    p = conv.participant(participant_id)
    if p is None or not p.is_agent:
        raise not_found(f"agent participant {participant_id} not found in {conv.id}")
    return p


def agent(state: State, conversation_id: str, participant_id: str | None = None) -> Participant:
    with state.lock:
        return agent_of(get_conversation(state, conversation_id), participant_id)
