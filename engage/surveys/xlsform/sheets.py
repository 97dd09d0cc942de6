"""Opening a workbook safely and reading its sheets, languages and cells."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO

from engage.core.i18n import _l, is_valid_code, language_name, normalise_code
from engage.demographics.standard import DIMENSIONS
from engage.surveys.models import Channel
from engage.surveys.xlsform.format import (
    CHOICES,
    CODE_IN_NAME,
    COLUMN_ALIASES,
    LANGUAGE_NAMES,
    MAX_BYTES,
    MB,
    SETTINGS,
    SURVEY,
    TEXT_COLUMNS,
    Problem,
    XLSFormError,
    unknown_language,
)
from engage.surveys.xlsform.workbook import RowValues, read_sheets

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

    @cached_property
    def _named(self) -> dict[str, list[Column]]:
        """Columns by name: every cell read looks one up, and a sheet may be wide."""
        named: dict[str, list[Column]] = {}
        for column in self.columns:
            named.setdefault(column.name, []).append(column)
        return named

    def column(self, name: str) -> Column | None:
        return next((c for c in self._named.get(name, ()) if c.language is None), None)

    def header(self, name: str) -> str:
        found = self.column(name) or next(iter(self._named.get(name, ())), None)
        return found.header if found else name

    def text_columns(self, name: str) -> list[Column]:
        return [c for c in self._named.get(name, ()) if c.index in self.codes]


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


def _sheet(name: str, rows: list[RowValues]) -> Sheet:
    headers = next((values for number, values in rows if number == 1), ())
    sheet = Sheet(name, [_column(i, h) for i, h in enumerate(map(_text, headers)) if h])
    for number, values in rows:
        cells = tuple(_text(v) for v in values)
        if number > 1 and any(cells):
            sheet.rows.append(Row(number, cells))
    return sheet


def open_workbook(fileobj: IO[bytes]) -> dict[str, Sheet]:
    """The survey, choices and settings sheets of an uploaded workbook, read within the
    caps of :mod:`~engage.surveys.xlsform.format`."""
    data = fileobj.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise XLSFormError([Problem(None, None, None, _l(
            "The file is larger than %(size)s MB.", size=MAX_BYTES // MB))])
    return {name: _sheet(name, rows)
            for name, rows in read_sheets(data, (SURVEY, CHOICES, SETTINGS)).items()}


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
