"""Staff pages: departments, their plans, findings made from results, the actions that
answer them, the report residents read, and how feedback is being used."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.audit.models import AuditEvent
from engage.core.clock import utcnow
from engage.core.errors import DomainError, flash_errors
from engage.core.i18n import _, resolve
from engage.core.named import named_entity_page
from engage.core.roles import Permission, require
from engage.core.routing import get_or_404
from engage.demographics.standard import DIMENSIONS, dimension_label
from engage.extensions import db
from engage.org.models import Department
from engage.plans import metrics
from engage.plans import operations as ops
from engage.plans.forms import (
    STATUS_LABELS,
    FindingForm,
    MeasureForm,
    TitleForm,
    action_form,
)
from engage.plans.models import Action, Finding, Goal, Measure, Objective
from engage.plans.snapshots import KEPT
from engage.surveys.loader import with_survey
from engage.surveys.models import Survey
from engage.surveys.queries import survey_spec

bp = Blueprint("plans", __name__, url_prefix="/staff")


def _flash(err: DomainError) -> None:
    if isinstance(err, ops.NotAllowed):
        abort(403)
    flash_errors(err)


@bp.route("/departments/", methods=["GET", "POST"])
@require(Permission.MANAGE_SETUP)
def departments() -> str | Response:
    return named_entity_page(Department, _("Departments"))


@bp.get("/plans")
@require(Permission.VIEW_PLANS)
def index() -> str:
    rows = db.session.scalars(select(Department).order_by(Department.slug)).all()
    return render_template("plans/index.html", departments=rows)


def _department(slug: str) -> Department:
    department = db.session.scalar(select(Department).where(Department.slug == slug))
    if department is None:
        abort(404)
    return department


@bp.route("/plans/<slug>", methods=["GET", "POST"])
@require(Permission.VIEW_PLANS)
def plan(slug: str) -> str | Response:
    """Goals, objectives and measures; each objective's findings beside it."""
    department = _department(slug)
    title, measure = TitleForm(), MeasureForm()
    measure.by_dimension.choices = [("", _("Not by group"))] + [
        (key, str(dimension_label(key))) for key in DIMENSIONS]
    if request.method == "POST":
        what = request.form.get("what", "")
        try:
            if what == "goal" and title.validate():
                ops.add_goal(current_user, department, title.title.data)
            elif what == "objective" and title.validate():
                goal = get_or_404(Goal, request.form.get("goal"))
                ops.add_objective(current_user, goal, title.title.data)
            elif what in ("rename", "remove") and request.form.get("part") in ops.PLAN_PARTS:
                part = get_or_404(ops.PLAN_PARTS[request.form["part"]], request.form.get("id"))
                if what == "remove":
                    ops.remove_part(current_user, part)
                elif title.validate():
                    ops.rename_part(current_user, part, title.title.data)
                else:
                    flash(_("Please write a title."), "error")
            elif what == "measure" and measure.validate():
                objective = get_or_404(Objective, request.form.get("objective"))
                ops.add_measure(current_user, objective, ops.MeasureData(
                    measure.name.data, measure.unit.data or "", measure.by_dimension.data or None,
                    float(measure.target_gap.data) if measure.target_gap.data is not None
                    else None, measure.target_date.data))
            else:
                flash(_("Please check the form."), "error")
        except DomainError as err:
            _flash(err)
        else:
            return redirect(url_for(".plan", slug=slug))
    findings = db.session.scalars(select(Finding).where(Finding.department_id == department.id)
                                  .order_by(Finding.taken_at.desc())).all()
    by_objective: dict[int, list[Finding]] = {}
    for f in findings:
        for o in f.objectives:
            by_objective.setdefault(o.id, []).append(f)
    return render_template("plans/plan.html", department=department, title_form=title,
                           measure_form=measure, findings=findings, by_objective=by_objective,
                           can_edit=ops.can_edit(current_user, department.id),
                           dimension_label=dimension_label)


@bp.get("/plans/dashboard")
@bp.get("/plans/<slug>/dashboard")
@require(Permission.VIEW_PLANS)
def dashboard(slug: str | None = None) -> str:
    department = _department(slug) if slug else None
    days = current_app.config["PLANS_RESPONSE_DAYS"]
    board = metrics.dashboard(utcnow(), days, department.id if department else None)
    names = {d.id: d for d in db.session.scalars(select(Department))}
    return render_template("plans/dashboard.html", board=board, department=department,
                           departments=names, overdue_days=days, status_labels=STATUS_LABELS)


# -- findings -------------------------------------------------------------------------------

def _editable_departments() -> list[Department]:
    return [d for d in db.session.scalars(select(Department).order_by(Department.slug))
            if ops.can_edit(current_user, d.id)]


@bp.route("/surveys/<int:survey_id>/findings/new", methods=["GET", "POST"])
@require(Permission.EDIT_PLANS)
@with_survey
def new_finding(survey: Survey) -> str | Response:
    """From a results view: the question and the view's breakdown and filters ride in the
    query string, and are frozen with the figures."""
    question = request.args.get("question", "")
    spec_question = next((q for q in survey_spec(survey).questions if q.key == question), None)
    if spec_question is None:
        abort(404)
    departments = _editable_departments()
    if not departments:
        abort(403)
    form = FindingForm(data={"department_id": survey.department_id} if request.method == "GET"
                       else None)
    form.department_id.choices = [(d.id, resolve(d.name, "en")) for d in departments]
    chosen = next((d for d in departments if d.id == form.department_id.data), departments[0])
    form.objective_ids.choices = [(o.id, f"{g.title} › {o.title}") for g in chosen.goals
                                  for o in g.objectives]
    if form.validate_on_submit():
        try:
            finding = ops.create_finding(
                current_user, survey, chosen, question=question, by=request.args.get("by"),
                query={k: v for k, v in request.args.items() if k in KEPT},
                title=form.title.data, reading=form.reading.data or "",
                objective_ids=form.objective_ids.data or [])
        except DomainError as err:
            _flash(err)
        else:
            flash(_("Finding saved with the figures as they are today."), "success")
            return redirect(url_for(".finding", finding_id=finding.id))
    return render_template("plans/new_finding.html", form=form, survey=survey,
                           question=spec_question, resolve=resolve)


@bp.get("/surveys/<int:survey_id>/findings")
@require(Permission.VIEW_PLANS)
@with_survey
def survey_findings(survey: Survey) -> str:
    findings = db.session.scalars(select(Finding).where(Finding.survey_id == survey.id)
                                  .order_by(Finding.taken_at)).all()
    return render_template("plans/survey_findings.html", survey=survey, findings=findings,
                           problems=ops.report_problems(survey), status_labels=STATUS_LABELS,
                           can_publish=ops.can_edit(current_user, survey.department_id))


@bp.post("/surveys/<int:survey_id>/report")
@require(Permission.EDIT_PLANS)
@with_survey
def publish_report(survey: Survey) -> Response:
    try:
        if request.form.get("action") == "unpublish":
            ops.unpublish_report(current_user, survey)
            flash(_("The report is no longer public."), "success")
        else:
            texts = ops.publish_report(current_user, survey)
            flash(_("The report is public. Texts to residents who asked to hear back: "
                    "%(count)s.", count=texts), "success")
    except DomainError as err:
        _flash(err)
    return redirect(url_for(".survey_findings", survey_id=survey.id))


def _history(subject: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.subject == subject)
                                   .order_by(AuditEvent.at)))


def _action_form(finding: Finding, action: Action | None):  # type: ignore[no-untyped-def]
    form = action_form(finding.survey.locales)(
        data={"status": action.status, "owner": action.owner, "due_on": action.due_on,
              "measure_id": action.measure_id or 0,
              **{f"text__{k}": v for k, v in (action.text or {}).items()},
              **{f"reason__{k}": v for k, v in (action.reason or {}).items()}}
        if action is not None and request.method == "GET" else None)
    form.measure_id.choices = [(0, _("None"))] + [
        (m.id, m.name) for g in finding.department.goals for o in g.objectives
        for m in o.measures]
    return form


def _action_data(form, locales) -> ops.ActionData:  # type: ignore[no-untyped-def]
    return ops.ActionData(
        text={c: form[f"text__{c}"].data or "" for c in locales},
        reason={c: form[f"reason__{c}"].data or "" for c in locales},
        owner=form.owner.data or "", due_on=form.due_on.data,
        measure_id=form.measure_id.data or None, status=form.status.data)


@bp.route("/findings/<int:finding_id>", methods=["GET", "POST"])
@require(Permission.VIEW_PLANS)
def finding(finding_id: int) -> str | Response:
    finding = db.get_or_404(Finding, finding_id)
    form = _action_form(finding, None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            ops.add_action(current_user, finding, _action_data(form, finding.survey.locales))
        except DomainError as err:
            _flash(err)
        else:
            flash(_("Action added."), "success")
            return redirect(url_for(".finding", finding_id=finding.id))
    elif request.method == "POST" and not ops.can_edit(current_user, finding.department_id):
        abort(403)
    return render_template("plans/finding.html", finding=finding, form=form,
                           can_edit=ops.can_edit(current_user, finding.department_id),
                           status_labels=STATUS_LABELS, history=_history(f"finding:{finding.id}"),
                           resolve=resolve)


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@require(Permission.VIEW_PLANS)
def action(action_id: int) -> str | Response:
    action = db.get_or_404(Action, action_id)
    finding = action.finding
    form = _action_form(finding, action)
    if request.method == "POST":
        if not ops.can_edit(current_user, finding.department_id):
            abort(403)
        if form.validate_on_submit():
            try:
                ops.update_action(current_user, action, _action_data(form, finding.survey.locales))
            except DomainError as err:
                _flash(err)
            else:
                flash(_("Action saved."), "success")
                return redirect(url_for(".action", action_id=action.id))
    return render_template("plans/action.html", action=action, finding=finding, form=form,
                           can_edit=ops.can_edit(current_user, finding.department_id),
                           status_labels=STATUS_LABELS, history=_history(f"action:{action.id}"),
                           measure=db.session.get(Measure, action.measure_id)
                           if action.measure_id else None)
