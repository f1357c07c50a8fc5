"""What the sync and the asyncio Redis stores share: URL checks, error mapping, list and due plans."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from redis.exceptions import RedisError

from wrapupkit.exceptions import ConfigurationError, StoreError
from wrapupkit.intents._model import Intent, IntentState, Lease
from wrapupkit.intents._ops import Record, check_seconds, decode, finished
from wrapupkit.intents._redis._keys import Keys
from wrapupkit.intents._url import parse_store_url, redact_url, url_password


__all__ = [
    "DEFAULT_PREFIX",
    "MAX_TRIES",
    "Base",
    "Change",
    "closed_client",
    "decoded",
    "finish_change",
    "list_plan",
    "listed",
    "text",
]

# A write that loses this many WATCH races in a row gives up with StoreError.
MAX_TRIES = 200
DEFAULT_PREFIX = "wrapupkit:"
Change = Callable[[Record | None], Record | None]


class Base:
    """What the sync and the asyncio store share: the URL, its redaction, the error mapping."""

    def __init__(self, url: str, *, prefix: str, timeout: float) -> None:
        kind, _ = parse_store_url(url)
        if kind != "redis":
            raise ConfigurationError(f"{redact_url(url)!r} is not a redis:// or rediss:// URL")
        if not isinstance(prefix, str):
            raise ConfigurationError(f"prefix must be a string, not {type(prefix).__name__}")
        self.url = url
        self.timeout = check_seconds("timeout", timeout)
        self.keys = Keys(prefix)
        self._shown = redact_url(url)
        self._options: dict[str, Any] = {
            "socket_timeout": self.timeout,
            "socket_connect_timeout": self.timeout,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._shown!r})"

    def store_error(self, operation: str, exc: BaseException) -> StoreError:
        """*exc* as a StoreError naming the store by its URL without the password."""
        text = f"{type(exc).__name__}: {exc}"
        password = url_password(self.url)
        if password:
            text = text.replace(password, "***")
        return StoreError(f"{self._shown}: {operation} failed ({text})")

    @contextlib.contextmanager
    def errors(self, operation: str) -> Iterator[None]:
        try:
            yield
        except RedisError as exc:
            raise self.store_error(operation, exc) from None

    def contended(self, operation: str) -> StoreError:
        return StoreError(f"{self._shown}: {operation} lost {MAX_TRIES} races in a row; try again")


def decoded(raws: Sequence[bytes | None]) -> list[Record]:
    return [decode(raw) for raw in raws if raw]


def listed(records: list[Record], state: IntentState | None, limit: int | None) -> list[Intent]:
    intents = [r.intent for r in records if state is None or r.intent.state is state]
    intents.sort(key=lambda i: (-i.created_at, i.id))
    return intents[:limit] if limit is not None else intents


def list_plan(
    keys: Keys, state: IntentState | None, conversation_id: str | None, limit: int | None
) -> tuple[str, int]:
    """The sorted set to read newest first, and how many of it (-1: all)."""
    if conversation_id is not None:
        return keys.conversation(conversation_id), -1  # filtered by state afterwards
    key = keys.all if state is None else keys.state(state)
    return key, -1 if limit is None else limit - 1


def finish_change(lease: Lease | None, state: IntentState, now: float, **fields: str | None) -> Change:
    def change(record: Record | None) -> Record | None:
        return finished(record, lease, state, now=now, **fields) if record else None

    return change


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def closed_client(store: Base) -> Any:
    """A stand-in client whose every command raises StoreError (the store was closed)."""

    class Closed:
        def __getattr__(self, name: str) -> Any:
            raise StoreError(f"{store._shown}: the store is closed")

    return Closed()
