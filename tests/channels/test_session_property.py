"""Property through the real webhooks: one resident texting and calling in any order,
with days between, STOP and START, never loses what was set aside, never has two
unfinished responses to one survey, never has a hidden question answered, and gets no
text while opted out. (tests/engine/test_session.py checks the machine alone.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from engage.responses.models import Respondent, Response, ResponseStatus
from engage.responses.operations import kept_answers, load_answers
from engage.surveys.queries import survey_spec
from tests.channels.sms.phone import Phone
from tests.channels.voice.caller import Call

NUMBER = "+12065550142"
steps = st.lists(st.one_of(
    st.tuples(st.just("text"), st.sampled_from(
        ["HOUSING", "vivienda", "1", "2", "3", "4", "SKIP", "BACK", "STOP", "START", "hola", "bus"])),
    st.tuples(st.just("call"), st.just("")),
    st.tuples(st.just("press"), st.sampled_from(["1", "2", "4", "0", "*", "9", "12#"])),
    st.tuples(st.just("silence"), st.just("")),
    st.tuples(st.just("wait"), st.sampled_from([1, 30, 80, 200])),
), max_size=16)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(script=steps)
def test_texts_and_calls_in_any_order_keep_every_answer(client, db, make_survey, example,
                                                        time_machine, script) -> None:
    with example():
        time_machine.move_to(datetime(2026, 3, 2, 18, 0, tzinfo=UTC), tick=False)
        survey = make_survey(channels=["web", "sms", "voice"])
        phone, call = Phone(client, NUMBER), None
        set_aside: dict[int, dict] = {}
        for action, value in script:
            opted_out = db.scalar(select(Respondent.opted_out)) or False
            if action == "text":
                reply = phone.text(value)
                if opted_out and value != "START":
                    assert not reply, "nothing is texted to a resident who opted out"
            elif action == "call":
                call = Call(client, NUMBER)
                call.dial()
            elif action == "wait":
                time_machine.shift(timedelta(hours=value))
            elif call is not None and not call.ended:
                call.press(value) if action == "press" else call.silence()
            db.expire_all()
            responses = db.scalars(select(Response).where(Response.survey_id == survey.id)).all()
            for response in responses:
                answers = load_answers(response.id, survey_spec(survey))
                assert kept_answers(response.answered, survey_spec(survey)) == answers, \
                    "the response row holds what the answer rows hold"
                if response.status == ResponseStatus.ABANDONED:
                    assert set_aside.setdefault(response.id, answers) == answers, "kept as it was"
                else:
                    visible = {q.key for q in survey_spec(survey).visible(answers)}
                    assert set(answers) <= visible, "no hidden question answered"
            assert set(set_aside) <= {r.id for r in responses}, "set-aside responses stay"
            live = db.scalar(select(func.count(Response.id)).where(
                Response.survey_id == survey.id, Response.status == ResponseStatus.IN_PROGRESS))
            assert live <= 1, "one unfinished response per resident and survey"
