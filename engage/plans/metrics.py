"""How feedback is being used: findings answered by an action, how fast, what is
overdue, and actions by status; per survey and per department. Counted in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from sqlalchemy import func, select

from engage.extensions import db
from engage.plans.models import Action, ActionStatus, Finding
from engage.surveys.models import Survey


@dataclass
class Usage:
    findings: int = 0
    answered: int = 0
    #: Days from a finding to its first action, for the findings answered.
    days_to_first: list[float] = field(default_factory=list)
    actions: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in ActionStatus})

    @property
    def share_answered(self) -> float | None:
        return self.answered / self.findings if self.findings else None

    @property
    def median_days(self) -> float | None:
        return round(median(self.days_to_first), 1) if self.days_to_first else None


@dataclass(frozen=True)
class Waiting:
    finding: Finding
    days: float
    overdue: bool


@dataclass
class Dashboard:
    total: Usage
    by_survey: dict[int, Usage]
    by_department: dict[int, Usage]
    waiting: list[Waiting]
    surveys: dict[int, Survey]


def dashboard(now: datetime, overdue_after_days: int, department_id: int | None = None
              ) -> Dashboard:
    """``department_id`` None: every department (engagement staff's view)."""
    first_action = (select(Action.finding_id, func.min(Action.created_at).label("first"))
                    .group_by(Action.finding_id).subquery())
    query = (select(Finding, first_action.c.first)
             .outerjoin(first_action, first_action.c.finding_id == Finding.id)
             .order_by(Finding.taken_at))
    statuses = (select(Finding.survey_id, Finding.department_id, Action.status, func.count())
                .join(Action, Action.finding_id == Finding.id)
                .group_by(Finding.survey_id, Finding.department_id, Action.status))
    if department_id is not None:
        query = query.where(Finding.department_id == department_id)
        statuses = statuses.where(Finding.department_id == department_id)
    total, by_survey, by_department = Usage(), {}, {}
    waiting = []
    for finding, first in db.session.execute(query):
        groups = (total, by_survey.setdefault(finding.survey_id, Usage()),
                  by_department.setdefault(finding.department_id, Usage()))
        for usage in groups:
            usage.findings += 1
        if first is not None:
            days = (first - finding.taken_at).total_seconds() / 86400
            for usage in groups:
                usage.answered += 1
                usage.days_to_first.append(days)
        else:
            age = (now - finding.taken_at).total_seconds() / 86400
            waiting.append(Waiting(finding, round(age, 1), age > overdue_after_days))
    for survey_id, dept_id, status, n in db.session.execute(statuses):
        for usage in (total, by_survey.setdefault(survey_id, Usage()),
                      by_department.setdefault(dept_id, Usage())):
            usage.actions[status] = usage.actions.get(status, 0) + n
    surveys = {s.id: s for s in db.session.scalars(
        select(Survey).where(Survey.id.in_(list(by_survey) or [0])))}
    return Dashboard(total, by_survey, by_department,
                     sorted(waiting, key=lambda w: -w.days), surveys)


