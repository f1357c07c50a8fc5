"""Explain a conversation (what apply_wrapup() would do, and why) and capture it anonymised for sharing.

``_model``: :class:`Explanation` and how it is built from the rule's own trace; ``_legs``: its legs;
``_show``: text, JSON, HTML and the timeline picture; ``_capture``: the anonymised capture.
"""

from wrapupkit._explain._capture import anonymise, capture_conversation
from wrapupkit._explain._legs import ExplainedCommunication, ExplainedLeg
from wrapupkit._explain._model import Explanation, explain_conversation, explain_outcome


__all__ = [
    "ExplainedCommunication",
    "ExplainedLeg",
    "Explanation",
    "anonymise",
    "capture_conversation",
    "explain_conversation",
    "explain_outcome",
]
