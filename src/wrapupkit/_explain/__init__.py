"""Explain a conversation (what apply_wrapup() would do, and why) and capture it anonymised for sharing.

``_model``: the :class:`Explanation` values and how they are built from the rule's own trace;
``_show``: text, JSON, HTML and the timeline picture; ``_capture``: the anonymised capture.
"""

from wrapupkit._explain._capture import anonymise, capture_conversation
from wrapupkit._explain._model import (
    ExplainedCommunication,
    ExplainedLeg,
    Explanation,
    explain_conversation,
    explain_outcome,
)


__all__ = [
    "ExplainedCommunication",
    "ExplainedLeg",
    "Explanation",
    "anonymise",
    "capture_conversation",
    "explain_conversation",
    "explain_outcome",
]
