"""Staff pages for theme coding: themes and their counts by group, and coding a
free-text question's answers a page at a time with keyword suggestions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engage.coding import operations
from engage.coding.forms import CodingForm, per_locale, theme_form
from engage.coding.models import Theme
from engage.coding.queries import (
    PER_PAGE,
    answer_ids_of,
    answers_page,
    codings,
    free_text_questions,
    survey_themes,
    theme_counts,
)
from engage.core.errors import DomainError, flash_errors
from engage.core.forms import Form
from engage.core.i18n import _, resolve
from engage.core.roles import Permission, require
from engage.core.routing import int_arg, int_list
from engage.extensions import db
from engage.results.forms import available_breakdowns, read_filters
from engage.results.summary import group_labels, threshold
from engage.results.views import breakdown_label
from engage.surveys.loader import with_survey
from engage.surveys.models import Survey
from engage.surveys.queries import survey_spec

bp = Blueprint("coding", __name__, url_prefix="/staff/surveys/<int:survey_id>/themes")


@dataclass(frozen=True)
class Item:
    """One answer on the coding page."""

    id: int
    text: str
    locale: str
    ticked: frozenset[int]
    suggested: frozenset[int]



def _index(survey: Survey, form: Form) -> str:
    spec = survey_spec(survey)
    by, filters = read_filters(request.args, survey)
    locale = spec.locale_for(str(get_locale()))
    questions = free_text_questions(spec)
    key = request.args.get("question")
    chosen = [q for q in questions if q.key == key] or questions
    counts = theme_counts(survey.id, [q.id for q in chosen], by, filters)
    labels = group_labels(spec, by, locale)
    return render_template(
        "coding/index.html", survey=survey, form=form, themes=survey_themes(survey.id), counts=counts,
        groups=counts.groups(labels), labels=labels, by=by, question=key if len(chosen) == 1 else None,
        questions=[(q.key, resolve(q.prompt, locale, spec.default_locale)) for q in questions],
        breakdowns=[(b, breakdown_label(b)) for b in available_breakdowns(spec)], locale=locale,
        threshold=threshold())


@bp.get("")
@require(Permission.VIEW_RESULTS)
@with_survey
def index(survey: Survey) -> str:
    return _index(survey, theme_form(survey.locales))


@bp.post("/new")
@require(Permission.EDIT_SURVEYS)
@with_survey
def create(survey: Survey) -> str | Response:
    form = theme_form(survey.locales)
    if form.validate_on_submit():
        try:
            operations.create_theme(survey, form["slug"].data, per_locale(form, "name", survey.locales),
                                    per_locale(form, "keywords", survey.locales))
        except DomainError as err:
            flash_errors(err)
        else:
            flash(_("Theme added."), "success")
            return redirect(url_for(".index", survey_id=survey.id))
    return _index(survey, form)


@bp.route("/<int:theme_id>/keywords", methods=["GET", "POST"])
@require(Permission.EDIT_SURVEYS)
@with_survey
def keywords(survey: Survey, theme_id: int) -> str | Response:
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.survey_id != survey.id:
        abort(404)
    form = theme_form(survey.locales, new=False)
    if request.method == "GET":
        for code, words in (theme.keywords or {}).items():
            if f"keywords__{code}" in form:
                form[f"keywords__{code}"].data = ", ".join(words)
    if form.validate_on_submit():
        try:
            operations.update_keywords(theme, per_locale(form, "keywords", survey.locales))
        except DomainError as err:
            db.session.rollback()
            flash_errors(err)
        else:
            flash(_("Keywords saved."), "success")
            return redirect(url_for(".index", survey_id=survey.id))
    name = resolve(theme.name, str(get_locale()), survey.default_locale)
    return render_template("coding/keywords.html", survey=survey, theme=theme, form=form, name=name)


@bp.route("/code", methods=["GET", "POST"])
@require(Permission.EDIT_SURVEYS)
@with_survey
def code(survey: Survey) -> str | Response:
    spec = survey_spec(survey)
    questions = free_text_questions(spec)
    if not questions:
        abort(404)
    question = next((q for q in questions if q.key == request.args.get("question")), questions[0])
    page = int_arg(request.args, "page", 1, minimum=1) or 1
    form = CodingForm()
    if form.validate_on_submit():
        posted = int_list(request.form, "answer")
        ids = answer_ids_of(survey.id, question.id, posted)
        try:
            operations.code_answers({a: int_list(request.form, f"themes-{a}") for a in ids},
                                    coded_by=current_user.id)
        except DomainError as err:
            db.session.rollback()
            flash_errors(err)
        else:
            flash(ngettext("Coding saved for %(num)d answer.", "Coding saved for %(num)d answers.", len(ids)),
                  "success")
        return redirect(url_for(".code", survey_id=survey.id, question=question.key, page=page))
    themes = survey_themes(survey.id)
    rows, total = answers_page(survey.id, question.id, page)
    coded = codings(r.id for r in rows)
    items = []
    for r in rows:
        suggested = frozenset() if r.id in coded else frozenset(operations.suggest(r.text, r.locale, themes))
        items.append(Item(r.id, r.text, r.locale, frozenset(coded.get(r.id, ())) or suggested, suggested))
    locale = spec.locale_for(str(get_locale()))
    return render_template(
        "coding/code.html", survey=survey, form=form, themes=themes, items=items, page=page,
        per_page=PER_PAGE, pages=max(1, -(-total // PER_PAGE)), total=total, question=question, locale=locale,
        prompt=resolve(question.prompt, locale, spec.default_locale),
        questions=[(q.key, resolve(q.prompt, locale, spec.default_locale)) for q in questions])
