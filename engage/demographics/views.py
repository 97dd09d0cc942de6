from __future__ import annotations

from flask import Blueprint
from werkzeug.wrappers import Response

from engage.core.i18n import _
from engage.core.named import named_entity_page
from engage.core.roles import Permission, require
from engage.demographics import baseline_models  # noqa: F401 - tables for the migrations
from engage.demographics.models import Area

bp = Blueprint("demographics", __name__, url_prefix="/staff/areas")


@bp.route("/", methods=["GET", "POST"])
@require(Permission.MANAGE_SETUP)
def areas() -> str | Response:
    return named_entity_page(Area, _("Neighborhoods"))
