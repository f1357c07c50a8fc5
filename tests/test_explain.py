"""explain(): the explanation is the write's own choice, on every corpus body and shape, in any order.

The flow itself (``wrapup_flow``, as the clients drive it, with its trail recorded) is run here on the
same body by a small in-memory driver; the explanation must name the participant and communication
that flow writes to, or the very error type it raises.  The emulator shapes are taken at several
moments; hypothesis shuffles participants, their communications and keys.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wrapupkit
from wrapupkit import Immediate, Polling, Trail, cli, explain_conversation, explain_outcome
from wrapupkit._media import MEDIA
from wrapupkit._models import WrapupCode
from wrapupkit._readiness._events import DEADLINE
from wrapupkit._readiness._flow import Lookup, Read, Request, Resolve, Wait, Write, wrapup_flow
from wrapupkit._readiness._recorded import recorded
from wrapupkit.emulator import Emulator, shapes
from wrapupkit.exceptions import (
    AmbiguousParticipant,
    InteractionTypeMismatch,
    InvalidInput,
    NotAnsweredYet,
    WrapupkitError,
)
from wrapupkit.testing import FakeClock


CORPUS = Path(__file__).parent / "corpus"
CORPUS_FILES = sorted(CORPUS.glob("*.json"))
# Every shape of the library, as (first user, second user, queue) -> Shape.
SHAPES: dict[str, Callable[[str, str, str], Any]] = {
    "reoffer": lambda a, b, q: shapes.reoffer(a, q, offers=3, answered=1),
    "reoffer-none": lambda a, b, q: shapes.reoffer(a, q, offers=2, answered=None),
    "blind": lambda a, b, q: shapes.blind_transfer(a, b, q),
    "blind-email": lambda a, b, q: shapes.blind_transfer(a, b, q, media="email"),
    "consult": lambda a, b, q: shapes.consult_transfer(a, b, q),
    "consult-call": lambda a, b, q: shapes.consult_transfer(a, b, q, consult_call=True),
    "conference": lambda a, b, q: shapes.conference(a, b, q),
    "transfer-back": lambda a, b, q: shapes.transfer_back(a, b, q),
    "callback-dial": lambda a, b, q: shapes.callback_dial(a, q),
    "outbound": lambda a, b, q: shapes.outbound(a, q),
    "direct": lambda a, b, q: shapes.direct_call(a, b),
    "direct-required": lambda a, b, q: shapes.direct_call(a, b, wrapup_required=True),
}
MOMENTS = (1.0, 5.0, 40.0, 70.0, 600.0)


def _shape_bodies() -> tuple[dict[str, dict[str, Any]], str, str]:
    """Each shape's GET body at each moment, from one emulator; and the two users' ids."""
    bodies: dict[str, dict[str, Any]] = {}
    clock = FakeClock()
    with Emulator(clock=clock) as emu:
        sale = emu.add_code("Sale")
        queue = emu.add_queue("Support", codes=[sale], wrapup_prompt="MANDATORY")
        ada, bob = emu.add_user("Ada"), emu.add_user("Bob")
        handles = {name: emu.add_shape(make(ada, bob, queue)) for name, make in SHAPES.items()}
        elapsed = 0.0
        for moment in MOMENTS:
            emu.advance(moment - elapsed)
            elapsed = moment
            for name, handle in handles.items():
                bodies[f"{name}@{moment:g}"] = emu.conversation_json(handle.id)
    return bodies, ada, bob


SHAPE_BODIES, ADA, BOB = _shape_bodies()
BODIES = {**{p.stem: json.loads(p.read_text())["body"] for p in CORPUS_FILES}, **SHAPE_BODIES}


def _cases(body: dict[str, Any]) -> list[dict[str, str]]:
    """No ids, each user's id, and each agent participant's id."""
    agents = [p for p in body.get("participants") or () if p.get("purpose") in ("agent", "user")]
    users = sorted({str(p["userId"]) for p in agents if p.get("userId")})
    return [{}, *({"user_id": u} for u in users), *({"participant_id": str(p["id"])} for p in agents)]


def run_flow(body: dict[str, Any], args: dict[str, str], strategy: Any = None) -> tuple[Trail, object]:
    """The write's own flow on *body*: (its trail, where it wrote or the type of error it raised)."""
    clock = FakeClock()
    request = Request(
        conversation_id=str(body.get("id")),
        participant_id=args.get("participant_id"),
        user_id=args.get("user_id"),
        code="Sale",
        media=None,
        fields={},
        overwrite=False,
        deadline=1.0,
        supported=frozenset(MEDIA),
        now=clock.monotonic,
    )
    flow = recorded(wrapup_flow(request, strategy or Immediate()), request, clock)
    written: object = None
    value: Any = None
    try:
        while True:
            effect = flow.send(value)
            if isinstance(effect, Read):
                value = body
            elif isinstance(effect, Wait):
                clock.sleep(effect.request.delay)
                value = DEADLINE
            elif isinstance(effect, Resolve):
                value = WrapupCode("code-sale", "Sale")
            elif isinstance(effect, Lookup):
                value = None
            elif isinstance(effect, Write):
                written = (effect.target.participant_id, effect.target.communication_id)
                value = None
    except StopIteration as done:
        trail = done.value.trail
        return trail, written or trail.target
    except WrapupkitError as exc:
        error = exc
    assert error.trail is not None  # every error after the first read carries its trail
    return error.trail, written or type(error)


def _agrees(body: dict[str, Any], args: dict[str, str]) -> None:
    explanation = explain_conversation(body, **args)
    trail, outcome = run_flow(body, args)
    if explanation.error is not None:
        assert outcome is type(explanation.error), (args, explanation.text())
        assert trail.target is None
    else:
        assert outcome == explanation.target, (args, explanation.text())
        assert trail.target == explanation.target


@pytest.mark.parametrize("name", sorted(BODIES))
def test_the_explanation_names_what_the_flow_writes(name: str) -> None:
    """Every corpus body and every shape at every moment, for every kind of argument."""
    body = BODIES[name]
    for args in _cases(body):
        _agrees(body, args)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(BODIES)), seed=st.integers(0, 2**32 - 1), pick=st.integers(0, 50))
def test_the_agreement_holds_whatever_the_order(name: str, seed: int, pick: int) -> None:
    """Shuffled participants, communications and keys: the explanation still names the flow's write."""
    rng = random.Random(seed)
    body = _shuffled(BODIES[name], rng)
    cases = _cases(body)
    _agrees(body, cases[pick % len(cases)])


def _shuffled(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    participants = []
    for participant in body.get("participants") or ():
        items = [(k, rng.sample(v, len(v)) if isinstance(v, list) else v) for k, v in participant.items()]
        rng.shuffle(items)
        participants.append(dict(items))
    rng.shuffle(participants)
    return {**body, "participants": participants}


def test_the_explanation_gives_the_steps_and_the_legs() -> None:
    """A blind transfer at its end: both agents await; the steps say so and name the error."""
    body = BODIES["blind@600"]
    explanation = explain_conversation(body)
    assert isinstance(explanation.error, AmbiguousParticipant)
    assert explanation.target is None
    agents = [leg for leg in explanation.legs if leg.agent]
    assert {leg.user_id for leg in agents} == {ADA, BOB}
    assert all(leg.candidate and "after-call work is pending" in leg.reason for leg in agents)
    assert any("several users" in step for step in explanation.steps)
    assert [s.split(":")[0] for s in explanation.steps][:2] == ["rule 1", "rule 1"]
    text = explanation.text()
    assert "AmbiguousParticipant" in text
    assert "raises AmbiguousParticipant at once" in explanation.waits_for
    assert repr(explanation).startswith("Explanation(conversation_id=")
    assert "error=AmbiguousParticipant" in repr(explanation)
    mine = explain_conversation(body, user_id=ADA)
    (chosen,) = [leg for leg in mine.legs if leg.chosen]
    assert (chosen.user_id, mine.participant_id) == (ADA, chosen.participant_id)
    assert [c.id for c in chosen.communications if c.chosen] == [mine.communication_id]
    assert mine.ready
    assert mine.verdict is not None
    assert mine.verdict.reason == "disconnected, after-call work pending"


def test_the_verdict_says_what_it_waits_for() -> None:
    """While the call is connected, Polling waits for it to end; a code already there is reported."""
    waiting = explain_conversation(BODIES["conference@40"], user_id=ADA)
    assert waiting.verdict is not None
    assert (waiting.verdict.kind, waiting.ready) == ("wait", False)
    assert "communication is connected" in waiting.waits_for
    assert explain_conversation(BODIES["conference@40"], user_id=ADA, readiness=Immediate()).ready
    ringing = explain_conversation(BODIES["reoffer@1"])
    assert isinstance(ringing.error, NotAnsweredYet)
    assert "a leg to answer" in ringing.waits_for
    direct = explain_conversation(BODIES["direct@600"], user_id=ADA, readiness=Polling(unclear_grace=3))
    assert direct.unclear_grace == 3
    assert "writes once after 3 s" in direct.waits_for
    body = json.loads(json.dumps(BODIES["conference@600"]))
    leg = next(p for p in body["participants"] if p.get("userId") == ADA)
    leg["calls"][0]["wrapup"] = {"code": "code-x"}
    done = explain_conversation(body, user_id=ADA)
    assert (done.existing_code, done.verdict) == ("code-x", None)
    assert "AlreadyWrappedUp" in done.waits_for


def test_media_type_is_checked_as_the_write_checks_it() -> None:
    """The explanation raises nothing itself: it reports the mismatch the call would raise."""
    explanation = explain_conversation(BODIES["callback-dial@600"], media_type="email")
    assert isinstance(explanation.error, InteractionTypeMismatch)
    assert any("media_type email was asked" in step for step in explanation.steps)
    assert explanation.arguments == {"media_type": "email"}


def test_bad_arguments_are_refused() -> None:
    """Malformed ids and media, or a body that is not an object: InvalidInput."""
    with pytest.raises(InvalidInput):
        explain_conversation(BODIES["blind@600"], user_id="a b")
    with pytest.raises(InvalidInput):
        explain_conversation(BODIES["blind@600"], media_type="fax")
    with pytest.raises(InvalidInput):
        explain_conversation([], user_id=ADA)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="no trail"):
        explain_outcome(ValueError("x"))


def test_json_and_html_carry_the_same_facts() -> None:
    """to_dict() is JSON-ready; the notebook view lists every leg and the steps; no SVG renderer needed."""
    explanation = explain_conversation(BODIES["transfer-back@600"], user_id=ADA)
    data = json.loads(json.dumps(explanation.to_dict()))
    assert data["target"]["participant_id"] == explanation.participant_id
    assert data["readiness"]["verdict"]["kind"] == "ready"
    assert len(data["legs"]) == len(explanation.legs)
    assert sum(leg["chosen"] for leg in data["legs"]) == 1
    page = explanation._repr_html_()
    assert all(leg.participant_id in page for leg in explanation.legs)
    assert "<ol>" in page


def test_after_the_fact_on_a_result_and_on_an_error() -> None:
    """explain_outcome() rebuilds the explanation from the trail: the body chosen from and the arguments."""
    trail, outcome = run_flow(BODIES["reoffer@600"], {})
    assert (trail.reads, trail.chosen_after_reads, trail.written_after_reads) == (1, 1, 1)
    assert trail.written_at is not None
    # a result: build one around the trail as the clients return it
    participant, communication = trail.target or ("", "")
    result = wrapupkit.WrapupResult(
        conversation_id="c",
        participant_id=participant,
        communication_id=communication,
        media_type=wrapupkit.MediaType.CALL,
        code=WrapupCode("code-sale", "Sale"),
        queue_id=None,
        already_applied=False,
        attempts=1,
        requests=2,
        waited=0.0,
        trail=trail,
    )
    explanation = explain_outcome(result)
    assert explanation.target == outcome == trail.target
    assert explanation.trail is trail
    assert "after 1 read" in explanation.text()
    error_trail, error = run_flow(BODIES["blind@600"], {})
    assert error is AmbiguousParticipant
    exc = AmbiguousParticipant("x", conversation_id="c", candidates=[])
    exc.trail = error_trail
    assert isinstance(explain_outcome(exc).error, AmbiguousParticipant)
    assert "No target was chosen (1 read)" in error_trail.summary()


def test_a_ring_wait_is_in_the_trail() -> None:
    """Offers still ringing: the flow reads again before it gives up; the trail counts the reads."""
    trail, outcome = run_flow(BODIES["reoffer@1"], {})
    assert outcome is NotAnsweredYet
    assert trail.reads == 1  # the wait answered DEADLINE: no second view
    assert trail.conversation is BODIES["reoffer@1"]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.stem for p in CORPUS_FILES])
def test_the_command_explains_a_corpus_file(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``wrapupkit explain --from-file`` takes a corpus fixture as it is: no network, the same answer."""
    fixture = json.loads(path.read_text())
    expected = explain_conversation(fixture["body"])
    assert cli.main(["explain", "--from-file", str(path), "--json"]) == 0
    out, _ = capsys.readouterr()
    data = json.loads(out)
    assert data["ok"] is True
    if expected.error is not None:
        assert data["error"]["type"] == type(expected.error).__name__
    else:
        assert [data["target"]["participant_id"], data["target"]["communication_id"]] == list(
            expected.target or ()
        )
    assert cli.main(["explain", "--from-file", str(path)]) == 0
    text, _ = capsys.readouterr()
    assert "The rule (docs/which-leg.md), step by step:" in text
    assert text.strip() == expected.text()


def test_the_command_needs_a_conversation(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Neither an id nor a file, or a file that is not JSON: usage errors (exit 2)."""
    assert cli.main(["explain"]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    assert cli.main(["explain", "--from-file", str(bad)]) == 2
    _, err = capsys.readouterr()
    assert "Cannot read a JSON body" in err


def test_the_timeline_is_drawn_by_the_shared_renderer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """_repr_svg_, svg() and --svg call wrapupkit._timeline.render_svg with the body and the target."""
    import sys
    import types

    explanation = explain_conversation(BODIES["transfer-back@600"], user_id=ADA)
    monkeypatch.setitem(sys.modules, "wrapupkit._timeline", None)  # no renderer in this version
    assert explanation._repr_svg_() is None
    with pytest.raises(wrapupkit.ConfigurationError, match="no timeline renderer"):
        explanation.svg()
    calls: list[tuple[Any, dict[str, Any]]] = []

    def render_svg(conversation: Any, **kwargs: Any) -> str:
        calls.append((conversation, kwargs))
        return "<svg/>"

    stub = types.ModuleType("wrapupkit._timeline")
    stub.render_svg = render_svg  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "wrapupkit._timeline", stub)
    assert explanation._repr_svg_() == "<svg/>"
    assert "<svg/>" in explanation._repr_html_()
    conversation, kwargs = calls[0]
    assert conversation is explanation.conversation
    assert kwargs["target"] == explanation.target
    assert kwargs["written_at"] is None
    assert explanation.conversation_id in kwargs["title"]
    body = tmp_path / "body.json"
    body.write_text(json.dumps(BODIES["transfer-back@600"]))
    out = tmp_path / "out.svg"
    assert cli.main(["explain", "--from-file", str(body), "--svg", str(out)]) == 0
    assert out.read_text() == "<svg/>"
    assert f"Wrote the timeline to {out}" in capsys.readouterr().err


def test_an_error_keeps_its_trail_across_processes() -> None:
    """A raised error pickles with its trail (bulk runs send errors between processes)."""
    import pickle

    trail, _ = run_flow(BODIES["blind@600"], {})
    exc = AmbiguousParticipant("x", conversation_id="c", candidates=[])
    exc.trail = trail
    copy = pickle.loads(pickle.dumps(exc))
    assert copy.trail == trail
    assert copy.trail.conversation == trail.conversation


def test_wrapup_notes_in_the_body_are_never_shown() -> None:
    """A code already there is named by its id; its notes appear in no text, JSON, HTML or repr."""
    secret = "NOTES-SECRET customer said her PIN"
    body = json.loads(json.dumps(BODIES["conference@600"]))
    leg = next(p for p in body["participants"] if p.get("userId") == ADA)
    leg["calls"][0]["wrapup"] = {"code": "code-x", "notes": secret}
    explanation = explain_conversation(body, user_id=ADA)
    shown = [
        explanation.text(),
        json.dumps(explanation.to_dict()),
        explanation._repr_html_(),
        repr(explanation),
    ]
    assert explanation.existing_code == "code-x"
    assert not any(secret in text for text in shown)
