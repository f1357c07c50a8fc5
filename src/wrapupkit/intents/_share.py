"""``store.share()``: a store as the place where the processes of one OAuth client share a token
and a request budget (the :class:`~wrapupkit._http._share.Share` a client's ``share=`` takes)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict

from wrapupkit._http import _sharedgate
from wrapupkit._validate import in_range, seconds, whole
from wrapupkit.exceptions import ConfigurationError
from wrapupkit.intents._ops import check_seconds


if TYPE_CHECKING:
    from wrapupkit._clock import Clock
    from wrapupkit._http import _share


__all__ = ["ShareOptions", "StoreShare"]

# window(key, requests, seconds): the shared window of one OAuth client.
WindowFactory = Callable[[str, int, float], "_sharedgate.SharedWindow"]


class ShareOptions(TypedDict, total=False):
    """The keyword arguments of ``store.share()``: :class:`StoreShare`'s."""

    requests: int | None
    per_seconds: float
    headroom: float
    max_pause: float
    share_token: bool


class StoreShare:
    """The token and the request budget of one OAuth client, kept in an intent store.

    Made by ``SQLiteStore.share()`` (the processes of one machine) and ``RedisStore.share()``
    (a fleet); pass it, or the store itself, as a client's ``share=``.

    Args:
        requests: requests allowed per window for the OAuth client, across every process
            (Genesys: 300 a minute per token); ``None`` shares the token only.
        per_seconds: the window's length.
        headroom: the share of the window kept in reserve (as :class:`~wrapupkit.RateLimiter`'s).
        max_pause: the longest ``Retry-After`` that pauses every process.
        share_token: share the token (``False``: each process logs in for itself).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        tokens: _share.TokenShare,
        window: WindowFactory,
        *,
        requests: int | None = 300,
        per_seconds: float = 60.0,
        headroom: float = 0.05,
        max_pause: float = 60.0,
        share_token: bool = True,
    ) -> None:
        if requests is not None:
            whole("requests", requests, low=1)
        check_seconds("per_seconds", per_seconds)
        if not in_range(headroom, 0.0, 1.0) or headroom == 1:
            raise ConfigurationError(f"headroom must be in [0, 1), not {headroom!r}")
        seconds("max_pause", max_pause, allow_zero=True)
        self._tokens = tokens
        self._window = window
        self.requests = requests
        self.per_seconds = float(per_seconds)
        self.headroom = float(headroom)
        self.max_pause = float(max_pause)
        self.share_token = bool(share_token)

    def __repr__(self) -> str:
        budget = "no shared budget" if self.requests is None else f"{self.requests}/{self.per_seconds:g}s"
        return f"StoreShare({self._tokens!r}, {budget})"

    def tokens(self) -> _share.TokenShare | None:
        """The token share, or ``None`` when each process logs in for itself."""
        return self._tokens if self.share_token else None

    def gate(self, key: str, clock: Clock) -> _sharedgate.SharedGate | None:
        """The gate of OAuth client *key*: its requests across every process, within the budget."""
        if self.requests is None:
            return None
        # The headroom lowers the count, never lengthens the window: no second of any window sees
        # more than the budget allows.
        allowed = max(1, math.floor(self.requests * (1.0 - self.headroom)))
        window = self._window(key, allowed, self.per_seconds)
        return _sharedgate.SharedGate(window, clock=clock, max_pause=self.max_pause)
