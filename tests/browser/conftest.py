"""Real-browser fixtures: the app served on 127.0.0.1 from a thread, with its own
committed data, driven by Debian's Chromium through Playwright (never a downloaded
browser). Skipped, saying why, only where /usr/bin/chromium is absent."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from config import TestingConfig
from engage import create_app
from engage.extensions import db

CHROMIUM = Path(os.environ.get("ENGAGE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


@dataclass
class LiveServer:
    app: Flask
    url: str

    def run(self, fn):  # type: ignore[no-untyped-def]
        """Run ``fn`` in the served app's context and commit (test setup)."""
        with self.app.app_context():
            result = fn()
            db.session.commit()
            return result


@pytest.fixture(scope="module")
def live_server(app: Flask) -> Iterator[LiveServer]:
    """Serves the app on the test database, per test module. What the browser commits
    is real, so the tables are emptied afterwards for the tests that follow."""
    served = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                        LOGIN_RATE_LIMIT="1000 per minute")
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(served, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        with served.app_context():
            _empty_tables()
            db.engine.dispose()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))


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
