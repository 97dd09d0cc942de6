"""Opening a workbook safely and reading its sheets, languages and cells."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from engage.core.i18n import _l, is_valid_code, language_name, normalise_code
from engage.demographics.standard import DIMENSIONS
from engage.surveys.models import Channel
from engage.surveys.xlsform.format import (
    CODE_IN_NAME,
    COLUMN_ALIASES,
    LANGUAGE_NAMES,
    MAX_BYTES,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    TEXT_COLUMNS,
    Problem,
    XLSFormError,
    unknown_language,
)

# -- reading the workbook ------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    index: int
    header: str  # as written
    name: str  # lower case, before "::"
    language: str | None  # after "::", as written


@dataclass(frozen=True)
class Row:
    number: int
    cells: tuple[str, ...]


@dataclass
class Sheet:
    name: str
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    #: Language code of each text column, by column index.
    codes: dict[int, str] = field(default_factory=dict)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name and c.language is None), None)

    def header(self, name: str) -> str:
        found = self.column(name) or next((c for c in self.columns if c.name == name), None)
        return found.header if found else name

    def text_columns(self, name: str) -> list[Column]:
        return [c for c in self.columns if c.name == name and c.index in self.codes]


@dataclass
class Cells:
    """One row of a sheet, with the problem list its refusals go to."""

    sheet: Sheet
    row: Row
    problems: list[Problem]

    def get(self, name: str) -> str:
        column = self.sheet.column(name)
        return _cell(self.row.cells, column.index) if column else ""

    def texts(self, name: str) -> dict[str, str]:
        """``{locale: text}`` from the column's language variants, blanks left out."""
        texts = {self.sheet.codes[c.index]: _cell(self.row.cells, c.index)
                 for c in self.sheet.text_columns(name)}
        return {code: text for code, text in texts.items() if text}

    def refuse(self, name: str, message: object) -> None:
        self.problems.append(Problem(self.sheet.name, self.row.number, self.sheet.header(name),
                                     message))


def _cell(cells: tuple[str, ...], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _text(value: object) -> str:
    """A cell as text: Excel turns "1" into 1.0 and "yes" typed as TRUE into a boolean."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column(index: int, header: str) -> Column:
    name, _sep, language = header.partition("::")
    name = re.sub(r"\s+", " ", name.strip().lower())
    return Column(index, header, COLUMN_ALIASES.get(name, name),
                  language.strip() if _sep else None)


def _sheet(name: str, worksheet: Any) -> Sheet:
    rows = worksheet.iter_rows(values_only=True)
    headers = [_text(v) for v in next(rows, ())]
    sheet = Sheet(name, [_column(i, h) for i, h in enumerate(headers) if h])
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise XLSFormError([Problem(name, None, None, _l(
                "The sheet has more than %(count)s rows.", count=MAX_ROWS))])
        cells = tuple(_text(v) for v in values)
        if any(cells):
            sheet.rows.append(Row(number, cells))
    return sheet


def open_workbook(fileobj: IO[bytes]) -> dict[str, Sheet]:
    data = fileobj.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise XLSFormError([Problem(None, None, None, _l(
            "The file is larger than %(size)s MB.", size=MAX_BYTES // (1024 * 1024)))])
    not_xlsx = XLSFormError([Problem(None, None, None, _l(
        "This is not an Excel workbook (.xlsx). Save the form as .xlsx and try again."))])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise not_xlsx
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as err:
        raise not_xlsx from err
    try:
        return {ws.title.strip().lower(): _sheet(ws.title.strip().lower(), ws)
                for ws in book.worksheets}
    finally:
        book.close()


# -- languages -----------------------------------------------------------------------

def language_code(text: str) -> str | None:
    """The locale code in a language column: ``Español (es)``, ``es`` or ``Spanish``."""
    match = CODE_IN_NAME.search(text)
    if match and is_valid_code(match.group(1)):
        return normalise_code(match.group(1))
    name = text.strip().lower()
    if name in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[name]
    return normalise_code(name) if name and is_valid_code(name) else None


def language_label(code: str) -> str:
    """``Español (es)``: the name for people, the code (BCP 47) for ODK and for us."""
    return f"{language_name(code)} ({code.replace('_', '-')})"


def language_header(column: str, code: str) -> str:
    return f"{column}::{language_label(code)}"


def default_language(settings: Sheet, values: Row, sheets: Sequence[Sheet],
                      problems: list[Problem]) -> str:
    """The settings' default_language; else English for plain ``label`` columns; else
    the first language any text column names."""
    cells = Cells(settings, values, problems)
    written = cells.get("default_language")
    if written:
        code = language_code(written)
        if code:
            return code
        cells.refuse("default_language", unknown_language(written))
    columns = [c for s in sheets for c in s.columns if c.name in TEXT_COLUMNS[s.name]]
    if any(c.language is None for c in columns):
        return "en"
    codes = [language_code(c.language or "") for c in columns]
    return next((c for c in codes if c), "en")


def resolve_languages(sheet: Sheet, default: str, problems: list[Problem]) -> list[str]:
    """Give each text column its code (plain ones: the default language); refuse
    unknown languages and two columns for one text in one language."""
    seen: dict[tuple[str, str], Column] = {}
    for column in sheet.columns:
        if column.name not in TEXT_COLUMNS[sheet.name]:
            continue
        code = default if column.language is None else language_code(column.language)
        if code is None:
            problems.append(Problem(sheet.name, 1, column.header,
                                    unknown_language(column.language)))
        elif (column.name, code) in seen:
            problems.append(Problem(sheet.name, 1, column.header, _l(
                "The column %(other)s already gives these texts in %(language)s.",
                other=seen[column.name, code].header, language=language_name(code))))
        else:
            seen[column.name, code] = column
            sheet.codes[column.index] = code
    return list(sheet.codes.values())


# -- small cell rules ----------------------------------------------------------------

def parse_flag(text: str) -> bool | None:
    """XLSForm's yes/no spellings; None for anything else."""
    folded = text.strip().lower()
    if folded in ("yes", "true", "1", "true()"):
        return True
    if folded in ("", "no", "false", "0", "false()"):
        return False
    return None


def cell_flag(cells: Cells, name: str) -> bool:
    value = parse_flag(cells.get(name))
    if value is None:
        cells.refuse(name, _l("Write yes or no."))
    return bool(value)


def cell_channels(cells: Cells, name: str) -> list[str]:
    words = cells.get(name).replace(",", " ").lower().split()
    known = [c.value for c in Channel]
    for word in words:
        if word not in known:
            cells.refuse(name, _l("Unknown channel %(channel)s: use web, sms or voice.",
                                  channel=word))
    return [w for w in known if w in words]


def cell_number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def number_text(number: float) -> str:
    return str(cell_number(str(number)))


def known_dimensions() -> set[str]:
    return {q.dimension for d in DIMENSIONS.values() for q in d.questions if q.dimension}
