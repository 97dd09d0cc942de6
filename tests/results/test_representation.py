"""Who is missing: respondents' shares against the census baseline, per area."""

from __future__ import annotations

import pytest

from engage.demographics import baselines
from engage.org.models import Area
from engage.results.representation import representation, respondent_cells
from engage.surveys import operations
from engage.surveys.standard_questions import add_standard_questions
from tests.demographics.test_census import TRACT_A, TRACT_B, data_csv
from tests.factories import survey_data
from tests.results.test_results import answer


@pytest.fixture
def surveyed(db):  # type: ignore[no-untyped-def]
    north, south = Area(slug="north", name={"en": "North"}), Area(slug="south", name={"en": "South"})
    db.add_all([north, south])
    db.flush()
    survey = operations.create_survey(survey_data("rep", area_ids=[north.id, south.id]))
    add_standard_questions(survey, ["race_ethnicity", "area", "home_language"])
    operations.publish_survey(survey)
    baselines.import_baseline(data_csv("B03002"))
    baselines.import_baseline(data_csv("C16001"))
    baselines.map_geography(TRACT_A, "north")
    baselines.map_geography(TRACT_B, "south")
    db.commit()
    return survey


def test_race_answers_map_to_census_groups_per_area(surveyed) -> None:
    # race options: 1 aian 2 asian 3 black 4 hispanic 5 mena 6 nhpi 7 white 8 prefer not
    # area options: 1 north 2 south 3 elsewhere 4 prefer not
    for race, area in (("2", "1"), ("2,4", "1"), ("5", "1"), ("2,7", "2"), ("8", "2")):
        answer(surveyed, "sms", "en", {"race_ethnicity": race, "area": area})
    cells = respondent_cells(surveyed.id, "race_ethnicity")
    assert cells["north"] == {"nh_asian": 1, "hispanic": 1, "nh_white": 1}, "MENA counts as White"
    assert cells["south"] == {"nh_two_or_more": 1}, "prefer-not-to-say is left out"
    assert cells["all"] == {"nh_asian": 1, "hispanic": 1, "nh_white": 1, "nh_two_or_more": 1}


def test_representation_index_flags_missing_groups(surveyed) -> None:
    for _ in range(9):
        answer(surveyed, "sms", "en", {"race_ethnicity": "7", "area": "1"})
    answer(surveyed, "sms", "en", {"race_ethnicity": "2", "area": "1"})
    north = {r.group: r for r in representation(surveyed.id, "race_ethnicity")["north"]}
    population = sum(r.population for r in north.values())
    asian = north["nh_asian"]
    assert asian.respondents == 1 and asian.respondent_share.estimate == pytest.approx(0.1)
    assert asian.population_share == pytest.approx(asian.population / population)
    assert asian.index == pytest.approx(0.1 / asian.population_share)
    assert asian.under_represented is (asian.index < 0.8)
    assert north["hispanic"].respondents == 0 and north["hispanic"].under_represented


def test_staff_page_and_no_baseline_message(client, login, surveyed) -> None:
    login("staff")
    page = client.get(f"/staff/surveys/{surveyed.id}/representation?dimension=home_language")
    assert page.status_code == 200 and "North" in page.get_data(as_text=True)
    page = client.get(f"/staff/surveys/{surveyed.id}/representation?dimension=tenure")
    assert "No census figures are mapped" in page.get_data(as_text=True)
