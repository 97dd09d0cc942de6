"""Error pages under /staff/ speak to staff, in the staff layout, with a way on; residents'
pages keep their own words. Staff were told to "start again from the link you were
sent" and that "your earlier answers are saved"."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import exc

from engage.dashboard import views as dashboard
from engage.org.models import Department
from tests.conftest import csrf_token, form_post

RESIDENT_404 = "Check the address, or start again from the link you were sent."


def staff_page(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert 'class="staff"' in page and 'href="/staff/"' in page, "staff layout, dashboard link"
    assert "answers" not in page, "nothing about a resident's answers"
    return page


@pytest.fixture
def served(app, monkeypatch):  # type: ignore[no-untyped-def]
    """Errors answered as a served app answers them, not raised into the test."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


def test_a_missing_record_says_so_and_leads_to_the_dashboard(client, login) -> None:
    login("staff")
    page = staff_page(client.get("/staff/surveys/2147483647"), 404)
    assert "This page or record does not exist, or was deleted." in page
    assert RESIDENT_404 not in page
    assert "Sign out" in page, "the staff menu"
    page = staff_page(client.get("/staff/no-such-page"), 404)
    assert "does not exist, or was deleted" in page


def test_residents_keep_their_not_found_page(client, db) -> None:
    response = client.get("/s/no-such-survey")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert RESIDENT_404 in page and "Page not found" in page
    assert 'class="public"' in page and "/staff/" not in page


def test_a_role_that_may_not_is_told_which_roles_may(client, login, make_survey) -> None:
    survey = make_survey()
    login("viewer")
    page = staff_page(client.get(f"/staff/surveys/{survey.id}/edit"), 403)
    assert "Your account cannot open this page or make this change." in page
    assert "Your role is Viewer. This needs one of these roles: Administrator and Engagement " \
           "staff." in page
    assert 'action="/staff/logout"' in page and "Sign in as another user" in page
    assert client.post("/staff/logout", data={"csrf_token": csrf_token(page)}).status_code == 302


def test_a_refusal_by_the_record_names_no_roles(client, db, login) -> None:
    """A planner may change plans, not another department's: their role is not why."""
    db.add(Department(slug="streets", name={"en": "Streets"}))
    db.commit()
    login("planner")
    page = staff_page(form_post(client, "/staff/plans/streets", what="goal", title="x"), 403)
    assert "Your account cannot open this page or make this change." in page
    assert "Your role is" not in page


def test_a_request_a_page_does_not_take(client, login, make_survey) -> None:
    survey = make_survey()
    login("staff")
    page = staff_page(client.get(f"/staff/surveys/{survey.id}/duplicate"), 405)
    assert "use the buttons and links on the page" in page


def test_too_much_in_a_staff_form(client, login) -> None:
    login("staff")
    page = staff_page(client.post("/staff/surveys/new", data={"title": "x" * 400_000}), 413)
    assert "shorten what you wrote" in page and "Please shorten your answer" not in page


def test_a_bug_on_a_staff_page(client, login, monkeypatch, served) -> None:
    login("staff")

    def broken() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(dashboard, "list_surveys", broken)
    page = staff_page(client.get("/staff/"), 500)
    assert "Something went wrong on our side" in page
    assert "Nothing you saved before was lost; a change you just sent was not saved." in page
    assert "tell your administrator" in page
    assert "Sign out" not in page, "no menu: it would ask the database again"


def test_a_database_that_cannot_write_on_a_staff_page(client, login, monkeypatch, served) -> None:
    login("staff")
    read_only = sqlite3.OperationalError("attempt to write a readonly database")
    read_only.sqlite_errorcode = sqlite3.SQLITE_READONLY  # type: ignore[attr-defined]

    def unwritable() -> None:
        raise exc.OperationalError("UPDATE survey SET slug = ?", {}, read_only)

    monkeypatch.setattr(dashboard, "list_surveys", unwritable)
    response = client.get("/staff/")
    page = staff_page(response, 503)
    assert response.headers["Retry-After"] == "120"
    assert "Changes cannot be saved right now" in page
    assert "Nothing you saved before was lost" in page and "We cannot take answers" not in page
