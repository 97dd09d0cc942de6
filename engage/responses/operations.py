"""Every change to responses and answers. Operations flush; the request commits."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping

from sqlalchemy import bindparam, select

from engage.core.clock import utcnow
from engage.core.models import insert_for
from engage.engine import Outcome, QuestionSpec, State, SurveySpec, question_type
from engage.engine.questions import Stored
from engage.engine.spec import Value
from engage.extensions import db
from engage.responses import phones
from engage.responses.models import (
    Answer,
    AnswerChoice,
    Respondent,
    Response,
    ResponseStatus,
    ResponseTag,
)
from engage.surveys.models import Survey


def start_response(survey: Survey, outcome: Outcome, channel: str,
                   respondent: Respondent | None = None, synthetic: bool = False) -> Response:
    """A new response at the engine's first step."""
    response = Response(
        survey_id=survey.id,
        respondent=respondent,
        token=secrets.token_urlsafe(24),
        channel=channel,
        locale=outcome.state.locale,
        synthetic=synthetic,
        history=[],
        answered={},
    )
    db.session.add(response)
    _save_state(response, outcome.state)
    db.session.flush()
    return response


def load_answers(response_id: int, spec: SurveySpec) -> dict[str, Value]:
    """The response's answers in the engine's canonical form, read from the answer rows
    in one query: the plain form that ``Response.answered`` keeps in step with."""
    rows: dict[int, list[tuple[float | None, str | None, str | None]]] = {}
    for question_id, number, text, choice in db.session.execute(
        select(Answer.question_id, Answer.number, Answer.text, AnswerChoice.value)
        .outerjoin(AnswerChoice, AnswerChoice.answer_id == Answer.id)
        .where(Answer.response_id == response_id)
    ):
        rows.setdefault(question_id, []).append((number, text, choice))
    return _canonical(spec, {qid: Stored.gather(parts) for qid, parts in rows.items()})


def kept_answers(answered: Mapping[str, list], spec: SurveySpec) -> dict[str, Value]:
    """The answers from the response row's ``answered`` (no query)."""
    return _canonical(spec, {int(qid): Stored(tuple(choices), number, text)
                             for qid, (number, text, choices) in answered.items()})


def _canonical(spec: SurveySpec, stored: Mapping[int, Stored]) -> dict[str, Value]:
    """Stored answers by question id as the engine's values by key, for the questions
    ``spec`` asks (a channel may ask fewer)."""
    by_id = {q.id: q for q in spec.questions}
    answers: dict[str, Value] = {}
    for question_id, parts in stored.items():
        q = by_id.get(question_id)
        if q is None:
            continue
        value = question_type(q).load(q, parts)
        if value is not None:
            answers[q.key] = value
    return answers


def load_state(response: Response, spec: SurveySpec) -> State:
    answered = response.answered
    return State(
        locale=spec.locale_for(response.locale),
        answers=(kept_answers(answered, spec) if answered is not None
                 else load_answers(response.id, spec)),
        current=response.current_key,
        history=tuple(response.history or ()),
        misses=response.misses,
        done=response.status == ResponseStatus.COMPLETE,
    )


def apply_outcome(response: Response, spec: SurveySpec, outcome: Outcome) -> None:
    """Store what the engine decided: answers changed or dropped, and where we are."""
    for key, value in outcome.changes.items():
        record_answer(response, spec.question(key), value)
    _save_state(response, outcome.state)
    db.session.flush()


# Built once, on the tables (no ORM bookkeeping): a statement built per answer costs
# about as much as running it, and no answer row is ever loaded as an object here.
_answer, _choice, _tag = Answer.__table__, AnswerChoice.__table__, ResponseTag.__table__
_DELETE_ANSWER = _answer.delete().where(_answer.c.response_id == bindparam("rid"),
                                        _answer.c.question_id == bindparam("qid"))
_INSERT_ANSWER = _answer.insert()
_INSERT_ANSWER_ID = _answer.insert().returning(_answer.c.id)
_INSERT_CHOICE = _choice.insert()
_DELETE_TAGS = _tag.delete().where(_tag.c.response_id == bindparam("rid"),
                                   _tag.c.dimension == bindparam("dim"))
_INSERT_TAG = _tag.insert()


def record_answer(response: Response, question: QuestionSpec, value: Value | None) -> None:
    """The only writer of answers: replace the stored answer (or delete it for None),
    keep ``response.answered`` in step, and the response's demographic tags when the
    question carries a dimension. A question not answered before (the response row
    says so) has no row to delete."""
    kind = question_type(question)
    if not kind.asks:
        return
    kept, key = response.answered, str(question.id)
    if kept is None or key in kept:
        db.session.execute(_DELETE_ANSWER, {"rid": response.id, "qid": question.id})
    if question.dimension:
        _retag(response, question.dimension, value)
    if value is None:
        if kept is not None and key in kept:
            response.answered = {k: v for k, v in kept.items() if k != key}
        _touch(response)
        return
    stored = kind.store(value)
    row = {"response_id": response.id, "question_id": question.id, "number": stored.number,
           "text": stored.text, "answered_at": utcnow()}
    if stored.choices:
        answer_id = db.session.execute(_INSERT_ANSWER_ID, row).scalar_one()
        db.session.execute(_INSERT_CHOICE, [{"answer_id": answer_id, "value": v}
                                            for v in stored.choices])
    else:
        db.session.execute(_INSERT_ANSWER, row)
    if kept is not None:  # a new dict: the ORM sees a change by assignment only
        response.answered = {**kept, key: [stored.number, stored.text, list(stored.choices)]}
    _touch(response)


def _touch(response: Response) -> None:
    """Results are kept current by response (engage.results.aggregates): a changed
    answer moves the response's updated_at. Set after the answer's statements (which
    autoflush), so it rides on the response's UPDATE the turn makes anyway."""
    response.updated_at = utcnow()


def _retag(response: Response, dimension: str, value: Value | None) -> None:
    db.session.execute(_DELETE_TAGS, {"rid": response.id, "dim": dimension})
    values = value if isinstance(value, tuple) else () if value is None else (value,)
    tags = [{"response_id": response.id, "dimension": dimension, "value": tag}
            for tag in dict.fromkeys(str(v) for v in values)]
    if tags:
        db.session.execute(_INSERT_TAG, tags)


def _save_state(response: Response, state: State) -> None:
    response.locale = state.locale
    response.current_key = state.current
    response.history = list(state.history)
    response.misses = state.misses
    if state.done and response.status != ResponseStatus.COMPLETE:
        response.status = ResponseStatus.COMPLETE
        response.completed_at = utcnow()
    elif not state.done:
        response.status = ResponseStatus.IN_PROGRESS
    response.updated_at = utcnow()


def respondent_for_phone(e164: str, lock: bool = False) -> Respondent:
    """The resident texting or calling from ``e164``, matched by keyed hash and made on
    first contact. Safe when two messages from a new number arrive at once (the insert
    ignores a conflict); ``lock`` holds the row so their handling takes turns. A known
    resident (most texts) is one statement: the insert is tried only when none is found."""
    digest = phones.phone_hash(e164)
    query = _BY_HASH[lock]
    found = db.session.scalars(query, {"digest": digest}).one_or_none()
    if found is not None:
        return found
    db.session.execute(
        insert_for(Respondent).values(phone_hash=digest, followup_consent=False, opted_out=False,
                                  created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["phone_hash"])
    )
    return db.session.scalars(query, {"digest": digest}).one()


_BY_HASH = {lock: select(Respondent).where(Respondent.phone_hash == bindparam("digest"))
            .execution_options(populate_existing=True) for lock in (False, True)}
_BY_HASH[True] = _BY_HASH[True].with_for_update()


def set_opted_out(respondent: Respondent, opted_out: bool) -> None:
    """STOP in any language, or START. Outgoing code checks this before every send."""
    respondent.opted_out = opted_out
    respondent.opted_out_at = utcnow() if opted_out else None
    db.session.flush()


def set_aside(response: Response) -> None:
    """"Start again": the unfinished response is kept as it stands, answers and tags
    included, marked abandoned; the caller starts a new one. Nothing a resident said is
    deleted because they chose to begin again."""
    response.status = ResponseStatus.ABANDONED
    response.abandoned_at = utcnow()
    db.session.flush()


def start_again(survey: Survey, previous: Response | None, outcome: Outcome,
                channel: str) -> Response:
    """A new response in place of ``previous`` (the web's "Start again", or another go
    after finishing): an unfinished one is set aside first, never left in progress."""
    if previous is not None and previous.status == ResponseStatus.IN_PROGRESS:
        set_aside(previous)
    return start_response(survey, outcome, channel)


def response_by_token(slug: str, tokens: Collection[str],
                      lock: bool = False) -> tuple[Response, Survey] | None:
    """The response to the survey at ``slug`` among those ``tokens`` name (a web
    resident's cookie), with its survey, in one statement; ``lock``: the response is
    row-locked for the request."""
    query = _by_token[lock]
    row = db.session.execute(query, {"slug": slug, "tokens": list(tokens)}).first()
    return (row[0], row[1]) if row is not None else None


_by_token = {lock: select(Response, Survey).join(Survey, Survey.id == Response.survey_id)
             .where(Survey.slug == bindparam("slug"),
                    Response.token.in_(bindparam("tokens", expanding=True)))
             for lock in (False, True)}
_by_token[True] = _by_token[True].with_for_update(of=Response)


def latest_response(survey_id: int, respondent_id: int) -> Response | None:
    """The resident's response to the survey that is still theirs: the newest one not
    set aside (an earlier, abandoned one never comes back)."""
    return db.session.scalar(
        select(Response).where(Response.survey_id == survey_id,
                               Response.respondent_id == respondent_id,
                               Response.status != ResponseStatus.ABANDONED)
        .order_by(Response.id.desc()).limit(1))


def consent_to_followup(response: Response, raw_phone: str, locale: str) -> Respondent:
    """Keep the resident's number, encrypted, because they asked to hear back.

    Raises phones.InvalidPhone. The same number answering twice is one respondent.
    """
    e164 = phones.normalise(raw_phone)
    respondent = respondent_for_phone(e164)
    respondent.phone_encrypted = phones.encrypt(e164)
    respondent.followup_consent = True
    respondent.consent_at = utcnow()
    respondent.locale = locale
    response.respondent = respondent
    db.session.flush()
    return respondent

