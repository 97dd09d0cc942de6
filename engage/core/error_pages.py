"""Error pages, worded for whoever reads them.

Residents read about their answers, in the public layout. Staff (every address under
``/staff/``) read about their records, in the staff layout, with a way on: the
dashboard, or signing in as someone who may. The API answers in JSON.
"""

from __future__ import annotations

from babel.lists import format_list
from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from engage.core.availability import report_unavailable, unavailable_reason
from engage.core.errors import InvalidParameter
from engage.core.i18n import _
from engage.core.roles import ROLE_LABELS, roles_with
from engage.core.uploads import MEGABYTE, upload_limit
from engage.core.urls import STAFF_PREFIX

ErrorPage = tuple[Response | str, int]


def for_staff() -> bool:
    return request.path.startswith(STAFF_PREFIX)


def error_page(code: int, title: str, message: str, detail: str | None = None,
               **more: object) -> ErrorPage:
    """The page (or the API's JSON) for an error. A staff page of a server error shows
    no menu: the menu asks the database about the staff member, and the database may
    be why."""
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": code, "title": title, "message": message, **more}}), code
    if for_staff():
        return render_template("staff_error.html", title=title, message=message, detail=detail,
                               code=code, menu=code < 500), code
    return render_template("error.html", title=title, message=message, code=code), code


def roles_needed() -> str | None:
    """Which roles may open this page, said when the signed-in staff member's role is why
    it was refused (not when a rule of the record was, e.g. another department's plan)."""
    view = current_app.view_functions.get(request.endpoint or "")
    permission = getattr(view, "required_permission", None)
    if permission is None or not current_user.is_authenticated or current_user.can(permission):
        return None
    roles = format_list([str(ROLE_LABELS[r]) for r in roles_with(permission)], locale=get_locale())
    return _("Your role is %(role)s. This needs one of these roles: %(roles)s.",
             role=ROLE_LABELS.get(current_user.role, current_user.role), roles=roles)


def configure_error_pages(app: Flask) -> None:
    @app.errorhandler(400)
    def bad_request(_e):  # type: ignore[no-untyped-def]
        return error_page(400, _("Something was wrong with that request"),
                          _("Please go back and try again."))

    @app.errorhandler(InvalidParameter)
    def invalid_parameter(e: InvalidParameter):  # type: ignore[no-untyped-def]
        valid = ", ".join(e.valid)
        message = str(e) + (" " + _("It takes: %(values)s.", values=valid) if valid else "")
        return error_page(400, _("Something was wrong with that request"), message,
                          parameter=e.parameter, valid=e.valid)

    @app.errorhandler(CSRFError)
    def csrf_error(_e):  # type: ignore[no-untyped-def]
        return error_page(400, _("This page has expired"),
                          _("Please go back, reload the page and send it again. Nothing you "
                            "saved before was lost."))

    @app.errorhandler(403)
    def forbidden(_e):  # type: ignore[no-untyped-def]
        if for_staff():
            return error_page(403, _("Not allowed"),
                              _("Your account cannot open this page or make this change."),
                              detail=roles_needed())
        return error_page(403, _("Not allowed"), _("Your account cannot open this page."))

    @app.errorhandler(404)
    def not_found(_e):  # type: ignore[no-untyped-def]
        if for_staff():
            return error_page(404, _("Not found"),
                              _("This page or record does not exist, or was deleted."))
        return error_page(404, _("Page not found"),
                          _("Check the address, or start again from the link you were sent."))

    @app.errorhandler(405)
    def not_allowed(_e):  # type: ignore[no-untyped-def]
        if for_staff():
            return error_page(405, _("Not allowed"),
                              _("This address does not take that kind of request. Nothing was "
                                "changed: use the buttons and links on the page."))
        return error_page(405, _("Not allowed"),
                          _("This address does not take that kind of request."))

    @app.errorhandler(413)
    def too_large(_e):  # type: ignore[no-untyped-def]
        limit = upload_limit()
        if limit is not None:
            return error_page(413, _("That file is too large"),
                              _("This page takes files of up to %(size)s MB. Nothing was "
                                "imported.", size=limit // MEGABYTE), limit_bytes=limit)
        if for_staff():
            return error_page(413, _("That was too much to send"),
                              _("The form held more than this page takes. Nothing was saved: "
                                "shorten what you wrote and send it again."))
        return error_page(413, _("That was too much to send"),
                          _("Please shorten your answer and send it again."))

    @app.errorhandler(429)
    def too_many(_e):  # type: ignore[no-untyped-def]
        return error_page(429, _("Too many attempts"), _("Please wait a minute and try again."))

    @app.errorhandler(500)
    def server_error(e):  # type: ignore[no-untyped-def]
        original = getattr(e, "original_exception", None)
        reason = unavailable_reason(original)
        if reason is not None:
            report_unavailable(reason, original)  # type: ignore[arg-type]
            response = unavailable(reason)
            return response[0], 503, {"Retry-After": "120"}
        if for_staff():
            return error_page(500, _("Something went wrong on our side"), kept(),
                              _("Please try again. If it happens again, tell your "
                                "administrator what you were doing and when."))
        return error_page(500, _("Something went wrong on our side"),
                          _("Your earlier answers are saved. Please try again in a moment."))


def kept() -> str:
    """What a server error did to staff's work: the request's changes are rolled back."""
    return _("Nothing you saved before was lost; a change you just sent was not saved.")


def unavailable(reason: str) -> ErrorPage:
    """The database cannot take changes (read-only, disk full, gone): come back later."""
    if for_staff():
        return error_page(503, _("Changes cannot be saved right now"), kept(),
                          _("Please try again in a few minutes, and tell your administrator "
                            "if it lasts."), reason=reason)
    return error_page(503, _("We cannot take answers right now"),
                      _("Nothing was lost: your earlier answers are saved. Please come back "
                        "in a few minutes."), reason=reason)
