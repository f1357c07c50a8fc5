"""Route tables: (method, path regex with named groups) -> handler (moto's urls.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from wrapupkit.emulator.core.http import Request, Response


__all__ = ["ID", "ApiRoute", "Handler", "allowed_methods", "match", "route"]

ID = r"[^/]+"
"""The regex of one path segment (an id)."""

S = TypeVar("S")
Handler = Callable[[S, Request, dict[str, str]], Response]
"""``(state, request, path_args) -> Response``; raises EmulatorError for Genesys-shaped failures."""


@dataclass(frozen=True)
class ApiRoute(Generic[S]):
    """An endpoint: *auth* needs a bearer token; *any_of*/*all_of* are its permissions."""

    method: str
    pattern: re.Pattern[str]
    handler: Callable[[S, Request, dict[str, str]], Response]
    auth: bool = True
    any_of: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()


def route(
    method: str,
    path: str,
    handler: Callable[[S, Request, dict[str, str]], Response],
    *,
    auth: bool = True,
    any_of: tuple[str, ...] = (),
    all_of: tuple[str, ...] = (),
) -> ApiRoute[S]:
    """An :class:`ApiRoute` for a path regex."""
    return ApiRoute(method, re.compile(path), handler, auth, any_of, all_of)


_R = TypeVar("_R", bound=Any)


def match(routes: Sequence[_R], method: str, path: str) -> tuple[_R, dict[str, str]] | None:
    """The first route whose regex fully matches *path* for *method*, with its named groups."""
    for candidate in routes:
        if candidate.method == method and (found := candidate.pattern.fullmatch(path)) is not None:
            return candidate, {k: v for k, v in found.groupdict().items() if v is not None}
    return None


def allowed_methods(routes: Sequence[Any], path: str) -> list[str]:
    """The methods some route serves for *path* (for 405 answers and OPTIONS)."""
    return sorted({r.method for r in routes if r.pattern.fullmatch(path) is not None})
