"""How many SQL statements one mid-survey answer costs, by text and by key press: a
count, not a timing, so it holds on any machine. Each statement is a round trip and
SQLAlchemy's work (bench/README.md); a change that reads again what a turn already has
shows here first. The benchmarks measure the time."""

from __future__ import annotations

from tests.channels.sms.phone import Phone
from tests.channels.voice.caller import Call
from tests.conftest import csrf_token
from tests.statements import counted


def test_an_answer_on_the_web_costs_four_statements(client, make_survey) -> None:
    make_survey()
    token = csrf_token(client.get("/s/housing").get_data(as_text=True))
    client.post("/s/housing/start", data={"csrf_token": token})
    with counted() as statements:
        posted = client.post("/s/housing/q", data={"csrf_token": token, "question": "tenure",
                                                   "action": "next", "answer": "rent"})
    assert posted.status_code == 303
    # response + survey (locked), answer insert + choice, response update
    assert len(statements) <= 4, "\n".join(statements)
    assert "Rate repairs" in client.get("/s/housing/q").get_data(as_text=True)


def test_an_answer_by_text_costs_six_statements(client, make_survey) -> None:
    make_survey(channels=["web", "sms", "voice"])
    phone = Phone(client)
    phone.text("housing")
    phone.text("1")  # English
    with counted() as statements:
        assert "Rate" in phone.text("2")  # rent: the next question comes back
    # resident (locked), conversation + response + survey (locked), answer insert +
    # choice (a first answer has nothing to delete; the response row holds the answers),
    # response update, message in and out (one statement)
    assert len(statements) <= 6, "\n".join(statements)


def test_a_key_press_costs_five_statements(client, make_survey) -> None:
    make_survey(channels=["web", "sms", "voice"])
    call = Call(client)
    call.dial()
    call.press("1")  # English
    with counted() as statements:
        assert "Rate" in call.press("2")  # rent
    # call + conversation + response + survey (locked), answer insert + choice, response
    # update, call update
    assert len(statements) <= 5, "\n".join(statements)
