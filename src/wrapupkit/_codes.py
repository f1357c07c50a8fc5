"""Code sets: each queue's wrap-up codes, cached per client, and resolving a name or id in them."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from wrapupkit._cache import SingleFlightCache
from wrapupkit._clock import Clock
from wrapupkit._models import CodeSet, WrapupCode
from wrapupkit.exceptions import GenesysAPIError, TransportError, UnknownWrapupCode


if TYPE_CHECKING:
    from wrapupkit._conversation import Target
    from wrapupkit._http import Caller

__all__ = ["CodeBook"]


class CodeBook:
    """The code sets one client has read, by queue.  Thread-safe.  Strictly private.

    Args:
        http: where code sets are read from.
        ttl: how long a queue's set is trusted, in seconds.
        maxsize: how many queues' sets are kept.
        clock: the cache's clock.
    """

    def __init__(self, http: Caller, *, ttl: float, maxsize: int, clock: Clock) -> None:
        self._http = http
        self._clock = clock
        self._cache: SingleFlightCache[CodeSet] = SingleFlightCache(ttl=ttl, maxsize=maxsize, clock=clock)

    @property
    def fetches(self) -> int:
        """Code sets fetched so far."""
        return self._cache.fetches

    def queue(self, queue_id: str, *, refresh: bool = False) -> tuple[CodeSet, bool]:
        """*queue_id*'s set, and whether this call fetched it."""

        def fetch() -> CodeSet:
            codes = self._http.queue_codes(queue_id)
            return CodeSet(queue_id, tuple(codes), clock=self._clock)

        return self._cache.get(queue_id, fetch, refresh=refresh, deadline=self._http.deadline())

    def clear(self) -> None:
        self._cache.clear()

    def name_of(self, code_id: str, queue_id: str | None) -> str | None:
        """The name of *code_id* in *queue_id*'s cached set, without a request (``None`` if unknown)."""
        codes = self._cache.cached(queue_id) if queue_id else None
        found = codes.by_id(code_id) if codes is not None else None
        return found.name if found is not None else None

    def resolve(self, code: str, target: Target) -> WrapupCode:
        """A code name (exact) or id, in the target's queue set, else in the participant's own list.

        Raises:
            UnknownWrapupCode: the code is in neither, with close names as suggestions.
        """
        if target.queue_id:
            codes, fresh = self.queue(target.queue_id)
            found = codes.find(code)
            if found is None and not fresh:  # the code may be new: look once more
                codes, _ = self.queue(target.queue_id, refresh=True)
                found = codes.find(code)
        else:
            listed = self._http.participant_codes(target.conversation_id, target.participant_id)
            codes = CodeSet(None, tuple(listed), clock=self._clock)
            found = codes.find(code)
        if found is not None:
            return found
        raise UnknownWrapupCode(
            code,
            queue_id=target.queue_id,
            suggestions=close_matches(code, codes.names),
            in_org=self._in_org(code),
        )

    def _in_org(self, name: str) -> bool:
        try:
            return bool(self._http.org_codes_named(name))
        except (GenesysAPIError, TransportError):
            return False  # only used to improve the message


def close_matches(code: str, names: Sequence[str]) -> list[str]:
    """Names equal ignoring case first, then similar ones (difflib), at most three."""
    folded = [n for n in names if n.casefold() == code.casefold()]
    similar = difflib.get_close_matches(code, names, n=3, cutoff=0.6)
    similar += difflib.get_close_matches(code.casefold(), [n.casefold() for n in names], n=3, cutoff=0.6)
    by_fold = {n.casefold(): n for n in names}
    out = list(dict.fromkeys([*folded, *(by_fold.get(s, s) for s in similar)]))
    return [n for n in out if n in names][:3]
