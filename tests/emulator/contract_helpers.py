"""Contract checks shared by the emulator's tests: JSON keys against SDK models, SDK deserialisation."""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from typing import Any

import PureCloudPlatformClientV2 as sdk


PRIMITIVES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "datetime": (str,),
    "date": (str,),
    "object": (object,),
}


def check_keys(data: Any, type_name: str, path: str = "$") -> None:
    """Every key in *data* exists in the model *type_name* (recursively, following swagger_types)."""
    if type_name.startswith("list["):
        assert isinstance(data, list), path
        for index, item in enumerate(data):
            check_keys(item, type_name[5:-1], f"{path}[{index}]")
        return
    if type_name.startswith("dict("):
        assert isinstance(data, dict), path
        inner = type_name[type_name.index(",") + 1 : -1].strip()
        for key, value in data.items():
            check_keys(value, inner, f"{path}.{key}")
        return
    if type_name in PRIMITIVES:
        assert isinstance(data, PRIMITIVES[type_name]), f"{path}: {data!r} is not {type_name}"
        assert not (type_name == "int" and isinstance(data, bool)), path
        return
    model = getattr(sdk, type_name)()
    by_json_key = {json_key: attr for attr, json_key in model.attribute_map.items()}
    assert isinstance(data, dict), f"{path}: expected a {type_name} object"
    for key, value in data.items():
        assert key in by_json_key, f"{path}.{key} is not a key of {type_name}"
        check_keys(value, model.swagger_types[by_json_key[key]], f"{path}.{key}")


def outdated_values(obj: Any, path: str = "$") -> list[str]:
    """Paths in a deserialised model tree holding the SDK's unknown-enum marker."""
    if isinstance(obj, str):
        return [path] if obj == "outdated_sdk_version" else []
    if isinstance(obj, list):
        return [p for i, item in enumerate(obj) for p in outdated_values(item, f"{path}[{i}]")]
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in outdated_values(v, f"{path}.{k}")]
    if hasattr(obj, "swagger_types"):
        return [
            p for attr in obj.swagger_types for p in outdated_values(getattr(obj, attr), f"{path}.{attr}")
        ]
    return []


@dataclass
class _Response:
    data: str

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return "application/json" if name.lower() == "content-type" else default


def assert_contract(text: str, type_name: str) -> Any:
    """Check keys, deserialise with the SDK, and find no outdated enum values; returns the model."""
    check_keys(json.loads(text), type_name)
    model = sdk.ApiClient().deserialize(_Response(text), type_name)
    assert outdated_values(model) == []
    return model


def declared_type(api_class: type, method: str) -> str:
    """The response_type the SDK method declares (read from its source)."""
    source = inspect.getsource(getattr(api_class, method))
    marker = "response_type='"
    start = source.index(marker) + len(marker)
    return source[start : source.index("'", start)]
