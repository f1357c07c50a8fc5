"""What the sync and the async client share: construction, argument checks, the call's set-up, effects.

:class:`ClientCore` holds a client's state (the HTTP caller, the code cache, the clock, the
defaults) and does everything that is the same for both drivers: it checks the constructor's
arguments, builds an ``ApiClient`` from credentials or the environment, checks a call's
arguments and builds the flow's request (:meth:`ClientCore._begin`), and performs every effect
of the flow that is not a wait (:meth:`ClientCore._step`).  The drivers differ only in how they
wait and whether they ``await``: :func:`drive` is the loop they share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

import attrs

from wrapupkit import _validate as check
from wrapupkit._clock import Clock, SystemClock
from wrapupkit._codes import CodeBook
from wrapupkit._http import RetryPolicy, api_host_for, new_api_client, new_caller, read_env
from wrapupkit._preflight import probe, refused
from wrapupkit._readiness import CallInfo, Readiness, ReadinessStrategy, as_strategy
from wrapupkit._readiness._flow import Lookup, Read, Request, Resolve, Write, wrapup_flow
from wrapupkit._readiness._recorded import recorded
from wrapupkit.exceptions import ConfigurationError, InvalidType


if TYPE_CHECKING:
    import contextlib

    from typing_extensions import Self

    from wrapupkit._explain import Explanation
    from wrapupkit._http import Caller
    from wrapupkit._http._share import Gate
    from wrapupkit._media import MediaType
    from wrapupkit._models import WrapupResult
    from wrapupkit._readiness._flow import Effect, Flow
    from wrapupkit.intents import IntentStore

__all__ = ["Call", "ClientCore", "ClientOptions", "caller_of", "drive"]


class ClientOptions(TypedDict, total=False):
    """The constructor's keyword arguments, as :meth:`WrapupClient.from_env` and
    :meth:`WrapupClient.from_credentials` accept them (a type checker flags a misspelt one).

    .. versionadded:: 0.1.0
    """

    readiness: Readiness | None
    retry: RetryPolicy | None
    timeout: float | dt.timedelta
    request_timeout: float | dt.timedelta
    cache_ttl: float | dt.timedelta
    cache_maxsize: int
    max_connections: int
    clock: Clock | None
    store: str | IntentStore | None
    share: Any


@attrs.frozen
class Call:
    """One apply_wrapup() call, set up: its strategy, the flow's request, what an event source sees."""

    strategy: ReadinessStrategy
    request: Request
    info: CallInfo


def _text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidType(f"{field} must be a string, not {type(value).__name__}")
    return value


class ClientCore:
    """The state and the steps both clients share (see the module docstring).  Strictly private."""

    _kind = "WrapupClient"

    def __init__(
        self,
        api_client: Any,
        *,
        readiness: Readiness | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | dt.timedelta = 30.0,
        request_timeout: float | dt.timedelta = 15.0,
        cache_ttl: float | dt.timedelta = 300.0,
        cache_maxsize: int = 1024,
        max_connections: int = 10,
        clock: Clock | None = None,
        store: str | IntentStore | None = None,
        share: Any = None,
    ) -> None:
        if clock is not None and not isinstance(clock, Clock):
            raise InvalidType(f"clock must be a wrapupkit.Clock (monotonic, time, sleep), not {clock!r}")
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise InvalidType(f"retry must be a wrapupkit.RetryPolicy or None, not {retry!r}")
        if not all(hasattr(api_client, name) for name in ("set_http_client", "access_token", "host")):
            raise InvalidType(
                f"api_client must be a PureCloudPlatformClientV2.ApiClient, not {type(api_client).__name__}"
            )
        self.clock: Clock = clock or SystemClock()
        self.intent_store = store
        self.readiness: ReadinessStrategy = as_strategy(readiness)
        self.retry: RetryPolicy = retry or RetryPolicy()
        self.timeout: float = check.seconds("timeout", timeout)
        ttl = check.seconds("cache_ttl", cache_ttl, allow_zero=True)
        check.whole("cache_maxsize", cache_maxsize, low=1)
        self._http: Caller = new_caller(
            api_client,
            retry=self.retry,
            clock=self.clock,
            request_timeout=check.seconds("request_timeout", request_timeout),
            max_connections=max_connections,
            default_timeout=self.timeout,
        )
        if share is not None:
            self._http.use_share(share)
        self._codes = CodeBook(self._http, ttl=ttl, maxsize=cache_maxsize, clock=self.clock)
        self._closed = False

    # -- construction from settings ---------------------------------------------------------------------

    @classmethod
    def _with_credentials(
        cls,
        client_id: str,
        client_secret: str,
        region: str | None,
        host: str | None,
        options: ClientOptions,
    ) -> Self:
        """Build a client that logs in with client credentials (blocking: imports the SDK)."""
        _text("client_id", client_id)
        _text("client_secret", client_secret)
        if host is None and region is None:
            raise ConfigurationError("Pass region= or host= to say which Genesys Cloud to use.")
        if host is not None:
            api_host = _text("host", host).rstrip("/")
        else:
            api_host = api_host_for(_text("region", region))
        client = cls(new_api_client(api_host), **options)
        client._http.login(client_id, client_secret)
        return client

    @classmethod
    def _with_env(cls, environ: Mapping[str, str] | None, options: ClientOptions) -> Self:
        """Build a client from ``GENESYSCLOUD_*`` settings (blocking: imports the SDK)."""
        env = read_env(environ)
        if "api_host" not in env and "region" not in env:
            raise ConfigurationError(
                "Set GENESYSCLOUD_REGION (or GENESYSCLOUD_API_HOST) to choose the Genesys Cloud."
            )
        host = api_host_for(env.get("api_host") or env["region"])
        if "access_token" in env and not ("client_id" in env and "client_secret" in env):
            api_client = new_api_client(host.rstrip("/"))
            api_client.access_token = env["access_token"]  # type: ignore[attr-defined]
            return cls(api_client, **options)
        missing = [n for n in ("client_id", "client_secret") if n not in env]
        if missing:
            names = " and ".join(f"GENESYSCLOUD_OAUTHCLIENT_{n.split('_')[1].upper()}" for n in missing)
            raise ConfigurationError(f"Set {names} (or GENESYSCLOUD_ACCESS_TOKEN).")
        return cls._with_credentials(env["client_id"], env["client_secret"], None, host, options)

    # -- what both clients show -----------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether the client was closed."""
        return self._closed

    @property
    def api_client(self) -> Any:
        """The SDK ``ApiClient`` the client calls through."""
        return self._http.api_client

    def gated(self, gate: Gate) -> contextlib.AbstractContextManager[None]:
        """Pass every request the client sends inside the block through *gate*: a
        :class:`~wrapupkit.RateLimiter`, or any object with ``acquire(deadline)`` and
        ``observe(status, headers)`` (the fleet's response counter is one).

        The seam :meth:`RateLimiter.installed <wrapupkit.RateLimiter.installed>` uses: write
        ``with limiter.installed(client):`` rather than calling this.
        """
        return self._http.transport.gated(gate)

    def clear_cache(self) -> None:
        """Forget every cached code set."""
        self._codes.clear()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(host={self._http.host!r}, readiness={self.readiness!r}, "
            f"retry={self.retry!r})"
        )

    # -- the steps both drivers take --------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigurationError(f"This {type(self).__name__} is closed; create a new one.")

    def _explained(
        self,
        conversation_id: str,
        *,
        participant_id: str | None,
        user_id: str | None,
        media_type: MediaType | str | None,
        readiness: Readiness | None,
    ) -> Explanation:
        """``explain()`` (blocking): one read, then the flow's own choice and first verdict."""
        from wrapupkit._explain._model import read_and_explain

        self._check_open()
        return read_and_explain(
            self._http,
            self.clock,
            self.timeout,
            conversation_id,
            participant_id=participant_id,
            user_id=user_id,
            media_type=media_type,
            readiness=self.readiness if readiness is None else readiness,
        )

    def _codes_of(self, queue_id: str, *, refresh: bool = False) -> Any:
        """A queue's code set under the client's default deadline (blocking)."""
        self._check_open()
        check.check_id("queue_id", queue_id)
        with self._http.budget(self.clock.monotonic() + self.timeout):
            return self._codes.queue(queue_id, refresh=refresh)[0]

    def _check_permissions(self, queues: Iterable[str], users: Iterable[str], probe_write: bool) -> None:
        """The start-up check (blocking): see :meth:`WrapupClient.check`."""
        self._check_open()
        queue_ids = [str(check.check_id("queues", q)) for q in queues]
        user_ids = [str(check.check_id("users", u)) for u in users]
        with self._http.budget(self.clock.monotonic() + self.timeout):
            missing = probe(
                self._http, self._codes, self.readiness, queue_ids, user_ids, probe_write=probe_write
            )
        if missing:
            raise refused(missing)

    def _begin(
        self,
        conversation_id: str,
        code: str,
        *,
        participant_id: str | None,
        user_id: str | None,
        media_type: MediaType | str | None,
        notes: str | None,
        tags: Sequence[str] | None,
        duration: float | dt.timedelta | None,
        readiness: Readiness | None,
        timeout: float | dt.timedelta | None,
        overwrite: bool,
    ) -> Call:
        """Check every argument (before any network call) and set the call up."""
        self._check_open()
        strategy = self.readiness if readiness is None else as_strategy(readiness)
        limit = self.timeout if timeout is None else check.seconds("timeout", timeout)
        check.check_id("conversation_id", conversation_id)
        check.check_id("participant_id", participant_id, optional=True)
        check.check_id("user_id", user_id, optional=True)
        wanted = check.check_code(code)
        check.flag("overwrite", overwrite)
        fields: dict[str, Any] = {
            "notes": check.check_notes(notes),
            "tags": check.check_tags(tags),
            "duration_seconds": None
            if duration is None
            else round(check.seconds("duration", duration, allow_zero=True)),
        }
        request = Request(
            conversation_id=conversation_id,
            participant_id=participant_id,
            user_id=user_id,
            code=wanted,
            media=check.media(media_type),
            fields=fields,
            overwrite=overwrite,
            deadline=self.clock.monotonic() + limit,
            supported=self._http.supported_media,
            now=self.clock.monotonic,
            wall=self.clock.time,
        )
        info = CallInfo(
            conversation_id=conversation_id,
            participant_id=participant_id,
            user_id=user_id,
            deadline=request.deadline,
            clock=self.clock,
            http=self._http,
        )
        return Call(strategy=strategy, request=request, info=info)

    def _flow(self, call: Call) -> Flow:
        """The call's flow, recorded: the result or the error carries its :class:`~wrapupkit.Trail`."""
        return recorded(wrapup_flow(call.request, call.strategy), call.request, self.clock)

    def _read(self, conversation_id: str, *, waiting: bool = False) -> Any:
        """Read the conversation (blocking): at the start, or after a wait that brought no view."""
        if waiting:
            return self._http.get_conversation(conversation_id, what="GET conversation (readiness)")
        return self._http.get_conversation(conversation_id)

    def _step(self, effect: Effect, request: Request) -> Any:
        """Perform an effect that is not a wait (blocking): a read, a code lookup, the write."""
        if isinstance(effect, Read):
            return self._read(request.conversation_id)
        if isinstance(effect, Resolve):
            return self._codes.resolve(request.code, effect.target)
        if isinstance(effect, Lookup):
            return self._codes.name_of(effect.code_id, effect.target.queue_id)
        if isinstance(effect, Write):
            target = effect.target
            self._http.write_wrapup(
                target.endpoint,
                target.conversation_id,
                target.participant_id,
                target.communication_id,
                effect.fields,
                overwrite=request.overwrite,
            )
            return None
        raise TypeError(f"unknown effect {effect!r}")  # pragma: no cover - the flow yields only these


class Outcome:
    """What :func:`drive` hands back to the flow: a value, or the exception a step raised."""

    __slots__ = ("error", "value")

    def __init__(self, value: Any = None, error: Exception | None = None) -> None:
        self.value = value
        self.error = error


def drive(flow: Flow, outcome: Outcome | None) -> Effect | WrapupResult:
    """Advance *flow* by one step: start it, send a value or throw an error; its next effect or result.

    Both drivers loop on this (``isinstance(step, WrapupResult)`` ends the loop), so the handling
    of the flow generator lives in one place.
    """
    try:
        if outcome is None:
            return next(flow)
        if outcome.error is not None:
            return flow.throw(outcome.error)
        return flow.send(outcome.value)
    except StopIteration as done:
        result: WrapupResult = done.value
        return result


def caller_of(client: object, *, user: str) -> Caller:
    """The HTTP caller of a :class:`WrapupClient` or :class:`AsyncWrapupClient`: its login, retry
    policy, deadline and transport.  For wrapupkit's own packages (the fleet's event sources share a
    client's login and channel); not part of the public API.

    Raises:
        InvalidType: *client* is not a wrapupkit client (the message names *user*, who needs one).
    """
    if not isinstance(client, ClientCore):
        raise InvalidType(f"{user} needs a WrapupClient or an AsyncWrapupClient, not {type(client).__name__}")
    return client._http
