"""Contact lists: good rows load, bad rows are named with their line and reason."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engage.core.errors import DomainError
from engage.outreach.contacts import import_contacts
from engage.outreach.models import Contact
from engage.responses.models import Respondent
from engage.responses.operations import respondent_for_phone, set_opted_out
from engage.responses.phones import decrypt
from tests.conftest import csrf_token
from tests.outreach.helpers import contacts_csv, load


@pytest.fixture(autouse=True)
def in_june_2026(time_machine):  # type: ignore[no-untyped-def]
    """The consent dates below are in the past: say when "now" is."""
    time_machine.move_to(datetime(2026, 6, 1, 19, 0, tzinfo=UTC), tick=True)


def test_a_consent_date_after_today_in_the_city_is_refused(db, time_machine) -> None:
    time_machine.move_to(datetime(2026, 12, 4, 1, 30, tzinfo=UTC))  # 17:30 on 3 December in Seattle
    record = load(db, "206-555-0121,es,,Casa Latina,2026-12-03,", "206-555-0122,es,,Casa Latina,2026-12-04,")
    assert record.loaded == 1 and record.problems == [[3, "consent_date"]]


def test_good_rows_load_and_bad_rows_are_reported(db) -> None:
    record = load(db,
                  "(206) 555-0101,es,98118,Casa Latina,2026-03-01,extra column",
                  "not a number,es,98118,Casa Latina,2026-03-01,",
                  "206-555-0102,klingonese,,Casa Latina,2026-03-01,",
                  "206-555-0103,vi,,,,",
                  "206-555-0104,zh-Hant,,Chinese Info Service,03/15/2026,",
                  "2065550101,en,,Library,2026-04-01,",
                  "206-555-0105,so,,Somali Health Board,someday,")
    assert record.rows == 7 and record.loaded == 2
    assert record.problems == [[2, "area"], [3, "phone"], [4, "language"], [5, "consent"], [7, "duplicate"],
                               [8, "consent_date"]]
    contacts = {c.language: c for c in db.scalars(select(Contact))}
    assert set(contacts) == {"es", "zh_Hant"}
    assert decrypt(contacts["es"].phone_encrypted) == "+12065550101"
    assert db.scalar(select(func.count()).select_from(Respondent)) == 2  # matched by hash


def test_a_known_number_is_updated_not_added_and_an_opt_out_stays(db) -> None:
    set_opted_out(respondent_for_phone("+12065550111"), True)
    load(db, "206-555-0110,es,,Casa Latina,2026-03-01,")
    record = load(db, "206-555-0110,en,,Library,2026-05-01,", "206-555-0111,es,,Casa,2026-05-01,")
    assert db.scalar(select(func.count()).select_from(Contact)) == 2
    assert db.scalar(select(Contact.language).join(Respondent).where(
        Respondent.opted_out.is_(False))) == "en"
    assert [2, "opted_out"] not in record.problems and [3, "opted_out"] in record.problems
    assert db.scalar(select(Respondent.opted_out).join(Contact).where(
        Contact.consent_source == "Casa")) is True


def test_a_file_without_the_columns_is_refused_whole(db) -> None:
    with pytest.raises(DomainError, match="consent_source, consent_date"):
        import_contacts(b"phone,language\n2065550100,es\n", "x.csv")
    assert db.scalar(select(Contact)) is None


def test_staff_upload_and_see_the_report(client, db, login) -> None:
    login("staff")
    page = client.get("/staff/outreach/contacts").get_data(as_text=True)
    response = client.post("/staff/outreach/contacts", data={
        "csrf_token": csrf_token(page),
        "file": (io.BytesIO(contacts_csv("206-555-0120,es,,Casa,2026-01-01,",
                                         "nope,es,,Casa,2026-01-01,")), "list.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    report = client.get(response.location).get_data(as_text=True)
    assert "1 of 2 contacts loaded." in report
    assert "Line 3: The phone number cannot be read." in report
    assert "5550120" not in report


def test_viewers_cannot_see_contacts(client, login) -> None:
    login("viewer")
    assert client.get("/staff/outreach/contacts").status_code == 403


def test_cli_import_with_progress(app, db, tmp_path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(contacts_csv("206-555-0130,vi,,Pho Partners,2026-02-02,",
                                  "206-555-0131,vi,,,2026-02-02,"))
    result = app.test_cli_runner().invoke(args=["engage", "import-contacts", str(path)])
    assert result.exit_code == 0, result.output
    assert "Line 3: No consent" in result.output and "1 of 2 contacts loaded." in result.output
