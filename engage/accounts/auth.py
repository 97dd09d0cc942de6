"""Flask-Login wiring."""

from __future__ import annotations

from flask_login import AnonymousUserMixin, LoginManager

from engage.core.i18n import _l
from engage.core.roles import Permission
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
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None
