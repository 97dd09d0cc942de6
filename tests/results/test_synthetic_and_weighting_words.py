"""What results count, said on the page: the switch for demo and simulator responses on
results and who is missing, counts that agree with the surveys list, and weighting
explained in words (never codes) in the reader's language."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select, update

from engage.core.clock import utcnow
from engage.demographics import baselines
from engage.engine import start
from engage.org.models import Area
from engage.responses import operations as responses
from engage.responses.models import Response
from engage.results.filters import Filters
from engage.results.queries import question_counts, response_counts
from engage.surveys import operations
from engage.surveys.queries import survey_spec
from engage.surveys.standard_questions import add_standard_questions
from tests.demographics.test_census import TRACT_A, TRACT_B, data_csv
from tests.factories import survey_data
from tests.results.test_results import answer, survey  # noqa: F401 - the fixture

# race options: 1 aian 2 asian 3 black 4 hispanic 5 mena 6 nhpi 7 white 8 prefer not
# area options: 1 Northgate 2 Riverside 3 Eastside (no census figures) 4 elsewhere 5 prefer not
RAW_CODES = ("race_ethnicity", "prefer_not", "elsewhere", "nh_", "''", "age_band", "zone-")


def text(page: str) -> str:
    """What a reader sees: tags gone, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def section(page: str, heading_id: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert match, f"no section {heading_id}"
    return text(match.group(0))


def synthetic(db, made, n: int, typed: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """``n`` demo responses, labelled as the demo and the simulators label theirs (call it
    before any real response: it labels all of the survey's)."""
    for _ in range(n):
        answer(made, "web", "en", typed)
    db.execute(update(Response).where(Response.survey_id == made.id).values(synthetic=True))


def unfinished_synthetic(made) -> None:  # type: ignore[no-untyped-def]
    responses.start_response(made, start(survey_spec(made, "sms"), "en"), "sms", synthetic=True)


# --- A. The switch --------------------------------------------------------------------------

def test_counts_real_and_synthetic_in_one_statement(db, survey) -> None:  # noqa: F811
    synthetic(db, survey, 3, {"tenure": "1"})
    unfinished_synthetic(survey)
    answer(survey, "sms", "en", {"tenure": "2"})
    counts = response_counts(survey.id, Filters(include_synthetic=False))
    assert counts == (1, 4, 1, 3, 0), "both kinds, whatever the filter says about synthetic ones"
    assert response_counts(survey.id, Filters(channel="sms")) == (1, 1, 1, 0, 0)


def test_a_response_set_aside_is_not_counted_but_said(db, survey) -> None:  # noqa: F811
    """A resident who started again is counted once, by the response they went on with;
    the page says how many were set aside."""
    answer(survey, "sms", "en", {"tenure": "2"})
    first = db.scalars(select(Response).where(Response.survey_id == survey.id)).one()
    responses.set_aside(first)
    answer(survey, "sms", "en", {"tenure": "1"})
    assert response_counts(survey.id, Filters(include_synthetic=False)) == (1, 0, 1, 0, 1)
    tenure = question_counts(survey.id, survey_spec(survey).question("tenure"), None)
    assert tenure.counts == {"all": {"own": 1}}, "the set-aside answer is kept, not counted"


def test_results_switch_says_what_is_counted_and_flips_it(client, db, login, survey) -> None:  # noqa: F811
    synthetic(db, survey, 3, {"tenure": "1"})
    unfinished_synthetic(survey)
    db.commit()
    login("planner")
    url = f"/staff/surveys/{survey.id}/results"

    only_demo = text(client.get(url).get_data(as_text=True))
    assert "Counting 4 demo and simulator responses. They are counted because this survey has no " \
           "real response yet." in only_demo
    assert "1 of them is not finished" in only_demo

    for _ in range(2):
        answer(survey, "sms", "en", {"tenure": "2"})
    db.commit()
    page = client.get(url).get_data(as_text=True)
    seen = text(page)
    assert "Counting 2 real responses. 4 demo and simulator responses are not counted. Include them" in seen
    assert "Include demo and simulator responses 4 responses, not counted now" in seen
    assert re.search(r'<input type="checkbox" name="synthetic" value="1">.{0,200}'
                     r'<input type="hidden" name="synthetic" value="0">', page, re.S), \
        "unticked, and the box's value is sent before the hidden 0, so it is the one read"
    assert "n = 2" in seen and "n = 5" not in seen
    link = re.search(r'<a href="([^"]+)">Include them</a>', page)
    assert link and "synthetic=1" in html.unescape(link.group(1))

    included = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    seen = text(included)
    assert "Counting 6 responses: 2 real and 4 demo and simulator. Leave them out" in seen
    assert "Include demo and simulator responses 4 responses, counted now" in seen
    assert re.search(r'<input type="checkbox" name="synthetic" value="1" checked>', included)
    assert "n = 5" in seen, "the demo's tenure answers are counted now"
    # the form sends the box's 1 before the hidden 0 when ticked, only the 0 when not
    assert "n = 5" in text(client.get(f"{url}?synthetic=1&synthetic=0").get_data(as_text=True))
    assert "n = 2" in text(client.get(f"{url}?synthetic=0").get_data(as_text=True))


def test_surveys_list_shows_real_and_synthetic_apart_matching_results(client, db, login, survey) -> None:  # noqa: F811
    synthetic(db, survey, 3, {"tenure": "1"})
    unfinished_synthetic(survey)
    for _ in range(2):
        answer(survey, "sms", "en", {"tenure": "2"})
    db.commit()
    login("planner")
    board = client.get("/staff/").get_data(as_text=True)
    row = text(re.search(rf"<tr>\s*<th scope=\"row\"><a href=\"/staff/surveys/{survey.id}\".*?</tr>",
                         board, re.S).group(0))
    assert "2 + 3 demo and simulator responses 0 + 1 demo or simulator response" in row
    assert "Results leave demo and simulator responses out once a survey has a real one" in text(board)
    # the results page counts 2 (= 2 complete + 0 in progress), or all 6 when asked, and says
    # which of those the list shows as in progress
    results = text(client.get(f"/staff/surveys/{survey.id}/results").get_data(as_text=True))
    assert "Counting 2 real responses." in results and "not finished" not in results
    asked = text(client.get(f"/staff/surveys/{survey.id}/results?synthetic=1").get_data(as_text=True))
    assert "Counting 6 responses" in asked
    assert "1 of them is not finished and counts for the questions it answered; the surveys list " \
           "shows it under “In progress”, not “Complete”." in asked


# --- B. Weighting in words ------------------------------------------------------------------

@pytest.fixture
def city(db):  # type: ignore[no-untyped-def]
    """Three neighbourhoods with Spanish names; census figures for two of them."""
    areas = [Area(slug="zone-n", name={"en": "Northgate", "es": "Puerta Norte"}),
             Area(slug="zone-r", name={"en": "Riverside", "es": "Ribera"}),
             Area(slug="zone-e", name={"en": "Eastside", "es": "Lado Este"})]
    db.add_all(areas)
    db.flush()
    made = operations.create_survey(survey_data("city", area_ids=[a.id for a in areas]))
    add_standard_questions(made, ["race_ethnicity", "area", "home_language"])
    operations.publish_survey(made)
    baselines.import_baseline(data_csv("B03002"))
    baselines.map_geography(TRACT_A, "zone-n")
    baselines.map_geography(TRACT_B, "zone-r")
    db.commit()
    return made


@pytest.fixture
def answered(city, db):  # type: ignore[no-untyped-def]
    for _ in range(8):
        answer(city, "sms", "en", {"race_ethnicity": "7", "area": "1"})
    for _ in range(2):
        answer(city, "sms", "en", {"race_ethnicity": "2", "area": "2"})
    for _ in range(3):
        answer(city, "sms", "en", {"area": "1"})
    for _ in range(2):
        answer(city, "sms", "en", {"race_ethnicity": "8", "area": "1"})
    for _ in range(4):
        answer(city, "sms", "en", {"race_ethnicity": "7", "area": "3"})
    answer(city, "sms", "en", {"race_ethnicity": "7", "area": "5"})
    answer(city, "sms", "en", {"race_ethnicity": "7", "area": "4"})
    db.commit()
    return city


def weighting(client, made, **headers: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/surveys/{made.id}/results?weighted=1", headers=headers)
    assert page.status_code == 200
    return section(page.get_data(as_text=True), "weights-h")


def test_weighting_is_explained_in_words(client, login, answered) -> None:
    login("planner")
    seen = weighting(client, answered, **{"Accept-Language": "en"})
    assert seen.startswith("Weighted (10 of 21 respondents, 48%)"), "the label says the share weighted"
    assert "Weighted to the census for Northgate and Riverside." in seen
    assert "Raked to the census by: Race and ethnicity and Neighborhood." in seen
    assert "11 of 21 respondents could not be weighted and count as average respondents:" in seen
    for reason in ("4 live in Eastside, which has no census baseline",
                   "3 did not answer the “Race and ethnicity” question",
                   "2 preferred not to answer the “Race and ethnicity” question",
                   "1 preferred not to answer the “Neighborhood” question",
                   "1 answered “Somewhere else” to the “Neighborhood” question"):
        assert reason in seen
    assert "Nobody answered in the group “Hispanic or Latino (any race)” (8.8% of the population), so its " \
           "share is added to “Asian, not Hispanic”." in seen, "census groups by the census's names"
    for code in RAW_CODES:
        assert code not in seen, code


def test_weighting_is_explained_in_the_readers_language(client, login, answered) -> None:
    login("planner")
    seen = weighting(client, answered, **{"Accept-Language": "es"})
    assert re.match(r"\S+ \(10 \D+ 21 \D+, 48 %\)", seen), "Spanish numbers: a space before %"
    for words in ("Puerta Norte y Ribera", "Lado Este", "Raza y etnia", "Vecindario", "En otro lugar",
                  "Hispano o Latino (de cualquier raza)"):
        assert words in seen, words
    for english in ("Northgate", "Eastside", "Race and ethnicity", "Neighborhood", "Somewhere else"):
        assert english not in seen, english
    for code in RAW_CODES:
        assert code not in seen, code


def test_weighting_explained_in_the_api(client, db, answered) -> None:
    answered.results_published_at = utcnow()
    db.commit()
    data = client.get(f"/api/v1/surveys/{answered.slug}/results?weighted=1").get_json()["weighting"]
    assert data["weighted_share"] == round(10 / 21, 4) and data["n"] == 21
    assert {"dimensions", "effective_n", "design_effect", "notes"} <= set(data), "its keys stay"
    explanation = data["explanation"]
    assert explanation.startswith("Weighted to the census for Northgate and Riverside. 11 of 21 "
                                  "respondents could not be weighted")
    assert "4 live in Eastside, which has no census baseline; 3 did not answer" in explanation
    for code in RAW_CODES:
        assert code not in explanation, code


def test_who_is_missing_has_the_switch(client, db, login, city) -> None:
    synthetic(db, city, 3, {"race_ethnicity": "2", "area": "1"})
    answer(city, "sms", "en", {"race_ethnicity": "7", "area": "1"})
    db.commit()
    login("staff")
    url = f"/staff/surveys/{city.id}/representation"
    asian = re.compile(r"Asian, not Hispanic (\d+)")

    page = text(client.get(url).get_data(as_text=True))
    assert "Counting 1 real response. 3 demo and simulator responses are not counted. Include them" in page
    assert "Include demo and simulator responses 3 responses, not counted now" in page
    assert asian.search(page).group(1) == "0"

    page = text(client.get(f"{url}?synthetic=1&synthetic=0").get_data(as_text=True))
    assert "Counting 4 responses: 1 real and 3 demo and simulator. Leave them out" in page
    assert "3 responses, counted now" in page
    assert asian.search(page).group(1) == "3"
