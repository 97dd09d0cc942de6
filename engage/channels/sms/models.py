"""Where each resident's text conversation stands (the texts themselves are
engage.messaging.models.Message)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engage.core.clock import utcnow
from engage.core.models import UTCDateTime
from engage.extensions import db


class Stage(StrEnum):
    LANGUAGE = "language"  # waiting for the resident to pick a language
    RESUME = "resume"  # waiting for "continue" or "start over"
    ANSWERING = "answering"
    INVITED = "invited"  # texted an invitation: any reply (but a command) starts the survey
    DONE = "done"  # finished (or the survey closed): other texts get the help text


class SmsConversation(db.Model):
    """Where a resident's text conversation stands: one per respondent, locked while a
    text is handled so two texts arriving together take turns."""

    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"),
                                               primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(16))
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
