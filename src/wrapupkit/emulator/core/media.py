"""The one media table of the emulator: where each media type lives in JSON, in paths and in models.

Keys checked against the SDK 269 models (Call, Callback, Email, Message, SocialExpression, Video,
Cobrowsesession, Screenshare, ConversationChat): SocialExpression has neither direction nor
initialState; Video/Cobrowsesession/Screenshare/ConversationChat have no direction.
"""

from __future__ import annotations

from dataclasses import dataclass


__all__ = ["MEDIA", "MediaInfo", "media_info", "segment_pattern"]


@dataclass(frozen=True)
class MediaInfo:
    """One media type.

    Attributes:
        name: the emulator's name (``call``, ``callback`` ...), as seeding takes it.
        array: the participant's JSON array (``calls``, ``socialExpressions`` ...).
        segment: the REST path segment (``/conversations/{segment}/...``); None: no media routes.
        participant_routes: whether the SDK has ``PATCH``/``GET wrapup`` participant methods on it.
        has_direction: whether the communication model has ``direction``.
        has_initial_state: whether it has ``initialState``.
        detail: the ``mediaType`` of the ``v2.detail.events`` models (VOICE, EMAIL ...).
    """

    name: str
    array: str
    segment: str | None
    participant_routes: bool = True
    has_direction: bool = True
    has_initial_state: bool = True
    detail: str = "UNKNOWN"


MEDIA: dict[str, MediaInfo] = {
    info.name: info
    for info in (
        MediaInfo("call", "calls", "calls", detail="VOICE"),
        MediaInfo("callback", "callbacks", "callbacks", detail="CALLBACK"),
        MediaInfo("email", "emails", "emails", detail="EMAIL"),
        MediaInfo("message", "messages", "messages", detail="MESSAGE"),
        MediaInfo(
            "social",
            "socialExpressions",
            "socials",
            participant_routes=False,
            has_direction=False,
            has_initial_state=False,
        ),
        MediaInfo("video", "videos", "videos", participant_routes=False, has_direction=False, detail="VIDEO"),
        MediaInfo(
            "cobrowsesession", "cobrowsesessions", "cobrowsesessions", has_direction=False, detail="COBROWSE"
        ),
        MediaInfo(
            "screenshare",
            "screenshares",
            "screenshares",
            participant_routes=False,
            has_direction=False,
            detail="SCREENSHARE",
        ),
        MediaInfo("chat", "chats", None, participant_routes=False, has_direction=False, detail="CHAT"),
    )
}


def media_info(name: str) -> MediaInfo:
    """The table row of media *name*; :class:`KeyError` for an unknown name."""
    return MEDIA[name]


def segment_pattern(*, participant_routes: bool = False) -> str:
    """A regex alternation of the path segments (only those with participant routes if asked)."""
    return "|".join(
        info.segment
        for info in MEDIA.values()
        if info.segment is not None and (info.participant_routes or not participant_routes)
    )
