"""A planner reads results in a real browser: breakdown, weighting, charts, the
representativeness view; axe-core finds no serious or critical violation."""

from __future__ import annotations

from engage.accounts.operations import create_user, user_by_email
from engage.demo import load_demo
from tests.browser.conftest import axe_violations, staff_page
from tests.factories import PASSWORD


def test_planner_reads_results_and_who_is_missing(live_server, page_factory) -> None:
    def setup() -> None:
        load_demo(120)
        if user_by_email("reader@city.test") is None:
            create_user("reader@city.test", PASSWORD, "viewer")

    live_server.run(setup)
    page = staff_page(live_server, page_factory, "reader@city.test", PASSWORD)
    page.get_by_role("link", name="Your neighborhood, your say").click()
    page.get_by_role("link", name="Results", exact=True).click()
    page.select_option("select#by", "race_alone")
    page.check("input[name=weighted]")
    page.get_by_role("button", name="Show").click()
    assert "Effective sample size" in page.content()
    headers = page.locator("section.result").first.locator("thead th").all_inner_texts()
    assert any("Multiracial or multiethnic" in h for h in headers)
    chart = page.locator("img.chart").first
    chart.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    violations = {"results": axe_violations(page)}
    results = page.url.split("?")[0]
    # the multi-choice breakdowns (a resident in two groups) that once failed
    for by, group in {"race_ethnicity": "Asian", "gender_identity": "Woman",
                      "disability": "Walking or climbing stairs"}.items():
        assert page.goto(f"{results}?by={by}").status == 200, by
        headers = " ".join(page.locator("section.result").first.locator("thead th").all_inner_texts())
        assert group in headers, (by, headers)
    violations["results by race"] = axe_violations(page)
    assert page.goto(f"{results}?by=race").status == 400
    assert "race_ethnicity" in page.content()
    page.goto(results)
    page.goto(page.url.split("/results")[0] + "/representation")
    assert page.get_by_role("heading", name="Who is missing").count() == 1
    assert page.locator("tbody tr").count() > 3
    violations["representation"] = axe_violations(page)
    assert {k: v for k, v in violations.items() if v} == {}
