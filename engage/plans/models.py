"""Departments' plans (goals, objectives, performance measures), the findings
that tie survey results to objectives, and the actions that answer them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from engage.core.clock import utcnow
from engage.core.models import JSONType, TimestampMixin, UTCDateTime
from engage.extensions import db
from engage.org.models import Department


class Goal(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"),
                                               index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))

    #: Department lives in org, below plans: its ``goals`` are added from here.
    department: Mapped[Department] = relationship(backref=backref(
        "goals", order_by="Goal.position", cascade="all, delete-orphan"))
    objectives: Mapped[list[Objective]] = relationship(
        back_populates="goal", order_by="Objective.position", cascade="all, delete-orphan")


class Objective(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))

    goal: Mapped[Goal] = relationship(back_populates="objectives")
    measures: Mapped[list[Measure]] = relationship(back_populates="objective",
                                                   cascade="all, delete-orphan")


class Measure(TimestampMixin, db.Model):
    """A performance measure; tracked by group, it can carry a gap to close ("the
    satisfaction gap between renters and owners under 5 points by 2027")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objective.id", ondelete="CASCADE"),
                                              index=True)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(32), default="")
    #: A demographic dimension ("tenure", "race_ethnicity") when tracked by group.
    by_dimension: Mapped[str | None] = mapped_column(String(32))
    target_gap: Mapped[float | None] = mapped_column(Float)
    target_date: Mapped[date | None] = mapped_column(Date)

    objective: Mapped[Objective] = relationship(back_populates="measures")


finding_objective = Table(
    "finding_objective",
    db.metadata,
    Column("finding_id", ForeignKey("finding.id", ondelete="CASCADE"), primary_key=True),
    Column("objective_id", ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True),
)


class Finding(TimestampMixin, db.Model):
    """What a planner read in the results, with the figures frozen as they were shown
    (small groups already suppressed), and the objectives it informs."""

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"),
                                               index=True)
    title: Mapped[str] = mapped_column(String(300))
    reading: Mapped[str] = mapped_column(Text, default="")
    #: The question's public summary when the finding was made (see plans.snapshots).
    snapshot: Mapped[dict] = mapped_column(JSONType)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id",
                                                                 ondelete="SET NULL"))

    department: Mapped[Department] = relationship()
    survey = relationship("Survey")
    objectives: Mapped[list[Objective]] = relationship(secondary=finding_objective)
    actions: Mapped[list[Action]] = relationship(back_populates="finding",
                                                 order_by="Action.id",
                                                 cascade="all, delete-orphan")


class ActionStatus(StrEnum):
    PROPOSED = "proposed"
    ADOPTED = "adopted"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_ADOPTED = "not_adopted"


class Action(TimestampMixin, db.Model):
    """What the department will do about a finding. Its text (and the reason when not
    adopted) is translatable content: residents read it in their language."""

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"),
                                            index=True)
    text: Mapped[dict] = mapped_column(JSONType, default=dict)
    reason: Mapped[dict | None] = mapped_column(JSONType)
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measure.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.PROPOSED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id",
                                                                 ondelete="SET NULL"))

    finding: Mapped[Finding] = relationship(back_populates="actions")
    measure: Mapped[Measure | None] = relationship()
