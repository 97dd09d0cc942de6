"""Staff downloads: the suppressed results workbook, and the individual responses,
streamed in batches, scrubbed of phone numbers and e-mails, and logged."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from engage.core.clock import utcnow
from engage.extensions import db as _db
from engage.responses import operations as responses
from engage.responses.models import Respondent, Response
from engage.results import exports
from engage.results.views import CSV_HEADER
from tests.results.test_results import answer


def _cell(value: object) -> object:
    """A cell as the CSV and the workbook can both say it: empty, a number, or text."""
    if value is None or value == "":
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except ValueError:
        return value


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The rows of a CSV download, which starts with a byte order mark for Excel."""
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and body.count(b"\xef\xbb\xbf") == 1
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# --- the results workbook -------------------------------------------------------------

def test_xlsx_is_the_suppressed_csv_table(client, db, login, make_survey) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey()
    for _ in range(10):
        answer(survey, "web", "en", {"tenure": "2", "years": "5"})
    answer(survey, "sms", "en", {"tenure": "1"})
    db.commit()
    login("viewer")
    response = client.get(f"/staff/surveys/{survey.id}/results.xlsx")
    assert response.status_code == 200
    assert response.mimetype == exports.XLSX_MIMETYPE
    assert 'filename="housing-results.xlsx"' in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["crosstab", "results", "about"]
    rows = list(book["results"].iter_rows(values_only=True))
    assert list(rows[0]) == CSV_HEADER
    tenure = {r[5]: r[7] for r in rows[1:] if r[0] == "tenure"}
    assert tenure == {"own": None, "rent": None}, "one owner hidden, and rent with it"
    from_csv = _csv(client.get(f"/staff/surveys/{survey.id}/results.csv"))
    assert [[_cell(v) for v in row] for row in rows] == [[_cell(v) for v in row] for row in from_csv], \
        "the CSV's table"
    about = {r[0]: r[1] for r in book["about"].iter_rows(values_only=True)}
    assert about["Suppression threshold"] == 10
    assert "modelled" in about["Intervals"] and "10" in about["Small groups"]


def _book_rows(response, sheet: str = "results") -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return list(load_workbook(io.BytesIO(response.get_data()))[sheet].iter_rows(values_only=True))


def test_xlsx_follows_the_breakdown_but_never_filters(client, db, login, make_survey) -> None:  # type: ignore[no-untyped-def]
    """Exports are published tables: all respondents, one breakdown, whatever the page's
    filters, since a filtered table subtracted from the full one could reveal a small group."""
    survey = make_survey()
    for _ in range(12):
        answer(survey, "web", "en", {"tenure": "2"})
    for _ in range(12):
        answer(survey, "sms", "es", {"tenure": "1"})
    db.commit()
    login("planner")
    response = client.get(f"/staff/surveys/{survey.id}/results.xlsx?by=channel")
    assert 'filename="housing-results-by-channel.xlsx"' in response.headers["Content-Disposition"]
    rows = _book_rows(response)
    groups = {(r[2], r[5]): (r[4], r[7]) for r in rows[1:] if r[0] == "tenure"}
    assert groups == {("web", "own"): (12, 0), ("web", "rent"): (12, 12),
                      ("sms", "own"): (12, 12), ("sms", "rent"): (12, 0)}
    filtered = client.get(f"/staff/surveys/{survey.id}/results.xlsx?by=channel&channel=sms")
    assert _book_rows(filtered) == rows, "the same all-respondents table: web is still there"
    assert _book_rows(filtered, "crosstab") == _book_rows(response, "crosstab")
    whole = _book_rows(client.get(f"/staff/surveys/{survey.id}/results.xlsx?channel=sms"))
    assert {(r[2], r[4]) for r in whole[1:] if r[0] == "tenure"} == {("all", 24)}
    about = {r[0]: r[1] for r in _book_rows(filtered, "about")}
    assert "all respondents" in about["Filters"] and "staff views" in about["Filters"]
    assert "channel=sms" not in about["Filters"]


def test_workbook_cells_are_never_formulas(app) -> None:  # type: ignore[no-untyped-def]
    about = [("note", "\x0b=HYPERLINK(\"x\")\x0b"), ("-2+3", -2)]
    book = load_workbook(io.BytesIO(exports.results_workbook([], about, 10)))
    note, number = book["about"]["B1"], book["about"]["B2"]
    assert note.value == "'=HYPERLINK(\"x\")" and note.data_type == "s"
    assert book["about"]["A2"].value == "'-2+3"
    assert number.value == -2 and number.data_type == "n", "a negative number stays a number"


@pytest.mark.parametrize(("text", "cell"), [
    ("=1+1", "'=1+1"), ("+1 555", "'+1 555"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("a=b", "a=b"), ("", ""),
    ("-3", "-3"), ("+4.5", "+4.5"), (-3, -3), (2.5, 2.5), (None, None),
])
def test_neutralise(text: object, cell: object) -> None:
    assert exports.neutralise(text) == cell


# --- individual responses -------------------------------------------------------------

def _latest_response(db) -> Response:  # type: ignore[no-untyped-def]
    return db.scalars(select(Response).order_by(Response.id.desc())).first()


def test_responses_csv_has_one_line_per_response(client, db, login, make_survey) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey()
    answer(survey, "web", "es", {"tenure": "2", "repairs": "4", "transport": "3,1", "years": "12",
                                 "comments": "Más buses, por favor"})
    answer(survey, "sms", "en", {"tenure": "1", "years": "2"})
    db.commit()
    login("staff")
    response = client.get(f"/staff/surveys/{survey.id}/responses.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="housing-responses.csv"' in response.headers["Content-Disposition"]
    header, *lines = _csv(response)
    assert header == ["response_id", "channel", "language", "status", "started_at", "completed_at",
                      "synthetic", "tenure", "repairs", "transport", "years", "comments"]
    first, second = (dict(zip(header, line, strict=True)) for line in lines)
    assert first["response_id"] < second["response_id"]
    assert (first["channel"], first["language"], first["status"], first["synthetic"]) == \
        ("web", "es", "complete", "0")
    assert first["started_at"].endswith("+00:00") and first["completed_at"]
    assert (first["tenure"], first["repairs"], first["transport"], first["years"], first["comments"]) == \
        ("rent", "4", "bus;car", "12", "Más buses, por favor")
    assert (second["tenure"], second["repairs"], second["transport"], second["years"]) == \
        ("own", "", "", "2")


def test_responses_csv_never_carries_a_phone_number(client, db, login, make_survey) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey()
    answer(survey, "web", "en", {"tenure": "2", "comments": "call me at (206) 555-0100 or jo@example.org"})
    answer(survey, "web", "en", {"tenure": "2", "comments": "+52 55 1234 5678, or 555-0142 after 6"})
    answer(survey, "web", "en", {"tenure": "1", "comments": "=HYPERLINK(\"http://x.test\")"})
    respondent = responses.consent_to_followup(_latest_response(db), "(425) 555-0199", "en")
    db.commit()
    login("admin")
    body = client.get(f"/staff/surveys/{survey.id}/responses.csv").get_data(as_text=True)
    comments = [row[-1] for row in csv.reader(io.StringIO(body))][1:]
    assert comments == ["call me at [removed] or [removed]", "[removed], or [removed] after 6",
                        "'=HYPERLINK(\"http://x.test\")"]
    for leak in ("555", "0100", "0199"):  # in what residents wrote (ids may hold these digits)
        assert not any(leak in comment for comment in comments)
    for leak in ("4255550199", "2065550100", "555-01", "(206)", "(425)", "example.org",
                 respondent.phone_hash):
        assert leak not in body
    assert db.get(Respondent, respondent.id).phone_encrypted, "the consented number is kept, not exported"


def test_scrub_leaves_ordinary_words_and_figures() -> None:
    text = "Rent went up 200 dollars in 2024; 3 kids, zip 98118. Email: a.b+c@mail.example.com"
    assert exports.scrub(text, "US") == \
        "Rent went up 200 dollars in 2024; 3 kids, zip 98118. Email: [removed]"


def test_responses_csv_streams_in_batches(client, db, login, make_survey, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey()
    for years in range(5):
        answer(survey, "web", "en", {"tenure": "2", "years": str(years)})
    db.commit()
    login("staff")
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    response = client.get(f"/staff/surveys/{survey.id}/responses.csv")
    assert response.is_streamed
    assert "Content-Length" not in response.headers, "written as it goes, not built first"
    assert response.headers["Cache-Control"] == "no-store"
    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        header, *lines = _csv(response)
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    assert [line[header.index("years")] for line in lines] == ["0", "1", "2", "3", "4"]
    answer_queries = [s for s in statements if "FROM answer" in s]
    assert len(answer_queries) == 3, "five responses, two at a time: one answers query per batch"


def test_each_download_is_on_record(client, db, login, make_survey) -> None:  # type: ignore[no-untyped-def]
    from engage.audit.models import AuditEvent

    survey = make_survey()
    for _ in range(3):
        answer(survey, "sms", "en", {"tenure": "2"})
    answer(survey, "web", "en", {"tenure": "1"})
    db.commit()
    user = login("staff")
    response = client.get(f"/staff/surveys/{survey.id}/responses.csv?channel=sms")
    db.rollback()  # committed by the view before it streamed: a rollback keeps it
    [logged] = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.responses")).all()
    assert (logged.user_id, logged.subject, logged.detail) == (user.id, "survey:housing", {"rows": 3})
    assert utcnow() - logged.at < timedelta(minutes=1)
    assert len(_csv(response)) == 1 + 3, "the rows on record are the rows sent"


@pytest.mark.parametrize("role", ["viewer", "planner"])
def test_viewers_and_planners_cannot_download_responses(client, db, login, make_survey, role) -> None:  # type: ignore[no-untyped-def]
    from engage.audit.models import AuditEvent

    survey = make_survey()
    login(role)
    assert client.get(f"/staff/surveys/{survey.id}/responses.csv").status_code == 403
    assert client.get(f"/staff/surveys/{survey.id}/codebook.csv").status_code == 403
    assert client.get(f"/staff/surveys/{survey.id}/results.xlsx").status_code == 200
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "export.responses")).all() == []


def test_anonymous_visitors_are_sent_to_sign_in(client, make_survey) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey()
    for url in (f"/staff/surveys/{survey.id}/responses.csv", f"/staff/surveys/{survey.id}/results.xlsx",
                f"/staff/surveys/{survey.id}/codebook.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.location


def test_an_unknown_survey_is_not_found(client, db, login) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    assert client.get("/staff/surveys/999999/responses.csv").status_code == 404
    assert client.get("/staff/surveys/999999/results.xlsx").status_code == 404
    assert client.get("/staff/surveys/999999/codebook.csv").status_code == 404
