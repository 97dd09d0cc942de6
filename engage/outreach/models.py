"""Contacts who agreed to hear from the city, their imports, campaigns, and the
per-sender clock that paces sending. Outgoing texts themselves are
:class:`engage.messaging.models.Message` rows: the outbox is that table."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.clock import utcnow
from engage.core.models import JSONType, TimestampMixin, UTCDateTime
from engage.extensions import db


class ContactImport(db.Model):
    """One uploaded contact list: what loaded and each refused line with its reason."""

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    loaded: Mapped[int] = mapped_column(Integer, default=0)
    #: [[line, reason], ...]: reasons are stored in English codes, shown translated.
    problems: Mapped[list] = mapped_column(JSONType, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Contact(TimestampMixin, db.Model):
    """A resident a partner organisation signed up, with their consent. The number is
    kept encrypted (to send) and matched by the respondent's keyed hash, so a STOP by
    text or a survey answered by phone is the same person."""

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"),
                                               unique=True)
    phone_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    language: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"),
                                                index=True)
    consent_source: Mapped[str] = mapped_column(String(200))
    consent_date: Mapped[date] = mapped_column(Date)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("contact_import.id",
                                                             ondelete="SET NULL"))


class CampaignKind(StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"  # started (its messages wait for their time, quiet hours, the rate)
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


class Campaign(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=CampaignKind.INVITATION)
    name: Mapped[str] = mapped_column(String(200))
    #: {locale: text}: the message in each language of the survey.
    messages: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: {"areas": [area ids], "languages": [codes], "under_represented": bool}
    audience: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: Representation index below which a group counts as under-represented.
    threshold: Mapped[float] = mapped_column(default=0.8)
    #: Reminders: contacts invited at least this many days ago who did not finish.
    reminder_after_days: Mapped[int] = mapped_column(Integer, default=3)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Texts per minute for this campaign; the sender's own pace applies on top.
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT)
    #: The campaign's own pace: when its next text may go.
    next_send_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Quiet hours: nothing of this campaign is taken before then.
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)

    survey = relationship("Survey")


class SenderClock(db.Model):
    """When a sender (phone number or messaging service) may send its next part: the
    carrier's pace, shared by every worker on every machine."""

    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
