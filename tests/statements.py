"""Counting the SQL statements a piece of work runs: a count, not a timing, so it holds
on any machine (tests/channels/test_statement_counts.py, tests/outreach/...)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from engage.extensions import db

#: Reads and writes only: savepoints and BEGIN are the test's or the dialect's.
SQL = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


@contextmanager
def counted() -> Iterator[list[str]]:
    """The statements run on the app's engine inside the block (first line of each)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if SQL.match(statement):
            seen.append(statement.split("\n")[0][:80])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
