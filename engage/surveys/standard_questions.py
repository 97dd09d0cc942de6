"""Adding the standard demographic questions to a survey: each becomes the survey's own
question, its text copied from the UI catalogs in the survey's languages."""

from __future__ import annotations

from collections.abc import Iterable

from engage.core.errors import DomainError
from engage.core.i18n import _l, translated
from engage.demographics.standard import DIMENSIONS, StandardChoice, StandardQuestion
from engage.surveys import operations
from engage.surveys.models import Question, Survey
from engage.surveys.operations import ChoiceData, QuestionData


def _choice(choice: StandardChoice, locales: list[str]) -> ChoiceData:
    return ChoiceData(translated(choice.label, locales), choice.value, choice.exclusive, choice.group)


def question_data(survey: Survey, std: StandardQuestion) -> QuestionData:
    locales = list(survey.locales)
    choices = [_choice(c, locales) for c in std.choices]
    if std.from_areas:
        choices = [ChoiceData({loc: area.name.get(loc) or area.name.get("en") or area.slug
                               for loc in locales}, area.slug) for area in survey.areas] + choices
    return QuestionData(
        type=std.type, key=std.key, prompt=translated(std.prompt, locales), choices=choices,
        dimension=std.dimension, channels=list(std.channels) if std.channels else None,
        condition=std.condition, max_length=std.max_length, required=False,
    )


def add_standard_questions(survey: Survey, keys: Iterable[str]) -> list[Question]:
    """Append the questions of each dimension in ``keys`` (in the standard order)."""
    added: list[Question] = []
    existing = {q.key for q in survey.questions}
    for key in [k for k in DIMENSIONS if k in set(keys)]:
        dim = DIMENSIONS[key]
        if any(q.key in existing for q in dim.questions):
            raise DomainError(_l("This survey already asks about %(dimension)s.", dimension=dim.label))
        if any(q.from_areas for q in dim.questions) and not survey.areas:
            raise DomainError(_l("Choose the survey's neighborhoods before adding the neighborhood "
                                 "question."))
        for std in dim.questions:
            added.append(operations.add_question(survey, question_data(survey, std)))
    return added
