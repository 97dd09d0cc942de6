"""A text with nothing in it (a picture alone: NumMedia=1, Body='', or only spaces) is no
answer. The same question is asked again, after saying that pictures cannot be read and
how to answer; it is never taken as a skip (residents skip by texting SKIP), nor as a
wrong answer counting towards skipping the question."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from engage.core.i18n import _
from engage.messaging.models import Message
from engage.responses.models import Answer, Response
from tests.channels.sms.phone import Phone, message_sid

PICTURE = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC0/Media/ME1",
           "MediaContentType0": "image/jpeg"}
#: Up to each question of the factories' survey, by text, in English.
TO_QUESTION = {"tenure": ("housing", "1"), "repairs": ("housing", "1", "2"),
               "transport": ("housing", "1", "2", "4"), "years": ("housing", "1", "2", "4", "1 3"),
               "comments": ("housing", "1", "2", "4", "1 3", "12")}
PROMPTS = {"tenure": "Own or rent?", "repairs": "Rate repairs", "transport": "Transport",
           "years": "Years here?", "comments": "Anything else?"}
NUMBER = "Please reply with a number."


def at(client, question: str, number: str = "+12065550100") -> Phone:  # type: ignore[no-untyped-def]
    phone = Phone(client, number)
    for body in TO_QUESTION[question]:
        phone.text(body)
    return phone


def stored(db) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    """Where the response stands: what a text must not change unless it is an answer."""
    response = db.scalar(select(Response))
    db.refresh(response)
    answers = db.scalar(select(func.count()).select_from(Answer))
    return response.current_key, response.misses, tuple(response.history or ()), answers


@pytest.mark.parametrize(("question", "how"), [
    ("tenure", NUMBER),  # required
    ("repairs", NUMBER),  # optional rating: it used to be skipped
    ("transport", "Please reply with the numbers of your answers."),
    ("years", NUMBER),
    ("comments", "Please answer in words."),
])
def test_a_picture_alone_asks_the_same_question_again(client, db, make_survey, question: str,
                                                      how: str) -> None:
    make_survey()
    phone = at(client, question)
    before = stored(db)
    reply = phone.text("", **PICTURE)
    assert reply.startswith(f"We cannot read pictures. {how}\n{PROMPTS[question]}"), reply
    assert stored(db) == before


@pytest.mark.parametrize("body", ["", " ", "  \n\t ", "\u00a0"])
def test_an_empty_or_blank_text_asks_the_same_question_again(client, db, make_survey, body: str) -> None:
    make_survey()
    phone = at(client, "repairs")
    before = stored(db)
    assert phone.text(body).startswith("We did not get an answer.\nRate repairs")
    assert phone.text(body, **PICTURE).startswith(f"We cannot read pictures. {NUMBER}\nRate repairs")
    assert stored(db) == before


def test_pictures_never_use_up_the_patience_for_wrong_answers(client, db, make_survey, app) -> None:
    """Wrong answers skip an optional question after SMS_MAX_MISSES; pictures do not."""
    make_survey()
    phone = at(client, "repairs")
    for _n in range(app.config["SMS_MAX_MISSES"] + 2):
        assert "Rate repairs" in phone.text("", **PICTURE)
    assert stored(db)[:2] == ("repairs", 0)
    assert "Transport" in phone.text("4"), "an answer still moves on"


def test_skip_is_said_not_sent_empty(client, db, make_survey) -> None:
    make_survey()
    phone = at(client, "repairs")
    phone.text("", **PICTURE)
    assert phone.text("SKIP").startswith("Transport")
    assert stored(db)[0] == "transport"


def test_a_picture_with_words_is_an_answer(client, db, make_survey) -> None:
    make_survey()
    phone = at(client, "repairs")
    assert phone.text("4", **PICTURE).startswith("Transport")


def test_the_reply_is_in_the_residents_language(client, db, make_survey) -> None:
    make_survey()
    phone = Phone(client)
    for body in ("housing", "2", "2"):  # Spanish, then "Alquilo"
        phone.text(body)
    with force_locale("es"):
        lead = _("We cannot read pictures. Please reply with a number.")
    assert phone.text("", **PICTURE).startswith(f"{lead}\nCalifique")


def test_a_repeated_delivery_of_a_picture_changes_nothing(client, db, make_survey) -> None:
    make_survey()
    phone = at(client, "repairs")
    first = phone.text("", sid=message_sid("picture"), **PICTURE)
    before, messages = stored(db), db.scalar(select(func.count()).select_from(Message))
    assert phone.text("", sid=message_sid("picture"), **PICTURE) == first
    assert stored(db) == before
    assert db.scalar(select(func.count()).select_from(Message)) == messages


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(question=st.sampled_from(sorted(TO_QUESTION)),
       detour=st.lists(st.sampled_from(["banana", "0", "999", "BACK", "REPEAT"]), max_size=3),
       body=st.text(alphabet=" \t\n\r\u00a0\u2003", max_size=5), media=st.integers(0, 3))
def test_nothing_in_a_text_changes_nothing(client, db, make_survey, example, question: str,
                                           detour: list[str], body: str, media: int) -> None:
    """Wherever a resident is, after whatever they texted before: an empty text leaves
    their answers and their place as they were, and asks the question they are at."""
    with example():
        make_survey()
        phone = at(client, question)
        for text in detour:
            phone.text(text)
        before = stored(db)
        current = before[0]
        assume(current is not None)  # not finished by the detour
        extra = {"NumMedia": str(media), **({"MediaUrl0": PICTURE["MediaUrl0"]} if media else {})}
        reply = phone.text(body, **extra)
        assert stored(db) == before
        lead = "We cannot read pictures." if media else "We did not get an answer."
        assert reply.startswith(lead) and PROMPTS[current] in reply
