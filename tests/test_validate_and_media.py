"""Local checks that run before any network call, and the media table against the installed SDK."""

from __future__ import annotations

import datetime as dt

import pytest

from wrapupkit import MediaType
from wrapupkit import _validate as check
from wrapupkit._media import MEDIA
from wrapupkit.exceptions import ConfigurationError, InvalidInput


@pytest.mark.parametrize("value", ["", " ", "a/b", "c1?x=1", "../etc", "x" * 200, "a b", "%2F"], ids=repr)
def test_malformed_ids_are_rejected(value: str) -> None:
    """Ids that would corrupt a URL path never reach the network."""
    with pytest.raises(InvalidInput) as info:
        check.check_id("conversation_id", value)
    assert info.value.field == "conversation_id"


def test_well_formed_ids_pass() -> None:
    """UUIDs and readable ids are accepted."""
    assert (
        check.check_id("x", "3f2504e0-4f89-11d3-9a0c-0305e82c3301") == "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    )
    assert check.check_id("x", None, optional=True) is None
    with pytest.raises(InvalidInput):
        check.check_id("x", 42)


@pytest.mark.parametrize(
    "code", ["", "   ", "\t\n", "x" * 256], ids=["empty", "blank", "whitespace", "too-long"]
)
def test_blank_or_oversized_codes_are_rejected(code: str) -> None:
    """An empty, blank or absurdly long code is a caller bug."""
    with pytest.raises(InvalidInput, match="code"):
        check.check_code(code)


def test_notes_out_of_range_never_echo_the_text() -> None:
    """Oversized notes are refused, and the message does not contain them."""
    secret = "customer said " + "x" * check.MAX_NOTES_LENGTH
    with pytest.raises(InvalidInput) as info:
        check.check_notes(secret)
    assert "customer said" not in str(info.value)
    with pytest.raises(InvalidInput):
        check.check_notes(12)


@pytest.mark.parametrize(
    "tags",
    ["a,b", ["ok", ""], ["ok", 3], ["t"] * (check.MAX_TAGS + 1), ["x" * 300]],
    ids=["string", "blank-tag", "non-string", "too-many", "too-long"],
)
def test_bad_tags_are_rejected(tags: object) -> None:
    """Tags must be a list of non-blank strings within limits."""
    with pytest.raises(InvalidInput, match="tags"):
        check.check_tags(tags)


def test_durations_accept_seconds_and_timedelta() -> None:
    """Durations are floats or timedeltas; negative, NaN and infinite ones fail."""
    assert check.seconds("t", dt.timedelta(seconds=90)) == 90.0
    assert check.seconds("t", 0, allow_zero=True) == 0.0
    for bad in (-1, float("nan"), float("inf"), "5", True, 0):
        with pytest.raises(InvalidInput):
            check.seconds("t", bad)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("call", "call"),
        ("CALL", "call"),
        ("calls", "call"),
        ("voice", "call"),
        ("socials", "social"),
        ("socialExpressions", "social"),
        (MediaType.EMAIL, "email"),
        ("cobrowse", "cobrowsesession"),
    ],
)
def test_media_type_parsing(given: str, expected: str) -> None:
    """Media types accept the value, the path segment, the JSON array name or the enum."""
    assert MediaType.parse(given).value == expected


def test_unknown_media_type_lists_the_valid_ones() -> None:
    """A wrong media type is a configuration error naming the choices."""
    with pytest.raises(ConfigurationError, match="'call', 'callback'"):
        MediaType.parse("fax")
    with pytest.raises(InvalidInput, match="media_type"):
        check.media("fax")


def test_every_media_row_names_real_sdk_methods_and_paths() -> None:
    """Each table row's SDK methods exist and their resource paths use the row's segment."""
    import inspect

    import PureCloudPlatformClientV2 as sdk

    api = sdk.ConversationsApi
    for media, row in MEDIA.items():
        for name in (row.post_method, row.get_method):
            method = getattr(api, name)
            source = inspect.getsource(method)
            assert (
                f"'/api/v2/conversations/{row.segment}/{{conversationId}}/participants/{{participantId}}"
                f"/communications/{{communicationId}}/wrapup'" in source
            ), (media, name)
        assert row.array in sdk.Participant().attribute_map.values(), row.array


def test_chat_has_no_wrapup_endpoint_in_the_installed_sdk() -> None:
    """The chat wrap-up endpoint is gone (genesys-api.md 1.1); the table must not offer it."""
    import PureCloudPlatformClientV2 as sdk

    assert not hasattr(sdk.ConversationsApi, "post_conversations_chat_participant_communication_wrapup")
    assert "chat" not in {m.value for m in MediaType}
