"""Read paths for surveys, including the engine's view of one."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engage.engine import ChoiceSpec, Condition, QuestionSpec, SurveySpec
from engage.extensions import db
from engage.surveys.models import Question, Survey, SurveyStatus


def survey_by_slug(slug: str) -> Survey | None:
    return db.session.scalar(select(Survey).where(Survey.slug == slug))


def list_surveys() -> list[Survey]:
    order = (Survey.status != SurveyStatus.PUBLISHED, Survey.created_at.desc())
    return list(db.session.scalars(select(Survey).order_by(*order)))


def question_spec(q: Question) -> QuestionSpec:
    s = q.settings or {}
    return QuestionSpec(
        key=q.key,
        type=q.type,
        prompt=dict(q.prompt or {}),
        required=q.required,
        choices=tuple(ChoiceSpec(c.value, dict(c.label or {}), c.exclusive, c.group)
                      for c in q.choices),
        help=dict(q.help or {}),
        minimum=s.get("minimum"),
        maximum=s.get("maximum"),
        max_length=s.get("max_length"),
        low_label=dict(s.get("low_label") or {}),
        high_label=dict(s.get("high_label") or {}),
        condition=Condition.from_dict(q.condition),
        dimension=q.dimension,
        id=q.id,
    )


def survey_spec(survey: Survey, channel: str | None = None) -> SurveySpec:
    """The engine's frozen view of ``survey`` as asked on ``channel`` (None: every
    question); cached per revision, since every step of every channel needs it."""
    return _cached_spec(survey.id, survey.revision, channel)


@lru_cache(maxsize=256)
def _cached_spec(survey_id: int, revision: str, channel: str | None) -> SurveySpec:
    survey = db.session.scalar(
        select(Survey).where(Survey.id == survey_id)
        .options(selectinload(Survey.questions).selectinload(Question.choices))
    )
    assert survey is not None
    return SurveySpec(
        slug=survey.slug,
        default_locale=survey.default_locale,
        locales=tuple(survey.locales),
        questions=tuple(question_spec(q) for q in survey.questions
                        if channel is None or q.channels is None or channel in q.channels),
    )
