"""The results aggregates (engage.results.aggregates) kept current: refreshed by the page
before it counts, by the worker's loop, rebuilt by a command; never counting a response
twice or a deleted one at all. Their figures against the plain reference, on generated
changes, are tests/results/test_reference_property.py's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from engage.responses.models import Response
from engage.results import aggregates
from engage.results.filters import Filters
from engage.results.models import ResultCount
from engage.results.queries import question_counts, response_counts
from engage.surveys.queries import survey_spec
from tests.results.test_results import answer, survey  # noqa: F401 - the fixture

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def tenure(survey_id: int, spec) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return dict(question_counts(survey_id, spec.question("tenure"), None, Filters(include_synthetic=False))
                .counts.get("all", {}))


def test_refresh_counts_changes_once_and_forgets_deleted_responses(db, survey, time_machine) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    time_machine.move_to(T0, tick=False)
    spec = survey_spec(survey)
    for typed in ({"tenure": "1"}, {"tenure": "2"}, {"tenure": "2"}):
        answer(survey, "sms", "en", typed)
    db.flush()
    assert aggregates.refresh(survey.id).changed == 3
    assert tenure(survey.id, spec) == {"own": 1, "rent": 2}
    # again, and again within the overlap: nothing counted twice
    assert aggregates.refresh(survey.id).changed == 0
    time_machine.move_to(T0 + timedelta(minutes=5), tick=False)
    answer(survey, "web", "en", {"tenure": "1"})
    db.flush()
    assert aggregates.refresh(survey.id).changed == 1
    assert aggregates.refresh(survey.id).changed == 0
    assert tenure(survey.id, spec) == {"own": 2, "rent": 2}
    # a response deleted (no path but the survey's deletion does, today): subtracted
    first = db.scalar(select(func.min(Response.id)).where(Response.survey_id == survey.id))
    db.execute(delete(Response).where(Response.id == first))
    assert aggregates.refresh(survey.id).changed == 1
    assert tenure(survey.id, spec) == {"own": 1, "rent": 2}
    assert response_counts(survey.id).real == 3
    assert aggregates.differences(survey.id) == {}
    # a rebuild comes to the same rows
    before = set(db.execute(select(ResultCount)).scalars())
    assert aggregates.rebuild(survey.id).changed == 3
    assert aggregates.differences(survey.id) == {}
    assert len(set(db.execute(select(ResultCount)).scalars())) == len(before)


def test_the_staff_page_counts_a_new_answer_and_says_when(db, client, login, survey) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    login("viewer")
    answer(survey, "sms", "en", {"tenure": "1"})
    db.commit()
    page = client.get(f"/staff/surveys/{survey.id}/results").get_data(as_text=True)
    assert "Figures brought up to date at" in page
    assert aggregates.refreshed_at(survey.id) is not None
    answer(survey, "sms", "en", {"tenure": "2"})
    db.commit()
    client.get(f"/staff/surveys/{survey.id}/results")
    spec = survey_spec(survey)
    assert tenure(survey.id, spec) == {"own": 1, "rent": 1}
    assert aggregates.differences(survey.id) == {}


def test_the_worker_pass_and_the_rebuild_command(app, db, survey) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    answer(survey, "sms", "en", {"tenure": "1"})
    db.commit()
    assert survey.id in aggregates.stale_surveys()
    assert aggregates.refresh_stale() >= 1
    assert survey.id not in aggregates.stale_surveys()
    result = app.test_cli_runner().invoke(args=["engage", "rebuild-results", survey.slug])
    assert result.exit_code == 0, result.output
    assert f"{survey.slug}: 1 responses counted." in result.output
    assert aggregates.differences(survey.id) == {}
