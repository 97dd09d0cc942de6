"""Property: whatever a caller presses, says or leaves silent, every request gets valid
TwiML, silence never hangs up by accident, and the stored response stays consistent
(no hidden question answered, done only with every required question answered)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engage.channels.voice.models import VoiceCall
from engage.responses.models import Response
from engage.responses.operations import load_answers
from engage.surveys.models import Channel, Survey
from engage.surveys.queries import survey_spec
from tests.channels.voice.caller import Call

_numbers = itertools.count(1000)
keys = st.text(alphabet="0123456789*#", max_size=4)
events = st.lists(st.one_of(
    st.tuples(st.just("press"), keys),
    st.tuples(st.just("say"), st.sampled_from(["own", "rent", "dos", "bus and walk", "repeat",
                                              "skip", "back", "twelve", "", "??"])),
    st.tuples(st.just("silence"), st.just("")),
    st.tuples(st.just("record"), st.just("")),
), max_size=14)


def check_twiml(call: Call) -> None:
    elements = list(call.twiml)
    for n, el in enumerate(elements):
        if el.tag == "Gather":  # a Redirect follows, so silence never hangs up
            assert elements[n + 1].tag in ("Redirect", "Record"), call.raw
        if el.tag == "Record":
            assert elements[n + 1].tag == "Redirect", call.raw
    assert call.ended or elements[-1].tag == "Redirect", call.raw


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(script=events)
def test_any_keys_keep_the_response_consistent(client, db, make_survey, script) -> None:
    survey = db.scalar(select(Survey).where(Survey.slug == "housing")) or make_survey(
        channels=["web", "sms", "voice"])
    call = Call(client, f"+1206555{next(_numbers) % 10000:04d}")
    call.dial()
    requests = 1
    for action, value in script:
        check_twiml(call)
        if call.ended:
            break
        if action == "press":
            call.press(value)
        elif action == "say":
            if "speech" not in (call.gather().get("input") or ""):
                continue
            call.say(value)
        elif action == "silence":
            call.silence()
        elif call.twiml.find("Record") is not None:
            call.record()
        else:
            continue
        requests += 1
    check_twiml(call)
    stored = db.scalar(select(VoiceCall).where(VoiceCall.call_sid == call.sid))
    assert stored.step == requests
    response = db.get(Response, stored.response_id) if stored.response_id else None
    if response is None:
        return
    spec = survey_spec(survey, Channel.VOICE)
    answers = load_answers(response.id, spec)
    visible = {q.key for q in spec.visible(answers)}
    assert set(answers) <= visible
    assert response.current_key is None or response.current_key in visible
    if response.status == "complete":
        assert all(q.key in answers for q in spec.visible(answers) if q.required)
