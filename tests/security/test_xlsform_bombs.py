"""Hostile XLSForm uploads: every one is refused with a clear message and nothing saved,
and the work spent on it is bounded by the caps in xlsform/format.py. The bounds are
asserted on what the reader does (which zip parts it unpacks, how many bytes it draws
from each), never on the clock; real forms, large ones included, still import."""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import cache
from xml.sax.saxutils import escape

import pytest
from defusedxml import DefusedXmlException
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from engage.surveys.models import Survey
from engage.surveys.xlsform import XLSFormError, read_xlsform
from engage.surveys.xlsform import format as caps
from engage.surveys.xlsform.workbook import CHUNK, Capped, read_sheets
from tests.surveys.test_xlsform import _run, _upload, counts, form, workbook

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SPREADSHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SHARED, SURVEY_PART = "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"
NOT_XLSX = "This is not an Excel workbook (.xlsx)"
TOO_LARGE = "The workbook is too large once unpacked"
ODDLY_PACKED = "The workbook is not packed the way spreadsheet programs pack it"
LANGUAGES = ["English (en)", "Español (es)", "Tiếng Việt (vi)", "中文 (zh-Hans)", "العربية (ar)",
             "Soomaali (so)"]

Rows = list[list[str]]


# -- workbooks -----------------------------------------------------------------------------

def zipped(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def repack(data: bytes, compression: int = zipfile.ZIP_DEFLATED, **parts: bytes) -> bytes:
    """The workbook with parts replaced (``survey=`` for the first sheet)."""
    names = {"survey": SURVEY_PART, "shared": SHARED}
    return zipped({**members(data), **{names.get(k, k): v for k, v in parts.items()}}, compression)


def shared_strings(body: bytes) -> bytes:
    return f"<sst {MAIN}>".encode() + body + b"</sst>"


def with_shared_strings(data: bytes, body: bytes) -> bytes:
    """An openpyxl workbook (its texts inline) given a sharedStrings.xml too, found through
    its relationship (as Engage finds it) and its content type (as openpyxl does)."""
    parts = members(data)
    rels, types = "xl/_rels/workbook.xml.rels", "[Content_Types].xml"
    return repack(data, shared=shared_strings(body), **{
        rels: parts[rels].replace(b"</Relationships>", (
            f'<Relationship Id="rIdS" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>").encode()),
        types: parts[types].replace(b"</Types>", (
            f'<Override PartName="/{SHARED}" ContentType="{SPREADSHEETML}.sharedStrings+xml"/>'
            "</Types>").encode())})


def excel_workbook(sheets: dict[str, Rows]) -> bytes:
    """A workbook as Excel writes one: each text once in sharedStrings.xml, the cells
    pointing at it, and the parts found through their relationships."""
    strings: dict[str, int] = {}

    def cell(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="s"><v>{strings.setdefault(text, len(strings))}</v></c>'

    parts: dict[str, bytes] = {}
    for n, rows in enumerate(sheets.values(), start=1):
        body = "".join(f'<row r="{r}">' + "".join(cell(f"{get_column_letter(c)}{r}", text)
                                                  for c, text in enumerate(row, start=1) if text)
                       + "</row>" for r, row in enumerate(rows, start=1))
        parts[f"xl/worksheets/sheet{n}.xml"] = f"<worksheet {MAIN}><sheetData>{body}</sheetData></worksheet>".encode()
    parts[SHARED] = shared_strings("".join(f"<si><t>{escape(s)}</t></si>" for s in strings).encode())
    sheet_list = "".join(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
                         for n, name in enumerate(sheets, start=1))
    parts["xl/workbook.xml"] = (f'<workbook {MAIN} xmlns:r="{DOC}"><sheets>{sheet_list}</sheets>'
                                "</workbook>").encode()
    related = "".join(f'<Relationship Id="rId{n}" Type="{DOC}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                      for n in range(1, len(sheets) + 1))
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{RELS}">{related}<Relationship Id="rIdS" Type="{DOC}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>').encode()
    parts["_rels/.rels"] = (f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
                            f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode()
    overrides = "".join(f'<Override PartName="/{name}" ContentType="{SPREADSHEETML}.worksheet+xml"/>'
                        for name in parts if name.startswith("xl/worksheets/"))
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEETML}.sheet.main+xml"/>'
        f'<Override PartName="/{SHARED}" ContentType="{SPREADSHEETML}.sharedStrings+xml"/>{overrides}'
        "</Types>").encode()
    return zipped(parts)


def big_form(choices: int, label: Callable[[int, str], str], questions: int = 1) -> dict[str, Rows]:
    """A select_one (asked ``questions`` times) of ``choices`` choices, labelled in six languages."""
    headers = [f"label::{language}" for language in LANGUAGES]
    survey = [["type", "name", *headers]] + [
        ["select_one places", f"place{q}", *(f"Where? ({language})" for language in LANGUAGES)]
        for q in range(1, questions + 1)]
    options = [["list_name", "name", *headers]] + [
        ["places", f"p{i}", *(label(i, language) for language in LANGUAGES)] for i in range(1, choices + 1)]
    return {"survey": survey, "choices": options,
            "settings": [["form_id", "default_language"], ["big-form", "English (en)"]]}


def spread(data: bytes, name: str, size: int) -> bytes:
    """The archive with part ``name`` declaring ``size`` unpacked bytes in both its headers."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local, central = archive.getinfo(name).header_offset, archive.start_dir
    struct.pack_into("<I", out, local + 22, size)
    while data[central + 46:central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", out, central + 24, size)
    return bytes(out)


def sheet_with(rows: bytes) -> bytes:
    """The multilingual form's survey sheet with rows added at its end."""
    survey = members(form())[SURVEY_PART]
    return repack(form(), survey=survey.replace(b"</sheetData>", rows + b"</sheetData>"))


def shared_strings_bomb() -> bytes:
    """The review's workbook: a 100 KB upload whose sharedStrings.xml holds 2.3 million
    strings, 39 MB, which openpyxl took half a minute or more to read."""
    block = b"<si><t>a</t></si>" * 399
    return with_shared_strings(form(), b"".join(block + b"<si><t>%d</t></si>" % i for i in range(5_800)))


# -- what the reader unpacks ----------------------------------------------------------------

@pytest.fixture
def unpacked(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Bytes drawn out of each zip part by whoever opens it, from now on."""
    drawn: dict[str, int] = {}
    real_open = zipfile.ZipFile.open

    def spying_open(self, name, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        stream = real_open(self, name, mode, *args, **kwargs)
        if mode == "r":
            part = name.filename if isinstance(name, zipfile.ZipInfo) else name
            drawn.setdefault(part, 0)
            read = stream.read

            def counting_read(size: int = -1) -> bytes:
                data = read(size)
                drawn[part] += len(data)
                return data

            stream.read = counting_read
        return stream

    monkeypatch.setattr(zipfile.ZipFile, "open", spying_open)
    return drawn


def refused(client, db, data: bytes, message: str) -> str:  # type: ignore[no-untyped-def]
    """Upload through the staff page: a 422 naming the problem, and nothing saved."""
    before = counts(db)
    response = _upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    assert message in page
    assert counts(db) == before
    assert db.scalar(select(Survey).where(Survey.slug == "housing-2026")) is None
    return page


# -- refused from the zip's directory, before anything is unpacked ---------------------------

def test_the_shared_strings_bomb_is_refused_unread(client, db, login, unpacked) -> None:
    data = shared_strings_bomb()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHARED)
    assert len(data) < 150_000 and info.file_size > 39_000_000, "the review's proportions"
    login("staff")
    unpacked.clear()

    refused(client, db, data, TOO_LARGE)

    assert unpacked.get(SHARED, 0) == 0, "refused from the zip's directory alone"


@pytest.mark.parametrize(("case", "message"), [
    ("many parts", ODDLY_PACKED),
    ("inflates too far", ODDLY_PACKED),
    ("too large in all", TOO_LARGE),
])
def test_refused_from_the_directory(client, db, login, unpacked, case: str, message: str) -> None:
    extra = {
        "many parts": {f"xl/media/image{i}.png": b"" for i in range(caps.MAX_MEMBERS)},
        # 2 MB of one repeated byte packs to 2 KB: a thousandfold.
        "inflates too far": {"xl/media/image1.png": b"\0" * (2 * caps.MB)},
        # Parts small enough to inflate freely, but too many megabytes in all.
        "too large in all": {f"xl/media/part{i}.bin": b"\0" * caps.RATIO_GRACE_BYTES
                             for i in range(caps.MAX_UNZIPPED_BYTES // caps.RATIO_GRACE_BYTES + 1)},
    }[case]
    data = repack(form(), **extra)
    login("staff")
    unpacked.clear()

    refused(client, db, data, message)

    assert sum(unpacked.values()) == 0, "nothing unpacked"


def test_the_command_refuses_the_bomb_too(app, db, tmp_path, unpacked) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(shared_strings_bomb())
    unpacked.clear()
    before = counts(db)

    result = _run(app, ["import-survey", str(path)])

    assert result.exit_code != 0 and TOO_LARGE in result.output
    assert counts(db) == before and unpacked.get(SHARED, 0) == 0


# -- refused while unpacking: reading stops at the cap ----------------------------------------

def test_a_part_is_never_read_past_its_cap() -> None:
    drawn = 0

    class Endless:
        """A part that inflates forever, whatever its header said."""

        def read(self, size: int) -> bytes:
            nonlocal drawn
            drawn += size
            return b"x" * size

    stream = Capped(Endless(), cap=100_000)  # type: ignore[arg-type]
    with pytest.raises(XLSFormError, match=TOO_LARGE):
        while stream.read(CHUNK):
            pass
    assert drawn == 100_001


def test_a_part_lying_about_its_size_is_cut_where_it_said(client, db, login, unpacked) -> None:
    data = spread(shared_strings_bomb(), SHARED, 1_000_000)  # says 1 MB, holds 39 MB
    login("staff")
    unpacked.clear()

    refused(client, db, data, NOT_XLSX)  # its checksum fails at the declared end

    assert unpacked[SHARED] <= 1_000_000


def over_cap(case: str) -> tuple[str, bytes, bytes]:
    """A form with one part a little over a cap (packing as ordinary text does): the part,
    the workbook, and the element past the cap, each element being unique."""
    if case == "texts":
        items = [b"<si><t>%x</t></si>" % i for i in range(caps.MAX_SHARED_STRINGS + 20_000)]
        return SHARED, with_shared_strings(form(), b"".join(items)), items[caps.MAX_SHARED_STRINGS]
    if case == "empty cells":
        items = [b'<c r="%s%d"/>' % (get_column_letter(i % 100 + 1).encode(), 12 + i // 100)
                 for i in range(caps.MAX_CELLS + 20_000)]
        rows = b"".join(b'<row r="%d">' % (12 + r) + b"".join(items[r * 100:r * 100 + 100]) + b"</row>"
                        for r in range(len(items) // 100))
        return SURVEY_PART, sheet_with(rows), items[caps.MAX_CELLS]
    items = [b'<x n="%d"/>' % i for i in range(caps.MAX_ELEMENTS + 20_000)]
    return SURVEY_PART, sheet_with(b"".join(items)), items[caps.MAX_ELEMENTS]


@pytest.mark.parametrize(("case", "message"), [
    ("texts", f"more than {caps.MAX_SHARED_STRINGS} different texts"),
    ("empty cells", f"Sheet “survey”: The sheet has more than {caps.MAX_CELLS} cells"),
    ("elements", "The workbook holds more than a survey form needs"),
])
def test_reading_stops_at_a_cap(client, db, login, unpacked, case: str, message: str) -> None:
    """Read no further than the element past the cap, and one chunk of unpacking ahead."""
    part, data, past = over_cap(case)
    whole = members(data)[part]
    login("staff")
    unpacked.clear()

    refused(client, db, data, message)

    assert unpacked[part] <= whole.index(past) + len(past) + CHUNK < len(whole)


# -- what a sheet claims costs nothing; what it holds is bounded ------------------------------

def test_a_claimed_dimension_costs_nothing(client, db, login) -> None:
    """openpyxl padded every row to the sheet's claimed width (A1:XFD1048576: 16,384
    cells) and filled the gap down to row 5,000: eight seconds for a dozen rows."""
    survey = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>',
                    members(form())[SURVEY_PART])
    far_down = b"".join(b'<c r="%s5000" t="inlineStr"><is><t>%s</t></is></c>' % cell
                        for cell in [(b"A", b"note"), (b"B", b"far"), (b"C", b"Far down")])
    data = repack(form(), survey=survey.replace(b"</sheetData>", b'<row r="5000">' + far_down + b"</row></sheetData>"))

    rows = read_sheets(data, ["survey"])["survey"]
    assert len(rows) == 12 and max(len(values) for _number, values in rows) == 17, "no padding"

    login("staff")
    response = _upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    survey_row = db.scalar(select(Survey).where(Survey.slug == "housing-2026"))
    assert [q.key for q in survey_row.questions][-1] == "far"


@pytest.mark.parametrize(("row", "message"), [
    (b'<row r="12"><c r="XFD12" t="inlineStr"><is><t>far</t></is></c></row>', f"more than {caps.MAX_COLUMNS} columns"),
    (b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>far</t></is></c></row>', f"more than {caps.MAX_ROWS} rows"),
], ids=["column XFD", "row 1048576"])
def test_a_value_far_out_is_refused(client, db, login, row: bytes, message: str) -> None:
    login("staff")
    refused(client, db, sheet_with(row), message)


def test_empty_rows_and_cells_far_out_cost_nothing() -> None:
    sheets = read_sheets(sheet_with(b'<row r="1048576"><c r="XFD1048576" s="1"/></row>'), ["survey"])
    assert [number for number, _values in sheets["survey"]] == list(range(1, 12))


# -- XML that is not a workbook's --------------------------------------------------------------

LAUGHS = (b'<!DOCTYPE worksheet [<!ENTITY a "lollollollollollollollollollol">'
          + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), b"&%s;" % bytes([97 + i]) * 10) for i in range(9))
          + b"]>")
ENTITIES = {
    "billion laughs": (LAUGHS, b"&j;"),
    "external entity": (b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>', b"&x;"),
}


@pytest.mark.parametrize("case", ENTITIES)
def test_entities_are_refused_before_expanding(client, db, login, case: str) -> None:
    doctype, reference = ENTITIES[case]
    survey = members(form())[SURVEY_PART].replace(b"<t>type</t>", b"<t>" + reference + b"</t>")
    data = repack(form(), survey=doctype + survey)
    with pytest.raises(XLSFormError) as error:
        read_xlsform(io.BytesIO(data))
    assert isinstance(error.value.__cause__, DefusedXmlException), "stopped at the DTD"
    login("staff")
    refused(client, db, data, NOT_XLSX)


@pytest.mark.parametrize("case", ["random bytes", "a zip of something else", "cut short", "no sheets"])
def test_files_that_are_not_workbooks(client, db, login, case: str) -> None:
    data = {
        "random bytes": random.Random(1).randbytes(50_000),
        "a zip of something else": zipped({"readme.txt": b"hello", "data.csv": b"type,name\ntext,q1\n"}),
        "cut short": form()[:len(form()) // 2],
        "no sheets": repack(form(), **{"xl/workbook.xml": f"<workbook {MAIN}/>".encode()}),
    }[case]
    login("staff")
    if case == "no sheets":
        refused(client, db, data, "The workbook has no survey sheet.")
    else:
        refused(client, db, data, NOT_XLSX)


@cache
def _stored_form() -> bytes:
    return repack(form(), zipfile.ZIP_STORED)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_bytes_are_read_or_refused(app, data: st.DataObject) -> None:
    """Random bytes, or a real form (its XML stored unpacked) with bytes changed or cut:
    a form or XLSFormError, never another exception."""
    base = _stored_form()
    edits = st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)), max_size=6)
    changed = edits.map(lambda pairs: bytes(_edited(base, pairs)))
    upload = data.draw(st.one_of(st.binary(max_size=3000), changed,
                                 st.integers(0, len(base)).map(lambda n: base[:n])))
    with suppress(XLSFormError):
        read_xlsform(io.BytesIO(upload))


def _edited(base: bytes, pairs: list[tuple[int, int]]) -> Iterator[int]:
    changes = dict(pairs)
    return (changes.get(i, b) for i, b in enumerate(base))


# -- surveys too large to write ------------------------------------------------------------------

@pytest.mark.parametrize("case", ["questions", "choices"])
def test_a_survey_too_large_to_write_is_refused_where_it_passes_the_cap(client, db, login, case: str) -> None:
    """A few kilobytes can ask a thousand-choice list on a thousand rows: reading stops at
    the row past the cap, so the refused row at the end is never reached."""
    if case == "questions":
        asked, message = caps.MAX_QUESTIONS + 1, f"The survey has more than {caps.MAX_QUESTIONS} questions"
        sheets = big_form(2, lambda i, language: f"Place {i}", questions=asked + 100)
    else:
        asked, message = caps.MAX_CHOICES // 1000 + 1, f"hold more than {caps.MAX_CHOICES} choices in all"
        sheets = big_form(1000, lambda i, language: f"Place {i}", questions=asked + 100)
    sheets["survey"].append(["geopoint", "where", "Where?"])
    login("staff")

    page = refused(client, db, excel_workbook(sheets), message)

    assert f"Sheet “survey”, row {asked + 1}, column “type”: " in page and "geopoint" not in page


def test_a_cell_longer_than_excel_allows_is_refused(client, db, login) -> None:
    data = excel_workbook({"survey": [["type", "name", "label"], ["note", "long", "x" * (caps.MAX_CELL_CHARS + 1)]]})
    login("staff")
    refused(client, db, data, f"Sheet “survey”, row 2: A cell holds more than {caps.MAX_CELL_CHARS} characters")


def test_problems_are_listed_a_page_at_most(client, db, login) -> None:
    """One cell of 5,000 unknown channels made 5,000 problems, each a line of the answer."""
    channels = " ".join(f"c{i}" for i in range(5000))
    login("staff")

    page = refused(client, db, form(**{"settings:2:engage_channels": channels}),
                   f"Reading stopped after {caps.MAX_PROBLEMS} problems")

    assert page.count("Unknown channel") == caps.MAX_PROBLEMS


# -- real forms still import ---------------------------------------------------------------------

def test_a_large_real_form_imports(client, db, login) -> None:
    sheets = big_form(3000, lambda i, language: f"Neighborhood number {i} ({language})")
    data = workbook(sheets["survey"], sheets["choices"], sheets["settings"])
    login("staff")

    response = _upload(client, data)

    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    survey = db.scalar(select(Survey).where(Survey.slug == "big-form"))
    assert len(survey.locales) == 6 and len(survey.questions[0].choices) == 3000
    assert survey.questions[0].choices[-1].label["vi"] == "Neighborhood number 3000 (Tiếng Việt (vi))"


def test_the_largest_form_we_mean_to_take_fits_every_cap() -> None:
    """5,000 choices with 200-character labels in six languages, as Excel writes them."""
    words = ["vivienda", "nhà ở", "住房", "السكن", "guri", "housing", "alquiler", "thuê"]
    pick = random.Random(5)
    data = excel_workbook(big_form(5000, lambda i, language: " ".join(pick.choices(words, k=40))[:200]))
    assert len(data) < caps.MAX_BYTES

    imported = read_xlsform(io.BytesIO(data))

    assert len(imported.questions[0].choices) == 5000
    assert imported.survey.locales == ["en", "es", "vi", "zh_Hans", "ar", "so"]


@pytest.mark.parametrize("case", ["openpyxl", "excel"])
def test_cells_read_as_openpyxl_reads_them(case: str) -> None:
    """The reader that replaced openpyxl's for imports gives the same values."""
    sheets = big_form(20, lambda i, language: f" Choice {i} & <{language}> ")
    sheets["choices"][3][2:4] = ["", "TRUE"]
    typed = {"settings:2:version": 2026010101, "survey:9:required": True, "choices:2:engage_order": 1.5}
    data = form(**typed) if case == "openpyxl" else excel_workbook(sheets)
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    expected = {}
    for ws in book.worksheets:
        rows = [(n, tuple(row)) for n, row in enumerate(ws.iter_rows(values_only=True), start=1)]
        expected[ws.title] = [(n, _trimmed(row)) for n, row in rows if any(v is not None for v in row)]

    assert read_sheets(data, list(expected)) == expected


def _trimmed(row: tuple[object, ...]) -> tuple[object, ...]:
    while row and row[-1] is None:
        row = row[:-1]
    return row
