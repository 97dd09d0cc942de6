"""The public report of a survey, ``/r/<slug>``: what we heard (suppressed summaries by
group, with charts) and what we did (actions and their status), in each of the survey's
languages, printable, and as JSON."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request
from sqlalchemy import select

from engage.core.i18n import browser_locales, negotiate, resolve, use_locale
from engage.demographics.standard import dimension_label
from engage.extensions import db
from engage.plans.forms import STATUS_LABELS
from engage.plans.models import Action, ActionStatus, Finding
from engage.results.filters import RACE_ALONE
from engage.results.forms import available_breakdowns
from engage.results.published import PUBLISHED, public_breakdown
from engage.results.summary import as_json, summarize
from engage.results.views import breakdown_label, chart_response, up_to_date
from engage.surveys.models import Survey
from engage.surveys.queries import survey_by_slug, survey_spec

bp = Blueprint("reports", __name__, url_prefix="/r")
STATUS_ORDER = [s.value for s in ActionStatus]


def _published(slug: str) -> Survey:
    survey = survey_by_slug(slug)
    if survey is None or survey.report_published_at is None:
        abort(404)
    return survey


def _locale(survey: Survey) -> str:
    wanted = request.args.get("lang")
    if wanted in survey.locales:
        return wanted
    return negotiate(browser_locales(), survey.locales) or survey.default_locale


def _breakdown(survey: Survey) -> str | None:
    """The group residents asked for, else race and ethnicity when the survey asks it."""
    wanted = public_breakdown(request.args, survey)
    if wanted:
        return wanted
    return RACE_ALONE if RACE_ALONE in available_breakdowns(survey_spec(survey)) else None


def _actions(survey: Survey) -> list[Action]:
    rows = db.session.scalars(select(Action).join(Finding).where(Finding.survey_id == survey.id)
                              .order_by(Action.id)).all()
    return sorted(rows, key=lambda a: STATUS_ORDER.index(a.status))


@bp.get("/<slug>")
def report(slug: str) -> str:
    survey = _published(slug)
    up_to_date(survey.id)
    locale = _locale(survey)
    use_locale(locale)
    spec = survey_spec(survey)
    by = _breakdown(survey)
    summaries = [s for s in summarize(survey.id, spec, by, locale, public=True,
                                      filters=PUBLISHED) if s.rows]
    choices = [(b, breakdown_label(b)) for b in available_breakdowns(spec) if b != "channel"]
    return render_template("plans/report.html", survey=survey, locale=locale, by=by,
                           summaries=summaries, actions=_actions(survey), choices=choices,
                           status_labels=STATUS_LABELS, resolve=resolve,
                           dimension_label=dimension_label)


@bp.get("/<slug>/<key>.svg")
def chart(slug: str, key: str) -> Response:
    survey = _published(slug)
    up_to_date(survey.id)
    locale = _locale(survey)
    use_locale(locale)
    return chart_response(survey, survey_spec(survey), key, _breakdown(survey), locale,
                          public=True, filters=PUBLISHED)


@bp.get("/<slug>.json")
def report_json(slug: str) -> Response:
    survey = _published(slug)
    up_to_date(survey.id)
    locale = _locale(survey)
    spec = survey_spec(survey)
    by = _breakdown(survey)
    summaries = summarize(survey.id, spec, by, locale, public=True, filters=PUBLISHED)
    return jsonify({
        "survey": survey.slug, "locale": locale, "by": by,
        "title": resolve(survey.title, locale, survey.default_locale),
        "published": survey.report_published_at.isoformat(),
        "what_we_heard": [as_json(s) for s in summaries if s.rows or s.numbers],
        "what_we_did": [{"action": resolve(a.text, locale, survey.default_locale),
                         "status": a.status, "due": a.due_on.isoformat() if a.due_on else None,
                         "reason": resolve(a.reason, locale, survey.default_locale) or None,
                         "updated": a.updated_at.isoformat()} for a in _actions(survey)],
    })
