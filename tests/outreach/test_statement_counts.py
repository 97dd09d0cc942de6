"""How many SQL statements and commits one text of a campaign costs the outbox: a count,
not a timing, so it holds on any machine (bench/campaign.py measures the time).

Counted: reads and writes (SELECT, INSERT, UPDATE, DELETE, WITH) on the engine, and the
session's commits. Not counted: BEGIN, savepoints (the test's), and what a pump pass
costs once whatever it sends (its plan: the running campaigns' quiet hours, the sender's
clock row; the last claim, which finds nothing): the figure is the difference between
sending few texts and sending more, divided by the extra texts.

PostgreSQL: the claim (which also moves the campaign's pace and the sender's clock), the
outcome and the conversation upsert: 3 statements, 2 commits. SQLite has no writes in a
WITH clause: the campaign's pace and the sender's clock are one more statement each,
in the claim's transaction (5 statements, still 2 commits).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from engage.extensions import db as _db
from engage.outreach import campaigns as ops
from engage.outreach import outbox
from tests.outreach.helpers import campaign, load
from tests.statements import counted

NOON = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 12:00 in Seattle
_numbers = itertools.count(100)


@pytest.fixture(autouse=True)
def at_noon(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(NOON, tick=False)




@contextmanager
def commits(session) -> Iterator[list[int]]:  # type: ignore[no-untyped-def]
    seen: list[int] = []

    def record(_session) -> None:  # type: ignore[no-untyped-def]
        seen.append(1)

    event.listen(session, "after_commit", record)
    try:
        yield seen
    finally:
        event.remove(session, "after_commit", record)


def send(db, survey, texts: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(statements, commits) of one pump pass sending a new campaign of ``texts``."""
    load(db, *[f"206-555-{next(_numbers):04d},es,,Library,2026-03-01," for _ in range(texts)])
    ops.start_campaign(campaign(db, survey, name=f"c{texts}", rate_per_minute=6000))
    db.commit()
    with counted() as statements, commits(db()) as done:
        assert outbox.pump(10, now=lambda: NOON, sleep=lambda s: None) == texts
    return len(statements), len(done)


def test_a_text_costs_three_statements_and_two_commits(db, make_survey, fake_twilio) -> None:
    """A steady send, the sender paced (SMS_SENDER_PER_SECOND) as in production."""
    survey = make_survey()
    few_statements, few_commits = send(db, survey, 3)
    many_statements, many_commits = send(db, survey, 9)
    per_text = (many_statements - few_statements) / 6
    expected = 3 if _db.engine.dialect.name == "postgresql" else 5
    assert per_text <= expected, (few_statements, many_statements)
    assert (many_commits - few_commits) / 6 <= 2
    assert len(fake_twilio.sent) == 12
