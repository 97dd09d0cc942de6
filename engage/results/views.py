"""Results for staff (small groups flagged) and for everyone once published
(small groups suppressed): pages, CSV and the JSON API read the same summaries."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale

from engage.core.errors import DomainError
from engage.core.i18n import _, language_name, resolve
from engage.core.roles import Permission, require
from engage.demographics.standard import DIMENSIONS, dimension_label
from engage.engine import question_type
from engage.engine.spec import SurveySpec
from engage.extensions import csrf
from engage.results import aggregates
from engage.results.charts import choice_chart
from engage.results.exports import CSV_HEADER, csv_response, csv_text, table_rows
from engage.results.filters import RACE_ALONE, Filters
from engage.results.forms import available_breakdowns, read_breakdown, read_filters
from engage.results.published import PUBLISHED, public_breakdown, set_results_published
from engage.results.queries import resolved, response_counts
from engage.results.representation import B03002_LABELS, COMPARABLE, UNDER, representation
from engage.results.summary import (
    as_json,
    group_labels,
    summarize,
    summarize_question,
    threshold,
)
from engage.results.weighting import compute_weights, explain
from engage.surveys.labels import CHANNEL_LABELS
from engage.surveys.loader import with_survey
from engage.surveys.models import Survey
from engage.surveys.queries import survey_by_slug, survey_spec

bp = Blueprint("results", __name__)



def breakdown_label(by: str) -> str:
    if by == "channel":
        return _("Channel")
    if by == "locale":
        return _("Survey language")
    if by == RACE_ALONE:
        return _("Race and ethnicity (alone, and multiracial)")
    if by == "race_ethnicity":
        return _("Race and ethnicity (alone or in combination)")
    return str(dimension_label(by))


class Reading(NamedTuple):
    """What every results view reads after its survey: the survey's spec, the breakdown
    and filters from the query string, and the language to show the survey's words in."""

    spec: SurveySpec
    by: str | None
    filters: Filters
    locale: str


def up_to_date(survey_id: int) -> datetime | None:
    """Bring the survey's aggregates up to date before counting (unless another refresher
    is at it: then they are as it leaves them, seconds old) and say as of when."""
    aggregates.refresh(survey_id, wait=False)
    return aggregates.refreshed_at(survey_id)


def _read(survey: Survey) -> Reading:
    up_to_date(survey.id)
    spec = survey_spec(survey)
    by, filters = read_filters(request.args, survey)
    return Reading(spec, by, filters, spec.locale_for(str(get_locale())))


@bp.get("/staff/surveys/<int:survey_id>/results")
@require(Permission.VIEW_RESULTS)
@with_survey
def staff_results(survey: Survey) -> str:
    spec, by, filters, locale = _read(survey)
    counted = resolved(survey.id, filters)  # whether synthetic responses count, settled once
    updated = aggregates.refreshed_at(survey.id) if aggregates.serves(filters) else None
    weights = compute_weights(survey.id, counted) if request.args.get("weighted") == "1" else None
    summaries = summarize(survey.id, spec, by, locale, public=False, filters=counted, weights=weights)
    return render_template(
        "results/staff.html", survey=survey, summaries=summaries, by=by, filters=filters,
        weights=weights, weighted_asked=request.args.get("weighted") == "1",
        explanation=explain(weights, spec, locale) if weights else None,
        breakdowns=[(b, breakdown_label(b)) for b in available_breakdowns(spec)], threshold=threshold(),
        counts=response_counts(survey.id, filters), synthetic_counted=counted.include_synthetic,
        refreshed_at=updated, channel_labels=CHANNEL_LABELS, language_name=language_name,
        dimensions=DIMENSIONS)


@bp.get("/staff/surveys/<int:survey_id>/representation")
@require(Permission.VIEW_RESULTS)
@with_survey
def staff_representation(survey: Survey) -> str:
    """The live view engagement staff watch during fieldwork: who is missing, where."""
    spec, _by, filters, locale = _read(survey)
    counted = resolved(survey.id, filters)
    dimension = request.args.get("dimension")
    dimension = dimension if dimension in COMPARABLE else COMPARABLE[0]
    error = None
    try:
        areas = representation(survey.id, dimension, counted)
    except DomainError as err:
        areas, error = {}, str(err)
    labels = {**group_labels(spec, dimension, locale), **{k: str(v) for k, v in B03002_LABELS.items()}}
    names = {a.slug: resolve(a.name, locale) for a in survey.areas}
    return render_template("results/representation.html", survey=survey, areas=areas, error=error,
                           dimension=dimension, labels=labels, names=names, under=UNDER,
                           dimensions=[(d, dimension_label(d)) for d in COMPARABLE], filters=filters,
                           counts=response_counts(survey.id, filters),
                           synthetic_counted=counted.include_synthetic)


@bp.get("/staff/surveys/<int:survey_id>/results/<key>.svg")
@require(Permission.VIEW_RESULTS)
@with_survey
def staff_chart(survey: Survey, key: str) -> Response:
    """A question's chart as an image of its own (so the page's strict CSP stays)."""
    spec, by, filters, locale = _read(survey)
    return chart_response(survey, spec, key, by, locale, public=False, filters=filters)


def chart_response(survey: Survey, spec: SurveySpec, key: str, by: str | None, locale: str, *,
                   public: bool, filters: Filters) -> Response:
    """One choice question's chart as an SVG response (staff pages and the public report)."""
    question = next((q for q in spec.questions if q.key == key), None)
    if question is None or not question_type(question).summary.tallied:
        abort(404)
    summary = summarize_question(survey.id, spec, question, by, group_labels(spec, by, locale),
                                 locale, public=public, filters=filters)
    response = Response(choice_chart(summary), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.post("/staff/surveys/<int:survey_id>/results/publish")
@require(Permission.PUBLISH_SURVEYS)
@with_survey
def publish(survey: Survey) -> Response:
    set_results_published(survey, survey.results_published_at is None)
    flash(_("The results are public now, with small groups hidden.") if survey.results_published_at
          else _("The results are no longer public."), "success")
    return redirect(url_for(".staff_results", survey_id=survey.id))


@bp.get("/staff/surveys/<int:survey_id>/results.csv")
@require(Permission.VIEW_RESULTS)
@with_survey
def export_csv(survey: Survey) -> Response:
    """Leaves staff views, so it is a published table (all respondents, small groups
    suppressed, whatever the page's filters), in percents, hidden figures flagged."""
    up_to_date(survey.id)
    spec = survey_spec(survey)
    by = read_breakdown(request.args, spec)
    summaries = summarize(survey.id, spec, by, spec.default_locale, public=True, filters=PUBLISHED)
    name = f"{survey.slug}-results{'-by-' + by if by else ''}.csv"
    return csv_response(csv_text([CSV_HEADER, *table_rows(summaries)]), name)


@bp.get("/api/v1/surveys/<slug>/results")
@csrf.exempt
def api_results(slug: str) -> Response:
    """Open data, once staff publish the results: suppressed, never free text."""
    survey = survey_by_slug(slug)
    if survey is None or survey.results_published_at is None:
        abort(404)
    up_to_date(survey.id)
    spec = survey_spec(survey)
    locale = spec.locale_for(request.args.get("lang"))
    by = public_breakdown(request.args, survey)
    weights = compute_weights(survey.id, PUBLISHED) if request.args.get("weighted") == "1" else None
    summaries = summarize(survey.id, spec, by, locale, public=True, filters=PUBLISHED, weights=weights)
    return jsonify({
        "survey": survey.slug, "locale": locale, "by": by,
        "suppression_threshold": threshold(),
        "intervals": "95% Wilson score intervals, modelled: an opt-in sample, not a random one",
        "weighting": None if weights is None else {
            "dimensions": list(weights.dimensions), "n": weights.n,
            "effective_n": round(weights.n_eff, 1), "design_effect": round(weights.design_effect, 3),
            "notes": list(weights.result.notes), "explanation": str(explain(weights, spec, locale)),
            "weighted_share": round(weights.weighted_share, 4)},
        "questions": [as_json(s) for s in summaries],
    })
