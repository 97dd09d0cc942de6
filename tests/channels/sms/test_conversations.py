"""Whole text conversations through the signed webhook, in five languages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from engage.messaging.models import Message
from engage.responses.models import AnswerChoice, Respondent, Response
from engage.surveys import operations
from engage.surveys.operations import ChoiceData, QuestionData
from tests.channels.sms.phone import Phone, message_sid, signed
from tests.factories import assert_started_again_keeping_answers, survey_data


def test_english_conversation_with_skip_logic(client, db, make_survey) -> None:
    make_survey()
    phone = Phone(client)
    menu = phone.text("housing")
    assert "1 English" in menu and "2 Español" in menu and "3 Tiếng Việt" in menu
    first = phone.text("1")
    assert first.startswith("Housing\nOwn or rent?\n1 Own\n2 Rent")
    assert "Rate repairs" in phone.text("2")
    assert "Transport" in phone.text("4")
    assert "Years here?" in phone.text("1 3")
    hint = phone.text("a hundred and fifty")
    assert hint.startswith("Please enter a number") and "Years here?" in hint
    assert "Anything else?" in phone.text("12")
    assert phone.text("More buses") == "Thanks"
    response = db.scalar(select(Response))
    assert response.status == "complete" and response.channel == "sms"
    assert sorted(db.scalars(select(AnswerChoice.value))) == ["bus", "car", "rent"]
    # the keyword again: already answered
    assert "already answered" in phone.text("HOUSING")


def test_spanish_conversation_by_words(client, db, make_survey) -> None:
    make_survey()
    phone = Phone(client, "+13055550111")
    phone.text("Housing")
    assert phone.text("español").startswith("Vivienda\n¿Dueño o alquila?")
    assert "Transporte" in phone.text("Dueño")
    assert "¿Años aquí?" in phone.text("autobús y a pie")
    assert "¿Algo más?" in phone.text("SALTAR")
    assert phone.text("Más parques") == "Gracias"
    assert db.scalar(select(Respondent.locale)) == "es"


def _survey_in(db, locale: str, texts: dict[str, str]):  # type: ignore[no-untyped-def]
    survey = operations.create_survey(survey_data(
        f"s-{locale.lower().replace('_', '-')}", sms_keyword=texts["keyword"],
        locales=[locale], default_locale=locale, title={locale: texts["title"]},
        intro={locale: "…"}, thanks={locale: texts["thanks"]}))
    operations.add_question(survey, QuestionData("yes_no", {locale: texts["q1"]}, key="q1"))
    operations.add_question(survey, QuestionData(
        "single_choice", {locale: texts["q2"]}, key="q2",
        choices=[ChoiceData({locale: texts["a"]}, "a"), ChoiceData({locale: texts["b"]}, "b")]))
    operations.publish_survey(survey)
    db.commit()
    return survey


@pytest.mark.parametrize(("locale", "texts", "answers"), [
    ("vi", {"keyword": "NHAO", "title": "Nhà ở", "thanks": "Cảm ơn", "q1": "Bạn thuê nhà?",
            "q2": "Ưu tiên?", "a": "Công viên", "b": "Xe buýt"}, ["có", "xe buyt"]),
    ("ar", {"keyword": "SAKAN", "title": "السكن", "thanks": "شكرا", "q1": "هل تستأجر؟",
            "q2": "الأولوية؟", "a": "حدائق", "b": "حافلات"}, ["نعم", "٢"]),
    ("zh_Hans", {"keyword": "ZHUFANG", "title": "住房", "thanks": "谢谢", "q1": "您租房吗？",
                 "q2": "优先事项？", "a": "公园", "b": "公交"}, ["是", "公交"]),
])
def test_single_language_conversations(client, db, locale: str, texts: dict[str, str],
                                       answers: list[str]) -> None:
    _survey_in(db, locale, texts)
    phone = Phone(client, "+12065550199")
    first = phone.text(texts["keyword"].lower())
    assert first.startswith(f"{texts['title']}\n{texts['q1']}"), "one language: no menu"
    assert texts["q2"] in phone.text(answers[0])
    assert phone.text(answers[1]) == texts["thanks"]
    values = set(db.scalars(select(AnswerChoice.value)))
    assert values == {"yes", "b"}


def test_stop_wins_and_is_confirmed_once(client, db, make_survey) -> None:
    make_survey()
    phone = Phone(client)
    phone.text("housing")
    phone.text("1")  # English
    assert "no more texts" in phone.text("PARAR"), "Spanish STOP from an English speaker"
    assert phone.text("1") is None
    assert phone.text("stop") is None, "confirmed once"
    assert phone.text("housing") is None
    assert db.scalar(select(Respondent.opted_out)) is True
    assert "again" in phone.text("START")
    assert "You started this survey before" in phone.text("housing")
    assert "Own or rent?" in phone.text("1")


def test_expired_conversation_offers_to_continue_or_start_over(client, db, make_survey,
                                                              time_machine) -> None:
    from datetime import UTC, datetime, timedelta

    time_machine.move_to(datetime(2026, 3, 2, 18, 0, tzinfo=UTC), tick=True)
    make_survey()
    phone = Phone(client)
    phone.text("housing")
    phone.text("1")
    phone.text("2")  # rent
    time_machine.shift(timedelta(days=4))  # past the three days a conversation lasts
    assert "HOUSING" in phone.text("4"), "a stale answer gets the help text"
    offer = phone.text("Housing")
    assert "1 Continue" in offer and "2 Start again" in offer
    assert phone.text("2").startswith("Own or rent?")
    assert_started_again_keeping_answers(db)


def test_unknown_text_gets_help_with_keywords(client, make_survey) -> None:
    make_survey()
    reply = Phone(client).text("hello?")
    assert "HOUSING" in reply and "STOP" in reply and "Msg & data rates may apply" in reply


def test_repeated_delivery_changes_nothing_and_gets_the_same_reply(client, db, make_survey) -> None:
    make_survey()
    phone = Phone(client)
    phone.text("housing")
    phone.text("1")
    first = phone.text("2", sid=message_sid("repeat"))
    again = phone.text("2", sid=message_sid("repeat"))
    assert first == again and "Rate repairs" in first
    assert db.scalar(select(func.count()).select_from(Message)
                     .where(Message.sid == message_sid("repeat"))) == 1
    assert "Transport" in phone.text("5")


def test_forged_requests_change_nothing(client, db, make_survey) -> None:
    make_survey()
    params = {"MessageSid": message_sid("forged"), "From": "+12065550100", "Body": "housing"}
    unsigned = client.post("/sms/inbound", data=params)
    wrong = client.post("/sms/inbound", data=params, headers={"X-Twilio-Signature": "bad"})
    tampered = client.post("/sms/inbound", data={**params, "Body": "STOP"},
                           headers=signed("/sms/inbound", params))
    assert [r.status_code for r in (unsigned, wrong, tampered)] == [403, 403, 403]
    assert db.scalar(select(func.count()).select_from(Message)) == 0
    assert db.scalar(select(func.count()).select_from(Respondent)) == 0


@pytest.mark.parametrize("body", ["", " ", "x" * 1600, "😀" * 400, "\x00\x07\x1b[31m", "مرحبا بكم",
                                  "%s%n", "<Message>hi</Message>", "١٢٣"])
def test_any_body_gets_a_reply_never_a_500(client, make_survey, body: str) -> None:
    make_survey()
    phone = Phone(client)
    assert phone.post(body).status_code == 200
    phone.text("housing")
    phone.text("1")
    assert phone.post(body).status_code == 200


def test_no_plain_number_is_stored(client, db, make_survey) -> None:
    make_survey()
    phone = Phone(client, "+12065550142")
    for body in ("housing", "1", "2", "3"):
        phone.text(body)
    for table in ("message", "respondent", "response", "conversation", "answer"):
        dump = " ".join(str(row) for row in db.execute(text(f"SELECT * FROM {table}")))
        assert "2065550142" not in dump, table


def test_a_title_corrected_after_publishing_is_what_the_next_text_says(client, db,
                                                                       make_survey) -> None:
    """The session's view of a survey is kept per revision: any edit makes a new one, so
    a cached title is never sent after staff corrected it."""
    survey = make_survey()
    first = Phone(client, "+12065550111")
    first.text("housing")
    assert first.text("1").startswith("Housing\n")  # English, then the title and question
    operations.update_survey(survey, survey_data(title={"en": "Housing and repairs",
                                                        "es": "Vivienda", "vi": "Nhà ở"}))
    db.commit()
    second = Phone(client, "+12065550112")
    second.text("housing")
    assert second.text("1").startswith("Housing and repairs\n")
