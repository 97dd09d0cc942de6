"""Staff accounts: creation, sign-in, roles, deactivation and reset links.

Every change is audited here, in the operation, so a change made from a page, the CLI or
a task is recorded the same way.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from engage.accounts.models import User
from engage.audit import operations as audit
from engage.audit.models import (
    ACCOUNT_CREATE,
    ACCOUNT_DEACTIVATE,
    ACCOUNT_REACTIVATE,
    PASSWORD_RESET,
    RESET_LINK_ISSUED,
    ROLE_CHANGE,
    SIGN_IN,
    SIGN_IN_FAILED,
)
from engage.core.clock import utcnow
from engage.core.errors import DomainError
from engage.core.i18n import _l
from engage.core.roles import Role
from engage.extensions import db

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
#: A reset link works once, for this long: long enough to reach someone, short enough
#: that a forwarded or logged link soon stops working.
RESET_LINK_HOURS = 24
#: Checked when no account matches, so that a wrong e-mail address takes as long to
#: refuse as a wrong password (else sign-in tells who has an account).
_UNMATCHABLE = generate_password_hash(secrets.token_urlsafe(16))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _check_role(role: str, department_id: int | None) -> list[object]:
    errors: list[object] = []
    if role not in {r.value for r in Role}:
        errors.append(_l("Unknown role."))
    if role == Role.PLANNER and department_id is None:
        errors.append(_l("A planner belongs to a department."))
    return errors


def _check_password(password: str) -> list[object]:
    if len(password) < MIN_PASSWORD:
        return [_l("The password must be at least %(n)s characters.", n=MIN_PASSWORD)]
    return []


def create_user(email: str, password: str, role: str, name: str = "",
                department_id: int | None = None) -> User:
    email = email.strip().lower()
    errors: list[object] = []
    if not EMAIL_RE.match(email):
        errors.append(_l("Enter a valid email address."))
    elif user_by_email(email):
        errors.append(_l("An account with this email already exists."))
    errors += _check_role(role, department_id) + _check_password(password)
    if errors:
        raise DomainError(*errors)
    user = User(email=email, name=name, role=role, department_id=department_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(ACCOUNT_CREATE, f"user:{user.id}", {"email": email, "role": role,
                                                     "department_id": department_id})
    return user


def authenticate(email: str, password: str, address: str | None = None) -> User | None:
    """The active account these match, else None; either way the attempt is audited.

    The same password hash check runs whether or not the account exists or is active.
    """
    user = user_by_email(email)
    matches = check_password_hash(user.password_hash if user else _UNMATCHABLE, password)
    if user is None or not user.active or not matches:
        reason = "unknown" if user is None else ("inactive" if not user.active else "password")
        audit.record(SIGN_IN_FAILED, f"user:{user.id}" if user else "user:unknown",
                     {"reason": reason, "address": address,
                      **({"email": user.email} if user else {})})
        return None
    user.last_login_at = utcnow()
    audit.record(SIGN_IN, f"user:{user.id}", {"email": user.email, "address": address},
                 user_id=user.id)
    return user


def sign_out(user: User) -> None:
    """Ends this session and every copy of its cookie."""
    user.end_sessions()
    db.session.flush()


def change_role(user: User, role: str, department_id: int | None) -> None:
    errors = _check_role(role, department_id)
    if errors:
        raise DomainError(*errors)
    before = {"role": user.role, "department_id": user.department_id}
    user.role = role
    user.department_id = department_id
    user.end_sessions()  # pages opened under the old role are not trusted on
    db.session.flush()
    audit.record(ROLE_CHANGE, f"user:{user.id}", {
        "email": user.email, "old_role": before["role"], "new_role": role,
        "old_department_id": before["department_id"], "new_department_id": department_id})


def set_active(user: User, active: bool) -> None:
    """Deactivating ends the account's sessions at once; its history stays."""
    if user.active == active:
        return
    user.active = active
    user.end_sessions()
    if not active:
        user.reset_token_hash = user.reset_expires_at = None
    db.session.flush()
    audit.record(ACCOUNT_REACTIVATE if active else ACCOUNT_DEACTIVATE, f"user:{user.id}",
                 {"email": user.email})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset_link(user: User) -> str:
    """A new one-time token for ``user`` (any earlier one stops working). Only its hash
    is stored: the token is shown once, to the admin who asked for it."""
    if not user.active:
        raise DomainError(_l("Reactivate the account first."))
    token = secrets.token_urlsafe(32)
    user.reset_token_hash = _token_hash(token)
    user.reset_expires_at = utcnow() + timedelta(hours=RESET_LINK_HOURS)
    db.session.flush()
    audit.record(RESET_LINK_ISSUED, f"user:{user.id}", {"email": user.email,
                                                        "hours": RESET_LINK_HOURS})
    return token


def user_for_reset(token: str) -> User | None:
    """The active account whose unexpired link this is."""
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(select(User).where(User.reset_token_hash == _token_hash(token)))
    if user is None or not user.active or user.reset_expires_at is None \
            or user.reset_expires_at <= utcnow():
        return None
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password with a reset link: the link is used up and every session of the
    account ends (whoever had the old password is signed out)."""
    user = user_for_reset(token)
    if user is None:
        raise DomainError(_l("This link has expired or was already used. Ask an "
                             "administrator for a new one."))
    errors = _check_password(password)
    if errors:
        raise DomainError(*errors)
    user.set_password(password)
    user.reset_token_hash = user.reset_expires_at = None
    user.end_sessions()
    db.session.flush()
    audit.record(PASSWORD_RESET, f"user:{user.id}", {"email": user.email}, user_id=user.id)
    return user
