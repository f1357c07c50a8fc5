"""Media types and the table that maps each to its Genesys wrap-up endpoint.

One row per media type the installed SDK can wrap up.  The conversation JSON
names the per-media arrays (``calls``, ``socialExpressions`` ...); the write
path names segments (``calls``, ``socials`` ...); the SDK names methods.
"""

from __future__ import annotations

import enum

import attrs

from wrapupkit.exceptions import ConfigurationError


__all__ = ["MEDIA", "UNWRAPPABLE_ARRAYS", "MediaEndpoint", "MediaType"]


class MediaType(str, enum.Enum):
    """A media type that can take a wrap-up, valued as wrapupkit and Genesys name it.

    .. versionadded:: 0.1.0
    """

    CALL = "call"
    CALLBACK = "callback"
    EMAIL = "email"
    MESSAGE = "message"
    SOCIAL = "social"
    VIDEO = "video"
    COBROWSE = "cobrowsesession"
    SCREENSHARE = "screenshare"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: MediaType | str) -> MediaType:
        """Accept a member, its value, its path segment or its name, in any case.

        Raises:
            ConfigurationError: for anything else, listing the valid values.
        """
        if isinstance(value, MediaType):
            return value
        if isinstance(value, str):
            key = value.strip().lower()
            for member in cls:
                ep = MEDIA[member]
                if key in (member.value, member.name.lower(), ep.segment, ep.array.lower()):
                    return member
            if key in ("voice", "cobrowse", "cobrowsesessions"):
                return {"voice": cls.CALL}.get(key, cls.COBROWSE)
        valid = ", ".join(repr(m.value) for m in cls)
        raise ConfigurationError(f"Unknown media_type {value!r}; expected one of {valid}.")


@attrs.frozen
class MediaEndpoint:
    """Where one media type lives in the conversation JSON and the SDK. Strictly private."""

    media: MediaType
    array: str  # key of the per-media list on a Participant
    segment: str  # path segment of POST /api/v2/conversations/{segment}/.../wrapup
    post_method: str  # ConversationsApi method that applies the wrap-up
    get_method: str  # ConversationsApi method that reads the communication's wrap-up back
    deprecated: bool = False


def _row(media: MediaType, array: str, segment: str, name: str, *, deprecated: bool = False) -> MediaEndpoint:
    return MediaEndpoint(
        media=media,
        array=array,
        segment=segment,
        post_method=f"post_conversations_{name}_participant_communication_wrapup",
        get_method=f"get_conversations_{name}_participant_communication_wrapup",
        deprecated=deprecated,
    )


MEDIA: dict[MediaType, MediaEndpoint] = {
    MediaType.CALL: _row(MediaType.CALL, "calls", "calls", "call"),
    MediaType.CALLBACK: _row(MediaType.CALLBACK, "callbacks", "callbacks", "callback"),
    MediaType.EMAIL: _row(MediaType.EMAIL, "emails", "emails", "email"),
    MediaType.MESSAGE: _row(MediaType.MESSAGE, "messages", "messages", "message"),
    MediaType.SOCIAL: _row(MediaType.SOCIAL, "socialExpressions", "socials", "social"),
    MediaType.VIDEO: _row(MediaType.VIDEO, "videos", "videos", "video"),
    MediaType.COBROWSE: _row(
        MediaType.COBROWSE, "cobrowsesessions", "cobrowsesessions", "cobrowsesession", deprecated=True
    ),
    MediaType.SCREENSHARE: _row(
        MediaType.SCREENSHARE, "screenshares", "screenshares", "screenshare", deprecated=True
    ),
}

BY_ARRAY: dict[str, MediaEndpoint] = {ep.array: ep for ep in MEDIA.values()}

# Per-media arrays on a Participant that have no wrap-up write endpoint, and why.
UNWRAPPABLE_ARRAYS: dict[str, str] = {
    "chats": "the chat wrap-up endpoint was removed from the Genesys API (use messaging)",
    "internalMessages": "internal messages have no after-call work",
    "screenMonitorings": "screen monitoring sessions have no after-call work",
}
