"""Campaigns: an invitation or a reminder for one survey, in each of its languages, to
an audience of consenting contacts. Starting one writes every text to the outbox in the
same transaction as the status change; workers send them after the commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import String, case, cast, func, literal, or_, select, true, update
from sqlalchemy.sql import Select

from engage.core.clock import utcnow
from engage.core.errors import DomainError
from engage.core.i18n import _, _l, language_name
from engage.core.models import insert_for
from engage.extensions import db
from engage.messaging.encoding import SmsCost, sms_cost
from engage.messaging.models import Message
from engage.outreach import outbox
from engage.outreach.models import Campaign, CampaignKind, CampaignStatus, Contact
from engage.outreach.queue import nudge_after_commit
from engage.outreach.schedule import parse_hhmm
from engage.outreach.targeting import language_group, under_represented
from engage.responses.models import Respondent, Response, ResponseStatus
from engage.surveys.models import Channel, Survey

#: Statuses of a text that left us (Twilio's, or the console backend's).
SENT_STATES = ("queued", "accepted", "sending", "sent", "delivered", "read", "console")
MAX_BODY = 1600


@dataclass
class CampaignData:
    name: str
    messages: Mapping[str, str]
    kind: str = CampaignKind.INVITATION
    area_ids: Sequence[int] = field(default_factory=list)
    languages: Sequence[str] = field(default_factory=list)
    under_represented: bool = False
    threshold: float = 0.8
    reminder_after_days: int = 3
    starts_at: datetime | None = None
    rate_per_minute: int = 60
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"


@dataclass(frozen=True)
class LanguageEstimate:
    locale: str
    recipients: int
    cost: SmsCost
    dollars: float


def _problems(survey: Survey, data: CampaignData) -> list[object]:
    problems: list[object] = []
    if not data.name.strip():
        problems.append(_l("Give the campaign a name."))
    if data.kind not in tuple(CampaignKind):
        problems.append(_l("Choose an invitation or a reminder."))
    for locale in survey.locales:
        text = (data.messages.get(locale) or "").strip()
        if not text:
            problems.append(_l("%(language)s: the message is missing.",
                               language=language_name(locale)))
        elif len(text) > MAX_BODY:
            problems.append(_l("%(language)s: the message is longer than %(max)s characters.",
                               language=language_name(locale), max=MAX_BODY))
    if not 1 <= data.rate_per_minute <= 6000:
        problems.append(_l("The sending rate must be from 1 to 6,000 texts a minute."))
    if not 0 < data.threshold <= 1:
        problems.append(_l("The representation threshold must be above 0 and at most 1."))
    if not 1 <= data.reminder_after_days <= 60:
        problems.append(_l("Remind after 1 to 60 days."))
    for value in (data.quiet_start, data.quiet_end):
        try:
            parse_hhmm(value)
        except ValueError:
            problems.append(_l("Quiet hours are times like 21:00."))
            break
    if Channel.SMS not in survey.channels:
        problems.append(_l("This survey is not answered by text message."))
    return problems


def save_campaign(survey: Survey, data: CampaignData, campaign: Campaign | None = None,
                  user_id: int | None = None) -> Campaign:
    """Create a draft campaign, or change one not yet started."""
    if campaign is not None and campaign.status != CampaignStatus.DRAFT:
        raise DomainError(_l("A campaign that has started cannot be changed; pause or cancel it."))
    problems = _problems(survey, data)
    if problems:
        raise DomainError(*problems)
    if campaign is None:
        campaign = Campaign(survey_id=survey.id, created_by_id=user_id,
                            status=CampaignStatus.DRAFT)
        db.session.add(campaign)
    campaign.name, campaign.kind = data.name.strip()[:200], data.kind
    campaign.messages = {loc: data.messages[loc].strip() for loc in survey.locales}
    campaign.audience = {"areas": [int(a) for a in data.area_ids],
                         "languages": [language_group(c) for c in data.languages],
                         "under_represented": bool(data.under_represented)}
    campaign.threshold, campaign.reminder_after_days = data.threshold, data.reminder_after_days
    campaign.starts_at, campaign.rate_per_minute = data.starts_at, data.rate_per_minute
    campaign.quiet_start, campaign.quiet_end = data.quiet_start, data.quiet_end
    db.session.flush()
    return campaign


# -- audience ---------------------------------------------------------------------------

def invite_topic(survey_id: int) -> str:
    return f"invite:{survey_id}"


def audience(campaign: Campaign, now: datetime | None = None) -> Select:
    """(respondent_id, contact language) of everyone this campaign would text now:
    consenting contacts who have not opted out, in the chosen areas and languages (or
    under-represented ones), not yet invited to / finished with the survey."""
    now = now or utcnow()
    spec = campaign.audience or {}
    query = (select(Contact.respondent_id, Contact.language)
             .join(Respondent, Respondent.id == Contact.respondent_id)
             .where(Respondent.opted_out.is_(False)))
    if spec.get("areas"):
        query = query.where(Contact.area_id.in_(spec["areas"]))
    if spec.get("languages"):
        query = query.where(Contact.language.in_(_codes_in_groups(set(spec["languages"]))))
    if spec.get("under_represented"):
        targets = under_represented(campaign.survey_id, campaign.threshold)
        query = query.where(or_(Contact.area_id.in_(targets.area_ids),
                                Contact.language.in_(_codes_in_groups(targets.language_groups))))
    answered = select(Response.respondent_id).where(Response.survey_id == campaign.survey_id,
                                                    Response.respondent_id.is_not(None))
    invited = select(Message.respondent_id).where(Message.topic == invite_topic(campaign.survey_id))
    if campaign.kind == CampaignKind.REMINDER:
        finished = answered.where(Response.status == ResponseStatus.COMPLETE)
        cutoff = now - timedelta(days=campaign.reminder_after_days)
        invited_long_ago = invited.where(Message.status.in_(SENT_STATES),
                                         Message.created_at <= cutoff)
        return query.where(Contact.respondent_id.in_(invited_long_ago),
                           Contact.respondent_id.not_in(finished))
    return query.where(Contact.respondent_id.not_in(answered),
                       Contact.respondent_id.not_in(invited))


def _codes_in_groups(groups: set[str] | frozenset[str]) -> list[str]:
    codes = db.session.scalars(select(Contact.language).distinct())
    return [code for code in codes if language_group(code) in groups]


def survey_locale(survey: Survey, code: str) -> str:
    """The survey language for a contact's language: the same, the same language
    (zh_Hant for zh), else the survey's default."""
    if code in survey.locales:
        return code
    group = language_group(code)
    return next((loc for loc in survey.locales if language_group(loc) == group),
                survey.default_locale)


def bodies(campaign: Campaign) -> dict[str, str]:
    """Each language's text as sent: the link and keyword filled in, and how to stop."""
    survey = db.session.get(Survey, campaign.survey_id)
    assert survey is not None
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    out = {}
    for locale, text in campaign.messages.items():
        link = f"{base}/s/{survey.slug}?lang={locale}" if base else f"/s/{survey.slug}"
        text = text.replace("{link}", link).replace("{keyword}", survey.sms_keyword or "")
        if "STOP" not in text.upper():
            with force_locale(locale):
                stop = _("Text STOP to stop.")
            text = f"{text} {stop}"
        out[locale] = text
    return out


def estimate(campaign: Campaign) -> list[LanguageEstimate]:
    """Recipients, parts and cost per language, were the campaign started now."""
    survey = db.session.get(Survey, campaign.survey_id)
    assert survey is not None
    people = audience(campaign).subquery()
    counts: dict[str, int] = {}
    for code, n in db.session.execute(select(people.c.language, func.count())
                                      .group_by(people.c.language)):
        locale = survey_locale(survey, code)
        counts[locale] = counts.get(locale, 0) + n
    price = current_app.config["SMS_PRICE_PER_PART"]
    out = []
    for locale, body in bodies(campaign).items():
        cost = sms_cost(body)
        out.append(LanguageEstimate(locale, counts.get(locale, 0), cost,
                                    round(counts.get(locale, 0) * cost.parts * price, 2)))
    return out


# -- running ----------------------------------------------------------------------------

def start_campaign(campaign: Campaign, pumps: int = 1) -> int:
    """Write every text of the campaign to the outbox and mark it running, in one
    transaction; workers are nudged after the commit. Returns the texts queued."""
    if campaign.status != CampaignStatus.DRAFT:
        raise DomainError(_l("This campaign has already started."))
    survey = db.session.get(Survey, campaign.survey_id)
    assert survey is not None
    if not survey.is_open():
        raise DomainError(_l("The survey is not open: publish it first."))
    now = utcnow()
    texts = bodies(campaign)
    people = audience(campaign, now).subquery()
    codes = list(db.session.scalars(select(people.c.language).distinct()))
    campaign.status, campaign.next_send_at = CampaignStatus.RUNNING, None
    if not codes:  # nobody to text (the sweep marks the campaign done)
        db.session.flush()
        return 0
    locale_of = {code: survey_locale(survey, code) for code in codes}
    body = case({code: texts[loc] for code, loc in locale_of.items()}, value=people.c.language,
                else_=texts[survey.default_locale])
    parts = case({code: sms_cost(texts[loc]).parts for code, loc in locale_of.items()},
                 value=people.c.language, else_=1)
    topic = (invite_topic(survey.id) if campaign.kind == CampaignKind.INVITATION
             else f"remind:{campaign.id}")
    send_after = max(campaign.starts_at or now, now)
    rows = select(literal("out"), literal(outbox.PENDING), body, people.c.respondent_id,
                  literal(survey.id), literal(campaign.id), literal(outbox.BULK),
                  cast(literal(topic), String), literal(send_after, type_=Message.send_after.type),
                  parts, literal(0), literal(now, type_=Message.created_at.type),
                  literal(now, type_=Message.updated_at.type)
                  ).where(true())  # SQLite needs a WHERE before ON CONFLICT in INSERT...SELECT
    columns = ["direction", "status", "body", "respondent_id", "survey_id", "campaign_id",
               "priority", "topic", "send_after", "parts", "attempts", "created_at", "updated_at"]
    statement = (insert_for(Message).from_select(columns, rows)
                 .on_conflict_do_nothing(index_elements=["respondent_id", "topic"]))
    # preserve_rowcount: psycopg does not report an INSERT ... SELECT's count otherwise
    queued = db.session.execute(statement, execution_options={"preserve_rowcount": True}).rowcount
    db.session.flush()
    nudge_after_commit(db.session(), pumps)
    return queued


def pause_campaign(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.RUNNING:
        campaign.status = CampaignStatus.PAUSED
        db.session.flush()


def resume_campaign(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.PAUSED:
        campaign.status = CampaignStatus.RUNNING
        db.session.flush()
        nudge_after_commit(db.session())


def cancel_campaign(campaign: Campaign) -> int:
    """Stop for good: texts not yet sent are cancelled (a text being sent finishes)."""
    if campaign.status in (CampaignStatus.CANCELLED, CampaignStatus.DONE):
        return 0
    campaign.status = CampaignStatus.CANCELLED
    cancelled = db.session.execute(update(Message).where(
        Message.campaign_id == campaign.id, Message.status == outbox.PENDING)
        .values(status=outbox.CANCELLED)).rowcount
    db.session.flush()
    return cancelled


def settle_review(campaign: Campaign, resend: bool) -> int:
    """Staff decide about texts a crash left in doubt: send them again, or count them
    as sent (check Twilio's log first)."""
    values = ({"status": outbox.PENDING, "send_after": utcnow()} if resend
              else {"status": "sent"})
    changed = db.session.execute(update(Message).where(
        Message.campaign_id == campaign.id, Message.status == outbox.REVIEW).values(**values)
    ).rowcount
    if resend and changed and campaign.status == CampaignStatus.DONE:
        campaign.status = CampaignStatus.RUNNING
    db.session.flush()
    if resend and changed:
        nudge_after_commit(db.session())
    return changed


#: How the live page groups statuses.
STATUS_GROUPS = {
    "queued": (outbox.PENDING, outbox.CLAIMED),
    "sending": (outbox.SENDING,),
    "sent": ("queued", "accepted", "sent", "console", "read"),
    "delivered": ("delivered",),
    "failed": ("failed", "undelivered"),
    "opted_out": ("opted_out",),
    "review": (outbox.REVIEW,),
    "cancelled": (outbox.CANCELLED,),
}


def status_counts(campaign_id: int) -> dict[str, int]:
    rows = dict(db.session.execute(select(Message.status, func.count())
                                   .where(Message.campaign_id == campaign_id)
                                   .group_by(Message.status)).all())
    return {group: sum(rows.get(s, 0) for s in statuses)
            for group, statuses in STATUS_GROUPS.items()}

