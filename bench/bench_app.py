"""The Engage app plus two baseline endpoints, for ``bench/web_submit.py``.

Served by gunicorn as ``bench.bench_app:app``; configured by environment variables
(the app itself only takes configuration through ``create_app`` overrides):

* ``BENCH_DATABASE_URL`` (required): the database the benchmark prepared.
* ``BENCH_SECRET``: the secret key, the same for every worker (a fixed default).

Baselines, in the same Flask app, behind the same request cycle (CSRFProtect,
Flask-Limiter, Babel, the after_request commit, the security headers):

* ``GET /bench/bare``: a fixed small HTML page, no database.
* ``GET /bench/store``: a page with a CSRF token (sets the session cookie).
* ``POST /bench/store``: checks the CSRF token with ``validate_csrf``, inserts one row
  into ``bench_row`` (a bench-only table, not part of the app's schema) and commits,
  then returns a fixed page.

Only for benchmarking: never mount this in production.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, abort, request
from markupsafe import escape
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

#: Kept apart from the app's metadata: migrations never see it.
bench_metadata = MetaData()

bench_row = Table(
    "bench_row",
    bench_metadata,
    Column("id", Integer, primary_key=True),
    Column("token", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

DEFAULT_SECRET = "engage-bench-secret-not-for-production"  # bench only

BARE_PAGE = (
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bench</title>"
    "</head><body><p>OK</p></body></html>"
)
STORED_PAGE = (
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bench</title>"
    "</head><body><p>Saved.</p></body></html>"
)

bp = Blueprint("bench", __name__, url_prefix="/bench")


@bp.get("/bare")
def bare() -> tuple[str, int, dict[str, str]]:
    return BARE_PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.route("/store", methods=["GET", "POST"])
def store() -> tuple[str, int, dict[str, str]]:
    from flask_wtf.csrf import generate_csrf, validate_csrf
    from wtforms.validators import ValidationError

    from engage.extensions import db

    headers = {"Content-Type": "text/html; charset=utf-8"}
    if request.method == "GET":
        token = escape(generate_csrf())
        page = (
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bench"
            "</title></head><body><form method=\"post\">"
            f"<input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">"
            "<input name=\"body\"><button>Send</button></form></body></html>"
        )
        return page, 200, headers
    try:
        validate_csrf(request.form["csrf_token"])
    except (KeyError, ValidationError):
        abort(400)
    db.session.execute(bench_row.insert().values(
        token=secrets.token_hex(16),
        body=request.form.get("body", "")[:500],
        created_at=datetime.now(UTC),
    ))
    db.session.commit()
    return STORED_PAGE, 200, headers


def make_app(database_url: str, secret: str = DEFAULT_SECRET) -> Flask:
    from config import Config, _normalise_db_url
    from engage import create_app

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=_normalise_db_url(database_url),
                     SECRET_KEY=secret)
    app.register_blueprint(bp)
    return app


_app: Flask | None = None


def __getattr__(name: str) -> Any:
    """``app`` is built on first use (gunicorn's import), so that importing this module
    for ``bench_metadata`` needs no environment."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        url = os.environ.get("BENCH_DATABASE_URL")
        if not url:
            raise RuntimeError("BENCH_DATABASE_URL is not set (run bench/web_submit.py)")
        _app = make_app(url, os.environ.get("BENCH_SECRET") or DEFAULT_SECRET)
    return _app
