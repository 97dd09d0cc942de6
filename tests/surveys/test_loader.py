"""Every staff address that names a survey loads it the same way: the survey, or 404,
and only once the visitor may open the page."""

from __future__ import annotations

from flask import Flask

from engage.surveys.loader import with_survey
from tests.routes import routes

MISSING = "2147483647"


def survey_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, url) of every route under /staff with a survey id, for a survey that does
    not exist; other placeholders as the route-matrix test fills them."""
    return [(route.method, route.url({p.name: MISSING if p.name == "survey_id" else
                                      p.options[0] if p.options else "1"
                                      for p in route.placeholders}))
            for route in routes(app, "/staff") if "survey_id" in {p.name for p in route.placeholders}]


def test_a_survey_that_does_not_exist_is_not_found_on_every_page(app: Flask, client, login) -> None:
    login("admin")
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        found = survey_routes(app)
        assert len(found) >= 25
        for method, url in found:
            assert client.open(url, method=method).status_code == 404, (method, url)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def test_the_survey_is_looked_up_only_after_the_permission_check(app: Flask, client, login,
                                                                  make_survey) -> None:
    """A viewer is refused an editor's page (403), not told whether the survey exists."""
    survey = make_survey()
    login("viewer")
    for survey_id in (survey.id, MISSING):
        assert client.get(f"/staff/surveys/{survey_id}/edit").status_code == 403
        assert client.get(f"/staff/surveys/{survey_id}/themes/code").status_code == 403


def test_the_view_gets_the_survey_in_place_of_its_id(app: Flask, db, make_survey) -> None:
    survey = make_survey()
    seen = with_survey(lambda **kwargs: kwargs)(survey_id=survey.id, key="tenure")
    assert seen == {"survey": survey, "key": "tenure"}
    assert with_survey(lambda **kwargs: kwargs)(campaign_id=7) == {"campaign_id": 7}
