"""Test fixtures: one migrated database per run (SQLite by default, PostgreSQL when
ENGAGE_TEST_DATABASE_URL is set), each test inside a transaction rolled back after."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import orm

from config import TestingConfig, _normalise_db_url
from engage import create_app
from engage.extensions import db as _db
from engage.surveys.queries import _cached_spec

pytest_plugins = ["tests.factories", "tests.fake_twilio", "tests.live"]

# The fake Twilio and the live server are on loopback: never through a proxy.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
# An app made without a config (wsgi) is a testing one: never the development database,
# and its task queue is in memory unless ENGAGE_QUEUE_URL names one.
os.environ.setdefault("ENGAGE_ENV", "testing")


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("ENGAGE_TEST_DATABASE_URL")
    if url:
        return _normalise_db_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_schema(app: Flask) -> None:
    """Drop everything, then build the schema from the migrations (never create_all)."""
    engine = _db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade()


class Client(FlaskClient):
    """Tests hold one app context for their own queries, and Flask reuses it for the
    client's requests: forget per-request values (locale, signed-in user, CSRF token)
    as a fresh context would."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        for name in list(vars(g)):
            g.pop(name, None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=_database_url(tmp_path_factory))
    app.test_client_class = Client
    with app.app_context():
        _reset_schema(app)
        yield app
        _db.engine.dispose()


class _JoinedSession(orm.Session):
    """A plain session (Flask-SQLAlchemy's own would pick the engine, not our
    connection), accepting the ``db`` argument Flask-SQLAlchemy passes."""

    def __init__(self, db: object = None, **kwargs: object) -> None:
        super().__init__(**kwargs)


@pytest.fixture
def db(app: Flask) -> Iterator[orm.scoped_session]:
    """The app's session, joined to an outer transaction that is rolled back: operations
    and requests may commit as they do in production, and nothing persists."""
    connection = _db.engine.connect()
    outer = connection.begin()
    session = _db._make_scoped_session(
        {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _JoinedSession}
    )
    original, _db.session = _db.session, session
    for name in list(vars(g)):  # no locale or user left over from the last test's request
        g.pop(name, None)
    _cached_spec.cache_clear()
    try:
        yield session
    finally:
        session.remove()
        _db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def example(db: orm.scoped_session) -> Callable[[], AbstractContextManager[None]]:
    """A context per hypothesis example: a savepoint on the test's connection that the
    session's own savepoints nest in, so requests may commit and the example still
    leaves nothing behind for the next one."""
    @contextmanager
    def scope() -> Iterator[None]:
        db.commit()
        savepoint = db.get_bind().begin_nested()
        _cached_spec.cache_clear()  # ids come again after a rollback
        try:
            yield
        finally:
            db.rollback()
            savepoint.rollback()
            db.expire_all()
            _cached_spec.cache_clear()

    return scope


@pytest.fixture
def client(app: Flask, db: orm.scoped_session) -> FlaskClient:
    from engage.extensions import limiter

    limiter.reset()  # each test signs in afresh; the limiter would count them all
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def form_post(client: FlaskClient, page: str, url: str | None = None, **data: object):
    """GET ``page`` as a browser would, then POST its form with the page's CSRF token."""
    html = client.get(page).get_data(as_text=True)
    return client.post(url or page, data={"csrf_token": csrf_token(html), **data})
