"""A resident answering on the web: language, skip logic, back, errors, reloads."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engage.responses.models import Answer, AnswerChoice, Response
from tests.conftest import csrf_token
from tests.factories import assert_started_again_keeping_answers


def answer(client, token, question, action="next", **data):  # type: ignore[no-untyped-def]
    return client.post("/s/housing/q", data={"csrf_token": token, "question": question,
                                             "action": action, **data})


def test_resident_answers_in_spanish_with_skip_logic(client, db, make_survey) -> None:
    make_survey()
    page = client.get("/s/housing", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    html = page.get_data(as_text=True)
    assert ('<html lang="es"' in html and "Vivienda" in html and "Comenzar" in html) or "Vivienda" in html
    token = csrf_token(html)
    assert client.post("/s/housing/start", data={"csrf_token": token, "lang": "es"}).status_code == 303
    html = client.get("/s/housing/q").get_data(as_text=True)
    assert "¿Dueño o alquila?" in html
    assert answer(client, token, "tenure", answer="own").status_code == 303
    html = client.get("/s/housing/q").get_data(as_text=True)
    assert "Transporte" in html, "owners skip the repairs question"
    answer(client, token, "transport", answer=["bus", "car"])
    bad = answer(client, token, "years", answer="ciento")
    assert bad.status_code == 422
    assert "número" in bad.get_data(as_text=True)
    answer(client, token, "years", answer="12")
    done = answer(client, token, "comments", answer="Más parques")
    assert done.status_code == 303 and done.location.endswith("/s/housing/done")
    assert "Gracias" in client.get("/s/housing/done").get_data(as_text=True)

    response = db.scalar(select(Response))
    assert response.status == "complete" and response.locale == "es" and response.channel == "web"
    choices = db.execute(select(AnswerChoice.value).order_by(AnswerChoice.value)).scalars().all()
    assert choices == ["bus", "car", "own"]
    assert db.scalar(select(Answer.number).where(Answer.number.is_not(None))) == 12


def test_back_reload_and_double_submit_store_one_response(client, db, make_survey) -> None:
    make_survey()
    token = csrf_token(client.get("/s/housing").get_data(as_text=True))
    client.post("/s/housing/start", data={"csrf_token": token})
    answer(client, token, "tenure", answer="rent")
    answer(client, token, "repairs", answer="4")
    # the same page sent twice (a double tap): the second is ignored
    answer(client, token, "repairs", answer="1")
    html = client.get("/s/housing/q").get_data(as_text=True)
    assert "Transport" in html
    # back shows the earlier answer, kept across a reload
    answer(client, token, "transport", action="back")
    html = client.get("/s/housing/q").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="4"', html), "the earlier answer is shown"
    assert not re.search(r'<input checked[^>]*value="1"', html)
    # starting again from the landing page continues the same response
    client.post("/s/housing/start", data={"csrf_token": token})
    assert db.scalar(select(func.count(Response.id))) == 1
    assert db.scalar(select(Answer.number).where(Answer.number.is_not(None))) == 4


def test_required_question_cannot_be_skipped(client, make_survey) -> None:
    make_survey()
    token = csrf_token(client.get("/s/housing?lang=vi").get_data(as_text=True))
    client.post("/s/housing/start", data={"csrf_token": token, "lang": "vi"})
    refused = answer(client, token, "tenure", action="skip")
    assert refused.status_code == 422
    assert "Sở hữu hay thuê?" in refused.get_data(as_text=True)


def test_unavailable_surveys_get_a_translated_page(client, make_survey) -> None:
    make_survey("draft", publish=False)
    assert client.get("/s/draft").status_code == 404
    assert client.get("/s/nothing-here", headers={"Accept-Language": "es"}).status_code == 404


def test_closed_and_upcoming_surveys_explain_themselves(client, db, make_survey) -> None:
    from datetime import timedelta

    from engage.core.clock import utcnow
    from engage.surveys import operations

    closed = make_survey("closed")
    operations.close_survey(closed)
    page = client.get("/s/closed?lang=es")
    assert page.status_code == 410 and "Vivienda" in page.get_data(as_text=True)
    upcoming = make_survey("later", sms_keyword="LATER")
    upcoming.opens_at = utcnow() + timedelta(days=3)
    db.flush()
    page = client.get("/s/later")
    assert page.status_code == 410
    assert "opens on" in page.get_data(as_text=True)


def test_arabic_pages_are_right_to_left(client, db) -> None:
    from engage.surveys import operations
    from engage.surveys.operations import QuestionData
    from tests.factories import survey_data

    survey = operations.create_survey(survey_data(
        "rtl", locales=["ar", "en"], default_locale="ar", title={"ar": "السكن", "en": "Housing"},
        intro={"ar": "مقدمة", "en": "Intro"}, thanks={"ar": "شكرا", "en": "Thanks"}))
    operations.add_question(survey, QuestionData("yes_no", {"ar": "هل تستأجر؟", "en": "Do you rent?"}))
    db.commit()
    assert client.get("/s/rtl").status_code == 404, "a draft is not public"
    operations.publish_survey(survey)
    html = client.get("/s/rtl").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html and "السكن" in html
    english = client.get("/s/rtl", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english and "Housing" in english


def test_start_again_on_the_web_sets_the_first_response_aside(client, db, make_survey) -> None:
    """"Start again" on the landing page: a new response, and the first one kept with its
    answers as abandoned, not left "in progress" for ever nor mixed into the new one."""
    make_survey()
    token = csrf_token(client.get("/s/housing").get_data(as_text=True))
    client.post("/s/housing/start", data={"csrf_token": token})
    answer(client, token, "tenure", answer="rent")
    landing = client.get("/s/housing").get_data(as_text=True)
    assert "Start again" in landing
    client.post("/s/housing/start", data={"csrf_token": token, "fresh": "1"})
    assert "Own or rent?" in client.get("/s/housing/q").get_data(as_text=True)
    assert_started_again_keeping_answers(db)
