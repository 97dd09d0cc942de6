from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engage.core.models import JSONType, TimestampMixin
from engage.extensions import db


class Area(TimestampMixin, db.Model):
    """A neighbourhood the city reports on; census tracts or ZIPs map onto it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict] = mapped_column(JSONType)
