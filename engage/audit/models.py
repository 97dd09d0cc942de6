"""One row per audited staff action. ``detail`` holds figures and identifiers only: never
a resident's phone number or anything a resident wrote. Account events name the staff
account's e-mail address, as an IT review asks, and the address a sign-in came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.clock import utcnow
from engage.core.i18n import _l
from engage.core.models import JSONType, UTCDateTime
from engage.extensions import db

EXPORT_RESPONSES = "export.responses"
SURVEY_PUBLISH = "survey.publish"
RESULTS_PUBLISH = "results.publish"
ROLE_CHANGE = "role.change"
ACCOUNT_CREATE = "account.create"
ACCOUNT_DEACTIVATE = "account.deactivate"
ACCOUNT_REACTIVATE = "account.reactivate"
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in.failed"
RESET_LINK_ISSUED = "password.reset_link"
PASSWORD_RESET = "password.reset"  # noqa: S105 - an audit action, not a password
PLAN_CHANGE = "plan.change"
REPORT_PUBLISH = "report.publish"

ACTION_LABELS = {
    EXPORT_RESPONSES: _l("Individual responses exported"),
    SURVEY_PUBLISH: _l("Survey published"),
    RESULTS_PUBLISH: _l("Results published"),
    ROLE_CHANGE: _l("Role changed"),
    ACCOUNT_CREATE: _l("Account created"),
    ACCOUNT_DEACTIVATE: _l("Account deactivated"),
    ACCOUNT_REACTIVATE: _l("Account reactivated"),
    SIGN_IN: _l("Signed in"),
    SIGN_IN_FAILED: _l("Sign-in refused"),
    RESET_LINK_ISSUED: _l("Password reset link issued"),
    PASSWORD_RESET: _l("Password set with a reset link"),
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

    #: The staff account (engage.accounts.models.User), named by string: accounts write
    #: audit events, so audit sits below accounts and imports nothing from it.
    user: Mapped[Any] = relationship("User")
