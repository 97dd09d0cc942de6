"""Residents answer in a real browser: Spanish, Arabic (right to left), JavaScript off,
and the pages pass axe-core's serious and critical checks."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from engage.demo import load_demo
from engage.demographics.standard import DIMENSIONS
from engage.surveys import operations
from engage.surveys.operations import ChoiceData, QuestionData
from tests.browser.conftest import axe_violations
from tests.factories import survey_data

TENURE = DIMENSIONS["tenure"].questions[0]


def spanish(server, text) -> str:  # type: ignore[no-untyped-def]
    with server.app.test_request_context(), force_locale("es"):
        return str(text)


@pytest.fixture(scope="module")
def demo(live_server):  # type: ignore[no-untyped-def]
    live_server.run(lambda: load_demo(30))
    return live_server


def answer_everything(page, max_pages: int = 40) -> int:  # type: ignore[no-untyped-def]
    """Answer each question the way a resident taps: the first option, a number, a
    sentence. Returns how many question pages were seen."""
    seen = 0
    while "/done" not in page.url:
        seen += 1
        assert seen <= max_pages, f"stuck at {page.url}"
        if page.locator("input[type=radio]").count():
            page.locator("label.option").first.click()
        elif page.locator("input[type=checkbox]").count():
            page.locator("label.option").nth(0).click()
        elif page.locator("textarea").count():
            page.fill("textarea", "Más luz en la calle")
        elif page.locator("input.text-input").count():
            page.fill("input.text-input", "7")
        page.locator("button[value=next]").click()
    return seen


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_demo_survey_in_spanish(demo, page_factory, javascript: bool) -> None:
    page = page_factory(locale="es-MX", javascript=javascript)
    page.goto(f"{demo.url}/s/demo")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Su vecindario, su voz"
    page.locator("button.primary").click()
    assert re.search(r"/s/demo/q$", page.url)
    assert page.locator("h1.prompt").inner_text().startswith(spanish(demo, TENURE.prompt))
    progress = page.locator(".progress-label").inner_text()
    assert progress.startswith("Pregunta 1")
    pages = answer_everything(page)
    assert pages >= 10
    assert "Gracias" in page.locator("h1").inner_text()
    # a reload of the thank-you page changes nothing and still thanks the resident
    page.reload()
    assert "Gracias" in page.locator("h1").inner_text()


def test_back_keeps_the_answer_on_a_phone(demo, page_factory) -> None:
    page = page_factory(locale="vi-VN", javascript=False)
    page.goto(f"{demo.url}/s/demo")
    page.locator("button.primary").click()
    page.locator("label.option", has=page.locator("input[value=rent]")).click()
    page.locator("button[value=next]").click()
    page.locator("button[value=back]").click()
    assert page.locator("input[value=rent]").is_checked()
    # tap targets stay large on a phone
    box = page.locator("label.option").first.bounding_box()
    assert box["height"] >= 44


@pytest.fixture(scope="module")
def arabic(live_server):  # type: ignore[no-untyped-def]
    def make() -> None:
        survey = operations.create_survey(survey_data(
            "sakan", locales=["ar", "en"], default_locale="ar", channels=["web"], sms_keyword=None,
            title={"ar": "السكن في حيّك", "en": "Housing"}, intro={"ar": "أخبرنا", "en": "Tell us"},
            thanks={"ar": "شكرا لك", "en": "Thanks"}))
        operations.add_question(survey, QuestionData(
            "single_choice", {"ar": "هل تملك منزلك أم تستأجره؟", "en": "Own or rent?"}, key="tenure",
            choices=[ChoiceData({"ar": "أملك", "en": "Own"}, "own"),
                     ChoiceData({"ar": "أستأجر", "en": "Rent"}, "rent")]))
        operations.add_question(survey, QuestionData(
            "free_text", {"ar": "ما الذي يجب أن تعرفه المدينة؟", "en": "Anything else?"}, key="say"))
        operations.publish_survey(survey)

    live_server.run(make)
    return live_server


def test_arabic_is_laid_out_right_to_left(arabic, page_factory) -> None:
    page = page_factory(locale="ar-EG")
    page.goto(f"{arabic.url}/s/sakan")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.locator("button.primary").click()
    option = page.locator("label.option").first
    radio = option.locator("input").bounding_box()
    text = option.locator("span").bounding_box()
    assert radio["x"] > text["x"], "in Arabic the radio button sits to the right of its label"
    option.click()
    page.locator("button[value=next]").click()
    page.fill("textarea", "المزيد من الحدائق")
    page.locator("button[value=next]").click()
    assert "شكرا" in page.content()


def test_public_pages_have_no_serious_accessibility_violations(demo, page_factory) -> None:
    page = page_factory(locale="en-US")
    page.goto(f"{demo.url}/s/demo")
    found = {"landing": axe_violations(page)}
    page.locator("button.primary").click()
    found["question"] = axe_violations(page)
    page.locator("button[value=next]").click()  # required: an error is shown
    found["error"] = axe_violations(page)
    answer_everything(page)
    found["done"] = axe_violations(page)
    page.goto(f"{demo.url}/s/no-such-survey")
    found["not found"] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_the_accessibility_check_finds_what_it_should(page_factory) -> None:
    page = page_factory()
    page.set_content('<html lang="en"><body><img src="x.png"><input type="text"></body></html>')
    assert {v["id"] for v in axe_violations(page)} >= {"image-alt", "label"}
