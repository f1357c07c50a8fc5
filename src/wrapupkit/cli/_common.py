"""What every ``wrapupkit`` subcommand shares: exit codes, the parser class, output, shared options."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from wrapupkit.bulk import JournalInUse
from wrapupkit.exceptions import (
    AlreadyWrappedUp,
    AuthenticationError,
    ConfigurationError,
    GenesysAPIError,
    IntentConflict,
    InteractionTypeMismatch,
    NotReadyError,
    ParticipantError,
    StoreError,
    TransportError,
    UnknownWrapupCode,
    UnsupportedInteraction,
    WrapupCodeError,
)


if TYPE_CHECKING:
    from wrapupkit._client import WrapupClient
    from wrapupkit._readiness import ReadinessStrategy

__all__ = [
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_INTENT",
    "EXIT_INTERRUPTED",
    "EXIT_JOURNAL_IN_USE",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_PIPE_CLOSED",
    "EXIT_STORE",
    "EXIT_USAGE",
    "Handler",
    "Parser",
    "UsageError",
    "add_call_options",
    "add_output",
    "emit",
    "exit_code_for",
    "fail",
    "make_client",
    "readiness",
    "say",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 8
EXIT_JOURNAL_IN_USE = 9
# An intent that failed for good, or a pending one for the same leg naming another code.
EXIT_INTENT = 10
# The intent store could not be reached or refused the operation.
EXIT_STORE = 11
EXIT_INTERRUPTED = 130
# stdout's reader went away (`| head`): what a shell reports for a process SIGPIPE ended (128 + 13).
EXIT_PIPE_CLOSED = 141

EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (JournalInUse, EXIT_JOURNAL_IN_USE),
    (IntentConflict, EXIT_INTENT),
    (StoreError, EXIT_STORE),
    (ConfigurationError, EXIT_USAGE),
    (WrapupCodeError, 3),
    (ParticipantError, 4),
    (InteractionTypeMismatch, 4),
    (UnsupportedInteraction, 4),
    (NotReadyError, 5),
    (AlreadyWrappedUp, 5),
    (GenesysAPIError, 6),
    (AuthenticationError, 6),
    (TransportError, 7),
)
"""Exit status by exception class, first match wins; anything else exits 1.

0 success; 1 anything else; 2 usage or bad input; 3 wrap-up code; 4 participant,
interaction type or unsupported media; 5 not ready or already wrapped up; 6 Genesys
refused (HTTP error, login); 7 no usable response; 8 a bulk run where some items failed;
9 the bulk journal is in use by another run; 10 an intent failed for good, or a pending
one for the same leg names another code (``--replace``); 11 the intent store is unreachable
or refused; 130 interrupted; 141 stdout's reader went
away (a closed pipe, as in ``| head``: a quiet exit).

.. versionadded:: 0.1.0
"""

Handler = Callable[[argparse.Namespace, bool], int]
"""A subcommand: the parsed arguments and ``--json`` in, the exit status out."""

# Python keywords in library messages, and the flags that set them on the command line.
_FLAG_WORDS = (
    ("pass overwrite=True", "use --overwrite"),
    ("overwrite=True", "--overwrite"),
    ("media_type", "--media-type"),
    ("participant_id", "--participant-id"),
    ("user_id", "--user-id"),
)
# Where Parser.parse_known_args notes the (sub)parser that was given an unknown argument.
_USAGE_PARSER = "_usage_parser"


def exit_code_for(error: BaseException) -> int:
    """The exit status for *error* (see :data:`EXIT_CODES`).

    Args:
        error: the exception a command ended with.

    Returns:
        Its exit status.

    .. versionadded:: 0.1.0
    """
    for klass, code in EXIT_CODES:
        if isinstance(error, klass):
            return code
    return EXIT_ERROR


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports usage errors as :class:`UsageError` instead of exiting.

    Prefixes of long options are not accepted (``--note`` is not ``--notes``), and an
    unrecognised argument is reported by the subcommand that was given it, with its usage.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]  # typeshed's overloads; same behaviour
        self, args: Any = None, namespace: Any = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse; remember the innermost (sub)parser left with arguments it does not know.

        A missing required argument is reported only when every argument was known: an
        unknown flag (a typo of the required one, often) is the error the user needs first.
        """
        self._missing: str | None = None
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and getattr(parsed, _USAGE_PARSER, None) is None:
            setattr(parsed, _USAGE_PARSER, self)
        missing: str | None = getattr(self, "_missing", None)  # set by error() while parsing
        if missing is not None and not extras:
            raise UsageError(self, missing)
        return parsed, extras

    def parse_args(self, args: Any = None, namespace: Any = None) -> argparse.Namespace:  # type: ignore[override]
        """Parse; an unrecognised argument is a :class:`UsageError` of the subcommand it was given to.

        Raises:
            UsageError: a usage error.
        """
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            raise UsageError(
                getattr(parsed, _USAGE_PARSER, self), f"unrecognized arguments: {' '.join(extras)}"
            )
        return parsed

    def error(self, message: str) -> Any:  # argparse declares NoReturn
        """Raise :class:`UsageError` for *message* (a missing required argument: once parsing ends).

        Raises:
            UsageError: for every error but a missing required argument.
        """
        if message.startswith("the following arguments are required") and hasattr(self, "_missing"):
            self._missing = message  # argparse goes on; parse_known_args reports it if nothing else
            return None
        raise UsageError(self, message)


class UsageError(Exception):
    """A command line argparse could not accept; carries the (sub)parser that refused it."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        self.parser = parser
        super().__init__(message)


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1.

    Raises:
        argparse.ArgumentTypeError: anything else.
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, not {text!r}")
    return value


def finite_number(low: float, *, inclusive: bool) -> Callable[[str], float]:
    """An argparse type: a finite number above *low* (or equal to it when *inclusive*).

    Args:
        low: the bound.
        inclusive: whether *low* itself is allowed.

    Returns:
        The converter.
    """
    wanted = f">= {low:g}" if inclusive else f"> {low:g}"

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < low or (value == low and not inclusive):
            raise argparse.ArgumentTypeError(f"expected a finite number {wanted}, not {text!r}")
        return value

    return convert


def add_output(parser: argparse.ArgumentParser) -> None:
    """Add ``--json`` and ``-v`` to a subcommand (they may also come before it)."""
    # SUPPRESS: a subcommand's default must not undo a --json given before the subcommand.
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print the result as JSON on stdout"
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="log to stderr (-vv: debug)"
    )


def add_call_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of one wrap-up call: ``--timeout``, ``--overwrite``, ``--readiness``."""
    parser.add_argument(
        "--timeout",
        type=finite_number(0, inclusive=False),
        metavar="SECONDS",
        help="bound on each wrap-up (default 30)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a different code already applied (off by default)"
    )
    parser.add_argument(
        "--readiness",
        choices=("polling", "immediate", "optimistic"),
        help="when to write: poll until after-call work (default), at once, or try then poll",
    )


@contextlib.contextmanager
def logging_to_stderr(verbosity: int) -> Iterator[None]:
    """Send wrapupkit's log to stderr for -v/-vv; otherwise keep it quiet (errors are reported here)."""
    logger = logging.getLogger("wrapupkit")
    level = logging.ERROR if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr) if verbosity else logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    previous = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def say(message: str) -> None:
    """Print *message* on stderr."""
    sys.stderr.write(message + "\n")


def emit(payload: dict[str, Any]) -> None:
    """Print *payload* as JSON on stdout."""
    json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def fail(error: Exception, as_json: bool) -> int:
    """Report *error* in one line on stderr (and as JSON with ``--json``); return its exit status.

    Args:
        error: the exception a command ended with.
        as_json: also print ``{"ok": false, "error": ...}`` on stdout.

    Returns:
        Its exit status.
    """
    code = exit_code_for(error)
    known = code != EXIT_ERROR or type(error).__module__.startswith("wrapupkit")
    message = str(error) if known else f"unexpected {type(error).__name__}: {error}"
    for keyword, flag in _FLAG_WORDS:
        message = message.replace(keyword, flag)
    say(f"error: {message}")
    if as_json:
        emit({"ok": False, "error": _error_json(error, message, code)})
    return code


def _error_json(error: BaseException, message: str, code: int) -> dict[str, Any]:
    """The error's type, message, exit status and the context attributes scripts need."""
    found: dict[str, Any] = {"type": type(error).__name__, "message": message, "exit_code": code}
    if isinstance(error, GenesysAPIError):
        found.update(status=error.status, code=error.code, correlation_id=error.correlation_id)
    if isinstance(error, UnknownWrapupCode):
        found.update(suggestions=list(error.suggestions), in_org=error.in_org)
    if isinstance(error, AlreadyWrappedUp):
        found.update(existing_code=error.existing_code)
    if isinstance(error, TransportError):
        found.update(maybe_sent=error.maybe_sent)
    return found


def make_client() -> WrapupClient:
    """A client from the ``GENESYSCLOUD_*`` environment (imports the SDK)."""
    from wrapupkit._client import WrapupClient

    return WrapupClient.from_env()


def readiness(name: str | None) -> ReadinessStrategy | None:
    """The strategy a ``--readiness`` choice names (``None``: the client's default)."""
    from wrapupkit._readiness import Immediate, Optimistic, Polling

    strategies: dict[str, type[ReadinessStrategy]] = {
        "polling": Polling,
        "immediate": Immediate,
        "optimistic": Optimistic,
    }
    return None if name is None else strategies[name]()
