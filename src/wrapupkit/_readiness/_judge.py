"""The built-in judgement: when a communication may take a wrap-up, and which refusals time may lift.

No I/O: each function reads a :class:`~wrapupkit.CommunicationSnapshot` (or a refusal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wrapupkit._models import CommunicationSnapshot
from wrapupkit._readiness._decision import Decision, ReadinessContext


if TYPE_CHECKING:
    from wrapupkit.exceptions import GenesysAPIError

__all__ = ["PARKED", "is_not_yet", "is_unclear", "judge", "may_enter_acw", "not_yet"]

# The state of an email or message the agent set aside (the SDK's Email and Message states).
PARKED = "parked"


def judge(snapshot: CommunicationSnapshot) -> Decision:
    """The built-in readiness predicate, as a Decision.

    Built from the SDK models' field semantics (`Participant
    <https://github.com/MyPureCloud/platform-client-sdk-python/blob/master/build/docs/Participant.md>`__,
    `AfterCallWork
    <https://github.com/MyPureCloud/platform-client-sdk-python/blob/master/build/docs/AfterCallWork.md>`__)
    and the Resource Center's `after-call work settings
    <https://help.mypurecloud.com/articles/configure-call-work-settings/>`__.

    Public so that a strategy can build on it (``return judge(ctx.snapshot)`` after its own checks).

    * Waits while the communication is connected (or still ringing, or parked without ACW).
    * Ready when an email or message is ``parked`` with after-call work ``pending``: parking sets
      the conversation aside and frees the agent, and Genesys has opened after-call work for
      it (Resource Center: `configure email and message parking for agents
      <https://help.mypurecloud.com/articles/configure-email-and-message-parking-for-agents/>`__:
      agents "may be required to complete wrap-up" around a parked conversation).
    * Ready once it is disconnected and after-call work is ``pending``; also when ACW ended
      (``complete``, or the participant's ``endAcwTime``) with no code yet, and when the
      communication reports no ACW but the participant says a wrap-up is due
      (``wrapupRequired``, ``wrapupExpected``, or a ``startAcwTime``).
    * Otherwise the state is *unclear* (:func:`is_unclear`): ACW ``skipped``,
      ``notApplicable`` or ``unknown``, or no ACW and no ``wrapupRequired``.  Whether Genesys
      accepts a write then is undocumented, so ``judge`` waits and says why;
      :class:`Polling` tries the write after its ``unclear_grace`` (and again, while Genesys
      answers that the participant is not in a valid state yet: :func:`is_not_yet`).
    """
    acw = snapshot.acw_state
    if snapshot.state == PARKED and acw == "pending":
        return Decision.ready("parked, after-call work pending")
    if not snapshot.is_disconnected:
        return Decision.wait(reason=f"communication is {snapshot.state}")
    if acw == "pending":
        return Decision.ready("disconnected, after-call work pending")
    if acw == "complete" or (acw is None and snapshot.acw_end_time is not None):
        return Decision.ready("disconnected, after-call work ended without a code")
    if acw is None and _says_wrapup(snapshot):
        return Decision.ready("disconnected, wrap-up required")
    shown = f"after-call work {acw}" if acw else "no after-call work reported"
    return Decision.wait(reason=f"disconnected, {shown} (unclear)")


def _says_wrapup(snapshot: CommunicationSnapshot) -> bool:
    """With no ``afterCallWork`` on the communication, the participant still says a wrap-up is due."""
    expected = snapshot.wrapup_expected and snapshot.connected_time is not None  # "once the call connects"
    return bool(snapshot.wrapup_required or expected or snapshot.acw_start_time is not None)


# What a refusal says when only time stands between it and a wrap-up (lower case).
_NOT_YET_WORDS = ("valid state", "not in after-call work", "not ready")


def is_not_yet(error: GenesysAPIError | None) -> bool:
    """Whether a refused wrap-up POST says the participant cannot take it *yet*.

    A 409 (Genesys: ``general.conflict`` "The participant is not in a valid state for
    wrap-up"), or a 400 whose message says the participant is not in a valid state or not in
    after-call work.  A refusal about the code itself (not in the participant's code set) is
    never one: time does not change it; nor are 403, 404 or 410, which the loop raises at once.
    """
    if error is None or error.status not in (400, 409):
        return False
    message = (error.message or "").lower()
    if "code" in message:
        return False
    return error.status == 409 or any(words in message for words in _NOT_YET_WORDS)


def may_enter_acw(snapshot: CommunicationSnapshot) -> bool:
    """Whether the communication can still enter after-call work (so a refusal may be lifted).

    True while it is connected or ringing (the call has not ended), and once it is disconnected
    as long as after-call work has neither started nor settled: no ``afterCallWork`` or
    ``unknown``, no ACW start or end time, no code.  After-call work ``pending``,
    ``complete``, ``skipped`` or ``notApplicable`` is a state time does not undo.
    """
    if snapshot.has_wrapup:
        return False
    if not snapshot.is_disconnected:
        return True
    return (
        snapshot.acw_state in (None, "unknown")
        and snapshot.acw_start_time is None
        and snapshot.acw_end_time is None
    )


def not_yet(ctx: ReadinessContext) -> bool:
    """The last refusal is one time may lift, on a communication that can still enter ACW."""
    return is_not_yet(ctx.last_error) and may_enter_acw(ctx.snapshot)


def is_unclear(snapshot: CommunicationSnapshot) -> bool:
    """Disconnected, but nothing says whether Genesys takes a wrap-up now (see :func:`judge`)."""
    if not snapshot.is_disconnected:
        return False
    acw = snapshot.acw_state
    if acw is None:
        return not _says_wrapup(snapshot) and snapshot.acw_end_time is None
    return acw in ("skipped", "notApplicable", "unknown")
