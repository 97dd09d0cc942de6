"""Staff account changes."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engage.accounts.models import User
from engage.core.clock import utcnow
from engage.core.errors import DomainError
from engage.core.i18n import _l
from engage.core.roles import Role
from engage.extensions import db

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, password: str, role: str, name: str = "",
                department_id: int | None = None) -> User:
    email = email.strip().lower()
    errors: list[object] = []
    if not EMAIL_RE.match(email):
        errors.append(_l("Enter a valid email address."))
    elif user_by_email(email):
        errors.append(_l("An account with this email already exists."))
    if role not in {r.value for r in Role}:
        errors.append(_l("Unknown role."))
    if len(password) < MIN_PASSWORD:
        errors.append(_l("The password must be at least %(n)s characters.", n=MIN_PASSWORD))
    if role == Role.PLANNER and department_id is None:
        errors.append(_l("A planner belongs to a department."))
    if errors:
        raise DomainError(*errors)
    user = User(email=email, name=name, role=role, department_id=department_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = user_by_email(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def change_role(user: User, role: str, department_id: int | None) -> None:
    if role not in {r.value for r in Role}:
        raise DomainError(_l("Unknown role."))
    if role == Role.PLANNER and department_id is None:
        raise DomainError(_l("A planner belongs to a department."))
    user.role = role
    user.department_id = department_id
    db.session.flush()
