"""The emulator's EventBridge sink against a real moto_server: Genesys envelopes for real conversations."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqs_helpers import make_queue

from wrapupkit import RetryPolicy, WrapupClient
from wrapupkit.emulator import Emulator
from wrapupkit.emulator._cli import main as emulator_main
from wrapupkit.emulator.shapes import blind_transfer, reoffer
from wrapupkit.exceptions import ConfigurationError
from wrapupkit.fleet import EventKind, FleetEvent
from wrapupkit.fleet._sqs import SQSEvents
from wrapupkit.testing import FakeClock


SECRET = "notes of the call, never in a log"


def drain(url: str, expected: int) -> list[FleetEvent]:
    """Every event on the queue (through SQSEvents: the worker's own source), acknowledged."""

    async def run() -> list[FleetEvent]:
        source = SQSEvents(url, wait=1, visibility=30)
        await source.start()
        events: list[FleetEvent] = []
        try:
            for _ in range(30):
                for delivery in await source.receive(max_messages=10, wait=1):
                    assert delivery.event is not None, delivery.problem
                    events.append(delivery.event)
                    await source.ack(delivery)
                if len(events) >= expected:
                    break
        finally:
            await source.close()
        return events

    return asyncio.run(run())


def raw_messages(sqs: Any, url: str, expected: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    for _ in range(30):
        response = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageSystemAttributeNames=["All"]
        )
        got += response.get("Messages", [])
        if len(got) >= expected:
            break
    return got


@pytest.fixture(name="queue_url")
def _queue_url(sqs: Any) -> str:
    return make_queue(sqs)


@pytest.fixture(name="emu_eb")
def _emu_eb(queue_url: str, clock: FakeClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, eventbridge_sqs=queue_url, eventbridge_source_name="wrapups") as emu:
        yield emu


def org(emu: Emulator) -> dict[str, str]:
    sale = emu.add_code("Sale")
    return {"sale": sale, "queue": emu.add_queue("Support", codes=[sale]), "user": emu.add_user("Ada")}


def test_a_call_ending_and_a_wrapup_through_the_sdk_arrive_as_user_end_and_acw(
    emu_eb: Emulator, queue_url: str, clock: FakeClock, sqs: Any
) -> None:
    ids = org(emu_eb)
    conv = emu_eb.add_conversation(user_id=ids["user"], queue_id=ids["queue"])
    client = WrapupClient.from_credentials(
        emu_eb.client_id, emu_eb.client_secret, host=emu_eb.url, clock=clock, retry=RetryPolicy.no_wait()
    )
    client.apply_wrapup(conv.id, "Sale", notes=SECRET)
    assert emu_eb.eventbridge is not None
    assert emu_eb.eventbridge.flush()

    messages = raw_messages(sqs, queue_url, 2)
    envelopes = sorted((json.loads(m["Body"]) for m in messages), key=lambda e: e["detail-type"])
    assert [e["detail-type"] for e in envelopes] == [
        "v2.detail.events.conversation.{id}.acw",
        "v2.detail.events.conversation.{id}.user.end",
    ]
    for envelope in envelopes:
        assert envelope["source"].startswith("aws.partner/genesys.com/cloud/")
        assert envelope["source"].endswith("/wrapups")
        assert envelope["detail"]["version"] == "2"
        assert envelope["detail"]["metadata"]["CorrelationId"]
        assert envelope["detail"]["eventBody"]["conversationId"] == conv.id
    assert envelopes[0]["detail"]["topicName"] == f"v2.detail.events.conversation.{conv.id}.acw"
    assert envelopes[0]["detail"]["eventBody"]["wrapupNotes"] == SECRET  # as Genesys sends it
    assert emu_eb.eventbridge.sent == 2
    assert emu_eb.eventbridge.failed == 0


def test_the_worker_source_reads_what_the_emulator_sends(emu_eb: Emulator, queue_url: str) -> None:
    ids = org(emu_eb)
    conv = emu_eb.add_conversation(user_id=ids["user"], queue_id=ids["queue"])
    emu_eb.apply_ui_wrapup(conv.id, ids["sale"])
    assert emu_eb.eventbridge is not None
    assert emu_eb.eventbridge.flush()

    events = {e.kind: e for e in drain(queue_url, 2)}
    assert set(events) == {EventKind.USER_END, EventKind.ACW}
    end, acw = events[EventKind.USER_END], events[EventKind.ACW]
    assert (end.conversation_id, end.participant_id) == (conv.id, conv.agent_participant_id)
    assert (end.user_id, end.queue_id, end.disconnect_type) == (ids["user"], ids["queue"], "CLIENT")
    assert (acw.participant_id, acw.wrapup_code) == (conv.agent_participant_id, ids["sale"])
    assert end.event_time is not None


def test_transfer_and_requeue_send_user_end_for_every_agent_leg(
    emu_eb: Emulator, queue_url: str, clock: FakeClock
) -> None:
    ids = org(emu_eb)
    other = emu_eb.add_user("Grace")
    transfer = emu_eb.add_shape(blind_transfer(ids["user"], other, ids["queue"], ring=1, talk=10))
    requeue = emu_eb.add_shape(reoffer(ids["user"], ids["queue"], offers=2, alert_timeout=5, talk=10))
    clock.advance(120)
    assert emu_eb.eventbridge is not None
    assert emu_eb.eventbridge.flush()

    ends = [e for e in drain(queue_url, 4) if e.kind is EventKind.USER_END]
    by_conv = {
        cid: sorted((e.user_id, e.disconnect_type) for e in ends if e.conversation_id == cid)
        for cid in (transfer.id, requeue.id)
    }
    assert by_conv[transfer.id] == sorted([(ids["user"], "TRANSFER"), (other, "CLIENT")])
    assert by_conv[requeue.id] == sorted([(ids["user"], "SYSTEM"), (ids["user"], "CLIENT")])


def test_queue_conversation_topics_are_sent_when_configured(sqs: Any, clock: FakeClock) -> None:
    url = make_queue(sqs, fifo=True)
    topics = ["v2.routing.queues.{id}.conversations", "v2.detail.events.conversation.{id}.user.end"]
    with Emulator(clock=clock, eventbridge_sqs=url, eventbridge_topics=topics) as emu:
        ids = org(emu)
        conv = emu.add_conversation(user_id=ids["user"], queue_id=ids["queue"], disconnect_after=None)
        emu.disconnect(conv.id)
        assert emu.eventbridge is not None
        assert emu.eventbridge.flush()
    messages = raw_messages(sqs, url, 3)
    assert {m["Attributes"]["MessageGroupId"] for m in messages} == {conv.id}
    kinds = [json.loads(m["Body"])["detail-type"] for m in messages]
    assert "v2.detail.events.conversation.{id}.acw" not in kinds
    assert "v2.routing.queues.{id}.conversations" in kinds
    assert "v2.detail.events.conversation.{id}.user.end" in kinds


@pytest.mark.parametrize("fault", ["missing queue", "no region"])
def test_what_cannot_be_sent_is_counted_and_the_emulator_goes_on(
    fault: str, aws: str, queue_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = queue_url
    if fault == "missing queue":
        url = f"{aws}/123456789012/no-such-queue"
    else:
        monkeypatch.delenv("AWS_DEFAULT_REGION")  # boto3 cannot make a client
    with Emulator(clock=clock, eventbridge_sqs=url) as emu:
        ids = org(emu)
        conv = emu.add_conversation(user_id=ids["user"], queue_id=ids["queue"])
        emu.apply_ui_wrapup(conv.id, ids["sale"])
        assert emu.eventbridge is not None
        assert emu.eventbridge.flush()
        assert (emu.eventbridge.sent, emu.eventbridge.failed) == (0, 2)
        assert emu.wrapup(conv.id) is not None


def test_without_the_option_there_is_no_sink(emu: Emulator) -> None:
    assert emu.eventbridge is None


@pytest.mark.parametrize(
    "options",
    [
        {"eventbridge_sqs": "not a url"},
        {"eventbridge_sqs": "http://127.0.0.1:1/123/bad name"},
        {"eventbridge_sqs": "http://127.0.0.1:1/123/q", "eventbridge_topics": ["v2.no.such.topic"]},
        {"eventbridge_sqs": "http://127.0.0.1:1/123/q", "eventbridge_topics": []},
        {"eventbridge_sqs": "http://127.0.0.1:1/123/q", "eventbridge_source_name": "a/b"},
    ],
)
def test_bad_eventbridge_options_are_configuration_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        Emulator(**options)


def test_the_serve_command_rejects_a_bad_queue_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert emulator_main(["--eventbridge-sqs", "nope"]) == 2
    assert "eventbridge_sqs" in capsys.readouterr().err


def test_without_boto3_the_option_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if not installed
    with pytest.raises(ConfigurationError, match=r"wrapupkit\[sqs\]"):
        Emulator(eventbridge_sqs="http://127.0.0.1:1/123/q")
