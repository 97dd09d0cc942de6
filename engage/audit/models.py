"""One row per audited staff action. ``detail`` holds figures and identifiers only:
never a phone number, an e-mail address or anything a resident wrote."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.accounts.models import User
from engage.core.clock import utcnow
from engage.core.i18n import _l
from engage.core.models import JSONType, UTCDateTime
from engage.extensions import db

EXPORT_RESPONSES = "export.responses"
SURVEY_PUBLISH = "survey.publish"
RESULTS_PUBLISH = "results.publish"
ROLE_CHANGE = "role.change"
PLAN_CHANGE = "plan.change"
REPORT_PUBLISH = "report.publish"

ACTION_LABELS = {
    EXPORT_RESPONSES: _l("Individual responses exported"),
    SURVEY_PUBLISH: _l("Survey published"),
    RESULTS_PUBLISH: _l("Results published"),
    ROLE_CHANGE: _l("Role changed"),
    PLAN_CHANGE: _l("Plan, finding or action changed"),
    REPORT_PUBLISH: _l("Public report published or withdrawn"),
}


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: None: done by the system or a CLI command, not a signed-in staff member.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(128))  # "survey:<slug>", "user:<id>"
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    user: Mapped[User | None] = relationship()
