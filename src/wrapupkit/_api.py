"""``wrapupkit.apply_wrapup()``: one call for notebooks and scripts."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from wrapupkit._client import WrapupClient
from wrapupkit._http import read_env
from wrapupkit._readiness import Readiness


if TYPE_CHECKING:
    from wrapupkit._media import MediaType
    from wrapupkit._models import WrapupResult

__all__ = ["apply_wrapup", "default_client"]

_lock = threading.Lock()
_default: tuple[tuple[tuple[str, str], ...], WrapupClient] | None = None


def default_client() -> WrapupClient:
    """The client built by :meth:`WrapupClient.from_env`, reused while the environment is unchanged.

    Reusing it keeps the token and the code cache warm between calls in a notebook.
    """
    global _default  # noqa: PLW0603 - the one process-wide convenience, documented as such
    key = tuple(sorted(read_env().items()))
    with _lock:
        if _default is None or _default[0] != key:
            _default = (key, WrapupClient.from_env())
        return _default[1]


def apply_wrapup(
    conversation_id: str,
    code: str,
    *,
    participant_id: str | None = None,
    user_id: str | None = None,
    media_type: MediaType | str | None = None,
    notes: str | None = None,
    tags: Sequence[str] | None = None,
    duration: float | dt.timedelta | None = None,
    readiness: Readiness | None = None,
    timeout: float | dt.timedelta | None = None,
    overwrite: bool = False,
) -> WrapupResult:
    """Apply a wrap-up with a client configured from the environment.

    Takes the same arguments as :meth:`WrapupClient.apply_wrapup`; credentials
    come from ``GENESYSCLOUD_OAUTHCLIENT_ID``, ``GENESYSCLOUD_OAUTHCLIENT_SECRET``
    and ``GENESYSCLOUD_REGION`` (see :meth:`WrapupClient.from_env`).

    .. versionadded:: 0.1.0
    """
    return default_client().apply_wrapup(
        conversation_id,
        code,
        participant_id=participant_id,
        user_id=user_id,
        media_type=media_type,
        notes=notes,
        tags=tags,
        duration=duration,
        readiness=readiness,
        timeout=timeout,
        overwrite=overwrite,
    )
