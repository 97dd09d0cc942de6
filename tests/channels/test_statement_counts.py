"""How many SQL statements one mid-survey answer costs, by text and by key press: a
count, not a timing, so it holds on any machine. Each statement is a round trip and
SQLAlchemy's work (bench/README.md); a change that reads again what a turn already has
shows here first. The benchmarks measure the time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from engage.extensions import db as _db
from tests.channels.sms.phone import Phone
from tests.channels.voice.caller import Call

#: Reads and writes only: savepoints and BEGIN are the test's or the dialect's.
SQL = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@contextmanager
def counted() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if SQL.match(statement):
            seen.append(statement.split("\n")[0][:80])

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)


def test_an_answer_by_text_costs_eleven_statements(client, make_survey) -> None:
    make_survey(channels=["web", "sms", "voice"])
    phone = Phone(client)
    phone.text("housing")
    phone.text("1")  # English
    with counted() as statements:
        assert "Rate" in phone.text("2")  # rent: the next question comes back
    # resident (locked), message by sid, conversation + response (locked), survey,
    # answers, answer delete + insert + choice, response update, message in and out
    assert len(statements) <= 11, "\n".join(statements)


def test_a_key_press_costs_eight_statements(client, make_survey) -> None:
    make_survey(channels=["web", "sms", "voice"])
    call = Call(client)
    call.dial()
    call.press("1")  # English
    with counted() as statements:
        assert "Rate" in call.press("2")  # rent
    # call + conversation + response (locked), survey, answers, answer delete + insert +
    # choice, response update, call update
    assert len(statements) <= 8, "\n".join(statements)
