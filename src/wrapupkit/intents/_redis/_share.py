"""The token share and the request window on Redis: one token and one budget for a whole fleet.

* The token is a hash under ``{prefix}token:{key}`` that expires with the token; a rejected token
  is dropped only if it is still the one kept (a Lua compare-and-delete).
* The login lock is redis-py's :class:`redis.lock.Lock` (a token, a hold that lapses, a Lua
  release), so a process that dies holding it delays the others by at most :data:`LOCK_HOLD`.
* The request window is ``limits``' moving window over the same server (exact: no window of the
  budget's length ever sees more than the budget), and a 429 sets ``{prefix}pause:{key}`` with the
  ``Retry-After`` as its time to live, which every process waits out.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import limits
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import LockError, RedisError

from wrapupkit._http._share import SharedToken
from wrapupkit.intents._redis._base import Base
from wrapupkit.intents._share import ShareOptions, StoreShare


if TYPE_CHECKING:
    from typing_extensions import Unpack


__all__ = ["LOCK_HOLD", "RedisTokens", "RedisWindow", "redis_share"]

# Seconds a login lock is held at most (a holder that died frees it then).
LOCK_HOLD = 60.0
_DROP = """
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisTokens:
    """A :class:`~wrapupkit._http._share.TokenShare` on the Redis store's server."""

    def __init__(self, base: Base, client: Any) -> None:
        self.base = base
        self.redis = client
        self._drop = client.register_script(_DROP)

    def __repr__(self) -> str:
        return f"RedisTokens({self.base!r})"

    def _key(self, kind: str, key: str) -> str:
        return f"{self.base.keys.prefix}{kind}:{key}"

    def get_token(self, key: str) -> SharedToken | None:
        with self.base.errors("get shared token"):
            found = self.redis.hgetall(self._key("token", key))
        if not found or b"token" not in found:
            return None
        return SharedToken(
            found[b"token"].decode(), _float(found.get(b"expires_at")), _float(found.get(b"lifetime"))
        )

    def put_token(self, key: str, token: SharedToken) -> None:
        name = self._key("token", key)
        fields = {
            "token": token.token,
            "expires_at": _text(token.expires_at),
            "lifetime": _text(token.lifetime),
        }
        with self.base.errors("put shared token"), self.redis.pipeline() as pipe:
            pipe.delete(name)
            pipe.hset(name, mapping=fields)
            if token.expires_at is not None and token.expires_at > time.time():
                # only to collect it: adopters compare expires_at on their clock (a fake one in tests)
                pipe.pexpireat(name, math.ceil(token.expires_at * 1000))
            pipe.execute()

    def drop_token(self, key: str, token: str) -> None:
        with self.base.errors("drop shared token"):
            self._drop(keys=[self._key("token", key)], args=[token])

    @contextlib.contextmanager
    def login_lock(self, key: str, *, timeout: float) -> Iterator[bool]:
        lock = self.redis.lock(self._key("login", key), timeout=LOCK_HOLD, blocking_timeout=timeout)
        with self.base.errors("take login lock"):
            held = bool(lock.acquire())
        try:
            yield held
        finally:
            if held:
                with contextlib.suppress(LockError, RedisError):  # lapsed meanwhile: nothing to give back
                    lock.release()


class RedisWindow:
    """A :class:`~wrapupkit._http._sharedgate.SharedWindow`: ``limits``' moving window on Redis."""

    def __init__(self, base: Base, client: Any, key: str, requests: int, seconds: float) -> None:
        self.base = base
        self.redis = client
        self.key = key
        # limits' windows are whole seconds: round the window up and scale the count with it, so
        # the rate stays requests/seconds (100 per 1.05 s is 190 per 2 s, not 100 per 2 s).
        whole = max(1, math.ceil(seconds))
        self.item = limits.RateLimitItemPerSecond(max(1, math.floor(requests * whole / seconds)), whole)
        storage = RedisStorage(
            base.url,
            key_prefix=f"{base.keys.prefix}limits",
            wrap_exceptions=True,
            socket_timeout=base.timeout,
            socket_connect_timeout=base.timeout,
        )
        self.limiter = MovingWindowRateLimiter(storage)
        self._pause = f"{base.keys.prefix}pause:{key}"

    def __repr__(self) -> str:
        return f"RedisWindow({self.base!r}, {self.item})"

    def take(self) -> float:
        with self.base.errors("shared rate limit"), _limits_errors(self.base):
            paused = self.redis.pttl(self._pause)
            if paused > 0:
                return float(paused) / 1000.0
            if self.limiter.hit(self.item, self.key):
                return 0.0
            stats = self.limiter.get_window_stats(self.item, self.key)
        return max(float(stats.reset_time) - time.time(), 1e-3)

    def pause(self, seconds: float) -> None:
        wanted = max(1, math.ceil(seconds * 1000))
        with self.base.errors("shared pause"):
            if self.redis.pttl(self._pause) < wanted:
                self.redis.set(self._pause, "1", px=wanted)


@contextlib.contextmanager
def _limits_errors(base: Base) -> Iterator[None]:
    """``limits`` wraps its storage errors (``wrap_exceptions``): they are store errors too."""
    try:
        yield
    except StorageError as exc:
        raise base.store_error("shared rate limit", exc) from None


def redis_share(base: Base, client: Any, **options: Unpack[ShareOptions]) -> StoreShare:
    """A :class:`~wrapupkit.intents.StoreShare` on *base*'s server through the sync *client*."""
    return StoreShare(
        RedisTokens(base, client),
        lambda key, requests, seconds: RedisWindow(base, client, key, requests, seconds),
        **options,
    )


def _text(value: float | None) -> str:
    return "" if value is None else repr(value)


def _float(value: bytes | None) -> float | None:
    return float(value) if value else None
