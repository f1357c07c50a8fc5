"""The emulator's Amazon EventBridge integration: events as Genesys envelopes, sent to an SQS queue.

Genesys delivers the topics an EventBridge integration is configured for to a partner event bus
(``aws.partner/genesys.com/cloud/{orgId}/{name}``), and a rule on the bus targets an SQS queue.
:class:`EventBridgeSink` plays both parts: every event the emulator publishes on a configured
topic goes, as the envelope Genesys sends, straight to the queue.

Sending never blocks the emulator: :meth:`EventBridgeSink.put` queues the events, and one daemon
thread sends them with boto3 (10 per ``SendMessageBatch``).  :meth:`EventBridgeSink.flush` waits
until everything queued so far was sent; :meth:`EventBridgeSink.close` flushes, then stops.  boto3
finds credentials, the region and the endpoint the usual way (``AWS_ENDPOINT_URL`` points it at a
local ``moto_server``).  The only emulator module that imports ``boto3``/``botocore``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import queue
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from wrapupkit.emulator.core.timefmt import iso
from wrapupkit.emulator.notifications.topics import TOPIC_TEMPLATES, template_of
from wrapupkit.exceptions import ConfigurationError


__all__ = ["DEFAULT_TOPICS", "EventBridgeSink"]

log = logging.getLogger("wrapupkit.emulator")

DEFAULT_TOPICS = (
    "v2.detail.events.conversation.{id}.user.end",
    "v2.detail.events.conversation.{id}.acw",
)
"""What the sink sends unless told otherwise: the fleet's readiness and completion signals."""

_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}(\.fifo)?")
_SOURCE_NAME = re.compile(r"[A-Za-z0-9._-]{1,200}")
_BATCH = 10
_STOP = object()


def _check_queue_url(url: object) -> str:
    if not isinstance(url, str):
        raise ConfigurationError(f"eventbridge_sqs must be an SQS queue URL, not {type(url).__name__}")
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme not in ("http", "https") or not parts.hostname or len(segments) != 2:
        raise ConfigurationError(f"eventbridge_sqs is not an SQS queue URL: {url!r}")
    if not _NAME.fullmatch(segments[1]):
        raise ConfigurationError(f"eventbridge_sqs names no valid SQS queue: {segments[1]!r}")
    return url


def _check_source_name(name: object) -> str:
    if not isinstance(name, str) or not _SOURCE_NAME.fullmatch(name):
        raise ConfigurationError("eventbridge_source_name must be 1-200 letters, digits, '.', '_' or '-'")
    return name


class EventBridgeSink:
    """Send the emulator's events to an SQS queue as Genesys EventBridge envelopes.

    Args:
        queue_url: the SQS queue (FIFO queues get ``MessageGroupId`` = the conversation id).
        source_name: the integration's event source name: the envelopes' ``source`` is
            ``aws.partner/genesys.com/cloud/{org_id}/{source_name}``.
        org_id: the organisation id in ``source``.
        topics: templates (``v2.routing.queues.{id}.conversations``) or concrete topics to send;
            default :data:`DEFAULT_TOPICS`.
        clock: a callable giving epoch seconds, for the envelopes' ``time``.
        region, endpoint_url: for boto3 (defaults: boto3's own, which honour ``AWS_DEFAULT_REGION``
            and ``AWS_ENDPOINT_URL``).

    Attributes:
        sent: envelopes the queue accepted.
        failed: envelopes that could not be sent (logged, then dropped, as EventBridge drops
            events a target refuses once its retries are spent).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        queue_url: str,
        *,
        source_name: str = "wrapupkit-emulator",
        org_id: str = "6a5f2b5e-0000-4000-8000-0000000e0b00",
        topics: Iterable[str] | None = None,
        clock: Callable[[], float],
        region: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        self.queue_url = _check_queue_url(queue_url)
        if importlib.util.find_spec("boto3") is None:
            raise ConfigurationError("eventbridge_sqs needs boto3: pip install 'wrapupkit[sqs]'")
        self.source = f"aws.partner/genesys.com/cloud/{org_id}/{_check_source_name(source_name)}"
        wanted = tuple(DEFAULT_TOPICS if topics is None else topics)
        unknown = [t for t in wanted if t not in TOPIC_TEMPLATES and template_of(t) is None]
        if unknown or not wanted:
            raise ConfigurationError(
                f"eventbridge topics must be notification topics: {unknown or 'none given'}"
            )
        self.topics = frozenset(wanted)
        self.fifo = self.queue_url.rstrip("/").endswith(".fifo")
        self._clock = clock
        self._region, self._endpoint_url = region, endpoint_url
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.sent = 0
        self.failed = 0

    def __repr__(self) -> str:
        return f"EventBridgeSink(queue_url={self.queue_url!r}, sent={self.sent}, failed={self.failed})"

    def wants(self, topic: str) -> bool:
        """Whether *topic* (concrete) is one the integration sends."""
        return topic in self.topics or template_of(topic) in self.topics

    def envelope(self, topic: str, body: dict[str, Any]) -> dict[str, Any]:
        """The EventBridge envelope Genesys sends for one event."""
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": template_of(topic) or topic,
            "source": self.source,
            "account": "000000000000",
            "time": iso(self._clock())[:19] + "Z",  # EventBridge: whole seconds
            "region": self._region or "us-east-1",
            "resources": [],
            "detail": {
                "topicName": topic,
                "version": "2",
                "eventBody": body,
                "metadata": {"CorrelationId": str(uuid.uuid4())},
            },
        }

    # -- the emulator's side: never blocks ------------------------------------------------------------

    def put(self, events: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Queue the events on configured topics for sending; returns how many were queued."""
        count = 0
        for topic, body in events:
            if self.wants(topic):
                self._queue.put(self.envelope(topic, body))
                count += 1
        if count:
            self._ensure_thread()
        return count

    def flush(self, timeout: float = 10.0) -> bool:
        """Block until every envelope queued so far was sent (or failed); False after *timeout* s."""
        done = threading.Event()
        self._queue.put(done)
        self._ensure_thread()
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued, then stop the sender thread.  Idempotent."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._queue.put(_STOP)
        thread.join(timeout)

    # -- the sender thread ----------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="wrapupkit-emulator-eventbridge", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        client = None
        try:
            while True:
                batch: list[dict[str, Any]] = []
                waiters: list[threading.Event] = []
                stop = self._take(batch, waiters)
                if batch:
                    client = client or self._client(len(batch))
                    if client is not None:
                        self._send(client, batch)
                for waiter in waiters:
                    waiter.set()
                if stop:
                    return
        finally:
            if client is not None:
                client.close()

    def _take(self, batch: list[dict[str, Any]], waiters: list[threading.Event]) -> bool:
        """Fill *batch* (blocking for the first item); True when told to stop."""
        item = self._queue.get()
        while True:
            if item is _STOP:
                return True
            if isinstance(item, threading.Event):
                waiters.append(item)
                return False  # a flush: send what came before it now
            batch.append(item)
            if len(batch) >= _BATCH:
                return False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return False

    def _client(self, pending: int) -> Any:
        """A boto3 SQS client, or None (logged; the *pending* envelopes count as failed)."""
        try:
            import boto3

            return boto3.session.Session().client(
                "sqs", region_name=self._region, endpoint_url=self._endpoint_url
            )
        except Exception as exc:  # noqa: BLE001 - no region, a bad endpoint ...: the emulator goes on
            self.failed += pending
            log.warning("EventBridge sink: no SQS client for %s (%s)", self.queue_url, exc)
            return None

    def _send(self, client: Any, batch: list[dict[str, Any]]) -> None:
        entries = []
        for index, envelope in enumerate(batch):
            entry: dict[str, Any] = {"Id": str(index), "MessageBody": json.dumps(envelope)}
            if self.fifo:
                body = envelope["detail"]["eventBody"]
                entry["MessageGroupId"] = str(body.get("conversationId") or body.get("id") or "genesys")
                entry["MessageDeduplicationId"] = envelope["id"]
            entries.append(entry)
        try:
            response = client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        except Exception as exc:  # noqa: BLE001 - any boto3 failure: count, log, go on
            self.failed += len(entries)
            log.warning(
                "EventBridge sink: %d event(s) not sent to %s (%s)", len(entries), self.queue_url, exc
            )
            return
        failed = response.get("Failed", [])
        self.sent += len(response.get("Successful", []))
        self.failed += len(failed)
        if failed:
            codes = sorted({str(f.get("Code")) for f in failed})
            log.warning(
                "EventBridge sink: %d event(s) refused by %s (%s)", len(failed), self.queue_url, codes
            )
