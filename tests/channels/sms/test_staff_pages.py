"""Staff: keywords per language, part counts, the phone simulator and the message log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engage.core.errors import DomainError
from engage.responses.models import Response
from engage.surveys import operations
from tests.channels.sms.phone import Phone
from tests.conftest import csrf_token
from tests.factories import survey_data


def test_a_language_keyword_starts_in_that_language(client, db, make_survey) -> None:
    make_survey(sms_keywords={"es": "Vivienda", "vi": "Nhà"})
    assert Phone(client, "+12065550301").text("vivienda").startswith("Vivienda\n¿Dueño o alquila?")
    assert Phone(client, "+12065550302").text("NHA").startswith("Nhà ở\nSở hữu hay thuê?")


@pytest.mark.parametrize("word", ["STOP", "ayuda", "Saltar"])
def test_keywords_cannot_be_commands(db, word: str) -> None:
    with pytest.raises(DomainError, match="stop, get help or skip"):
        operations.create_survey(survey_data("cmd", sms_keyword=word))


def test_keywords_are_unique_among_open_surveys(db, make_survey) -> None:
    make_survey(sms_keywords={"es": "VIVIENDA"})
    with pytest.raises(DomainError, match="VIVIENDA"):
        operations.create_survey(survey_data("other", sms_keyword="vivienda"))


def test_editor_shows_parts_per_language(client, login, make_survey) -> None:
    survey = make_survey()
    login("staff")
    page = client.get(f"/staff/surveys/{survey.id}").get_data(as_text=True)
    assert re.search(r"English 1 part \(GSM-7\)", page)
    assert re.search(r"Tiếng Việt 1 part \(UCS-2\)", page)


def test_simulator_runs_the_webhook_path_and_labels_responses(client, db, login, make_survey) -> None:
    make_survey()
    login("staff")
    page = client.get("/staff/sms/simulator").get_data(as_text=True)
    token = csrf_token(page)
    for body in ("housing", "2", "1"):
        assert client.post("/staff/sms/simulator", data={
            "csrf_token": token, "phone": "+1 206 555 0188", "body": body}).status_code == 302
    page = client.get("/staff/sms/simulator").get_data(as_text=True)
    assert "¿Dueño o alquila?" in page and "1 English" in page
    response = db.scalar(select(Response))
    assert response.channel == "sms" and response.synthetic
    log = client.get("/staff/sms/messages").get_data(as_text=True)
    assert "¿Dueño o alquila?" in log and "2065550188" not in log and "555 0188" not in log


def test_planners_cannot_read_texts(client, login) -> None:
    login("planner")
    assert client.get("/staff/sms/messages").status_code == 403
    assert client.get("/staff/sms/simulator").status_code == 403
