"""Whole calls through the signed webhooks, in English, Spanish and Vietnamese, with
the TwiML checked as Twilio reads it."""

from __future__ import annotations

from sqlalchemy import select

from engage.channels.voice.models import VoiceCall, VoiceRecording
from engage.responses.models import Answer, AnswerChoice, Respondent, Response
from tests.channels.sms.phone import signed
from tests.channels.voice.caller import Call
from tests.factories import assert_started_again_keeping_answers


def voice_survey(make_survey, **overrides):  # type: ignore[no-untyped-def]
    return make_survey(channels=["web", "sms", "voice"], **overrides)


def test_english_call_by_keypad_with_skip_logic(client, db, make_survey) -> None:
    voice_survey(make_survey)
    call = Call(client)
    menu = call.dial()
    assert "For English, press 1." in menu
    says = call.twiml.findall("Gather/Say")
    assert [s.get("voice") for s in says] == ["Polly.Joanna", "Polly.Lupe",
                                              "Google.vi-VN-Standard-A"]
    assert [s.get("language") for s in says] == ["en-US", "es-US", "vi-VN"]
    assert call.gather().get("numDigits") == "1" and call.gather().get("input") == "dtmf"
    assert call.twiml[-1].tag == "Redirect"  # silence comes back to us
    heard = call.press("1")
    assert heard.startswith("Housing Tell us Own or rent? For Own, press 1. For Rent, press 2.")
    gather = call.gather()
    assert gather.get("input") == "dtmf speech" and gather.get("language") == "en-US"
    assert gather.get("hints") == "Own, Rent" and gather.get("numDigits") == "1"
    assert "To skip" not in heard  # a required question
    assert "Rate repairs" in call.press("2")
    assert "Press 1 for Bad, up to 5 for Good." in call.heard()
    assert "Transport" in call.press("4")
    assert call.gather().get("finishOnKey") == "#" and call.gather().get("numDigits") is None
    assert "Years here?" in call.press("13")
    assert "Please enter a number from 0 to 100." in call.press("150")
    assert "Anything else?" in call.press("12")
    record = call.twiml.find("Record")
    assert record is not None and record.get("maxLength") == "120"
    assert call.twiml.find("Gather").get("numDigits") == "1"  # keys work during the question
    assert call.record(seconds=14) == "Thanks" and call.ended
    response = db.scalar(select(Response))
    assert response.status == "complete" and response.channel == "voice"
    assert sorted(db.scalars(select(AnswerChoice.value))) == ["bus", "car", "rent"]
    assert db.scalar(select(Answer.number).where(Answer.number == 12)) == 12
    recording = db.scalar(select(VoiceRecording))
    assert recording.duration == 14 and recording.url.endswith("1" * 32)


def test_spanish_call_by_speech_and_keys(client, db, make_survey) -> None:
    voice_survey(make_survey)
    call = Call(client, "+13055550111")
    call.dial()
    heard = call.press("2")
    assert heard.startswith("Vivienda Cuéntenos ¿Dueño o alquila?")
    assert call.twiml.find("Gather/Say").get("voice") == "Polly.Lupe"
    assert call.gather().get("language") == "es-US"
    assert call.gather().get("hints") == "Dueño, Alquilo"
    assert "Transporte" in call.say("Dueño.")
    assert "¿Años aquí?" in call.say("autobús y a pie")
    assert "¿Algo más?" in call.press("*0")  # skip a typed question
    assert call.press("0") == "Gracias"  # skip the spoken answer
    assert db.scalar(select(Respondent.locale)) == "es"
    assert sorted(db.scalars(select(AnswerChoice.value))) == ["bus", "own", "walk"]


def test_vietnamese_call_with_back_and_repeat(client, db, make_survey) -> None:
    voice_survey(make_survey)
    call = Call(client, "+14085550122")
    call.dial()
    first = call.press("3")
    assert "Sở hữu hay thuê?" in first
    assert call.twiml.find("Gather/Say").get("language") == "vi-VN"
    assert call.gather().get("language") == "vi-VN"
    assert "Đánh giá" in call.press("2")
    assert "Sở hữu hay thuê?" in call.press("*")  # back
    assert "Sở hữu hay thuê?" in call.press("9")  # repeat
    assert "Đi lại" in call.press("1")  # own: the rating is not asked
    assert db.scalar(select(Answer).where(Answer.number.is_not(None))) is None


def test_low_confidence_and_gibberish_are_asked_again(client, db, make_survey) -> None:
    voice_survey(make_survey)
    call = Call(client)
    call.dial()
    call.press("1")
    assert call.say("own", confidence="0.1").startswith("Sorry, I did not get that.")
    assert call.press("#").startswith("Sorry, I did not get that.")
    assert call.say("purple elephant").startswith("Please choose one of the options.")
    assert "Rate repairs" in call.say("rent")


def test_silence_asks_again_then_skips_then_says_goodbye(client, db, make_survey) -> None:
    voice_survey(make_survey)
    call = Call(client)
    call.dial()
    call.press("1")
    call.press("1")  # own -> transport (optional)
    assert "Transport" in call.silence()  # asked again
    assert "Years here?" in call.silence()  # then skipped
    goodbye = call.silence()
    assert "call back any time" in goodbye and call.ended
    response = db.scalar(select(Response))
    assert response.status == "in_progress"  # what was answered is kept


def test_silence_on_a_required_question_ends_politely(client, db, make_survey) -> None:
    voice_survey(make_survey)
    call = Call(client)
    call.dial()
    call.press("1")
    assert "Own or rent?" in call.silence()
    assert "call back any time" in call.silence() and call.ended


def test_calling_back_offers_to_continue(client, db, make_survey) -> None:
    voice_survey(make_survey)
    first = Call(client)
    first.dial()
    first.press("1")
    first.press("2")  # rent
    second = Call(client)
    assert "To continue where you left off, press 1" in second.dial()
    assert "Rate repairs" in second.press("1")
    assert "Transport" in second.press("5")
    third = Call(client)
    third.dial()
    assert "Own or rent?" in third.press("2")  # start again: a new response
    assert_started_again_keeping_answers(db)


def test_a_repeated_request_changes_nothing(client, db, make_survey) -> None:
    voice_survey(make_survey)
    call = Call(client)
    call.dial()
    call.press("1")
    action = call.gather().get("action")
    first = call.press("2")
    raw = call.raw
    call._post(action, Digits="1")  # the same step again, even with other keys
    assert call.raw == raw and "Rate repairs" in first
    assert db.scalar(select(AnswerChoice.value)) == "rent"
    assert db.scalar(select(VoiceCall.step)) == 3


def test_forged_requests_are_refused(client, db, make_survey) -> None:
    voice_survey(make_survey)
    form = {"CallSid": "CA" + "9" * 32, "From": "+12065550100"}
    response = client.post("/voice/inbound", data=form,
                           headers={"X-Twilio-Signature": "forged"})
    assert response.status_code == 403
    assert client.post("/voice/gather?s=1", data=form).status_code == 403
    assert db.scalar(select(VoiceCall)) is None and db.scalar(select(Respondent)) is None


def test_several_surveys_get_a_menu(client, db, make_survey) -> None:
    voice_survey(make_survey)
    parks = voice_survey(make_survey, slug="parks", title={"en": "Parks", "es": "Parques", "vi": "Công viên"})
    call = Call(client)
    menu = call.dial()
    assert "For Housing, press 1." in menu and "For Parks, press 2." in menu
    assert "For English, press 1." in call.press("2")
    call.press("1")
    assert db.scalar(select(Response.survey_id)) == parks.id


def test_nothing_open_hangs_up_politely(client, db, make_survey) -> None:
    make_survey()  # web and SMS only
    call = Call(client)
    assert "no survey to answer by phone" in call.dial() and call.ended


def test_withheld_number_can_still_answer(client, db, make_survey) -> None:
    voice_survey(make_survey)
    call = Call(client, "anonymous")
    call.dial()
    assert "Own or rent?" in call.press("1")
    call.press("1")
    assert db.scalar(select(Response)).respondent_id is None


def test_status_callback_keeps_answers(client, db, make_survey) -> None:
    voice_survey(make_survey)
    call = Call(client)
    call.dial()
    call.press("1")
    call.press("2")
    form = {"CallSid": call.sid, "CallStatus": "completed", "CallDuration": "41"}
    assert client.post("/voice/status", data=form,
                       headers=signed("/voice/status", form)).status_code == 204
    stored = db.scalar(select(VoiceCall))
    assert stored.status == "completed" and stored.duration == 41
    assert db.scalar(select(AnswerChoice.value)) == "rent"


def test_odd_parameters_never_cause_a_server_error(client, db, make_survey) -> None:
    voice_survey(make_survey)
    call = Call(client)
    call.dial()
    for path, params in (
        ("/voice/gather?s=zzz", {"Digits": "1"}),
        ("/voice/gather?s=1", {"Digits": "\x00\x01", "Confidence": "very"}),
        ("/voice/gather?s=1", {"SpeechResult": "", "Confidence": "0.99"}),
        ("/voice/gather?s=1", {"RecordingUrl": "x", "RecordingDuration": "forever"}),
        ("/voice/gather?s=99", {"Digits": "2", "Extra": "ignored"}),
    ):
        form = {"CallSid": call.sid, "From": call.number, **params}
        response = client.post(path, data=form, headers=signed(path, form))
        assert response.status_code in (200, 400), (path, params, response.status_code)
    without_sid = {"From": call.number}
    assert client.post("/voice/inbound", data=without_sid,
                       headers=signed("/voice/inbound", without_sid)).status_code == 400
