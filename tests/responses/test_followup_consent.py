"""A resident's phone number: kept only with consent, encrypted, matched by hash."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from engage.responses import phones
from engage.responses.models import Respondent, Response
from tests.conftest import csrf_token


def finish_survey(client) -> str:  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/s/housing").get_data(as_text=True))
    client.post("/s/housing/start", data={"csrf_token": token})
    client.post("/s/housing/q", data={"csrf_token": token, "question": "tenure", "answer": "own"})
    for key in ("transport", "years", "comments"):
        client.post("/s/housing/q", data={"csrf_token": token, "question": key, "action": "skip"})
    return token


def test_consent_keeps_the_number_encrypted_and_hashed(client, db, make_survey) -> None:
    make_survey()
    token = finish_survey(client)
    refused = client.post("/s/housing/followup", data={"csrf_token": token, "phone": "206 555 0100"})
    assert refused.status_code == 422, "no consent box ticked, nothing kept"
    assert db.scalar(select(Respondent)) is None
    bad = client.post("/s/housing/followup",
                      data={"csrf_token": token, "phone": "12", "consent": "yes"})
    assert bad.status_code == 422 and "phone number" in bad.get_data(as_text=True)
    ok = client.post("/s/housing/followup",
                     data={"csrf_token": token, "phone": "(206) 555-0100", "consent": "yes"})
    assert ok.status_code == 303
    respondent = db.scalar(select(Respondent))
    assert respondent.followup_consent and respondent.phone_hash == phones.phone_hash("+12065550100")
    assert phones.decrypt(respondent.phone_encrypted) == "+12065550100"
    assert db.scalar(select(Response.respondent_id)) == respondent.id
    # the number in the clear is nowhere in the database
    for table in ("respondent", "response", "answer"):
        dump = " ".join(str(row) for row in db.execute(text(f"SELECT * FROM {table}")))
        assert "2065550100" not in dump and "555-0100" not in dump


@pytest.mark.parametrize("raw", ["+1 206 555 0100", "206.555.0100", "(206) 555-0100"])
def test_one_number_one_hash(app, raw: str) -> None:
    assert phones.phone_hash(phones.normalise(raw)) == phones.phone_hash("+12065550100")


def test_impossible_numbers_are_refused(app) -> None:
    for raw in ("", "hello", "12", "+1 999"):
        with pytest.raises(phones.InvalidPhone):
            phones.normalise(raw)
