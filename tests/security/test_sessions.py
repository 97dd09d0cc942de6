"""Sessions end when they should, everywhere: a copied cookie stops working at sign-out,
a password reset, a role change or deactivation. Admins manage accounts over their whole
life (create, change role, deactivate, reset link) and every step is in the audit log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engage.accounts.models import User
from engage.audit.models import AuditEvent
from tests.conftest import csrf_token, form_post
from tests.factories import PASSWORD

NOON = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)


def signed_in(app, user: User):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = form_post(client, "/staff/login", email=user.email, password=PASSWORD)
    assert response.status_code == 302
    return client


def can_open_dashboard(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/staff/").status_code == 200


def copy_of(app, client):  # type: ignore[no-untyped-def]
    """Another browser holding the same session cookie (stolen, or left on a PC)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def post(client, url: str, **data):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_a_cookie_copied_before_sign_out_does_not_work_after(app, db, make_user) -> None:
    client = signed_in(app, make_user("staff"))
    thief = copy_of(app, client)
    assert can_open_dashboard(thief)
    post(client, "/staff/logout")
    assert not can_open_dashboard(client)
    assert not can_open_dashboard(thief)


def test_signing_out_in_one_browser_ends_the_others(app, db, make_user) -> None:
    """One version per account: signing out ends every session of the account (a
    stolen cookie cannot be told from a second browser)."""
    user = make_user("staff")
    laptop, phone = signed_in(app, user), signed_in(app, user)
    post(laptop, "/staff/logout")
    assert not can_open_dashboard(phone)


def test_a_role_change_and_a_deactivation_end_the_accounts_sessions(app, db, make_user) -> None:
    viewer = make_user("viewer")
    theirs = signed_in(app, viewer)
    admin = signed_in(app, make_user("admin"))
    post(admin, f"/staff/users/{viewer.id}/role", role="staff", department_id="0")
    assert not can_open_dashboard(theirs)
    theirs = signed_in(app, viewer)
    assert can_open_dashboard(theirs)
    response = post(admin, f"/staff/users/{viewer.id}/active", active="0")
    assert response.status_code == 302
    assert not can_open_dashboard(theirs)
    refused = form_post(app.test_client(), "/staff/login", email=viewer.email, password=PASSWORD)
    assert refused.status_code == 200 and "do not match an active account" in refused.get_data(as_text=True)
    post(admin, f"/staff/users/{viewer.id}/active", active="1")
    assert can_open_dashboard(signed_in(app, viewer))


def test_an_admin_cannot_deactivate_their_own_account(app, db, make_user) -> None:
    admin_user = make_user("admin")
    admin = signed_in(app, admin_user)
    response = post(admin, f"/staff/users/{admin_user.id}/active", active="0")
    assert "You cannot deactivate your own account." in admin.get(response.location).get_data(as_text=True)
    assert db.get(User, admin_user.id).active


def issue_link(admin, user: User) -> str:  # type: ignore[no-untyped-def]
    page = post(admin, f"/staff/users/{user.id}/reset-link")
    assert page.status_code == 200
    return re.search(r'value="(https?://[^"]+/staff/reset/[^"]+)"', page.get_data(as_text=True)).group(1)


def test_a_reset_link_works_once_and_ends_the_accounts_sessions(app, db, make_user) -> None:
    staff = make_user("staff")
    old_session = signed_in(app, staff)
    admin = signed_in(app, make_user("admin"))
    link = issue_link(admin, staff)
    path = link.split("://", 1)[1].split("/", 1)[1]
    person = app.test_client()
    form = person.get("/" + path).get_data(as_text=True)
    assert staff.email in form
    done = person.post("/" + path, data={"csrf_token": csrf_token(form),
                                         "password": "a new long password", "confirm": "a new long password"})
    assert done.status_code == 302 and done.location.endswith("/staff/login")
    assert not can_open_dashboard(old_session)
    assert form_post(app.test_client(), "/staff/login", email=staff.email,
                     password=PASSWORD).status_code == 200  # the old password is gone
    assert form_post(app.test_client(), "/staff/login", email=staff.email,
                     password="a new long password").status_code == 302
    again = person.get("/" + path)
    assert again.status_code == 404 and "expired or was already used" in again.get_data(as_text=True)


def test_a_reset_link_expires_and_a_new_one_replaces_it(app, db, make_user, time_machine) -> None:
    time_machine.move_to(NOON, tick=False)
    staff = make_user("staff")
    admin = signed_in(app, make_user("admin"))
    first = issue_link(admin, staff)
    second = issue_link(admin, staff)
    assert app.test_client().get(first.split(".gov", 1)[1]).status_code == 404
    path = second.split(".gov", 1)[1]
    time_machine.move_to(NOON + timedelta(hours=23, minutes=59), tick=False)
    assert app.test_client().get(path).status_code == 200
    time_machine.move_to(NOON + timedelta(hours=24), tick=False)
    assert app.test_client().get(path).status_code == 404


def test_a_mismatched_or_short_new_password_keeps_the_link(app, db, make_user) -> None:
    staff = make_user("staff")
    link = issue_link(signed_in(app, make_user("admin")), staff)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    person = app.test_client()
    token = csrf_token(person.get(path).get_data(as_text=True))
    differ = person.post(path, data={"csrf_token": token, "password": "a new long password",
                                     "confirm": "another long password"})
    assert "The two passwords differ." in differ.get_data(as_text=True)
    short = person.post(path, data={"csrf_token": token, "password": "short", "confirm": "short"})
    assert "at least 10 characters" in short.get_data(as_text=True)
    assert person.get(path).status_code == 200


def test_the_account_lifecycle_is_in_the_audit_log(app, db, make_user) -> None:
    admin_user = make_user("admin")
    admin = signed_in(app, admin_user)
    created = post(admin, "/staff/users", email="new.planner@city.test", name="New", password=PASSWORD,
                   role="viewer", department_id="0")
    assert created.status_code == 302
    new = db.scalar(select(User).where(User.email == "new.planner@city.test"))
    post(admin, f"/staff/users/{new.id}/role", role="staff", department_id="0")
    post(admin, f"/staff/users/{new.id}/active", active="0")
    post(admin, f"/staff/users/{new.id}/active", active="1")
    issue_link(admin, new)
    events = db.scalars(select(AuditEvent).where(AuditEvent.subject == f"user:{new.id}")
                        .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["account.create", "role.change", "account.deactivate",
                                          "account.reactivate", "password.reset_link"]
    assert all(e.user_id == admin_user.id for e in events)
    assert events[0].detail == {"email": "new.planner@city.test", "role": "viewer", "department_id": None}
    assert events[1].detail["old_role"] == "viewer" and events[1].detail["new_role"] == "staff"
    assert all(e.detail["email"] == "new.planner@city.test" for e in events)
    page = admin.get("/staff/audit").get_data(as_text=True)
    assert "Account deactivated" in page and "Password reset link issued" in page
    assert "reset/" not in str([e.detail for e in events])  # the link itself is never kept


def test_a_sign_in_lasts_the_working_day(app, db, make_user, time_machine) -> None:
    """A session left open on a shared computer ends: STAFF_SESSION_HOURS (12) after
    signing in, however busy it was."""
    time_machine.move_to(NOON, tick=False)
    client = signed_in(app, make_user("staff"))
    time_machine.move_to(NOON + timedelta(hours=11, minutes=59), tick=False)
    assert can_open_dashboard(client)
    time_machine.move_to(NOON + timedelta(hours=12), tick=False)
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.location
    assert not can_open_dashboard(client)
