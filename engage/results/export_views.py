"""Staff downloads: the suppressed results as a workbook, and the individual responses
(scrubbed, streamed, and every download in the audit log)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, stream_with_context

from engage.audit.models import EXPORT_RESPONSES
from engage.audit.operations import record
from engage.core.clock import utcnow
from engage.core.roles import Permission, require
from engage.extensions import db
from engage.results import exports
from engage.results.forms import read_filters
from engage.results.queries import response_conditions
from engage.results.summary import summarize, threshold
from engage.results.views import breakdown_label
from engage.surveys.models import Survey
from engage.surveys.queries import survey_spec

bp = Blueprint("exports", __name__, url_prefix="/staff/surveys/<int:survey_id>")


@bp.get("/results.xlsx")
@require(Permission.VIEW_RESULTS)
def results_xlsx(survey_id: int) -> Response:
    """The CSV export's table as a workbook: it leaves staff views, so it is suppressed."""
    survey = db.get_or_404(Survey, survey_id)
    spec = survey_spec(survey)
    by, filters = read_filters(request.args)
    summaries = summarize(survey.id, spec, by, spec.default_locale, public=True, filters=filters)
    about = exports.about_lines(survey.slug, breakdown_label(by) if by else None, filters,
                                threshold(), utcnow())
    name = f"{survey.slug}-results{'-by-' + by if by else ''}.xlsx"
    return Response(exports.results_workbook(summaries, about), mimetype=exports.XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/responses.csv")
@require(Permission.EXPORT_RESPONSES)
def responses_csv(survey_id: int) -> Response:
    """One line per response, streamed. The download is logged and committed before the
    body is written: a download cut short, or failing halfway, is still on record."""
    survey = db.get_or_404(Survey, survey_id)
    slug, spec = survey.slug, survey_spec(survey)
    _by, filters = read_filters(request.args)
    export = exports.plan_responses_export(response_conditions(survey.id, filters))
    record(EXPORT_RESPONSES, f"survey:{slug}", {"rows": export.rows})
    db.session.commit()
    body = exports.responses_csv(export, spec, current_app.config["DEFAULT_REGION"])
    return Response(stream_with_context(body), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{slug}-responses.csv"',
        "Cache-Control": "no-store",
    })
