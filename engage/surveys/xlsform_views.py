"""Staff pages to import a survey from an XLSForm and download one as an XLSForm."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import BooleanField

from engage.core.errors import DomainError
from engage.core.forms import Form
from engage.core.i18n import _, _l
from engage.core.roles import Permission, require
from engage.core.uploads import accepts_upload
from engage.extensions import db
from engage.surveys import xlsform
from engage.surveys.loader import with_survey
from engage.surveys.models import Survey

bp = Blueprint("xlsform", __name__, url_prefix="/staff/surveys")


class ImportForm(Form):
    file = FileField(_l("XLSForm file (.xlsx)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["xlsx"], _l("Choose an Excel workbook (.xlsx).")),
    ])
    publish = BooleanField(_l("Publish now"))


@bp.route("/import", methods=["GET", "POST"])
@accepts_upload(xlsform.MAX_BYTES)
@require(Permission.EDIT_SURVEYS)
def import_survey() -> tuple[str, int] | Response:
    form = ImportForm()
    problems: list[object] = []
    if form.validate_on_submit():
        try:
            survey = xlsform.import_survey(form.file.data.stream, publish=form.publish.data)
        except DomainError as err:
            db.session.rollback()
            problems = list(err.messages)
        else:
            if not survey.is_draft and not current_user.can(Permission.PUBLISH_SURVEYS):
                db.session.rollback()  # the file itself asked to publish
                abort(403)
            flash(_("Survey imported."), "success")
            return redirect(url_for("surveys.overview", survey_id=survey.id))
    status = 422 if problems or form.errors else 200
    return render_template("surveys/import.html", form=form, problems=problems), status


@bp.get("/<int:survey_id>/export.xlsx")
@require(Permission.VIEW_DASHBOARD)
@with_survey
def export_survey(survey: Survey) -> Response:
    return send_file(io.BytesIO(xlsform.export_survey(survey)), mimetype=xlsform.XLSX_MIMETYPE,
                     as_attachment=True, download_name=f"{survey.slug}.xlsx")
