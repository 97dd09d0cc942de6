"""The conversation engine: skip logic, back/skip, validation, and state invariants."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engage.engine import (
    Action,
    ChoiceSpec,
    Clause,
    Condition,
    Input,
    Policy,
    QuestionSpec,
    SurveySpec,
    start,
    step,
)
from engage.engine.conversation import progress


def choices(*values: str) -> tuple[ChoiceSpec, ...]:
    return tuple(ChoiceSpec(v, {"en": v.title(), "es": f"{v}-es"}) for v in values)


TENURE = QuestionSpec("tenure", "single_choice", {"en": "Own or rent?"}, required=True,
                      choices=choices("own", "rent"))
LANDLORD = QuestionSpec("landlord", "rating", {"en": "Rate your landlord"},
                        condition=Condition((Clause("tenure", "equals", "rent"),)))
REPAIRS = QuestionSpec("repairs", "yes_no", {"en": "Repairs done?"},
                       condition=Condition((Clause("landlord", "lt", 3),)))
NEEDS = QuestionSpec("needs", "multiple_choice", {"en": "Needs"}, choices=choices("bus", "park", "clinic"))
AGE = QuestionSpec("age", "number", {"en": "Age"}, minimum=16, maximum=120)
SAY = QuestionSpec("say", "free_text", {"en": "Anything else?"}, max_length=50)
SURVEY = SurveySpec("t", "en", ("en", "es"), (TENURE, LANDLORD, REPAIRS, NEEDS, AGE, SAY))


def answer(*raw: str, mode: str = "text") -> Input:
    return Input(Action.ANSWER, raw, mode)


def test_skip_logic_follows_answers() -> None:
    out = start(SURVEY, "es")
    assert out.question == TENURE and out.state.locale == "es"
    out = step(SURVEY, out.state, answer("own", mode="form"))
    assert out.question == NEEDS, "owners are not asked about landlords"
    out = step(SURVEY, out.state, Input(Action.BACK))
    assert out.question == TENURE
    out = step(SURVEY, out.state, answer("2"))  # "rent" by its number
    assert out.question == LANDLORD
    out = step(SURVEY, out.state, answer("2"))
    assert out.question == REPAIRS and out.changes == {"landlord": 2}


def test_changing_an_answer_clears_answers_that_no_longer_apply() -> None:
    state = start(SURVEY, "en").state
    for raw in ("rent", "1", "yes"):
        state = step(SURVEY, state, answer(raw)).state
    assert state.answers == {"tenure": "rent", "landlord": 1, "repairs": "yes"}
    for _ in range(3):
        state = step(SURVEY, state, Input(Action.BACK)).state
    out = step(SURVEY, state, answer("own"))
    assert out.changes == {"tenure": "own", "landlord": None, "repairs": None}
    assert out.state.answers == {"tenure": "own"}
    assert out.question == NEEDS


def test_required_cannot_be_skipped_and_refusals_keep_the_question() -> None:
    state = start(SURVEY, "en").state
    out = step(SURVEY, state, Input(Action.SKIP))
    assert out.problem and out.problem.code == "required" and out.question == TENURE
    out = step(SURVEY, state, answer("", mode="form"))
    assert out.problem.code == "required"
    out = step(SURVEY, state, answer("maybe"))
    assert out.problem.code == "choose_one" and out.state.misses == 1 and not out.changes


def test_optional_question_skipped_after_max_misses_on_text_channels() -> None:
    state = step(SURVEY, start(SURVEY, "en").state, answer("own")).state  # at NEEDS
    policy = Policy(max_misses=3)
    for expected_misses in (1, 2):
        out = step(SURVEY, state, answer("banana"), policy)
        assert out.problem.code == "choose_some" and out.state.misses == expected_misses
        state = out.state
    out = step(SURVEY, state, answer("banana"), policy)
    assert out.skipped and out.question == AGE and out.problem is None


def test_parsing_by_number_label_and_language() -> None:
    state = step(SURVEY, start(SURVEY, "es").state, answer("own")).state
    out = step(SURVEY, state, answer("3 y park-ES"))
    assert out.state.answers["needs"] == ("park", "clinic")
    out = step(SURVEY, out.state, answer("١٢٠"))  # Arabic-Indic digits
    assert out.state.answers["age"] == 120
    out = step(SURVEY, out.state, answer("x" * 51))
    assert out.problem.code == "too_long"
    out = step(SURVEY, out.state, answer("Más parques"))
    assert out.state.done and out.question is None
    assert step(SURVEY, out.state, answer("again")).problem.code == "finished"


def test_number_range_and_language_switch() -> None:
    state = step(SURVEY, start(SURVEY, "en").state, answer("own")).state
    state = step(SURVEY, state, Input(Action.SKIP)).state
    out = step(SURVEY, state, answer("15"))
    assert out.problem.code == "number_range" and out.problem.params == {"minimum": 16, "maximum": 120}
    out = step(SURVEY, state, Input(Action.LANGUAGE, locale="es"))
    assert out.state.locale == "es" and out.question == AGE
    assert step(SURVEY, state, Input(Action.LANGUAGE, locale="fr")).problem.code == "unknown_language"


def test_conditions_must_point_backwards() -> None:
    bad = QuestionSpec("a", "yes_no", {"en": "A"}, condition=Condition((Clause("b", "answered"),)))
    try:
        SurveySpec("x", "en", ("en",), (bad, QuestionSpec("b", "yes_no", {"en": "B"})))
    except ValueError as err:
        assert "earlier" in str(err)
    else:
        raise AssertionError("a forward condition was accepted")


inputs = st.one_of(
    st.builds(lambda raw: Input(Action.ANSWER, (raw,)), st.sampled_from(
        ["1", "2", "3", "own", "rent", "yes", "no", "2,3", "17", "200", "", "hello", "5"])),
    st.builds(lambda raw: Input(Action.ANSWER, (raw,)), st.text(max_size=8)),
    st.just(Input(Action.BACK)), st.just(Input(Action.SKIP)), st.just(Input(Action.REPEAT)),
    st.builds(lambda loc: Input(Action.LANGUAGE, locale=loc), st.sampled_from(["en", "es", "vi"])),
)


@settings(max_examples=300)
@given(st.lists(inputs, max_size=40), st.booleans())
def test_any_sequence_of_inputs_leaves_a_consistent_state(seq: list[Input], patient: bool) -> None:
    policy = Policy(max_misses=None if patient else 3)
    out = start(SURVEY, "en")
    for inp in seq:
        out = step(SURVEY, out.state, inp, policy)
        state = out.state
        # Never a hidden question asked, never an answer kept for a hidden question.
        assert all(SURVEY.question(k).visible(state.answers) for k in state.answers)
        if state.current is not None:
            assert SURVEY.question(state.current).visible(state.answers)
            assert out.question is not None and out.question.key == state.current
        # History runs forward through the survey and only holds questions that apply.
        positions = [SURVEY.index(k) for k in state.history]
        assert positions == sorted(positions) and len(set(positions)) == len(positions)
        assert all(SURVEY.question(k).visible(state.answers) for k in state.history)
        if state.current is not None and positions:
            assert positions[-1] < SURVEY.index(state.current)
        if state.done:
            assert out.question is None and state.current is None
            visible_required = {q.key for q in SURVEY.visible(state.answers) if q.required}
            assert visible_required <= set(state.answers)
        position, total = progress(SURVEY, state)
        assert 1 <= position <= total


@settings(max_examples=200)
@given(st.lists(inputs, max_size=20), st.lists(st.text(alphabet=" \t\n\u00a0", max_size=3), min_size=1,
                                               max_size=4), st.booleans())
def test_an_empty_text_answers_nothing_and_skips_nothing(seq: list[Input], blanks: list[str],
                                                         patient: bool) -> None:
    """A text or keys with nothing in them (a picture alone) leave the state as it was and
    ask the same question, however often they come; skipping is said (SKIP)."""
    policy = Policy(max_misses=None if patient else 3)
    out = start(SURVEY, "en")
    for inp in seq:
        out = step(SURVEY, out.state, inp, policy)
    if out.state.done:
        return
    for blank in blanks:
        again = step(SURVEY, out.state, Input(Action.ANSWER, (blank,) if blank else ()), policy)
        assert again.problem is not None and again.problem.code == "no_answer"
        assert (again.state, again.question, again.changes, again.skipped) == \
            (out.state, out.question, {}, False)


def test_an_empty_field_in_a_web_form_leaves_an_optional_question_unanswered() -> None:
    state = step(SURVEY, start(SURVEY, "en").state, answer("own")).state  # at NEEDS, optional
    out = step(SURVEY, state, answer("", mode="form"))
    assert out.skipped and out.question == AGE and out.problem is None
