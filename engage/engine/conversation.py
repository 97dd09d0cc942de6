"""The survey state machine shared by every channel.

``step(survey, state, input)`` returns the next state, the question to ask (or None
when the survey is done), a problem when the input was refused, and the answer
changes to store. It never reads or writes anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from engage.engine.questions import InvalidAnswer, Problem, question_type
from engage.engine.spec import QuestionSpec, SurveySpec, Value


class Action(StrEnum):
    ANSWER = "answer"
    SKIP = "skip"
    BACK = "back"
    REPEAT = "repeat"
    LANGUAGE = "language"


@dataclass(frozen=True)
class Input:
    action: Action
    raw: tuple[str, ...] = ()
    mode: str = "text"  # "form" (web) or "text" (SMS, voice)
    locale: str | None = None  # for Action.LANGUAGE


@dataclass(frozen=True)
class Policy:
    """Channel-specific patience: after ``max_misses`` refused answers an optional
    question is skipped (SMS, voice). The web shows the error instead (None)."""

    max_misses: int | None = None


@dataclass(frozen=True)
class State:
    locale: str
    answers: Mapping[str, Value] = field(default_factory=dict)
    current: str | None = None
    history: tuple[str, ...] = ()
    misses: int = 0
    done: bool = False


@dataclass(frozen=True)
class Outcome:
    state: State
    question: QuestionSpec | None
    problem: Problem | None = None
    #: Answers to store: key -> value, or None to delete a stored answer.
    changes: Mapping[str, Value | None] = field(default_factory=dict)
    skipped: bool = False  # the current question was skipped for the resident


def start(survey: SurveySpec, locale: str | None) -> Outcome:
    """A fresh conversation, at the first question that applies."""
    state = State(locale=survey.locale_for(locale))
    return _advance_from(survey, state, -1, {})


def resume(survey: SurveySpec, state: State) -> Outcome:
    """Where a stored conversation goes on, on this channel: at its current question, or,
    when that question is one this channel does not ask (begun on the web, say), at the
    next question it asks after those already seen that applies, answers all kept."""
    if state.done or state.current is None:
        return Outcome(state, None)
    if any(q.key == state.current for q in survey.questions):
        return Outcome(state, survey.question(state.current))
    seen = [i for i, q in enumerate(survey.questions)
            if q.key in state.answers or q.key in state.history]
    after = max(seen, default=-1)
    upcoming = next((q for q in survey.questions[after + 1:] if q.visible(state.answers)), None)
    moved = replace(state, current=upcoming.key if upcoming else None, misses=0,
                    done=upcoming is None)
    return Outcome(moved, upcoming)


def step(survey: SurveySpec, state: State, inp: Input, policy: Policy = Policy()) -> Outcome:
    if inp.action is Action.LANGUAGE:
        if inp.locale not in survey.locales:
            return _stay(survey, state, Problem("unknown_language"))
        return _stay(survey, replace(state, locale=inp.locale))
    if state.done or state.current is None:
        return Outcome(state, None, Problem("finished"))
    question = survey.question(state.current)
    if inp.action is Action.REPEAT:
        return _stay(survey, state)
    if inp.action is Action.BACK:
        if not state.history:
            return _stay(survey, state, Problem("at_start"))
        previous = state.history[-1]
        back = replace(state, current=previous, history=state.history[:-1], misses=0)
        return Outcome(back, survey.question(previous))
    if inp.action is Action.SKIP:
        if question.required:
            return _stay(survey, state, Problem("required"))
        return _skip(survey, state)
    if inp.mode == "text" and _says_nothing(inp) and question_type(question).asks:
        return _stay(survey, state, Problem("no_answer"))
    try:
        value = question_type(question).parse(question, inp.raw, inp.mode, state.locale)
    except InvalidAnswer as refused:
        return _miss(survey, state, question, refused.problem, policy)
    if value is None:
        if question.required:
            return _miss(survey, state, question, Problem("required"), policy)
        return _skip(survey, state)
    answers = {**state.answers, question.key: value}
    return _advance_from(survey, state, survey.index(question.key), answers, {question.key: value})


def _says_nothing(inp: Input) -> bool:
    """A text or keys with nothing in them (a picture alone, spaces) are no answer: asked
    again, never taken as a skip, which residents say (SKIP). In a web form an empty
    field is the resident's choice to leave it (``form`` mode)."""
    return not any(raw.strip() for raw in inp.raw)


def _stay(survey: SurveySpec, state: State, problem: Problem | None = None) -> Outcome:
    current = survey.question(state.current) if state.current and not state.done else None
    return Outcome(state, current, problem)


def _miss(survey: SurveySpec, state: State, question: QuestionSpec, problem: Problem,
          policy: Policy) -> Outcome:
    misses = state.misses + 1
    if policy.max_misses is not None and misses >= policy.max_misses and not question.required:
        return _skip(survey, state)
    return _stay(survey, replace(state, misses=misses), problem)


def _skip(survey: SurveySpec, state: State) -> Outcome:
    assert state.current is not None
    answers = {k: v for k, v in state.answers.items() if k != state.current}
    changes = {state.current: None} if state.current in state.answers else {}
    outcome = _advance_from(survey, state, survey.index(state.current), answers, changes)
    return replace(outcome, skipped=True)


def _advance_from(survey: SurveySpec, state: State, index: int, answers: dict[str, Value],
                  changes: Mapping[str, Value | None] | None = None) -> Outcome:
    """Move past question ``index``: drop answers that no longer apply (a changed answer
    can hide later questions), then ask the next question that applies."""
    changes = dict(changes or {})
    for q in survey.questions:
        if q.key in answers and not q.visible(answers):
            del answers[q.key]
            changes[q.key] = None
    history = state.history + ((state.current,) if state.current and index >= 0 else ())
    upcoming = next((q for q in survey.questions[index + 1:] if q.visible(answers)), None)
    new_state = State(
        locale=state.locale,
        answers=answers,
        current=upcoming.key if upcoming else None,
        history=history,
        misses=0,
        done=upcoming is None,
    )
    return Outcome(new_state, upcoming, None, changes)


def progress(survey: SurveySpec, state: State) -> tuple[int, int]:
    """(position of the current question, questions that apply now), both 1-based."""
    visible = survey.visible(state.answers)
    if state.done or state.current is None:
        return len(visible), len(visible)
    keys = [q.key for q in visible]
    return keys.index(state.current) + 1 if state.current in keys else 1, len(keys)
