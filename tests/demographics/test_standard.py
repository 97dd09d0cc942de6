"""Standard demographic questions: translated everywhere, optional, tagging responses
whichever channel answered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.core.errors import DomainError
from engage.demographics.standard import DIMENSIONS
from engage.engine import Action, Input, Policy, start, step
from engage.responses import operations as responses
from engage.responses.models import ResponseTag
from engage.surveys import operations
from engage.surveys.queries import survey_spec
from engage.surveys.standard_questions import add_standard_questions
from tests.factories import survey_data

UI = ["en", "es", "vi", "tl", "zh_Hans", "ar"]


@pytest.fixture
def everyone(db, app):  # type: ignore[no-untyped-def]
    """A survey in every UI language asking every standard question."""
    from engage.org.models import Area

    area = Area(slug="riverside", name={"en": "Riverside", "es": "Riverside"})
    db.add(area)
    db.flush()
    texts = {code: f"text {code}" for code in UI}
    survey = operations.create_survey(survey_data(
        "all-langs", sms_keyword="ALL", locales=UI, title=texts, intro=texts, thanks=texts, area_ids=[area.id]))
    add_standard_questions(survey, DIMENSIONS)
    return survey


def test_every_text_ships_in_every_ui_language(everyone) -> None:
    assert operations.publication_problems(everyone) == []
    race = next(q for q in everyone.questions if q.key == "race_ethnicity")
    assert len({race.prompt[code] for code in UI}) == len(UI), "each language has its own text"
    assert [c.value for c in race.choices] == ["aian", "asian", "black", "hispanic", "mena",
                                               "nhpi", "white", "prefer_not"]
    for q in everyone.questions:
        assert not q.required
        if q.choices and q.key != "race_detail":  # a follow-up: skipping it is the way out
            assert q.choices[-1].value == "prefer_not" and q.choices[-1].exclusive
    area = next(q for q in everyone.questions if q.key == "area")
    assert [c.value for c in area.choices] == ["riverside", "elsewhere", "prefer_not"]


def test_detailed_groups_are_offered_on_the_web_only(everyone) -> None:
    web = {q.key for q in survey_spec(everyone, "web").questions}
    sms = {q.key for q in survey_spec(everyone, "sms").questions}
    assert "race_detail" in web and "race_detail" not in sms
    assert "race_ethnicity" in sms and "gender_other" in sms
    detail = survey_spec(everyone, "web").question("race_detail")
    assert {c.group for c in detail.choices} == {"asian", "black", "hispanic", "mena", "nhpi", "white"}


def test_adding_twice_is_refused(everyone) -> None:
    with pytest.raises(DomainError):
        add_standard_questions(everyone, ["tenure"])


def test_answers_by_text_tag_the_response(db, everyone) -> None:
    operations.publish_survey(everyone)
    spec = survey_spec(everyone, "sms")
    outcome = start(spec, "es")
    response = responses.start_response(everyone, outcome, "sms")
    state = outcome.state
    typed = {"race_ethnicity": "2, 4", "home_language": "Español", "english_ability": "3"}
    while not state.done:
        key = state.current
        inp = Input(Action.ANSWER, (typed[key],)) if key in typed else Input(Action.SKIP)
        outcome = step(spec, state, inp, Policy(max_misses=3))
        assert outcome.problem is None, (key, outcome.problem)
        responses.apply_outcome(response, spec, outcome)
        state = outcome.state
    tags = set(db.execute(select(ResponseTag.dimension, ResponseTag.value)
                          .where(ResponseTag.response_id == response.id)).all())
    assert tags == {("race_ethnicity", "asian"), ("race_ethnicity", "hispanic"),
                    ("home_language", "es"), ("english_ability", "not_well")}


def test_prefer_not_to_say_cannot_be_combined(everyone) -> None:
    spec = survey_spec(everyone, "web")
    state = start(spec, "en").state
    assert state.current == "race_ethnicity"
    refused = step(spec, state, Input(Action.ANSWER, ("asian", "prefer_not"), "form"))
    assert refused.problem.code == "exclusive"
    alone = step(spec, state, Input(Action.ANSWER, ("prefer_not",), "form"))
    assert alone.question.key == "race_other", "no detailed groups after prefer-not-to-say"


def test_english_ability_is_asked_only_of_other_languages(everyone) -> None:
    spec = survey_spec(everyone, "web")
    state = start(spec, "en").state
    while state.current != "home_language":
        state = step(spec, state, Input(Action.SKIP)).state
    assert step(spec, state, Input(Action.ANSWER, ("en",), "form")).question.key == "area"
    assert step(spec, state, Input(Action.ANSWER, ("vi",), "form")).question.key == "english_ability"
