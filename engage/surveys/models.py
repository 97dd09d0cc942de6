from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Table, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.clock import utcnow
from engage.core.models import JSONType, TimestampMixin, UTCDateTime
from engage.extensions import db
from engage.org.models import Area, Department


def new_revision() -> str:
    return secrets.token_hex(8)


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class Channel(StrEnum):
    WEB = "web"
    SMS = "sms"
    VOICE = "voice"


survey_area = Table(
    "survey_area",
    db.metadata,
    Column("survey_id", ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)


class Survey(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[dict] = mapped_column(JSONType, default=dict)
    intro: Mapped[dict] = mapped_column(JSONType, default=dict)
    thanks: Mapped[dict] = mapped_column(JSONType, default=dict)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    default_locale: Mapped[str] = mapped_column(String(16), default="en")
    #: Every language of the survey, default first.
    locales: Mapped[list] = mapped_column(JSONType, default=list)
    channels: Mapped[list] = mapped_column(JSONType, default=list)
    sms_keyword: Mapped[str | None] = mapped_column(String(32))
    #: Further keywords, one per language ({locale: word}): texting one of them starts
    #: the survey in that language.
    sms_keywords: Mapped[dict | None] = mapped_column(JSONType)
    #: A text conversation left this long is offered "continue or start over".
    sms_expiry_hours: Mapped[int] = mapped_column(Integer, default=72, server_default="72")
    #: Per language: {"say_voice", "say_language", "speech"} chosen by staff; languages
    #: not listed use engage.channels.voice.voices.DEFAULT_VOICES.
    voice_settings: Mapped[dict | None] = mapped_column(JSONType)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=SurveyStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set when staff publish the results: the public API and report show them from then.
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set when the public report ("what we heard / what we did", /r/<slug>) is published.
    report_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A fresh random token on every edit; cached engine specs are keyed on it.
    revision: Mapped[str] = mapped_column(String(16), default=new_revision)

    department: Mapped[Department | None] = relationship()
    areas: Mapped[list[Area]] = relationship(secondary=survey_area, order_by=Area.slug)
    questions: Mapped[list[Question]] = relationship(
        back_populates="survey", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def is_draft(self) -> bool:
        return self.status == SurveyStatus.DRAFT

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self.status == SurveyStatus.PUBLISHED
            and (self.opens_at is None or self.opens_at <= now)
            and (self.closes_at is None or now < self.closes_at)
        )


class Question(db.Model):
    __table_args__ = (UniqueConstraint("survey_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    #: Stable code used by skip logic, exports and results ("q3", "tenure").
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    prompt: Mapped[dict] = mapped_column(JSONType, default=dict)
    help: Mapped[dict] = mapped_column(JSONType, default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    #: minimum, maximum, max_length, low_label {locale: text}, high_label {locale: text}
    settings: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: engage.engine.spec.Condition.to_dict(), or None: always asked.
    condition: Mapped[dict | None] = mapped_column(JSONType)
    dimension: Mapped[str | None] = mapped_column(String(32))
    #: Channels that ask this question; None asks it everywhere (detailed race groups
    #: are offered on the web only: too long to read out or text).
    channels: Mapped[list | None] = mapped_column(JSONType)

    survey: Mapped[Survey] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan"
    )


class Choice(db.Model):
    __table_args__ = (UniqueConstraint("question_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(String(64))
    label: Mapped[dict] = mapped_column(JSONType, default=dict)
    exclusive: Mapped[bool] = mapped_column(default=False, server_default=false())
    group: Mapped[str | None] = mapped_column(String(64))

    question: Mapped[Question] = relationship(back_populates="choices")
