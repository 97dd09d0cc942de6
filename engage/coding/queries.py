"""Read paths for coding: a survey's themes, pages of answers to code, and theme
counts per group counted in SQL exactly as the results count answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, func, select

from engage.coding.models import AnswerTheme, Theme
from engage.engine import QuestionSpec, question_type
from engage.engine.questions import SummaryKind
from engage.engine.spec import SurveySpec
from engage.extensions import db
from engage.responses.models import Answer, Response
from engage.results.filters import Filters
from engage.results.queries import NO_ANSWER, NO_FILTERS, response_conditions, with_group

PER_PAGE = 25


@dataclass
class ThemeCounts:
    """Per group: respondents who wrote an answer (``answered``), those with at least one
    theme (``coded``), and respondents per theme id (``counts``). A respondent counts
    once per theme, however many of their answers carry it."""

    answered: dict[str, int] = field(default_factory=dict)
    coded: dict[str, int] = field(default_factory=dict)
    counts: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))

    def groups(self, labels: Mapping[str, str]) -> list[str]:
        """Groups in the order of ``labels`` (the question's own order), no answer last."""
        order = {g: i for i, g in enumerate(labels)}
        return sorted(set(self.answered) | set(self.coded),
                      key=lambda g: (g in (NO_ANSWER, "prefer_not"), order.get(g, 999), g))


class TextAnswer(NamedTuple):
    id: int
    text: str
    locale: str


def free_text_questions(spec: SurveySpec) -> list[QuestionSpec]:
    return [q for q in spec.questions if question_type(q).summary is SummaryKind.TEXT]


def survey_themes(survey_id: int) -> list[Theme]:
    return list(db.session.scalars(select(Theme).where(Theme.survey_id == survey_id).order_by(Theme.id)))


def _written(survey_id: int, question_ids: Sequence[int], filters: Filters) -> ColumnElement[bool]:
    return and_(Answer.question_id.in_(question_ids), Answer.text.is_not(None), Answer.text != "",
                *response_conditions(survey_id, filters))


def theme_counts(survey_id: int, question_ids: Sequence[int], by: str | None,
                 filters: Filters = NO_FILTERS) -> ThemeCounts:
    """Theme counts over the answers to ``question_ids`` (one free-text question, or all
    of the survey's), broken down ``by`` a dimension, channel or language (``locale``)."""
    result = ThemeCounts()
    if not question_ids:
        return result
    where = _written(survey_id, question_ids, filters)
    respondents = func.count(func.distinct(Answer.response_id))
    answers = select().select_from(Answer).join(Response, Response.id == Answer.response_id)
    query, group = with_group(answers, by)
    result.answered = {g: n for g, n in db.session.execute(
        query.add_columns(group.label("g"), respondents).where(where).group_by(group))}
    coded = answers.join(AnswerTheme, AnswerTheme.answer_id == Answer.id)
    query, group = with_group(coded, by)
    result.coded = {g: n for g, n in db.session.execute(
        query.add_columns(group.label("g"), respondents).where(where).group_by(group))}
    rows = db.session.execute(
        query.add_columns(group.label("g"), AnswerTheme.theme_id, respondents)
        .where(where).group_by(group, AnswerTheme.theme_id))
    for g, theme_id, n in rows:
        result.counts[g][theme_id] = n
    return result


def answers_page(survey_id: int, question_id: int, page: int,
                 per_page: int = PER_PAGE) -> tuple[list[TextAnswer], int]:
    """One page of a question's written answers (oldest first, so pages stay put as
    answers arrive) and how many there are in all."""
    where = _written(survey_id, [question_id], NO_FILTERS)
    base = select().select_from(Answer).join(Response, Response.id == Answer.response_id).where(where)
    total = db.session.scalar(base.add_columns(func.count(Answer.id))) or 0
    rows = db.session.execute(base.add_columns(Answer.id, Answer.text, Response.locale)
                              .order_by(Answer.id).offset((page - 1) * per_page).limit(per_page))
    return [TextAnswer(*row) for row in rows], total


def answer_ids_of(survey_id: int, question_id: int, answer_ids: Iterable[int]) -> list[int]:
    """Those of ``answer_ids`` that answer ``question_id`` in ``survey_id``."""
    ids = set(answer_ids)
    if not ids:
        return []
    return list(db.session.scalars(
        select(Answer.id).join(Response, Response.id == Answer.response_id)
        .where(Answer.id.in_(ids), Answer.question_id == question_id, Response.survey_id == survey_id)))


def codings(answer_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each answer's themes (answers without any are left out)."""
    result: dict[int, set[int]] = defaultdict(set)
    ids = list(answer_ids)
    if ids:
        for answer_id, theme_id in db.session.execute(
                select(AnswerTheme.answer_id, AnswerTheme.theme_id).where(AnswerTheme.answer_id.in_(ids))):
            result[answer_id].add(theme_id)
    return dict(result)
