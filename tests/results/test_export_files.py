"""Exports people can open: every text cell safe from formulas in every file, CSV in
UTF-8 with one byte order mark, percents, hidden figures marked with a legend, a wide
crosstab with the groups as columns, and a codebook for the individual responses."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from engage.responses.models import Answer, Response
from engage.results import exports
from engage.surveys import operations
from engage.surveys.models import Survey
from engage.surveys.operations import ChoiceData, QuestionData
from engage.surveys.queries import survey_spec
from tests.factories import survey_data
from tests.results.test_results import answer

BOM = b"\xef\xbb\xbf"
LINK = '=HYPERLINK("http://x","y")'
LINK_ES = '=HIPERVINCULO("http://x","y")'
PROMPT = "@SUM(A1) Which one?"


def _question_data() -> list[QuestionData]:
    return [
        QuestionData("single_choice", {"en": PROMPT, "es": "¿Cuál?", "vi": "Cái nào?"}, key="pick",
                     choices=[ChoiceData({"en": LINK, "es": LINK_ES, "vi": LINK}, "link"),
                              ChoiceData({"en": "Plain", "es": "Sencillo", "vi": "Đơn giản"}, "plain")]),
        QuestionData("yes_no", {"en": "Fine?", "es": "¿Bien?", "vi": "Ổn?"}, key="fine"),
        QuestionData("number", {"en": "Change?", "es": "¿Cambio?", "vi": "Thay đổi?"}, key="change",
                     minimum=-10, maximum=10),
        QuestionData("free_text", {"en": "Anything?", "es": "¿Algo?", "vi": "Gì nữa?"}, key="note",
                     max_length=200),
    ]


@pytest.fixture
def make_export_survey(db) -> Callable[..., Survey]:  # type: ignore[no-untyped-def]
    def make(locales: tuple[str, ...] = ("en", "es")) -> Survey:
        survey = operations.create_survey(survey_data("exports", locales=list(locales)))
        for question in _question_data():
            operations.add_question(survey, question)
        operations.publish_survey(survey)
        db.commit()
        return survey

    return make


def _bytes(client, url: str) -> bytes:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data()


def _rows(body: bytes) -> list[dict[str, str]]:
    """A CSV download's lines as dicts, after checking its one byte order mark."""
    assert body.startswith(BOM) and body.count(BOM) == 1
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _sheet(body: bytes, name: str) -> list[tuple[object, ...]]:
    return list(load_workbook(io.BytesIO(body))[name].iter_rows(values_only=True))


# --- no formulas, anywhere ------------------------------------------------------------

def test_every_export_neutralises_formulas_and_keeps_numbers(client, db, login,  # type: ignore[no-untyped-def]
                                                             make_export_survey) -> None:
    survey = make_export_survey()
    for _ in range(12):
        answer(survey, "web", "en", {"pick": "1", "fine": "1", "change": "-3", "note": "+1 555"})
    for _ in range(12):
        answer(survey, "sms", "es", {"pick": "2", "fine": "2", "change": "-3", "note": "@SUM(A1)"})
    db.commit()
    login("staff")
    base = f"/staff/surveys/{survey.id}"

    results = _rows(_bytes(client, f"{base}/results.csv"))
    link = next(r for r in results if r["answer"] == "link")
    assert (link["prompt"], link["answer_label"], link["count"], link["percent"]) == \
        ("'" + PROMPT, "'" + LINK, "12", "50.0")
    mean = next(r for r in results if r["question"] == "change")
    assert mean["mean"] == "-3.0", "a negative number stays a number"

    book = _bytes(client, f"{base}/results.xlsx")
    long = _sheet(book, "results")
    assert long[1][:3] == ("pick", "'" + PROMPT, "all") and long[1][6] == "'" + LINK
    assert next(r for r in long if r[0] == "change")[11] == -3
    wide = _sheet(book, "crosstab")
    assert any(r[0] == "'" + PROMPT for r in wide), "the block's title, neutralised"
    assert next(r for r in wide if r[0] == "'" + LINK)[1:3] == (50.0, 12)
    assert next(r for r in wide if r[0] == "Mean")[1] == -3
    cells = [c for row in load_workbook(io.BytesIO(book))["crosstab"].iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)

    responses = _rows(_bytes(client, f"{base}/responses.csv"))
    assert [(r["pick"], r["fine"], r["change"], r["note"]) for r in responses] == \
        [("link", "yes", "-3", "'+1 555")] * 12 + [("plain", "no", "-3", "'@SUM(A1)")] * 12

    codebook = _rows(_bytes(client, f"{base}/codebook.csv"))
    pick = [r for r in codebook if r["column"] == "pick"]
    assert (pick[0]["en"], pick[0]["es"]) == ("'" + PROMPT, "¿Cuál?")
    assert (pick[1]["code"], pick[1]["en"], pick[1]["es"]) == ("link", "'" + LINK, "'" + LINK_ES)


# --- the long table: percents and a marker for hidden figures ---------------------------

def _locale_survey(make_export_survey) -> Survey:  # type: ignore[no-untyped-def]
    """By language: English 20 (10 link, 10 plain), Spanish 12 (all plain), Vietnamese 3:
    hidden, and English or Spanish with it (else 35 - 20 - 12 gives the three away)."""
    survey = make_export_survey(("en", "es", "vi"))
    for pick in ["1"] * 10 + ["2"] * 10:
        answer(survey, "web", "en", {"pick": pick})
    for _ in range(12):
        answer(survey, "web", "es", {"pick": "2"})
    for _ in range(3):
        answer(survey, "web", "vi", {"pick": "2"})
    return survey


def test_results_csv_has_percents_and_marks_hidden_figures(client, db, login,  # type: ignore[no-untyped-def]
                                                           make_export_survey) -> None:
    survey = _locale_survey(make_export_survey)
    db.commit()
    login("viewer")
    rows = _rows(_bytes(client, f"/staff/surveys/{survey.id}/results.csv?by=locale"))
    assert list(rows[0]) == exports.CSV_HEADER
    pick = {(r["group"], r["answer"]): tuple(r[k] for k in ("n", "count", "percent", "hidden", "unreliable"))
            for r in rows if r["question"] == "pick"}
    hidden = ("", "", "", "1", "1")
    assert pick[("vi", "link")] == pick[("vi", "plain")] == hidden
    shown = {"en": {"link": ("20", "10", "50.0", "0", "1"), "plain": ("20", "10", "50.0", "0", "1")},
             "es": {"link": ("12", "0", "0.0", "0", "1"), "plain": ("12", "12", "100.0", "0", "1")}}
    complement = [g for g in shown if pick[(g, "link")] == hidden]
    assert len(complement) == 1 and pick[(complement[0], "plain")] == hidden
    [visible] = set(shown) - set(complement)
    assert {a: pick[(visible, a)] for a in ("link", "plain")} == shown[visible]
    low, high = (float(r[k]) for r in rows if r["group"] == visible and r["answer"] == "plain"
                 for k in ("percent_low", "percent_high"))
    assert 0 < low < float(shown[visible]["plain"][2]) <= high <= 100


def test_crosstab_marks_hidden_cells_and_gives_the_legend(client, db, login,  # type: ignore[no-untyped-def]
                                                          make_export_survey) -> None:
    survey = _locale_survey(make_export_survey)
    db.commit()
    login("viewer")
    book = _bytes(client, f"/staff/surveys/{survey.id}/results.xlsx?by=locale")
    wide = _sheet(book, "crosstab")
    legend = {r[0]: r[1] for r in wide[:2]}
    assert "fewer than 10 respondents" in legend[exports.HIDDEN]
    assert "fewer than 30" in legend[exports.UNRELIABLE].lower()
    header = next(r for r in wide if r[0] == "pick")
    plain = next(r for r in wide if r[0] == "Plain")
    assert header[1::2][:3] == ("English †", "Español †", "Tiếng Việt †"), "unreliable: under 30"
    assert header[6] == exports.HIDDEN and plain[5:7] == (exports.HIDDEN, exports.HIDDEN)
    english, spanish = (20, 50.0, 10), (12, 100.0, 12)  # Plain: 10 of 20, 12 of 12
    shown = [(header[2], *plain[1:3]), (header[4], *plain[3:5])]
    assert shown in ([english, (exports.HIDDEN,) * 3], [(exports.HIDDEN,) * 3, spanish]), \
        "Vietnamese hidden, and one more group so that it cannot be worked out"
    about = {r[0]: r[1] for r in _sheet(book, "about")}
    assert about[exports.HIDDEN] == legend[exports.HIDDEN]
    assert exports.HIDDEN in about["hidden"] and exports.UNRELIABLE in about["unreliable"]
    assert "more than 100" in about["percent"]


def test_crosstab_has_groups_as_columns(client, db, login, make_export_survey) -> None:  # type: ignore[no-untyped-def]
    """Web: 33 (22 link, 11 plain), text: 12 (all plain); nothing small, nothing hidden."""
    survey = make_export_survey()
    for pick in ["1"] * 22 + ["2"] * 11:
        answer(survey, "web", "en", {"pick": pick, "change": "4"})
    for _ in range(12):
        answer(survey, "sms", "en", {"pick": "2", "change": "-2"})
    db.commit()
    login("viewer")
    wide = _sheet(_bytes(client, f"/staff/surveys/{survey.id}/results.xlsx?by=channel"), "crosstab")
    start = wide.index(("'" + PROMPT,) + (None,) * (len(wide[0]) - 1))
    header, units, link, plain = (r[:5] for r in wide[start + 1:start + 5])
    assert header == ("pick", "Web", 33, "SMS †", 12)
    assert units[1:] == ("%", "n", "%", "n")
    assert link == ("'" + LINK, 66.7, 22, 0.0, 0)  # 22/33, 0/12
    assert plain == ("Plain", 33.3, 11, 100.0, 12)  # 11/33, 12/12
    change = wide.index(next(r for r in wide if r[0] == "Change?"))
    assert wide[change + 1][:5] == ("change", "Web", 33, "SMS †", 12)
    assert wide[change + 2][:4] == ("Mean", 4, None, -2)


# --- the codebook -----------------------------------------------------------------------

def test_codebook_lists_codes_and_labels_in_every_language(client, db, login,  # type: ignore[no-untyped-def]
                                                           make_export_survey) -> None:
    survey = make_export_survey()
    login("staff")
    response = client.get(f"/staff/surveys/{survey.id}/codebook.csv")
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    assert 'filename="exports-codebook.csv"' in response.headers["Content-Disposition"]
    rows = _rows(response.get_data())
    assert list(rows[0]) == ["column", "type", "code", "notes", "en", "es"]
    columns = list(dict.fromkeys(r["column"] for r in rows))
    assert columns == exports.responses_header(survey_spec(survey)), "one entry per exported column"
    by_code = {(r["column"], r["code"]): r for r in rows if r["code"]}
    assert (by_code[("pick", "plain")]["en"], by_code[("pick", "plain")]["es"]) == ("Plain", "Sencillo")
    assert (by_code[("fine", "yes")]["en"], by_code[("fine", "yes")]["es"]) == ("Yes", "Sí")
    assert by_code[("channel", "sms")]["notes"] == "SMS" and ("language", "es") in by_code
    question = next(r for r in rows if r["column"] == "change")
    assert (question["type"], question["en"], question["es"]) == ("number", "Change?", "¿Cambio?")
    assert "semicolons" not in question["notes"]
    page = client.get(f"/staff/surveys/{survey.id}/results").get_data(as_text=True)
    assert f"/staff/surveys/{survey.id}/codebook.csv" in page


def test_codebook_needs_the_responses_permission(client, db, login, make_export_survey) -> None:  # type: ignore[no-untyped-def]
    survey = make_export_survey()
    login("viewer")
    assert client.get(f"/staff/surveys/{survey.id}/codebook.csv").status_code == 403
    page = client.get(f"/staff/surveys/{survey.id}/results").get_data(as_text=True)
    assert "codebook.csv" not in page


# --- real sizes -------------------------------------------------------------------------

def _bulk_responses(db, survey: Survey, count: int) -> None:  # type: ignore[no-untyped-def]
    """``count`` complete responses with a number and a written answer each, inserted in
    bulk: walking the engine for thousands would test the engine, not the export."""
    spec = survey_spec(survey)
    db.execute(insert(Response), [
        {"survey_id": survey.id, "token": f"bulk-{i}", "channel": "web", "locale": "en",
         "status": "complete"} for i in range(count)])
    ids = db.scalars(select(Response.id).where(Response.survey_id == survey.id).order_by(Response.id)).all()
    change, note = spec.question("change").id, spec.question("note").id
    db.execute(insert(Answer), [
        {"response_id": rid, "question_id": change, "number": i % 21 - 10} for i, rid in enumerate(ids)]
        + [{"response_id": rid, "question_id": note, "text": "=1+1" if i % 2 else "fine"}
           for i, rid in enumerate(ids)])
    db.commit()


def test_a_large_responses_export_streams_with_one_bom(client, db, login, make_export_survey) -> None:  # type: ignore[no-untyped-def]
    survey = make_export_survey()
    _bulk_responses(db, survey, 3000)
    login("staff")
    response = client.get(f"/staff/surveys/{survey.id}/responses.csv")
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) == 1 + 3, "the header, then three batches of a thousand"
    body = b"".join(chunks)
    assert chunks[0].startswith(BOM) and body.count(BOM) == 1
    rows = _rows(body)
    assert len(rows) == 3000
    assert [r["change"] for r in rows[:12]] == [str(i - 10) for i in range(12)]
    assert {r["note"] for r in rows} == {"fine", "'=1+1"}
