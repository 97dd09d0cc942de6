from __future__ import annotations

from flask import Blueprint
from werkzeug.wrappers import Response

from engage.core.i18n import _
from engage.core.named import named_entity_page
from engage.core.roles import Permission, require
from engage.plans.models import Department

bp = Blueprint("plans", __name__, url_prefix="/staff/departments")


@bp.route("/", methods=["GET", "POST"])
@require(Permission.MANAGE_SETUP)
def departments() -> str | Response:
    return named_entity_page(Department, _("Departments"))
