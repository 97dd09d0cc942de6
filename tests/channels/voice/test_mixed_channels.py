"""One resident, one response, whichever way they answer: start by text, finish by
phone (and the other way round)."""

from __future__ import annotations

from sqlalchemy import func, select

from engage.responses.models import AnswerChoice, Respondent, Response
from tests.channels.sms.phone import Phone
from tests.channels.voice.caller import Call


def test_start_by_text_finish_by_phone(client, db, make_survey) -> None:
    make_survey(channels=["web", "sms", "voice"])
    phone = Phone(client, "+12065550177")
    phone.text("HOUSING")
    phone.text("2")  # Español
    assert "Califique" in phone.text("2")  # rent -> the rating
    call = Call(client, "+12065550177")
    offer = call.dial()
    assert "Para continuar donde lo dejó, oprima 1." in offer  # in the language they chose
    assert call.twiml.find("Gather/Say").get("voice") == "Polly.Lupe"
    assert "Califique" in call.press("1")
    assert "Transporte" in call.press("5")
    call.press("3")
    call.press("*0")
    assert call.press("0") == "Gracias" and call.ended
    assert db.scalar(select(func.count()).select_from(Response)) == 1
    assert db.scalar(select(func.count()).select_from(Respondent)) == 1
    response = db.scalar(select(Response))
    assert response.status == "complete" and response.channel == "sms"
    assert sorted(db.scalars(select(AnswerChoice.value))) == ["car", "rent"]
    # and the text conversation knows it is finished
    assert "ya respondió" in phone.text("HOUSING")  # in the language they chose


def test_start_by_phone_finish_by_text(client, db, make_survey) -> None:
    make_survey(channels=["web", "sms", "voice"])
    call = Call(client, "+12065550178")
    call.dial()
    call.press("1")
    call.press("1")  # own
    phone = Phone(client, "+12065550178")
    assert "You started this survey before." in phone.text("HOUSING")
    assert "Transport" in phone.text("1")
    assert db.scalar(select(func.count()).select_from(Response)) == 1


def test_a_call_days_after_texting_offers_to_continue_and_keeps_the_texted_answers(
        client, db, make_survey, time_machine) -> None:
    """A call four days after texting restarted without asking and deleted what was
    texted (the call's 72-hour window): now it asks, as a text does, whenever."""
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    make_survey(channels=["web", "sms", "voice"])
    phone = Phone(client, "+12065550179")
    phone.text("HOUSING")
    phone.text("2")  # Español
    assert "Califique" in phone.text("2")  # rent, stored
    time_machine.move_to(start + timedelta(days=4), tick=False)
    call = Call(client, "+12065550179")
    assert "Para continuar donde lo dejó, oprima 1." in call.dial()
    assert sorted(db.scalars(select(AnswerChoice.value))) == ["rent"], "nothing set aside before asking"
    assert "Califique" in call.press("1")
    call.press("5")
    call.press("3")
    call.press("*0")
    assert call.press("0") == "Gracias" and call.ended
    response = db.scalar(select(Response))
    assert db.scalar(select(func.count()).select_from(Response)) == 1
    assert response.status == "complete"
    assert sorted(db.scalars(select(AnswerChoice.value))) == ["car", "rent"]
