"""Close the loop: one text, in the resident's own language, to each resident who asked
to hear back, when a survey's report is published or one of its actions changes status.
Sent through the outreach outbox: opt-out and quiet hours hold, and a unique topic per
resident means nobody gets the same update twice."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from engage.core.i18n import _, resolve
from engage.extensions import db
from engage.messaging.models import Message
from engage.outreach import outbox
from engage.outreach.campaigns import survey_locale
from engage.outreach.queue import nudge_after_commit
from engage.plans.models import Action, ActionStatus
from engage.responses.models import Respondent, Response
from engage.surveys.models import Survey


def report_link(survey: Survey, locale: str) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}/r/{survey.slug}?lang={locale}"


def status_label(status: str) -> str:
    return {
        ActionStatus.PROPOSED: _("proposed"), ActionStatus.ADOPTED: _("adopted"),
        ActionStatus.IN_PROGRESS: _("in progress"), ActionStatus.DONE: _("done"),
        ActionStatus.NOT_ADOPTED: _("not adopted"),
    }[ActionStatus(status)]


def _followers(survey: Survey, topic: str) -> list[Respondent]:
    """Residents who answered and asked to hear back, still reachable, not yet told."""
    told = select(Message.respondent_id).where(Message.topic == topic,
                                               Message.respondent_id.is_not(None))
    return list(db.session.scalars(
        select(Respondent).join(Response, Response.respondent_id == Respondent.id)
        .where(Response.survey_id == survey.id, Respondent.followup_consent.is_(True),
               Respondent.opted_out.is_(False), Respondent.phone_encrypted.is_not(None),
               Respondent.id.not_in(told)).distinct()))


def _send(survey: Survey, topic: str, body: Callable[[str], str]) -> int:
    count = 0
    for respondent in _followers(survey, topic):
        locale = survey_locale(survey, respondent.locale or survey.default_locale)
        with force_locale(locale):
            text = body(locale)
        outbox.queue_text(respondent.id, text, topic=topic, survey_id=survey.id,
                          priority=outbox.BULK)
        count += 1
    if count:
        db.session.flush()
        nudge_after_commit(db.session())
    return count


def report_published(survey: Survey) -> int:
    def body(locale: str) -> str:
        return _("%(city)s: thank you for answering \"%(survey)s\". What we heard and what we "
                 "are doing about it: %(link)s", city=current_app.config["CITY_NAME"],
                 survey=resolve(survey.title, locale, survey.default_locale),
                 link=report_link(survey, locale))

    return _send(survey, f"report:{survey.id}", body)


def action_changed(action: Action) -> int:
    survey = action.finding.survey

    def body(locale: str) -> str:
        return _("%(city)s: an action from \"%(survey)s\" is now %(status)s: %(action)s "
                 "%(link)s", city=current_app.config["CITY_NAME"],
                 survey=resolve(survey.title, locale, survey.default_locale),
                 status=status_label(action.status),
                 action=resolve(action.text, locale, survey.default_locale)[:160],
                 link=report_link(survey, locale))

    return _send(survey, f"action:{action.id}:{action.status}", body)
