"""Choosing the agent participant and reading its communication from conversation JSON."""

from __future__ import annotations

from typing import Any

import pytest

from wrapupkit import MediaType
from wrapupkit._conversation import select_target
from wrapupkit._snapshot import snapshot_of
from wrapupkit.exceptions import AmbiguousParticipant, Candidate, ParticipantNotFound, UnsupportedInteraction


def agent(
    pid: str, user: str, *, media: str = "calls", comm: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": pid,
        "purpose": "agent",
        "userId": user,
        "queueId": "q1",
        "wrapupRequired": True,
        media: [{"id": comm or f"m-{pid}", "state": "disconnected", "afterCallWork": {"state": "pending"}}],
        **extra,
    }


def conversation(*participants: dict[str, Any]) -> dict[str, Any]:
    customer = {"id": "p-cust", "purpose": "customer", "calls": [{"id": "m-cust", "state": "disconnected"}]}
    return {"id": "c1", "participants": [customer, *participants]}


def pairs(candidates: tuple[Candidate, ...]) -> list[tuple[str, str | None]]:
    return [(c.participant_id, c.user_id) for c in candidates]


def test_the_single_agent_is_chosen() -> None:
    """With one agent participant, no hint is needed."""
    target = select_target(conversation(agent("p1", "u1")))
    assert (target.participant_id, target.communication_id, target.queue_id) == ("p1", "m-p1", "q1")
    assert target.endpoint.media is MediaType.CALL


def test_choice_by_user_and_by_participant() -> None:
    """user_id and participant_id pick among several agents."""
    conv = conversation(agent("p1", "u1"), agent("p2", "u2"))
    assert select_target(conv, user_id="u2").participant_id == "p2"
    assert select_target(conv, participant_id="p1").participant_id == "p1"


def test_several_agents_awaiting_wrapup_is_ambiguous_and_lists_them() -> None:
    """Two agents both awaiting wrap-up need a hint; the error lists the candidates."""
    conv = conversation(agent("p1", "u1"), agent("p2", "u2"))
    with pytest.raises(AmbiguousParticipant) as info:
        select_target(conv)
    assert pairs(info.value.candidates) == [("p1", "u1"), ("p2", "u2")]
    assert "p1 (user u1" in str(info.value)


def test_an_agent_already_wrapped_up_is_not_a_candidate() -> None:
    """After a transfer, the earlier agent's wrapped-up leg does not compete."""
    done = agent("p1", "u1", wrapup={"code": "x"}, endAcwTime="2026-01-01T10:00:00Z")
    assert select_target(conversation(done, agent("p2", "u2"))).participant_id == "p2"


def test_unknown_participant_and_user_are_not_found() -> None:
    """Hints that match nothing raise ParticipantNotFound with the agents listed."""
    conv = conversation(agent("p1", "u1"))
    with pytest.raises(ParticipantNotFound, match="no participant p9") as info:
        select_target(conv, participant_id="p9")
    assert pairs(info.value.candidates) == [("p1", "u1")]
    with pytest.raises(ParticipantNotFound, match="user u9"):
        select_target(conv, user_id="u9")
    with pytest.raises(ParticipantNotFound, match="belongs to user u1"):
        select_target(conv, participant_id="p1", user_id="u2")
    with pytest.raises(ParticipantNotFound):
        select_target(conversation())


@pytest.mark.parametrize(
    ("array", "media"),
    [("calls", "call"), ("socialExpressions", "social"), ("messages", "message"), ("videos", "video")],
)
def test_media_comes_from_the_communication_array(array: str, media: str) -> None:
    """The media type is read from which per-media array holds the communication."""
    assert select_target(conversation(agent("p1", "u1", media=array))).endpoint.media.value == media


def test_chat_is_unsupported_with_a_reason() -> None:
    """Chats have no wrap-up endpoint in the SDK: a clear error, not a wrong write."""
    with pytest.raises(UnsupportedInteraction, match="chat") as info:
        select_target(conversation(agent("p1", "u1", media="chats")))
    assert info.value.media == "chats"


def test_snapshot_reads_state_acw_and_wrapup() -> None:
    """The snapshot carries the communication's state, ACW state and any applied code."""
    conv = conversation(agent("p1", "u1"))
    target = select_target(conv)
    snap = snapshot_of(conv, target, taken_at=5.0)
    assert (snap.state, snap.acw_state, snap.wrapup_code, snap.taken_at) == (
        "disconnected",
        "pending",
        None,
        5.0,
    )
    conv["participants"][1]["calls"][0]["wrapup"] = {"code": "c-9"}
    conv["participants"][1]["calls"][0]["disconnectedTime"] = "2026-01-01T10:00:00.000Z"
    snap = snapshot_of(conv, target)
    assert snap.wrapup_code == "c-9"
    assert snap.has_wrapup
    assert snap.disconnected_time is not None
    assert snap.disconnected_time.year == 2026


def test_snapshot_of_a_vanished_communication_raises() -> None:
    """If the communication disappears from the conversation, say so."""
    conv = conversation(agent("p1", "u1"))
    target = select_target(conv)
    conv["participants"][1]["calls"] = []
    with pytest.raises(ParticipantNotFound, match="no longer"):
        snapshot_of(conv, target)


def test_a_non_agent_participant_is_refused() -> None:
    """Naming the customer's participant id is an error that lists the agents."""
    with pytest.raises(ParticipantNotFound, match="is a customer participant") as info:
        select_target(conversation(agent("p1", "u1")), participant_id="p-cust")
    assert pairs(info.value.candidates) == [("p1", "u1")]
