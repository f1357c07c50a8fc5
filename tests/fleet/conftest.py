"""The fleet's SQS client on the session's ``moto_server``.

The ``moto_server`` and ``aws`` fixtures (a real server on a free 127.0.0.1 port, boto3's environment
pointed at it) are in tests/conftest.py: the docs tests use them too.  Each test makes its own
uniquely named queues.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def sqs(aws: str) -> Any:
    """A boto3 SQS client on the ``moto_server`` (to create queues, send and inspect messages)."""
    import boto3

    client = boto3.client("sqs")
    yield client
    client.close()
