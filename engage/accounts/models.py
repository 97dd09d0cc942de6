from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import generate_password_hash

from engage.core.models import TimestampMixin, UTCDateTime
from engage.core.roles import Permission, Role, role_can
from engage.extensions import db
from engage.org.models import Department


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default=Role.VIEWER)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Part of what the session cookie holds: raised on sign-out, a new password, a role
    #: change or deactivation, so every cookie issued before stops signing anyone in.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: An admin-issued one-time reset link: only its SHA-256 is kept, until used or expired.
    reset_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    reset_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    department: Mapped[Department | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the account and its session version."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every session signed in so far ends at its next request."""
        self.session_version += 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def can(self, permission: Permission) -> bool:
        return role_can(self.role, permission)
