"""Which intent store a client's ``intend()`` uses, and closing the ones it opened.

A store given as an object is used as it is; one named by URL (the client's ``store=`` option,
``$WRAPUPKIT_STORE``, or the default SQLite file) is opened once per client and closed with it.
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wrapupkit.exceptions import InvalidInput


if TYPE_CHECKING:
    from wrapupkit.intents._model import AsyncIntentStore, IntentStore

__all__ = ["aclose_stores", "as_async", "checked_store", "client_store", "close_stores", "default_store_url"]


def default_store_url(environ: Mapping[str, str] | None = None) -> str:
    """The store ``intend()`` uses when none is given: ``$WRAPUPKIT_STORE``, else an SQLite file.

    The file is ``intents.db`` in wrapupkit's state directory: ``$XDG_STATE_HOME/wrapupkit``
    (default ``~/.local/state/wrapupkit``) on Linux and macOS, ``%LOCALAPPDATA%\\wrapupkit`` on
    Windows.  That directory is created here when it is missing.
    """
    env = os.environ if environ is None else environ
    if env.get("WRAPUPKIT_STORE"):
        return env["WRAPUPKIT_STORE"]
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        base = Path(env["LOCALAPPDATA"])
    else:
        base = Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    folder = (base / "wrapupkit").absolute()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'intents.db'}"


def checked_store(spec: object) -> IntentStore:
    """*spec*, a store object given by the caller, checked: a clear error, never an AttributeError."""
    if all(hasattr(spec, name) for name in ("put", "get", "claim", "finish", "release")):
        return spec  # type: ignore[return-value]
    raise InvalidInput("store", f"expected a store URL or an IntentStore, not {type(spec).__name__}")


def as_async(store: Any) -> AsyncIntentStore:
    """The asyncio face of *store* (``store.asyncio()``); an async store is returned as it is."""
    import inspect

    if inspect.iscoroutinefunction(getattr(store, "put", None)):
        return store  # type: ignore[no-any-return]
    face = getattr(store, "asyncio", None)
    if face is None:
        raise InvalidInput("store", f"{type(store).__name__} has no asyncio() face for AsyncWrapupClient")
    return face()  # type: ignore[no-any-return]


_opened: weakref.WeakKeyDictionary[object, dict[str, Any]] = weakref.WeakKeyDictionary()


def client_store(client: object, spec: object, *, asynchronous: bool) -> Any:
    """The store a call uses: *spec*, else the client's ``store=`` option, else the default.

    A store given as an object is used as it is; one named by URL is opened once per client
    and closed with the client.
    """
    if spec is None:
        spec = getattr(client, "intent_store", None)
    if spec is not None and not isinstance(spec, str):
        store: Any = checked_store(spec)
        return as_async(store) if asynchronous else store
    url = spec or default_store_url()
    per_client = _opened.setdefault(client, {})
    if url not in per_client:
        from wrapupkit.intents import open_store

        store = open_store(url)
        per_client[url] = as_async(store) if asynchronous else store
    return per_client[url]


def close_stores(client: object) -> None:
    """Close the stores a sync client opened by URL (from its ``close()``)."""
    for store in _opened.pop(client, {}).values():
        store.close()


async def aclose_stores(client: object) -> None:
    """Close the stores an async client opened by URL (from its ``aclose()``)."""
    for store in _opened.pop(client, {}).values():
        await store.close()
