"""Census baselines: figures imported from ACS tables, by geography, and the neighbourhood
each geography (tract, block group, ZCTA) belongs to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.clock import utcnow
from engage.core.models import TimestampMixin, UTCDateTime
from engage.extensions import db
from engage.org.models import Area


class CensusImport(db.Model):
    """One imported table download. Importing the same table again replaces its figures
    for the geographies the new file covers; an import left with none is deleted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``B03002``.
    table: Mapped[str] = mapped_column(String(16))
    #: The dataset the file name gives, ``ACSDT5Y2023`` (detailed tables, 5-year, 2023).
    vintage: Mapped[str | None] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Geographies with figures from this import (fewer once a later import replaces some).
    geographies: Mapped[int] = mapped_column(default=0)
    #: Figures left out because the file gives no estimate (an annotation such as "N").
    skipped: Mapped[int] = mapped_column(default=0)

    figures: Mapped[list[BaselineFigure]] = relationship(
        back_populates="census_import", cascade="all, delete-orphan", passive_deletes=True)


class BaselineFigure(db.Model):
    """A group's estimate in one geography, with its 90% margin of error (None when the
    Bureau could not give one)."""

    __table_args__ = (
        UniqueConstraint("import_id", "geo_id", "dimension", "group"),
        Index("ix_baseline_figure_dimension_geo_id", "dimension", "geo_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("census_import.id", ondelete="CASCADE"))
    #: ``1400000US53033000100``.
    geo_id: Mapped[str] = mapped_column(String(40))
    geo_name: Mapped[str] = mapped_column(String(255), default="")
    #: A standard dimension key (``race_ethnicity``) and one of its groups (``nh_asian``).
    dimension: Mapped[str] = mapped_column(String(64))
    group: Mapped[str] = mapped_column(String(64))
    estimate: Mapped[float] = mapped_column(Float)
    moe: Mapped[float | None] = mapped_column(Float)

    census_import: Mapped[CensusImport] = relationship(back_populates="figures")


class GeographyArea(TimestampMixin, db.Model):
    """A census geography counted in one of the city's neighbourhoods."""

    id: Mapped[int] = mapped_column(primary_key=True)
    geo_id: Mapped[str] = mapped_column(String(40), unique=True)
    #: The GEO_ID's first three digits (``140`` tract, ``860`` ZCTA): one kind is summed
    #: at a time, since a tract and a ZIP code area overlap.
    summary_level: Mapped[str] = mapped_column(String(3))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)

    area: Mapped[Area] = relationship()
