"""Writing to the audit log. Like every operation it flushes; the request commits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import has_request_context
from flask_login import current_user

from engage.audit.models import AuditEvent
from engage.extensions import db


def _current_user_id() -> int | None:
    if not has_request_context():
        return None  # CLI commands and tasks
    user = current_user
    return user.id if user and user.is_authenticated else None


def record(action: str, subject: str, detail: Mapping[str, Any] | None = None,
           user_id: int | None = None) -> AuditEvent:
    """Log ``action`` on ``subject`` by ``user_id``, else the signed-in staff member, if any.

    ``detail`` is for counts and identifiers (``{"rows": 120}``): never residents' data.
    """
    event = AuditEvent(action=action, subject=subject, user_id=user_id or _current_user_id(),
                       detail=dict(detail) if detail is not None else None)
    db.session.add(event)
    db.session.flush()
    return event
