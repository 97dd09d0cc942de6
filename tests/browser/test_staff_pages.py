"""Staff in a real browser: import an XLSForm, preview it in Vietnamese, publish it;
the editor passes axe-core's serious and critical checks."""

from __future__ import annotations

from engage.accounts.operations import create_user, user_by_email
from engage.surveys.xlsform import XLSX_MIMETYPE
from tests.browser.conftest import axe_violations, staff_page
from tests.factories import PASSWORD
from tests.surveys.test_xlsform import form


def sign_in(server, page_factory):  # type: ignore[no-untyped-def]
    server.run(lambda: user_by_email("builder@city.test")
               or create_user("builder@city.test", PASSWORD, "staff"))
    page = staff_page(server, page_factory, "builder@city.test", PASSWORD)
    return page


def test_import_preview_in_vietnamese_and_publish(live_server, page_factory) -> None:
    page = sign_in(live_server, page_factory)
    page.get_by_role("link", name="Import").click()
    violations = {"import": axe_violations(page)}
    page.set_input_files("input[type=file]", files=[{
        "name": "housing.xlsx", "mimeType": XLSX_MIMETYPE, "buffer": form()}])
    page.locator("form button.primary").click()
    page.wait_for_url("**/staff/surveys/*")
    assert "Survey imported." in page.content()
    violations["overview"] = axe_violations(page)

    page.get_by_role("link", name="Preview in Tiếng Việt").click()
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_text("Sở hữu hay thuê?").count() == 1
    assert page.get_by_text("Xe buýt").count() == 1
    violations["preview"] = axe_violations(page)
    page.go_back()

    page.get_by_role("link", name="Edit").first.click()
    violations["question editor"] = axe_violations(page)
    page.go_back()
    page.get_by_role("button", name="Publish").click()
    assert page.locator(".status").first.inner_text() == "Published"

    resident = page_factory(locale="vi-VN")
    resident.goto(f"{live_server.url}/s/housing-2026")
    assert resident.locator("html").get_attribute("lang") == "vi"
    assert {name: v for name, v in violations.items() if v} == {}


def test_phone_simulator_in_the_browser(live_server, page_factory) -> None:
    from tests.factories import QUESTIONS, survey_data

    def survey() -> None:
        from engage.surveys import operations

        made = operations.create_survey(survey_data("texting", sms_keyword="TEXTME"))
        for question in QUESTIONS:
            operations.add_question(made, question)
        operations.publish_survey(made)

    live_server.run(survey)
    page = sign_in(live_server, page_factory)
    page.get_by_role("link", name="Phone simulator").click()
    for body in ("textme", "3", "1"):
        page.fill("textarea[name=body]", body)
        page.get_by_role("button", name="Send").click()
    bubbles = page.locator(".transcript .bubble")
    assert bubbles.count() == 6
    assert "1 English" in bubbles.nth(1).inner_text()
    assert "Sở hữu hay thuê?" in bubbles.nth(3).inner_text()
    assert "Đi lại" in bubbles.nth(5).inner_text(), "owners skip the repairs question"
    assert axe_violations(page) == []
