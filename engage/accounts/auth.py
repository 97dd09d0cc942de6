"""Flask-Login wiring."""

from __future__ import annotations

from flask import Flask, session
from flask_login import AnonymousUserMixin, LoginManager, logout_user

from engage.accounts.models import User
from engage.core.clock import utcnow
from engage.core.i18n import _l
from engage.core.roles import Permission
from engage.core.routing import bounded_int
from engage.extensions import db


class Anonymous(AnonymousUserMixin):
    role = None

    def can(self, permission: Permission) -> bool:
        return False


SIGNED_IN_AT = "signed_in_at"


def start_session() -> None:
    """Called at sign-in: the session's age counts from now."""
    session[SIGNED_IN_AT] = utcnow().timestamp()


def configure_session_lifetime(app: Flask) -> None:
    @app.before_request
    def end_old_sessions() -> None:
        """A sign-in older than STAFF_SESSION_HOURS is signed out; the page then asks to
        sign in (staff pages) or carries on anonymous (residents' pages)."""
        if "_user_id" not in session:
            return  # residents and webhooks: nothing to check
        started = session.get(SIGNED_IN_AT)
        hours = app.config["STAFF_SESSION_HOURS"]
        if not isinstance(started, int | float) or \
                utcnow().timestamp() - started >= hours * 3600:
            logout_user()
            session.pop(SIGNED_IN_AT, None)


def configure_login(manager: LoginManager) -> None:
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to open that page.")
    manager.anonymous_user = Anonymous

    @manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The account named by the cookie, if the cookie is of its current session version."""
        user_id, _sep, version = session_id.partition(":")
        user = db.session.get(User, bounded) if (bounded := bounded_int(user_id)) else None
        if user is None or not version.isdigit() or int(version) != user.session_version:
            return None
        return user
