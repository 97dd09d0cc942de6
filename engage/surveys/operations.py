"""Every change to surveys: plain functions over plain data. They flush, never commit.

A published survey's structure (questions, types, choices, skip logic, languages) is
locked so answers already given keep their meaning; its texts can still be corrected,
and a changed survey is made by duplicating it as a new draft.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engage.audit import operations as audit
from engage.audit.models import SURVEY_PUBLISH
from engage.core.clock import utcnow
from engage.core.errors import DomainError
from engage.core.i18n import _l, is_valid_code, language_name, normalise_code
from engage.engine import TYPES, Condition
from engage.engine.commands import command
from engage.engine.spec import OPS
from engage.engine.words import fold
from engage.extensions import db
from engage.org.models import Area
from engage.surveys.models import Channel, Choice, Question, Survey, SurveyStatus, new_revision
from engage.surveys.publishing import channel_problems

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
KEYWORD_RE = re.compile(r"^\w{2,32}$")

Text = dict[str, str]


@dataclass
class SurveyData:
    slug: str
    title: Text
    default_locale: str = "en"
    locales: list[str] = field(default_factory=lambda: ["en"])
    channels: list[str] = field(default_factory=lambda: [Channel.WEB.value])
    intro: Text = field(default_factory=dict)
    thanks: Text = field(default_factory=dict)
    department_id: int | None = None
    area_ids: list[int] = field(default_factory=list)
    sms_keyword: str | None = None
    #: A keyword of its own per language ({locale: word}), optional.
    sms_keywords: dict[str, str] = field(default_factory=dict)
    sms_expiry_hours: int = 72
    opens_at: datetime | None = None
    closes_at: datetime | None = None


@dataclass
class ChoiceData:
    label: Text
    #: Stable code for results and skip logic; made from the default label when None.
    value: str | None = None
    exclusive: bool = False
    group: str | None = None


@dataclass
class QuestionData:
    type: str
    prompt: Text
    key: str | None = None
    required: bool = False
    help: Text = field(default_factory=dict)
    choices: list[ChoiceData] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    low_label: Text = field(default_factory=dict)
    high_label: Text = field(default_factory=dict)
    condition: dict[str, Any] | None = None
    dimension: str | None = None
    #: Channels that ask it (None: all).
    channels: list[str] | None = None


# -- surveys -------------------------------------------------------------------------

def create_survey(data: SurveyData) -> Survey:
    survey = Survey()
    _apply_survey_data(survey, data)
    db.session.add(survey)
    db.session.flush()
    return survey


def update_survey(survey: Survey, data: SurveyData) -> Survey:
    if not survey.is_draft and (
        [normalise_code(c) for c in data.locales] != list(survey.locales)
        or normalise_code(data.default_locale) != survey.default_locale
    ):
        raise DomainError(_l("The languages of a published survey are locked. "
                             "Duplicate it to make a new version."))
    _apply_survey_data(survey, data)
    if not survey.is_draft:
        _refuse_if_incomplete(survey)
    db.session.flush()
    return survey


def _apply_survey_data(survey: Survey, data: SurveyData) -> None:
    errors: list[object] = []
    slug = data.slug.strip().lower()
    if not SLUG_RE.match(slug):
        errors.append(_l("The address must be 3 to 64 lower-case letters, digits or dashes."))
    elif db.session.scalar(select(Survey.id).where(Survey.slug == slug, Survey.id != survey.id)):
        errors.append(_l("Another survey already uses the address %(slug)s.", slug=slug))
    locales = _dedupe([normalise_code(c) for c in data.locales if c.strip()])
    default = normalise_code(data.default_locale)
    bad = [c for c in locales + [default] if not is_valid_code(c)]
    if bad:
        errors.append(_l("Unknown language code: %(codes)s.", codes=", ".join(bad)))
    if default not in locales:
        locales.insert(0, default)
    else:
        locales.remove(default)
        locales.insert(0, default)
    channels = [c for c in data.channels if c in {ch.value for ch in Channel}]
    if not channels:
        errors.append(_l("Choose at least one channel."))
    keyword = _keyword(data.sms_keyword)
    per_language = {loc: word for loc, word in
                    ((loc, _keyword(w)) for loc, w in (data.sms_keywords or {}).items())
                    if word and loc in locales}
    errors += _keyword_problems({keyword, *per_language.values()} - {None}, survey.id)
    if not 1 <= data.sms_expiry_hours <= 24 * 90:
        errors.append(_l("A text conversation expires after 1 hour to 90 days."))
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        errors.append(_l("The survey must close after it opens."))
    if errors:
        raise DomainError(*errors)
    survey.slug = slug
    survey.title = _clean_text(data.title, locales)
    survey.intro = _clean_text(data.intro, locales)
    survey.thanks = _clean_text(data.thanks, locales)
    survey.default_locale = default
    survey.locales = locales
    survey.channels = channels
    survey.sms_keyword = keyword
    survey.sms_keywords = per_language or None
    survey.sms_expiry_hours = data.sms_expiry_hours
    survey.department_id = data.department_id
    survey.areas = list(db.session.scalars(select(Area).where(Area.id.in_(data.area_ids or [0]))))
    survey.opens_at = data.opens_at
    survey.closes_at = data.closes_at
    survey.revision = new_revision()


def _keyword(word: str | None) -> str | None:
    """Keywords are stored folded (no accents) in capitals; residents' texts are folded
    the same way before matching."""
    return fold(word or "").upper() or None


def survey_keywords(survey: Survey) -> set[str]:
    return {w for w in (survey.sms_keyword, *(survey.sms_keywords or {}).values()) if w}


def _keyword_problems(words: set[str], survey_id: int | None) -> list[object]:
    """Each keyword one word, not a command residents use, and not another open survey's."""
    problems: list[object] = []
    others = db.session.scalars(select(Survey).where(
        Survey.status != SurveyStatus.CLOSED, Survey.id != (survey_id or 0)))
    taken = set().union(*(survey_keywords(s) for s in others))
    for word in sorted(words):
        if not KEYWORD_RE.match(word):
            problems.append(_l("The SMS keyword must be one word of letters or digits."))
        elif command(word) is not None:
            problems.append(_l("%(keyword)s is a word residents text to stop, get help or skip: "
                               "choose another keyword.", keyword=word))
        elif word in taken:
            problems.append(_l("Another open survey already uses the keyword %(keyword)s.",
                               keyword=word))
    return problems


def publication_problems(survey: Survey) -> list[object]:
    """Everything that stops ``survey`` from being published, most of it translations a
    resident would otherwise see missing."""
    problems: list[object] = []
    if not survey.questions:
        problems.append(_l("Add at least one question."))
    if Channel.SMS in survey.channels and not survey.sms_keyword:
        problems.append(_l("A survey answered by text message needs an SMS keyword."))
    problems += channel_problems(survey)
    for locale in survey.locales:
        lang = language_name(locale)

        def missing(text: Mapping[str, str] | None, what: object, lang: str = lang,
                    locale: str = locale) -> None:
            if not (text or {}).get(locale, "").strip():
                problems.append(_l("%(language)s: %(what)s is missing.", language=lang, what=what))

        missing(survey.title, _l("the title"))
        missing(survey.intro, _l("the introduction"))
        missing(survey.thanks, _l("the thank-you text"))
        for number, q in enumerate(survey.questions, start=1):
            missing(q.prompt, _l("question %(n)s", n=number))
            if any((q.help or {}).values()):
                missing(q.help, _l("the help text of question %(n)s", n=number))
            for c_number, choice in enumerate(q.choices, start=1):
                missing(choice.label, _l("option %(c)s of question %(n)s", c=c_number, n=number))
            settings = q.settings or {}
            for name, what in (("low_label", _l("the low end label of question %(n)s", n=number)),
                               ("high_label", _l("the high end label of question %(n)s", n=number))):
                if any((settings.get(name) or {}).values()):
                    missing(settings.get(name), what)
    return problems


def _refuse_if_incomplete(survey: Survey) -> None:
    problems = publication_problems(survey)
    if problems:
        raise DomainError(*problems)


def publish_survey(survey: Survey) -> None:
    if survey.status == SurveyStatus.PUBLISHED:
        return
    _refuse_if_incomplete(survey)
    clashes = _keyword_problems(survey_keywords(survey), survey.id)
    if clashes:
        raise DomainError(*clashes)
    survey.status = SurveyStatus.PUBLISHED
    survey.published_at = survey.published_at or utcnow()
    survey.revision = new_revision()
    db.session.flush()
    audit.record(SURVEY_PUBLISH, f"survey:{survey.slug}")


def close_survey(survey: Survey) -> None:
    survey.status = SurveyStatus.CLOSED
    survey.closes_at = survey.closes_at if survey.closes_at and survey.closes_at < utcnow() else utcnow()
    survey.revision = new_revision()
    db.session.flush()


def duplicate_survey(survey: Survey, slug: str) -> Survey:
    """A new draft with the same texts and questions, to change a published survey."""
    data = SurveyData(
        slug=slug, title=dict(survey.title), default_locale=survey.default_locale,
        locales=list(survey.locales), channels=list(survey.channels), intro=dict(survey.intro),
        thanks=dict(survey.thanks), department_id=survey.department_id,
        area_ids=[a.id for a in survey.areas],
    )
    copy = create_survey(data)
    for q in survey.questions:
        copy.questions.append(_copy_question(q))
    db.session.flush()
    return copy


def _copy_question(q: Question) -> Question:
    return Question(
        position=q.position, key=q.key, type=q.type, prompt=dict(q.prompt), help=dict(q.help or {}),
        required=q.required, settings=dict(q.settings or {}), condition=q.condition,
        dimension=q.dimension,
        channels=q.channels,
        choices=[Choice(position=c.position, value=c.value, label=dict(c.label),
                        exclusive=c.exclusive, group=c.group) for c in q.choices],
    )


# -- questions -----------------------------------------------------------------------

def _refuse_if_locked(survey: Survey) -> None:
    if not survey.is_draft:
        raise DomainError(_l("This survey is published: its questions are locked so answers "
                             "already given keep their meaning. Duplicate it to change them."))


def add_question(survey: Survey, data: QuestionData) -> Question:
    _refuse_if_locked(survey)
    question = Question(position=len(survey.questions) + 1)
    _apply_question_data(survey, question, data, index=len(survey.questions))
    survey.questions.append(question)
    survey.revision = new_revision()
    db.session.flush()
    return question


def update_question(question: Question, data: QuestionData) -> Question:
    survey = question.survey
    if not survey.is_draft:
        _update_published_texts(question, data)
    else:
        _apply_question_data(survey, question, data, index=survey.questions.index(question))
    survey.revision = new_revision()
    db.session.flush()
    return question


def _update_published_texts(question: Question, data: QuestionData) -> None:
    """Only wording may change after publishing, and it must stay complete."""
    if (data.type != question.type or len(data.choices) != len(question.choices)
            or bool(data.required) != question.required
            or (data.condition or None) != (question.condition or None)):
        _refuse_if_locked(question.survey)
    locales = question.survey.locales
    question.prompt = _clean_text(data.prompt, locales)
    question.help = _clean_text(data.help, locales)
    for choice, new in zip(question.choices, data.choices, strict=True):
        choice.label = _clean_text(new.label, locales)
    settings = dict(question.settings or {})
    settings.update(low_label=_clean_text(data.low_label, locales),
                    high_label=_clean_text(data.high_label, locales))
    question.settings = settings
    _refuse_if_incomplete(question.survey)


def _apply_question_data(survey: Survey, question: Question, data: QuestionData,
                         index: int) -> None:
    errors: list[object] = []
    if data.type not in TYPES:
        raise DomainError(_l("Unknown question type."))
    key = (data.key or "").strip() or question.key or _free_key(survey)
    if not KEY_RE.match(key):
        errors.append(_l("The question code must start with a letter and use only letters, "
                         "digits and underscores."))
    elif any(q.key == key and q is not question for q in survey.questions):
        errors.append(_l("Another question already uses the code %(key)s.", key=key))
    locales = survey.locales
    choices = [replace(c, label=_clean_text(c.label, locales)) for c in data.choices]
    choices = [c for c in choices if any(c.label.values())]
    if TYPES[data.type].has_choices and len(choices) < 2:
        errors.append(_l("Give at least two options."))
    if (data.minimum is not None and data.maximum is not None and data.minimum > data.maximum):
        errors.append(_l("The minimum must not be more than the maximum."))
    if data.max_length is not None and data.max_length < 1:
        errors.append(_l("The maximum length must be at least 1."))
    earlier = {q.key: q for q in survey.questions[:index] if q is not question}
    condition = Condition.from_dict(data.condition)
    if condition:
        for clause in condition.clauses:
            if clause.question not in earlier or clause.op not in OPS:
                errors.append(_l("Skip logic can only depend on an earlier question."))
                break
    if errors:
        raise DomainError(*errors)
    question.key = key
    question.type = data.type
    question.prompt = _clean_text(data.prompt, locales)
    question.help = _clean_text(data.help, locales)
    # Demographic questions are never required; a note has nothing to answer.
    question.required = bool(data.required) and data.dimension is None and TYPES[data.type].asks
    question.dimension = data.dimension
    question.condition = condition.to_dict() if condition else None
    question.channels = list(data.channels) if data.channels else None
    question.settings = {
        "minimum": data.minimum, "maximum": data.maximum, "max_length": data.max_length,
        "low_label": _clean_text(data.low_label, locales),
        "high_label": _clean_text(data.high_label, locales),
    }
    values = _choice_values(choices, survey.default_locale)
    old = {c.position: c for c in question.choices}
    question.choices = [
        _choice(old.get(i + 1), i + 1, values[i], c) for i, c in enumerate(choices)
    ] if TYPES[data.type].has_choices else []


def _choice(existing: Choice | None, position: int, value: str, data: ChoiceData) -> Choice:
    choice = existing or Choice()
    choice.position, choice.value, choice.label = position, value, data.label
    choice.exclusive, choice.group = data.exclusive, data.group
    return choice


def _choice_values(choices: Sequence[ChoiceData], default_locale: str) -> list[str]:
    """Given values, else codes made from the default-language labels, all distinct."""
    values: list[str] = []
    for i, c in enumerate(choices, start=1):
        base = c.value or re.sub(r"[^a-z0-9]+", "_",
                                 fold(c.label.get(default_locale, ""))).strip("_")[:40]
        value = base or f"option_{i}"
        while value in values:
            value = f"{value}_{i}"
        values.append(value)
    return values


def _free_key(survey: Survey) -> str:
    taken = {q.key for q in survey.questions}
    n = len(survey.questions) + 1
    while f"q{n}" in taken:
        n += 1
    return f"q{n}"


def move_question(question: Question, offset: int) -> None:
    survey = question.survey
    _refuse_if_locked(survey)
    order = list(survey.questions)
    i = order.index(question)
    j = max(0, min(len(order) - 1, i + offset))
    order.insert(j, order.pop(i))
    _check_conditions_point_back(order)
    for position, q in enumerate(order, start=1):
        q.position = position
    survey.questions = order
    survey.revision = new_revision()
    db.session.flush()


def delete_question(question: Question) -> None:
    survey = question.survey
    _refuse_if_locked(survey)
    if any(question.key in (Condition.from_dict(q.condition) or Condition(())).questions
           for q in survey.questions if q is not question):
        raise DomainError(_l("Another question's skip logic depends on this one. "
                             "Change that first."))
    survey.questions.remove(question)
    for position, q in enumerate(survey.questions, start=1):
        q.position = position
    survey.revision = new_revision()
    db.session.flush()


def _check_conditions_point_back(order: Sequence[Question]) -> None:
    seen: set[str] = set()
    for q in order:
        condition = Condition.from_dict(q.condition)
        if condition and not condition.questions <= seen:
            raise DomainError(_l("That move would put a question before the question its "
                                 "skip logic depends on."))
        seen.add(q.key)


# -- helpers -------------------------------------------------------------------------

def _clean_text(text: Mapping[str, str] | None, locales: Sequence[str]) -> Text:
    """Keep the survey's languages only, trimmed, empty ones dropped."""
    return {loc: text[loc].strip() for loc in locales if text and (text.get(loc) or "").strip()}


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
