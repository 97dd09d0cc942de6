"""Counting answers in SQL. Python only ever sees aggregated cells: (group, answer, n)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, Table, and_, case, exists, func, literal, select

from engage.engine import QuestionSpec, question_type
from engage.extensions import db
from engage.responses.models import Answer, AnswerChoice, Response, ResponseStatus, ResponseTag
from engage.results.aggregates import (
    ANSWERED,
    NUMBER,
    Counted,
    aggregated,
    groups_of,
    status_counts,
)
from engage.results.filters import ALL, MULTIRACIAL, NO_ANSWER, RACE_ALONE, Filters

NO_FILTERS = Filters()


@dataclass
class QuestionCounts:
    """One question, one breakdown: per group, respondents who answered (n) and the
    count per answer value (choices) or per number (numbers)."""

    n: dict[str, int] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    numbers: dict[str, dict[float, int]] = field(default_factory=lambda: defaultdict(dict))


def resolved(survey_id: int, filters: Filters) -> Filters:
    """``filters`` with the synthetic question settled once, so a page's many queries do
    not each count the survey's responses again to decide it."""
    if filters.include_synthetic is not None:
        return filters
    return replace(filters, include_synthetic=counts_synthetic(survey_id, filters))


def counts_synthetic(survey_id: int, filters: Filters) -> bool:
    """Whether synthetic responses count: when asked, else only if nothing else exists."""
    if filters.include_synthetic is not None:
        return filters.include_synthetic
    real = db.session.scalar(select(func.count(Response.id)).where(
        Response.survey_id == survey_id, Response.synthetic.is_(False)))
    return not real


def response_conditions(survey_id: int, filters: Filters,
                        set_aside: bool = False) -> list[ColumnElement[bool]]:
    """The responses ``filters`` select. A response set aside when its resident started
    again is left out (``set_aside`` includes it, for counting them): its resident is
    counted once, by the response they went on with."""
    conds: list[ColumnElement[bool]] = [Response.survey_id == survey_id]
    if not set_aside:
        conds.append(Response.status != ResponseStatus.ABANDONED)
    if not counts_synthetic(survey_id, filters):
        conds.append(Response.synthetic.is_(False))
    if filters.channel:
        conds.append(Response.channel == filters.channel)
    if filters.locale:
        conds.append(Response.locale == filters.locale)
    if filters.area:
        conds.append(exists().where(ResponseTag.response_id == Response.id,
                                    ResponseTag.dimension == "area",
                                    ResponseTag.value == filters.area))
    if filters.since:
        conds.append(Response.started_at >= datetime.combine(filters.since, time.min, UTC))
    if filters.until:
        end = datetime.combine(filters.until, time.min, UTC) + timedelta(days=1)
        conds.append(Response.started_at < end)
    return conds


def with_group(query: Select, by: str | None) -> tuple[Select, ColumnElement[str]]:
    """Add the breakdown's group column (and the joins it needs) to ``query``."""
    if by is None:
        return query, literal(ALL)
    if by in ("channel", "locale"):
        return query, getattr(Response, by)
    if by == RACE_ALONE:
        races = (select(ResponseTag.response_id.label("rid"), func.count().label("k"),
                        func.min(ResponseTag.value).label("only"))
                 .where(ResponseTag.dimension == "race_ethnicity", ResponseTag.value != "prefer_not")
                 .group_by(ResponseTag.response_id).subquery())
        query = query.outerjoin(races, races.c.rid == Response.id)
        group = case((races.c.k == 1, races.c.only), (races.c.k > 1, literal(MULTIRACIAL)),
                     else_=literal(NO_ANSWER))
        return query, group
    tags = select(ResponseTag.response_id.label("rid"), ResponseTag.value.label("value")) \
        .where(ResponseTag.dimension == by).subquery()
    query = query.outerjoin(tags, tags.c.rid == Response.id)
    return query, func.coalesce(tags.c.value, literal(NO_ANSWER))


def scope_respondents(by: str | None) -> ColumnElement[int]:
    """Respondents counted over a page's scope (engage.results.scope) joined to answers.
    One answer per response and question, one row per value chosen, one scope row per
    response and group: within a group plain counts are respondents, without DISTINCT's
    sort. Counted with no breakdown over a scope that has one (a resident in two groups
    has two rows), each response once."""
    return func.count() if by is not None else func.count(func.distinct(Answer.response_id))


def question_counts(survey_id: int, question: QuestionSpec, by: str | None,
                    filters: Filters = NO_FILTERS, scope: Table | Counted | None = None
                    ) -> QuestionCounts:
    """Counts for one question, broken down ``by`` a dimension (or channel, language).
    ``scope``: the page's aggregate rows (engage.results.aggregates), or its responses
    with their groups settled (engage.results.scope); else the aggregates when they
    serve ``filters``, else the raw answers."""
    if scope is None and aggregated(survey_id, filters):
        scope = Counted(survey_id, by, resolved(survey_id, filters), question_ids=[question.id])
    if isinstance(scope, Counted):
        return counted_question_counts(scope, question, by)
    result = QuestionCounts()
    base = select().select_from(Answer)
    if scope is not None:
        query = base.join(scope, scope.c.rid == Answer.response_id)
        group: ColumnElement[str] = scope.c.g if by is not None else literal(ALL)
        where = Answer.question_id == question.id
        respondents = scope_respondents(by)
    else:
        query, group = with_group(base.join(Response, Response.id == Answer.response_id), by)
        where = and_(Answer.question_id == question.id, *response_conditions(survey_id, filters))
        respondents = func.count(func.distinct(Answer.response_id))
    kind = question_type(question).summary
    # respondents counted apart where the counts do not sum to them: several answers
    # each, or nothing counted (words)
    if kind.several or not (kind.tallied or kind.numeric):
        n_query = query.add_columns(group.label("g"), respondents) \
            .where(where).group_by(group)
        result.n = {g: n for g, n in db.session.execute(n_query)}
    if kind.tallied:
        rows = db.session.execute(
            query.join(AnswerChoice, AnswerChoice.answer_id == Answer.id)
            .add_columns(group.label("g"), AnswerChoice.value, respondents)
            .where(where).group_by(group, AnswerChoice.value))
        for g, value, n in rows:
            result.counts[g][value] = n
    elif kind.numeric:
        rows = db.session.execute(
            query.add_columns(group.label("g"), Answer.number, respondents)
            .where(where, Answer.number.is_not(None)).group_by(group, Answer.number))
        for g, number, n in rows:
            result.numbers[g][number] = n
    if not result.n:  # one value per answer: the respondents are the counts' sum
        per_group = result.counts if kind.tallied else result.numbers
        result.n = {g: sum(values.values()) for g, values in per_group.items()}
    return result


def counted_question_counts(scope: Counted, question: QuestionSpec, by: str | None
                            ) -> QuestionCounts:
    """:func:`question_counts` from aggregate rows: each row's respondents added to every
    group of ``by`` its answers put them in."""
    result = QuestionCounts()
    answered: dict[str, int] = defaultdict(int)
    kind = question_type(question).summary
    for atom, _race, _age, _area, item, number, n in scope.of(question.id):
        for g in groups_of(by, atom):
            if item == ANSWERED:
                answered[g] += n
            elif item == NUMBER:
                if kind.numeric:
                    result.numbers[g][number] = result.numbers[g].get(number, 0) + n
            elif kind.tallied:
                result.counts[g][item] = result.counts[g].get(item, 0) + n
    if kind.several or not (kind.tallied or kind.numeric):
        result.n = dict(answered)
    else:
        per_group = result.counts if kind.tallied else result.numbers
        result.n = {g: sum(values.values()) for g, values in per_group.items()}
    return result


def overall(counts: QuestionCounts) -> QuestionCounts:
    """All respondents' counts from a breakdown whose groups do not overlap (each
    response in exactly one group), without counting again."""
    total = QuestionCounts(n={ALL: sum(counts.n.values())})
    for source, target in ((counts.counts, total.counts), (counts.numbers, total.numbers)):
        merged: dict = defaultdict(int)
        for values in source.values():
            for key, n in values.items():
                merged[key] += n
        if merged:
            target[ALL] = dict(merged)
    return total


def free_text(survey_id: int, question: QuestionSpec, filters: Filters = NO_FILTERS,
              limit: int = 500) -> list[str]:
    """Staff only: the words residents wrote (never shown publicly)."""
    return list(db.session.scalars(
        select(Answer.text).join(Response, Response.id == Answer.response_id)
        .where(Answer.question_id == question.id, Answer.text.is_not(None),
               *response_conditions(survey_id, filters))
        .order_by(Answer.answered_at.desc()).limit(limit)))



class ResponseCounts(NamedTuple):
    """Responses a page's filters match, real and synthetic (demo, simulator), and how many
    of each are complete: what a page needs to say what it counts and what it leaves out."""

    real: int
    synthetic: int
    real_complete: int
    synthetic_complete: int
    #: Set aside when residents started again: not counted, answers kept.
    set_aside: int = 0

    def counted(self, synthetic: bool) -> int:
        """The responses a page counts, with or without the synthetic ones."""
        return self.real + (self.synthetic if synthetic else 0)

    def complete(self, synthetic: bool) -> int:
        return self.real_complete + (self.synthetic_complete if synthetic else 0)


def response_counts(survey_id: int, filters: Filters = NO_FILTERS) -> ResponseCounts:
    """Real and synthetic responses matching ``filters`` whether synthetic ones count or
    not, in one statement, so a page can show both and offer to switch."""
    if aggregated(survey_id, filters):
        counted = status_counts(survey_id, replace(filters, include_synthetic=True))

        def total(synthetic: bool, *statuses: str) -> int:
            return sum(n for (s, status), n in counted.items() if s == synthetic and status in statuses)

        live = (ResponseStatus.IN_PROGRESS.value, ResponseStatus.COMPLETE.value)
        return ResponseCounts(total(False, *live), total(True, *live),
                              total(False, ResponseStatus.COMPLETE.value),
                              total(True, ResponseStatus.COMPLETE.value),
                              total(False, ResponseStatus.ABANDONED.value)
                              + total(True, ResponseStatus.ABANDONED.value))
    complete = Response.status == ResponseStatus.COMPLETE
    live = Response.status != ResponseStatus.ABANDONED
    real, synthetic = Response.synthetic.is_(False), Response.synthetic.is_(True)
    row = db.session.execute(
        select(func.count().filter(real, live), func.count().filter(synthetic, live),
               func.count().filter(real, complete), func.count().filter(synthetic, complete),
               func.count().filter(~live))
        .where(*response_conditions(survey_id, replace(filters, include_synthetic=True),
                                    set_aside=True))).one()
    return ResponseCounts(*(int(n or 0) for n in row))
