"""The start-up check: log in and probe each permission a client's features need, before any wrap-up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from wrapupkit._media import MEDIA, MediaType
from wrapupkit._readiness._notifications import rejected_topics
from wrapupkit.exceptions import Forbidden, NotFound


if TYPE_CHECKING:
    from wrapupkit._codes import CodeBook
    from wrapupkit._http import Caller
    from wrapupkit._readiness import ReadinessStrategy

__all__ = ["probe", "refused"]

# No conversation has this id: a wrap-up POST to it can only be refused (403) or not found (404).
_NOWHERE = "00000000-0000-0000-0000-000000000000"


def probe(
    http: Caller,
    codes: CodeBook,
    strategy: ReadinessStrategy,
    queue_ids: Sequence[str],
    user_ids: Sequence[str],
    *,
    probe_write: bool,
) -> dict[str, tuple[str, ...]]:
    """What Genesys refused, by probe, with the permissions it named (empty: all is well)."""
    missing: dict[str, tuple[str, ...]] = {}
    for queue_id in queue_ids:
        try:
            codes.queue(queue_id, refresh=True)
        except Forbidden as exc:
            missing[f"read queue {queue_id}'s wrap-up codes"] = exc.missing_permissions
    if probe_write:
        try:
            http.write_wrapup(MEDIA[MediaType.CALL], _NOWHERE, _NOWHERE, _NOWHERE, {"code": _NOWHERE})
        except NotFound:
            pass  # allowed to write; there is just nothing there
        except Forbidden as exc:
            missing["write a wrap-up"] = exc.missing_permissions or ("conversation:participant:wrapup",)
    for topic, permissions in rejected_topics(strategy, http, user_ids, queue_ids).items():
        missing[f"subscribe to {topic}"] = permissions
    return missing


def refused(missing: dict[str, tuple[str, ...]]) -> Forbidden:
    """One :class:`Forbidden` naming every refused probe and every permission Genesys named."""
    names = sorted({p for perms in missing.values() for p in perms})
    probes = "; ".join(what + (f" ({', '.join(p)})" if p else "") for what, p in missing.items())
    return Forbidden(
        403,
        code="missing.permissions",
        message=f"Genesys refused: {probes}. You are missing the following permission(s): "
        + (", ".join(names) or "not named by Genesys"),
        body={"messageParams": {"permissions": ", ".join(names)}},
    )
