"""Long staff lists go a page at a time: page 1 has the newest rows and a link to the
older ones, no row is out of reach, and no ``?page=`` is a 500. They were cut at 200
or 500 rows without a word."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import pytest
from flask.testing import FlaskClient

from engage.audit.operations import record
from engage.channels.voice.models import VoiceRecording
from engage.core.pagination import PER_PAGE, Page, page_number
from engage.messaging.models import Direction, Message
from engage.outreach.models import Campaign, ContactImport
from engage.responses.models import Respondent, Response
from engage.responses.phones import normalise, phone_hash

HOSTILE = ("0", "-1", "abc", "1.5", "١٢", "0x1F", str(2**31), "9" * 40)


def link(page: str, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def assert_paged(client: FlaskClient, url: str, newest_first: Sequence[str],
                 per_page: int = PER_PAGE) -> None:
    """``newest_first``: a text each row shows, for the newest rows of the list, more than
    a page of them."""
    assert len(newest_first) > per_page
    shown, rest = newest_first[:per_page], newest_first[per_page:]
    first = client.get(url)
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert all(text in page for text in shown) and not any(text in page for text in rest)
    assert f"Showing 1–{per_page} of " in page
    assert link(page, "prev") is None
    older = link(page, "next")
    assert older is not None and "page=2" in older
    assert all(arg in older for arg in url.partition("?")[2].split("&")), "filters are kept"
    page = client.get(older).get_data(as_text=True)
    assert all(text in page for text in rest) and not any(text in page for text in shown)
    assert f"Showing {per_page + 1}–" in page
    newer = link(page, "prev")
    assert newer is not None and "page=" not in newer
    assert client.get(newer).get_data(as_text=True).count("Showing 1–") == 1
    separator = "&" if "?" in url else "?"
    assert client.get(f"{url}{separator}page=").status_code == 200
    assert client.get(f"{url}{separator}page=1").status_code == 200
    for value in (*HOSTILE, "999"):
        path, _, query = url.partition("?")
        args = dict(part.split("=", 1) for part in query.split("&") if part)
        assert client.get(path, query_string={**args, "page": value}).status_code == 404, value


def test_the_message_log_keeps_its_filter_from_page_to_page(client, db, login, make_survey) -> None:
    survey, other = make_survey(), make_survey("parks")
    rows = [Message(direction=Direction.INBOUND, body=f"Text number {i:03d}.", status="received",
                    survey_id=survey.id) for i in range(PER_PAGE + 7)]
    db.add_all([*rows, Message(direction=Direction.INBOUND, body="Other survey", status="received",
                               survey_id=other.id)])
    db.commit()
    login("staff")
    texts = [f"Text number {i:03d}." for i in reversed(range(PER_PAGE + 7))]
    assert_paged(client, f"/staff/sms/messages?survey={survey.id}", texts)
    page = client.get("/staff/sms/messages").get_data(as_text=True)
    assert "Other survey" in page and f"Showing 1–{PER_PAGE} of {PER_PAGE + 8}" in page


def test_the_simulator_shows_the_latest_texts_and_reaches_the_earlier_ones(client, db, login) -> None:
    phone = "+1 206 555 0177"
    respondent = Respondent(phone_hash=phone_hash(normalise(phone)))
    db.add(respondent)
    db.flush()
    db.add_all([Message(direction=Direction.OUTBOUND, body=f"Simulated {i:03d}.", status="sent",
                        respondent_id=respondent.id) for i in range(PER_PAGE + 3)])
    db.commit()
    login("staff")
    with client.session_transaction() as session:
        session["sim_phone"] = phone
    assert_paged(client, "/staff/sms/simulator",
                 [f"Simulated {i:03d}." for i in reversed(range(PER_PAGE + 3))])
    page = client.get("/staff/sms/simulator").get_data(as_text=True)
    assert page.index("Simulated 003.") < page.index(f"Simulated {PER_PAGE + 2:03d}."), \
        "a page reads as a phone shows it, oldest first"


def test_spoken_answers(client, db, login, make_survey) -> None:
    survey = make_survey(channels=["web", "voice"])
    response = Response(survey_id=survey.id, token="t" * 32, channel="voice", locale="en")
    db.add(response)
    db.flush()
    rows = [VoiceRecording(response_id=response.id, question_id=survey.questions[-1].id,
                           recording_sid=f"RE{i:032d}", url=f"https://api.twilio.com/r/{i}",
                           duration=3) for i in range(PER_PAGE + 2)]
    db.add_all(rows)
    db.commit()
    login("staff")
    assert_paged(client, f"/staff/voice/surveys/{survey.id}/recordings",
                 [f'/staff/voice/recordings/{r.id}"' for r in reversed(rows)])


def test_campaigns(client, db, login, make_survey) -> None:
    survey = make_survey()
    db.add_all([Campaign(survey_id=survey.id, name=f"Campaign {i:03d}") for i in range(PER_PAGE + 1)])
    db.commit()
    login("staff")
    assert_paged(client, "/staff/outreach/campaigns",
                 [f"Campaign {i:03d}<" for i in reversed(range(PER_PAGE + 1))])


def test_contact_imports(client, db, login) -> None:
    db.add_all([ContactImport(filename=f"list-{i:03d}.csv") for i in range(25)])
    db.commit()
    login("staff")
    assert_paged(client, "/staff/outreach/contacts",
                 [f"list-{i:03d}.csv" for i in reversed(range(25))], per_page=20)


def test_the_audit_log(client, db, login) -> None:
    login("admin")  # signing in is an event too: the oldest here
    for i in range(PER_PAGE + 4):
        record("survey.create", f"test:{i:03d}")
    db.commit()
    assert_paged(client, "/staff/audit?action=survey.create",
                 [f"test:{i:03d}<" for i in reversed(range(PER_PAGE + 4))])


def test_one_page_shows_no_pager(client, db, login) -> None:
    login("staff")
    page = client.get("/staff/sms/messages").get_data(as_text=True)
    assert "Showing" not in page and 'rel="next"' not in page


@pytest.mark.parametrize(("raw", "number"), [(None, 1), ("", 1), (" ", 1), ("2", 2), (" 7 ", 7),
                                             ("007", 7), (str(2**31 - 1), 2**31 - 1)])
def test_page_numbers(raw: str | None, number: int) -> None:
    assert page_number(raw) == number


def test_positions() -> None:
    assert (Page(["a", "b"], 3, 10, 22).first, Page(["a", "b"], 3, 10, 22).last) == (21, 22)
    assert (Page([], 1, 10, 0).first, Page([], 1, 10, 0).last) == (0, 0)
