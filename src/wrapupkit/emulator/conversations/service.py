"""Conversation operations on the state: seeding, disconnect, UI wrap-ups, lookups (moto's models.py)."""

from __future__ import annotations

from wrapupkit.emulator._state import State, new_id
from wrapupkit.emulator.conversations import timeline as tl
from wrapupkit.emulator.conversations.models import (
    Conversation,
    ConversationHandle,
    Participant,
    new_participant,
)
from wrapupkit.emulator.core.errors import EmulatorError, bad_request, not_found
from wrapupkit.emulator.core.media import MEDIA
from wrapupkit.emulator.routing import service as routing
from wrapupkit.emulator.routing.models import PROMPT_TO_PARTICIPANT, TIMEOUT_PROMPTS


__all__ = [
    "add_conversation",
    "agent",
    "agent_of",
    "apply_ui_wrapup",
    "disconnect",
    "get_conversation",
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
    """Create a conversation with a customer, an ACD participant and *agents* agents.

    Its timeline runs on the clock: disconnect after *disconnect_after* seconds (None: only on
    :func:`disconnect`), ACW pending *acw_delay* later, then ``ININ-WRAP-UP-TIMEOUT`` after
    *acw_timeout* (None: from the queue) unless wrapped up, or the agent's *ui_wrapup*
    ``(seconds_after_pending, code_id)``.

    Raises:
        EmulatorError: 400 for a bad argument or unknown user/code, 404 for an unknown queue,
            409 for a used id.
    """
    if media not in MEDIA:
        raise bad_request(f"media must be one of {', '.join(MEDIA)}")
    if agents < 1:
        raise bad_request("agents must be at least 1")
    for label, value in (("disconnect_after", disconnect_after), ("acw_delay", acw_delay)):
        if value is not None and value < 0:
            raise bad_request(f"{label} must not be negative")
    if (ui_wrapup is not None and ui_wrapup[0] < 0) or (acw_timeout is not None and acw_timeout < 0):
        raise bad_request("ui_wrapup and acw_timeout delays must not be negative")
    with state.mutating():
        cid = id or new_id()
        if cid in state.conversations:
            raise EmulatorError(409, "general.conflict", f"conversation id {cid} already exists")
        if user_id not in state.users:
            raise bad_request(f"unknown user id {user_id}; add it with add_user() first")
        queue = routing.get_queue(state, queue_id) if queue_id is not None else None
        if ui_wrapup is not None and routing.find_code(state, ui_wrapup[1]) is None:
            raise bad_request(f"unknown wrap-up code id {ui_wrapup[1]}")
        timeout = acw_timeout
        if timeout is None and queue is not None and queue.wrapup_prompt in TIMEOUT_PROMPTS:
            timeout = queue.timeout_ms / 1000
        mono = state.clock.monotonic()
        start = state.epoch(mono)
        customer = new_participant("customer", "Customer", start)
        customer.connected_time = start
        acd = new_participant("acd", queue.name if queue else "ACD", start, queue)
        acd.end_time = acd.comm.disconnected_time = start
        acd.comm.state, acd.comm.disconnect_type = "disconnected", "transfer"
        agent_list = []
        for index in range(agents):
            uid = user_id if index == 0 else routing.add_user(state, f"Agent {index + 1}")
            member = new_participant("agent", state.users[uid].name, start, queue)
            member.comm.initial_state = "alerting"
            member.user_id, member.connected_time, member.wrapup_required = uid, start, wrapup_required
            if queue is not None:
                member.wrapup_prompt = PROMPT_TO_PARTICIPANT[queue.wrapup_prompt]
                if queue.wrapup_prompt in (*TIMEOUT_PROMPTS, "AGENT_REQUESTED"):
                    member.wrapup_timeout_ms = queue.timeout_ms
            if acw_timeout is not None:
                member.wrapup_timeout_ms = round(acw_timeout * 1000)
            agent_list.append(member)
        conv = Conversation(
            cid,
            media,
            start,
            mono,
            [customer, acd, *agent_list],
            acw_delay,
            timeout,
            ui_wrapup,
            wrapup_required,
        )
        state.conversations[cid] = conv
        if disconnect_after is not None:
            tl.schedule(state, mono + disconnect_after, conv, _disconnect_step)
        state.changed(cid)
        tl.tick(state)
        return ConversationHandle(
            id=cid,
            media=media,
            user_id=user_id,
            queue_id=queue_id,
            agent_participant_id=agent_list[0].id,
            agent_communication_id=agent_list[0].comm.id,
            customer_participant_id=customer.id,
            customer_communication_id=customer.comm.id,
            acd_participant_id=acd.id,
            agent_participant_ids=tuple(a.id for a in agent_list),
        )


def _disconnect_step(state: State, conv: Conversation, at: float) -> None:
    tl.disconnect(state, conv, at)


def disconnect(state: State, conversation_id: str) -> None:
    """Disconnect the customer's and agents' communications now; 409 if already disconnected."""
    with state.mutating():
        conv = get_conversation(state, conversation_id)
        if not tl.disconnect(state, conv, state.clock.monotonic()):
            raise EmulatorError(
                409, "general.conflict", f"conversation {conversation_id} is already disconnected"
            )
        state.changed(conversation_id)
        tl.tick(state)


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
        tl.set_wrapup(p, tl.ui_wrapup(code_id, code.name, epoch), "ui", epoch)
        state.changed(conversation_id)


def get_conversation(state: State, conversation_id: str) -> Conversation:
    conv = state.conversations.get(conversation_id)
    if conv is None:
        raise not_found(f"Conversation {conversation_id} not found")
    return conv


def agent_of(conv: Conversation, participant_id: str | None) -> Participant:
    """The agent participant *participant_id* (the first agent when None); 404 otherwise."""
    if participant_id is None:
        return conv.agents[0]
    p = conv.participant(participant_id)
    if p is None or not p.is_agent:
        raise not_found(f"agent participant {participant_id} not found in {conv.id}")
    return p


def agent(state: State, conversation_id: str, participant_id: str | None = None) -> Participant:
    with state.lock:
        return agent_of(get_conversation(state, conversation_id), participant_id)
