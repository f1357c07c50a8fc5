"""wrapupkit: apply Genesys Cloud wrap-up codes right after an interaction ends."""

from __future__ import annotations

from wrapupkit._clock import Clock, SystemClock


__all__ = ["Clock", "SystemClock", "__version__"]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import version

        return version("wrapupkit")
    raise AttributeError(f"module 'wrapupkit' has no attribute {name!r}")
