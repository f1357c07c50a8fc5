"""Genesys-shaped JSON for routing entities: ``WrapupCode``, ``Queue`` and their listings.

Every key written here exists in the attribute_map of the SDK 269 model named in the function's
docstring (tests/emulator/test_contract.py checks it).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from wrapupkit.emulator.core.timefmt import iso
from wrapupkit.emulator.routing.models import DEFAULT_DIVISION_ID, Code, Queue


__all__ = ["code_json", "listing_json", "queue_json"]

_DEFAULT_DIVISION_NAME = "Home"


def _division(division_id: str, default_id: str) -> dict[str, Any]:
    """``StarrableDivision`` / ``Division``."""
    division: dict[str, Any] = {"id": division_id}
    if division_id == default_id:
        division["name"] = _DEFAULT_DIVISION_NAME
    division["selfUri"] = f"/api/v2/authorization/divisions/{division_id}"
    return division


def code_json(code: Code, default_division_id: str = DEFAULT_DIVISION_ID) -> dict[str, Any]:
    """``WrapupCode``."""
    return {
        "id": code.id,
        "name": code.name,
        "division": _division(code.division_id, default_division_id),
        "dateCreated": iso(code.created),
        "selfUri": f"/api/v2/routing/wrapupcodes/{code.id}",
    }


def queue_json(queue: Queue, default_division_id: str = DEFAULT_DIVISION_ID) -> dict[str, Any]:
    """``Queue`` (only the fields the emulator models)."""
    acw: dict[str, Any] = {"wrapupPrompt": queue.wrapup_prompt}
    # AcwSettings.timeoutMs is only meaningful for the time-boxed and agent-requested prompts [SRC].
    if queue.wrapup_prompt in ("MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT", "AGENT_REQUESTED"):
        acw["timeoutMs"] = queue.timeout_ms
    return {
        "id": queue.id,
        "name": queue.name,
        "division": _division(default_division_id, default_division_id),
        "dateCreated": iso(queue.created),
        "acwSettings": acw,
        "selfUri": f"/api/v2/routing/queues/{queue.id}",
    }


def listing_json(
    entities: list[dict[str, Any]],
    *,
    total: int,
    page_size: int,
    page_number: int,
    path: str,
    query: list[tuple[str, str]],
) -> dict[str, Any]:
    """``WrapupCodeEntityListing`` for one page; *entities* is already that page."""
    page_count = math.ceil(total / page_size)

    def uri(number: int) -> str:
        return f"{path}?{urlencode([('pageSize', page_size), ('pageNumber', number), *query], safe='*')}"

    data: dict[str, Any] = {
        "entities": entities,
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": total,
        "firstUri": uri(1),
        "selfUri": uri(page_number),
        "lastUri": uri(max(page_count, 1)),
        "pageCount": page_count,
    }
    if page_number < page_count:
        data["nextUri"] = uri(page_number + 1)
    if page_number > 1:
        data["previousUri"] = uri(page_number - 1)
    return data
