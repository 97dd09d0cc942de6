from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.clock import utcnow
from engage.core.models import JSONType, UTCDateTime
from engage.extensions import db


class ResponseStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    #: Set aside when the resident chose to start again: its answers are kept, never
    #: deleted and never mixed into the new response, and results leave it out so one
    #: resident is counted once.
    ABANDONED = "abandoned"


class Respondent(db.Model):
    """A resident. The phone number is matched by a keyed hash; the number itself is
    kept, encrypted, only while the resident consents to follow-up."""

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    locale: Mapped[str | None] = mapped_column(String(16))
    followup_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Texted STOP (in any language): nothing is sent to this number until START.
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Response(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondent.id"), index=True)
    #: Random, unguessable: the web channel keeps it in the signed session cookie.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ResponseStatus.IN_PROGRESS)
    current_key: Mapped[str | None] = mapped_column(String(64))
    history: Mapped[list] = mapped_column(JSONType, default=list)
    #: The stored answers as the answer rows hold them, ``{question id: [number, text,
    #: [choices]]}``, kept by ``record_answer`` so a turn needs no read of the answer
    #: rows for skip logic. None: not kept (rows written in bulk): read the rows.
    answered: Mapped[dict | None] = mapped_column(JSONType)
    misses: Mapped[int] = mapped_column(Integer, default=0)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Optimistic lock: two requests moving one conversation at once cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    respondent: Mapped[Respondent | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response",
                                                 cascade="all, delete-orphan")


class Conversation(db.Model):
    """Where a resident's contact stands between turns, whatever the channel: one row per
    resident (a call from a withheld number has its own), locked while a text or a call's
    turn is handled so two at once take turns. The stages are the session machine's
    (:class:`engage.engine.session.Stage`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int | None] = mapped_column(
        ForeignKey("respondent.id", ondelete="CASCADE"), unique=True)
    #: The channel that last moved it ("sms", "voice").
    channel: Mapped[str] = mapped_column(String(8))
    stage: Mapped[str] = mapped_column(String(16))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id", ondelete="SET NULL"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))
    locale: Mapped[str | None] = mapped_column(String(16))
    #: Silent turns in a row on a call: asked again, then skipped or goodbye.
    silences: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Answer(db.Model):
    __table_args__ = (db.UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"),
                                             index=True)
    number: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    response: Mapped[Response] = relationship(back_populates="answers")
    selections: Mapped[list[AnswerChoice]] = relationship(cascade="all, delete-orphan",
                                                          lazy="selectin")


class AnswerChoice(db.Model):
    """One selected choice: single and multiple choice alike, so results count in SQL."""

    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"),
                                           primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)


class ResponseTag(db.Model):
    """A response's self-reported demographics, one row per dimension value, kept by
    ``record_answer`` so every breakdown is one join whichever channel answered."""

    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"),
                                             primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
