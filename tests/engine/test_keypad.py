"""What keys and words mean for each kind of question."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage.engine import Action, ChoiceSpec, QuestionSpec
from engage.engine.keypad import read_keys, read_speech, typed

CHOICES = tuple(ChoiceSpec(f"c{n}", {"en": f"Choice {n}"}) for n in range(1, 13))
ONE = QuestionSpec(key="one", type="single_choice", prompt={}, choices=CHOICES[:3])
MANY = QuestionSpec(key="many", type="single_choice", prompt={}, choices=CHOICES[:11])
MULTI = QuestionSpec(key="multi", type="multiple_choice", prompt={}, choices=CHOICES[:4])
MULTI_MANY = QuestionSpec(key="mm", type="multiple_choice", prompt={}, choices=CHOICES)
NUMBER = QuestionSpec(key="n", type="number", prompt={})
RATING = QuestionSpec(key="r", type="rating", prompt={})


@pytest.mark.parametrize(("question", "keys", "action", "raw"), [
    (ONE, "2", Action.ANSWER, ("2",)),
    (ONE, "9", Action.REPEAT, ()),
    (ONE, "0", Action.SKIP, ()),
    (ONE, "*", Action.BACK, ()),
    (RATING, "5", Action.ANSWER, ("5",)),
    (NUMBER, "9", Action.ANSWER, ("9",)),  # nine years: an answer, not "repeat"
    (NUMBER, "0#", Action.ANSWER, ("0",)),
    (NUMBER, "*9", Action.REPEAT, ()),
    (NUMBER, "*0", Action.SKIP, ()),
    (NUMBER, "*", Action.BACK, ()),
    (MANY, "10", Action.ANSWER, ("10",)),
    (MULTI, "13", Action.ANSWER, ("1 3",)),
    (MULTI, "9", Action.REPEAT, ()),
    (MULTI_MANY, "1*12", Action.ANSWER, ("1 12",)),
])
def test_keys(question, keys, action, raw) -> None:
    inp = read_keys(question, keys)
    assert inp is not None and inp.action is action and inp.raw == raw


def test_typed_questions_end_with_pound() -> None:
    assert [typed(q) for q in (ONE, MANY, MULTI, NUMBER, RATING)] == [False, True, True, True,
                                                                      False]


@pytest.mark.parametrize(("words", "action"), [
    ("Repeat", Action.REPEAT), ("saltar", Action.SKIP), ("atrás.", Action.BACK),
    ("quay lại", Action.BACK), ("bus and walk", Action.ANSWER)])
def test_spoken_commands_in_any_language(words, action) -> None:
    assert read_speech(words).action is action


@given(st.text(max_size=12), st.sampled_from([ONE, MANY, MULTI, MULTI_MANY, NUMBER, RATING]))
def test_any_keys_read_without_error(digits: str, question: QuestionSpec) -> None:
    inp = read_keys(question, digits)
    keys = "".join(ch for ch in digits if ch in "0123456789*")
    assert (inp is None) == (keys == "")
    if inp is not None and inp.action is Action.ANSWER:
        assert all(ch in "0123456789 " for ch in inp.raw[0]) and inp.raw[0].strip()


def test_stars_alone_go_back_never_answer_nothing() -> None:
    """A double press of * was once an empty answer (refused as "no answer")."""
    assert read_keys(ONE, "**").action is Action.BACK
    assert read_keys(MULTI, "***#").action is Action.BACK
