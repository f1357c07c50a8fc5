"""SQSEvents against a real moto_server: standard and FIFO queues, deletes only on ack, problem deliveries."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from sqs_helpers import make_queue, queue_depth

from wrapupkit.exceptions import ConfigurationError, TransportError
from wrapupkit.fleet import EventKind
from wrapupkit.fleet._envelope import envelope
from wrapupkit.fleet._sqs import SQSEvents, parse_queue_url


pytestmark = pytest.mark.asyncio

CONV = "0f0e8a52-2d7c-4a63-9b0e-222222222222"
SECRET = "wrap-up notes that must not leak"


def user_end(conversation_id: str = CONV, participant: str = "agent-leg") -> str:
    topic = f"v2.detail.events.conversation.{conversation_id}.user.end"
    body = {
        "eventTime": 1_767_225_600_000,
        "conversationId": conversation_id,
        "participantId": participant,
        "userId": "user-1",
        "disconnectType": "CLIENT",
    }
    return json.dumps(envelope(topic, body, org_id="org-1", name="wrapups"))


def acw(conversation_id: str = CONV, code: str = "code-1") -> str:
    topic = f"v2.detail.events.conversation.{conversation_id}.acw"
    body = {
        "conversationId": conversation_id,
        "participantId": "agent-leg",
        "wrapupCode": code,
        "wrapupNotes": SECRET,
    }
    return json.dumps(envelope(topic, body))


async def receive_all(source: SQSEvents, count: int) -> list[Any]:
    got: list[Any] = []
    for _ in range(20):
        got += await source.receive(max_messages=10, wait=1)
        if len(got) >= count:
            break
    return got


async def test_standard_queue_events_are_deleted_only_on_ack(sqs: Any) -> None:
    url = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody=user_end())
    sqs.send_message(QueueUrl=url, MessageBody=acw())
    source = SQSEvents(url, wait=1, visibility=30)
    await source.start()
    try:
        assert source.fifo is False
        got = await receive_all(source, 2)
        events = {d.event.kind: d for d in got if d.event is not None}
        assert set(events) == {EventKind.USER_END, EventKind.ACW}
        end = events[EventKind.USER_END].event
        assert (end.conversation_id, end.participant_id, end.disconnect_type) == (CONV, "agent-leg", "CLIENT")
        assert events[EventKind.ACW].event.wrapup_code == "code-1"
        assert all(d.receipt for d in got)

        assert queue_depth(sqs, url) == 2  # received, in flight, not deleted
        await source.ack(events[EventKind.USER_END])
        assert queue_depth(sqs, url) == 1
        await source.ack(events[EventKind.ACW])
        assert queue_depth(sqs, url) == 0
        assert source.counts == {"received": 2, "problems": 0, "deleted": 2}
    finally:
        await source.close()


async def test_an_unacknowledged_message_comes_back(sqs: Any) -> None:
    url = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody=user_end())
    source = SQSEvents(url, wait=1, visibility=0)  # visible again at once: as after a worker crash
    await source.start()
    try:
        first = await receive_all(source, 1)
        again = await receive_all(source, 1)
        assert [d.event.conversation_id for d in first + again] == [CONV, CONV]
        assert first[0].receipt != again[0].receipt
        await source.ack(again[0])
        assert queue_depth(sqs, url) == 0
    finally:
        await source.close()


async def test_fifo_queue_keeps_a_conversations_order(sqs: Any) -> None:
    url = make_queue(sqs, fifo=True)
    for message in (user_end(), acw()):
        sqs.send_message(QueueUrl=url, MessageBody=message, MessageGroupId=CONV)
    source = SQSEvents(url, wait=1, visibility=30)
    await source.start()
    try:
        assert source.fifo is True
        got = await receive_all(source, 2)
        assert [d.event.kind for d in got] == [EventKind.USER_END, EventKind.ACW]
        for delivery in got:
            await source.ack(delivery)
        assert queue_depth(sqs, url) == 0
    finally:
        await source.close()


async def test_malformed_and_unknown_messages_are_problem_deliveries(sqs: Any, caplog: Any) -> None:
    url = make_queue(sqs)
    foreign = {"detail-type": "EC2 Instance State-change", "source": "aws.ec2", "detail": {"secret": SECRET}}
    presence = envelope("v2.users.u1.presence", {"secret": SECRET})
    bad_type = json.loads(user_end())
    bad_type["detail"]["eventBody"]["eventTime"] = SECRET
    for body in ("not json " + SECRET, json.dumps(foreign), json.dumps(presence), json.dumps(bad_type)):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    source = SQSEvents(url, wait=1, visibility=30)
    await source.start()
    try:
        got = await receive_all(source, 4)
        assert len(got) == 4
        assert all(d.event is None and d.problem and d.receipt for d in got)
        assert sorted(d.problem.split(" ")[-1] for d in got)  # each names its reason
        assert source.counts["problems"] == 4
        assert SECRET not in caplog.text
        assert all(SECRET not in (d.problem or "") for d in got)
        for delivery in got:
            await source.ack(delivery)
        assert queue_depth(sqs, url) == 0
    finally:
        await source.close()


async def test_an_sns_wrapped_envelope_is_unwrapped(sqs: Any) -> None:
    url = make_queue(sqs)
    sns = {"Type": "Notification", "MessageId": "m", "Message": user_end()}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(sns))
    source = SQSEvents(url, wait=1)
    await source.start()
    try:
        got = await receive_all(source, 1)
        assert got[0].event is not None
        assert got[0].event.kind is EventKind.USER_END
    finally:
        await source.close()


async def test_receive_returns_empty_when_nothing_comes(sqs: Any) -> None:
    source = SQSEvents(make_queue(sqs), wait=0)
    await source.start()
    try:
        assert await source.receive(max_messages=5, wait=0) == []
    finally:
        await source.close()


async def test_a_missing_queue_is_a_clear_configuration_error(aws: str) -> None:
    source = SQSEvents(f"{aws}/123456789012/no-such-queue", wait=0)
    with pytest.raises(ConfigurationError, match="no-such-queue does not exist"):
        await source.start()


async def test_an_unreachable_endpoint_is_a_transport_error(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    source = SQSEvents("http://127.0.0.1:9/123456789012/q", wait=0)
    with pytest.raises(TransportError, match="SQS queue q"):
        await source.start()


async def test_receive_before_start_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="not started"):
        await SQSEvents("https://sqs.eu-west-1.amazonaws.com/1/q").receive(max_messages=1, wait=0)


@pytest.mark.parametrize(
    ("url", "name", "region"),
    [
        ("https://sqs.eu-west-1.amazonaws.com/123456789012/genesys", "genesys", "eu-west-1"),
        ("https://sqs.us-east-1.amazonaws.com/123456789012/events.fifo", "events.fifo", "us-east-1"),
        ("http://127.0.0.1:5000/123456789012/q_1-a", "q_1-a", None),
    ],
)
async def test_queue_urls_are_understood(url: str, name: str, region: str | None) -> None:
    assert parse_queue_url(url) == (name, region)
    source = SQSEvents(url)
    assert (source.queue_name, source.region, source.fifo) == (name, region, name.endswith(".fifo"))


@pytest.mark.parametrize(
    "url",
    [
        "sqs://queue",
        "https://sqs.eu-west-1.amazonaws.com/genesys",
        "https://sqs.eu-west-1.amazonaws.com/1/bad name",
        "https://sqs.eu-west-1.amazonaws.com/1/" + "x" * 81,
        "ftp://h/1/q",
        "",
        42,
    ],
)
async def test_bad_queue_urls_are_configuration_errors(url: Any) -> None:
    with pytest.raises(ConfigurationError):
        SQSEvents(url)


@pytest.mark.parametrize("options", [{"wait": 21}, {"wait": -1}, {"visibility": 1.5}, {"threads": 0}])
async def test_bad_options_are_configuration_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        SQSEvents("https://sqs.eu-west-1.amazonaws.com/1/q", **options)


async def test_without_boto3_start_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if not installed
    with pytest.raises(ConfigurationError, match=r"wrapupkit\[sqs\]"):
        await SQSEvents("https://sqs.eu-west-1.amazonaws.com/1/q").start()
