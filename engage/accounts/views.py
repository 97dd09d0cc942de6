from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from engage.accounts import auth, operations, signin
from engage.accounts.forms import LoginForm, ResetForm, RoleForm, UserForm
from engage.accounts.models import User
from engage.core.errors import DomainError, flash_errors
from engage.core.i18n import _, resolve
from engage.core.roles import ROLE_LABELS, Permission, require
from engage.core.urls import public_url
from engage.extensions import db, limiter
from engage.org.models import Department

bp = Blueprint("accounts", __name__, url_prefix="/staff")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(signin.account_limit, key_func=signin.account_key, methods=["POST"],
               deduct_when=signin.refused)
@limiter.limit(signin.address_limit, methods=["POST"], deduct_when=signin.refused)
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data,
                                       address=request.remote_addr)
        if user:
            login_user(user)
            auth.start_session()
            return redirect(signin.safe_next(request.args.get("next"), url_for("dashboard.index")))
        flash(_("That email and password do not match an active account."), "error")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        operations.sign_out(current_user)
    logout_user()
    return redirect(url_for("accounts.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(signin.address_limit, methods=["POST"], deduct_when=signin.refused)
def reset(token: str) -> str | Response | tuple[str, int]:
    """Where a reset link leads: choose a new password, once."""
    user = operations.user_for_reset(token)
    if user is None:
        return render_template("accounts/reset.html", form=None, user=None), 404
    form = ResetForm()
    if form.validate_on_submit():
        try:
            operations.reset_password(token, form.password.data)
        except DomainError as err:
            flash_errors(err)
        else:
            logout_user()
            flash(_("Your password is set. Sign in with it."), "success")
            return redirect(url_for(".login"))
    return render_template("accounts/reset.html", form=form, user=user)


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
            flash(_("Role changed."), "success")
        except DomainError as err:
            flash_errors(err)
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/active")
@require(Permission.MANAGE_USERS)
def set_active(user_id: int) -> Response:
    """Deactivate (its sessions end at once) or reactivate an account."""
    user = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    else:  # the app-wide CSRF check has passed
        operations.set_active(user, active)
        flash(_("Account reactivated.") if active else _("Account deactivated: its sessions "
                                                          "have ended."), "success")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/reset-link")
@require(Permission.MANAGE_USERS)
def reset_link(user_id: int) -> str | Response:
    """A one-time link, shown once to the admin, who gives it to the person."""
    user = db.get_or_404(User, user_id)
    try:
        token = operations.issue_reset_link(user)
    except DomainError as err:
        flash_errors(err)
        return redirect(url_for(".users"))
    return render_template("accounts/reset_link.html", user=user,
                           link=public_url("accounts.reset", token=token),
                           expires=user.reset_expires_at)
