"""The phone, outreach and plan pages in a real browser: the call simulator runs a call
from its keypad, and axe-core finds no serious or critical violation on any of them."""

from __future__ import annotations

from sqlalchemy import func, select

from engage.demo import DEMO_PASSWORD, load_demo
from engage.extensions import db
from engage.outreach.models import Campaign
from engage.plans.models import Action, Finding
from engage.surveys.models import Survey
from tests.browser.conftest import axe_violations, staff_page


def _ids() -> dict[str, int]:
    """Ids as this database numbered them (sequences are not reset between modules)."""
    return {name: db.session.scalar(select(func.min(model.id)))
            for name, model in (("survey", Survey), ("campaign", Campaign),
                                ("finding", Finding), ("action", Action))}


def test_phone_outreach_and_plan_pages_are_accessible(live_server, page_factory) -> None:
    live_server.run(lambda: load_demo(60))
    ids = live_server.run(_ids)
    page = staff_page(live_server, page_factory, "admin@example.org", DEMO_PASSWORD)
    violations = {}

    page.goto(f"{live_server.url}/staff/voice/simulator")
    page.get_by_role("button", name="Call", exact=True).click()
    assert "For English, press 1." in page.content()
    page.get_by_role("group", name="Keypad").get_by_role("button", name="1").click()
    assert "Your neighborhood, your say" in page.content()
    violations["call simulator"] = axe_violations(page)

    survey = ids["survey"]
    for name, path in (("voices", f"/staff/voice/surveys/{survey}"),
                       ("contacts", "/staff/outreach/contacts"),
                       ("campaigns", "/staff/outreach/campaigns"),
                       ("campaign", f"/staff/outreach/campaigns/{ids['campaign']}"),
                       ("new campaign", f"/staff/outreach/surveys/{survey}/campaigns/new"),
                       ("plan", "/staff/plans/housing"),
                       ("dashboard", "/staff/plans/dashboard"),
                       ("findings", f"/staff/surveys/{survey}/findings"),
                       ("finding", f"/staff/findings/{ids['finding']}"),
                       ("action", f"/staff/actions/{ids['action']}")):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        violations[name] = axe_violations(page)
    assert {k: v for k, v in violations.items() if v} == {}
