"""A text conversation: the SMS adapter between a resident's texts and the engine.

It turns a text into a command (STOP, HELP, SKIP...), a survey keyword, a menu choice or
an answer for the engine, and the engine's outcome into the next text. The webhook and
the staff phone simulator both call :func:`handle_inbound`: one code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engage.channels.sms import compose
from engage.channels.sms.models import SmsConversation, Stage
from engage.core.clock import utcnow
from engage.core.i18n import language_name, resolve
from engage.engine import Action, Input, Outcome, Policy, start, step
from engage.engine.commands import Command, command
from engage.engine.spec import SurveySpec
from engage.engine.words import fold, parse_number
from engage.extensions import db
from engage.messaging.encoding import sms_cost
from engage.messaging.models import Direction, Message
from engage.responses import operations as responses
from engage.responses.models import Respondent, Response, ResponseStatus
from engage.responses.phones import InvalidPhone, normalise
from engage.surveys.models import Channel, Survey, SurveyStatus
from engage.surveys.operations import KEYWORD_RE
from engage.surveys.queries import survey_spec

ENGINE_ACTIONS = {Command.SKIP: Action.SKIP, Command.BACK: Action.BACK,
                  Command.REPEAT: Action.REPEAT}


@dataclass(frozen=True)
class Inbound:
    sid: str
    sender: str  # as Twilio sends it; normalised and hashed here, never stored
    body: str
    #: Pictures and other attachments (NumMedia): none of them can be read as an answer.
    media: int = 0
    #: From the staff phone simulator: responses it starts are labelled synthetic.
    simulated: bool = False


def clean_body(body: str | None) -> str:
    """What a resident typed, without control characters (a NUL would not even store)
    and within Twilio's 1,600 characters."""
    text = "".join(ch for ch in (body or "") if ch in "\n\t" or ch.isprintable())
    return text[:1600]


class DuplicateDelivery(Exception):
    """The same MessageSid arrived while the first delivery was being handled."""


def handle_inbound(inbound: Inbound) -> str | None:
    """The reply to one incoming text (None: send nothing). Flushes; the caller commits.

    A second delivery of a MessageSid gets the first one's reply and changes nothing.
    """
    seen = db.session.scalar(select(Message).where(Message.sid == inbound.sid))
    if seen is not None:
        return seen.reply
    body = clean_body(inbound.body)
    try:
        respondent = responses.respondent_for_phone(normalise(inbound.sender), lock=True)
    except InvalidPhone:
        respondent = None
    message = Message(direction=Direction.INBOUND, sid=inbound.sid, body=body, status="received",
                      respondent_id=respondent.id if respondent else None)
    db.session.add(message)
    try:
        db.session.flush()
    except IntegrityError as err:  # the same sid, committed by another request meanwhile
        raise DuplicateDelivery(inbound.sid) from err
    reply = _respond(respondent, body, inbound) if respondent is not None else None
    message.reply = reply
    if reply:
        conv = db.session.get(SmsConversation, respondent.id) if respondent else None
        message.survey_id = conv.survey_id if conv else None
        db.session.add(Message(direction=Direction.OUTBOUND, body=reply, status="replied",
                               respondent_id=message.respondent_id, survey_id=message.survey_id,
                               parts=sms_cost(reply).parts))
    db.session.flush()
    return reply


def _respond(respondent: Respondent, body: str, inbound: Inbound) -> str | None:
    cmd = command(body, opted_out=respondent.opted_out)
    locale = respondent.locale or "en"
    if cmd is Command.STOP:  # a stop wins over everything, and is confirmed once
        if respondent.opted_out:
            return None
        responses.set_opted_out(respondent, True)
        return compose.stopped_text(locale)
    if respondent.opted_out:
        if cmd is Command.START:
            responses.set_opted_out(respondent, False)
            return compose.started_text(locale)
        return None
    if cmd in (Command.HELP, Command.START):
        return compose.help_text(locale, open_keywords())
    keyword_hit = survey_for_keyword(body) if could_be_keyword(body) else None
    conv = db.session.get(SmsConversation, respondent.id)
    if keyword_hit is not None:
        survey, keyword_locale = keyword_hit
        return _begin(respondent, conv, survey, keyword_locale, inbound.simulated)
    survey = db.session.get(Survey, conv.survey_id) if conv is not None else None
    if conv is None or conv.stage == Stage.DONE or expired(conv, survey):
        return compose.help_text(locale, open_keywords())
    conv.last_activity_at = utcnow()
    if survey is None or not survey.is_open():
        conv.stage = Stage.DONE
        return compose.help_text(locale, open_keywords())
    if conv.stage == Stage.INVITED:
        locale = respondent.locale if respondent.locale in survey.locales else None
        return _begin(respondent, conv, survey, locale, inbound.simulated)
    spec = survey_spec(survey, Channel.SMS)
    if conv.stage == Stage.LANGUAGE:
        return _chose_language(respondent, conv, survey, spec, body, inbound.simulated)
    if conv.stage == Stage.RESUME:
        return _chose_resume(respondent, conv, survey, spec, body, inbound.simulated)
    if cmd is Command.LANGUAGE:
        conv.stage = Stage.LANGUAGE
        return compose.choose_language_text(spec.locales, locale)
    return _answer(conv, survey, spec, Input(ENGINE_ACTIONS.get(cmd, Action.ANSWER), (body,)),
                   pictures=inbound.media > 0)


# -- surveys and keywords ------------------------------------------------------------

def open_sms_surveys() -> list[Survey]:
    candidates = db.session.scalars(
        select(Survey).where(Survey.status == SurveyStatus.PUBLISHED, Survey.sms_keyword.is_not(None))
    )
    return [s for s in candidates if Channel.SMS in s.channels and s.is_open()]


def open_keywords() -> list[str]:
    return sorted(s.sms_keyword for s in open_sms_surveys() if s.sms_keyword)


def could_be_keyword(body: str) -> bool:
    """Keywords are one word of two or more letters or digits: most answers ("2",
    "1,3", "sí y no") cannot be one, and need no look at the open surveys."""
    return bool(KEYWORD_RE.match(fold(body)))


def survey_for_keyword(body: str) -> tuple[Survey, str | None] | None:
    """The open survey whose keyword ``body`` is (any case, accents ignored), and the
    language that keyword belongs to, if it is a language's own keyword."""
    folded = fold(body)
    if not folded:
        return None
    for survey in open_sms_surveys():
        if folded == fold(survey.sms_keyword or ""):
            return survey, None
        for locale, word in (survey.sms_keywords or {}).items():
            if folded == fold(word) and locale in survey.locales:
                return survey, locale
    return None


def expired(conv: SmsConversation, survey: Survey | None) -> bool:
    """Left longer than the survey's expiry: the next keyword offers continue or restart."""
    hours = survey.sms_expiry_hours if survey else 72
    return utcnow() - conv.last_activity_at > timedelta(hours=hours)


# -- stages --------------------------------------------------------------------------

def _conversation(respondent: Respondent, conv: SmsConversation | None, survey: Survey,
                  stage: Stage, response: Response | None) -> SmsConversation:
    if conv is None:
        conv = SmsConversation(respondent_id=respondent.id)
        db.session.add(conv)
    conv.survey_id, conv.stage = survey.id, stage
    conv.response_id = response.id if response else None
    conv.last_activity_at = utcnow()
    return conv


def _begin(respondent: Respondent, conv: SmsConversation | None, survey: Survey,
           keyword_locale: str | None, simulated: bool) -> str:
    """The keyword: offer to continue an earlier start, else start (after the language
    question, if the survey has several and the resident's is not known)."""
    spec = survey_spec(survey, Channel.SMS)
    existing = db.session.scalar(select(Response).where(
        Response.survey_id == survey.id, Response.respondent_id == respondent.id))
    locale = keyword_locale or spec.locale_for(respondent.locale)
    if existing is not None:
        if existing.status == ResponseStatus.COMPLETE:
            return compose.already_done_text(existing.locale)
        _conversation(respondent, conv, survey, Stage.RESUME, existing)
        return compose.resume_menu(resolve(survey.title, existing.locale, spec.default_locale),
                                   existing.locale)
    if keyword_locale is None and respondent.locale not in spec.locales and len(spec.locales) > 1:
        _conversation(respondent, conv, survey, Stage.LANGUAGE, None)
        return compose.language_menu(spec.locales)
    return _start_response(respondent, conv, survey, spec, locale, simulated)


def _start_response(respondent: Respondent, conv: SmsConversation | None, survey: Survey,
                    spec: SurveySpec, locale: str, simulated: bool) -> str:
    respondent.locale = locale
    outcome = start(spec, locale)
    response = responses.start_response(survey, outcome, Channel.SMS, respondent=respondent,
                                        synthetic=simulated)
    conv = _conversation(respondent, conv, survey, Stage.ANSWERING, response)
    title = resolve(survey.title, locale, spec.default_locale)
    return f"{title}\n{_next_text(conv, survey, spec, outcome)}"


def _chose_language(respondent: Respondent, conv: SmsConversation, survey: Survey,
                    spec: SurveySpec, body: str, simulated: bool) -> str:
    picked = pick_language(body, spec.locales)
    if picked is None:
        return compose.language_menu(spec.locales)
    respondent.locale = picked
    response = db.session.get(Response, conv.response_id) if conv.response_id else None
    if response is None:
        return _start_response(respondent, conv, survey, spec, picked, simulated)
    conv.stage = Stage.ANSWERING
    return _answer(conv, survey, spec, Input(Action.LANGUAGE, locale=picked))


def _chose_resume(respondent: Respondent, conv: SmsConversation, survey: Survey,
                  spec: SurveySpec, body: str, simulated: bool) -> str:
    response = db.session.get(Response, conv.response_id) if conv.response_id else None
    choice = parse_number(body)
    if response is None or choice == 2:
        if response is None:
            return _start_response(respondent, conv, survey, spec,
                                   spec.locale_for(respondent.locale), simulated)
        outcome = start(spec, response.locale)
        responses.restart_response(response, outcome)
        conv.stage = Stage.ANSWERING
        return _next_text(conv, survey, spec, outcome)
    if choice == 1:
        conv.stage = Stage.ANSWERING
        return _answer(conv, survey, spec, Input(Action.REPEAT))
    return compose.resume_menu(resolve(survey.title, response.locale, spec.default_locale),
                               response.locale)


def _answer(conv: SmsConversation, survey: Survey, spec: SurveySpec, inp: Input,
            pictures: bool = False) -> str:
    """The engine's step for what the resident texted (an empty text with pictures is
    no answer: the engine asks again, and the reply says pictures cannot be read)."""
    response = db.session.get(Response, conv.response_id)
    assert response is not None
    state = responses.load_state(response, spec)
    if state.current is not None and state.current not in {q.key for q in spec.questions}:
        state = start(spec, state.locale).state  # a question this channel does not ask
    max_misses = current_app.config["SMS_MAX_MISSES"]
    outcome = step(spec, state, inp, Policy(max_misses=max_misses))
    responses.apply_outcome(response, spec, outcome)
    text = _next_text(conv, survey, spec, outcome)
    if outcome.problem:
        problem = compose.problem_text(outcome.problem, outcome.state.locale, outcome.question,
                                       pictures)
        return f"{problem}\n{text}"
    return text


def _next_text(conv: SmsConversation, survey: Survey, spec: SurveySpec, outcome: Outcome) -> str:
    """The next question, notes included (a note is sent with what follows it), or the
    thank-you text when done."""
    response = db.session.get(Response, conv.response_id)
    texts = []
    while outcome.question is not None and outcome.question.type == "note":
        texts.append(resolve(outcome.question.prompt, outcome.state.locale, spec.default_locale))
        outcome = step(spec, outcome.state, Input(Action.ANSWER))
        if response is not None:
            responses.apply_outcome(response, spec, outcome)
    locale = outcome.state.locale
    if outcome.state.done or outcome.question is None:
        texts.append(resolve(survey.thanks, locale, spec.default_locale))
        conv.stage = Stage.DONE
    else:
        texts.append(compose.question_text(outcome.question, locale, spec.default_locale))
    return "\n".join(t for t in texts if t)


def pick_language(body: str, locales: tuple[str, ...] | list[str]) -> str | None:
    """A language by its number in the menu, its name in itself, or its code."""
    folded = fold(body)
    number = parse_number(folded)
    if number is not None and number.is_integer() and 1 <= number <= len(locales):
        return locales[int(number) - 1]
    for code in locales:
        if folded in (fold(code), fold(language_name(code))):
            return code
    return None
