"""Fixtures for the intent stores: a real redis-server per session, and one store URL per kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis_server import RedisServer, redis_server


@pytest.fixture(scope="session")
def redis_srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port, for the whole session."""
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


def _flush(url: str) -> None:
    import redis

    with redis.Redis.from_url(url) as conn:
        conn.flushdb()


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store's URL: a SQLite file, or the real Redis server flushed."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'intents.db'}"
    server: RedisServer = request.getfixturevalue("redis_srv")
    _flush(server.url)
    return server.url
