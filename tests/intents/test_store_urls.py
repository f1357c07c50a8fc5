"""Store URLs: typed errors before any I/O, passwords never shown, StoreError when the server is away."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis_server import free_port, redis_server
from store_helpers import intent

from wrapupkit.exceptions import ConfigurationError, InvalidType, StoreError
from wrapupkit.intents import RedisStore, SQLiteStore, open_async_store, open_store
from wrapupkit.intents._url import redact_url


PASSWORD = "s3cret-Pa55word"


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("postgres://h/db", "unknown store URL"),
        ("intents.db", "unknown store URL"),
        ("", "malformed"),
        ("sqlite:///", "malformed SQLite URL"),
        ("sqlite://host/file.db", "malformed SQLite URL"),
        ("sqlite:///file.db?mode=ro", "malformed SQLite URL"),
        ("sqlite:///my file.db", "malformed"),
        ("redis://", "no host"),
        ("redis://127.0.0.1:99999/0", "port"),
        ("redis://127.0.0.1:0", "port 0"),
        ("redis://127.0.0.1:6379/zero", "database number"),
        (f"redis://:{PASSWORD}@:6379/0", "no host"),
        (f"redis://user:{PASSWORD}@host:port/0", "port"),
    ],
)
def test_bad_urls_are_configuration_errors_before_any_io(url: str, match: str) -> None:
    for opener in (open_store, open_async_store):
        with pytest.raises(ConfigurationError, match=match) as caught:
            opener(url)
        assert PASSWORD not in str(caught.value)


def test_a_url_must_be_a_string() -> None:
    with pytest.raises(InvalidType):
        open_store(Path("x.db"))  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        SQLiteStore(3)  # type: ignore[arg-type]


def test_relative_and_absolute_sqlite_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_store("sqlite:///sub.db")
    assert (tmp_path / "sub.db").is_file()
    assert repr(relative) == "SQLiteStore('sqlite:///sub.db')"
    relative.close()
    absolute = open_store(f"sqlite:///{tmp_path / 'abs.db'}")
    assert absolute.url == f"sqlite:////{str(tmp_path / 'abs.db').lstrip('/')}"
    absolute.close()


def test_a_sqlite_file_that_cannot_be_opened_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="sqlite:///"):
        open_store(f"sqlite:///{tmp_path / 'missing-folder' / 'x.db'}")
    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="open failed"):
        open_store(f"sqlite:///{tmp_path / 'junk.db'}")


@given(st.text(min_size=1, max_size=30))
def test_redaction_hides_any_password(password: str) -> None:
    url = f"rediss://user:{quote(password, safe='')}@cache.example:6380/2"
    assert redact_url(url) == "rediss://user:***@cache.example:6380/2"


def test_a_server_that_is_down_is_a_store_error_without_the_password() -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = str(caught.value)
    assert PASSWORD not in message
    assert "redis://:***@127.0.0.1" in message


@pytest.mark.asyncio
async def test_the_async_store_reports_a_server_down_as_a_store_error() -> None:
    store = open_async_store(f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0")
    assert PASSWORD not in repr(store)
    with pytest.raises(StoreError) as caught:
        await store.get("wi_x")
    assert PASSWORD not in str(caught.value)
    await store.close()


def test_a_password_protected_server_the_wrong_password_and_a_server_that_stops(tmp_path: Path) -> None:
    with redis_server(tmp_path, password=PASSWORD) as server:
        store = open_store(server.url)
        assert isinstance(store, RedisStore)
        assert PASSWORD not in repr(store)
        assert "***" in repr(store)
        it = store.put(intent())
        assert store.get(it.id) == it
        wrong = server.url.replace(PASSWORD, "not-the-password")
        with pytest.raises(StoreError) as refused:
            open_store(wrong)
        assert "not-the-password" not in str(refused.value)
        server.stop()
        with pytest.raises(StoreError) as caught:
            store.get(it.id)
        assert PASSWORD not in str(caught.value)
        store.close()


def test_importing_the_package_loads_no_store_library() -> None:
    code = (
        "import sys, wrapupkit, wrapupkit.intents; "
        "print(sorted(m for m in ('sqlite3', 'redis', 'limits') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == "[]"
