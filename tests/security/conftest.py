"""Apps of their own for the checks that need another configuration (production
headers, a proxy in front, Redis for the limiter, a database that cannot be written)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from config import Config, TestingConfig
from engage import create_app
from engage.extensions import db, limiter


def migrated_sqlite(path: Path) -> str:
    """A fresh SQLite file with the schema, as ``flask db upgrade`` makes it."""
    url = f"sqlite:///{path}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def other_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``other_app(**settings)``: an app on its own migrated SQLite file (or the URL
    given). The rate limiter is one object that every new app re-points at its own
    storage: the suite's own is put back afterwards."""
    saved = dict(vars(limiter))
    made: list[Flask] = []

    def make(config: type[Config] = TestingConfig, database_url: str | None = None,
             **settings: object) -> Flask:
        url = database_url or migrated_sqlite(tmp_path / f"app{len(made)}.db")
        # errors answered as a served app answers them, not raised into the test
        app = create_app(config, SQLALCHEMY_DATABASE_URI=url, **{"PROPAGATE_EXCEPTIONS": False,
                                                                  **settings})
        made.append(app)
        return app

    try:
        yield make
    finally:
        for app in made:
            with app.app_context():
                db.engine.dispose()
        vars(limiter).update(saved)
