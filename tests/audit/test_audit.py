"""The audit log: who did what and when, and a page only administrators open."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engage.core.clock import utcnow


def test_record_outside_a_request_has_no_user(app, db) -> None:  # type: ignore[no-untyped-def]
    from engage.audit.models import AuditEvent
    from engage.audit.operations import record

    event = record("survey.publish", "survey:housing", {"questions": 5})
    assert event.id is not None, "flushed"
    stored = db.get(AuditEvent, event.id)
    assert stored.user_id is None and stored.detail == {"questions": 5}
    assert utcnow() - stored.at < timedelta(minutes=1)


def test_record_inside_a_request_knows_who(app, db, make_user) -> None:  # type: ignore[no-untyped-def]
    from flask import g
    from flask_login import login_user

    from engage.audit.operations import record

    user = make_user("staff")
    with app.test_request_context():
        for name in list(vars(g)):  # the app context outlives tests: forget earlier sign-ins
            g.pop(name)
        assert record("role.change", "user:1").user_id is None, "nobody signed in"
        login_user(user)
        assert record("role.change", "user:1").user_id == user.id


def test_the_page_lists_newest_first_and_filters_by_action(client, db, login) -> None:  # type: ignore[no-untyped-def]
    from engage.audit.operations import record

    admin = login("admin")
    now = utcnow()
    for minutes, action, subject in ((3, "survey.publish", "survey:old"),
                                     (2, "export.responses", "survey:middle"),
                                     (1, "survey.publish", "survey:new")):
        record(action, subject).at = now - timedelta(minutes=minutes)
    record("export.responses", "survey:mine").user_id = admin.id
    db.commit()
    page = client.get("/staff/audit").get_data(as_text=True)
    assert page.index("survey:mine") < page.index("survey:new") < page.index("survey:middle") \
        < page.index("survey:old")
    assert admin.email in page
    filtered = client.get("/staff/audit?action=survey.publish").get_data(as_text=True)
    assert "survey:new" in filtered and "survey:old" in filtered
    assert "survey:middle" not in filtered and "survey:mine" not in filtered


def test_an_empty_log_and_an_unknown_action(client, db, login) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    response = client.get("/staff/audit?action=nothing.like.this")
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["staff", "planner", "viewer"])
def test_the_page_is_for_administrators_only(client, login, role: str) -> None:  # type: ignore[no-untyped-def]
    login(role)
    assert client.get("/staff/audit").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/staff/audit")
    assert response.status_code == 302 and "/staff/login" in response.location


def test_publishing_and_role_changes_are_recorded(client, db, login, make_survey, make_user) -> None:
    from sqlalchemy import select

    from engage.audit.models import AuditEvent
    from tests.conftest import csrf_token

    survey = make_survey()
    admin = login("admin")
    token = csrf_token(client.get("/staff/").get_data(as_text=True))
    client.post(f"/staff/surveys/{survey.id}/results/publish", data={"csrf_token": token})
    viewer = make_user("viewer")
    client.post(f"/staff/users/{viewer.id}/role", data={"csrf_token": token, "role": "staff",
                                                        "department_id": "0"})
    events = db.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ["results.publish", "role.change"])).order_by(AuditEvent.id)).all()
    assert [(e.action, e.subject, e.user_id) for e in events] == [
        ("results.publish", f"survey:{survey.slug}", admin.id),
        ("role.change", f"user:{viewer.id}", admin.id)]
    assert events[1].detail["old_role"] == "viewer" and events[1].detail["new_role"] == "staff"
    assert events[1].detail["email"] == viewer.email
    assert "role.change" in client.get("/staff/audit").get_data(as_text=True)
