"""The one state object of an emulator, handed to every handler and service (moto's backend).

It holds the entities of the organisation, the services without HTTP (auth, notifications), the
faults, the request log, the rules and the clock, and the change notification that the
notification service listens to.  Behaviour lives in the services' modules, which take a
:class:`State` as their first argument; this module imports none of them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from wrapupkit import Clock
from wrapupkit.emulator.auth.service import Auth
from wrapupkit.emulator.conversations.models import Conversation
from wrapupkit.emulator.core.faults import Faults, RequestLog
from wrapupkit.emulator.core.rules import Rules
from wrapupkit.emulator.core.schedule import Schedule
from wrapupkit.emulator.notifications.hub import NotificationHub
from wrapupkit.emulator.routing.models import DEFAULT_DIVISION_ID, TIMEOUT_CODE, Code, Queue, User


__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "State", "new_id"]

DEFAULT_CLIENT_ID = "wrapupkit-emulator"
DEFAULT_CLIENT_SECRET = "wrapupkit-emulator-secret"  # noqa: S105 (a fake, local-only test credential)


def new_id() -> str:
    """A fresh entity id (a UUID, as Genesys uses)."""
    return str(uuid.uuid4())


class State:
    """Everything one emulator knows.  Thread-safe through :attr:`lock` (re-entrant).

    Change listeners registered with :meth:`on_change` run after the lock is released, once per
    changed conversation.

    Args:
        clock: the time source.
        rules: the answers to undocumented behaviours.
        host: the interface the servers bind.
    """

    def __init__(self, clock: Clock, rules: Rules, host: str = "127.0.0.1") -> None:
        self.clock = clock
        self.rules = rules
        self.host = host
        self.lock = threading.RLock()
        self.schedule = Schedule()
        self.auth = Auth(clock)
        self.faults = Faults(clock)
        self.log = RequestLog()
        self.notifications = NotificationHub(clock, host)
        self.default_client = (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        self._listeners: list[Callable[[str], None]] = []
        self._changed: list[str] = []
        self._depth = 0
        self.ticking = threading.local()
        self._init_entities()
        self.auth.add_client(*self.default_client)

    def _init_entities(self) -> None:
        self.codes: dict[str, Code] = {}
        self.queues: dict[str, Queue] = {}
        self.users: dict[str, User] = {}
        self.conversations: dict[str, Conversation] = {}
        created = self.clock.time()
        self.system_codes = {
            TIMEOUT_CODE: Code(TIMEOUT_CODE, TIMEOUT_CODE, DEFAULT_DIVISION_ID, created, True)
        }
        self.schedule.clear()

    def reset(self) -> None:
        """Forget entities, steps, channels, faults, the log and rule changes; keep the default client."""
        with self.lock:
            self._init_entities()
            self.auth.clear()
            self.auth.add_client(*self.default_client)
        self.notifications.reset()
        self.faults.clear()
        self.rules.reset()
        self.log.clear()

    # -- change notification ----------------------------------------------------------------------

    def on_change(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call ``callback(conversation_id)`` after any conversation change; returns an unsubscribe."""
        with self.lock:
            self._listeners.append(callback)

        def remove() -> None:
            with self.lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return remove

    @contextmanager
    def mutating(self) -> Iterator[None]:
        """Hold the lock for a change; notify listeners once the outermost change is done."""
        with self.lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                changed: list[str] = []
                if self._depth == 0:
                    changed, self._changed = self._changed, []
                listeners = list(self._listeners)
        for conversation_id in changed:
            for listener in listeners:
                listener(conversation_id)

    def changed(self, conversation_id: str) -> None:
        """Mark a conversation changed (listeners hear of it when the change is done)."""
        if conversation_id not in self._changed:
            self._changed.append(conversation_id)

    # -- time -------------------------------------------------------------------------------------

    def epoch(self, mono: float) -> float:
        """The wall-clock time (epoch seconds) of a ``monotonic()`` reading."""
        return mono + (self.clock.time() - self.clock.monotonic())

    def now(self) -> float:
        return self.clock.time()
