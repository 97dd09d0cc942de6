"""Hypothesis strategies for questions of every type and their valid answers. Answers are
what a web form could post, parsed by the type itself: no test needs to know a type's
name to generate its answers."""

from __future__ import annotations

from hypothesis import strategies as st

from engage.engine import TYPES, ChoiceSpec, InvalidAnswer, QuestionSpec, question_type
from engage.engine.spec import Value

LOCALES = ("en", "es", "vi")
#: Choice values, some of them ones the demo gives shares to.
VALUES = ("white", "hispanic", "asian", "own", "rent", "bus", "walk", "car", "prefer_not", "x_1")
DIMENSIONS = (None, "race_ethnicity", "tenure", "area")

labels = st.dictionaries(st.sampled_from(LOCALES), st.text(max_size=12), min_size=1).filter(
    lambda text: any(text.values()))


@st.composite
def choice_lists(draw: st.DrawFn) -> tuple[ChoiceSpec, ...]:
    values = draw(st.lists(st.sampled_from(VALUES), min_size=2, max_size=6, unique=True))
    return tuple(ChoiceSpec(v, draw(labels), exclusive=draw(st.booleans()) and i > 0)
                 for i, v in enumerate(values))


@st.composite
def questions(draw: st.DrawFn, types: tuple[str, ...] = tuple(TYPES), number: int = 1) -> QuestionSpec:
    type_ = draw(st.sampled_from(types))
    low, high = sorted(draw(st.lists(st.sampled_from([-100, 0, 100, 1e6]), min_size=2, max_size=2,
                                     unique=True)))
    return QuestionSpec(
        key=f"q{number}", type=type_, prompt={"en": "?"}, required=draw(st.booleans()),
        choices=draw(choice_lists()) if TYPES[type_].has_choices else (),
        minimum=draw(st.sampled_from([low, None])), maximum=draw(st.sampled_from([high, None])),
        max_length=draw(st.sampled_from([None, 50, 500])),
        dimension=draw(st.sampled_from(DIMENSIONS)), id=number)


def _parsed(q: QuestionSpec, raw: tuple[str, ...]) -> Value | None:
    try:
        return question_type(q).parse(q, raw, "form", "en")
    except InvalidAnswer:
        return None


def answers(q: QuestionSpec) -> st.SearchStrategy[Value]:
    """Valid answers to ``q`` (which asks): any option or options, numbers, words."""
    values = [o.value for o in question_type(q).options(q)]
    raws = [st.tuples(st.text(min_size=1, max_size=60)),
            st.tuples(st.integers(-10**6, 10**6).map(str)),
            st.tuples(st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.2f}"))]
    if values:
        raws += [st.sampled_from(values).map(lambda v: (v,)),
                 st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True).map(tuple)]
    return st.one_of(raws).map(lambda raw: _parsed(q, raw)).filter(lambda v: v is not None)
