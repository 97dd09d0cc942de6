"""The city's departments and neighbourhoods. They sit below every domain that refers to
them, so they refer to none: plans add ``Department.goals`` from their side."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engage.core.models import JSONType, TimestampMixin
from engage.extensions import db


class Department(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    #: {locale: name}: residents read department names on public pages.
    name: Mapped[dict] = mapped_column(JSONType)


class Area(TimestampMixin, db.Model):
    """A neighbourhood the city reports on; census tracts or ZIPs map onto it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict] = mapped_column(JSONType)
