"""Transport-neutral request/response values shared by the dispatcher and the socket server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from wrapupkit.emulator.core.errors import EmulatorError, bad_request


__all__ = ["Request", "Response"]


@dataclass
class Request:
    """One HTTP request as the dispatcher sees it (header names as sent; lookups ignore case)."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def param(self, name: str) -> str | None:
        """The first value of query parameter *name*."""
        values = self.query.get(name)
        return values[0] if values else None

    def params(self, name: str) -> list[str]:
        """Every value of a repeatable parameter; comma-separated values are split (the SDK joins lists)."""
        return [part for value in self.query.get(name, []) for part in value.split(",") if part]

    def json(self) -> Any:
        """The body parsed as JSON; an empty body is None; malformed JSON is a 400."""
        if not self.raw_body.strip():
            return None
        try:
            return json.loads(self.raw_body)
        except ValueError:
            raise bad_request() from None

    def form(self) -> dict[str, str]:
        """The body parsed as ``application/x-www-form-urlencoded``."""
        parsed = parse_qs(self.raw_body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[-1] for key, values in parsed.items()}

    def logged_body(self) -> Any:
        """What the request log shows as the body: form dict, parsed JSON, raw text or None."""
        if self.path == "/oauth/token":
            return self.form()
        try:
            return self.json()
        except EmulatorError:
            return self.raw_body.decode("utf-8", "replace")

    def flat_query(self) -> dict[str, str]:
        return {key: ",".join(values) for key, values in self.query.items()}


@dataclass
class Response:
    """A response to send: status, headers and body bytes."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> Response:
        body = json.dumps(data, separators=(",", ":")).encode()
        return cls(status, body, [("Content-Type", "application/json"), *(headers or [])])

    @classmethod
    def empty(cls, status: int) -> Response:
        return cls(status)
