"""Call a typed Python function with a JSON object: the control plane's one translation layer.

The Python API of the emulator calls its services with typed arguments; the control plane
(``/__emulator__/...``) hands the same functions a JSON object through :func:`call_with_json`, which
checks each value against the parameter's annotation.  So an operation is written once, and its
signature is its JSON schema: keys are parameter names, missing keys take the defaults, unknown
keys and wrong types are a 400.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections import abc
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from wrapupkit.emulator.core.errors import bad_request


__all__ = ["call_with_json", "from_json"]

_SEQUENCES = (list, tuple, abc.Sequence, abc.Iterable, abc.Collection)


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def from_json(value: Any, tp: Any, name: str) -> Any:
    """*value* checked and converted to annotation *tp* (attrs classes are built from objects).

    Raises:
        EmulatorError: 400 naming *name* when the value does not fit.
    """
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any or tp is object:
        return value
    if origin is typing.Union or origin is types.UnionType:
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        for option in options:
            try:
                return from_json(value, option, name)
            except Exception:  # noqa: BLE001, S112 (try the next member of the union)
                continue
        raise bad_request(f"{name} must be {' or '.join(_type_name(o) for o in options)}")
    if origin is typing.Literal:
        if value in args and type(value) in {type(a) for a in args}:
            return value
        raise bad_request(f"{name} must be one of {', '.join(repr(a) for a in args)}")
    if tp is bool or tp is str:
        if isinstance(value, tp):
            return value
        raise bad_request(f"{name} must be {tp.__name__}, not {type(value).__name__}")
    if tp is int or tp is float:
        kinds = (int,) if tp is int else (int, float)
        if isinstance(value, kinds) and not isinstance(value, bool):
            return tp(value)
        raise bad_request(f"{name} must be {'an integer' if tp is int else 'a number'}")
    if origin is tuple and args and args[-1] is not Ellipsis:
        if not isinstance(value, list) or len(value) != len(args):
            raise bad_request(f"{name} must be a list of {len(args)} values")
        return tuple(
            from_json(v, a, f"{name}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True))
        )
    if origin in _SEQUENCES:
        if not isinstance(value, list):
            raise bad_request(f"{name} must be a list")
        items = [from_json(v, args[0] if args else Any, f"{name}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin in (dict, abc.Mapping) or tp is dict:
        if not isinstance(value, dict):
            raise bad_request(f"{name} must be an object")
        return dict(value)
    if isinstance(tp, type) and attrs.has(tp):
        if not isinstance(value, dict):
            raise bad_request(f"{name} must be an object")
        return call_with_json(tp, value, label=f"{name}.")
    raise TypeError(f"no JSON conversion for {tp!r} ({name})")  # a bug in an annotation


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    # A class: its attributes' annotations (attrs puts the field types there).
    return typing.get_type_hints(fn)


def call_with_json(
    fn: Callable[..., Any], payload: Mapping[str, Any], *, bound: tuple[Any, ...] = (), label: str = ""
) -> Any:
    """Call ``fn(*bound, **kwargs)`` with *kwargs* taken from the JSON object *payload*.

    Args:
        fn: a function (or attrs class) whose parameters after *bound* are annotated.
        payload: the JSON object; its keys are parameter names.
        bound: leading positional arguments that do not come from JSON (the state, a service).
        label: prefix of names in error messages (for nested objects).

    Returns:
        What *fn* returns.

    Raises:
        EmulatorError: 400 for a missing, unknown or ill-typed key (or what *fn* raises).
    """
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())[len(bound) :]
    hints = _hints(fn)
    names = {p.name for p in params}
    unknown = sorted(set(payload) - names)
    if unknown:
        raise bad_request(f"unknown field(s): {', '.join(label + u for u in unknown)}")
    kwargs: dict[str, Any] = {}
    for param in params:
        if param.name not in payload:
            if param.default is inspect.Parameter.empty:
                raise bad_request(f"{label}{param.name} is required")
            continue
        kwargs[param.name] = from_json(payload[param.name], hints.get(param.name, Any), label + param.name)
    return fn(*bound, **kwargs)
