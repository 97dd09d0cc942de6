"""``/health``: for a load balancer or a monitor. Public and cheap; says why, not how."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from engage.core.availability import database_health
from engage.extensions import csrf

bp = Blueprint("health", __name__)


@bp.get("/health")
@csrf.exempt
def health() -> tuple[Response, int]:
    database = database_health()
    status = 200 if database["ok"] else 503
    return jsonify({"status": "ok" if database["ok"] else "unavailable",
                    "database": database}), status
