"""Genesys's Amazon EventBridge integration routed to an SQS queue, as a fleet :class:`EventSource`.

Genesys publishes to a partner event bus (``aws.partner/genesys.com/cloud/{orgId}/{name}``); a rule
on that bus targets an SQS queue (standard, or FIFO with a message group such as the conversation
id).  Each message body is one EventBridge envelope (:mod:`wrapupkit.fleet._envelope`).

The only module of the library that imports ``boto3``/``botocore`` (the ``sqs`` extra).  boto3 is
blocking, so every request runs on this source's own small thread pool: a 20 s long poll never
holds the event loop nor the loop's default executor.  boto3 finds credentials, the region and the
endpoint the usual way (``AWS_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_SQS`` point it at a local
``moto_server``).  Nothing is deleted until :meth:`SQSEvents.ack`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

from wrapupkit._validate import in_range, whole
from wrapupkit.exceptions import ConfigurationError, TransportError
from wrapupkit.fleet._envelope import parse_message
from wrapupkit.fleet._events import Delivery


__all__ = ["SQSEvents", "parse_queue_url"]

log = logging.getLogger("wrapupkit")
T = TypeVar("T")

_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}(\.fifo)?")
_AWS_HOST = re.compile(r"sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?")
_MISSING_QUEUE = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
_REFUSED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "InvalidSecurity",
        "ExpiredToken",
    }
)
_STALE_RECEIPT = frozenset({"ReceiptHandleIsInvalid", "InvalidParameterValue"})
_MAX_BATCH = 10  # SQS ReceiveMessage: MaxNumberOfMessages 1..10
_MAX_WAIT = 20  # SQS ReceiveMessage: WaitTimeSeconds 0..20


def parse_queue_url(url: str) -> tuple[str, str | None]:
    """The queue's name and, for an AWS host, its region; :class:`ConfigurationError` if malformed.

    Accepts ``https://sqs.{region}.amazonaws.com/{account}/{name}`` and any ``http(s)://host/{account}/{name}``
    (a local endpoint such as ``moto_server``).
    """
    if not isinstance(url, str):
        raise ConfigurationError(f"the SQS queue URL must be a string, not {type(url).__name__}")
    parts = urlsplit(url.strip())
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme not in ("http", "https") or not parts.hostname or len(segments) != 2:
        raise ConfigurationError(
            f"not an SQS queue URL: {url!r} (expected https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE)"
        )
    name = segments[1]
    if not _NAME.fullmatch(name):
        raise ConfigurationError(
            f"not an SQS queue name: {name!r} (1-80 letters, digits, - or _, and .fifo for FIFO queues)"
        )
    aws = _AWS_HOST.fullmatch(parts.hostname)
    return name, aws.group(1) if aws else None


def _unwrap(body: str) -> str | Any:
    """An SNS notification (SNS → SQS without raw delivery) carries the envelope in ``Message``."""
    if '"Notification"' not in body:
        return body
    try:
        outer = json.loads(body)
    except (ValueError, RecursionError):
        return body
    if (
        isinstance(outer, dict)
        and outer.get("Type") == "Notification"
        and isinstance(outer.get("Message"), str)
    ):
        return outer["Message"]
    return outer


class SQSEvents:
    """Receive Genesys EventBridge events from an SQS queue; :meth:`ack` deletes a message.

    Args:
        queue_url: the queue's URL (``https://sqs.REGION.amazonaws.com/ACCOUNT/NAME``).
        region: the AWS region; default: the URL's, else boto3's (``AWS_DEFAULT_REGION`` ...).
        wait: the longest long poll in seconds (0-20); :meth:`receive` waits at most this long.
        visibility: seconds a received message stays hidden from other workers (None: the
            queue's own VisibilityTimeout).  Set it above the time an intent takes to reach a
            durable state, or the message is redelivered (harmless: writes are idempotent).
        endpoint_url: an explicit endpoint (default: boto3's, which honours ``AWS_ENDPOINT_URL``).
        threads: requests in flight at once (receives and deletes).

    Raises:
        ConfigurationError: a malformed URL, wait or visibility (at construction); the queue does not
            exist, credentials or the region are missing or refused (at :meth:`start`).
        TransportError: the queue could not be reached (from :meth:`receive` and :meth:`ack`).

    .. versionadded:: 0.1.0
    """

    name = "sqs"

    def __init__(
        self,
        queue_url: str,
        *,
        region: str | None = None,
        wait: float = 20.0,
        visibility: int | None = None,
        endpoint_url: str | None = None,
        threads: int = 4,
    ) -> None:
        self.queue_name, url_region = parse_queue_url(queue_url)
        self.queue_url = queue_url.strip()
        if not in_range(wait, 0, _MAX_WAIT):
            raise ConfigurationError(f"wait must be a number of seconds from 0 to {_MAX_WAIT}, not {wait!r}")
        if visibility is not None:
            whole("visibility", visibility, low=0, high=43_200)  # SQS: at most 12 hours
        whole("threads", threads, low=1)
        self.region = region or url_region
        self.wait = float(wait)
        self.visibility = visibility
        self.endpoint_url = endpoint_url
        self.fifo = self.queue_name.endswith(".fifo")
        self.counts = {"received": 0, "problems": 0, "deleted": 0}
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._client: Any = None

    def __repr__(self) -> str:
        return f"SQSEvents(queue_url={self.queue_url!r}, region={self.region!r})"

    # -- running boto3 off the loop ---------------------------------------------------------------

    async def _run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        if self._pool is None:
            raise ConfigurationError("the SQS source is not started (call start() first)")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, partial(fn, *args, **kwargs))

    def _error(self, exc: Exception, doing: str) -> Exception:
        """A typed error for a boto3 failure (the message names the queue, never a credential)."""
        from botocore.exceptions import (
            ClientError,
            EndpointConnectionError,
            NoCredentialsError,
            NoRegionError,
            PartialCredentialsError,
        )

        where = f"SQS queue {self.queue_name}"
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            return ConfigurationError(f"no AWS credentials for {where} (set them as boto3 expects)")
        if isinstance(exc, NoRegionError):
            return ConfigurationError(f"no AWS region for {where}: pass region= or set AWS_DEFAULT_REGION")
        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING_QUEUE:
                return ConfigurationError(f"{where} does not exist ({self.queue_url})")
            if code in _REFUSED:
                return ConfigurationError(f"AWS refused access to {where} ({code}) while {doing}")
            return TransportError(f"{doing} on {where} failed: {code or 'error'}", maybe_sent=True)
        if isinstance(exc, EndpointConnectionError):
            return TransportError(
                f"{doing} on {where} failed: cannot connect", maybe_sent=False, refused=True
            )
        return TransportError(f"{doing} on {where} failed: {type(exc).__name__}", maybe_sent=True)

    # -- EventSource ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Create the boto3 client and check that the queue exists (one ``GetQueueAttributes``)."""
        if importlib.util.find_spec("boto3") is None:
            raise ConfigurationError("reading events from SQS needs boto3: pip install 'wrapupkit[sqs]'")
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="wrapupkit-sqs")
        try:
            self._client = await self._run(self._make_client)
            attributes = await self._run(
                self._client.get_queue_attributes,
                QueueUrl=self.queue_url,
                AttributeNames=["FifoQueue", "VisibilityTimeout"],
            )
        except Exception as exc:  # noqa: BLE001 - boto3 raises many classes; _error types them
            await self.close()
            raise self._error(exc, "opening") from None
        self.fifo = attributes.get("Attributes", {}).get("FifoQueue") == "true"
        log.info("reading events from SQS queue %s (fifo: %s)", self.queue_name, self.fifo)

    def _make_client(self) -> Any:
        import boto3
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "max_attempts": 3},
            read_timeout=_MAX_WAIT + 20,
            connect_timeout=5,
            max_pool_connections=self._threads,
        )
        return boto3.session.Session().client(
            "sqs", region_name=self.region, endpoint_url=self.endpoint_url, config=config
        )

    async def receive(self, *, max_messages: int, wait: float) -> Sequence[Delivery]:
        """Up to *max_messages* (at most 10) deliveries, long-polling at most ``min(wait, self.wait)`` s.

        Every message gives one delivery: a ``FleetEvent``, or a problem (malformed,
        unknown topic) that the worker counts and acknowledges.  A receive cancelled mid-poll (a worker
        stopping) may still take messages in its thread; unacknowledged, they come back after
        the visibility timeout, so stopping loses nothing but delays those few.
        """
        if self._client is None:
            raise ConfigurationError("the SQS source is not started (call start() first)")
        request: dict[str, Any] = {
            "QueueUrl": self.queue_url,
            "MaxNumberOfMessages": max(1, min(_MAX_BATCH, int(max_messages))),
            "WaitTimeSeconds": max(0, min(int(wait), int(self.wait))),
        }
        if self.visibility is not None:
            request["VisibilityTimeout"] = self.visibility
        try:
            response = await self._run(self._client.receive_message, **request)
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, "receiving") from None
        deliveries = []
        for message in response.get("Messages", []):
            receipt = message.get("ReceiptHandle")
            body = message.get("Body")
            delivery = parse_message(_unwrap(body) if isinstance(body, str) else body, receipt=receipt)
            if delivery.problem is not None:
                self.counts["problems"] += 1
                log.warning(
                    "SQS message %s on %s ignored: %s",
                    message.get("MessageId"),
                    self.queue_name,
                    delivery.problem,
                )
            deliveries.append(delivery)
        self.counts["received"] += len(deliveries)
        return deliveries

    async def ack(self, delivery: Delivery) -> None:
        """Delete the delivery's message (a stale receipt is logged: the message comes back, harmlessly)."""
        if delivery.receipt is None:
            return
        if self._client is None:
            raise ConfigurationError("the SQS source is not started (call start() first)")
        try:
            await self._run(
                self._client.delete_message, QueueUrl=self.queue_url, ReceiptHandle=delivery.receipt
            )
        except Exception as exc:  # noqa: BLE001
            from botocore.exceptions import ClientError

            if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in _STALE_RECEIPT:
                log.warning(
                    "SQS receipt on %s no longer valid; the message will be redelivered", self.queue_name
                )
                return
            raise self._error(exc, "deleting a message") from None
        self.counts["deleted"] += 1

    async def close(self) -> None:
        """Stop using the queue: the pool stops (a long poll in flight ends on its own).  Idempotent."""
        pool, self._pool = self._pool, None
        client, self._client = self._client, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if client is not None:
            client.close()
