"""Aggregates the results pages read instead of the raw answers (engage.results.aggregates).

``result_count`` holds respondents per combination of what a page can ask for: question,
breakdown family (``dim``: "" for the breakdowns every response's profile already carries,
else a dimension such as disability), that family's answers (``atom``), the filter columns
(channel, language, synthetic, neighbourhood) and the raking cell (race answers, age band,
neighbourhood), and one answer ``item`` (a choice's value, ``#n`` for "answered", ``#num``
with ``number``, a response's status for ``question_id`` 0). ``channel`` and ``locale``
hold ``*`` in the rows that add up every channel and language (what most pages read).
Every key column is NOT NULL so an upsert finds its row on both databases.

``result_seen`` keeps what each response counted last (its snapshot) so that a change is
applied as "minus the old, plus the new"; it has no foreign key to ``response`` because a
deleted response must still be subtracted. ``result_state`` is one row per survey: the
watermark of ``response.updated_at`` the refresher has seen, when figures were last brought
up to date, and the lock two refreshers take turns on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engage.core.models import UTCDateTime
from engage.extensions import db


class ResultCount(db.Model):
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"),
                                           primary_key=True)
    dim: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    locale: Mapped[str] = mapped_column(String(16), primary_key=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    area: Mapped[str] = mapped_column(String(64), primary_key=True)
    race: Mapped[str] = mapped_column(Text, primary_key=True)
    age: Mapped[str] = mapped_column(String(64), primary_key=True)
    atom: Mapped[str] = mapped_column(Text, primary_key=True)
    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[float] = mapped_column(Float, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class ResultSeen(db.Model):
    response_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    snapshot: Mapped[str] = mapped_column(Text)


class ResultState(db.Model):
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"),
                                           primary_key=True)
    #: The newest ``response.updated_at`` counted; the next refresh looks a little before it.
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the figures were last brought up to date (shown to staff).
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The breakdown families the rows were counted for; a change means a rebuild.
    dimensions: Mapped[str] = mapped_column(Text, default="")
