"""Staff roles, what each may do, and the decorator every staff view uses."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from engage.core.i18n import _l


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"  # engagement staff
    PLANNER = "planner"  # belongs to one department
    VIEWER = "viewer"


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.STAFF: _l("Engagement staff"),
    Role.PLANNER: _l("Planner"),
    Role.VIEWER: _l("Viewer"),
}


class Permission(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    EDIT_SURVEYS = "edit_surveys"
    PUBLISH_SURVEYS = "publish_surveys"
    MANAGE_USERS = "manage_users"
    MANAGE_SETUP = "manage_setup"  # departments and neighbourhoods
    #: Texts residents sent and received (their words, never their numbers), and the
    #: phone simulator.
    USE_MESSAGES = "use_messages"
    VIEW_RESULTS = "view_results"
    #: Individual responses leave the system: audited, and only for those who run surveys.
    EXPORT_RESPONSES = "export_responses"
    VIEW_AUDIT_LOG = "view_audit_log"
    #: Contact lists (consent records) and campaigns that text residents.
    RUN_OUTREACH = "run_outreach"
    #: Department plans, findings and actions: read by every role.
    VIEW_PLANS = "view_plans"
    #: Change a plan, its findings and actions (planners: their own department only).
    EDIT_PLANS = "edit_plans"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.STAFF: frozenset({Permission.VIEW_DASHBOARD, Permission.EDIT_SURVEYS,
                          Permission.PUBLISH_SURVEYS, Permission.USE_MESSAGES,
                          Permission.VIEW_RESULTS, Permission.EXPORT_RESPONSES,
                          Permission.RUN_OUTREACH, Permission.VIEW_PLANS}),
    Role.PLANNER: frozenset({Permission.VIEW_DASHBOARD, Permission.VIEW_RESULTS,
                            Permission.VIEW_PLANS, Permission.EDIT_PLANS}),
    Role.VIEWER: frozenset({Permission.VIEW_DASHBOARD, Permission.VIEW_RESULTS,
                           Permission.VIEW_PLANS}),
}


def roles_with(permission: Permission) -> list[Role]:
    """The roles that hold ``permission``, in the order they are listed."""
    return [role for role in Role if permission in ROLE_PERMISSIONS[role]]


def role_can(role: str, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


F = TypeVar("F", bound=Callable[..., Any])


def require(permission: Permission) -> Callable[[F], F]:
    """Sign-in plus ``permission``, else 403. Records the permission on the view so the
    route-matrix test can check every staff route declares one."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(wrapped)
        guarded.required_permission = permission  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorator
