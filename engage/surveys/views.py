"""Staff pages for building, translating, previewing and publishing surveys."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.core.errors import DomainError, flash_errors
from engage.core.i18n import _, resolve, use_locale
from engage.core.roles import Permission, require
from engage.demographics.standard import DIMENSIONS
from engage.engine import Condition, question_type
from engage.extensions import db
from engage.org.models import Area, Department
from engage.surveys import operations
from engage.surveys.forms import (
    QUESTION_TEXTS,
    NewSurveyForm,
    QuestionForm,
    SurveyForm,
    fill_translations,
    to_local_date,
    to_utc,
    translated_data,
    with_translations,
)
from engage.surveys.labels import CHANNEL_LABELS, OP_LABELS, STATUS_LABELS, TYPE_LABELS
from engage.surveys.loader import with_survey
from engage.surveys.models import Channel, Question, Survey
from engage.surveys.operations import ChoiceData, QuestionData, SurveyData
from engage.surveys.previews import channel_preview
from engage.surveys.queries import question_spec, survey_spec
from engage.surveys.standard_questions import add_standard_questions
from engage.surveys.texts import option_label

bp = Blueprint("surveys", __name__, url_prefix="/staff/surveys")

SURVEY_TEXTS = ("title", "intro", "thanks", "keyword")
KEEP = "__keep__"



def _survey_form(survey: Survey | None) -> SurveyForm:
    form_cls = with_translations(SurveyForm, SURVEY_TEXTS, survey.locales) if survey \
        else NewSurveyForm
    form = form_cls()
    form.department_id.choices = [(0, _("None"))] + [
        (d.id, resolve(d.name, "en")) for d in db.session.scalars(select(Department))]
    form.area_ids.choices = [(a.id, resolve(a.name, "en"))
                             for a in db.session.scalars(select(Area).order_by(Area.slug))]
    if survey and request.method == "GET":
        form.slug.data = survey.slug
        form.default_locale.data = survey.default_locale
        form.other_locales.data = ", ".join(survey.locales[1:])
        form.channels.data = list(survey.channels)
        form.sms_keyword.data = survey.sms_keyword or ""
        form.sms_expiry_hours.data = survey.sms_expiry_hours
        form.department_id.data = survey.department_id or 0
        form.area_ids.data = [a.id for a in survey.areas]
        form.opens_on.data = to_local_date(survey.opens_at)
        form.closes_on.data = to_local_date(survey.closes_at)
        for name in ("title", "intro", "thanks"):
            fill_translations(form, name, getattr(survey, name))
        fill_translations(form, "keyword", survey.sms_keywords)
    return form


def _survey_data(form: SurveyForm, survey: Survey | None) -> SurveyData:
    default = form.default_locale.data.strip()
    locales = [default] + [c.strip() for c in (form.other_locales.data or "").split(",")]
    texts = {name: (translated_data(form, name, survey.locales) if survey else {})
             for name in ("title", "intro", "thanks")}
    if survey is None:
        texts["title"] = {default: form.title.data or ""}
    keywords = translated_data(form, "keyword", survey.locales) if survey else {}
    return SurveyData(
        slug=form.slug.data, default_locale=default, locales=locales,
        channels=form.channels.data or [], sms_keyword=form.sms_keyword.data,
        department_id=form.department_id.data or None, area_ids=form.area_ids.data or [],
        opens_at=to_utc(form.opens_on.data), closes_at=to_utc(form.closes_on.data),
        sms_keywords=keywords, sms_expiry_hours=form.sms_expiry_hours.data or 72, **texts,
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.EDIT_SURVEYS)
def new() -> str | Response:
    form = _survey_form(None)
    if form.validate_on_submit():
        try:
            survey = operations.create_survey(_survey_data(form, None))
        except DomainError as err:
            flash_errors(err)
        else:
            flash(_("Survey created. Now add its texts in every language and its questions."),
                  "success")
            return redirect(url_for(".edit", survey_id=survey.id))
    return render_template("surveys/form.html", form=form, survey=None)


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_SURVEYS)
@with_survey
def edit(survey: Survey) -> str | Response:
    form = _survey_form(survey)
    if form.validate_on_submit():
        try:
            operations.update_survey(survey, _survey_data(form, survey))
        except DomainError as err:
            db.session.rollback()
            flash_errors(err)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".overview", survey_id=survey.id))
    return render_template("surveys/form.html", form=form, survey=survey)


@bp.get("/<int:survey_id>")
@require(Permission.VIEW_DASHBOARD)
@with_survey
def overview(survey: Survey) -> str:
    return render_template(
        "surveys/overview.html", survey=survey, problems=operations.publication_problems(survey),
        status_labels=STATUS_LABELS, channel_labels=CHANNEL_LABELS, type_labels=TYPE_LABELS,
        conditions={q.key: _describe_condition(survey, q) for q in survey.questions},
        dimensions=DIMENSIONS, asked={q.dimension for q in survey.questions if q.dimension},
        sms_costs=_sms_costs(survey) if Channel.SMS in survey.channels else {},
    )


def _sms_costs(survey: Survey) -> dict[str, list[tuple[str, object]]]:
    """Each question's cost by text, per language (the SMS channel's preview)."""
    spec = survey_spec(survey, Channel.SMS)
    return {q.key: [(locale, channel_preview(Channel.SMS, q, locale, spec.default_locale))
                    for locale in spec.locales] for q in spec.questions}


def _condition_options(survey: Survey, question: Question | None) -> list[tuple[str, str]]:
    """"Ask only if" choices: each earlier choice question's options, as is / is not.
    A rule the form cannot show (several clauses, from an import) is kept as it is."""
    options = [("", _("Always ask"))]
    if question is not None and question.condition and \
            len(question.condition.get("clauses", [])) > 1:
        options.insert(0, (KEEP, _describe_condition(survey, question) or ""))
    for q in survey.questions:
        if q is question:
            break
        spec = question_spec(q)
        for choice in question_type(spec).choices(spec):
            label = option_label(choice, survey.default_locale, survey.default_locale)
            for op in ("equals", "not_equals"):
                options.append((f"{q.key}|{op}|{choice.value}", f"{q.key} {OP_LABELS[op]} “{label}”"))
    return options


def _describe_condition(survey: Survey, q: Question) -> str | None:
    condition = Condition.from_dict(q.condition)
    if not condition:
        return None
    return " · ".join(f"{c.question} {OP_LABELS.get(c.op, c.op)} “{c.value}”"
                      for c in condition.clauses)


def _question_form(survey: Survey, question: Question | None) -> QuestionForm:
    form_cls = with_translations(QuestionForm, QUESTION_TEXTS, survey.locales)
    form = form_cls()
    form.condition.choices = _condition_options(survey, question)
    if request.method == "GET":
        if question is None:
            form.type.data = request.args.get("type", "single_choice")
        else:
            settings = question.settings or {}
            form.type.data, form.key.data, form.required.data = (
                question.type, question.key, question.required)
            form.minimum.data = settings.get("minimum")
            form.maximum.data = settings.get("maximum")
            form.max_length.data = settings.get("max_length")
            condition = Condition.from_dict(question.condition)
            if condition and len(condition.clauses) == 1:
                c = condition.clauses[0]
                form.condition.data = f"{c.question}|{c.op}|{c.value}"
            elif condition:
                form.condition.data = KEEP
            for name in ("prompt", "help"):
                fill_translations(form, name, getattr(question, name))
            for name in ("low_label", "high_label"):
                fill_translations(form, name, settings.get(name))
            fill_translations(form, "choices", {
                code: "\n".join(c.label.get(code, "") for c in question.choices)
                for code in survey.locales})
    return form


def _question_data(form: QuestionForm, survey: Survey, question: Question | None) -> QuestionData:
    locales = survey.locales
    lines = {code: (form[f"choices__{code}"].data or "").splitlines() for code in locales}
    count = max((len(v) for v in lines.values()), default=0)
    existing = question.choices if question else []
    choices = [
        ChoiceData(
            label={code: (lines[code][i] if i < len(lines[code]) else "") for code in locales},
            value=existing[i].value if i < len(existing) else None,
            exclusive=existing[i].exclusive if i < len(existing) else False,
            group=existing[i].group if i < len(existing) else None,
        )
        for i in range(count)
    ]
    condition = None
    if form.condition.data == KEEP and question is not None:
        condition = question.condition
    elif form.condition.data:
        key, op, value = form.condition.data.split("|", 2)
        condition = {"mode": "all", "clauses": [{"question": key, "op": op, "value": value}]}
    number = lambda d: float(d) if d is not None else None  # noqa: E731
    return QuestionData(
        type=form.type.data, key=form.key.data, required=form.required.data,
        prompt=translated_data(form, "prompt", locales), help=translated_data(form, "help", locales),
        choices=choices, minimum=number(form.minimum.data), maximum=number(form.maximum.data),
        max_length=form.max_length.data, low_label=translated_data(form, "low_label", locales),
        high_label=translated_data(form, "high_label", locales), condition=condition,
        dimension=question.dimension if question else None,
        channels=question.channels if question else None,
    )


@bp.route("/<int:survey_id>/questions/new", methods=["GET", "POST"])
@bp.route("/<int:survey_id>/questions/<int:question_id>", methods=["GET", "POST"])
@require(Permission.EDIT_SURVEYS)
@with_survey
def question(survey: Survey, question_id: int | None = None) -> str | Response:
    q = db.get_or_404(Question, question_id) if question_id else None
    if q is not None and q.survey_id != survey.id:
        abort(404)
    form = _question_form(survey, q)
    if form.validate_on_submit():
        data = _question_data(form, survey, q)
        try:
            if q is None:
                operations.add_question(survey, data)
            else:
                operations.update_question(q, data)
        except DomainError as err:
            db.session.rollback()
            flash_errors(err)
            return render_template("surveys/question.html", form=form, survey=survey,
                                   question=q), 422
        flash(_("Question saved."), "success")
        return redirect(url_for(".overview", survey_id=survey.id))
    return render_template("surveys/question.html", form=form, survey=survey, question=q)


def _question_action(survey_id: int, question_id: int, action: str) -> Response:
    q = db.get_or_404(Question, question_id)
    if q.survey_id != survey_id:
        abort(404)
    try:
        if action == "delete":
            operations.delete_question(q)
        else:
            operations.move_question(q, -1 if action == "up" else 1)
    except DomainError as err:
        db.session.rollback()
        flash_errors(err)
    return redirect(url_for(".overview", survey_id=survey_id))


@bp.post("/<int:survey_id>/questions/<int:question_id>/<any(up, down, delete):action>")
@require(Permission.EDIT_SURVEYS)
def question_action(survey_id: int, question_id: int, action: str) -> Response:
    return _question_action(survey_id, question_id, action)


@bp.post("/<int:survey_id>/demographics")
@require(Permission.EDIT_SURVEYS)
@with_survey
def demographics(survey: Survey) -> Response:
    try:
        added = add_standard_questions(survey, request.form.getlist("dimension"))
    except DomainError as err:
        db.session.rollback()
        flash_errors(err)
    else:
        flash(_("Added %(n)s demographic questions.", n=len(added)), "success")
    return redirect(url_for(".overview", survey_id=survey.id))


@bp.post("/<int:survey_id>/<any(publish, close):action>")
@require(Permission.PUBLISH_SURVEYS)
@with_survey
def change_status(survey: Survey, action: str) -> Response:
    try:
        if action == "publish":
            operations.publish_survey(survey)
            flash(_("Published. Residents can now answer at /s/%(slug)s.", slug=survey.slug),
                  "success")
        else:
            operations.close_survey(survey)
            flash(_("Closed. No more answers will be taken."), "success")
    except DomainError as err:
        db.session.rollback()
        flash(_("Not published yet:"), "error")
        flash_errors(err)
    return redirect(url_for(".overview", survey_id=survey.id))


@bp.post("/<int:survey_id>/duplicate")
@require(Permission.EDIT_SURVEYS)
@with_survey
def duplicate(survey: Survey) -> Response:
    slug = (request.form.get("slug") or "").strip()
    try:
        copy = operations.duplicate_survey(survey, slug)
    except DomainError as err:
        db.session.rollback()
        flash_errors(err)
        return redirect(url_for(".overview", survey_id=survey.id))
    flash(_("A new draft was made from this survey."), "success")
    return redirect(url_for(".overview", survey_id=copy.id))


@bp.get("/<int:survey_id>/preview")
@require(Permission.VIEW_DASHBOARD)
@with_survey
def preview(survey: Survey) -> str:
    """Every question as a resident sees it, in one language, on one page."""
    spec = survey_spec(survey)
    locale = spec.locale_for(request.args.get("lang"))
    use_locale(locale)
    pages = [(q, channel_preview(Channel.WEB, q, locale, spec.default_locale),
              resolve(q.prompt, locale, spec.default_locale), bool(question_type(q).options(q)))
             for q in spec.questions]
    return render_template("surveys/preview.html", survey=survey, spec=spec, locale=locale,
                           pages=pages, conditions={q.key: _describe_condition(survey, q)
                                                    for q in survey.questions})
