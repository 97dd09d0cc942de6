"""The outbox: every text we send ourselves is a Message row written before anything
is queued, and sent at most once.

A worker takes a due text in three committed steps: *claimed* (picked, a slot on the
sender's clock reserved), *sending* (marked just before the API call), then what
Twilio said. A text found *claimed* after a crash never reached Twilio and goes back
to the queue; one found *sending* may have, so it is flagged for staff review and
never sent blindly again (a late status callback still settles it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from engage.core.clock import utcnow
from engage.extensions import db
from engage.messaging.encoding import sms_cost
from engage.messaging.models import Message
from engage.outreach import gateway
from engage.outreach.models import Campaign, CampaignStatus, Contact, SenderClock
from engage.outreach.schedule import backoff, pace, quiet_until
from engage.responses import sessions
from engage.responses.models import Respondent
from engage.responses.phones import decrypt

PENDING, CLAIMED, SENDING, REVIEW, CANCELLED = "pending", "claimed", "sending", "review", "cancelled"
MAX_ATTEMPTS = 8
REPLY, BULK = 0, 1


@dataclass(frozen=True)
class Claim:
    message_id: int
    at: datetime  # when the sender's clock lets it go


def sender_name() -> str:
    cfg = current_app.config
    if not gateway.twilio_configured():
        return "console"
    return cfg.get("TWILIO_MESSAGING_SERVICE_SID") or cfg.get("TWILIO_FROM_NUMBER") or "console"


def queue_text(respondent_id: int, body: str, *, topic: str | None = None,
               survey_id: int | None = None, campaign_id: int | None = None,
               priority: int = REPLY, send_after: datetime | None = None) -> Message:
    """Write one text to the outbox (the caller's transaction commits it)."""
    message = Message(direction="out", status=PENDING, body=body, respondent_id=respondent_id,
                      survey_id=survey_id, campaign_id=campaign_id, priority=priority,
                      topic=topic, send_after=send_after or utcnow(),
                      parts=sms_cost(body).parts, attempts=0)
    db.session.add(message)
    return message


def _due(now: datetime):  # type: ignore[no-untyped-def]
    gate = or_(Message.campaign_id.is_(None),
               (Campaign.status == CampaignStatus.RUNNING)
               & or_(Campaign.held_until.is_(None), Campaign.held_until <= now))
    query = (select(Message).outerjoin(Campaign, Campaign.id == Message.campaign_id)
             .where(Message.status == PENDING, Message.send_after <= now, gate)
             .order_by(Message.priority, Message.send_after, Message.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Message, skip_locked=True)
    return query


def claim_next(now: datetime) -> Claim | None:
    """The next text that may go now, claimed, with the moment its campaign's pace and
    its sender's clock let it go; None if nothing is due. Texts caught by quiet hours
    are held until the quiet hours end."""
    cfg = current_app.config
    for _attempt in range(20):
        message = db.session.scalar(_due(now))
        if message is None:
            return None
        campaign = db.session.get(Campaign, message.campaign_id) if message.campaign_id else None
        start, end = ((campaign.quiet_start, campaign.quiet_end) if campaign else
                      (cfg["OUTREACH_QUIET_START"], cfg["OUTREACH_QUIET_END"]))
        quiet = quiet_until(now, cfg["CITY_TIMEZONE"], start, end)
        if quiet is not None:
            _hold(campaign, quiet)
            continue
        at = now
        if campaign is not None:
            at, campaign.next_send_at = pace(campaign.next_send_at, now,
                                             max(campaign.rate_per_minute, 1) / 60)
        at = max(at, _reserve_slot(at, message.parts))
        message.status, message.claimed_at = CLAIMED, now
        message.attempts = (message.attempts or 0) + 1
        db.session.flush()
        return Claim(message.id, at)
    return None


def _hold(campaign: Campaign | None, until: datetime) -> None:
    """Quiet hours: a campaign waits as a whole; lone texts wait one by one."""
    if campaign is not None:
        campaign.held_until = until
    else:
        db.session.execute(update(Message).where(
            Message.status == PENDING, Message.campaign_id.is_(None), Message.send_after < until)
            .values(send_after=until))
    db.session.flush()


def _reserve_slot(now: datetime, parts: int) -> datetime:
    """A slot on the sender's clock, shared by every worker (row locked till commit)."""
    per_second = current_app.config["SMS_SENDER_PER_SECOND"]
    if per_second <= 0:
        return now  # no limit: no shared row to lock
    name = sender_name()
    clock = db.session.scalar(select(SenderClock).where(SenderClock.sender == name)
                              .with_for_update())
    if clock is None:
        clock = SenderClock(sender=name, next_at=now)
        db.session.add(clock)
    at, free = pace(clock.next_at, now, per_second, parts)
    clock.next_at = free
    return at


def phone_number(respondent: Respondent) -> str | None:
    """The number to text: from the contact list, or kept with follow-up consent."""
    token = db.session.scalar(select(Contact.phone_encrypted)
                              .where(Contact.respondent_id == respondent.id))
    token = token or (respondent.phone_encrypted if respondent.followup_consent else None)
    return decrypt(token) if token else None


def deliver(claim: Claim, now: Callable[[], datetime] = utcnow) -> str:
    """Send one claimed text: marked *sending* and committed before the API call, then
    the outcome committed. Returns the message's status."""
    message = db.session.get(Message, claim.message_id, with_for_update=True)
    if message is None or message.status != CLAIMED:
        return message.status if message else "missing"
    respondent = db.session.get(Respondent, message.respondent_id, populate_existing=True)
    number = phone_number(respondent) if respondent is not None else None
    if respondent is None or respondent.opted_out:
        message.status = "opted_out"
    elif number is None:
        message.status, message.error_code = "failed", "no_number"
    if message.status != CLAIMED:
        db.session.commit()
        return message.status
    message.status = SENDING
    _commit_keeping_loaded()  # what is about to be sent is on record first
    result = gateway.send_text(message, respondent, number)
    if result.outcome is gateway.Outcome.RETRY:
        message.status = PENDING if message.attempts < MAX_ATTEMPTS else "failed"
        message.send_after = now() + backoff(message.attempts)
        if result.error_code in ("429", str(gateway.RATE_LIMIT_CODE)):
            _slow_down(now())
    elif result.outcome is gateway.Outcome.SENT and message.topic and message.survey_id:
        _await_reply(message)
    db.session.commit()
    return message.status


def _commit_keeping_loaded() -> None:
    """Commit without expiring what is loaded: the API call that follows reads the
    message and the resident, and must not open a transaction (on SQLite, the write lock)
    for the length of an HTTP request."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _slow_down(now: datetime) -> None:
    """Twilio said too fast: the whole sender waits a little."""
    clock = db.session.get(SenderClock, sender_name())
    if clock is not None:
        clock.next_at = max(clock.next_at, now) + timedelta(seconds=5)


def _await_reply(message: Message) -> None:
    """An invitation was sent: the resident's next text enters that survey."""
    if not (message.topic or "").startswith(("invite:", "remind:")):
        return
    respondent = db.session.get(Respondent, message.respondent_id)
    if respondent is not None and message.survey_id is not None:
        sessions.invite(respondent, message.survey_id, utcnow())


def pump(budget_seconds: float = 20.0, now: Callable[[], datetime] = utcnow,
         sleep: Callable[[float], None] = time.sleep) -> int:
    """Send due texts for up to ``budget_seconds``; returns how many were handled."""
    deadline = time.monotonic() + budget_seconds
    handled = 0
    while time.monotonic() < deadline:
        claim = claim_next(now())
        db.session.commit()
        if claim is None:
            break
        wait = (claim.at - now()).total_seconds()
        if wait > 0:
            sleep(min(wait, max(deadline - time.monotonic(), 0) + 5))
        deliver(claim, now)
        handled += 1
    return handled


def sweep(now: datetime | None = None) -> dict[str, int]:
    """After a crash: claims go back to the queue, sends in doubt go to staff review;
    campaigns with nothing left to send are done."""
    now = now or utcnow()
    # A claim or a send this old belongs to a worker that died.
    stale = now - timedelta(seconds=current_app.config["OUTREACH_STALE_SECONDS"])
    requeued = db.session.execute(update(Message).where(
        Message.status == CLAIMED, Message.claimed_at < stale).values(status=PENDING)).rowcount
    flagged = db.session.execute(update(Message).where(
        Message.status == SENDING, Message.sid.is_(None), Message.claimed_at < stale)
        .values(status=REVIEW)).rowcount
    busy = select(Message.campaign_id).where(Message.status.in_((PENDING, CLAIMED, SENDING)),
                                             Message.campaign_id.is_not(None)).distinct()
    finished = db.session.execute(update(Campaign).where(
        Campaign.status == CampaignStatus.RUNNING, Campaign.id.not_in(busy))
        .values(status=CampaignStatus.DONE)).rowcount
    db.session.commit()
    return {"requeued": requeued, "flagged": flagged, "finished": finished}


def next_wake(now: datetime) -> datetime | None:
    """When a text that is waiting (scheduled, backing off, or held by quiet hours) may
    next go; None if none will without a change (nothing pending, or only texts of
    paused or cancelled campaigns). Only future moments: what is due now is the pump's."""
    sendable = or_(Message.campaign_id.is_(None), Campaign.status == CampaignStatus.RUNNING)
    pending = db.session.scalar(
        select(func.min(Message.send_after)).outerjoin(Campaign, Campaign.id == Message.campaign_id)
        .where(Message.status == PENDING, Message.send_after > now, sendable))
    held = db.session.scalar(select(func.min(Campaign.held_until)).where(
        Campaign.status == CampaignStatus.RUNNING, Campaign.held_until > now))
    times = [t for t in (pending, held) if t is not None]
    return min(times) if times else None


def overdue(now: datetime, grace: timedelta = timedelta(seconds=30)) -> bool:
    """Texts due a while ago and not taken: no pump is running (a lost task, a restart)."""
    return db.session.scalar(select(Message.id).outerjoin(Campaign).where(
        Message.status == PENDING, Message.send_after <= now - grace,
        or_(Message.campaign_id.is_(None), (Campaign.status == CampaignStatus.RUNNING)
            & or_(Campaign.held_until.is_(None), Campaign.held_until <= now)))
        .limit(1)) is not None
