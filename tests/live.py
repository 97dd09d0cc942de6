"""The app served for real on 127.0.0.1 from a thread, for tests that need committed
data and real concurrency (browsers, simultaneous webhooks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from config import TestingConfig
from engage import create_app
from engage.extensions import db


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


