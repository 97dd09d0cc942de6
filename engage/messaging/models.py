"""Texts in and out: the log of every text and the outbox of those we send ourselves
(campaigns, notifications), one table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage.core.clock import utcnow
from engage.core.models import UTCDateTime
from engage.extensions import db


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class Message(db.Model):
    """One text. Inbound texts keep the reply they got, so a repeated webhook delivery
    (same MessageSid) is answered identically and changes nothing. No phone number is
    stored here: the respondent is known by the keyed hash of theirs."""

    __table_args__ = (
        # One resident never gets the same invitation or update twice.
        UniqueConstraint("respondent_id", "topic"),
        Index("ix_message_outbox", "status", "priority", "send_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondent.id"), index=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    #: For an inbound text: the reply it was given (None: no reply, e.g. after STOP).
    reply: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    parts: Mapped[int] = mapped_column(Integer, default=1)
    # -- the outbox: texts we send ourselves (campaigns, notifications) --------------
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="SET NULL"),
                                                    index=True)
    #: 0: a reply to a resident, sent before 1: bulk.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Not before (quiet hours, campaign start, retry back-off).
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Set when a worker marks it "sending", just before the API call.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: What the text is about, so one resident never gets the same update twice
    #: ("invite:<campaign>", "report:<survey>", "action:<id>:<status>").
    topic: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
