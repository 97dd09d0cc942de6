"""The invariant the results aggregates rest on (engage.results.aggregates): every change
to a response's answers, tags or status moves ``response.updated_at``. The answer paths
are being made faster elsewhere; if one stops moving it, results would miss the change
until a rebuild, so it is pinned here for each operation that changes what a response
counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engage.engine import start
from engage.responses import operations as responses
from engage.surveys import operations
from engage.surveys.queries import survey_spec
from engage.surveys.standard_questions import add_standard_questions

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_every_change_moves_updated_at(db, make_survey, time_machine) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey("moves", publish=False)
    add_standard_questions(survey, ["race_ethnicity"])
    operations.publish_survey(survey)
    spec = survey_spec(survey)
    time_machine.move_to(T0, tick=False)
    response = responses.start_response(survey, start(spec, "en"), "web")
    db.flush()
    steps = [
        ("an answer", lambda: responses.record_answer(response, spec.question("tenure"), "rent")),
        ("a changed answer", lambda: responses.record_answer(response, spec.question("tenure"), "own")),
        ("a cleared answer", lambda: responses.record_answer(response, spec.question("tenure"), None)),
        ("a tag (race)", lambda: responses.record_answer(
            response, spec.question("race_ethnicity"), ("asian", "white"))),
        ("the engine's outcome", lambda: responses.apply_outcome(
            response, spec, start(spec, "es"))),
        ("set aside", lambda: responses.set_aside(response)),
    ]
    for minutes, (what, step) in enumerate(steps, start=1):
        time_machine.move_to(T0 + timedelta(minutes=minutes), tick=False)
        step()
        db.flush()
        db.expire(response)
        assert response.updated_at == T0 + timedelta(minutes=minutes), what
