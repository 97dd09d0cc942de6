"""Behaviour that moved from switches on a type's name into the type classes is the same
as before: each property runs the old code (tests/engine/reference_switches.py) and the
new on generated questions and answers."""

from __future__ import annotations

import random
from dataclasses import replace

from flask import Flask
from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st

from engage import demo
from engage.engine import TYPES, Action, Input, QuestionSpec, question_type
from engage.engine.questions import Stored
from engage.engine.spec import OPS, Clause, Value
from engage.results.exports import _answer_cell
from engage.surveys.texts import choice_labels
from engage.surveys.xlsform.expressions import _clause_expression, constraint_expression
from tests.engine import reference_switches as old
from tests.engine.strategies import LOCALES, answers, questions

ASKING = tuple(name for name, kind in TYPES.items() if kind.asks)
REGION = "US"


def rows_of(stored: Stored) -> list[tuple[float | None, str | None, str | None]]:
    """The outer join's rows for one stored answer: one per value chosen, or one."""
    return [(stored.number, stored.text, c) for c in stored.choices] or [(stored.number, stored.text, None)]


@st.composite
def stored_answers(draw: st.DrawFn, unknown: bool) -> tuple[QuestionSpec, Value, list]:
    """A question, a valid answer, and its rows in any order; with ``unknown``, a choice
    answer may also hold values the question no longer offers."""
    q = draw(questions(ASKING))
    value = draw(answers(q))
    stored = question_type(q).store(value)
    if unknown and stored.choices:
        gone = tuple(draw(st.lists(st.sampled_from(["old_b", "old_a"]), unique=True)))
        several = question_type(q).summary.several
        stored = replace(stored, choices=(*stored.choices, *gone) if several else gone[:1] or stored.choices)
    return q, value, draw(st.permutations(rows_of(stored)))


@given(stored_answers(unknown=False))
def test_loading_an_answer_is_unchanged(case: tuple[QuestionSpec, Value, list]) -> None:
    q, value, rows = case
    loaded = question_type(q).load(q, Stored.gather(rows))
    assert old.load_answers([q], [(q.id, *row) for row in rows]) == {q.key: loaded}
    assert loaded == value


@given(st.data())
def test_storing_an_answer_is_unchanged(data: st.DataObject) -> None:
    q = data.draw(questions())
    kind = question_type(q)
    value = data.draw(answers(q)) if kind.asks else "anything"
    stored = kind.store(value)
    expected = old.record_answer(q, value)
    assert (list(stored.choices), stored.number, stored.text) == expected if kind.asks \
        else expected is None


@given(stored_answers(unknown=True))
def test_export_cells_are_unchanged(case: tuple[QuestionSpec, Value, list]) -> None:
    q, _value, rows = case
    loaded = question_type(q).load(q, Stored.gather(rows))
    new = {} if loaded is None else {7: {q.key: _answer_cell(q, loaded, REGION)}}
    assert old.export_cells([q], [(7, q.id, *row) for row in rows], REGION) == new


NAMES = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot")


def _outcome(q: QuestionSpec, inp: Input, locale: str) -> Value | None:
    if inp.action is Action.SKIP:
        return None
    return question_type(q).parse(q, inp.raw, inp.mode, locale)


@given(questions(ASKING), st.integers(0, 2**32), st.sampled_from(LOCALES))
def test_demo_answers_are_unchanged(q: QuestionSpec, seed: int, locale: str) -> None:
    """The same answers from the same random draws, so the demo data set is the same.
    Limits are left out: the old code ignored them (the new keeps a number in range)."""
    q = replace(q, minimum=None, maximum=None, max_length=None,
                choices=tuple(replace(c, label={"en": name}) for c, name in zip(q.choices, NAMES, strict=False)))
    before, after = random.Random(seed), random.Random(seed)
    for _resident in range(30):
        expected = _outcome(q, old.demo_pick(q, before, locale), locale)
        assert _outcome(q, demo._pick(q, after, locale), locale) == expected
        assert before.getstate() == after.getstate()


@given(questions(), st.sampled_from(LOCALES))
def test_option_labels_are_unchanged(app: Flask, q: QuestionSpec, locale: str) -> None:
    with app.test_request_context(), force_locale(locale):
        assert choice_labels(q, locale, "en") == old.choice_labels(q, locale, "en")


settings_values = st.fixed_dictionaries({}, optional={
    "minimum": st.sampled_from([None, 0, -1.5, 10]), "maximum": st.sampled_from([None, 0, 100]),
    "max_length": st.sampled_from([None, 1, 200])})


@given(st.sampled_from([*TYPES, "unknown"]), settings_values)
def test_constraints_written_are_unchanged(type_: str, settings: dict) -> None:
    assert constraint_expression(type_, settings) == old.constraint_expression(type_, settings)


@given(st.sampled_from([*TYPES, ""]), st.sampled_from(OPS),
       st.sampled_from(["x", "3", "-2.5", "it's", "1e3", "yes"]), st.sampled_from([3, -2.5, 0]))
def test_skip_rules_written_are_unchanged(type_: str, op: str, text: str, number: float) -> None:
    clause = Clause("a", op, number if op in ("gt", "lt") else text)  # type: ignore[arg-type]
    assert _clause_expression(clause, TYPES.get(type_)) == old.clause_expression(clause, type_)
