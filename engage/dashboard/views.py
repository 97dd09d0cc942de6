from __future__ import annotations

from flask import Blueprint, render_template

from engage.core.roles import Permission, require
from engage.dashboard.queries import response_counts
from engage.surveys.labels import CHANNEL_LABELS, STATUS_LABELS
from engage.surveys.queries import list_surveys

bp = Blueprint("dashboard", __name__, url_prefix="/staff")


@bp.get("/")
@require(Permission.VIEW_DASHBOARD)
def index() -> str:
    return render_template("dashboard/index.html", surveys=list_surveys(),
                           counts=response_counts(), status_labels=STATUS_LABELS,
                           channel_labels=CHANNEL_LABELS)
