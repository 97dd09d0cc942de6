"""A database that cannot be written (read-only, disk full) answers 503 with a page that
says so, an operator's log line says why, and /health tells a monitor. It was a 500
"something went wrong" on every page, public ones too."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask import Flask

from engage.extensions import db
from engage.surveys import operations
from tests.conftest import csrf_token
from tests.factories import QUESTIONS, survey_data


def publish_demo_survey(app: Flask) -> None:
    with app.app_context():
        survey = operations.create_survey(survey_data("housing"))
        for question in QUESTIONS:
            operations.add_question(survey, question)
        operations.publish_survey(survey)
        db.session.commit()


def start_answering(client):  # type: ignore[no-untyped-def]
    page = client.get("/s/housing")
    assert page.status_code == 200  # reading still works
    return client.post("/s/housing/start", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                 "lang": "en"})


def assert_unavailable(response, reason: str, caplog) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "120"
    page = response.get_data(as_text=True)
    assert "We cannot take answers right now" in page and "earlier answers are saved" in page
    assert f"database unavailable: {reason}" in caplog.text


@pytest.fixture
def sqlite_file(tmp_path, app):  # type: ignore[no-untyped-def]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("a file of its own: the SQLite cases")
    from tests.security.conftest import migrated_sqlite

    url = migrated_sqlite(tmp_path / "engage.db")
    return url.removeprefix("sqlite:///")


def test_a_read_only_sqlite_file_gets_503_and_health_says_why(sqlite_file, other_app, caplog) -> None:
    writable = other_app(database_url=f"sqlite:///{sqlite_file}")
    publish_demo_survey(writable)
    assert writable.test_client().get("/health").get_json() == {
        "status": "ok", "database": {"ok": True, "reason": None}}
    read_only = other_app(database_url=f"sqlite:///file:{sqlite_file}?mode=ro&uri=true")
    client = read_only.test_client()
    with caplog.at_level(logging.ERROR):
        assert_unavailable(start_answering(client), "read-only", caplog)
        health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "database": {"ok": False, "reason": "read-only"}}


def test_a_full_disk_gets_503(sqlite_file, other_app, caplog) -> None:
    writable = other_app(database_url=f"sqlite:///{sqlite_file}")
    publish_demo_survey(writable)
    full = other_app(database_url=f"sqlite:///{sqlite_file}")
    with full.app_context():
        engine = db.engine

        @sa.event.listens_for(engine, "connect")
        def no_more_pages(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages}")
            cursor.close()

        engine.dispose()
    with caplog.at_level(logging.ERROR):
        # the first residents fit in the pages the file has; one of the next needs a new page
        for _ in range(300):
            response = start_answering(full.test_client())
            if response.status_code != 303:
                break
        assert_unavailable(response, "disk full", caplog)


def test_a_read_only_postgresql_gets_503(app, other_app, caplog) -> None:
    """A standby, or a database switched to read-only for maintenance."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL's read-only transactions")
    read_only = other_app(database_url=url, SQLALCHEMY_ENGINE_OPTIONS={
        "hide_parameters": True, "connect_args": {"options": "-c default_transaction_read_only=on"}})
    client = read_only.test_client()
    with caplog.at_level(logging.ERROR):
        health = client.get("/health")
    assert health.status_code == 503 and health.get_json()["database"]["reason"] == "read-only"
    assert "database unavailable: read-only" in caplog.text


def test_a_bug_is_still_a_500_not_a_503(other_app) -> None:
    """Only the database's state makes a 503: a mistake in a query stays a 500."""
    app = other_app()

    @app.get("/__broken_query")  # a route of the test's own
    def broken():  # type: ignore[no-untyped-def]
        db.session.execute(sa.text("SELECT no_such_column FROM staff_user"))

    response = app.test_client().get("/__broken_query")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
