"""The layer rules of docs/architecture.md, checked on the source (an AST walk, every import counted).

Imports inside functions and under ``TYPE_CHECKING`` count: they are edges all the same, and a cycle
hidden behind them is still a cycle a reader has to keep in their head.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest


SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "wrapupkit"

# Lowest first.  A module may import its own layer and the layers below, never one above.
LAYERS: list[tuple[str, ...]] = [
    ("wrapupkit.exceptions", "wrapupkit._exception_base", "wrapupkit._version", "wrapupkit._clock",
     "wrapupkit._media", "wrapupkit._models", "wrapupkit._validate", "wrapupkit._cache", "wrapupkit._trail"),
    ("wrapupkit._http",),
    ("wrapupkit._conversation", "wrapupkit._codes", "wrapupkit._readiness", "wrapupkit._preflight",
     "wrapupkit._trace", "wrapupkit._snapshot", "wrapupkit._explain", "wrapupkit._lanes",
     "wrapupkit._timeline"),
    ("wrapupkit._bulk", "wrapupkit.bulk", "wrapupkit.intents"),
    ("wrapupkit._clientcore", "wrapupkit._client", "wrapupkit._aclient", "wrapupkit._api",
     "wrapupkit.testing", "wrapupkit._intend"),
    ("wrapupkit.fleet",),
    ("wrapupkit.cli", "wrapupkit._demo", "wrapupkit.__main__", "wrapupkit"),
]  # fmt: skip
# Third-party imports that only one part of the tree may make.
CONFINED = {
    "PureCloudPlatformClientV2": ("wrapupkit._http",),
    "urllib3": ("wrapupkit._http",),
    "backoff": ("wrapupkit._http",),
    "redis": ("wrapupkit.intents._redis",),
    "limits": ("wrapupkit.intents._redis",),
    "sqlite3": ("wrapupkit.intents._sqlite",),
    "boto3": ("wrapupkit.fleet._sqs", "wrapupkit.emulator.notifications.eventbridge"),
    "botocore": ("wrapupkit.fleet._sqs", "wrapupkit.emulator.notifications.eventbridge"),
    "prometheus_client": ("wrapupkit.fleet._metrics",),
    "websockets": (
        "wrapupkit._readiness._channel",
        "wrapupkit._readiness._async_channel",
        "wrapupkit.emulator",
    ),
}
# What the emulator may import from wrapupkit: public names only.
EMULATOR_MAY_IMPORT = ("wrapupkit", "wrapupkit.exceptions", "wrapupkit.testing", "wrapupkit.emulator")
APPS = ("wrapupkit.cli", "wrapupkit._demo", "wrapupkit.__main__")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(module: str, name: str | None) -> str:
    """``from module import name``: the submodule if *name* is one, else the module."""
    if name is not None and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


def imports_of(module: str) -> Iterator[str]:
    """Every module *module* imports, wherever in the file the import stands."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                yield _resolve(base, alias.name)


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _layer(module: str) -> int | None:
    for index, layer in enumerate(LAYERS):
        # the most specific match wins: "wrapupkit" (the root) only for the root itself
        if module in layer or any(module.startswith(p + ".") for p in layer if p != "wrapupkit"):
            return index
    return None


GRAPH = {m: sorted({i for i in imports_of(m) if i in MODULES and i != m}) for m in MODULES}


def test_every_core_module_has_a_layer() -> None:
    """A new module is placed in a layer on purpose (add it to LAYERS and docs/architecture.md)."""
    unplaced = [m for m in MODULES if not _within(m, ("wrapupkit.emulator",)) and _layer(m) is None]
    assert unplaced == []


def test_no_import_cycles() -> None:
    """No cycle among wrapupkit's modules, counting TYPE_CHECKING and in-function imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert cycles == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) is not None))
def test_no_module_imports_a_layer_above_its_own(module: str) -> None:
    """Layers only look down: the HTTP layer knows nothing of readiness, readiness nothing of the client."""
    own = _layer(module)
    assert own is not None
    upward = [i for i in GRAPH[module] if (_layer(i) or 0) > own]
    assert upward == []


@pytest.mark.parametrize("library", sorted(CONFINED))
def test_third_party_imports_stay_in_their_layer(library: str) -> None:
    """Only _http imports the SDK, urllib3 and backoff; only the notification socket imports websockets."""
    offenders = [
        m
        for m in MODULES
        if any(_within(i, (library,)) for i in imports_of(m)) and not _within(m, CONFINED[library])
    ]
    assert offenders == []


def test_the_core_never_imports_the_emulator() -> None:
    """The emulator sits beside the library: only the command line and the demo start it."""
    offenders = [
        m
        for m, deps in GRAPH.items()
        if not _within(m, ("wrapupkit.emulator", *APPS))
        and any(_within(d, ("wrapupkit.emulator",)) for d in deps)
    ]
    assert offenders == []


def test_the_emulator_imports_only_public_names() -> None:
    """The emulator could ship as its own distribution: it uses wrapupkit's public names only."""
    offenders = {
        m: [
            d
            for d in deps
            if not _within(d, EMULATOR_MAY_IMPORT)
            or (d.split(".")[-1].startswith("_") and not d.startswith("wrapupkit.emulator"))
        ]
        for m, deps in GRAPH.items()
        if _within(m, ("wrapupkit.emulator",))
    }
    assert {m: d for m, d in offenders.items() if d} == {}


# -- private names stay in their package -------------------------------------------------------------


def _package(module: str) -> str:
    """``wrapupkit._http._caller`` -> ``wrapupkit._http``; a top-level module belongs to ``wrapupkit``."""
    parts = module.split(".")
    if len(parts) > 1 and (PACKAGE / parts[1]).is_dir():
        return ".".join(parts[:2])
    return "wrapupkit"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _trees() -> dict[str, ast.Module]:
    return {m: ast.parse(p.read_text(), str(p)) for m, p in MODULES.items()}


TREES = _trees()


def _defined_private_names() -> dict[str, set[str]]:
    """Per package, the private names its modules define: functions, classes, attributes, fields."""
    defined: dict[str, set[str]] = {}
    for module, tree in TREES.items():
        names = defined.setdefault(_package(module), set())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names.add(leaf.id)
                    elif isinstance(leaf, ast.Attribute):
                        names.add(leaf.attr)
    return {package: {n for n in names if _private(n)} for package, names in defined.items()}


DEFINED = _defined_private_names()


def _reached(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """``x._name`` (x not self, cls or super()), ``getattr(x, "_name")`` and ``from m import _name``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            value = node.value
            if isinstance(value, ast.Name) and value.id in {"self", "cls"}:
                continue
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super":
                continue
            yield node.attr, node.lineno
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "setattr", "hasattr"}
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            yield node.args[1].value, node.lineno


def _private_imports(module: str) -> Iterator[tuple[str, int]]:
    """``from <another package's module> import _name``."""
    for node in ast.walk(TREES[module]):
        if isinstance(node, ast.ImportFrom) and node.module and node.module in MODULES:
            if _package(node.module) == _package(module):
                continue
            for alias in node.names:
                if _private(alias.name) and f"{node.module}.{alias.name}" not in MODULES:
                    yield alias.name, node.lineno


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_reaches_into_another_packages_private_names(module: str) -> None:
    """A private name (``_x``) is used only inside the package that defines it.

    ``client._http`` from the readiness package, ``strategy._aclose_client`` from the client,
    ``from wrapupkit._http._ratelimit import _whole`` in bulk: each is a hidden contract between
    packages.  A name defined in the module's own package too (a common name such as ``_lock``)
    is not counted; neither are names wrapupkit does not define (the SDK's, the stdlib's).
    """
    own = DEFINED.get(_package(module), set())
    elsewhere = set().union(*(names for package, names in DEFINED.items() if package != _package(module)))
    reached = [
        f"line {line}: {name}"
        for name, line in _reached(TREES[module])
        if name in elsewhere and name not in own
    ]
    reached += [f"line {line}: import {name}" for name, line in _private_imports(module)]
    assert reached == []


MAX_LINES = 400
# Modules being reworked on another branch while this test landed; remove the entry when it is split.
OVER_THE_LIMIT_FOR_NOW: dict[str, str] = {}


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(m, marks=pytest.mark.xfail(reason=OVER_THE_LIMIT_FOR_NOW[m], strict=False))
        if m in OVER_THE_LIMIT_FOR_NOW
        else m
        for m in sorted(MODULES)
    ],
)
def test_no_module_is_longer_than_the_limit(module: str) -> None:
    """A module a reader can hold in their head: at most 400 lines (split by responsibility beyond)."""
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(SRC)} has {lines} lines"
