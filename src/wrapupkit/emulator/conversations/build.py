"""Turn a :class:`~wrapupkit.emulator.Shape` into a conversation on the timeline (validation included)."""

from __future__ import annotations

from functools import partial

from wrapupkit.emulator._state import State, new_id
from wrapupkit.emulator.conversations import steps
from wrapupkit.emulator.conversations.handles import CommHandle, LegHandle, ShapeHandle
from wrapupkit.emulator.conversations.models import WRAPUP_PURPOSES, Communication, Conversation, Participant
from wrapupkit.emulator.conversations.shapes import Comm, Leg, Shape
from wrapupkit.emulator.conversations.timeline import schedule, tick
from wrapupkit.emulator.core.errors import EmulatorError, bad_request
from wrapupkit.emulator.core.media import MEDIA
from wrapupkit.emulator.routing import service as routing
from wrapupkit.emulator.routing.models import PROMPT_TO_PARTICIPANT, TIMEOUT_PROMPTS


__all__ = ["DISCONNECT_TYPES", "PURPOSES", "add_shape"]

PURPOSES = ("customer", "external", "acd", "ivr", *WRAPUP_PURPOSES)
# disconnectType values every SDK 269 communication model (and its event twin) accepts.
DISCONNECT_TYPES = (
    "endpoint",
    "client",
    "system",
    "timeout",
    "transfer",
    "transfer.conference",
    "transfer.consult",
    "transfer.forward",
    "transport.failure",
    "error",
    "peer",
    "other",
    "spam",
    "uncallable",
)
_INITIAL_STATES = ("alerting", "dialing", "contacting", "offering", "connected")


def _check_comm(where: str, comm: Comm, media: str) -> None:
    if media not in MEDIA:
        raise bad_request(f"{where}.media must be one of {', '.join(MEDIA)}")
    times = [t for t in (comm.alert, comm.connect, comm.disconnect) if t is not None]
    if any(t < 0 for t in times):
        raise bad_request(f"{where}: step times must not be negative")
    if times != sorted(times):
        raise bad_request(f"{where}: steps must come in order (alert <= connect <= disconnect)")
    if comm.alert is None and comm.connect is None:
        raise bad_request(f"{where}: a communication needs alert or connect")
    if comm.disconnect_type is not None and comm.disconnect_type not in DISCONNECT_TYPES:
        raise bad_request(f"{where}.disconnect_type must be one of {', '.join(DISCONNECT_TYPES)}")
    if comm.direction not in ("inbound", "outbound"):
        raise bad_request(f"{where}.direction must be inbound or outbound")
    if comm.initial_state is not None and comm.initial_state not in _INITIAL_STATES:
        raise bad_request(f"{where}.initial_state must be one of {', '.join(_INITIAL_STATES)}")
    if media == "email" and comm.initial_state not in (None, "alerting", "connected"):
        raise bad_request(f"{where}: an email starts alerting or connected")


def _check_leg(state: State, where: str, leg: Leg, count: int) -> None:
    if leg.purpose not in PURPOSES:
        raise bad_request(f"{where}.purpose must be one of {', '.join(PURPOSES)}")
    if leg.purpose in WRAPUP_PURPOSES and (leg.user_id is None or leg.user_id not in state.users):
        raise bad_request(f"{where}: an {leg.purpose} leg needs a known user_id (add_user() first)")
    if leg.queue_id is not None:
        routing.get_queue(state, leg.queue_id)
    if not leg.comms:
        raise bad_request(f"{where}: a leg needs at least one communication")
    if leg.consult is not None and not 0 <= leg.consult < count:
        raise bad_request(f"{where}.consult must be the index of another leg")
    if leg.ui_wrapup is not None and (
        leg.ui_wrapup[0] < 0 or routing.find_code(state, leg.ui_wrapup[1]) is None
    ):
        raise bad_request(f"{where}.ui_wrapup needs a non-negative delay and a known code id")
    if leg.ui_skip is not None and leg.ui_skip < 0:
        raise bad_request(f"{where}.ui_skip must not be negative")


def _initial_state(leg: Leg, comm: Comm) -> str:
    if comm.initial_state is not None:
        return comm.initial_state
    if comm.alert is None:
        return "connected"
    if comm.direction == "outbound":
        return "dialing" if leg.purpose in WRAPUP_PURPOSES else "contacting"
    return "alerting"


def _participant(state: State, shape: Shape, leg: Leg) -> Participant:
    queue = state.queues.get(leg.queue_id) if leg.queue_id is not None else None
    user = state.users.get(leg.user_id) if leg.user_id is not None else None
    name = leg.name or (user.name if user else None) or (queue.name if queue else None) or "Customer"
    comms = [
        Communication(
            new_id(),
            c.media or shape.media,
            direction=c.direction,
            initial_state=_initial_state(leg, c),
            state=_initial_state(leg, c),
            acw_requested=c.request_acw,
        )
        for c in leg.comms
    ]
    p = Participant(new_id(), leg.purpose, name, comms, user_id=leg.user_id)
    if queue is not None:
        p.queue_id, p.queue_name = queue.id, queue.name
    if leg.purpose in WRAPUP_PURPOSES:
        default = leg.purpose == "agent"
        p.wrapup_required = default if leg.wrapup_required is None else leg.wrapup_required
        p.ui_wrapup, p.ui_skip = leg.ui_wrapup, leg.ui_skip
        p.acw_timeout = shape.acw_timeout
        if queue is not None:
            p.wrapup_prompt = PROMPT_TO_PARTICIPANT[queue.wrapup_prompt]
            if queue.wrapup_prompt in (*TIMEOUT_PROMPTS, "AGENT_REQUESTED"):
                p.wrapup_timeout_ms = queue.timeout_ms
            if p.acw_timeout is None and queue.wrapup_prompt in TIMEOUT_PROMPTS:
                p.acw_timeout = queue.timeout_ms / 1000
        if shape.acw_timeout is not None:
            p.wrapup_timeout_ms = round(shape.acw_timeout * 1000)
    return p


def add_shape(state: State, shape: Shape) -> ShapeHandle:
    """Create the conversation *shape* describes and schedule its steps; returns its handle.

    Raises:
        EmulatorError: 400 for an invalid shape (the message names the leg and field), 404 for
            an unknown queue, 409 for a used id.
    """
    if shape.media not in MEDIA:
        raise bad_request(f"media must be one of {', '.join(MEDIA)}")
    if shape.acw_delay < 0 or (shape.acw_timeout is not None and shape.acw_timeout < 0):
        raise bad_request("acw_delay and acw_timeout must not be negative")
    if not shape.legs:
        raise bad_request("a shape needs at least one leg")
    with state.mutating():
        for i, leg in enumerate(shape.legs):
            _check_leg(state, f"legs[{i}]", leg, len(shape.legs))
            for j, comm in enumerate(leg.comms):
                _check_comm(f"legs[{i}].comms[{j}]", comm, comm.media or shape.media)
        cid = shape.id or new_id()
        if cid in state.conversations:
            raise EmulatorError(409, "general.conflict", f"conversation id {cid} already exists")
        legs = [_participant(state, shape, leg) for leg in shape.legs]
        for leg, p in zip(shape.legs, legs, strict=True):
            if leg.consult is not None:
                p.consult_participant_id = legs[leg.consult].id
                legs[leg.consult].consult_participant_id = p.id
        mono = state.clock.monotonic()
        conv = Conversation(
            cid, shape.media, state.epoch(mono), mono, [], shape.acw_delay, upcoming=list(legs)
        )
        state.conversations[cid] = conv
        _schedule_steps(state, conv, shape, legs, mono)
        state.changed(cid)
        tick(state)
        return ShapeHandle(cid, shape.media, tuple(_leg_handle(p) for p in legs))


def _schedule_steps(
    state: State, conv: Conversation, shape: Shape, legs: list[Participant], mono: float
) -> None:
    """Every step of every communication, leg by leg (so simultaneous legs appear in shape order)."""
    for leg, p in zip(shape.legs, legs, strict=True):
        for spec, comm in zip(leg.comms, p.communications, strict=True):
            if spec.alert is not None:
                schedule(state, mono + spec.alert, conv, partial(steps.alert, p=p, comm=comm))
            if spec.connect is not None:
                schedule(state, mono + spec.connect, conv, partial(steps.connect, p=p, comm=comm))
            if spec.disconnect is not None:
                end = partial(steps.disconnect, p=p, comm=comm, kind=spec.disconnect_type)
                schedule(state, mono + spec.disconnect, conv, end)


def _leg_handle(p: Participant) -> LegHandle:
    comms = tuple(CommHandle(c.id, c.media) for c in p.communications)
    return LegHandle(p.id, p.purpose, p.user_id, p.queue_id, comms)
