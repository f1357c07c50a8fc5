"""The Redis intent store (sync and asyncio) and the fleet-wide token and request budget on Redis.

The only package that imports ``redis`` and ``limits``.
"""

from wrapupkit.intents._redis._astore import AsyncRedisStore
from wrapupkit.intents._redis._store import RedisStore


__all__ = ["AsyncRedisStore", "RedisStore"]
