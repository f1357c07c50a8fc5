"""Make ``PureCloudPlatformClientV2`` importable without running its package ``__init__`` eagerly.

The SDK's ``__init__`` imports every one of its ~6,650 model modules and 89 API modules (about
2 s and 200 MB); wrapupkit needs the ``ApiClient``, three API classes and the models their
responses use.  :func:`load` registers the package, and its ``models`` and ``apis`` subpackages,
as module objects with the SDK's own ``__spec__`` and ``__path__`` whose names resolve on first
use by importing only the submodule that defines them.  Which submodule defines which name is
read from the installed SDK's own ``__init__.py`` files, so no SDK code is copied: the classes,
request building and deserialiser are the SDK's (its ``ApiClient`` finds model classes by name on
the ``models`` subpackage, which resolves them the same way).

The lazy package is the whole package to everyone else: every name resolves, ``dir()`` lists every
name, and ``from PureCloudPlatformClientV2 import *`` runs the SDK's own ``__init__`` into the
same module object first, so it binds exactly what the full import binds.  If the SDK was already
imported, :func:`load` returns it.  If the installed SDK is laid out differently from what this
module expects, :func:`load` logs one line on the ``"wrapupkit"`` logger and imports it in full.
``WRAPUPKIT_SDK_LAZY=0`` turns the loader off.
"""

from __future__ import annotations
import __future__

import importlib
import importlib.machinery
import importlib.util
import logging
import os
import re
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any


__all__ = ["ENV_VAR", "PACKAGE", "load"]

PACKAGE = "PureCloudPlatformClientV2"
ENV_VAR = "WRAPUPKIT_SDK_LAZY"
# What wrapupkit's SDK border uses, resolved when loading: a name that does not resolve means the
# installed SDK's layout is not what this module expects.
REQUIRED = (
    "ApiClient",
    "ConversationsApi",
    "RoutingApi",
    "NotificationsApi",
    "WrapupInput",
    "models.WrapupInput",
    "models.Conversation",
    "rest.ApiException",
    "rest.RESTResponse",
    "abstract_http_client.AbstractHttpClient",
    "http_request_options.HttpRequestOptions",
    "configuration",
)
_OFF = frozenset({"0", "false", "no", "off"})

log = logging.getLogger("wrapupkit")
_load_lock = threading.Lock()
_complete_lock = threading.RLock()

_FUTURE = re.compile(r"from __future__ import (\w+)")
_FROM = re.compile(r"from \.([\w.]*) import (\w+(?: as \w+)?(?:, *\w+(?: as \w+)?)*)")
_ASSIGN = re.compile(r"([A-Za-z_]\w*) = (.+)")


class LayoutError(Exception):
    """The installed SDK is not laid out the way this module expects."""


class _Plan:
    """What one package's ``__init__`` binds: names from submodules, and plain assignments."""

    def __init__(self, directory: Path) -> None:
        self.names: dict[str, tuple[str, str]] = {}  # bound name -> (relative submodule, attribute)
        self.assignments: list[tuple[str, types.CodeType]] = []
        self.future: list[str] = []  # ``from __future__ import x`` binds x too
        self.submodules = frozenset(_submodule_names(directory))

    @property
    def public(self) -> set[str]:
        """Every name the executed ``__init__`` would bind, submodules included."""
        return set(self.names) | {target for target, _ in self.assignments} | set(self.submodules)


_plans: dict[str, _Plan] = {}


def _submodule_names(directory: Path) -> Iterator[str]:
    for entry in directory.iterdir():
        if entry.suffix == ".py" and entry.stem != "__init__":
            yield entry.stem
        elif (entry / "__init__.py").is_file():
            yield entry.name


def _parse(directory: Path, origin: str) -> _Plan:
    """Read an ``__init__.py`` as text: relative imports, ``from __future__`` and ``name = expr`` only."""
    plan = _Plan(directory)
    text = Path(origin).read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if match := _FUTURE.fullmatch(line):
            plan.future.append(match[1])
        elif match := _FROM.fullmatch(line):
            module, names = match.groups()
            for item in names.split(","):
                attr, _, alias = (part.strip() for part in item.partition(" as "))
                plan.names[alias or attr] = (module, attr) if module else (attr, "")
                if (module or attr).split(".")[0] not in plan.submodules:
                    raise LayoutError(f"{origin}:{number}: no submodule for {line!r}")
        elif match := _ASSIGN.fullmatch(line):
            plan.assignments.append((match[1], compile(match[2], origin, "eval")))
        else:
            raise LayoutError(f"{origin}:{number}: unexpected statement")
    return plan


class _LazyPackage(types.ModuleType):
    """A package whose names are imported from their submodules on first access."""

    def __getattr__(self, name: str) -> Any:
        plan = _plans.get(self.__name__)
        if plan is None or (name.startswith("__") and name.endswith("__")):
            if name == "__all__" and plan is not None:
                _complete(self)  # a star-import: bind exactly what the full __init__ binds
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        if name in plan.names:
            module, attr = plan.names[name]
            found = importlib.import_module(f"{self.__name__}.{module}")
            value = getattr(found, attr) if attr else found
        elif name in plan.submodules:
            value = importlib.import_module(f"{self.__name__}.{name}")
        else:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        setattr(self, name, value)
        return value

    def __dir__(self) -> list[str]:
        plan = _plans.get(self.__name__)
        return sorted(set(super().__dir__()) | (plan.public if plan is not None else set()))


class _Resolver(dict[str, Any]):
    """Locals for evaluating an ``__init__`` assignment: unknown names resolve on the package."""

    def __init__(self, package: types.ModuleType) -> None:
        super().__init__()
        self.package = package

    def __missing__(self, name: str) -> Any:
        try:
            return getattr(self.package, name)
        except AttributeError:
            raise KeyError(name) from None


def _become(module: types.ModuleType, kind: type[types.ModuleType]) -> None:
    module.__class__ = kind


def _complete(package: types.ModuleType) -> None:
    """Run the package's own ``__init__`` into it, then make it a plain module again."""
    with _complete_lock:
        if type(package) is not _LazyPackage:
            return
        spec = package.__spec__
        if spec is None or spec.loader is None:  # pragma: no cover - set by _register
            raise LayoutError(f"{package.__name__} has no loader")
        spec.loader.exec_module(package)
        _become(package, types.ModuleType)
        _plans.pop(package.__name__, None)


def _register(name: str, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
    """Put a lazy package for *spec* into ``sys.modules``, with lazy subpackages for its imports."""
    if spec.origin is None or not spec.submodule_search_locations or spec.loader is None:
        raise LayoutError(f"{name} is not a package with an __init__.py")
    directory = Path(spec.origin).parent
    plan = _parse(directory, spec.origin)
    module = importlib.util.module_from_spec(spec)
    _become(module, _LazyPackage)
    _plans[name] = plan
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    heads = {path.split(".")[0] for path, _ in plan.names.values()}
    for sub in sorted(h for h in heads if (directory / h / "__init__.py").is_file()):
        sub_spec = importlib.machinery.PathFinder.find_spec(f"{name}.{sub}", [str(directory)])
        if sub_spec is None:
            raise LayoutError(f"{name}.{sub} not found")
        _register(f"{name}.{sub}", sub_spec)
    for feature in plan.future:
        setattr(module, feature, getattr(__future__, feature))
    for target, code in plan.assignments:
        if target in plan.submodules:  # importing it later would rebind the name to the submodule
            importlib.import_module(f"{name}.{target}")
        setattr(module, target, eval(code, vars(module), _Resolver(module)))  # noqa: S307 - SDK's own line
    return module


def _verify(package: types.ModuleType) -> None:
    for dotted in REQUIRED:
        value: Any = package
        for part in dotted.split("."):
            value = getattr(value, part)


def _unregister() -> None:
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    _plans.clear()


def load() -> types.ModuleType:
    """``PureCloudPlatformClientV2``, with its names imported on first use.

    Returns the package already in ``sys.modules`` if there is one.  Falls back to the normal
    full import, with one log line, when the installed SDK's layout is not what the loader
    expects; imports in full, silently, when ``WRAPUPKIT_SDK_LAZY`` is ``0``.

    Returns:
        The ``PureCloudPlatformClientV2`` package module.

    Raises:
        ImportError: the SDK is not installed, or fails to import in full.
    """
    with _load_lock:
        present = sys.modules.get(PACKAGE)
        if present is not None:
            return present
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or os.environ.get(ENV_VAR, "1").strip().lower() in _OFF:
            return importlib.import_module(PACKAGE)
        try:
            package = _register(PACKAGE, spec)
            _verify(package)
        except (LayoutError, ImportError, AttributeError, OSError, SyntaxError, ValueError) as exc:
            _unregister()
            log.warning(
                "importing %s in full, its layout is not what the lazy loader expects (%s: %s); "
                "set %s=0 to skip the loader",
                PACKAGE,
                type(exc).__name__,
                exc,
                ENV_VAR,
            )
            return importlib.import_module(PACKAGE)
        return package


def __getattr__(name: str) -> types.ModuleType:
    """``from wrapupkit._sdkload import sdk``: the SDK package, loaded by :func:`load`."""
    if name == "sdk":
        return load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
