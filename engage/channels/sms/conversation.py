"""A text conversation: the SMS adapter between a resident's texts and the session.

It turns a text into an event (a survey keyword, or words), hands it to the session
machine every channel shares, stores what was decided, and renders what to say as one
text. The webhook and the staff phone simulator both call :func:`handle_inbound`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import IntegrityError

from engage.channels.sms import compose
from engage.core.clock import utcnow
from engage.engine.session import Keyword, Rules, Said, handle
from engage.engine.words import fold
from engage.extensions import db
from engage.messaging.encoding import sms_cost
from engage.messaging.models import Direction, Message
from engage.responses import operations as responses
from engage.responses import sessions
from engage.responses.models import Respondent
from engage.responses.phones import InvalidPhone, normalise
from engage.surveys.models import Channel
from engage.surveys.operations import KEYWORD_RE


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

    Each text is written once, with its reply, after the resident's lock. A second
    delivery of a MessageSid comes from the same number, so it waits for the first
    one's lock and then fails on the MessageSid written with it: the caller rolls its
    turn back and answers with the first one's reply, so it changes nothing. Repeats are
    rare; looking for one before every text would cost every text a read.
    """
    body = clean_body(inbound.body)
    try:
        respondent = responses.respondent_for_phone(normalise(inbound.sender), lock=True)
    except InvalidPhone:
        respondent = None
    reply, survey_id = _converse(respondent, body, inbound) if respondent else (None, None)
    respondent_id = respondent.id if respondent else None
    now = utcnow()
    texts = [{"direction": Direction.INBOUND, "sid": inbound.sid, "body": body,
              "status": "received", "reply": reply, "parts": 1}]
    if reply:
        texts.append({"direction": Direction.OUTBOUND, "sid": None, "body": reply,
                      "status": "replied", "reply": None, "parts": sms_cost(reply).parts})
    try:
        db.session.execute(_INSERT_TEXTS, [{**text, "respondent_id": respondent_id,
                                            "survey_id": survey_id, "created_at": now,
                                            "updated_at": now} for text in texts])
    except IntegrityError as err:  # this MessageSid was handled before
        raise DuplicateDelivery(inbound.sid) from err
    return reply


_INSERT_TEXTS = Message.__table__.insert()


def _converse(respondent: Respondent, body: str, inbound: Inbound) -> tuple[str | None, int | None]:
    """The session's turn for this text: the reply, and the survey it is about."""
    conv, session, facts = sessions.load(Channel.SMS, respondent)
    keyword = _keyword(body, facts)
    event = Keyword(*keyword) if keyword else Said(body, pictures=inbound.media > 0)
    rules = Rules(max_misses=current_app.config["SMS_MAX_MISSES"])
    decision = handle(session, event, facts, utcnow(), rules)
    sessions.store(conv, decision, facts, respondent, synthetic=inbound.simulated)
    reply = compose.render(decision.say)
    return reply or None, decision.session.survey_id if reply else None


def could_be_keyword(body: str) -> bool:
    """Keywords are one word of two or more letters or digits: most answers ("2",
    "1,3", "sí y no") cannot be one, and need no look at the open surveys."""
    return bool(KEYWORD_RE.match(fold(body)))


def _keyword(body: str, facts: sessions.Facts) -> tuple[int, str | None] | None:
    """The open survey whose keyword ``body`` is (any case, accents ignored), and the
    language that keyword belongs to, if it is a language's own keyword."""
    folded = fold(body)
    if not folded or not could_be_keyword(body):
        return None
    for survey in facts.open():
        if folded == fold(survey.sms_keyword or ""):
            return survey.id, None
        for locale, word in (survey.sms_keywords or {}).items():
            if folded == fold(word) and locale in survey.locales:
                return survey.id, locale
    return None
