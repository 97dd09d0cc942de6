"""``make screenshots``: a survey question at phone width in each shipped language,
written to docs/screenshots/ for the README. Uses Debian's Chromium, a throwaway SQLite
database and the standard demographic questions (translated in every UI language)."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from config import TestingConfig
from engage import create_app
from engage.extensions import db
from engage.surveys import operations
from engage.surveys.operations import SurveyData
from engage.surveys.standard_questions import add_standard_questions
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TITLES = {
    "en": "Your neighborhood, your say", "es": "Su vecindario, su voz",
    "vi": "Khu phố của bạn, tiếng nói của bạn", "tl": "Ang inyong kapitbahayan, ang inyong tinig",
    "zh_Hans": "您的社区，您的声音", "ar": "حيّك، صوتك",
}


def build_survey() -> None:
    locales = list(TITLES)
    survey = operations.create_survey(SurveyData(
        slug="showcase", title=TITLES, intro=TITLES, thanks=TITLES, default_locale="en",
        locales=locales, channels=["web"]))
    add_standard_questions(survey, ["race_ethnicity", "tenure"])
    operations.publish_survey(survey)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/shots.db")
        with app.app_context():
            upgrade()
            build_survey()
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                for locale in TITLES:
                    context = browser.new_context(viewport={"width": 390, "height": 844},
                                                  java_script_enabled=False)
                    page = context.new_page()
                    page.goto(f"{url}/s/showcase?lang={locale}")
                    page.locator("button.primary").click()
                    page.wait_for_url("**/q")
                    page.wait_for_load_state("load")
                    path = OUT / f"survey-{locale}.png"
                    page.screenshot(path=str(path))
                    print(f"wrote {path.relative_to(OUT.parents[1])}")
                    context.close()
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
