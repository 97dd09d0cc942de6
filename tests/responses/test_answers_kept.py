"""The answers a response row keeps (``Response.answered``, read by every turn) against
the answer rows and tags (the plain form, read by results and exports): any sequence of
answers, changes and removals, on every question type and on demographic questions with
several values, leaves the two saying the same."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engage.engine import start
from engage.responses import operations as responses
from engage.responses.models import Response, ResponseTag
from engage.surveys import operations
from engage.surveys.models import Channel
from engage.surveys.queries import survey_spec
from engage.surveys.standard_questions import add_standard_questions

#: (question key, value or None to remove it), on the housing survey plus race and gender.
VALUES = {
    "tenure": st.sampled_from(["own", "rent"]),
    "repairs": st.integers(1, 5),
    "transport": st.lists(st.sampled_from(["bus", "walk", "car"]), min_size=1, max_size=3,
                          unique=True).map(tuple),
    "years": st.integers(0, 100),
    "comments": st.text(min_size=1, max_size=40),
    "race_ethnicity": st.lists(st.sampled_from(["white", "black", "asian", "hispanic", "mena"]),
                               min_size=1, max_size=5, unique=True).map(tuple),
}
moves = st.lists(st.sampled_from(sorted(VALUES)).flatmap(
    lambda key: st.tuples(st.just(key), st.none() | VALUES[key])), max_size=14)


def _tags(db, response_id: int) -> set[str]:  # type: ignore[no-untyped-def]
    return set(db.scalars(select(ResponseTag.value).where(
        ResponseTag.response_id == response_id, ResponseTag.dimension == "race_ethnicity")))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(script=moves, bulk=st.booleans())
def test_the_row_keeps_what_the_answer_rows_hold(db, make_survey, example, script, bulk) -> None:
    with example():
        survey = make_survey(publish=False)
        add_standard_questions(survey, ["race_ethnicity"])
        operations.publish_survey(survey)
        db.flush()
        spec = survey_spec(survey, Channel.WEB)
        race = next(q for q in spec.questions if q.key == "race_ethnicity")
        response = responses.start_response(survey, start(spec, "en"), Channel.WEB)
        if bulk:  # rows written in bulk (demo, imports): nothing kept, turns read the rows
            response.answered = None
        expected: dict[str, object] = {}
        for key, value in script:
            q = spec.question(key)
            responses.record_answer(response, q, value)
            db.flush()
            expected.pop(key, None)
            if value is not None:
                expected[key] = value
            rows = responses.load_answers(response.id, spec)
            assert responses.load_state(response, spec).answers == rows
            if bulk:
                assert response.answered is None
            else:
                assert responses.kept_answers(response.answered, spec) == rows
            assert set(rows) == set(expected)
            assert _tags(db, response.id) == set(expected.get(race.key) or ())
        db.expire_all()
        again = db.get(Response, response.id)
        assert responses.load_state(again, spec).answers == responses.load_answers(again.id, spec)
