"""Results counted in SQL: the three race tabulations, breakdowns, filters, suppression
outside staff views, the API and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from engage.core.clock import utcnow
from engage.engine import Action, Input, Policy, start, step
from engage.responses import operations as responses
from engage.responses.models import Answer, Response
from engage.results.filters import RACE_ALONE, Filters
from engage.results.queries import MULTIRACIAL, NO_ANSWER, question_counts
from engage.results.summary import TEXTS_SHOWN, summarize
from engage.surveys import operations
from engage.surveys.queries import survey_spec
from engage.surveys.standard_questions import add_standard_questions
from tests.factories import QUESTIONS, survey_data


def answer(survey, channel: str, locale: str, typed: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """One resident: answers by text for the keys in ``typed``, skips the rest."""
    spec = survey_spec(survey, channel)
    outcome = start(spec, locale)
    response = responses.start_response(survey, outcome, channel)
    state = outcome.state
    while not state.done:
        key = state.current
        inp = Input(Action.ANSWER, (typed[key],)) if key in typed else Input(Action.SKIP)
        outcome = step(spec, state, inp, Policy(max_misses=1))
        responses.apply_outcome(response, spec, outcome)
        state = outcome.state


@pytest.fixture
def survey(db):  # type: ignore[no-untyped-def]
    made = operations.create_survey(survey_data("results"))
    for question in QUESTIONS:
        operations.add_question(made, question)
    add_standard_questions(made, ["race_ethnicity"])
    operations.publish_survey(made)
    db.commit()
    return made


def test_three_race_tabulations(survey) -> None:
    # race options by number: 1 aian, 2 asian, 3 black, 4 hispanic, 5 mena, 6 nhpi, 7 white, 8 prefer not
    for race in ("2", "2,7", "8", "4"):
        answer(survey, "sms", "en", {"tenure": "1", "race_ethnicity": race})
    answer(survey, "sms", "en", {"tenure": "2"})
    tenure = survey_spec(survey).question("tenure")
    combined = question_counts(survey.id, tenure, "race_ethnicity")
    assert combined.n == {"asian": 2, "white": 1, "hispanic": 1, "prefer_not": 1, NO_ANSWER: 1}
    alone = question_counts(survey.id, tenure, RACE_ALONE)
    assert alone.n == {"asian": 1, "hispanic": 1, MULTIRACIAL: 1, NO_ANSWER: 2}
    assert alone.counts[NO_ANSWER] == {"own": 1, "rent": 1}


def test_filters_by_channel_language_and_counts_numbers(survey) -> None:
    answer(survey, "sms", "es", {"tenure": "1", "years": "10"})
    answer(survey, "web", "en", {"tenure": "2", "repairs": "4", "years": "30"})
    answer(survey, "web", "vi", {"tenure": "2", "repairs": "2", "years": "20"})
    spec = survey_spec(survey)
    by_channel = question_counts(survey.id, spec.question("tenure"), "channel")
    assert by_channel.counts == {"sms": {"own": 1}, "web": {"rent": 2}}
    web_only = question_counts(survey.id, spec.question("years"), None, Filters(channel="web"))
    assert web_only.numbers == {"all": {30.0: 1, 20.0: 1}}
    [years] = [s for s in summarize(survey.id, spec, None, "en", public=False) if s.key == "years"]
    assert years.numbers[0].mean == 20 and years.numbers[0].median == 20
    vietnamese = question_counts(survey.id, spec.question("repairs"), None, Filters(locale="vi"))
    assert vietnamese.numbers == {"all": {2.0: 1}}


def test_small_groups_are_flagged_for_staff_and_hidden_publicly(survey) -> None:
    for _ in range(12):
        answer(survey, "web", "en", {"tenure": "2", "race_ethnicity": "4"})
    for _ in range(14):
        answer(survey, "web", "en", {"tenure": "2", "race_ethnicity": "7"})
    for _ in range(3):
        answer(survey, "web", "en", {"tenure": "1", "race_ethnicity": "2"})
    spec = survey_spec(survey)
    staff = next(s for s in summarize(survey.id, spec, "race_ethnicity", "en", public=False)
                 if s.key == "tenure")
    public = next(s for s in summarize(survey.id, spec, "race_ethnicity", "en", public=True)
                  if s.key == "tenure")
    asian = [c.group for c in staff.columns].index("asian")
    assert staff.columns[asian].n == 3 and staff.rows[0].figures[asian].small
    assert public.columns[asian].n is None and public.hidden_any
    assert all(row.figures[asian].count is None for row in public.rows)
    # all respondents minus the Hispanic and the White residents would be the three Asian
    # ones: the smaller of the two is hidden with them, the other stays
    n = {c.group: c.n for c in public.columns}
    assert n["hispanic"] is None and n["white"] == 14


def test_api_is_public_only_once_published_and_suppressed(client, db, survey) -> None:
    for _ in range(11):
        answer(survey, "web", "en", {"tenure": "2", "comments": "call me at 206 555 0100"})
    answer(survey, "web", "en", {"tenure": "1"})
    db.commit()
    assert client.get("/api/v1/surveys/results/results").status_code == 404
    survey.results_published_at = utcnow()
    db.commit()
    data = client.get("/api/v1/surveys/results/results").get_json()
    tenure = next(q for q in data["questions"] if q["key"] == "tenure")
    counts = {a["value"]: a["counts"][0] for a in tenure["answers"]}
    assert counts["own"] is None, "a single owner is hidden"
    assert counts["rent"] is None, "and rent too: with n = 12 shown, 11 would give the owner away"
    assert tenure["groups"][0]["n"] == 12
    assert "call me" not in str(data) and "555 0100" not in str(data), "free text stays inside"
    assert "modelled" in data["intervals"]


def test_csv_export_is_suppressed(client, db, login, survey) -> None:
    for _ in range(10):
        answer(survey, "web", "en", {"tenure": "2"})
    answer(survey, "web", "en", {"tenure": "1"})
    db.commit()
    login("viewer")
    response = client.get(f"/staff/surveys/{survey.id}/results.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    tenure = {r["answer"]: r["count"] for r in rows if r["question"] == "tenure"}
    assert tenure == {"own": "", "rent": ""}, "one owner hidden, and rent with it"
    assert {r["hidden"] for r in rows if r["question"] == "tenure"} == {"1"}
    page = client.get(f"/staff/surveys/{survey.id}/results?by=channel").get_data(as_text=True)
    assert "small-cell" in page, "staff see the small cell, flagged"


def test_charts_are_svg_without_scripts(client, db, login, survey) -> None:
    for _ in range(3):
        answer(survey, "web", "en", {"tenure": "2", "race_ethnicity": "2"})
    db.commit()
    login("planner")
    chart = client.get(f"/staff/surveys/{survey.id}/results/tenure.svg?by=race_ethnicity")
    assert chart.mimetype == "image/svg+xml"
    svg = chart.get_data(as_text=True)
    assert "<svg" in svg[:200] and "<script" not in svg and "Own or rent?" in svg
    assert client.get(f"/staff/surveys/{survey.id}/results/years.svg").status_code == 404
    page = client.get(f"/staff/surveys/{survey.id}/results?by=race_ethnicity").get_data(as_text=True)
    assert f"/staff/surveys/{survey.id}/results/tenure.svg?by=race_ethnicity" in page


def test_index_of_disparity_and_best_off_group(survey) -> None:
    for channel, tenures in (("web", ["2"] * 10), ("sms", ["2"] * 5 + ["1"] * 5)):
        for tenure in tenures:
            answer(survey, channel, "en", {"tenure": tenure})
    spec = survey_spec(survey)
    tenure = next(s for s in summarize(survey.id, spec, "channel", "en", public=False)
                  if s.key == "tenure")
    rent = next(r for r in tenure.rows if r.value == "rent")
    # overall 15/20 = 0.75; |1.0 - 0.75| and |0.5 - 0.75| average 0.25, a third of 0.75
    assert rent.disparity == pytest.approx(100 / 3)
    assert rent.best_group == "Web"


def test_gaps_carry_newcombe_intervals(client, db, login, survey) -> None:
    for channel, tenures in (("web", ["2"] * 12), ("sms", ["2"] * 6 + ["1"] * 6)):
        for tenure in tenures:
            answer(survey, channel, "en", {"tenure": tenure})
    db.commit()
    spec = survey_spec(survey)
    tenure = next(s for s in summarize(survey.id, spec, "channel", "en", public=False)
                  if s.key == "tenure")
    rent = next(r for r in tenure.rows if r.value == "rent")
    sms = next(g for g in rent.gaps if g.group == "SMS")
    assert sms.rate.estimate == pytest.approx(0.5) and sms.best_group == "Web"
    assert sms.gap_to_best.estimate == pytest.approx(-0.5)
    assert sms.gap_to_best.low < -0.5 < sms.gap_to_best.high < 0, "a real gap: excludes 0"
    login("planner")
    page = client.get(f"/staff/surveys/{survey.id}/results?by=channel").get_data(as_text=True)
    assert "Gap to the highest group" in page


def test_an_answer_nobody_chose_still_renders(client, db, login, survey) -> None:
    # transport options: 1 bus, 2 walk, 3 car (nobody takes the car here)
    for channel, picks in (("web", ["1"] * 11), ("sms", ["1"] * 6 + ["2"] * 5)):
        for pick in picks:
            answer(survey, channel, "en", {"tenure": "1", "transport": pick})
    db.commit()
    login("planner")
    page = client.get(f"/staff/surveys/{survey.id}/results?by=channel")
    assert page.status_code == 200 and "Gap to the highest group" in page.get_data(as_text=True)


def test_a_long_list_of_written_answers_says_it_is_the_most_recent(client, db, login, survey) -> None:
    """The results page lists 200 written answers a question: it said "200 written
    answers" when there were more."""
    comments = next(q for q in survey.questions if q.key == "comments")
    start = utcnow()
    for i in range(TEXTS_SHOWN + 1):
        response = Response(survey_id=survey.id, token=f"{i:032d}", channel="web", locale="en")
        db.add(response)
        db.flush()
        db.add(Answer(response_id=response.id, question_id=comments.id, text=f"Comment {i:03d}.",
                      answered_at=start + timedelta(minutes=i)))
    db.commit()
    login("viewer")
    page = client.get(f"/staff/surveys/{survey.id}/results").get_data(as_text=True)
    assert f"The {TEXTS_SHOWN} most recent written answers" in page
    assert f"Comment {TEXTS_SHOWN:03d}." in page and "Comment 000." not in page
    db.execute(Answer.__table__.delete().where(Answer.text == "Comment 000."))
    db.commit()
    page = client.get(f"/staff/surveys/{survey.id}/results").get_data(as_text=True)
    assert f"{TEXTS_SHOWN} written answers" in page and "most recent" not in page
