"""What browsers are told to keep: nothing of a staff page or export; and production
is HTTPS only (HSTS)."""

from __future__ import annotations

from flask import Flask

from config import ProductionConfig
from engage import STAFF_PREFIX


def test_staff_pages_and_exports_are_never_stored(client, login, make_survey) -> None:
    survey = make_survey()
    assert client.get("/staff/login").headers["Cache-Control"] == "no-store"
    login("admin")
    for url in ("/staff/", f"/staff/surveys/{survey.id}/results",
                f"/staff/surveys/{survey.id}/results.csv", f"/staff/surveys/{survey.id}/responses.csv",
                "/staff/audit"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_every_page_that_needs_a_role_is_under_the_staff_prefix(app: Flask) -> None:
    """The no-store rule goes by the path: a staff page elsewhere would be cached."""
    for rule in app.url_map.iter_rules():
        if getattr(app.view_functions[rule.endpoint], "required_permission", None):
            assert rule.rule.startswith(STAFF_PREFIX), rule.rule


def test_production_answers_with_hsts_development_does_not(client, other_app) -> None:
    production = other_app(ProductionConfig, SECRET_KEY="s" * 32, PHONE_HASH_KEY="h" * 32,
                           PHONE_ENCRYPTION_KEY="MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=")
    header = production.test_client().get("/staff/login").headers.get("Strict-Transport-Security")
    assert header == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/staff/login").headers
