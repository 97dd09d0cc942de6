"""Every staff route refuses the roles that may not use it, and anonymous visitors."""

from __future__ import annotations

import pytest
from flask import Flask

from engage.core.roles import ROLE_PERMISSIONS, Role
from tests.routes import routes

#: Pages under /staff anyone may open: signing in and out, and where a reset link leads.
PUBLIC_STAFF_ENDPOINTS = {"accounts.login", "accounts.logout", "accounts.reset"}


def staff_routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every /staff route, with ids filled in as 1 and an
    ``any`` placeholder as its first word."""
    return [(route.endpoint, route.method,
             route.url({p.name: p.options[0] if p.options else "1" for p in route.placeholders}))
            for route in routes(app, "/staff") if route.endpoint not in PUBLIC_STAFF_ENDPOINTS]


def test_every_staff_view_declares_a_permission(app: Flask) -> None:
    routes = staff_routes(app)
    assert len(routes) >= 10
    for endpoint, _method, _url in routes:
        view = app.view_functions[endpoint]
        assert getattr(view, "required_permission", None), f"{endpoint} has no @require"


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, client) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for _endpoint, method, url in staff_routes(app):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url)
            assert "/staff/login" in response.location
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_is_refused_what_it_may_not_do(app: Flask, client, login, make_survey,
                                                  department, role: str) -> None:
    # The planner belongs to the survey's department: a planner of another department is
    # refused department-scoped pages too (tests/plans checks that).
    survey = make_survey(department_id=department.id)
    login(role)
    app.config["WTF_CSRF_ENABLED"] = False
    checked = 0
    try:
        for endpoint, method, url in staff_routes(app):
            url = url.replace("/1", f"/{survey.id}", 1) if "/surveys/" in url else url
            allowed = app.view_functions[endpoint].required_permission in ROLE_PERMISSIONS[Role(role)]
            response = client.open(url, method=method)
            if allowed:
                assert response.status_code != 403, (role, method, url)
            else:
                assert response.status_code == 403, (role, method, url, response.status_code)
                checked += 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    if role != "admin":
        assert checked > 0
