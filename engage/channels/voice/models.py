"""Calls, the recorded prompts of languages Twilio cannot speak, and spoken answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage.core.clock import utcnow
from engage.core.models import UTCDateTime
from engage.extensions import db


class VoiceCall(db.Model):
    """One phone call, the transport's record of it: where the resident stands is their
    :class:`~engage.responses.models.Conversation`. ``step`` counts the turns answered:
    every action URL carries it, so a repeated request (same CallSid and step) gets
    ``last_twiml`` again and changes nothing. No phone number is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondent.id"), index=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id", ondelete="SET NULL"))
    #: The response this call worked on (a log: the conversation decides).
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation.id", ondelete="SET NULL"), index=True)
    step: Mapped[int] = mapped_column(Integer, default=0)
    last_twiml: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="in-progress")
    duration: Mapped[int | None] = mapped_column(Integer)
    simulated: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VoicePrompt(db.Model):
    """A recorded prompt for a language read by a person instead of text-to-speech."""

    __table_args__ = (UniqueConstraint("survey_id", "locale", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(16))
    #: "welcome", "question:<key>", "thanks"... (engage.channels.voice.script.PROMPTS)
    key: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VoiceRecording(db.Model):
    """A spoken answer to a free-text question: Twilio keeps the audio; staff listen to it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"),
                                             index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    recording_sid: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(500))
    duration: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
