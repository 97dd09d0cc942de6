"""Staff downloads: the suppressed results as a workbook, the individual responses
(scrubbed, streamed, and every download in the audit log) and their codebook."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, stream_with_context

from engage.audit.models import EXPORT_RESPONSES
from engage.audit.operations import record
from engage.core.clock import utcnow
from engage.core.roles import Permission, require
from engage.extensions import db
from engage.results import exports
from engage.results.forms import read_breakdown, read_filters
from engage.results.published import PUBLISHED
from engage.results.queries import response_conditions
from engage.results.summary import summarize, threshold
from engage.results.views import breakdown_label, up_to_date
from engage.surveys.loader import with_survey
from engage.surveys.models import Survey
from engage.surveys.queries import survey_spec

bp = Blueprint("exports", __name__, url_prefix="/staff/surveys/<int:survey_id>")


@bp.get("/results.xlsx")
@require(Permission.VIEW_RESULTS)
@with_survey
def results_xlsx(survey: Survey) -> Response:
    """The CSV export's table, and a crosstab of it: it leaves staff views, so it is one
    of the published tables (all respondents, small groups suppressed), filters or not."""
    up_to_date(survey.id)
    spec = survey_spec(survey)
    by = read_breakdown(request.args, spec)
    summaries = summarize(survey.id, spec, by, spec.default_locale, public=True, filters=PUBLISHED)
    limit = threshold()
    about = exports.about_lines(survey.slug, breakdown_label(by) if by else None, limit, utcnow())
    name = f"{survey.slug}-results{'-by-' + by if by else ''}.xlsx"
    return Response(exports.results_workbook(summaries, about, limit), mimetype=exports.XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/responses.csv")
@require(Permission.EXPORT_RESPONSES)
@with_survey
def responses_csv(survey: Survey) -> Response:
    """One line per response, streamed. The download is logged and committed before the
    body is written: a download cut short, or failing halfway, is still on record."""
    slug, spec = survey.slug, survey_spec(survey)
    _by, filters = read_filters(request.args, survey)
    export = exports.plan_responses_export(response_conditions(survey.id, filters))
    record(EXPORT_RESPONSES, f"survey:{slug}", {"rows": export.rows})
    db.session.commit()
    body = exports.responses_csv(export, spec, current_app.config["DEFAULT_REGION"])
    return exports.csv_response(stream_with_context(body), f"{slug}-responses.csv", private=True)


@bp.get("/codebook.csv")
@require(Permission.EXPORT_RESPONSES)
@with_survey
def codebook_csv(survey: Survey) -> Response:
    """What the responses export's columns and codes mean, in every language of the
    survey: for whoever reads the responses, so the same permission."""
    body = exports.csv_text(exports.codebook_rows(survey_spec(survey)))
    return exports.csv_response(body, f"{survey.slug}-codebook.csv", private=True)
