"""Store URLs: parsed and checked before any I/O, and shown without their password."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

from wrapupkit.exceptions import ConfigurationError, InvalidType


__all__ = ["SCHEMES", "parse_store_url", "redact_url", "url_password"]

SCHEMES = ("sqlite", "redis", "rediss")
_EXAMPLES = "sqlite:///relative/file.db, sqlite:////absolute/file.db, redis://host:6379/0 or rediss://..."


def parse_store_url(url: object) -> tuple[str, str]:
    """``(kind, target)`` for a store URL: ``("sqlite", path)`` or ``("redis", url)``.

    Raises:
        InvalidType: *url* is not a string.
        ConfigurationError: an unknown scheme or a malformed URL (the message hides any password).
    """
    if not isinstance(url, str):
        raise InvalidType(f"a store URL must be a string, not {type(url).__name__}")
    shown = redact_url(url)
    if not url.strip() or re.search(r"[\x00-\x1f\x7f\s]", url):
        raise ConfigurationError(f"malformed store URL {shown!r} (blank, or a space or control character)")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise ConfigurationError(f"unknown store URL {shown!r}; expected {_EXAMPLES}")
    if scheme == "sqlite":
        if not rest.startswith("/") or rest.strip("/") == "" or "?" in rest or "#" in rest:
            raise ConfigurationError(
                f"malformed SQLite URL {shown!r}; expected sqlite:///relative/file.db or sqlite:////absolute/file.db"
            )
        return "sqlite", rest[1:]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"malformed Redis URL {shown!r}: {_reason(exc)}") from None
    if not parts.hostname:
        raise ConfigurationError(f"malformed Redis URL {shown!r}: no host")
    if port == 0:
        raise ConfigurationError(f"malformed Redis URL {shown!r}: port 0")
    db = parts.path.strip("/")
    if db and not (db.isdigit() and int(db) < 1_000_000):
        raise ConfigurationError(f"malformed Redis URL {shown!r}: the path must be a database number")
    return "redis", url


def _reason(exc: ValueError) -> str:
    text = str(exc)
    return "the port is not a number in 0..65535" if "port" in text.lower() else "cannot be parsed"


def redact_url(url: str) -> str:
    """*url* with any password replaced by ``***`` (user names stay)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<malformed URL>"
    if not password:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{user}:***@{host}" + (f":{port}" if port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def url_password(url: str) -> str | None:
    """The password in *url* (unquoted), or ``None``."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None
