"""Fixtures and helpers for the intend() and Worker tests (import the fixtures into a test module).

Stores are real: an SQLite file, and a real ``redis-server`` (from ``tests/intents``) when the
Redis store is available.  Genesys is the emulator over real HTTP on a fake clock.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from wrapupkit import AsyncWrapupClient, RetryPolicy, WrapupClient
from wrapupkit.fleet import Delivery, EventKind, FleetEvent
from wrapupkit.intents import Intent, open_store
from wrapupkit.testing import FakeClock


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "intents"))

from redis_server import redis_server, redis_server_binary


def _redis_store_available() -> bool:
    from wrapupkit.exceptions import ConfigurationError
    from wrapupkit.intents import open_store

    try:
        open_store("redis://127.0.0.1:1/0").close()
    except ConfigurationError:
        return False  # the Redis store is not built yet
    except Exception:
        return True
    return True


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if redis_server_binary() is None or not _redis_store_available():
        pytest.skip("no redis-server binary or no Redis store")
    with redis_server(tmp_path_factory.mktemp("redis-fleet")) as server:
        yield server.url


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store: an SQLite file, or the real Redis server flushed."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'intents.db'}"
    url: str = request.getfixturevalue("redis_url")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(name="org")
def _org(emu: Any) -> dict[str, str]:
    ids = {name: emu.add_code(name) for name in ("Sale", "No Sale")}
    ids["queue"] = emu.add_queue("Support", codes=[ids["Sale"], ids["No Sale"]])
    ids["user"] = emu.add_user("Agent Smith")
    return ids


@pytest.fixture(name="client")
def _client(emu: Any, clock: FakeClock, store_url: str) -> Iterator[WrapupClient]:
    with WrapupClient.from_credentials(
        emu.client_id,
        emu.client_secret,
        host=emu.url,
        clock=clock,
        retry=RetryPolicy.no_wait(),
        store=store_url,
    ) as client:
        yield client


@pytest_asyncio.fixture(name="aclient")
async def _aclient(emu: Any, clock: FakeClock, store_url: str) -> AsyncIterator[AsyncWrapupClient]:
    client = await AsyncWrapupClient.from_credentials(
        emu.client_id,
        emu.client_secret,
        host=emu.url,
        clock=clock,
        retry=RetryPolicy.no_wait(),
        store=store_url,
    )
    async with client:
        yield client


@pytest_asyncio.fixture(name="store")
async def _store(store_url: str) -> AsyncIterator[Any]:
    """The test's store, asyncio face."""
    store = open_store(store_url).asyncio()  # type: ignore[attr-defined]
    yield store
    await store.close()


async def final(store: Any, intent_id: str) -> Intent:
    """The stored intent (it must exist)."""
    found = await store.get(intent_id)
    assert found is not None
    return found  # type: ignore[no-any-return]


def posts(emu: Any, conversation_id: str | None = None) -> list[Any]:
    """The wrap-up POSTs the emulator answered (for one conversation)."""
    return [r for r in emu.requests_matching(method="POST", path=r"/wrapup$") if conversation_id is None
            or conversation_id in r.path]  # fmt: skip


def reads(emu: Any, conversation_id: str) -> list[Any]:
    return emu.requests_matching(method="GET", path=rf"/api/v2/conversations/{conversation_id}$")


def event(kind: EventKind, conv: Any, clock: FakeClock, **fields: Any) -> Delivery:
    """A delivery of one event about *conv* (an emulator conversation handle)."""
    suffix = {EventKind.USER_END: "user.end", EventKind.ACW: "acw"}.get(kind)
    topic = (
        f"v2.detail.events.conversation.{conv.id}.{suffix}" if suffix else "v2.routing.queues.q.conversations"
    )
    fields.setdefault("participant_id", conv.agent_participant_id)
    return Delivery(
        FleetEvent(kind=kind, topic=topic, conversation_id=conv.id, event_time=clock.time(), **fields),
        receipt=f"r-{conv.id}-{kind.value}",
    )


class ListEvents:
    """An in-process event source (unit tests only; the SQS tests use a real moto_server)."""

    name = "list"

    def __init__(self, deliveries: Sequence[Delivery] = ()) -> None:
        self.queue: asyncio.Queue[Delivery] = asyncio.Queue()
        for d in deliveries:
            self.queue.put_nowait(d)
        self.acked: list[Delivery] = []
        self.started = self.closed = False

    async def start(self) -> None:
        self.started = True

    async def receive(self, *, max_messages: int, wait: float) -> Sequence[Delivery]:
        first = await self.queue.get()
        batch = [first]
        while len(batch) < max_messages and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        return batch

    async def ack(self, delivery: Delivery) -> None:
        self.acked.append(delivery)

    async def close(self) -> None:
        self.closed = True
