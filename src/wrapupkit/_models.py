"""Value types returned to users: frozen, slotted, comparable, and free of SDK models."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator, Mapping

import attrs

from wrapupkit._clock import Clock, SystemClock
from wrapupkit._media import MediaType
from wrapupkit._trail import Trail


__all__ = ["CodeSet", "CommunicationSnapshot", "WrapupCode", "WrapupResult"]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# CodeSet's repr lists this many names, then counts the rest.
_REPR_NAMES = 5


def _age_text(seconds: float) -> str:
    """``0.4 s ago``, ``12 s ago``, ``5 min ago``, ``2.5 h ago``."""
    if seconds < 10:
        return f"{seconds:.1f} s ago"
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


@attrs.frozen
class WrapupCode:
    """A wrap-up code: its id (what the API takes) and its name (what people read).

    .. versionadded:: 0.1.0
    """

    id: str
    name: str


@attrs.frozen(repr=False)
class CodeSet:
    """The wrap-up codes valid for a queue (or for one participant), by exact name and by id.

    Names match exactly and case-sensitively, as Genesys does; ``"survey complete"``
    is not ``"Survey Complete"``.  The repr and the notebook view show how old the
    list is (``fetched 12 s ago``), measured on the clock of the client that fetched it.

    Attributes:
        queue_id: the queue, or ``None`` for a participant's own list.
        codes: the codes, in the order Genesys listed them.
        clock: the clock :attr:`fetched_at` and :attr:`age` are read on (keyword only;
            default :class:`~wrapupkit.SystemClock`).
        fetched_at: the clock's ``monotonic()`` when the list was fetched (default: when
            the set was built).

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.1.0
       ``clock``, :attr:`age`, and a repr that shows the age instead of a clock reading.
    """

    queue_id: str | None
    codes: tuple[WrapupCode, ...]
    clock: Clock = attrs.field(factory=SystemClock, kw_only=True, eq=False)
    fetched_at: float = attrs.field(
        default=attrs.Factory(lambda self: self.clock.monotonic(), takes_self=True), eq=False
    )
    _by_name: Mapping[str, WrapupCode] = attrs.field(init=False, repr=False, eq=False)
    _by_id: Mapping[str, WrapupCode] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_name: dict[str, WrapupCode] = {}
        for code in self.codes:
            by_name.setdefault(code.name, code)
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_by_id", {c.id: c for c in self.codes})

    def by_name(self, name: str) -> WrapupCode | None:
        """The code whose name is exactly *name*, or ``None``."""
        return self._by_name.get(name)

    def by_id(self, code_id: str) -> WrapupCode | None:
        """The code whose id is *code_id*, or ``None``."""
        return self._by_id.get(code_id)

    def find(self, name_or_id: str) -> WrapupCode | None:
        """Match a name exactly first, then an id."""
        return self._by_name.get(name_or_id) or self._by_id.get(name_or_id)

    @property
    def names(self) -> tuple[str, ...]:
        """Every code name, in the order Genesys listed them."""
        return tuple(c.name for c in self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[WrapupCode]:
        return iter(self.codes)

    def __contains__(self, name_or_id: object) -> bool:
        return isinstance(name_or_id, str) and self.find(name_or_id) is not None

    @property
    def age(self) -> float:
        """Seconds since the list was fetched, on :attr:`clock`."""
        return max(0.0, self.clock.monotonic() - self.fetched_at)

    def __repr__(self) -> str:
        shown = ", ".join(repr(name) for name in self.names[:_REPR_NAMES])
        more = f", ... {len(self.codes) - _REPR_NAMES} more" if len(self.codes) > _REPR_NAMES else ""
        return (
            f"CodeSet(queue_id={self.queue_id!r}, {_count(len(self.codes), 'code')}: [{shown}{more}], "
            f"fetched {_age_text(self.age)})"
        )

    def _repr_html_(self) -> str:
        title = f"queue {self.queue_id}" if self.queue_id else "participant codes"
        title += f", fetched {_age_text(self.age)}"
        rows = "".join(
            f"<tr><td>{html.escape(c.name)}</td><td><code>{html.escape(c.id)}</code></td></tr>"
            for c in self.codes
        )
        return (
            f"<table><caption>{_count(len(self.codes), 'wrap-up code')}, {html.escape(title)}</caption>"
            f"<thead><tr><th>name</th><th>id</th></tr></thead><tbody>{rows}</tbody></table>"
        )


@attrs.frozen
class CommunicationSnapshot:
    """What readiness strategies judge: the agent's communication at one moment.

    Attributes:
        state: the communication state (``"connected"``, ``"disconnected"`` ...).
        acw_state: ``afterCallWork.state`` (``"pending"``, ``"complete"`` ...), or ``None`` when absent.
        wrapup_code: the id of a wrap-up code already applied, or ``None``.
        wrapup_required: the participant's ``wrapupRequired``.
        wrapup_prompt: the participant's ``wrapupPrompt`` (``"mandatory"``, ``"agentRequested"`` ...).
        wrapup_expected: the participant's ``wrapupExpected`` (in event bodies).
        disconnect_type: the communication's ``disconnectType`` (``"client"``, ``"transfer"`` ...).
        disconnected_time, connected_time, acw_start_time, acw_end_time: timezone-aware
            :class:`datetime.datetime` values from the JSON, or ``None``.
        taken_at: the client clock's ``monotonic()`` when the snapshot was taken.

    .. versionadded:: 0.1.0
    """

    conversation_id: str
    participant_id: str
    communication_id: str
    media_type: MediaType
    state: str
    acw_state: str | None = None
    wrapup_required: bool | None = None
    wrapup_prompt: str | None = None
    wrapup_code: str | None = None
    user_id: str | None = None
    queue_id: str | None = None
    disconnected_time: dt.datetime | None = None
    acw_start_time: dt.datetime | None = None
    acw_end_time: dt.datetime | None = None
    taken_at: float = 0.0
    wrapup_expected: bool | None = None
    disconnect_type: str | None = None
    connected_time: dt.datetime | None = None

    @property
    def is_disconnected(self) -> bool:
        """The agent's side of the interaction has ended."""
        return self.state in ("disconnected", "terminated")

    @property
    def is_acw_pending(self) -> bool:
        """After-call work has started and awaits a code."""
        return self.acw_state == "pending"

    @property
    def has_wrapup(self) -> bool:
        """A wrap-up code is already applied."""
        return self.wrapup_code is not None


@attrs.frozen
class WrapupResult:
    """What :meth:`~wrapupkit.WrapupClient.apply_wrapup` did.

    Attributes:
        already_applied: the same code was already applied, so nothing was written.
        attempts: wrap-up POSTs that went out on the wire, retries included (a 503 then a 202
            is 2; 0 when ``already_applied``).
        requests: every HTTP request made for this call, the token request included.
        waited: seconds spent waiting for readiness.
        trail: how the call went (reads, the target chosen and when, the write), for
            :func:`wrapupkit.explain_outcome`; not part of the repr or of equality.

    .. versionadded:: 0.1.0
    """

    conversation_id: str
    participant_id: str
    communication_id: str
    media_type: MediaType
    code: WrapupCode
    queue_id: str | None
    already_applied: bool
    attempts: int
    requests: int
    waited: float
    trail: Trail | None = attrs.field(default=None, repr=False, eq=False)

    def _repr_html_(self) -> str:
        verb = "already applied" if self.already_applied else "applied"
        rows = [
            ("conversation", self.conversation_id),
            ("participant", self.participant_id),
            ("communication", self.communication_id),
            ("media", self.media_type.value),
            ("code", f"{self.code.name} ({self.code.id})"),
            ("queue", self.queue_id or "none"),
            ("POSTs", str(self.attempts)),
            ("HTTP requests", str(self.requests)),
            ("waited", f"{self.waited:.3f} s"),
        ]
        body = "".join(f"<tr><th>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
        return f"<table><caption>Wrap-up {verb}</caption><tbody>{body}</tbody></table>"
