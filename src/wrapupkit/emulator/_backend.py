"""GenesysBackend: the emulated organisation's state and operations, with no HTTP (moto's models.py)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from wrapupkit._clock import Clock
from wrapupkit.emulator import _timeline as tl
from wrapupkit.emulator import _wrapups
from wrapupkit.emulator._auth import Auth
from wrapupkit.emulator._errors import EmulatorError, bad_request, not_found
from wrapupkit.emulator._model import (
    ACW_PROMPTS,
    MEDIA,
    PROMPT_TO_PARTICIPANT,
    TIMEOUT_CODE,
    Code,
    Conversation,
    ConversationHandle,
    Participant,
    Queue,
    User,
    new_participant,
)
from wrapupkit.emulator._rules import Rules


__all__ = ["DEFAULT_DIVISION_ID", "GenesysBackend"]

DEFAULT_DIVISION_ID = "5a2ab4c6-0000-4000-8000-000000000001"  # the "Home" division
_TIMEOUT_PROMPTS = ("MANDATORY_TIMEOUT", "MANDATORY_FORCED_TIMEOUT")


def _new_id() -> str:
    return str(uuid.uuid4())


class GenesysBackend:
    """In-memory queues, wrap-up codes, users, OAuth clients, tokens and conversations.

    Thread-safe (one re-entrant lock).  Change listeners registered with :meth:`on_change` run
    after the lock is released, once per changed conversation.

    .. versionadded:: 0.1.0
    """

    def __init__(self, clock: Clock, rules: Rules) -> None:
        self.clock = clock
        self.rules = rules
        self.timeline = tl.Timeline()
        self.auth = Auth(clock)
        self.lock = threading.RLock()
        self._listeners: list[Callable[[str], None]] = []
        self._changed: list[str] = []
        self._depth = 0
        self._ticking = threading.local()
        self._init_state()

    # -- plumbing ---------------------------------------------------------------------------------

    def _init_state(self) -> None:
        self.codes: dict[str, Code] = {}
        self.queues: dict[str, Queue] = {}
        self.users: dict[str, User] = {}
        self.conversations: dict[str, Conversation] = {}
        created = self.clock.time()
        self.system_codes = {
            TIMEOUT_CODE: Code(TIMEOUT_CODE, TIMEOUT_CODE, DEFAULT_DIVISION_ID, created, True)
        }
        self.timeline.clear()

    def reset(self) -> None:
        """Forget every entity and scheduled transition (change listeners stay registered)."""
        with self.lock:
            self._init_state()
            self.auth.clear()

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
        if conversation_id not in self._changed:
            self._changed.append(conversation_id)

    def epoch(self, mono: float) -> float:
        """The wall-clock time (epoch seconds) of a ``monotonic()`` reading."""
        return mono + (self.clock.time() - self.clock.monotonic())

    def now(self) -> float:
        return self.clock.time()

    # -- timeline ---------------------------------------------------------------------------------

    def schedule(self, due: float, cid: str, kind: str, pid: str | None, code: str | None) -> None:
        self.timeline.schedule(due, cid, kind, participant_id=pid, code_id=code)

    def tick(self) -> None:
        """Apply every scheduled transition that is due on the clock, one change batch per step.

        Each step notifies the change listeners on its own (unless a caller already holds a
        change open), so a listener sees every intermediate state of a long clock advance.  A
        tick started from inside a listener (e.g. an ``Emulator`` inspection call) does nothing, so
        the outer tick keeps replaying the steps in order.
        """
        if getattr(self._ticking, "active", False):
            return
        self._ticking.active = True
        try:
            while True:
                with self.mutating():
                    step = self.timeline.pop_due(self.clock.monotonic())
                    if step is None:
                        return
                    self._apply(step)
        finally:
            self._ticking.active = False

    def _apply(self, step: tl.Transition) -> None:
        conv = self.conversations.get(step.conversation_id)
        if conv is None:
            return
        epoch = self.epoch(step.due)
        if step.kind == "disconnect":
            tl.disconnect(conv, step.due, epoch, self.schedule)
        elif step.kind == "pending":
            tl.start_acw(conv, step.due, epoch, self.schedule)
        else:
            p = conv.participant(step.participant_id or "")
            if p is None or p.comm.acw != "pending":
                return
            if step.kind == "timeout":
                tl.apply_timeout(p, epoch, conv.acw_timeout or 0.0)
            else:
                code = self.find_code(step.code_id or "")
                name = code.name if code else step.code_id
                tl.set_wrapup(p, tl.ui_wrapup(step.code_id or "", name, epoch), "ui", epoch)
        self.changed(conv.id)

    def next_due(self) -> float | None:
        with self.lock:
            return self.timeline.next_due()

    # -- seeding ----------------------------------------------------------------------------------

    def add_code(self, name: str, *, id: str | None = None, division_id: str | None = None) -> str:
        with self.lock:
            code_id = id or _new_id()
            if code_id in self.codes or code_id in self.system_codes:
                raise EmulatorError(409, "general.conflict", f"wrap-up code id {code_id} already exists")
            if any(c.name == name for c in self.codes.values()):
                raise EmulatorError(409, "general.conflict", f"wrap-up code name {name!r} already exists")
            self.codes[code_id] = Code(code_id, name, division_id or DEFAULT_DIVISION_ID, self.now())
            return code_id

    def add_queue(
        self,
        name: str,
        *,
        codes: Iterable[str] = (),
        id: str | None = None,
        wrapup_prompt: str = "MANDATORY_TIMEOUT",
        timeout_ms: int = 300_000,
    ) -> str:
        if wrapup_prompt not in ACW_PROMPTS:
            raise bad_request(f"wrapup_prompt must be one of {', '.join(ACW_PROMPTS)}")
        if not 1_000 <= timeout_ms <= 3_600_000:
            raise bad_request("timeout_ms must be between 1000 and 3600000 (AcwSettings: 1 s to 60 min)")
        with self.lock:
            queue_id = id or _new_id()
            if queue_id in self.queues:
                raise EmulatorError(409, "general.conflict", f"queue id {queue_id} already exists")
            code_ids = self._known_codes(codes)
            self.queues[queue_id] = Queue(queue_id, name, code_ids, wrapup_prompt, timeout_ms, self.now())
            return queue_id

    def set_queue_codes(self, queue_id: str, code_ids: Iterable[str]) -> None:
        with self.lock:
            self.get_queue(queue_id).code_ids = self._known_codes(code_ids)

    def _known_codes(self, code_ids: Iterable[str]) -> list[str]:
        result = list(dict.fromkeys(code_ids))
        unknown = [c for c in result if c not in self.codes]
        if unknown:
            raise bad_request(f"unknown wrap-up code id(s): {', '.join(unknown)}")
        return result

    def add_user(self, name: str, *, id: str | None = None) -> str:
        with self.lock:
            user_id = id or _new_id()
            if user_id in self.users:
                raise EmulatorError(409, "general.conflict", f"user id {user_id} already exists")
            self.users[user_id] = User(user_id, name)
            return user_id

    # -- conversations ----------------------------------------------------------------------------

    def add_conversation(
        self,
        *,
        user_id: str,
        queue_id: str | None = None,
        media: str = "call",
        id: str | None = None,
        disconnect_after: float | None = 0.0,
        acw_delay: float = 0.0,
        acw_timeout: float | None = None,
        ui_wrapup: tuple[float, str] | None = None,
        wrapup_required: bool = True,
        agents: int = 1,
    ) -> ConversationHandle:
        if media not in MEDIA:
            raise bad_request(f"media must be one of {', '.join(MEDIA)}")
        if agents < 1:
            raise bad_request("agents must be at least 1")
        for label, value in (("disconnect_after", disconnect_after), ("acw_delay", acw_delay)):
            if value is not None and value < 0:
                raise bad_request(f"{label} must not be negative")
        with self.mutating():
            cid = id or _new_id()
            if cid in self.conversations:
                raise EmulatorError(409, "general.conflict", f"conversation id {cid} already exists")
            if user_id not in self.users:
                raise bad_request(f"unknown user id {user_id}; add it with add_user() first")
            queue = self.get_queue(queue_id) if queue_id is not None else None
            if ui_wrapup is not None and self.find_code(ui_wrapup[1]) is None:
                raise bad_request(f"unknown wrap-up code id {ui_wrapup[1]}")
            timeout = acw_timeout
            if timeout is None and queue is not None and queue.wrapup_prompt in _TIMEOUT_PROMPTS:
                timeout = queue.timeout_ms / 1000
            mono = self.clock.monotonic()
            start = self.epoch(mono)
            customer = new_participant("customer", "Customer", start)
            customer.connected_time = start
            acd = new_participant("acd", queue.name if queue else "ACD", start, queue)
            acd.end_time = acd.comm.disconnected_time = start
            acd.comm.state, acd.comm.disconnect_type = "disconnected", "transfer"
            agent_list = []
            for index in range(agents):
                uid = user_id if index == 0 else self.add_user(f"Agent {index + 1}")
                agent = new_participant("agent", self.users[uid].name, start, queue)
                agent.comm.initial_state = "alerting"
                agent.user_id, agent.connected_time, agent.wrapup_required = uid, start, wrapup_required
                if queue is not None:
                    agent.wrapup_prompt = PROMPT_TO_PARTICIPANT[queue.wrapup_prompt]
                    if queue.wrapup_prompt in (*_TIMEOUT_PROMPTS, "AGENT_REQUESTED"):
                        agent.wrapup_timeout_ms = queue.timeout_ms
                if acw_timeout is not None:
                    agent.wrapup_timeout_ms = round(acw_timeout * 1000)
                agent_list.append(agent)
            conv = Conversation(
                cid,
                media,
                start,
                mono,
                [customer, acd, *agent_list],
                acw_delay,
                timeout,
                ui_wrapup,
                wrapup_required,
            )
            self.conversations[cid] = conv
            if disconnect_after is not None:
                self.schedule(mono + disconnect_after, cid, "disconnect", None, None)
            self.changed(cid)
            self.tick()
            return ConversationHandle(
                id=cid,
                media=media,
                user_id=user_id,
                queue_id=queue_id,
                agent_participant_id=agent_list[0].id,
                agent_communication_id=agent_list[0].comm.id,
                customer_participant_id=customer.id,
                customer_communication_id=customer.comm.id,
                acd_participant_id=acd.id,
                agent_participant_ids=tuple(a.id for a in agent_list),
            )

    def disconnect(self, conversation_id: str) -> None:
        """Disconnect the customer and agents now; 409 if already disconnected."""
        with self.mutating():
            conv = self.get_conversation(conversation_id)
            mono = self.clock.monotonic()
            if not tl.disconnect(conv, mono, self.epoch(mono), self.schedule):
                raise EmulatorError(
                    409, "general.conflict", f"conversation {conversation_id} is already disconnected"
                )
            self.changed(conversation_id)
            self.tick()

    def apply_ui_wrapup(
        self, conversation_id: str, code_id: str, *, participant_id: str | None = None
    ) -> None:
        """The agent applies *code_id* from the UI now (closes ACW if pending)."""
        with self.mutating():
            conv = self.get_conversation(conversation_id)
            p = self._agent(conv, participant_id)
            code = self.find_code(code_id)
            if code is None:
                raise bad_request(f"unknown wrap-up code id {code_id}")
            if p.comm.acw == "complete":
                raise EmulatorError(409, "general.conflict", f"participant {p.id} is not in after-call work")
            epoch = self.now()
            tl.set_wrapup(p, tl.ui_wrapup(code_id, code.name, epoch), "ui", epoch)
            self.changed(conversation_id)

    # -- wrap-up operations (implemented in _wrapups) ---------------------------------------------

    def write_wrapup(self, cid: str, pid: str, mid: str | None, segment: str | None, body: Any) -> None:
        """Record a ``WrapupInput`` (POST …/communications/{mid}/wrapup)."""
        _wrapups.write_wrapup(self, cid, pid, mid=mid, segment=segment, body=body)

    def patch_participant(self, cid: str, pid: str, segment: str | None, body: Any) -> None:
        """Apply a ``MediaParticipantRequest`` (PATCH …/participants/{pid})."""
        _wrapups.patch_participant(self, cid, pid, segment, body)

    def read_wrapup(
        self, cid: str, pid: str, mid: str | None, segment: str | None, *, provisional: bool = False
    ) -> dict[str, Any] | None:
        """The stored wrap-up as ``AssignedWrapupCode`` JSON, or None."""
        return _wrapups.read_wrapup(self, cid, pid, mid=mid, segment=segment, provisional=provisional)

    def participant_codes(self, cid: str, pid: str, segment: str | None) -> list[Code]:
        """The codes valid for a participant (its queue's set; every org code without a queue)."""
        return _wrapups.participant_codes(self, cid, pid, segment)

    # -- lookups ----------------------------------------------------------------------------------

    def get_conversation(self, conversation_id: str) -> Conversation:
        conv = self.conversations.get(conversation_id)
        if conv is None:
            raise not_found(f"Conversation {conversation_id} not found")
        return conv

    def get_queue(self, queue_id: str) -> Queue:
        queue = self.queues.get(queue_id)
        if queue is None:
            raise not_found(f"Queue {queue_id} not found")
        return queue

    def find_code(self, code_id: str) -> Code | None:
        return self.codes.get(code_id) or self.system_codes.get(code_id)

    def get_code(self, code_id: str) -> Code:
        code = self.find_code(code_id)
        if code is None:
            raise not_found(f"Wrap-up code {code_id} not found")
        return code

    def _agent(self, conv: Conversation, participant_id: str | None) -> Participant:
        if participant_id is None:
            return conv.agents[0]
        p = conv.participant(participant_id)
        if p is None or not p.is_agent:
            raise not_found(f"agent participant {participant_id} not found in {conv.id}")
        return p

    def agent(self, conversation_id: str, participant_id: str | None = None) -> Participant:
        with self.lock:
            return self._agent(self.get_conversation(conversation_id), participant_id)

    def queue_codes(self, queue: Queue) -> list[Code]:
        return [self.codes[c] for c in queue.code_ids if c in self.codes]

    def codes_for(self, p: Participant) -> list[Code]:
        """The codes valid for *p*: its queue's set, or every org code when it has no queue."""
        if p.queue_id is not None and p.queue_id in self.queues:
            return self.queue_codes(self.queues[p.queue_id])
        return list(self.codes.values())
