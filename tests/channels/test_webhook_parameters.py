"""A signed webhook carrying an id or a number Twilio never sends (a 65-character
MessageSid, a CallDuration of 99999999999, ``?m=2147483648``) is refused with a 400 and
changes nothing: PostgreSQL used to refuse it mid-request (a 500)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from engage.channels.twilio_params import is_sid
from engage.channels.voice.models import VoiceCall
from engage.messaging.models import Direction, Message
from tests.channels.sms.phone import Phone, message_sid, signed
from tests.channels.voice.caller import Call


def messages(db) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(Message))


@pytest.mark.parametrize("sid", [
    "SM" + "a" * 63,  # too long for the column
    "SM" + "a" * 31,  # one short
    "SM" + "g" * 32,  # not hex
    "sm" + "a" * 32,
    "SM" + "a" * 32 + "\x00",
    "SM" + "١" * 32,
])
def test_a_malformed_message_sid_is_refused(client, db, make_survey, sid: str) -> None:
    make_survey()
    before = messages(db)
    assert Phone(client).post("housing", sid=sid).status_code == 400
    assert messages(db) == before


@pytest.mark.parametrize("field", ["AccountSid", "MessagingServiceSid"])
def test_any_malformed_id_is_refused_even_one_we_do_not_read(client, db, make_survey, field: str) -> None:
    make_survey()
    assert Phone(client).post("housing", **{field: "x" * 65}).status_code == 400
    assert messages(db) == 0


def test_ids_as_twilio_sends_them_are_taken(client, db, make_survey) -> None:
    """SM for a text, MM for a picture message; hex in either case."""
    make_survey()
    phone = Phone(client)
    assert phone.post("housing", sid="MM" + "0123456789abcdef" * 2).status_code == 200
    assert phone.post("1", sid="SM" + "0123456789ABCDEF" * 2,
                      MessagingServiceSid="MG" + "f" * 32).status_code == 200
    assert messages(db) == 4  # two in, two replies
    assert is_sid(message_sid("anything")) and not is_sid("SMabc")


def test_a_status_for_a_message_id_beyond_the_database_is_refused(client, db, make_survey) -> None:
    make_survey()
    Phone(client).text("housing")
    sent = db.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
    before = sent.status
    for m in (str(2**31), str(2**63), "-1", "1e3", "١٢"):
        params = {"MessageSid": message_sid(m), "MessageStatus": "delivered", "ErrorCode": ""}
        path = f"/sms/status?{urlencode({'m': m})}"
        assert client.post(path, data=params, headers=signed(path, params)).status_code == 400, m
    db.refresh(sent)
    assert sent.status == before and sent.sid is None


@pytest.mark.parametrize(("params", "field"), [
    ({"CallDuration": "99999999999"}, "duration"),
    ({"CallDuration": "-1"}, "duration"),
    ({"CallDuration": "41", "CallStatus": "comp\x00leted"}, "status"),
    ({"CallDuration": "41", "CallSid": "CA" + "1" * 64}, "status"),
])
def test_a_call_status_twilio_never_sends_is_refused(client, db, make_survey, params, field) -> None:  # type: ignore[no-untyped-def]
    make_survey(channels=["voice"])
    call = Call(client)
    call.dial()
    form = {"CallSid": call.sid, "CallStatus": "completed", **params}
    response = client.post("/voice/status", data=form, headers=signed("/voice/status", form))
    assert response.status_code == 400
    stored = db.scalar(select(VoiceCall).where(VoiceCall.call_sid == call.sid))
    db.refresh(stored)
    assert (stored.status, stored.duration, stored.ended_at) == ("in-progress", None, None), field


def test_a_recording_of_impossible_length_is_refused(client, db, make_survey) -> None:
    make_survey(channels=["voice"])
    call = Call(client)
    call.dial()
    form = {"CallSid": call.sid, "From": call.number, "RecordingSid": "RE" + "1" * 32,
            "RecordingDuration": str(2**63), "RecordingUrl": "https://api.twilio.com/r/1"}
    path = call.gather().get("action", "").removeprefix(TestingConfig.PUBLIC_BASE_URL)
    assert client.post(path, data=form, headers=signed(path, form)).status_code == 400
    stored = db.scalar(select(VoiceCall).where(VoiceCall.call_sid == call.sid))
    db.refresh(stored)
    assert stored.step == 1, "the turn was not taken"


@pytest.mark.parametrize("prompt", [str(2**31), str(2**63), str(10**30)])
def test_a_prompt_beyond_the_database_is_not_found(client, db, prompt: str) -> None:
    assert client.get(f"/voice/audio/{prompt}").status_code == 404


def test_a_status_naming_another_messages_sid_leaves_both_sids_alone(client, db, make_survey) -> None:
    make_survey()
    Phone(client).text("housing", sid=message_sid("in"))
    sent = db.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
    params = {"MessageSid": message_sid("in"), "MessageStatus": "delivered"}
    path = f"/sms/status?m={sent.id}"
    assert client.post(path, data=params, headers=signed(path, params)).status_code == 204
    db.refresh(sent)
    assert (sent.status, sent.sid) == ("delivered", None)


@pytest.mark.parametrize("confidence", ["nan", "inf", "-0.5", "1.5", "very", "1e999"])
def test_a_confidence_twilio_never_sends_is_refused(client, db, make_survey, confidence: str) -> None:
    """"nan" used to compare as confident: the guess was stored as the answer."""
    make_survey(channels=["voice"])
    call = Call(client)
    call.dial()
    form = {"CallSid": call.sid, "From": call.number, "SpeechResult": "rent", "Confidence": confidence}
    path = call.gather().get("action", "").removeprefix(TestingConfig.PUBLIC_BASE_URL)
    assert client.post(path, data=form, headers=signed(path, form)).status_code == 400
    stored = db.scalar(select(VoiceCall).where(VoiceCall.call_sid == call.sid))
    db.refresh(stored)
    assert stored.step == 1, "the turn was not taken"
