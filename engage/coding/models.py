"""Themes a survey's free-text answers are coded with, and the coding itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage.core.clock import utcnow
from engage.core.models import JSONType, UTCDateTime
from engage.extensions import db


class Theme(db.Model):
    """A theme of one survey; it applies to any of the survey's free-text questions.
    ``name`` is ``{locale: text}``; ``keywords`` is ``{locale: [word or phrase]}``."""

    __table_args__ = (UniqueConstraint("survey_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[dict] = mapped_column(JSONType, default=dict)
    keywords: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnswerTheme(db.Model):
    """One theme staff gave one answer: an answer's coding is the set of its rows."""

    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"),
                                           primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)
    coded_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    coded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
