"""The outbox: every text we send ourselves is a Message row written before anything
is queued, and sent at most once.

A worker takes a due text in one statement that marks it *sending* and returns what the
call needs (body, the number's token, the resident's opt-out); on PostgreSQL the same
statement moves the campaign's pace and the sender's clock (SQLite, with no writes in a
WITH clause, moves them in the same transaction, one statement each; its one writer at
a time keeps them right). That is committed before the API call (on PostgreSQL the
pump claims on an autocommit connection: the server commits the claim as it ends);
what Twilio said and, for an invitation, the resident's conversation are the second
commit. A text found
*sending* with no sid after a crash may have reached Twilio, so it goes to staff review
and is never sent blindly again (a late status callback still settles it). A text waits
for its slot already marked *sending*, so a crash in that wait also sends it to review:
slots are at most one text per worker ahead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Engine, Float, bindparam, case, func, literal_column, or_, select, update
from sqlalchemy.sql import Executable

from engage.core.clock import utcnow
from engage.core.models import UTCDateTime, insert_for
from engage.extensions import db
from engage.messaging.encoding import sms_cost
from engage.messaging.models import Message
from engage.outreach import gateway
from engage.outreach.models import Campaign, CampaignStatus, Contact, SenderClock
from engage.outreach.schedule import backoff, pace, quiet_starts, quiet_until
from engage.responses import operations as responses
from engage.responses import sessions
from engage.responses.models import Respondent
from engage.responses.phones import decrypt

PENDING, CLAIMED, SENDING, REVIEW, CANCELLED = "pending", "claimed", "sending", "review", "cancelled"
MAX_ATTEMPTS = 8
REPLY, BULK = 0, 1
#: How long a pump trusts its plan (which campaigns are outside quiet hours) at most:
#: a campaign started meanwhile waits this long for a running pump.
PLAN_SECONDS = 10.0


@dataclass(frozen=True)
class Claim:
    """A text marked *sending*, with what its API call needs."""

    message_id: int
    at: datetime  # when the campaign's pace and the sender's clock let it go
    body: str
    respondent_id: int
    survey_id: int | None
    topic: str | None
    attempts: int
    token: bytes | None  # the encrypted number: the contact list's, or kept with consent
    opted_out: bool
    locale: str | None  # the resident's


@dataclass(frozen=True)
class Plan:
    """What may be taken now, decided once for many texts: quiet hours depend only on
    the clock and each campaign's settings, and running campaigns are few."""

    campaigns: tuple[int, ...]  # running, not held, outside their quiet hours
    lone: bool  # texts outside campaigns: outside the config's quiet hours
    until: datetime  # decide again then (quiet hours begin, a hold ends, or a while)


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


def plan(now: datetime) -> Plan:
    """Which running campaigns (and whether texts outside campaigns) may send now; those
    in their quiet hours are held until the quiet hours end: a campaign as a whole, lone
    texts one by one."""
    cfg = current_app.config
    tz = cfg["CITY_TIMEZONE"]
    until = now + timedelta(seconds=PLAN_SECONDS)
    open_ids: list[int] = []
    running = db.session.execute(select(
        Campaign.id, Campaign.quiet_start, Campaign.quiet_end, Campaign.held_until)
        .where(Campaign.status == CampaignStatus.RUNNING)).all()
    for campaign_id, start, end, held in running:
        if held is not None and held > now:
            until = min(until, held)
            continue
        quiet = quiet_until(now, tz, start, end)
        if quiet is not None:
            db.session.execute(update(Campaign).where(Campaign.id == campaign_id)
                               .values(held_until=quiet))
            until = min(until, quiet)
            continue
        open_ids.append(campaign_id)
        until = min(until, quiet_starts(now, tz, start, end) or until)
    start, end = cfg["OUTREACH_QUIET_START"], cfg["OUTREACH_QUIET_END"]
    quiet = quiet_until(now, tz, start, end)
    if quiet is not None:
        db.session.execute(update(Message).where(
            Message.status == PENDING, Message.campaign_id.is_(None), Message.send_after < quiet)
            .values(send_after=quiet))
    until = min(until, quiet or quiet_starts(now, tz, start, end) or until)
    if cfg["SMS_SENDER_PER_SECOND"] > 0:  # the shared clock row the claim moves
        db.session.execute(insert_for(SenderClock).values(sender=sender_name(), next_at=now)
                           .on_conflict_do_nothing(index_elements=["sender"]))
    return Plan(tuple(open_ids), quiet is None, until)


_NOW = bindparam("now", type_=UTCDateTime())
_SECOND = literal_column("interval '1 second'")


@cache
def _claim_statement(dialect: str, sender_paced: bool) -> Executable:
    """The one statement that takes the next due text (built once per database kind;
    executed with bound parameters): marked *sending*, returned with what the call
    needs. On PostgreSQL it also moves the campaign's pace and the sender's clock, whose
    row locks (updates) make concurrent claims take turns on them."""
    gate = or_(Message.campaign_id.is_(None) & bindparam("lone"),
               Message.campaign_id.in_(bindparam("campaigns", expanding=True))
               & (Campaign.status == CampaignStatus.RUNNING))
    pick = (select(Message.id).outerjoin(Campaign, Campaign.id == Message.campaign_id)
            .where(Message.status == PENDING, Message.send_after <= _NOW,
                   Message.respondent_id.is_not(None), gate)
            .order_by(Message.priority, Message.send_after, Message.id).limit(1))
    if dialect == "postgresql":
        pick = pick.with_for_update(of=Message, skip_locked=True)

    # Spelled out: SQLite writes RETURNING's columns unqualified, and in a subquery an
    # unqualified respondent_id would be the contact's own.
    whose = literal_column("message.respondent_id")

    def of_respondent(column: Any) -> Any:
        return select(column).where(Respondent.id == whose).scalar_subquery()

    token = func.coalesce(
        select(Contact.phone_encrypted).where(Contact.respondent_id == whose).scalar_subquery(),
        of_respondent(case((Respondent.followup_consent, Respondent.phone_encrypted))))
    returned = [Message.id, Message.campaign_id, Message.parts, Message.body,
                Message.respondent_id, Message.survey_id, Message.topic, Message.attempts,
                token.label("token"), of_respondent(Respondent.opted_out).label("opted_out"),
                of_respondent(Respondent.locale).label("locale")]
    claim = (update(Message).where(Message.id == pick.scalar_subquery())
             .values(status=SENDING, claimed_at=_NOW, updated_at=_NOW, attempts=Message.attempts + 1))
    if dialect != "postgresql":  # and the clocks as they stand, to move them in Python
        def of_campaign(column: Any) -> Any:
            return select(column).where(Campaign.id == literal_column("message.campaign_id")) \
                .scalar_subquery()

        clock = select(SenderClock.next_at).where(SenderClock.sender == bindparam("sender_name"))
        return claim.returning(*returned, of_campaign(Campaign.next_send_at).label("next_send_at"),
                               of_campaign(Campaign.rate_per_minute).label("rate_per_minute"),
                               clock.scalar_subquery().label("clock"))
    claimed = claim.returning(*returned).cte("claimed")
    step = 60.0 / func.greatest(Campaign.rate_per_minute, 1) * _SECOND
    paced = (update(Campaign).where(Campaign.id == claimed.c.campaign_id)
             .values(next_send_at=func.greatest(func.coalesce(Campaign.next_send_at, _NOW), _NOW)
                     + step, updated_at=_NOW)
             .returning((Campaign.next_send_at - step).label("at")).cte("paced"))
    at = func.coalesce(select(paced.c.at).scalar_subquery(), _NOW)
    if sender_paced:
        parts = select(claimed.c.parts).scalar_subquery()
        part = parts / bindparam("per_second", type_=Float) * _SECOND
        clock = (update(SenderClock)
                 .where(SenderClock.sender == bindparam("sender_name"), parts.is_not(None))
                 .values(next_at=func.greatest(SenderClock.next_at, at) + part)
                 .returning((SenderClock.next_at - part).label("at")).cte("clock"))
        at = func.coalesce(select(clock.c.at).scalar_subquery(), at)
    return select(*[c for c in claimed.c if c.name != "campaign_id"], at.label("at"))


def claim_next(now: datetime, current: Plan | None = None,
               connection: Connection | None = None) -> Claim | None:
    """The next text that may go now, marked *sending*, with the moment its campaign's
    pace and its sender's clock let it go; None if nothing is due. ``current``: the
    pump's plan (made here if not given). ``connection``: an autocommit connection
    (PostgreSQL, :func:`_autocommit`) on which the claim is its own transaction,
    committed by the server as the statement ends; otherwise the session's, to commit."""
    current = current or plan(now)
    cfg = current_app.config
    per_second = cfg["SMS_SENDER_PER_SECOND"]
    dialect = db.session.get_bind().dialect.name
    # A Core statement (nothing loaded to keep in step), without the ORM's per-execution
    # bookkeeping.
    row = (connection or db.session.connection()).execute(_claim_statement(dialect, per_second > 0), {
        "now": now, "lone": current.lone, "campaigns": list(current.campaigns),
        "sender_name": sender_name(), "per_second": per_second}).first()
    if row is None:
        return None
    at = row.at if dialect == "postgresql" else _pace_here(row, now)
    return Claim(row.id, at, row.body, row.respondent_id, row.survey_id, row.topic,
                 row.attempts, row.token, bool(row.opted_out), row.locale)


def _pace_here(row: Any, now: datetime) -> datetime:
    """The campaign's pace and the sender's clock, as the claim returned them, moved in
    Python (SQLite: the claim's transaction holds the database's one write lock, so
    nobody moves them meanwhile)."""
    at = now
    if row.campaign_id is not None:
        at, free = pace(row.next_send_at, now, max(row.rate_per_minute, 1) / 60)
        db.session.execute(update(Campaign).where(Campaign.id == row.campaign_id)
                           .values(next_send_at=free))
    per_second = current_app.config["SMS_SENDER_PER_SECOND"]
    if per_second > 0:
        at, free = pace(row.clock, at, per_second, row.parts)
        db.session.execute(update(SenderClock).where(SenderClock.sender == sender_name())
                           .values(next_at=free))
    return at


def deliver(claim: Claim, now: Callable[[], datetime] = utcnow) -> str:
    """Send one claimed text and record the outcome (the second commit). Returns the
    message's status."""
    number = decrypt(claim.token) if claim.token and not claim.opted_out else None
    if claim.opted_out:
        result = gateway.SendResult(gateway.Outcome.OPTED_OUT, status="opted_out")
    elif number is None:
        result = gateway.SendResult(gateway.Outcome.FAILED, error_code="no_number")
    else:
        result = gateway.post(claim.message_id, claim.body, number)
    status = record(claim, result, now())
    db.session.commit()
    return status


def record(claim: Claim, result: gateway.SendResult, now: datetime) -> str:
    """What the attempt means for the message, in one statement; a rate limit slows the
    sender, a carrier's opt-out is the resident's, and a sent invitation waits for the
    reply. Returns the message's status."""
    changes: dict[str, Any] = {"status": result.status}
    if result.sid:
        changes["sid"] = result.sid
    if result.error_code:
        changes["error_code"] = result.error_code
    if result.outcome is gateway.Outcome.RETRY:
        changes["status"] = PENDING if claim.attempts < MAX_ATTEMPTS else "failed"
        changes["send_after"] = now + backoff(claim.attempts)
        if result.error_code in ("429", str(gateway.RATE_LIMIT_CODE)):
            _slow_down(now)
    elif result.outcome is gateway.Outcome.OPTED_OUT and result.error_code:
        respondent = db.session.get(Respondent, claim.respondent_id)
        if respondent is not None:
            responses.set_opted_out(respondent, True)
    elif result.outcome is gateway.Outcome.SENT:
        _await_reply(claim, now)
    db.session.connection().execute(_outcome_statement(tuple(changes)),
                                    {**changes, "message_id": claim.message_id})
    return str(changes["status"])


@cache
def _outcome_statement(columns: tuple[str, ...]) -> Executable:
    """The outcome's ``UPDATE`` of the message, built once per set of columns written and
    executed with bound parameters on the session's connection (a Core statement: the
    ORM has nothing loaded to keep in step). Committed durably like every write: what
    Twilio said about a text that reached a resident is kept."""
    table = Message.__table__
    return (update(table).where(table.c.id == bindparam("message_id"))
            .values({name: bindparam(name, type_=table.c[name].type) for name in columns}))


def _slow_down(now: datetime) -> None:
    """Twilio said too fast: the whole sender waits a little (rare: read, then written)."""
    mine = SenderClock.sender == sender_name()
    clock = db.session.scalar(select(SenderClock.next_at).where(mine).with_for_update())
    if clock is not None:
        db.session.execute(update(SenderClock).where(mine)
                           .values(next_at=max(clock, now) + timedelta(seconds=5)))


def _await_reply(claim: Claim, now: datetime) -> None:
    """An invitation or a reminder was sent: the resident's next text enters that survey."""
    if claim.survey_id is not None and (claim.topic or "").startswith(("invite:", "remind:")):
        sessions.invite(claim.respondent_id, claim.survey_id, now, claim.locale)


def pump(budget_seconds: float = 20.0, now: Callable[[], datetime] = utcnow,
         sleep: Callable[[float], None] = time.sleep) -> int:
    """Send due texts for up to ``budget_seconds``; returns how many were handled."""
    deadline = time.monotonic() + budget_seconds
    handled = 0
    current: Plan | None = None
    with _autocommit() as claiming:
        while time.monotonic() < deadline:
            moment = now()
            if current is None or moment >= current.until:
                current = plan(moment)
                db.session.commit()  # the sender's clock row, for the claims to move
            claim = claim_next(moment, current, claiming)
            db.session.commit()  # *sending* is on record before the API call
            if claim is None:
                break
            wait = (claim.at - now()).total_seconds()
            if wait > 0:
                sleep(min(wait, max(deadline - time.monotonic(), 0) + 5))
            deliver(claim, now)
            handled += 1
    return handled


@contextmanager
def _autocommit() -> Iterator[Connection | None]:
    """PostgreSQL: a connection in autocommit mode, kept for a pump's pass, for the
    claims. Each claim is then committed by the server as its statement ends, so the
    row locks it takes on the campaign's pace and the sender's clock (which every
    worker's claims take turns on) are held for the statement and its WAL flush only,
    not for a round trip back to a Python thread that must first get the GIL back (one
    more pool checkout, and its pre-ping, per text saved too). None (claims in the
    session's transaction) on SQLite, whose claim is several statements, and for a
    session joined to an outside connection's transaction (the tests')."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql" or not isinstance(bind, Engine):
        yield None
        return
    with bind.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


def sweep(now: datetime | None = None) -> dict[str, int]:
    """After a crash: claims go back to the queue, sends in doubt go to staff review;
    campaigns with nothing left to send are done."""
    now = now or utcnow()
    # A claim or a send this old belongs to a worker that died.
    stale = now - timedelta(seconds=current_app.config["OUTREACH_STALE_SECONDS"])
    # (*claimed*: left by a worker of the three-step outbox, before its API call.)
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
