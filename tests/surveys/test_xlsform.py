"""XLSForm import and export: real multilingual forms in, pyxform-valid workbooks out, a
lossless round trip, refusals that name sheet, row and column, and the page and commands."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from pyxform.xls2xform import convert
from sqlalchemy import func, select

from engage.org.models import Area
from engage.surveys import operations
from engage.surveys.models import Choice, Question, Survey
from engage.surveys.operations import ChoiceData, QuestionData
from engage.surveys.queries import survey_spec
from engage.surveys.xlsform import (
    MAX_BYTES,
    XLSX_MIMETYPE,
    XLSFormError,
    export_survey,
    import_survey,
    language_code,
    parse_constraint,
    parse_relevant,
    read_xlsform,
    relevant_expression,
)
from tests.conftest import csrf_token

XFORMS = "{http://www.w3.org/2002/xforms}"


Rows = list[list[object]]

# -- a real multilingual XLSForm, as Kobo users write them -----------------------------

EN, ES, VI = "English (en)", "Español (es)", "Vietnamese"  # the last one without a code


def survey_sheet() -> Rows:
    return [
        ["type", "name", f"label::{EN}", f"label::{ES}", f"label::{VI}", f"hint::{EN}",
         f"hint::{ES}", f"hint::{VI}", "Required", "relevant", "constraint", "constraint_message", "parameters", "appearance",
         f"engage_low_label::{EN}", f"engage_low_label::{ES}", f"engage_low_label::{VI}"],
        ["start", "start"],
        ["begin_group", "home", "Your home", "Su hogar", "Nhà của bạn"],
        ["select_one tenure", "tenure", "Own or rent?", "¿Dueño o alquila?", "Sở hữu hay thuê?",
         "Choose one", "Elija una", "Chọn một", "yes"],
        ["range", "repairs", "Rate repairs", "Califique", "Đánh giá", "", "", "", "", "${tenure} = 'rent'",
         "", "", "start=1 end=5 step=1", "likert", "Bad", "Malo", "Tệ"],
        ["end_group"],
        ["select_multiple transport", "transport", "Transport", "Transporte", "Đi lại", "", "", "",
         "", "${tenure} != ''"],
        ["integer", "years", "Years here?", "¿Años aquí?", "Bao nhiêu năm?", "", "", "", "TRUE()", "",
         ". >= 0 and . <= 100", "0 to 100"],
        ["text", "comments", "Anything else?", "¿Algo más?", "Điều gì khác?", "", "", "", "",
         "selected(${transport}, 'bus') or ${years} > 5", "string-length(.) <= 200"],
        ["note", "bye", "Thank you", "Gracias", "Cảm ơn"],
        ["end", "end"],
    ]


def choices_sheet() -> Rows:
    return [
        ["list_name", "name", f"label::{EN}", f"label::{ES}", f"label::{VI}"],
        ["tenure", "own", "Own", "Dueño", "Sở hữu"],
        ["tenure", "rent", "Rent", "Alquilo", "Thuê"],
        ["transport", "bus", "Bus", "Autobús", "Xe buýt"],
        ["transport", "walk", "Walk", "A pie", "Đi bộ"],
    ]


def settings_sheet(form_id: str = "housing-2026") -> Rows:
    return [
        ["form_title", f"engage_title::{ES}", f"engage_title::{VI}", "form_id", "version",
         "default_language", f"engage_intro::{EN}", f"engage_intro::{ES}", f"engage_intro::{VI}",
         f"engage_thanks::{EN}", f"engage_thanks::{ES}", f"engage_thanks::{VI}",
         "engage_channels", "engage_sms_keyword"],
        ["Housing", "Vivienda", "Nhà ở", form_id, "2026010101", EN, "Tell us", "Cuéntenos",
         "Hãy cho biết", "Thanks", "Gracias", "Cảm ơn", "web sms", "casa"],
    ]


def workbook(survey: Rows, choices: Rows | None = None, settings: Rows | None = None) -> bytes:
    book = Workbook()
    sheets = [("survey", survey), ("choices", choices), ("settings", settings)]
    book.remove(book.active)
    for title, rows in sheets:
        if rows is not None:
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def form(**edits: object) -> bytes:
    """The multilingual form with cells changed: ``edits`` maps "sheet:row:header" to a
    value (row as Excel numbers it; a header not there yet is added)."""
    sheets = {"survey": survey_sheet(), "choices": choices_sheet(), "settings": settings_sheet()}
    for where, value in edits.items():
        sheet, row, header = where.split(":", 2)
        rows = sheets[sheet]
        if header not in rows[0]:
            rows[0].append(header)
        column = rows[0].index(header)
        while len(rows) < int(row):
            rows.append([])
        target = rows[int(row) - 1]
        target.extend([""] * (column + 1 - len(target)))
        target[column] = value
    return workbook(sheets["survey"], sheets["choices"], sheets["settings"])


def counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return tuple(db.scalar(select(func.count()).select_from(model))  # type: ignore[return-value]
                 for model in (Survey, Question, Choice))


def xform(data: bytes) -> ET.Element:
    return ET.fromstring(convert(xlsform=data, validate=False, file_type=".xlsx").xform)


def _squeeze(xpath: str) -> str:
    """pyxform pads references with spaces: ``selected( /data/a , 'x')``."""
    xpath = " ".join(xpath.split())
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", re.sub(r"\s*,\s*", ",", xpath)))


def binds(root: ET.Element) -> dict[str, dict[str, str]]:
    """Each field's bind attributes, whitespace squeezed, by field name."""
    return {b.get("nodeset", "").rsplit("/", 1)[-1]: {k: _squeeze(v) for k, v in b.items()}
            for b in root.iter(f"{XFORMS}bind")}


# -- import ------------------------------------------------------------------------------

def test_import_a_multilingual_form(db) -> None:
    data = form()
    assert "tenure" in binds(xform(data)), "the fixture itself is a valid XLSForm"

    survey = import_survey(io.BytesIO(data), publish=True)

    assert survey.status == "published", operations.publication_problems(survey)
    assert (survey.slug, survey.default_locale, survey.locales) == ("housing-2026", "en",
                                                                    ["en", "es", "vi"])
    assert survey.title == {"en": "Housing", "es": "Vivienda", "vi": "Nhà ở"}
    assert survey.thanks["vi"] == "Cảm ơn" and survey.channels == ["web", "sms"]
    assert survey.sms_keyword == "CASA"
    spec = survey_spec(survey)
    by_key = {q.key: q for q in spec.questions}
    assert [(q.key, q.type) for q in spec.questions] == [
        ("tenure", "single_choice"), ("repairs", "rating"), ("transport", "multiple_choice"),
        ("years", "number"), ("comments", "free_text"), ("bye", "note")]
    tenure = by_key["tenure"]
    assert tenure.required and tenure.help == {"en": "Choose one", "es": "Elija una", "vi": "Chọn một"}
    assert tenure.prompt == {"en": "Own or rent?", "es": "¿Dueño o alquila?", "vi": "Sở hữu hay thuê?"}
    assert [(c.value, c.label["vi"]) for c in tenure.choices] == [("own", "Sở hữu"), ("rent", "Thuê")]
    assert by_key["repairs"].low_label == {"en": "Bad", "es": "Malo", "vi": "Tệ"}
    assert by_key["repairs"].condition.to_dict() == {
        "mode": "all", "clauses": [{"question": "tenure", "op": "equals", "value": "rent"}]}
    assert by_key["transport"].condition.clauses[0].op == "answered"
    assert (by_key["years"].minimum, by_key["years"].maximum, by_key["years"].required) == (0, 100, True)
    comments = by_key["comments"]
    assert comments.max_length == 200
    assert comments.condition.to_dict() == {"mode": "any", "clauses": [
        {"question": "transport", "op": "equals", "value": "bus"},
        {"question": "years", "op": "gt", "value": 5}]}
    assert comments.visible({"years": 6}) and not comments.visible({"years": 2})


def test_languages_titles_and_plain_label_columns(db) -> None:
    survey_rows = [["type", "name", "label", "label::es"], ["text", "name1", "Name?", "¿Nombre?"]]
    settings = [["form_id", "form_title", "form_title::Español (es)", "engage_publish"],
                ["plain", "Plain", "Sencillo", "yes"]]
    imported = read_xlsform(io.BytesIO(workbook(survey_rows, None, settings)))
    assert imported.survey.locales == ["en", "es"] and imported.publish
    assert imported.survey.title == {"en": "Plain", "es": "Sencillo"}
    assert imported.questions[0].prompt == {"en": "Name?", "es": "¿Nombre?"}


@pytest.mark.parametrize(("text", "expected"), [
    ("${a} = 'x'", ("all", [("a", "equals", "x")])),
    ("${a} != 'x' and ${b} < 3.5", ("all", [("a", "not_equals", "x"), ("b", "lt", 3.5)])),
    ("not(selected(${a}, \"x\")) or (${b} = '')", ("any", [("a", "not_equals", "x"),
                                                           ("b", "not_answered", None)])),
    ("${ a }>-2", ("all", [("a", "gt", -2)])),
])
def test_relevant_expressions(text: str, expected: tuple[str, list[tuple]]) -> None:
    condition = parse_relevant(text)
    assert (condition.mode, [(c.question, c.op, c.value) for c in condition.clauses]) == expected
    types = {"a": "multiple_choice", "b": "number"}
    again = parse_relevant(relevant_expression(condition.to_dict(), types))
    assert again == condition


@pytest.mark.parametrize("text", ["${a} >= 3", "${a} = 'x' and ${b} = 'y' or ${c} = 'z'",
                                  "count-selected(${a}) > 1", "${a} = 'x' and", "selected(${a})",
                                  "${a} = ${b}", "${a} > 'many'"])
def test_unreadable_relevant_expressions(text: str) -> None:
    with pytest.raises(ValueError):
        parse_relevant(text)


def test_constraints() -> None:
    assert parse_constraint(". <= 100 and . >= -1.5") == {"maximum": 100, "minimum": -1.5}
    assert parse_constraint("string-length(.) <= 200") == {"max_length": 200}
    for text in (". > 0", "regex(., '^[0-9]+$')", ". >= 1 and . >= 2", ". >= 1 or . <= 5"):
        with pytest.raises(ValueError):
            parse_constraint(text)


# -- refusals ----------------------------------------------------------------------------

REFUSALS = {
    "bad relevant": ({"survey:5:relevant": "string-length(${tenure}) > 3"}, ("survey", 5, "relevant")),
    "mixed and/or": ({"survey:5:relevant": "${tenure} = 'rent' and ${tenure} = 'own' or ${tenure} = ''"},
                     ("survey", 5, "relevant")),
    "later question": ({"survey:5:relevant": "${years} > 3"}, ("survey", 5, "relevant")),
    "unknown choice": ({"survey:5:relevant": "${tenure} = 'lease'"}, ("survey", 5, "relevant")),
    "unknown type": ({"survey:8:type": "geopoint"}, ("survey", 8, "type")),
    "missing choices list": ({"survey:7:type": "select_multiple colours"}, ("survey", 7, "type")),
    "or_other": ({"survey:7:type": "select_multiple transport or_other"}, ("survey", 7, "type")),
    "repeat": ({"survey:3:type": "begin_repeat", "survey:6:type": "end_repeat"}, ("survey", 3, "type")),
    "duplicate name": ({"survey:9:name": "years"}, ("survey", 9, "name")),
    "bad name": ({"survey:9:name": "2nd"}, ("survey", 9, "name")),
    "group with relevant": ({"survey:3:relevant": "${start} != ''"}, ("survey", 3, "relevant")),
    "bad constraint": ({"survey:8:constraint": ". > 0"}, ("survey", 8, "constraint")),
    "length on a number": ({"survey:8:constraint": "string-length(.) <= 3"},
                           ("survey", 8, "constraint")),
    "range not 1 to 5": ({"survey:5:parameters": "start=0 end=10"}, ("survey", 5, "parameters")),
    "required expression": ({"survey:8:Required": "${tenure} = 'rent'"}, ("survey", 8, "Required")),
    "cascading choices": ({"survey:7:choice_filter": "tenure = ${tenure}"},
                          ("survey", 7, "choice_filter")),
    "unknown dimension": ({"survey:4:engage_dimension": "shoe_size"}, ("survey", 4, "engage_dimension")),
    "yes_no on text": ({"survey:9:engage_type": "yes_no"}, ("survey", 9, "engage_type")),
    "unknown language": ({"survey:4:label::Klingon": "Qo'?"}, ("survey", 1, "label::Klingon")),
    "two English labels": ({"survey:4:label": "Own?"}, ("survey", 1, "label")),
    "duplicate choice": ({"choices:5:name": "bus"}, ("choices", 5, "name")),
    "choice without label": ({"choices:5:label::English (en)": "", "choices:5:label::Español (es)": "",
                              "choices:5:label::Vietnamese": ""}, ("choices", 5, "label::English (en)")),
    "bad form_id": ({"settings:2:form_id": "Housing_2026"}, ("settings", 2, "form_id")),
    "no form_id": ({"settings:2:form_id": ""}, ("settings", 2, "form_id")),
    "unknown channel": ({"settings:2:engage_channels": "web fax"}, ("settings", 2, "engage_channels")),
    "unknown area": ({"settings:2:engage_areas": "atlantis"}, ("settings", 2, "engage_areas")),
    "bad default language": ({"settings:2:default_language": "Elvish"},
                             ("settings", 2, "default_language")),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_refusals_name_sheet_row_and_column(db, case: str) -> None:
    edits, where = REFUSALS[case]
    before = counts(db)
    with pytest.raises(XLSFormError) as refused:
        import_survey(io.BytesIO(form(**edits)))
    assert [(p.sheet, p.row, p.column) for p in refused.value.problems] == [where]
    assert counts(db) == before


def test_every_problem_is_listed_at_once(db) -> None:
    data = form(**{"survey:8:type": "geopoint", "settings:2:form_id": "Bad Id"})
    with pytest.raises(XLSFormError) as refused:
        read_xlsform(io.BytesIO(data))
    assert [str(p) for p in refused.value.problems] == [
        "Sheet “survey”, row 8, column “type”: Engage does not support the type geopoint.",
        "Sheet “settings”, row 2, column “form_id”: The address must be 3 to 64 lower-case "
        "letters, digits or dashes."]


def test_not_a_workbook(db) -> None:
    with pytest.raises(XLSFormError, match="not an Excel workbook"):
        read_xlsform(io.BytesIO(b"type,name\ntext,q1\n"))


# -- export ------------------------------------------------------------------------------

def test_export_converts_with_pyxform(db, make_survey) -> None:
    root = xform(export_survey(make_survey()))

    fields = binds(root)
    for key in ("tenure", "repairs", "transport", "years", "comments"):
        assert key in fields
    assert fields["repairs"]["relevant"] == "/data/tenure = 'rent'"
    assert fields["tenure"]["required"] == "true()"
    assert fields["years"]["constraint"] == ". >= 0 and . <= 100"
    assert fields["comments"]["constraint"] == "string-length(.) <= 200"
    languages = {t.get("lang") for t in root.iter(f"{XFORMS}translation")}
    assert languages == {"English (en)", "Español (es)", "Tiếng Việt (vi)"}
    assert root.find(f".//{XFORMS}range[@ref='/data/repairs']").get("end") == "5"


def _rich_survey(db, make_survey) -> Survey:  # type: ignore[no-untyped-def]
    """make_survey's questions plus every other type, every skip-rule operator, all/any,
    help, dimensions, per-question channels, exclusive and grouped choices, areas."""
    area = Area(slug="northside", name={"en": "Northside"})
    db.add(area)
    db.flush()
    survey = make_survey(publish=False, area_ids=[area.id])
    t = lambda en, es, vi: {"en": en, "es": es, "vi": vi}  # noqa: E731
    clause = lambda q, op, value=None: {"question": q, "op": op, "value": value}  # noqa: E731
    for data in (
        QuestionData("yes_no", t("Moved?", "¿Se mudó?", "Chuyển nhà?"), key="moved",
                     help=t("Last year", "El año pasado", "Năm ngoái"),
                     condition={"mode": "any", "clauses": [clause("tenure", "equals", "rent"),
                                                           clause("years", "gt", 5)]}),
        QuestionData("note", t("Almost done", "Casi", "Gần xong"), key="almost"),
        QuestionData("multiple_choice", t("Race", "Raza", "Chủng tộc"), key="race",
                     dimension="race_ethnicity",
                     choices=[ChoiceData(t("Asian", "Asiático", "Châu Á"), "asian"),
                              ChoiceData(t("Black", "Negro", "Da đen"), "black"),
                              ChoiceData(t("Prefer not", "Prefiero no", "Không muốn"), "prefer_not",
                                         exclusive=True)]),
        QuestionData("multiple_choice", t("Detail", "Detalle", "Chi tiết"), key="detail",
                     dimension="race_ethnicity_detail", channels=["web"],
                     choices=[ChoiceData(t("Chinese", "China", "Trung Quốc"), "asian_chinese",
                                         group="asian"),
                              ChoiceData(t("Haitian", "Haitiana", "Haiti"), "black_haitian",
                                         group="black")],
                     condition={"mode": "any", "clauses": [clause("race", "equals", "asian"),
                                                           clause("race", "equals", "black")]}),
        QuestionData("free_text", t("Why?", "¿Por qué?", "Tại sao?"), key="why", max_length=50,
                     channels=["web", "sms"],
                     condition={"mode": "all", "clauses": [
                         clause("moved", "equals", "yes"), clause("transport", "not_equals", "car"),
                         clause("comments", "answered"), clause("detail", "not_answered"),
                         clause("years", "lt", 2.5), clause("repairs", "equals", "3")]}),
    ):
        operations.add_question(survey, data)
    operations.publish_survey(survey)
    operations.close_survey(survey)  # frees the SMS keyword for the copy, as staff would
    db.commit()
    return survey


def _with_form_id(data: bytes, form_id: str) -> bytes:
    book = load_workbook(io.BytesIO(data))
    settings = book["settings"]
    headers = [c.value for c in settings[1]]
    settings.cell(2, headers.index("form_id") + 1, form_id)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_round_trip_keeps_everything(db, make_survey) -> None:
    original = _rich_survey(db, make_survey)
    data = export_survey(original)
    relevant = {key: bind.get("relevant") for key, bind in binds(xform(data)).items()}
    assert relevant["moved"] == "/data/tenure = 'rent' or /data/years > 5"
    assert relevant["detail"] == "selected(/data/race,'asian') or selected(/data/race,'black')"
    assert relevant["why"] == (
        "/data/moved = 'yes' and not(selected(/data/transport,'car')) and /data/comments != '' "
        "and /data/detail = '' and /data/years < 2.5 and /data/repairs = 3")

    copy = import_survey(io.BytesIO(_with_form_id(data, "housing-copy")))

    assert copy.slug == "housing-copy" and copy.id != original.id
    for name in ("title", "intro", "thanks", "default_locale", "locales", "channels", "sms_keyword"):
        assert getattr(copy, name) == getattr(original, name), name
    assert [a.slug for a in copy.areas] == ["northside"]
    a, b = survey_spec(original), survey_spec(copy)
    assert len(a.questions) == len(b.questions) == 10
    for qa, qb in zip(a.questions, b.questions, strict=True):
        assert qa == qb, qa.key
        assert qa.id != qb.id
    assert [q.channels for q in copy.questions] == [q.channels for q in original.questions]
    assert b.question("why").condition.mode == "all" and len(b.question("why").condition.clauses) == 6
    assert b.question("detail").choices[1].group == "black"
    assert b.question("race").choices[2].exclusive
    assert b.question("moved").type == "yes_no"


# -- the staff pages ---------------------------------------------------------------------

def _upload(client, data: bytes, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/staff/surveys/import").get_data(as_text=True))
    return client.post("/staff/surveys/import", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(data), "housing.xlsx"), **fields})


def test_staff_import_lands_on_the_overview(client, db, login) -> None:
    login("staff")
    page = client.get("/staff/surveys/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and '<label for="file">' in page

    response = _upload(client, form(), publish="y")

    assert response.status_code == 302, response.get_data(as_text=True)
    survey = db.scalar(select(Survey).where(Survey.slug == "housing-2026"))
    assert response.location.endswith(f"/staff/surveys/{survey.id}")
    assert survey.status == "published" and len(survey.questions) == 6
    assert "Own or rent?" in client.get(response.location).get_data(as_text=True)


def test_refused_upload_lists_every_problem_and_keeps_nothing(client, db, login) -> None:
    login("staff")
    before = counts(db)
    # Row 9 reads fine but has one choice: the operations refuse it after rows were added.
    data = form(**{"survey:9:type": "select_one single", "survey:9:constraint": "",
                   "choices:6:list_name": "single",
                   "choices:6:name": "only", "choices:6:label::English (en)": "Only"})

    response = _upload(client, data)

    assert response.status_code == 422
    assert "Sheet “survey”, row 9: Give at least two options." in response.get_data(as_text=True)
    assert counts(db) == before

    response = _upload(client, form(**{"survey:5:relevant": "${tenure} == 'rent'",
                                       "settings:2:form_id": "x"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "row 5, column “relevant”" in page and "row 2, column “form_id”" in page
    assert counts(db) == before


def test_viewers_cannot_import(client, db, login) -> None:
    login("viewer")
    assert client.get("/staff/surveys/import").status_code == 403


def test_download_an_xlsform(client, db, login, make_survey) -> None:
    survey = make_survey()
    login("viewer")
    response = client.get(f"/staff/surveys/{survey.id}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX_MIMETYPE
    assert "housing.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["survey", "choices", "settings"]
    assert [c.value for c in book["settings"][2]][:2] == ["Housing", "Vivienda"]


# -- the commands ------------------------------------------------------------------------

def _run(app, args: Sequence[str]):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["engage", *args])


def test_cli_import_and_export(app, db, tmp_path: Path) -> None:
    path = tmp_path / "housing.xlsx"
    path.write_bytes(form())
    result = _run(app, ["import-survey", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    assert "Imported housing-2026: 6 questions, published." in result.output
    survey = db.scalar(select(Survey).where(Survey.slug == "housing-2026"))
    assert survey.status == "published"

    out = tmp_path / "out.xlsx"
    result = _run(app, ["export-survey", "housing-2026", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["survey"]["B2"].value == "tenure"
    assert _run(app, ["export-survey", "nope", str(out)]).exit_code != 0


def test_cli_refusal_names_the_cell(app, db, tmp_path: Path) -> None:
    before = counts(db)
    path = tmp_path / "bad.xlsx"
    path.write_bytes(form(**{"survey:7:relevant": "${tenure} = 'rent' or ${tenure} = 'own' and 1"}))
    result = _run(app, ["import-survey", str(path)])
    assert result.exit_code != 0
    assert re.search(r"Sheet “survey”, row 7, column “relevant”", result.output), result.output
    assert counts(db) == before


def test_uploads_may_exceed_the_app_wide_request_limit(app, client, db, login) -> None:
    login("staff")
    bigger = app.config["MAX_CONTENT_LENGTH"] + 10_000
    response = _upload(client, bytes(bigger))  # read, then refused as not a workbook
    assert response.status_code == 422 and "not an Excel workbook" in response.get_data(as_text=True)
    assert _upload(client, bytes(MAX_BYTES + 100_000)).status_code == 413, "still bounded"


@pytest.mark.parametrize(("header", "code"), [
    ("Español (es)", "es"), ("es", "es"), ("Spanish", "es"), ("VIETNAMESE", "vi"),
    ("中文（繁體） (zh-Hant)", "zh_Hant"), ("Soomaali (so)", "so"), ("Korean", "ko"),
    ("Klingon", None), ("", None),
])
def test_language_columns(header: str, code: str | None) -> None:
    assert language_code(header) == code
