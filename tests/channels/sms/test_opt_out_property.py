"""Property: whatever a resident texts, in whatever order, nothing is sent to a number
that opted out, except the one confirmation of its STOP."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.engine.commands import Command, command
from engage.messaging.models import Direction, Message
from engage.outreach.gateway import Outcome, send_text
from engage.responses.operations import respondent_for_phone
from tests.channels.sms.phone import Phone

STOPS = ["STOP", "stop", "Parar", "ALTO", "dừng", "停止", "توقف", "unsubscribe", "no más"]
STARTS = ["START", "unstop", "yes", "Sí"]
OTHERS = ["housing", "HOUSING", "1", "2", "3", "help", "AYUDA", "skip", "back", "hello", "12",
          "language", ""]
messages = st.lists(st.one_of(st.sampled_from(STOPS + STARTS + OTHERS), st.text(max_size=12)),
                    min_size=1, max_size=12)
numbers = itertools.count(2065551000)


def test_no_text_to_an_opted_out_number(client, make_survey, fake_twilio) -> None:
    make_survey()

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(texts=messages)
    def conversation(texts: list[str]) -> None:
        number = f"+1{next(numbers)}"
        phone = Phone(client, number)
        opted_out = False
        for body in texts:
            reply = phone.text(body)
            cmd = command(body, opted_out=opted_out)
            if cmd is Command.STOP:
                assert (reply is None) == opted_out, "STOP is confirmed exactly once"
                opted_out = True
            elif opted_out:
                if cmd is Command.START:
                    assert reply, "START is confirmed"
                    opted_out = False
                else:
                    assert reply is None, f"replied {reply!r} to an opted-out number"
        respondent = respondent_for_phone(number)
        assert respondent.opted_out is opted_out
        outgoing = Message(direction=Direction.OUTBOUND, body="update", status="queued",
                           respondent_id=respondent.id)
        result = send_text(outgoing, respondent, number)
        assert (result.outcome is Outcome.OPTED_OUT) == opted_out
        assert (len(fake_twilio.sent) == 0) == opted_out
        fake_twilio.sent.clear()

    conversation()
