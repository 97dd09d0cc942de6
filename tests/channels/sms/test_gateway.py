"""Sending through the real twilio.rest.Client, against a fake Twilio on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from engage.messaging.models import Direction, Message
from engage.outreach.gateway import Outcome, send_text
from engage.responses.operations import respondent_for_phone
from tests.channels.sms.phone import message_sid, signed

NUMBER = "+12065550100"


@pytest.fixture
def outgoing(db):  # type: ignore[no-untyped-def]
    respondent = respondent_for_phone(NUMBER)
    message = Message(direction=Direction.OUTBOUND, body="Hola", status="queued",
                      respondent_id=respondent.id)
    db.add(message)
    db.flush()
    return message, respondent


def test_sent_with_our_id_in_the_status_callback(outgoing, fake_twilio) -> None:
    message, respondent = outgoing
    result = send_text(message, respondent, NUMBER)
    assert result.outcome is Outcome.SENT and message.sid == result.sid
    [sent] = fake_twilio.sent
    assert sent["To"] == NUMBER and sent["Body"] == "Hola" and sent["From"] == "+15005550006"
    callback = urlparse(sent["StatusCallback"])
    assert callback.netloc == "engage.example.gov" and callback.path == "/sms/status"
    assert parse_qs(callback.query) == {"m": [str(message.id)]}


@pytest.mark.parametrize(("status", "code", "outcome"), [
    (400, 21610, Outcome.OPTED_OUT), (429, 20429, Outcome.RETRY), (503, 20503, Outcome.RETRY),
    (400, 21211, Outcome.FAILED),
])
def test_twilio_errors(outgoing, fake_twilio, status: int, code: int, outcome: Outcome) -> None:
    message, respondent = outgoing
    fake_twilio.fail_next(status, code)
    result = send_text(message, respondent, NUMBER)
    assert result.outcome is outcome and message.error_code == str(code)
    assert respondent.opted_out is (outcome is Outcome.OPTED_OUT)


def test_unreachable_twilio_is_retried_later(outgoing, app) -> None:
    message, respondent = outgoing
    saved = dict(app.config)
    app.config.update(TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_FROM_NUMBER="+15005550006",
                      TWILIO_API_BASE_URL="http://127.0.0.1:9")  # nothing listens there
    try:
        assert send_text(message, respondent, NUMBER).outcome is Outcome.RETRY
    finally:
        app.config.clear()
        app.config.update(saved)


def test_opted_out_numbers_are_never_sent_to(outgoing, fake_twilio) -> None:
    message, respondent = outgoing
    respondent.opted_out = True
    assert send_text(message, respondent, NUMBER).outcome is Outcome.OPTED_OUT
    assert fake_twilio.sent == []


def test_console_backend_without_credentials(outgoing, caplog) -> None:
    message, respondent = outgoing
    with caplog.at_level("INFO"):
        assert send_text(message, respondent, NUMBER).outcome is Outcome.SENT
    assert message.status == "console"
    assert "Hola" in caplog.text and "2065550100" not in caplog.text


def test_status_callbacks_move_forward_only(client, db, outgoing) -> None:
    message, _respondent = outgoing
    db.commit()

    def callback(status: str, code: str = "") -> int:
        params = {"MessageSid": message_sid("abc"), "MessageStatus": status, "ErrorCode": code}
        path = f"/sms/status?m={message.id}"
        return client.post(path, data=params, headers=signed(path, params)).status_code

    assert callback("sent") == 204
    assert callback("delivered") == 204
    assert callback("sent") == 204, "a late callback"
    db.refresh(message)
    assert (message.status, message.sid) == ("delivered", message_sid("abc"))
    assert client.post(f"/sms/status?m={message.id}", data={"MessageStatus": "failed"}).status_code == 403
