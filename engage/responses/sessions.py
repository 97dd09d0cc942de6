"""The database side of a resident's session, shared by every channel: load the
conversation row, give the session machine its facts, store what it decided.

The machine (:mod:`engage.engine.session`) decides; this module only reads and writes,
so the SMS and voice adapters are left with their transport.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engage.core.i18n import language_name
from engage.engine import State, SurveySpec
from engage.engine.session import (
    INVITABLE,
    Apply,
    Decision,
    Invite,
    OptOut,
    ResponseRef,
    Session,
    SetAside,
    SetLocale,
    Stage,
    StartResponse,
    SurveyRef,
    handle,
)
from engage.extensions import db
from engage.responses import operations as responses
from engage.responses.models import Conversation, Respondent, Response, ResponseStatus
from engage.surveys.models import Channel, Survey, SurveyStatus
from engage.surveys.queries import survey_spec

#: How many surveys a call's menu offers (one key each, 9 and 0 kept for commands).
MENU_SIZE = 8


def open_surveys(channel: str) -> list[Survey]:
    """The surveys a text or a call can enter now, in menu order."""
    return Facts(channel, None).open()


def survey_ref(survey: Survey) -> SurveyRef:
    """The session's view of ``survey``; kept per revision (every edit makes a new one),
    since every turn of every conversation needs it."""
    key = (survey.id, survey.revision)
    ref = _REFS.get(key)
    if ref is None:
        if len(_REFS) > 256:
            _REFS.clear()
        ref = _REFS[key] = SurveyRef(
            id=survey.id, title=dict(survey.title or {}), locales=tuple(survey.locales),
            default_locale=survey.default_locale, keyword=survey.sms_keyword,
            intro=dict(survey.intro or {}), thanks=dict(survey.thanks or {}),
            names={code: language_name(code) for code in survey.locales},
            window=timedelta(hours=survey.sms_expiry_hours or 72))
    return ref


_REFS: dict[tuple[int, str], SurveyRef] = {}


class Facts:
    """What the session machine may read, for one channel and one resident, each looked
    up once per turn and only if the machine asks."""

    def __init__(self, channel: str, respondent_id: int | None,
                 response: Response | None = None, survey: Survey | None = None) -> None:
        """``response``, ``survey``: the session's, when they were read with the
        conversation."""
        self.channel = channel
        self.respondent_id = respondent_id
        self._open: list[Survey] | None = None
        # Rows held for the turn: the session's identity map keeps them only while
        # something refers to them, and each lookup would read them again.
        self._surveys: dict[int, Survey | None] = {survey.id: survey} if survey else {}
        self._responses: dict[int, Response] = {response.id: response} if response else {}

    def open(self) -> list[Survey]:
        """Published surveys open on this channel, oldest first (a text needs a keyword)."""
        if self._open is None:
            query = select(Survey).where(Survey.status == SurveyStatus.PUBLISHED)
            if self.channel == Channel.SMS:
                query = query.where(Survey.sms_keyword.is_not(None))
            found = db.session.scalars(query.order_by(Survey.published_at, Survey.id))
            self._open = [s for s in found if self.channel in s.channels and s.is_open()]
            self._surveys.update((s.id, s) for s in self._open)
            if self.channel == Channel.VOICE:
                self._open = self._open[:MENU_SIZE]
        return self._open

    def open_surveys(self) -> list[SurveyRef]:
        return [survey_ref(s) for s in self.open()]

    def row(self, survey_id: int) -> Survey | None:
        """The survey, open or not (read once per turn)."""
        if survey_id not in self._surveys:
            self._surveys[survey_id] = db.session.get(Survey, survey_id)
        return self._surveys[survey_id]

    def survey_row(self, survey_id: int) -> Survey | None:
        survey = self.row(survey_id)
        if survey is None or survey.status != SurveyStatus.PUBLISHED or not survey.is_open() \
                or self.channel not in survey.channels:
            return None
        return survey

    def survey(self, survey_id: int) -> SurveyRef | None:
        survey = self.survey_row(survey_id)
        return survey_ref(survey) if survey is not None else None

    def spec(self, survey_id: int) -> SurveySpec:
        survey = self.row(survey_id)
        assert survey is not None
        return survey_spec(survey, self.channel)

    def latest(self, survey_id: int) -> ResponseRef | None:
        if self.respondent_id is None:
            return None
        found = responses.latest_response(survey_id, self.respondent_id)
        if found is None:
            return None
        self._responses[found.id] = found
        return ResponseRef(found.id, found.locale, found.status == ResponseStatus.COMPLETE)

    def response(self, response_id: int) -> Response:
        if response_id not in self._responses:
            found = db.session.get(Response, response_id)
            assert found is not None
            self._responses[response_id] = found
        return self._responses[response_id]

    def state(self, response_id: int) -> State:
        response = self.response(response_id)
        return responses.load_state(response, self.spec(response.survey_id))


def load(channel: str, respondent: Respondent | None, conversation: Conversation | None = None,
         response: Response | None = None,
         survey: Survey | None = None) -> tuple[Conversation, Session, Facts]:
    """The resident's conversation row, locked for this turn (made on first contact), the
    session it holds, and the facts of the turn holding its response and survey, read
    together. A call's later turns pass what they read with the call; the resident is
    then not read unless something changes them."""
    conv = conversation
    if conv is None and respondent is not None:
        row = db.session.execute(_CONVERSATION, {"rid": respondent.id}).first()
        conv, response, survey = row if row is not None else (None, None, None)
    if conv is None:
        conv = Conversation(respondent_id=respondent.id if respondent else None, channel=channel,
                            stage=Stage.IDLE, silences=0)
        db.session.add(conv)
        db.session.flush()
    session = Session(
        channel=channel, stage=Stage(conv.stage), survey_id=conv.survey_id,
        response_id=conv.response_id, silences=conv.silences or 0,
        locale=respondent.locale if respondent is not None else conv.locale,
        last_activity=conv.last_activity_at,
        opted_out=bool(respondent and respondent.opted_out))
    respondent_id = respondent.id if respondent is not None else conv.respondent_id
    return conv, session, Facts(channel, respondent_id, response, survey)


def with_session_rows(query: Select) -> Select:
    """``query`` (on the conversation) joined to the response and the survey the session
    works on, locked on the conversation only: one read gives a turn all it needs."""
    return (query.add_columns(Response, Survey)
            .outerjoin(Response, Response.id == Conversation.response_id)
            .outerjoin(Survey, Survey.id == Conversation.survey_id))


_CONVERSATION = with_session_rows(select(Conversation)).where(
    Conversation.respondent_id == bindparam("rid")).with_for_update(of=Conversation)


def store(conv: Conversation, decision: Decision, facts: Facts, respondent: Respondent | None,
          synthetic: bool = False) -> None:
    """Carry out the decision's effects in order, then keep the session. An ``Apply``
    goes to the response started by the same decision, else to the session's. The
    resident (None: read here, only if an effect changes them, or withheld)."""
    session = decision.session
    current: Response | None = None
    if respondent is None and conv.respondent_id is not None and any(
            isinstance(e, OptOut | SetLocale | StartResponse) for e in decision.effects):
        respondent = db.session.get(Respondent, conv.respondent_id)
    for effect in decision.effects:
        if isinstance(effect, OptOut) and respondent is not None:
            responses.set_opted_out(respondent, effect.opted_out)
        elif isinstance(effect, SetLocale):
            conv.locale = effect.locale
            if respondent is not None:
                respondent.locale = effect.locale
        elif isinstance(effect, SetAside):
            responses.set_aside(facts.response(effect.response_id))
        elif isinstance(effect, StartResponse):
            survey = facts.row(effect.survey_id)
            assert survey is not None
            current = responses.start_response(survey, effect.outcome, facts.channel,
                                               respondent=respondent, synthetic=synthetic)
        elif isinstance(effect, Apply):
            if current is None:
                assert session.response_id is not None
                current = facts.response(session.response_id)
            responses.apply_outcome(current, facts.spec(current.survey_id), effect.outcome)
    conv.channel, conv.stage, conv.survey_id = facts.channel, session.stage, session.survey_id
    conv.response_id = current.id if current is not None else session.response_id
    conv.silences = session.silences
    if _moved(conv.last_activity_at, session.last_activity):
        conv.last_activity_at = session.last_activity
    conv.locale = session.locale or conv.locale


def _moved(stored: datetime | None, now: datetime | None) -> bool:
    """Worth writing: windows are hours long, so a conversation's activity is kept to the
    minute, which saves a write on most turns of a call or a quick exchange of texts."""
    return stored is None or now is None or not timedelta(0) <= now - stored < timedelta(minutes=1)


@cache
def _invite_upsert(dialect: str) -> Any:
    """The invitation's upsert, built once per database kind, executed with bound
    parameters: a fresh conversation, or one in a stage an invitation moves at once moved
    (the machine's own decision for a fresh session); RETURNING nothing when the row is
    mid-survey and left to the machine."""
    table = Conversation.__table__
    moved = {name: bindparam(name, type_=table.c[name].type) for name in
             ("channel", "stage", "survey_id", "response_id", "last_activity_at")}
    insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect](table)
    return (insert.values(respondent_id=bindparam("respondent_id"),
                          locale=bindparam("locale", type_=table.c.locale.type),
                          silences=bindparam("silences"), **moved)
            .on_conflict_do_update(index_elements=["respondent_id"],
                                   set_={**moved,
                                         "locale": func.coalesce(insert.excluded.locale,
                                                                 table.c.locale)},
                                   where=table.c.stage.in_([str(s) for s in INVITABLE]))
            .returning(table.c.id))


def invite(respondent_id: int, survey_id: int, now: datetime, locale: str | None) -> None:
    """An invitation was texted: the resident's next reply enters that survey, unless
    they are in the middle of another conversation. ``locale``: the resident's.

    One upsert when the machine's answer does not depend on the row (no conversation yet,
    or one in a stage an invitation moves at once): the values are the machine's own
    decision for a fresh session. Otherwise (mid-survey: has it lapsed?) the machine
    decides on the locked row, as for any turn."""
    fresh = handle(Session(Channel.SMS, locale=locale), Invite(survey_id),
                   Facts(Channel.SMS, respondent_id), now).session
    upsert = _invite_upsert(db.session.get_bind().dialect.name)
    params = {"respondent_id": respondent_id, "locale": locale, "silences": fresh.silences,
              "channel": str(fresh.channel), "stage": str(fresh.stage),
              "survey_id": fresh.survey_id, "response_id": fresh.response_id,
              "last_activity_at": fresh.last_activity}
    # On the session's connection: a Core statement, no ORM bookkeeping (nothing loaded).
    if db.session.connection().execute(upsert, params).first() is not None:
        return
    respondent = db.session.get(Respondent, respondent_id)
    assert respondent is not None
    conv, session, facts = load(Channel.SMS, respondent)
    store(conv, handle(session, Invite(survey_id), facts, now), facts, respondent)
