"""Every change to plans, findings and actions. Planners change their own department's
only; every change is recorded (who, when, what) in the audit log, which is each
finding's and action's history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from engage.accounts.models import User
from engage.audit import operations as audit
from engage.audit.models import PLAN_CHANGE, REPORT_PUBLISH
from engage.core.clock import utcnow
from engage.core.errors import DomainError
from engage.core.i18n import _l, language_name
from engage.core.roles import Role
from engage.demographics.standard import DIMENSIONS
from engage.extensions import db
from engage.org.models import Department
from engage.plans import notify
from engage.plans.models import Action, ActionStatus, Finding, Goal, Measure, Objective
from engage.plans.snapshots import take_snapshot
from engage.surveys.models import Survey

STATUS_ORDER = tuple(ActionStatus)


class NotAllowed(DomainError):
    """A planner reaching for another department's plan."""


def can_edit(user: User, department_id: int | None) -> bool:
    """Admins edit every plan; planners their own department's; nobody else."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.PLANNER and department_id is not None \
        and user.department_id == department_id


def _require(user: User, department_id: int | None) -> None:
    if not can_edit(user, department_id):
        raise NotAllowed(_l("Only this department's planners can change its plan."))


def _clean(text: str, limit: int = 300) -> str:
    cleaned = " ".join((text or "").split())[:limit]
    if not cleaned:
        raise DomainError(_l("Please write a title."))
    return cleaned


# -- the plan -------------------------------------------------------------------------

def add_goal(user: User, department: Department, title: str) -> Goal:
    _require(user, department.id)
    goal = Goal(department=department, title=_clean(title), position=len(department.goals))
    db.session.add(goal)
    db.session.flush()
    audit.record(PLAN_CHANGE, f"goal:{goal.id}", {"change": "added"})
    return goal


def add_objective(user: User, goal: Goal, title: str) -> Objective:
    _require(user, goal.department_id)
    objective = Objective(goal=goal, title=_clean(title), position=len(goal.objectives))
    db.session.add(objective)
    db.session.flush()
    audit.record(PLAN_CHANGE, f"objective:{objective.id}", {"change": "added"})
    return objective


@dataclass
class MeasureData:
    name: str
    unit: str = ""
    by_dimension: str | None = None
    target_gap: float | None = None
    target_date: date | None = None


def add_measure(user: User, objective: Objective, data: MeasureData) -> Measure:
    _require(user, objective.goal.department_id)
    if data.target_gap is not None and data.target_gap < 0:
        raise DomainError(_l("A gap to close is zero or more."))
    if data.target_gap is not None and not data.by_dimension:
        raise DomainError(_l("A gap between groups needs the groups: choose a dimension."))
    if data.by_dimension and data.by_dimension not in DIMENSIONS:
        raise DomainError(_l("Choose one of the groups offered."))
    measure = Measure(objective=objective, name=_clean(data.name), unit=data.unit[:32],
                      by_dimension=data.by_dimension or None, target_gap=data.target_gap,
                      target_date=data.target_date)
    db.session.add(measure)
    db.session.flush()
    audit.record(PLAN_CHANGE, f"measure:{measure.id}", {"change": "added"})
    return measure


PLAN_PARTS = {"goal": Goal, "objective": Objective, "measure": Measure}


def _department_of(part: Goal | Objective | Measure) -> int:
    if isinstance(part, Goal):
        return part.department_id
    if isinstance(part, Objective):
        return part.goal.department_id
    return part.objective.goal.department_id


def rename_part(user: User, part: Goal | Objective | Measure, title: str) -> None:
    """Reword a goal, objective or measure (findings linked to it keep the link)."""
    _require(user, _department_of(part))
    name = "name" if isinstance(part, Measure) else "title"
    before = getattr(part, name)
    setattr(part, name, _clean(title))
    db.session.flush()
    audit.record(PLAN_CHANGE, f"{type(part).__name__.lower()}:{part.id}",
                 {"change": "renamed", "changed": before != getattr(part, name)})


def remove_part(user: User, part: Goal | Objective | Measure) -> None:
    """Take a goal, objective or measure out of the plan: findings stay (unlinked from a
    removed objective); actions linked to a removed measure keep their text and status."""
    _require(user, _department_of(part))
    subject = f"{type(part).__name__.lower()}:{part.id}"
    db.session.delete(part)
    db.session.flush()
    audit.record(PLAN_CHANGE, subject, {"change": "removed"})


# -- findings ---------------------------------------------------------------------------

def create_finding(user: User, survey: Survey, department: Department, *, question: str,
                   by: str | None, query: Mapping[str, str], title: str, reading: str,
                   objective_ids: Sequence[int]) -> Finding:
    """Freeze the question's figures as the public sees them, with the planner's reading."""
    _require(user, department.id)
    objectives = list(db.session.scalars(
        select(Objective).join(Goal).where(Objective.id.in_(objective_ids),
                                           Goal.department_id == department.id)))
    if len(objectives) != len(set(objective_ids)):
        raise DomainError(_l("Choose objectives from this department's plan."))
    finding = Finding(survey_id=survey.id, department_id=department.id, title=_clean(title),
                      reading=(reading or "").strip()[:5000],
                      snapshot=take_snapshot(survey, question, by, query),
                      taken_at=utcnow(), created_by_id=user.id, objectives=objectives)
    db.session.add(finding)
    db.session.flush()
    audit.record(PLAN_CHANGE, f"finding:{finding.id}",
                 {"change": "added", "survey": survey.slug, "question": question})
    return finding


# -- actions ----------------------------------------------------------------------------

@dataclass
class ActionData:
    text: Mapping[str, str]
    owner: str = ""
    due_on: date | None = None
    measure_id: int | None = None
    status: str = ActionStatus.PROPOSED
    reason: Mapping[str, str] = field(default_factory=dict)


def _texts(values: Mapping[str, str], locales: Sequence[str]) -> dict[str, str]:
    return {loc: values[loc].strip()[:2000] for loc in locales if (values.get(loc) or "").strip()}


def _check_action(finding: Finding, data: ActionData) -> None:
    survey = finding.survey
    if data.status not in STATUS_ORDER:
        raise DomainError(_l("Choose a status."))
    if not (data.text.get(survey.default_locale) or "").strip():
        raise DomainError(_l("%(language)s: say what the department will do.",
                             language=language_name(survey.default_locale)))
    if data.status == ActionStatus.NOT_ADOPTED and not (
            data.reason.get(survey.default_locale) or "").strip():
        raise DomainError(_l("Say why the action was not adopted: residents read the reason."))
    if data.measure_id is not None:
        measure = db.session.get(Measure, data.measure_id)
        if measure is None or measure.objective.goal.department_id != finding.department_id:
            raise DomainError(_l("Choose a measure from this department's plan."))


def add_action(user: User, finding: Finding, data: ActionData) -> Action:
    _require(user, finding.department_id)
    _check_action(finding, data)
    locales = finding.survey.locales
    action = Action(finding=finding, text=_texts(data.text, locales),
                    reason=_texts(data.reason, locales) or None, owner=data.owner.strip()[:200],
                    due_on=data.due_on, measure_id=data.measure_id, status=data.status,
                    created_by_id=user.id)
    db.session.add(action)
    db.session.flush()
    audit.record(PLAN_CHANGE, f"action:{action.id}", {"change": "added", "status": action.status,
                                                      "finding": finding.id})
    return action


def update_action(user: User, action: Action, data: ActionData) -> Action:
    """Change an action; the history keeps what changed, and a new status is texted to
    residents who asked to hear back (once the report is public)."""
    _require(user, action.finding.department_id)
    _check_action(action.finding, data)
    locales = action.finding.survey.locales
    new = {"text": _texts(data.text, locales), "reason": _texts(data.reason, locales) or None,
           "owner": data.owner.strip()[:200], "due_on": data.due_on,
           "measure_id": data.measure_id, "status": data.status}
    changed = {name: value for name, value in new.items() if getattr(action, name) != value}
    if not changed:
        return action
    previous_status = action.status
    for name, value in changed.items():
        setattr(action, name, value)
    db.session.flush()
    detail: dict[str, object] = {"change": "edited", "fields": sorted(changed)}
    if "status" in changed:
        detail["status"] = [previous_status, action.status]
    if "due_on" in changed:
        detail["due_on"] = action.due_on.isoformat() if action.due_on else None
    audit.record(PLAN_CHANGE, f"action:{action.id}", detail)
    if "status" in changed and action.finding.survey.report_published_at:
        notify.action_changed(action)
    return action


# -- the public report ----------------------------------------------------------------------

def report_problems(survey: Survey) -> list[object]:
    """Every action text residents would read missing in a language of the survey."""
    problems: list[object] = []
    actions = db.session.scalars(select(Action).join(Finding)
                                 .where(Finding.survey_id == survey.id)).all()
    if not actions:
        problems.append(_l("Add at least one action: the report says what the city did."))
    for number, action in enumerate(actions, start=1):
        for locale in survey.locales:
            lang = language_name(locale)
            if not (action.text or {}).get(locale):
                problems.append(_l("%(language)s: action %(n)s is missing.", language=lang,
                                   n=number))
            if action.status == ActionStatus.NOT_ADOPTED and not (action.reason or {}).get(locale):
                problems.append(_l("%(language)s: the reason action %(n)s was not adopted is "
                                   "missing.", language=lang, n=number))
    return problems


def publish_report(user: User, survey: Survey) -> int:
    """Publish "what we heard / what we did" (results too, suppressed); residents who
    asked to hear back are texted once. Returns the texts queued."""
    _require(user, survey.department_id)
    problems = report_problems(survey)
    if problems:
        raise DomainError(*problems)
    first = survey.report_published_at is None
    survey.report_published_at = survey.report_published_at or utcnow()
    survey.results_published_at = survey.results_published_at or survey.report_published_at
    db.session.flush()
    audit.record(REPORT_PUBLISH, f"survey:{survey.slug}", {"first": first})
    return notify.report_published(survey)


def unpublish_report(user: User, survey: Survey) -> None:
    _require(user, survey.department_id)
    survey.report_published_at = None
    db.session.flush()
    audit.record(REPORT_PUBLISH, f"survey:{survey.slug}", {"published": False})
