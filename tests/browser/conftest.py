"""Real-browser fixtures: Debian's Chromium driven through Playwright (never a downloaded
browser), against the live server of tests/live.py. Skipped, saying why, only where
/usr/bin/chromium is absent (and never under CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("ENGAGE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: no Chromium at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
                    "(.ci/run does) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_factory(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """New isolated browser contexts (cookies, language, JavaScript on or off)."""
    contexts = []

    def make(locale: str = "en-US", javascript: bool = True, width: int = 390, height: int = 844):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale=locale, java_script_enabled=javascript,
                                      viewport={"width": width, "height": height},
                                      bypass_csp=True)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core (the copy packaged with axe-playwright-python, no network) on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in impacts
    ]


def staff_page(server, page_factory, email: str, password: str):  # type: ignore[no-untyped-def]
    """A desktop-sized page signed in as ``email``, on the staff dashboard."""
    page = page_factory(width=1280, height=900)
    page.goto(f"{server.url}/staff/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("button.primary").click()
    page.wait_for_url(f"{server.url}/staff/")
    return page
