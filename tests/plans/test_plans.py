"""Findings into department plans, actions back to residents: permissions per
department, frozen figures, history, the public report and close-the-loop texts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.core.clock import utcnow
from engage.org.models import Department
from engage.outreach import outbox
from engage.plans import metrics
from engage.plans import operations as ops
from engage.plans.models import Action, Finding, Goal, Objective
from engage.responses.models import Response
from engage.responses.operations import consent_to_followup, respondent_for_phone, set_opted_out
from engage.surveys import operations
from tests.conftest import csrf_token, form_post
from tests.factories import PASSWORD, QUESTIONS, survey_data
from tests.results.test_results import answer

NOON = datetime(2026, 7, 15, 19, 0, tzinfo=UTC)  # 12:00 in Seattle (PDT)
TEXTS = {"en": "Fix repairs faster", "es": "Reparar más rápido", "vi": "Sửa chữa nhanh hơn"}


@pytest.fixture
def survey(db, department):  # type: ignore[no-untyped-def]
    made = operations.create_survey(survey_data("homes", department_id=department.id))
    for question in QUESTIONS:
        operations.add_question(made, question)
    operations.publish_survey(made)
    for n in range(14):  # 12 rent, 2 own: "own" is a small group
        answer(made, "sms", "en", {"tenure": "2" if n < 12 else "1"})
    db.commit()
    return made


@pytest.fixture
def planner(make_user):  # type: ignore[no-untyped-def]
    return make_user("planner")


@pytest.fixture
def objective(db, planner, department):  # type: ignore[no-untyped-def]
    goal = ops.add_goal(planner, department, "Stable homes")
    made = ops.add_objective(planner, goal, "Repairs within 30 days")
    db.commit()
    return made


def sign_in(client, user) -> None:  # type: ignore[no-untyped-def]
    response = form_post(client, "/staff/login", email=user.email, password=PASSWORD)
    assert response.status_code == 302


def finding_for(db, planner, survey, department, objective):  # type: ignore[no-untyped-def]
    made = ops.create_finding(planner, survey, department, question="tenure", by=None, query={},
                              title="Most are renters", reading="Renters dominate",
                              objective_ids=[objective.id])
    db.commit()
    return made


def test_a_planner_edits_only_their_department(client, db, login, department) -> None:
    other = Department(slug="streets", name={"en": "Streets"})
    db.add(other)
    db.commit()
    login("planner")
    mine = form_post(client, f"/staff/plans/{department.slug}", what="goal", title="Parks for all")
    assert mine.status_code == 302
    assert db.scalar(select(Goal.title)) == "Parks for all"
    theirs = form_post(client, "/staff/plans/streets", what="goal", title="Not mine")
    assert theirs.status_code == 403
    assert db.scalar(select(Goal).where(Goal.department_id == other.id)) is None


def test_viewers_read_plans_but_change_nothing(client, db, login, department,
                                               objective) -> None:
    login("viewer")
    page = client.get(f"/staff/plans/{department.slug}").get_data(as_text=True)
    assert "Repairs within 30 days" in page and "New goal" not in page
    html = client.get(f"/staff/plans/{department.slug}").get_data(as_text=True)
    refused = client.post(f"/staff/plans/{department.slug}",
                          data={"csrf_token": csrf_token(html), "what": "goal", "title": "x"})
    assert refused.status_code == 403


def test_a_finding_freezes_the_public_figures(client, db, planner, survey, department,
                                              objective) -> None:
    sign_in(client, planner)
    results = client.get(f"/staff/surveys/{survey.id}/results?by=locale").get_data(as_text=True)
    link = re.search(r'href="(/staff/surveys/\d+/findings/new\?[^"]*question=tenure[^"]*)"',
                     results)
    assert link, "results offer to record a finding"
    url = link.group(1).replace("&amp;", "&")
    response = form_post(client, url, department_id=str(department.id), title="Renters",
                         reading="Mostly renters", objective_ids=str(objective.id))
    assert response.status_code == 302, response.get_data(as_text=True)
    finding = db.scalar(select(Finding))
    summary = finding.snapshot["summary"]
    assert finding.snapshot["query"] == {"by": "locale"}
    assert summary["groups"][0]["n"] == 14
    rent, own = summary["answers"]
    # 2 owners are hidden, and so are the 12 renters: with the total shown they would
    # give the owners away (complementary suppression)
    assert rent["counts"] == [None] and own["counts"] == [None]
    assert finding.objectives == [objective]
    # later answers do not change a finding
    for _ in range(10):
        answer(survey, "sms", "en", {"tenure": "1"})
    db.commit()
    page = client.get(f"/staff/findings/{finding.id}").get_data(as_text=True)
    assert "Mostly renters" in page and "hidden" in page


def test_actions_keep_their_history(client, db, planner, make_user, survey, department,
                                    objective) -> None:
    sign_in(client, planner)
    finding = finding_for(db, planner, survey, department, objective)
    action = ops.add_action(planner, finding, ops.ActionData(text=TEXTS, owner="Inspections"))
    db.commit()
    page = f"/staff/actions/{action.id}"
    fields = {f"text__{k}": v for k, v in TEXTS.items()}
    refused = form_post(client, page, status="not_adopted", owner="Inspections", measure_id="0",
                        **fields)
    assert "Say why the action was not adopted" in refused.get_data(as_text=True)
    assert form_post(client, page, status="in_progress", owner="Inspections", measure_id="0",
                     **fields).status_code == 302
    history = db.scalars(select(AuditEvent.detail).where(
        AuditEvent.subject == f"action:{action.id}").order_by(AuditEvent.id)).all()
    assert history[0]["change"] == "added"
    assert history[-1]["status"] == ["proposed", "in_progress"]
    assert "Proposed" in client.get(page).get_data(as_text=True)  # shown in the history
    assert client.get("/staff/audit").status_code == 403  # planners do not read the log
    sign_in(client, make_user("admin"))
    audit = client.get("/staff/audit").get_data(as_text=True)
    assert "Plan, finding or action changed" in audit and f"action:{action.id}" in audit


def test_the_report_waits_for_every_language_then_shows_suppressed_figures(
        client, db, planner, survey, department, objective) -> None:
    finding = finding_for(db, planner, survey, department, objective)
    ops.add_action(planner, finding, ops.ActionData(text={"en": "Fix repairs faster"}))
    db.commit()
    with pytest.raises(ops.DomainError) as err:
        ops.publish_report(planner, survey)
    assert "Español: action 1 is missing." in str(err.value)
    assert client.get(f"/r/{survey.slug}").status_code == 404
    action = db.scalar(select(Action))
    ops.update_action(planner, action, ops.ActionData(text=TEXTS, status="adopted"))
    ops.publish_report(planner, survey)
    db.commit()
    english = client.get(f"/r/{survey.slug}?lang=en").get_data(as_text=True)
    spanish = client.get(f"/r/{survey.slug}?lang=es").get_data(as_text=True)
    assert "Fix repairs faster" in english and "What we did" in english
    assert "Reparar más rápido" in spanish and "Lo que hicimos" in spanish
    assert "Adoptada" in spanish and 'lang="es"' in spanish
    for page in (english, spanish):
        assert not re.search(r"\+?1?\(?206\)?[ .-]?555", page), "no phone number"
        assert "Renters dominate" not in page  # staff's reading stays inside
    data = client.get(f"/r/{survey.slug}.json?lang=es").get_json()
    tenure = next(q for q in data["what_we_heard"] if q["key"] == "tenure")
    counts = [c for a in tenure["answers"] for c in a["counts"]]
    assert all(c is None or c >= 10 for c in counts), "small cells are hidden"
    assert data["what_we_did"] == [{"action": "Reparar más rápido", "status": "adopted",
                                    "due": None, "reason": None,
                                    "updated": data["what_we_did"][0]["updated"]}]


def _follower(db, survey, number: str, locale: str):  # type: ignore[no-untyped-def]
    answer(survey, "web", locale, {"tenure": "2"})
    response = db.scalars(select(Response).order_by(Response.id.desc())).first()
    return consent_to_followup(response, number, locale)


def test_residents_who_asked_hear_back_once_in_their_language(
        app, client, db, planner, survey, department, objective, fake_twilio,
        time_machine) -> None:
    time_machine.move_to(NOON, tick=False)  # texts go at once: not in quiet hours
    app.config["SMS_SENDER_PER_SECOND"] = 0
    _follower(db, survey, "+12065550401", "es")
    _follower(db, survey, "+12065550402", "vi")
    stopped = _follower(db, survey, "+12065550403", "en")
    set_opted_out(stopped, True)
    respondent_for_phone("+12065550404")  # never asked to hear back
    finding = finding_for(db, planner, survey, department, objective)
    action = ops.add_action(planner, finding, ops.ActionData(text=TEXTS))
    assert ops.publish_report(planner, survey) == 2
    db.commit()
    outbox.pump(5, now=lambda: NOON, sleep=lambda s: None)
    db.commit()
    sent = {m["To"]: m["Body"] for m in fake_twilio.sent}
    assert set(sent) == {"+12065550401", "+12065550402"}
    assert "Lo que escuchamos" in sent["+12065550401"] or "/r/homes?lang=es" in sent["+12065550401"]
    assert "/r/homes?lang=vi" in sent["+12065550402"]
    assert ops.publish_report(planner, survey) == 0  # published again: nobody twice
    ops.update_action(planner, action, ops.ActionData(text=TEXTS, status="in_progress"))
    ops.update_action(planner, action, ops.ActionData(text=TEXTS, status="in_progress",
                                                      owner="Someone"))
    db.commit()
    outbox.pump(5, now=lambda: NOON, sleep=lambda s: None)
    db.commit()
    updates = [m for m in fake_twilio.sent[2:]]
    assert len(updates) == 2
    spanish = next(m["Body"] for m in updates if m["To"] == "+12065550401")
    assert "en curso" in spanish and "Reparar más rápido" in spanish
    app.config["SMS_SENDER_PER_SECOND"] = 1


def test_dashboard_shows_how_feedback_is_used(db, planner, survey, department, objective) -> None:
    answered = finding_for(db, planner, survey, department, objective)
    waiting = finding_for(db, planner, survey, department, objective)
    waiting.taken_at = utcnow() - timedelta(days=45)
    answered.taken_at = utcnow() - timedelta(days=3)
    ops.add_action(planner, answered, ops.ActionData(text=TEXTS, status="adopted"))
    db.commit()
    board = metrics.dashboard(utcnow(), 30, department.id)
    assert board.total.findings == 2 and board.total.answered == 1
    assert board.total.share_answered == 0.5
    assert board.total.median_days == pytest.approx(3.0, abs=0.1)
    assert board.total.actions["adopted"] == 1
    assert [(w.finding.id, w.overdue) for w in board.waiting] == [(waiting.id, True)]


def test_objectives_from_another_department_are_refused(db, planner, survey, department,
                                                        objective) -> None:
    other = Department(slug="roads", name={"en": "Roads"})
    db.add(other)
    db.flush()
    foreign = Objective(goal=Goal(department=other, title="Roads"), title="Potholes")
    db.add(foreign)
    db.flush()
    with pytest.raises(ops.DomainError, match="this department's plan"):
        ops.create_finding(planner, survey, department, question="tenure", by=None, query={},
                           title="x", reading="", objective_ids=[foreign.id])


def test_plan_parts_are_reworded_and_removed_keeping_findings(client, db, planner, survey,
                                                              department, objective) -> None:
    measure = ops.add_measure(planner, objective, ops.MeasureData("Days to repair"))
    finding = finding_for(db, planner, survey, department, objective)
    action = ops.add_action(planner, finding, ops.ActionData(text=TEXTS, measure_id=measure.id))
    db.commit()
    sign_in(client, planner)
    page = f"/staff/plans/{department.slug}"
    assert form_post(client, page, what="rename", part="objective", id=str(objective.id),
                     title="Repairs within 21 days").status_code == 302
    assert db.get(Objective, objective.id).title == "Repairs within 21 days"
    assert form_post(client, page, what="remove", part="goal",
                     id=str(objective.goal_id)).status_code == 302
    db.expire_all()
    assert db.scalar(select(Goal)) is None and db.get(Objective, objective.id) is None
    assert db.get(Finding, finding.id).objectives == []  # the finding stays, unlinked
    kept = db.get(Action, action.id)
    assert kept.measure_id is None and kept.text == TEXTS
    removed = db.scalars(select(AuditEvent.detail).where(
        AuditEvent.subject == f"goal:{objective.goal_id}")).all()
    assert {"change": "removed"} in removed
