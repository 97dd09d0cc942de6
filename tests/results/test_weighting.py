"""Weighting to the census: raked on SQL-counted cells, shown beside unweighted figures."""

from __future__ import annotations

import pytest

from engage.results.summary import summarize
from engage.results.weighting import compute_weights, margins
from engage.surveys.queries import survey_spec
from tests.results.test_representation import surveyed  # noqa: F401 - the fixture
from tests.results.test_results import answer


def test_weights_pull_respondents_toward_the_population(surveyed) -> None:  # noqa: F811
    # race: 2 asian, 7 white; area: 1 north; home language 1 en, 2 es
    for _ in range(8):
        answer(surveyed, "sms", "en", {"race_ethnicity": "7", "area": "1", "home_language": "1"})
    for _ in range(2):
        answer(surveyed, "sms", "en", {"race_ethnicity": "2", "area": "1", "home_language": "2"})
    weights = compute_weights(surveyed.id)
    assert weights is not None and weights.dimensions == ("race_ethnicity", "area")
    assert weights.n == 10 and weights.n_eff <= 10 and weights.design_effect >= 1
    spec = survey_spec(surveyed)
    summary = next(s for s in summarize(surveyed.id, spec, None, "en", public=False, weights=weights)
                   if s.key == "home_language")
    spanish = next(r for r in summary.rows if r.value == "es").figures[0]
    assert spanish.share.estimate == pytest.approx(0.2)
    # only Asian respondents answered Spanish: weighted, their share is the Asian weight's share
    asian, white = weights.weight(("nh_asian", "", "north")), weights.weight(("nh_white", "", "north"))
    assert spanish.weighted.estimate == pytest.approx(2 * asian / (2 * asian + 8 * white))
    # and that is the census share the Asian group was raked to (groups with no respondents
    # are merged into the closest ones first, as the notes say)
    population = margins("all")["race_ethnicity"]
    assert asian > 1 > white and population["nh_asian"] / sum(population.values()) > 0.2
    assert summary.columns[0].n_eff == pytest.approx(weights.n_eff)


def test_no_baseline_no_weights(db, make_survey) -> None:
    survey = make_survey()
    assert compute_weights(survey.id) is None


def test_weighted_api_and_page(client, db, login, surveyed) -> None:  # noqa: F811
    from engage.core.clock import utcnow

    for race in ("7", "7", "2"):
        answer(surveyed, "sms", "en", {"race_ethnicity": race, "area": "1"})
    surveyed.results_published_at = utcnow()
    db.commit()
    data = client.get(f"/api/v1/surveys/{surveyed.slug}/results?weighted=1").get_json()
    assert data["weighting"]["dimensions"] == ["race_ethnicity", "area"]
    assert "weighted_shares" in data["questions"][0]["answers"][0]
    login("planner")
    page = client.get(f"/staff/surveys/{surveyed.id}/results?weighted=1").get_data(as_text=True)
    assert "Effective sample size" in page and "weighted" in page
