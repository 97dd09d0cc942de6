"""The schema built by the migrations is exactly the one the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engage.extensions import db


def test_models_and_migrations_agree(app) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"run `flask --app wsgi db migrate`: {diff}"


def test_conversations_move_into_one_table(tmp_path) -> None:
    """Upgrading keeps every text conversation where it stood and a call under way
    where it stood (its own row for a withheld number); ended calls are left alone."""
    import sqlite3
    from contextlib import closing

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from config import TestingConfig
    from engage import create_app

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        upgrade(revision="5b2d8e4c1a90")
        db.engine.dispose()
        with closing(sqlite3.connect(tmp_path / "m.db")) as connection:
            _insert_filled(connection, "survey", id=7, slug="housing", status="published")
            connection.execute(
                "INSERT INTO respondent (id, phone_hash, locale, followup_consent, opted_out,"
                " created_at) VALUES (1, 'a', 'es', 0, 0, '2026-03-01 10:00:00.000000'),"
                " (2, 'b', NULL, 0, 0, '2026-03-01 10:00:00.000000')")
            connection.execute(
                "INSERT INTO sms_conversation VALUES (1, 7, NULL, 'answering',"
                " '2026-03-01 10:00:00.000000')")
            for sid, respondent, stage, status in (("CA1", 2, "resume", "in-progress"),
                                                   ("CA2", None, "language", "in-progress"),
                                                   ("CA3", 1, "answering", "completed")):
                connection.execute(
                    "INSERT INTO voice_call (call_sid, respondent_id, survey_id, stage, step,"
                    " silences, last_twiml, status, simulated, started_at) VALUES (:sid, :r, 7,"
                    " :stage, 2, 1, '', :status, 0, '2026-03-02 10:00:00.000000')",
                    {"sid": sid, "r": respondent, "stage": stage, "status": status})
            connection.commit()
        upgrade()
        rows = db.session.execute(text(
            "SELECT respondent_id, channel, stage, survey_id, locale, silences FROM conversation"
            " ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "sms", "answering", 7, "es", 0),
                                            (2, "voice", "resume", 7, None, 1),
                                            (None, "voice", "language", 7, None, 1)]
        links = db.session.execute(text(
            "SELECT call_sid, conversation_id IS NOT NULL FROM voice_call ORDER BY call_sid")).all()
        assert [tuple(r) for r in links] == [("CA1", 1), ("CA2", 1), ("CA3", 0)]
        db.session.remove()
        downgrade(revision="5b2d8e4c1a90")  # and back, nothing lost either way
        back = db.session.execute(text("SELECT respondent_id, survey_id, stage FROM sms_conversation"
                                       " ORDER BY respondent_id")).all()
        assert [tuple(r) for r in back] == [(1, 7, "answering"), (2, 7, "resume")]
        stages = db.session.execute(text("SELECT call_sid, stage FROM voice_call WHERE status ="
                                         " 'in-progress' ORDER BY call_sid")).all()
        assert [tuple(r) for r in stages] == [("CA1", "resume"), ("CA2", "language")]
        db.session.remove()
        db.engine.dispose()


def _insert_filled(connection, table: str, **values: object) -> None:  # type: ignore[no-untyped-def]
    """A row with ``values`` and a plain value in every other required column."""
    for _cid, name, kind, notnull, default, _pk in connection.execute(f"PRAGMA table_info({table})"):
        if notnull and default is None and name not in values:
            values[name] = 0 if kind.upper() in ("INTEGER", "BOOLEAN", "FLOAT") else (
                "{}" if kind.upper() == "JSON" else "x")
    columns = ", ".join(values)
    connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(values))})",
                       tuple(values.values()))
