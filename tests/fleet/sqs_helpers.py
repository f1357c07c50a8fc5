"""Helpers for tests against the moto_server SQS (the fixtures are in conftest.py)."""

from __future__ import annotations

import uuid
from typing import Any


def make_queue(sqs: Any, *, fifo: bool = False, **attributes: str) -> str:
    """A fresh queue on the moto_server; its URL."""
    name = f"genesys-{uuid.uuid4().hex[:12]}" + (".fifo" if fifo else "")
    if fifo:
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true", **attributes}
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def queue_depth(sqs: Any, url: str) -> int:
    """Messages still in the queue: visible plus in flight (received, not deleted)."""
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
