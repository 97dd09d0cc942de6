"""A planner, in a real browser, turns a result into a finding, answers it with an
action in every language, publishes the report; a resident reads it in Spanish."""

from __future__ import annotations

from engage.demo import DEMO_PASSWORD, load_demo
from tests.browser.conftest import axe_violations, staff_page


def test_planner_closes_the_loop_and_residents_read_it_in_spanish(live_server,
                                                                 page_factory) -> None:
    live_server.run(lambda: load_demo(120))
    page = staff_page(live_server, page_factory, "planner@example.org", DEMO_PASSWORD)
    page.get_by_role("link", name="Your neighborhood, your say").click()
    page.get_by_role("link", name="Results", exact=True).click()
    page.select_option("select#by", "locale")
    page.get_by_role("button", name="Show").click()
    # the link is on the page before "Show" too: wait for the page shown by language
    page.wait_for_url("**by=locale**")
    page.get_by_role("link", name="Record a finding").first.click()
    page.wait_for_url("**/findings/**")
    page.fill("input[name=title]", "Bus riders want more frequent service")
    page.fill("textarea[name=reading]", "Read with the language breakdown.")
    page.locator("input[name=objective_ids]").first.check()
    page.get_by_role("button", name="Save finding").click()
    assert "Figures frozen on" in page.content()
    page.fill("textarea[name=text__en]", "Run route 7 every 10 minutes.")
    page.fill("textarea[name=text__es]", "La ruta 7 pasará cada 10 minutos.")
    page.fill("textarea[name=text__vi]", "Tuyến 7 sẽ chạy mỗi 10 phút.")
    page.select_option("select[name=status]", "adopted")
    page.get_by_role("button", name="Add action").click()
    assert "Action added." in page.content()
    page.locator("p a").filter(has_text="Your neighborhood, your say").click()
    page.get_by_role("button", name="Publish the report (again)").click()
    assert "The report is public." in page.content()

    resident = page_factory(locale="es-US")
    resident.goto(f"{live_server.url}/r/demo")
    assert resident.locator("html").get_attribute("lang") == "es"
    assert resident.get_by_role("heading", name="Lo que hicimos").count() == 1
    assert "La ruta 7 pasará cada 10 minutos." in resident.content()
    assert "Adoptada" in resident.content()
    assert "Read with the language breakdown." not in resident.content()
    assert axe_violations(resident) == []
