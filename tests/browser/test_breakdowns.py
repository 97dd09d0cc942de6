"""The breakdowns residents' groups most need, in a real browser on the demo (with its
multiracial respondents): race and ethnicity alone or in combination, gender identity and
disability, on the staff results page, the public report and the API; an unknown
breakdown is refused with the ones that exist."""

from __future__ import annotations

import json

import pytest

from engage.accounts.operations import create_user, user_by_email
from engage.demo import load_demo
from tests.browser.conftest import axe_violations, staff_page
from tests.factories import PASSWORD

BREAKDOWNS = {"race_ethnicity": "Asian", "gender_identity": "Woman", "disability": "Walking or climbing stairs"}


@pytest.fixture
def demo(live_server):  # type: ignore[no-untyped-def]
    def setup() -> None:
        load_demo(160)
        if user_by_email("breakdowns@city.test") is None:
            create_user("breakdowns@city.test", PASSWORD, "viewer")

    live_server.run(setup)
    return live_server


def test_staff_read_every_multi_choice_breakdown(demo, page_factory) -> None:
    page = staff_page(demo, page_factory, "breakdowns@city.test", PASSWORD)
    page.get_by_role("link", name="Your neighborhood, your say").click()
    page.get_by_role("link", name="Results", exact=True).click()
    results = page.url.split("?")[0]
    for by, group in BREAKDOWNS.items():
        reply = page.goto(f"{results}?by={by}")
        assert reply.status == 200, by
        headers = " ".join(page.locator("section.result").first.locator("thead th").all_inner_texts())
        assert group in headers, (by, headers)
    assert axe_violations(page) == []
    assert page.goto(f"{results}?by=race").status == 400
    assert "race_ethnicity" in page.content()


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
