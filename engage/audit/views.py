"""The audit log page, for administrators."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engage.audit.models import ACTION_LABELS, AuditEvent
from engage.core.pagination import paginate
from engage.core.roles import Permission, require
from engage.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/staff")


@bp.get("/audit")
@require(Permission.VIEW_AUDIT_LOG)
def index() -> str:
    action = request.args.get("action") or None
    query = select(AuditEvent).options(joinedload(AuditEvent.user)) \
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    seen = db.session.scalars(select(AuditEvent.action).distinct()).all()
    actions = sorted({*ACTION_LABELS, *seen})
    return render_template("audit/index.html", page=paginate(query), action=action,
                           actions=actions, labels=ACTION_LABELS)
