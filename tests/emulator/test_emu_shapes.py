"""Multi-leg conversation shapes (genesys-api.md §2.5), driven over HTTP with the official SDK.

Each test plays a shape on the fake clock, reads it back with ``ConversationsApi.get_conversation``
and checks the legs, their communications and their after-call work, then writes a wrap-up with the
SDK to the exact participant and communication the handle names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest
from emulator_helpers import control, error_of, wrapup_input
from PureCloudPlatformClientV2.rest import ApiException

from wrapupkit.emulator import Comm, Emulator, EmulatorError, Leg, Shape, ShapeHandle, shapes
from wrapupkit.testing import FakeClock


@dataclass
class People:
    sale: str
    queue: str
    queue2: str
    ada: str
    bob: str


@pytest.fixture(name="people")
def _people(emulator: Emulator) -> People:
    sale = emulator.add_code("Sale")
    return People(
        sale=sale,
        queue=emulator.add_queue("Support", codes=[sale], wrapup_prompt="MANDATORY"),
        queue2=emulator.add_queue("Sales", codes=[sale], wrapup_prompt="MANDATORY"),
        ada=emulator.add_user("Ada"),
        bob=emulator.add_user("Bob"),
    )


def played(emulator: Emulator, shape: Shape, until: float = 600.0) -> ShapeHandle:
    handle = emulator.add_shape(shape)
    emulator.advance(until)
    return handle


def participant(conv: Any, participant_id: str) -> Any:
    return next(p for p in conv.participants if p.id == participant_id)


def post(conversations: Any, cid: str, leg: Any, code: str, media: str = "call") -> None:
    """The SDK's per-media POST to the leg's communication of *media*."""
    fn = getattr(conversations, f"post_conversations_{media}_participant_communication_wrapup")
    fn(cid, leg.participant_id, leg.communication(media).id, body=wrapup_input(code))


@pytest.mark.parametrize(
    ("media", "array"), [("call", "calls"), ("email", "emails"), ("message", "messages")]
)
def test_blind_transfer_between_agents(
    emulator: Emulator, people: People, conversations: Any, media: str, array: str
) -> None:
    """A blind transfer (any media): both agent legs enter ACW; each takes its own wrap-up."""
    handle = played(emulator, shapes.blind_transfer(people.ada, people.bob, people.queue, media=media))
    conv = conversations.get_conversation(handle.id)
    assert [p.purpose for p in conv.participants] == ["customer", "acd", "agent", "agent"]
    first, second = (participant(conv, leg.participant_id) for leg in handle.agent_legs)
    assert (first.user_id, second.user_id) == (people.ada, people.bob)
    assert getattr(first, array)[0].disconnect_type == "transfer"
    assert getattr(second, array)[0].disconnect_type == "client"
    assert [getattr(p, array)[0].after_call_work.state for p in (first, second)] == ["pending", "pending"]
    post(conversations, handle.id, handle.agent_legs[0], people.sale, media)
    assert emulator.wrapup(handle.id, first.id) is not None
    assert emulator.wrapup(handle.id, second.id) is None


def test_blind_transfer_to_a_queue(emulator: Emulator, people: People, conversations: Any) -> None:
    """Transferred to another queue: a second ACD leg, and the receiving agent's leg is in that queue."""
    shape = shapes.blind_transfer(people.ada, people.bob, people.queue, to_queue_id=people.queue2)
    handle = played(emulator, shape)
    conv = conversations.get_conversation(handle.id)
    assert [(p.purpose, p.queue_id) for p in conv.participants] == [
        ("customer", None),
        ("acd", people.queue),
        ("agent", people.queue),
        ("acd", people.queue2),
        ("agent", people.queue2),
    ]
    bob = handle.legs_of(people.bob)[0]
    post(conversations, handle.id, bob, people.sale)
    assert emulator.wrapup(handle.id, bob.participant_id, bob.communication_id) is not None


@pytest.mark.parametrize("consult_call", [False, True])
def test_consult_transfer(emulator: Emulator, people: People, conversations: Any, consult_call: bool) -> None:
    """consultParticipantId is set on both the consulting and the consulted leg."""
    shape = shapes.consult_transfer(people.ada, people.bob, people.queue, consult_call=consult_call)
    handle = played(emulator, shape)
    conv = conversations.get_conversation(handle.id)
    ada, bob = (participant(conv, leg.participant_id) for leg in handle.agent_legs)
    assert ada.consult_participant_id == bob.id
    assert bob.consult_participant_id == ada.id
    assert ada.calls[0].disconnect_type == "transfer.consult"
    assert len(ada.calls) == (2 if consult_call else 1)
    assert [c.id for c in ada.calls] == [c.id for c in handle.agent_legs[0].communications]
    # Participant-level ACW: on the leg's first answered communication.
    assert ada.calls[0].after_call_work.state == "pending"
    post(conversations, handle.id, handle.agent_legs[1], people.sale)
    assert emulator.wrapup(handle.id, bob.id) is not None


def test_conference_of_three(
    emulator: Emulator, fake_clock: FakeClock, people: People, conversations: Any
) -> None:
    """A conference: customer and both agents connected at once, then both agents in ACW."""
    handle = emulator.add_shape(shapes.conference(people.ada, people.bob, people.queue, ring=2, talk=30))
    fake_clock.advance(40)
    live = conversations.get_conversation(handle.id)
    assert [p.calls[0].state for p in live.participants] == [
        "connected",
        "disconnected",
        "connected",
        "connected",
    ]
    fake_clock.advance(600)
    ended = conversations.get_conversation(handle.id)
    assert [p.calls[0].after_call_work.state for p in ended.participants[2:]] == ["pending", "pending"]


def test_reoffer_keeps_unanswered_legs_of_the_same_user(
    emulator: Emulator, people: People, conversations: Any, strict_api: Any
) -> None:
    """Re-offers: unanswered legs have no connectedTime, no afterCallWork, wrapupRequired false, system."""
    shape = shapes.reoffer(people.ada, people.queue, offers=3, answered=1)
    handle = played(emulator, shape)
    legs = handle.legs_of(people.ada)
    assert len(legs) == 3
    conv = conversations.get_conversation(handle.id)
    unanswered = [participant(conv, legs[i].participant_id) for i in (0, 2)]
    answered = participant(conv, legs[1].participant_id)
    for p in unanswered:
        assert (p.connected_time, p.wrapup_required) == (None, False)
        assert (p.calls[0].connected_time, p.calls[0].after_call_work) == (None, None)
        assert p.calls[0].disconnect_type == "system"
    assert answered.wrapup_required is True
    assert answered.calls[0].after_call_work.state == "pending"
    assert answered.calls[0].disconnect_type == "transfer"  # back to the queue, then offered again
    with pytest.raises(ApiException) as refused:
        post(sdk.ConversationsApi(strict_api), handle.id, legs[2], people.sale)
    assert refused.value.status == 400  # Rules.unanswered_write
    post(conversations, handle.id, legs[1], people.sale)
    assert emulator.wrapup(handle.id, legs[1].participant_id) is not None


def test_reoffer_unanswered_write_rule_accept(emulator: Emulator, people: People, conversations: Any) -> None:
    """Rules.unanswered_write="accept": a write to an offer never answered is recorded there."""
    emulator.rules.unanswered_write = "accept"
    handle = played(emulator, shapes.reoffer(people.ada, people.queue, offers=2, answered=-1))
    first = handle.legs_of(people.ada)[0]
    post(conversations, handle.id, first, people.sale)
    assert emulator.wrapup(handle.id, first.participant_id, first.communication_id) is not None


def test_reoffer_with_no_answer(emulator: Emulator, people: People, conversations: Any) -> None:
    """answered=None: every offer times out and no leg ever shows after-call work."""
    handle = played(emulator, shapes.reoffer(people.ada, people.queue, offers=2, answered=None))
    conv = conversations.get_conversation(handle.id)
    assert [p.calls[0].after_call_work for p in conv.participants if p.purpose == "agent"] == [None, None]
    assert conv.end_time is not None


def test_transfer_back_to_the_same_agent(emulator: Emulator, people: People, conversations: Any) -> None:
    """A → B → A: the first agent has two answered legs, each with its own ACW."""
    handle = played(emulator, shapes.transfer_back(people.ada, people.bob, people.queue))
    first, second = handle.legs_of(people.ada)
    conv = conversations.get_conversation(handle.id)
    assert [
        participant(conv, leg.participant_id).calls[0].after_call_work.state for leg in (first, second)
    ] == [
        "pending",
        "pending",
    ]
    post(conversations, handle.id, second, people.sale)
    assert emulator.wrapup(handle.id, second.participant_id) is not None
    assert emulator.wrapup(handle.id, first.participant_id) is None


@pytest.mark.parametrize("case", [("participant", "callback", "call"), ("communication", "call", "callback")])
def test_callback_that_dials(
    emulator: Emulator, people: People, conversations: Any, case: tuple[str, str, str]
) -> None:
    """A callback agent who dials: callbacks and calls on one leg; the ACW level decides which carries ACW."""
    level, carrier, other = case
    emulator.rules.acw_level = level
    handle = played(emulator, shapes.callback_dial(people.ada, people.queue))
    agent = handle.agent_legs[0]
    assert [c.media for c in agent.communications] == ["callback", "call"]
    conv = conversations.get_conversation(handle.id)
    p = participant(conv, agent.participant_id)
    arrays = {"callback": p.callbacks[0], "call": p.calls[0]}
    assert arrays["call"].direction == "outbound"
    assert arrays[carrier].after_call_work.state == "pending"
    assert arrays[other].after_call_work is None or arrays[other].after_call_work.state == "notApplicable"
    post(conversations, handle.id, agent, people.sale, carrier)
    assert emulator.wrapup(handle.id, agent.participant_id, agent.communication(carrier).id) is not None
    assert conversations.get_conversation(handle.id).participants[2].end_acw_time is not None


def test_outbound_call(emulator: Emulator, fake_clock: FakeClock, people: People, conversations: Any) -> None:
    """An outbound ACD call: the agent leg comes first, dialing; the customer is contacted."""
    handle = emulator.add_shape(shapes.outbound(people.ada, people.queue, ring=5))
    fake_clock.advance(1)
    dialing = conversations.get_conversation(handle.id)
    assert [(p.purpose, p.calls[0].state) for p in dialing.participants] == [
        ("agent", "dialing"),
        ("customer", "contacting"),
    ]
    assert dialing.participants[0].calls[0].direction == "outbound"
    fake_clock.advance(600)
    post(conversations, handle.id, handle.legs[0], people.sale)
    assert emulator.wrapup(handle.id, handle.legs[0].participant_id) is not None


def test_outbound_without_a_queue_is_a_user_leg(
    emulator: Emulator, people: People, conversations: Any
) -> None:
    """Without a queue the caller is purpose user and takes no wrap-up (ACW notApplicable)."""
    handle = played(emulator, shapes.outbound(people.ada))
    leg = conversations.get_conversation(handle.id).participants[0]
    assert (leg.purpose, leg.queue_id, leg.wrapup_required) == ("user", None, False)
    assert leg.calls[0].after_call_work.state == "notApplicable"


@pytest.mark.parametrize(("required", "state"), [(False, "notApplicable"), (True, "pending")])
def test_direct_call_between_users(
    emulator: Emulator, people: People, conversations: Any, required: bool, state: str
) -> None:
    """A direct non-ACD call: two purpose-user legs, no queue, no ACD; wrap-up only if required."""
    handle = played(emulator, shapes.direct_call(people.ada, people.bob, wrapup_required=required))
    conv = conversations.get_conversation(handle.id)
    assert [(p.purpose, p.user_id, p.queue_id) for p in conv.participants] == [
        ("user", people.ada, None),
        ("user", people.bob, None),
    ]
    assert [p.calls[0].after_call_work.state for p in conv.participants] == [state, state]
    assert [p.wrapup_required for p in conv.participants] == [required, required]


def test_alerting_offer_is_visible_before_it_is_answered(
    emulator: Emulator, fake_clock: FakeClock, people: People, conversations: Any
) -> None:
    """Alerting: the leg exists, its call alerts with no connectedTime; a later leg is not there yet."""
    handle = emulator.add_shape(shapes.blind_transfer(people.ada, people.bob, people.queue, ring=4, talk=30))
    fake_clock.advance(2)
    conv = conversations.get_conversation(handle.id)
    assert [p.id for p in conv.participants] == [leg.participant_id for leg in handle.legs[:3]]
    ada = conv.participants[2]
    assert (ada.calls[0].state, ada.calls[0].connected_time, ada.connected_time) == ("alerting", None, None)
    assert ada.wrapup_required is False  # as captured bodies show an alerting offer (tests/corpus)


def test_builder_makes_unseen_shapes(emulator: Emulator, people: People, conversations: Any) -> None:
    """The builder is general: an IVR, then an ACD, then an agent on a message who leaves ACW by a UI code."""
    shape = Shape(
        media="message",
        acw_delay=2.0,
        legs=[
            Leg.customer(disconnect=40),
            Leg.ivr(until=5),
            Leg.acd(people.queue, at=5, until=6),
            Leg.agent(
                people.ada, people.queue, alert=6, connect=8, disconnect=40, ui_wrapup=(3.0, people.sale)
            ),
        ],
    )
    handle = played(emulator, shape)
    conv = conversations.get_conversation(handle.id)
    assert [p.purpose for p in conv.participants] == ["customer", "ivr", "acd", "agent"]
    agent = conv.participants[3]
    assert agent.messages[0].after_call_work.state == "complete"
    assert agent.wrapup.code == people.sale
    stored = emulator.wrapup(handle.id, agent.id)
    assert stored is not None
    assert stored["code"] == people.sale


@pytest.mark.parametrize(
    ("legs", "message"),
    [
        ([Leg(user_id=None)], "needs a known user_id"),
        ([Leg.customer(disconnect=5), Leg(purpose="robot")], "purpose must be one of"),
        ([Leg(user_id="u", comms=(Comm(alert=5, connect=2),))], "steps must come in order"),
        ([Leg(user_id="u", comms=(Comm(alert=None, connect=None),))], "needs alert or connect"),
        ([Leg(user_id="u", comms=(Comm(disconnect=1, disconnect_type="hangup"),))], "disconnect_type"),
        ([Leg(user_id="u", comms=(Comm(media="fax"),))], "media must be one of"),
        ([Leg(user_id="u", consult=4)], "consult must be the index"),
    ],
)
def test_invalid_shapes_are_400(emulator: Emulator, legs: list[Leg], message: str) -> None:
    """A shape is checked before anything is created; the message names the leg and field."""
    emulator.add_user("U", id="u")
    with pytest.raises(EmulatorError) as error:
        emulator.add_shape(Shape(legs=legs))
    assert error.value.status == 400
    assert message in error.value.message
    assert emulator.state.conversations == {}


def test_shapes_over_the_control_plane(
    emulator: Emulator, fake_clock: FakeClock, people: People, conversations: Any
) -> None:
    """POST /shapes takes the builder's fields as JSON; POST /shapes/{name} a ready-made shape's arguments."""
    body = {
        "media": "email",
        "id": "conv-x",
        "legs": [
            {"purpose": "customer", "comms": [{"alert": None, "connect": 0, "disconnect": 20}]},
            {
                "purpose": "acd",
                "queue_id": people.queue,
                "comms": [{"alert": None, "connect": 0, "disconnect": 0}],
            },
            {"user_id": people.ada, "queue_id": people.queue, "comms": [{"connect": 1, "disconnect": 20}]},
        ],
    }
    status, data = control(emulator, "POST", "/shapes", body)
    assert status == 200
    handle = ShapeHandle.from_json(data)
    assert (handle.id, handle.media, [leg.purpose for leg in handle.legs]) == (
        "conv-x",
        "email",
        ["customer", "acd", "agent"],
    )
    status, data = control(
        emulator,
        "POST",
        "/shapes/reoffer",
        {"user_id": people.ada, "queue_id": people.queue, "offers": 2, "id": "r"},
    )
    assert status == 200
    reoffered = ShapeHandle.from_json(data)
    assert reoffered.id == "r"
    assert len(reoffered.legs_of(people.ada)) == 2
    fake_clock.advance(600)
    assert (
        conversations.get_conversation("conv-x").participants[2].emails[0].after_call_work.state == "pending"
    )
    status, error = control(emulator, "POST", "/shapes", {"legs": [{"purpose": "robot"}]})
    assert (status, error["code"]) == (400, "bad.request")
    assert (
        control(emulator, "POST", "/shapes/reoffer", {"user_id": people.ada})[0] == 400
    )  # queue_id is required
    assert control(emulator, "POST", "/shapes/reoffer", {"user_id": 5, "queue_id": people.queue})[0] == 400


def test_handle_round_trips_through_json(emulator: Emulator, people: People) -> None:
    """ShapeHandle.to_json()/from_json() and ConversationHandle.legs keep every id in order."""
    handle = emulator.add_shape(shapes.callback_dial(people.ada, people.queue))
    assert ShapeHandle.from_json(handle.to_json()) == handle
    simple = emulator.add_conversation(user_id=people.ada, queue_id=people.queue)
    assert [leg.participant_id for leg in simple.legs] == [
        simple.customer_participant_id,
        simple.acd_participant_id,
        simple.agent_participant_id,
    ]
    assert simple.legs[2].communication_id == simple.agent_communication_id
    assert type(simple).from_json(simple.to_json()) == simple


def test_disconnect_ends_every_live_leg_and_drops_upcoming_ones(
    emulator: Emulator, fake_clock: FakeClock, people: People, conversations: Any
) -> None:
    """Emulator.disconnect() mid-shape: live legs end now, legs not offered yet never appear."""
    handle = emulator.add_shape(shapes.blind_transfer(people.ada, people.bob, people.queue))
    fake_clock.advance(10)
    emulator.disconnect(handle.id)
    fake_clock.advance(600)
    conv = conversations.get_conversation(handle.id)
    assert [p.purpose for p in conv.participants] == ["customer", "acd", "agent"]
    assert conv.participants[2].calls[0].after_call_work.state == "pending"
    with pytest.raises(EmulatorError) as again:
        emulator.disconnect(handle.id)
    assert again.value.status == 409


def test_error_names_the_unknown_communication(emulator: Emulator, people: People, strict_api: Any) -> None:
    """A communication id from another leg is a 404 for this participant."""
    handle = played(emulator, shapes.transfer_back(people.ada, people.bob, people.queue))
    first, second = handle.legs_of(people.ada)
    with pytest.raises(ApiException) as missing:
        sdk.ConversationsApi(strict_api).post_conversations_call_participant_communication_wrapup(
            handle.id, first.participant_id, second.communication_id, body=wrapup_input(people.sale)
        )
    assert missing.value.status == 404
    assert "not found" in error_of(missing)["message"]
