from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.accounts import operations
from engage.accounts.forms import LoginForm, RoleForm, UserForm
from engage.accounts.models import User
from engage.audit import operations as audit
from engage.audit.models import ROLE_CHANGE
from engage.core.errors import DomainError, flash_errors
from engage.core.i18n import _, resolve
from engage.core.roles import ROLE_LABELS, Permission, require
from engage.extensions import db, limiter
from engage.plans.models import Department

bp = Blueprint("accounts", __name__, url_prefix="/staff")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("That email and password do not match an active account."), "error")
    return render_template("accounts/login.html", form=form)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("dashboard.index")


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    return redirect(url_for("accounts.login"))


def _department_choices() -> list[tuple[int, str]]:
    departments = db.session.scalars(select(Department).order_by(Department.slug))
    return [(0, _("None"))] + [(d.id, resolve(d.name, "en")) for d in departments]


@bp.route("/users", methods=["GET", "POST"])
@require(Permission.MANAGE_USERS)
def users() -> str | Response:
    form = UserForm()
    form.department_id.choices = _department_choices()
    if form.validate_on_submit():
        try:
            operations.create_user(form.email.data, form.password.data, form.role.data,
                                   form.name.data or "", form.department_id.data or None)
        except DomainError as err:
            flash_errors(err)
        else:
            flash(_("Account created."), "success")
            return redirect(url_for(".users"))
    people = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("accounts/users.html", form=form, users=people,
                           role_labels=ROLE_LABELS, role_form=_role_form())


def _role_form() -> RoleForm:
    form = RoleForm(formdata=None)
    form.department_id.choices = _department_choices()
    return form


@bp.post("/users/<int:user_id>/role")
@require(Permission.MANAGE_USERS)
def change_role(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    form.department_id.choices = _department_choices()
    if user.id == current_user.id:
        flash(_("You cannot change your own role."), "error")
    elif form.validate_on_submit():
        try:
            operations.change_role(user, form.role.data, form.department_id.data or None)
            audit.record(ROLE_CHANGE, f"user:{user.id}", {"role": user.role,
                                                          "department_id": user.department_id})
            flash(_("Role changed."), "success")
        except DomainError as err:
            flash_errors(err)
    return redirect(url_for(".users"))
