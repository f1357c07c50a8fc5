"""The steps of the rule of docs/which-leg.md, recorded in words as :func:`select_target` takes them.

``select_target(..., trace=Trace())`` fills a :class:`Trace`; without one it records nothing
(:data:`SILENT`).  ``explain()`` (wrapupkit._explain) reads the trace, so an explanation is the very
choice the write makes, never a second implementation of the rule.  No I/O here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

import attrs


__all__ = ["SILENT", "Step", "Trace"]


class _Comm(Protocol):
    @property
    def array(self) -> str: ...

    @property
    def body(self) -> Mapping[str, Any]: ...

    @property
    def acw_state(self) -> str | None: ...


class _Leg(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def user_id(self) -> str | None: ...

    @property
    def body(self) -> Mapping[str, Any]: ...

    @property
    def comms(self) -> Sequence[_Comm]: ...

    @property
    def order(self) -> tuple[dt.datetime, dt.datetime]: ...

    def why(self) -> tuple[bool, str]: ...


@attrs.frozen
class Step:
    """One step of the rule as :func:`select_target` took it. Strictly private.

    Attributes:
        rule: the number of the rule's paragraph in docs/which-leg.md (1 to 6).
        text: what was decided, in words.
        participant_id: the leg the step is about, if one.
    """

    rule: int
    text: str
    participant_id: str | None = None


@attrs.define
class Trace:
    """What :func:`select_target` records as it decides: each step in words, and each leg's verdict.

    Strictly private.

    Attributes:
        steps: the steps, in the order they were taken.
        verdicts: participant id -> (a candidate?, why), for every agent leg (rule 2).
        participant_id, communication_id: the leg and communication chosen, once known (also
            when the choice then raises, e.g. for a media that cannot take a wrap-up).
    """

    steps: list[Step] = attrs.Factory(list)
    verdicts: dict[str, tuple[bool, str]] = attrs.Factory(dict)
    participant_id: str | None = None
    communication_id: str | None = None

    def note(self, rule: int, text: str, leg: _Leg | None = None) -> None:
        """Record a step; a step about *leg* (rule 3) makes it the chosen leg."""
        self.steps.append(Step(rule, text, leg.id if leg is not None else None))
        if leg is not None:
            self.participant_id = leg.id

    def legs(self, legs: Sequence[_Leg], agent_purposes: Collection[str]) -> None:
        """Rules 1 and 2 for every participant, oldest first by the legs' own times."""
        for leg in sorted(legs, key=lambda leg: leg.order):
            purpose = leg.body.get("purpose")
            if purpose not in agent_purposes:
                self.steps.append(
                    Step(1, f"{leg.id} ({purpose}) is not an agent leg: never a target", leg.id)
                )
                continue
            candidate, why = leg.why()
            self.verdicts[leg.id] = (candidate, why)
            verdict = "a candidate" if candidate else "not a candidate"
            self.steps.append(Step(2, f"{leg.id} (user {leg.user_id}) is {verdict}: {why}", leg.id))

    def communication(self, leg: _Leg, comm: _Comm | None) -> None:
        """Rule 5: which communication of the chosen leg, and why."""
        self.participant_id = leg.id
        if comm is None:
            self.steps.append(Step(5, f"{leg.id} has no communication", leg.id))
            return
        self.communication_id = str(comm.body.get("id"))
        name = f"{comm.array} {self.communication_id}"
        if len(leg.comms) == 1:
            why = f"{name}, its only communication"
        elif comm.acw_state == "pending":
            why = f"{name}, whose after-call work is pending"
        else:
            why = f"{name}, the one that connected (or started) last"
        self.steps.append(Step(5, f"the communication of {leg.id}: {why}", leg.id))

    def ids(self, legs: Sequence[_Leg]) -> str:
        """The legs' ids, for a step's text."""
        return ", ".join(leg.id for leg in legs) or "none"


class _Silent(Trace):
    """The trace of a choice nobody asked to explain: records nothing."""

    def note(self, rule: int, text: str, leg: _Leg | None = None) -> None:
        pass

    def legs(self, legs: Sequence[_Leg], agent_purposes: Collection[str]) -> None:
        pass

    def communication(self, leg: _Leg, comm: _Comm | None) -> None:
        pass

    def ids(self, legs: Sequence[_Leg]) -> str:
        return ""


SILENT: Trace = _Silent()
"""The trace used when none is given (shared: it holds nothing)."""
