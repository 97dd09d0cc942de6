"""The Engage app plus baseline endpoints, for ``bench/web_submit.py``,
``bench/sms_webhook.py`` and ``bench/voice_webhook.py``.

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

Baselines for Twilio's incoming-text webhook (``POST /sms/inbound``), exempt from CSRF
like the app's own ``sms`` blueprint (Twilio signs its requests instead):

* ``POST /bench/sms/fixed``: a fixed TwiML reply; the view reads, checks and stores nothing.
* ``POST /bench/sms/store``: checks ``X-Twilio-Signature`` with twilio's
  ``RequestValidator`` (the same URL the app signs: ``PUBLIC_BASE_URL`` + path), inserts
  the text into ``bench_sms`` (a bench-only table, unique ``sid``: a repeated delivery of
  a MessageSid inserts nothing), commits, and returns a fixed TwiML reply.

Baselines for Twilio's voice webhook (``POST /voice/gather?s=<step>``: a key pressed in
a call), exempt from CSRF like the app's ``voice`` blueprint:

* ``POST /bench/voice/fixed``: a fixed TwiML reply (a ``<Gather>`` of one key around a
  ``<Say>``, then a ``<Redirect>``, as the app's questions are); nothing read or stored.
* ``POST /bench/voice/store?s=<step>``: checks ``X-Twilio-Signature`` over the URL the
  app checks (``PUBLIC_BASE_URL`` + path + ``?`` + query string), inserts the key
  pressed into ``bench_voice`` (a bench-only table, unique ``(call_sid, step)``: a
  repeated request inserts nothing), commits, and returns the same fixed TwiML.

The app is given a Twilio auth token and a public base URL (``BENCH_TWILIO_TOKEN``,
``BENCH_PUBLIC_BASE_URL``), so that signed texts pass its signature check.

Only for benchmarking: never mount this in production.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, request
from markupsafe import escape
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, UniqueConstraint

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

bench_sms = Table(
    "bench_sms",
    bench_metadata,
    Column("id", Integer, primary_key=True),
    Column("sid", String(64), nullable=False, unique=True),
    Column("sender", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

bench_voice = Table(
    "bench_voice",
    bench_metadata,
    Column("id", Integer, primary_key=True),
    Column("call_sid", String(64), nullable=False),
    Column("step", Integer, nullable=False),
    Column("sender", String(32), nullable=False),
    Column("digits", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("call_sid", "step"),
)

DEFAULT_SECRET = "engage-bench-secret-not-for-production"  # bench only
#: Twilio auth token and public base URL of the benchmark's app: texts are signed
#: with them (bench only, never a real token).
BENCH_TWILIO_TOKEN = "engage-bench-twilio-token"  # bench only
BENCH_PUBLIC_BASE_URL = "https://bench.example"

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


sms_bp = Blueprint("bench_sms", __name__, url_prefix="/bench/sms")

FIXED_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks, got it.</Message>'
    "</Response>"
)


def _twiml() -> Response:
    return Response(FIXED_TWIML, mimetype="text/xml")


@sms_bp.post("/fixed")
def sms_fixed() -> Response:
    return _twiml()


@sms_bp.post("/store")
def sms_store() -> Response:
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    from twilio.request_validator import RequestValidator

    from engage.extensions import db

    token = current_app.config["TWILIO_AUTH_TOKEN"]
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path
    if not RequestValidator(token).validate(url, request.form,
                                            request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    sid = request.form.get("MessageSid", "")
    if not sid:
        abort(400)
    insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[db.session.get_bind().dialect.name]
    db.session.execute(insert(bench_sms).values(
        sid=sid,
        sender=request.form.get("From", "")[:32],
        body=request.form.get("Body", "")[:1600],
        created_at=datetime.now(UTC),
    ).on_conflict_do_nothing(index_elements=["sid"]))
    db.session.commit()
    return _twiml()


voice_bp = Blueprint("bench_voice", __name__, url_prefix="/bench/voice")

FIXED_VOICE_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    f'<Gather action="{BENCH_PUBLIC_BASE_URL}/bench/voice/fixed?s=1" input="dtmf" method="POST" '
    'numDigits="1" timeout="6"><Say>Press a number from 1 to 5.</Say></Gather>'
    f'<Redirect method="POST">{BENCH_PUBLIC_BASE_URL}/bench/voice/fixed?s=1&amp;silence=1'
    "</Redirect></Response>"
)


def _voice_twiml() -> Response:
    return Response(FIXED_VOICE_TWIML, mimetype="text/xml")


@voice_bp.post("/fixed")
def voice_fixed() -> Response:
    return _voice_twiml()


@voice_bp.post("/store")
def voice_store() -> Response:
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    from twilio.request_validator import RequestValidator

    from engage.extensions import db

    token = current_app.config["TWILIO_AUTH_TOKEN"]
    query = request.query_string.decode("latin-1")
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path + (f"?{query}" if query else "")
    if not RequestValidator(token).validate(url, request.form,
                                            request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    sid = request.form.get("CallSid", "")
    step = request.args.get("s", type=int)
    if not sid or step is None:
        abort(400)
    insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[db.session.get_bind().dialect.name]
    db.session.execute(insert(bench_voice).values(
        call_sid=sid[:64],
        step=step,
        sender=request.form.get("From", "")[:32],
        digits=request.form.get("Digits", "")[:64],
        created_at=datetime.now(UTC),
    ).on_conflict_do_nothing(index_elements=["call_sid", "step"]))
    db.session.commit()
    return _voice_twiml()


def make_app(database_url: str, secret: str = DEFAULT_SECRET) -> Flask:
    from config import Config, _normalise_db_url
    from engage import create_app
    from engage.extensions import csrf

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=_normalise_db_url(database_url),
                     SECRET_KEY=secret, TWILIO_AUTH_TOKEN=BENCH_TWILIO_TOKEN,
                     PUBLIC_BASE_URL=BENCH_PUBLIC_BASE_URL)
    app.register_blueprint(bp)
    csrf.exempt(sms_bp)  # as the app's sms blueprint: Twilio signs instead
    app.register_blueprint(sms_bp)
    csrf.exempt(voice_bp)  # as the app's voice blueprint
    app.register_blueprint(voice_bp)
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
