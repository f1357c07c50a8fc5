"""The exception tree: status mapping, messages, context attributes and pickling."""

from __future__ import annotations

import json
import pickle

import pytest

from wrapupkit import exceptions as exc
from wrapupkit._http._errors import error_from_response


@pytest.mark.parametrize(
    ("status", "klass"),
    [
        (400, exc.BadRequest),
        (401, exc.Unauthorized),
        (403, exc.Forbidden),
        (404, exc.NotFound),
        (409, exc.Conflict),
        (429, exc.RateLimited),
        (500, exc.ServerError),
        (502, exc.ServerError),
        (503, exc.ServiceUnavailable),
        (418, exc.GenesysAPIError),
    ],
    ids=str,
)
def test_status_maps_to_a_class(status: int, klass: type[exc.GenesysAPIError]) -> None:
    """Each HTTP status becomes the matching subclass, all under GenesysAPIError and WrapupkitError."""
    error = error_from_response(status, None)
    assert type(error) is klass
    assert isinstance(error, exc.WrapupkitError)
    assert error.status == status


def test_error_body_and_correlation_id_are_parsed() -> None:
    """code, message and correlation id come from the Genesys ErrorBody and headers."""
    body = json.dumps(
        {"code": "not.found", "message": "The requested operation failed", "contextId": "ctx-1"}
    )
    error = error_from_response(404, body, {"ININ-Correlation-Id": "corr-9"})
    assert (error.code, error.correlation_id) == ("not.found", "corr-9")
    assert str(error) == "HTTP 404 not.found: The requested operation failed (correlation id corr-9)"
    assert error_from_response(404, body).correlation_id == "ctx-1"


def test_forbidden_names_the_missing_permission() -> None:
    """A 403 lists the permission Genesys says is missing."""
    body = json.dumps(
        {
            "code": "missing.any.permissions",
            "message": "You must have at least one of the following permissions assigned: "
            "conversation:participant:wrapup",
            "messageParams": {"permissions": "conversation:participant:wrapup"},
        }
    )
    error = error_from_response(403, body)
    assert isinstance(error, exc.Forbidden)
    assert error.missing_permissions == ("conversation:participant:wrapup",)
    assert "conversation:participant:wrapup" in str(error)


def test_rate_limited_carries_retry_after() -> None:
    """429's Retry-After header is parsed into seconds."""
    error = error_from_response(429, "{}", {"Retry-After": "7"})
    assert isinstance(error, exc.RateLimited)
    assert error.retry_after == 7.0
    assert error_from_response(429, "not json", {"retry-after": "soon"}).retry_after is None


def test_unknown_code_suggests_the_case_variant() -> None:
    """UnknownWrapupCode explains where it looked and what was meant."""
    error = exc.UnknownWrapupCode("survey complete", queue_id="q1", suggestions=["Survey Complete"])
    assert str(error) == "Wrap-up code 'survey complete' is not in queue q1; did you mean 'Survey Complete'?"
    assert isinstance(error, LookupError)
    in_org = exc.UnknownWrapupCode("Sale", queue_id="q1", in_org=True)
    assert "exists in the org, but is not assigned to this queue" in str(in_org)


def test_timeouts_are_timeout_errors_and_configuration_errors_are_value_errors() -> None:
    """Leaves subclass the matching builtin."""
    assert issubclass(exc.ReadinessTimeout, TimeoutError)
    assert issubclass(exc.ConfigurationError, ValueError)
    assert issubclass(exc.TransportError, ConnectionError)
    timeout = exc.ReadinessTimeout("communication is connected", waited=30.0, attempts=9)
    assert "Timed out after 30.0s and 9 readiness check(s); last state: communication is connected" in str(
        timeout
    )


@pytest.mark.parametrize(
    "error",
    [
        error_from_response(403, '{"code":"not.authorized"}', {"ININ-Correlation-Id": "c"}),
        exc.UnknownWrapupCode("x", queue_id="q", suggestions=["X"], in_org=True),
        exc.AmbiguousParticipant("two", conversation_id="c", candidates=[("p1", "u1"), ("p2", None)]),
        exc.AlreadyWrappedUp(conversation_id="c", participant_id="p", existing_code="a", requested_code="b"),
        exc.ReadinessTimeout("r", waited=1.0, attempts=2),
        exc.InvalidInput("code", "it is empty or blank"),
        exc.InteractionTypeMismatch(expected="email", actual="call", conversation_id="c"),
        exc.UnsupportedInteraction("chats", "no endpoint"),
        exc.TransportError("reset", maybe_sent=True),
    ],
    ids=lambda e: type(e).__name__,
)
def test_exceptions_pickle_with_their_context(error: exc.WrapupkitError) -> None:
    """Errors survive pickling (multiprocessing, task queues) with attributes and message intact."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.__dict__ == error.__dict__


def test_every_public_exception_is_under_the_root() -> None:
    """One root catches everything wrapupkit raises."""
    for name in set(exc.__all__) - {"Candidate"}:  # Candidate is the value the errors carry
        assert issubclass(getattr(exc, name), exc.WrapupkitError), name


def _drawn_tree(text: str) -> list[tuple[str, str]]:
    """(child, parent) pairs from a tree drawn with box characters, four columns a level."""
    pairs: list[tuple[str, str]] = []
    stack: list[str] = []
    root = 0
    for line in text.splitlines():
        if line.strip().startswith("WrapupkitError"):
            stack, root = ["WrapupkitError"], line.index("WrapupkitError")
            continue
        if not stack or ("├── " not in line and "└── " not in line):
            continue
        marker = line.index("── ")
        depth = (marker - 1 - root) // 4 + 1
        name = line[marker + 3 :].split()[0]
        stack = [*stack[:depth], name]
        pairs.append((name, stack[depth - 1]))
    return pairs


@pytest.mark.parametrize("source", ["module docstring", "docs/errors.md"])
def test_the_drawn_hierarchy_is_the_code(source: str) -> None:
    """The tree in the exceptions docstring and in docs/errors.md is exactly the class hierarchy."""
    from pathlib import Path

    text = (
        exc.__doc__ or ""
        if source == "module docstring"
        else (Path(__file__).parents[1] / "docs" / "errors.md").read_text()
    )
    pairs = _drawn_tree(text)
    drawn = {child for child, _ in pairs}
    assert drawn == set(exc.__all__) - {"WrapupkitError", "Candidate"}
    for child, parent in pairs:
        klass = getattr(exc, child)
        assert getattr(exc, parent) in klass.__bases__, (child, parent)
