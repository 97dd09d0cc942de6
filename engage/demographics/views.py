from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf.file import FileField
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectField

from engage.core.errors import DomainError
from engage.core.forms import Form
from engage.core.i18n import _, _l
from engage.core.named import named_entity_page
from engage.core.roles import Permission, require
from engage.core.uploads import accepts_upload
from engage.demographics import (
    baseline_models,  # noqa: F401 - tables for the migrations
    baselines,
)
from engage.demographics.acs_tables import TABLES
from engage.demographics.baseline_models import CensusImport, GeographyArea
from engage.demographics.census import MAX_BYTES as CENSUS_MAX_BYTES
from engage.extensions import db
from engage.org.models import Area

bp = Blueprint("demographics", __name__, url_prefix="/staff/areas")


@bp.route("/", methods=["GET", "POST"])
@require(Permission.MANAGE_SETUP)
def areas() -> str | Response:
    return named_entity_page(Area, _("Neighborhoods"))


baselines_bp = Blueprint("baselines", __name__, url_prefix="/staff/baselines")


class CensusForm(Form):
    file = FileField(_l("Census download (the .zip as downloaded, or its Data.csv)"))
    table = SelectField(_l("Table"), choices=[("", _l("Read it from the file"))] + [
        (code, code) for code in TABLES])


class MappingForm(Form):
    file = FileField(_l("Geographies to neighborhoods (CSV: GEO_ID, tract or ZIP code; "
                        "neighborhood short name)"))


@baselines_bp.route("/", methods=["GET", "POST"])
@accepts_upload(CENSUS_MAX_BYTES)
@require(Permission.MANAGE_SETUP)
def index() -> str | Response | tuple[str, int]:
    """Census baselines in the UI: upload a table, map its tracts or ZIPs to areas."""
    census, mapping = CensusForm(prefix="census"), MappingForm(prefix="map")
    errors: list[object] = []
    uploaded = census.file.data if census.validate_on_submit() else None
    mapped = mapping.file.data if not uploaded and mapping.validate_on_submit() else None
    try:
        if uploaded:
            done = baselines.import_baseline(uploaded.read(), census.table.data or None,
                                             filename=uploaded.filename or "")
            flash(_("Imported %(table)s: %(count)s geographies.", table=done.table,
                    count=done.geographies), "success")
            return redirect(url_for(".index"))
        if mapped:
            rows = baselines.map_geographies_from_csv(mapped.read())
            flash(_("Mapped %(count)s geographies.", count=len(rows)), "success")
            return redirect(url_for(".index"))
    except DomainError as err:
        db.session.rollback()
        errors = list(getattr(err, "problems", None) or err.messages)
    imports = db.session.scalars(select(CensusImport).order_by(CensusImport.imported_at.desc())).all()
    mappings = db.session.execute(
        select(GeographyArea.geo_id, Area.slug).join(Area, Area.id == GeographyArea.area_id)
        .order_by(Area.slug, GeographyArea.geo_id)).all()
    html = render_template("demographics/baselines.html", census=census, mapping=mapping,
                           errors=errors, imports=imports, mappings=mappings)
    return (html, 422) if errors else html
