"""Real conversation shapes end to end: the official SDK over HTTP against the emulator's multi-leg shapes.

Each test plays a shape (re-offers, transfers, consults, conferences, callbacks that dial, direct calls,
digital transfers) on the fake clock and checks that ``apply_wrapup()`` POSTs to exactly the participant and
communication docs/which-leg.md says, or that the typed error names the legs to choose from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from wrapupkit import Polling, RetryPolicy, WrapupClient
from wrapupkit.emulator import Emulator, ShapeHandle, shapes
from wrapupkit.exceptions import (
    AmbiguousParticipant,
    BadRequest,
    Conflict,
    NotAnsweredYet,
    ParticipantNotFound,
    ReadinessTimeout,
)
from wrapupkit.testing import FakeClock


POST = re.compile(
    r"/api/v2/conversations/(?P<media>\w+)/[^/]+/participants/(?P<pid>[^/]+)/communications/(?P<mid>[^/]+)/wrapup$"
)


@dataclass
class Org:
    sale: str
    queue: str
    queue2: str
    ada: str
    bob: str
    cy: str


@pytest.fixture(name="org")
def _org(emu: Emulator) -> Org:
    sale = emu.add_code("Sale")
    return Org(
        sale=sale,
        queue=emu.add_queue("Support", codes=[sale], wrapup_prompt="MANDATORY"),
        queue2=emu.add_queue("Sales", codes=[sale], wrapup_prompt="MANDATORY"),
        ada=emu.add_user("Ada"),
        bob=emu.add_user("Bob"),
        cy=emu.add_user("Cy"),
    )


@pytest.fixture(name="client")
def _client(emu: Emulator, clock: FakeClock) -> Iterator[WrapupClient]:
    with WrapupClient.from_credentials(
        emu.client_id, emu.client_secret, host=emu.url, clock=clock, retry=RetryPolicy.no_wait(), timeout=600
    ) as client:
        yield client


def played(emu: Emulator, shape: Any, until: float = 600.0) -> ShapeHandle:
    handle = emu.add_shape(shape)
    emu.advance(until)
    return handle


def posts(emu: Emulator) -> list[tuple[str, str, str]]:
    """(media segment, participant id, communication id) of every wrap-up POST, in order."""
    found = []
    for request in emu.requests_matching("POST", r"/wrapup$"):
        match = POST.search(request.path)
        assert match is not None, request.path
        found.append((match["media"], match["pid"], match["mid"]))
    return found


def test_reoffer_answered_then_offered_again_targets_the_answered_leg(
    emu: Emulator, client: WrapupClient, org: Org
) -> None:
    """An unanswered re-offer after the answered leg is not a candidate, with or without user_id."""
    handle = played(emu, shapes.reoffer(org.ada, org.queue, offers=2, answered=0))
    answered, unanswered = handle.legs_of(org.ada)
    result = client.apply_wrapup(handle.id, "Sale", user_id=org.ada)
    assert (result.participant_id, result.communication_id) == (
        answered.participant_id,
        answered.communication_id,
    )
    assert posts(emu) == [("calls", answered.participant_id, answered.communication_id)]
    assert emu.wrapup(handle.id, participant_id=unanswered.participant_id) is None
    again = client.apply_wrapup(handle.id, "Sale")  # no ids: one user, the same leg, already there
    assert (again.participant_id, again.already_applied) == (answered.participant_id, True)


def test_reoffer_answered_on_the_last_offer(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """Three offers, two alert timeouts, the third answered: the answered leg, found without ids."""
    handle = played(emu, shapes.reoffer(org.ada, org.queue, offers=3, answered=-1))
    *_, answered = handle.legs_of(org.ada)
    result = client.apply_wrapup(handle.id, "Sale")
    assert posts(emu) == [("calls", answered.participant_id, answered.communication_id)]
    assert result.participant_id == answered.participant_id


def test_offers_never_answered_are_no_target(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """No leg ever connected and nothing rings any more: ParticipantNotFound lists the legs; nothing sent."""
    handle = played(emu, shapes.reoffer(org.ada, org.queue, offers=2, answered=None))
    with pytest.raises(ParticipantNotFound) as info:
        client.apply_wrapup(handle.id, "Sale", user_id=org.ada)
    assert not isinstance(info.value, NotAnsweredYet)
    assert {c.participant_id for c in info.value.candidates} == {
        leg.participant_id for leg in handle.legs_of(org.ada)
    }
    assert all(c.connected_time is None for c in info.value.candidates)
    assert posts(emu) == []


def test_a_call_still_ringing_is_waited_for(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """Called while the first offer rings: the wait follows the re-offer that is answered; one write."""
    handle = emu.add_shape(shapes.reoffer(org.ada, org.queue, offers=2, answered=1))
    emu.advance(1)
    _, answered = handle.legs_of(org.ada)
    result = client.apply_wrapup(handle.id, "Sale", user_id=org.ada)
    assert posts(emu) == [("calls", answered.participant_id, answered.communication_id)]
    assert result.waited > 30


def test_ringing_past_the_deadline_is_not_answered_yet(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """Still no answer at the deadline: NotAnsweredYet (a ParticipantNotFound); nothing written."""
    handle = emu.add_shape(shapes.reoffer(org.ada, org.queue, offers=1, answered=None, alert_timeout=60))
    emu.advance(1)
    with pytest.raises(NotAnsweredYet):
        client.apply_wrapup(handle.id, "Sale", timeout=10)
    assert posts(emu) == []


@pytest.mark.parametrize("media", ["call", "email", "message"])
def test_blind_transfer_each_agent_wraps_up_their_own_leg(
    emu: Emulator, client: WrapupClient, org: Org, media: str
) -> None:
    """Both agents await a wrap-up: no ids is ambiguous (both listed); each user_id gets its own leg."""
    handle = played(emu, shapes.blind_transfer(org.ada, org.bob, org.queue, media=media))
    (first,), (second,) = handle.legs_of(org.ada), handle.legs_of(org.bob)
    with pytest.raises(AmbiguousParticipant) as info:
        client.apply_wrapup(handle.id, "Sale")
    assert {(c.participant_id, c.user_id) for c in info.value.candidates} == {
        (first.participant_id, org.ada),
        (second.participant_id, org.bob),
    }
    assert all(c.awaiting and c.connected_time for c in info.value.candidates)
    assert org.ada in str(info.value)
    assert org.bob in str(info.value)
    assert posts(emu) == []
    client.apply_wrapup(handle.id, "Sale", user_id=org.ada)
    client.apply_wrapup(handle.id, "Sale", user_id=org.bob)
    segment = {"call": "calls", "email": "emails", "message": "messages"}[media]
    assert posts(emu) == [
        (segment, first.participant_id, first.communication_id),
        (segment, second.participant_id, second.communication_id),
    ]


def test_blind_transfer_after_the_first_agent_wrapped_up(
    emu: Emulator, client: WrapupClient, org: Org
) -> None:
    """Once the transferring agent's leg has its code, the receiving agent's leg is the only candidate."""
    handle = played(emu, shapes.blind_transfer(org.ada, org.bob, org.queue, to_queue_id=org.queue2))
    (first,), (second,) = handle.legs_of(org.ada), handle.legs_of(org.bob)
    client.apply_wrapup(handle.id, "Sale", participant_id=first.participant_id)
    result = client.apply_wrapup(handle.id, "Sale")
    assert (result.participant_id, result.queue_id) == (second.participant_id, org.queue2)
    assert posts(emu)[-1] == ("calls", second.participant_id, second.communication_id)


@pytest.mark.parametrize("consult_call", [False, True])
def test_consult_transfer(emu: Emulator, client: WrapupClient, org: Org, consult_call: bool) -> None:
    """The consulting agent's own leg (and its communication in after-call work), then the receiver's."""
    handle = played(emu, shapes.consult_transfer(org.ada, org.bob, org.queue, consult_call=consult_call))
    (first,), (second,) = handle.legs_of(org.ada), handle.legs_of(org.bob)
    result = client.apply_wrapup(handle.id, "Sale", user_id=org.ada)
    assert result.participant_id == first.participant_id
    assert result.communication_id in {c.id for c in first.communications}
    stored = emu.wrapup(
        handle.id, participant_id=first.participant_id, communication_id=result.communication_id
    )
    assert stored is not None
    assert stored["code"] == org.sale
    assert client.apply_wrapup(handle.id, "Sale", user_id=org.bob).participant_id == second.participant_id


def test_conference_of_three(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """Two agents and the customer: ambiguous without ids, exact with each user."""
    handle = played(emu, shapes.conference(org.ada, org.bob, org.queue))
    with pytest.raises(AmbiguousParticipant):
        client.apply_wrapup(handle.id, "Sale")
    for user in (org.ada, org.bob):
        (leg,) = handle.legs_of(user)
        assert client.apply_wrapup(handle.id, "Sale", user_id=user).communication_id == leg.communication_id


def test_transfer_back_to_the_same_agent(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """The first agent has two legs: the latest awaits (by its own times), the other was transferred away."""
    handle = played(emu, shapes.transfer_back(org.ada, org.bob, org.queue))
    earlier, later = handle.legs_of(org.ada)
    client.apply_wrapup(handle.id, "Sale", participant_id=earlier.participant_id)  # its own wrap-up first
    result = client.apply_wrapup(handle.id, "Sale", user_id=org.ada)
    assert (result.participant_id, result.communication_id) == (later.participant_id, later.communication_id)


@pytest.mark.parametrize(("level", "media"), [("communication", "calls"), ("participant", "callbacks")])
def test_callback_whose_agent_dials(
    emu: Emulator, client: WrapupClient, org: Org, level: str, media: str
) -> None:
    """A callback and a call on one leg: the wrap-up goes to the communication in after-call work."""
    emu.rules.acw_level = level
    handle = played(emu, shapes.callback_dial(org.ada, org.queue))
    (leg,) = handle.legs_of(org.ada)
    expected = leg.communication("call" if media == "calls" else "callback")
    result = client.apply_wrapup(handle.id, "Sale", user_id=org.ada)
    assert posts(emu) == [(media, leg.participant_id, expected.id)]
    assert result.media_type.value == ("call" if media == "calls" else "callback")


def test_the_target_follows_acw_to_the_dialled_call(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """Called while the agent is on the callback: ACW shows on the call, and the write follows it."""
    emu.rules.acw_level = "communication"
    handle = emu.add_shape(shapes.callback_dial(org.ada, org.queue))
    emu.advance(3)  # the callback is connected; the agent has not dialled yet
    (leg,) = handle.legs_of(org.ada)
    result = client.apply_wrapup(handle.id, "Sale", user_id=org.ada)
    assert result.communication_id == leg.communication("call").id
    assert posts(emu) == [("calls", leg.participant_id, leg.communication("call").id)]


def test_a_media_type_check_follows_the_chosen_communication(
    emu: Emulator, client: WrapupClient, org: Org
) -> None:
    """media_type is checked against the communication that carries the after-call work (the call)."""
    emu.rules.acw_level = "communication"
    handle = played(emu, shapes.callback_dial(org.ada, org.queue))
    assert (
        client.apply_wrapup(handle.id, "Sale", user_id=org.ada, media_type="call").media_type.value == "call"
    )


def test_direct_call_between_users(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """A non-ACD call (purpose user, no queue) requiring a wrap-up: the caller's leg, its own code list."""
    emu.set_queue_codes(org.queue, [org.sale])
    handle = played(emu, shapes.direct_call(org.ada, org.bob, wrapup_required=True))
    (caller,) = handle.legs_of(org.ada)
    result = client.apply_wrapup(handle.id, "Sale", user_id=org.ada)
    assert (result.participant_id, result.queue_id) == (caller.participant_id, None)


def test_outbound_call(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """An agent's outbound call on behalf of a queue."""
    handle = played(emu, shapes.outbound(org.ada, org.queue))
    (leg,) = handle.legs_of(org.ada)
    assert client.apply_wrapup(handle.id, "Sale").participant_id == leg.participant_id


# -- unclear states: one write after the grace, Genesys decides (tested both ways) ---------------------


def _agent_requested(emu: Emulator, org: Org) -> tuple[ShapeHandle, Any]:
    queue = emu.add_queue("Requested", codes=[org.sale], wrapup_prompt="AGENT_REQUESTED")
    handle = played(emu, shapes.blind_transfer(org.ada, org.bob, queue))
    (leg,) = handle.legs_of(org.ada)
    return handle, leg


@pytest.mark.parametrize("state", ["notApplicable", "skipped"])
def test_acw_not_requested_is_tried_once_and_accepted(
    emu: Emulator, client: WrapupClient, org: Org, state: str
) -> None:
    """AGENT_REQUESTED, not requested: notApplicable or skipped; the write is tried once after the grace."""
    emu.rules.acw_not_requested = state
    handle, leg = _agent_requested(emu, org)
    result = client.apply_wrapup(handle.id, "Sale", user_id=org.ada, readiness=Polling(unclear_grace=2.0))
    assert result.attempts == 1
    assert result.waited >= 2.0
    assert posts(emu) == [("calls", leg.participant_id, leg.communication_id)]


@pytest.mark.parametrize("status", [400, 409])
def test_acw_not_requested_refused_is_the_typed_error(
    emu: Emulator, client: WrapupClient, org: Org, status: int
) -> None:
    """The same, on a platform that refuses: one POST, then the API error; the deadline is not waited out."""
    emu.rules.acw_not_requested = "skipped"
    emu.rules.skipped_write = status
    handle, _ = _agent_requested(emu, org)
    with pytest.raises(BadRequest if status == 400 else Conflict):
        client.apply_wrapup(handle.id, "Sale", user_id=org.ada, timeout=120)
    assert len(posts(emu)) == 1


def test_acw_requested_is_pending_and_written_at_once(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """With ACW requested through the SDK's aftercallwork PATCH before the disconnect, it is pending."""
    queue = emu.add_queue("Requested", codes=[org.sale], wrapup_prompt="AGENT_REQUESTED")
    conv = emu.add_conversation(user_id=org.ada, queue_id=queue, disconnect_after=10.0)
    emu.request_acw(conv.id, conv.agent_participant_id, conv.agent_communication_id, True)
    result = client.apply_wrapup(conv.id, "Sale")
    assert result.attempts == 1
    assert posts(emu) == [("calls", conv.agent_participant_id, conv.agent_communication_id)]


def test_a_short_acw_gap_is_waited_out_without_writing_into_it(
    emu: Emulator, client: WrapupClient, org: Org
) -> None:
    """A strict server shows no ACW (and wrapupRequired false) for a moment and refuses writes then."""
    emu.rules.acw_gap_seconds = 1.0
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue, disconnect_after=0.0)
    result = client.apply_wrapup(conv.id, "Sale")
    assert result.attempts == 1
    assert len(posts(emu)) == 1


def test_a_gap_longer_than_the_grace_is_waited_out_not_raised(
    emu: Emulator, client: WrapupClient, org: Org
) -> None:
    """Past the grace the write is tried; the "not in a valid state" 409 is a wait, not the end."""
    emu.rules.acw_gap_seconds = 30.0
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue, disconnect_after=0.0)
    result = client.apply_wrapup(conv.id, "Sale", readiness=Polling(unclear_grace=2.0))
    assert result.waited >= 30.0
    assert emu.wrapup_writes(conv.id) == 1
    assert 1 < len(posts(emu)) <= 30 / 2.0 + 1  # one try per grace while refused, then the one that lands


def test_a_gap_past_the_deadline_times_out_with_the_refusal_as_cause(
    emu: Emulator, client: WrapupClient, org: Org
) -> None:
    """ACW opens after the deadline: ReadinessTimeout caused by the last 409; nothing written."""
    emu.rules.acw_gap_seconds = 30.0
    conv = emu.add_conversation(user_id=org.ada, queue_id=org.queue, disconnect_after=0.0)
    with pytest.raises(ReadinessTimeout) as info:
        client.apply_wrapup(conv.id, "Sale", timeout=20)
    assert isinstance(info.value.__cause__, Conflict)
    assert info.value.waited >= 19.5
    assert emu.wrapup(conv.id) is None


def test_a_direct_call_without_ids_names_both_users(emu: Emulator, client: WrapupClient, org: Org) -> None:
    """Two users' legs, none awaiting, no code anywhere: no agent is picked at random."""
    handle = played(emu, shapes.direct_call(org.ada, org.bob))
    with pytest.raises(AmbiguousParticipant) as info:
        client.apply_wrapup(handle.id, "Sale")
    assert {c.user_id for c in info.value.candidates} == {org.ada, org.bob}
    assert posts(emu) == []
    (caller,) = handle.legs_of(org.ada)
    result = client.apply_wrapup(handle.id, "Sale", user_id=org.ada)  # one write after the unclear grace
    assert posts(emu) == [("calls", caller.participant_id, caller.communication_id)]
    assert result.attempts == 1


def test_a_transfer_both_wrapped_up_reports_the_latest_code(
    emu: Emulator, client: WrapupClient, org: Org
) -> None:
    """No leg awaits and the latest answered leg holds the code: it is reported, nothing is written."""
    handle = played(emu, shapes.blind_transfer(org.ada, org.bob, org.queue))
    client.apply_wrapup(handle.id, "Sale", user_id=org.ada)
    client.apply_wrapup(handle.id, "Sale", user_id=org.bob)
    emu.clear_requests()
    result = client.apply_wrapup(handle.id, "Sale")
    (second,) = handle.legs_of(org.bob)
    assert (result.participant_id, result.already_applied) == (second.participant_id, True)
    assert posts(emu) == []


@pytest.mark.parametrize(
    "make",
    [
        lambda o: shapes.reoffer(o.ada, o.queue, offers=3, answered=1),
        lambda o: shapes.blind_transfer(o.ada, o.bob, o.queue),
        lambda o: shapes.transfer_back(o.ada, o.bob, o.queue),
        lambda o: shapes.conference(o.ada, o.bob, o.queue),
        lambda o: shapes.callback_dial(o.ada, o.queue),
        lambda o: shapes.consult_transfer(o.ada, o.bob, o.queue, consult_call=True),
    ],
    ids=["reoffer", "blind", "transfer-back", "conference", "callback-dial", "consult-call"],
)
@pytest.mark.parametrize("moment", [5.0, 40.0, 600.0])
def test_the_choice_does_not_depend_on_list_order(emu: Emulator, org: Org, make: Any, moment: float) -> None:
    """At any moment of any shape, shuffled participants and communications give the same target."""
    import random

    from wrapupkit._conversation import select_target

    handle = played(emu, make(org), until=moment)
    body = emu.conversation_json(handle.id)
    for args in ({}, {"user_id": org.ada}, {"user_id": org.bob}):
        expected = _choice(body, args, select_target)
        for seed in range(5):
            shuffled = _shuffled(body, random.Random(seed))
            assert _choice(shuffled, args, select_target) == expected, (args, seed)


def _choice(body: dict[str, Any], args: dict[str, str], select: Any) -> object:
    try:
        target = select(body, **args)
    except Exception as exc:
        return type(exc)
    return (target.participant_id, target.communication_id)


def _shuffled(body: dict[str, Any], rng: Any) -> dict[str, Any]:
    participants = []
    for participant in body["participants"]:
        copy = {k: (rng.sample(v, len(v)) if isinstance(v, list) else v) for k, v in participant.items()}
        keys = list(copy)
        rng.shuffle(keys)
        participants.append({k: copy[k] for k in keys})
    rng.shuffle(participants)
    return dict(body, participants=participants)


def test_events_pick_the_same_leg_as_reads(emu: Emulator, clock: FakeClock, org: Org) -> None:
    """With Notifications the view comes from events: a re-offered call lands on the answered leg."""
    import threading

    from wrapupkit import Notifications

    handle = emu.add_shape(shapes.reoffer(org.ada, org.queue, offers=3, answered=1))
    emu.advance(1)  # the first offer rings
    answered = handle.legs_of(org.ada)[1]
    outcome: list[object] = []
    with (
        Notifications(reconnect_delay=0.01) as strategy,
        WrapupClient.from_credentials(
            emu.client_id, emu.client_secret, host=emu.url, clock=clock, readiness=strategy, timeout=3600
        ) as client,
    ):

        def apply() -> None:
            try:
                outcome.append(client.apply_wrapup(handle.id, "Sale", user_id=org.ada))
            except Exception as exc:
                outcome.append(exc)

        worker = threading.Thread(target=apply)
        worker.start()
        assert strategy.wait_for(client, lambda s: s.waiting == 1)  # listening for the agent's events
        emu.advance(600)  # the offers time out, one is answered, the call ends: events, not reads
        worker.join(timeout=20)
    assert not worker.is_alive()
    (result,) = outcome
    assert not isinstance(result, Exception), result
    assert posts(emu) == [("calls", answered.participant_id, answered.communication_id)]
