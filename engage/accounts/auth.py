"""Flask-Login wiring."""

from __future__ import annotations

from flask_login import AnonymousUserMixin, LoginManager

from engage.core.i18n import _l
from engage.core.roles import Permission
from engage.core.routing import bounded_int
from engage.extensions import db


class Anonymous(AnonymousUserMixin):
    role = None

    def can(self, permission: Permission) -> bool:
        return False


def configure_login(manager: LoginManager) -> None:
    from engage.accounts.models import User

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
