"""Engage: multilingual surveys by web, SMS and phone, disaggregated for equity."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, abort, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import DEV_SECRET, Config, config_from_env
from engage.core.urls import STAFF_PREFIX

#: Twilio's webhooks: signed, never refused for what a resident typed.
WEBHOOK_BLUEPRINTS = frozenset({"sms", "voice"})


def create_app(config: type[Config] | None = None, **overrides: object) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config or config_from_env())
    app.config.update(overrides)
    check_config(app)
    configure_proxy(app)
    from engage.core.routing import configure_routing

    configure_routing(app)
    from engage.core.uploads import configure_uploads

    configure_uploads(app)
    configure_extensions(app)
    configure_blueprints(app)
    configure_channels(app)
    configure_queue(app)
    configure_request_cycle(app)
    configure_errors(app)
    configure_templates(app)
    from engage import cli

    cli.register(app)
    return app


def check_config(app: Flask) -> None:
    """Production refuses to start on development secrets."""
    if not app.config.get("PRODUCTION"):
        return
    missing = [
        name for name in ("SECRET_KEY", "PHONE_HASH_KEY", "PHONE_ENCRYPTION_KEY")
        if not app.config.get(name) or app.config.get(name) == DEV_SECRET
    ]
    if missing:
        raise RuntimeError(f"Production needs these settings: {', '.join(missing)} (see README)")


def configure_proxy(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto/-Host from as many proxies as configured, no more:
    the client's address (sign-in limits, audit) and https (secure cookies, redirects)."""
    hops = app.config.get("PROXY_HOPS") or 0
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def configure_extensions(app: Flask) -> None:
    from engage.core.i18n import select_ui_locale
    from engage.extensions import babel, csrf, db, limiter, login_manager, migrate

    _prepare_sqlite_dir(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True)
    babel.init_app(app, locale_selector=select_ui_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from engage.accounts import auth

    auth.configure_login(login_manager)
    auth.configure_session_lifetime(app)


def _prepare_sqlite_dir(uri: str) -> None:
    if not uri.startswith("sqlite:///"):
        return
    path = uri.split("sqlite:///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """SQLite: enforce foreign keys, WAL for concurrent readers, wait on locks, and let
    SQLAlchemy own transactions (pysqlite's own BEGIN handling breaks savepoints)."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: object) -> None:
    """SQLite has no SELECT ... FOR UPDATE: a request that may write takes the write lock
    when it begins, so two of them take turns instead of one failing when it upgrades
    from reading. Pages that only read (GET) need no lock."""
    if conn.dialect.name != "sqlite":  # type: ignore[attr-defined]
        return
    reading = has_request_context() and request.method in ("GET", "HEAD")
    conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")  # type: ignore[attr-defined]


def configure_blueprints(app: Flask) -> None:
    """Every blueprint, listed: no auto-discovery."""
    from engage.accounts.views import bp as accounts_bp
    from engage.audit.views import bp as audit_bp
    from engage.channels.sms.staff_views import bp as sms_staff_bp
    from engage.channels.sms.views import bp as sms_bp
    from engage.channels.voice.staff_views import bp as voice_staff_bp
    from engage.channels.voice.views import bp as voice_bp
    from engage.channels.web.views import bp as web_bp
    from engage.coding.views import bp as coding_bp
    from engage.core.health import bp as health_bp
    from engage.dashboard.views import bp as dashboard_bp
    from engage.demographics.views import baselines_bp
    from engage.demographics.views import bp as demographics_bp
    from engage.outreach.views import bp as outreach_bp
    from engage.plans.report_views import bp as reports_bp
    from engage.plans.views import bp as plans_bp
    from engage.results.export_views import bp as exports_bp
    from engage.results.views import bp as results_bp
    from engage.surveys.views import bp as surveys_bp
    from engage.surveys.xlsform_views import bp as xlsform_bp

    for bp in (web_bp, sms_bp, voice_bp, voice_staff_bp, accounts_bp, dashboard_bp, surveys_bp,
               xlsform_bp, plans_bp, demographics_bp, sms_staff_bp, results_bp, coding_bp,
               exports_bp, audit_bp, baselines_bp, outreach_bp, reports_bp, health_bp):
        app.register_blueprint(bp)


def configure_channels(app: Flask) -> None:
    """What each channel adds to the survey pages, listed as the blueprints are: the
    channels build on surveys, so surveys never imports them."""
    from engage.channels.sms.costs import question_cost
    from engage.channels.voice.operations import recording_problems
    from engage.channels.web.forms import preview_form
    from engage.surveys.models import Channel
    from engage.surveys.previews import register_preview
    from engage.surveys.publishing import register_publish_check

    register_preview(app, Channel.WEB, preview_form)
    register_preview(app, Channel.SMS, question_cost)
    register_publish_check(app, recording_problems)


def configure_queue(app: Flask) -> None:
    """The task queue from QUEUE_URL (in memory when testing without one), with the
    outreach tasks on it: the web app enqueues, engage.worker consumes."""
    from engage.outreach import queue

    huey = queue.make_huey(app.config.get("QUEUE_URL"), testing=app.config.get("TESTING", False))
    app.extensions["huey"] = huey
    queue.register(huey, app)


def configure_request_cycle(app: Flask) -> None:
    """One commit point per request: operations flush, the request commits before the
    response leaves, so whatever a resident was told is saved, is."""
    from engage.extensions import db

    @app.before_request
    def refuse_nul_bytes() -> None:
        """No text field holds a NUL byte (PostgreSQL refuses them): say so, store
        nothing. Webhooks clean residents' texts themselves instead."""
        if request.blueprint in WEBHOOK_BLUEPRINTS:
            return
        values = [*request.args.values(), *(v for _k, v in request.form.items(multi=True))]
        if any("\x00" in value for value in values):
            abort(400)

    @app.after_request
    def commit(response):  # type: ignore[no-untyped-def]
        if response.status_code < 400 or response.status_code == 422:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def rollback_on_error(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        if app.config.get("PRODUCTION"):
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        if request.path.startswith(STAFF_PREFIX):  # staff pages and exports: never kept
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
        )
        return response


def configure_errors(app: Flask) -> None:
    from engage.core.error_pages import configure_error_pages

    configure_error_pages(app)
    logging.getLogger("engage").setLevel(logging.INFO)


def configure_templates(app: Flask) -> None:
    from engage.core import i18n

    @app.context_processor
    def template_globals() -> dict[str, object]:
        from flask_babel import get_locale

        code = str(g.get("locale") or get_locale() or "en")
        return {
            "page_lang": code.replace("_", "-"),
            "page_dir": i18n.text_direction(code),
            "language_name": i18n.language_name,
            "resolve": i18n.resolve,
            "city_name": app.config["CITY_NAME"],
            "ui_locales": app.config["UI_LOCALES"],
            "request_path": request.path,
        }
