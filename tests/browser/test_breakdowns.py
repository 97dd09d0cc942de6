"""The breakdowns residents' groups most need, in a real browser on the demo (with its
multiracial respondents): race and ethnicity alone or in combination, gender identity and
disability, on the public report and the API (the staff page: test_results_page.py); a
filter is refused publicly, in JSON."""

from __future__ import annotations

import json

import pytest

from engage.demo import load_demo
from tests.browser.conftest import axe_violations

BREAKDOWNS = {"race_ethnicity": "Asian", "gender_identity": "Woman", "disability": "Walking or climbing stairs"}


@pytest.fixture
def demo(live_server):  # type: ignore[no-untyped-def]
    live_server.run(lambda: load_demo(160))
    return live_server


def test_the_public_report_and_api_by_race_gender_and_disability(demo, page_factory) -> None:
    page = page_factory(width=360)
    for by in BREAKDOWNS:
        reply = page.goto(f"{demo.url}/r/demo?by={by}&lang=es")
        assert reply.status == 200, by
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.locator("table").count() > 0
        api = page.goto(f"{demo.url}/api/v1/surveys/demo/results?by={by}")
        assert api.status == 200, by
        answer = json.loads(page.locator("body").inner_text())
        groups = {g["group"] for q in answer["questions"] for g in q["groups"]}
        assert len(groups) > 2, (by, groups)
    refused = page.goto(f"{demo.url}/api/v1/surveys/demo/results?channel=web")
    assert refused.status == 400
    error = json.loads(page.locator("body").inner_text())["error"]
    assert error["parameter"] == "channel"
    page.goto(f"{demo.url}/r/demo?by=race_ethnicity&lang=es")
    assert axe_violations(page) == []
