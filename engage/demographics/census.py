"""Reading a Census Bureau table download from data.census.gov: the zip as downloaded,
or the ``…-Data.csv`` inside it.

A download holds ``ACSDT5Y2023.B03002-Data.csv`` (the figures), ``…-Column-Metadata.csv``
(each code's label, which the Data.csv repeats in its second row) and ``…-Table-Notes.txt``
(prose). Only the Data.csv is read: it carries both codes and labels.

Data.csv has two header rows, the column codes (``GEO_ID,NAME,B03002_001E,B03002_001M,…``)
then their labels (``Geography,Geographic Area Name,Estimate!!Total:,…``), then one row
per geography. Columns ending ``E`` are estimates and ``M`` their 90% margins of error.
Where the Bureau cannot give a figure it writes an annotation code instead (``(X)``, ``N``,
``**``…) or, in files from its API, a "jam value" (``-888888888``…): both are read as "no
value", keeping the annotation, whose meaning :data:`ANNOTATIONS` gives.

Reading is strict, like the XLSForm import: whatever cannot be read with certainty is
refused with the line (numbered as in the file) and the column code to look at, rather
than imported as a zero.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import math
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO

from engage.core.errors import DomainError
from engage.core.i18n import _, _l

#: A table download is at most a few megabytes (every ZCTA of the country is ~15 MB).
MAX_BYTES = 20 * 1024 * 1024
#: A file this wrong is the wrong file: listing more helps nobody.
MAX_PROBLEMS = 100
#: ACS margins of error are 90% intervals: SE = MOE / 1.645.
MOE_Z = 1.645

GEO_ID, NAME = "GEO_ID", "NAME"
ESTIMATE, MARGIN = "E", "M"
#: ``B03002_001E``, ``B01001A_003M``, ``DP05_0001PE``, ``S0101_C01_001E``, ``B03002_001EA``.
CODE_RE = re.compile(
    r"^(?P<table>[A-Z]{1,3}\d{2,6}[A-Z]{0,3})_(?P<variable>[A-Z0-9_]+?)(?P<kind>PE|PM|EA|MA|E|M)$")
#: Kinds whose cells are figures; ``EA``/``MA`` columns only repeat the annotations.
FIGURE_KINDS = frozenset({"E", "M", "PE", "PM"})
#: Summary level, geographic component, ``US``, then the code: ``1400000US53033000100``
#: (tract), ``860Z200US98118`` (ZCTA), ``1600000US5363000`` (place).
GEO_ID_RE = re.compile(r"^\d{3}[0-9A-Z]{4}US[0-9A-Z]*$")
#: ``ACSDT5Y2023.B03002-Data.csv``: the dataset (detailed tables, 5-year, 2023) and table.
DATASET_RE = re.compile(r"(?P<dataset>ACS[A-Z]{2,3}[135]Y\d{4})\.(?P<table>[A-Z]{1,3}\d{2,6}[A-Z]{0,3})")
#: The data file in a download; before 2023 it was named ``…_data_with_overlays_….csv``.
DATA_MEMBER_RE = re.compile(r"(-Data\.csv|_data_with_overlays_[^/]*\.csv)$", re.IGNORECASE)
NUMBER_RE = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
#: A median in the open top or bottom interval of its distribution: ``250,000+``, ``2,500-``.
OPEN_ENDED_RE = re.compile(r"^(?P<number>(\d+|\d{1,3}(,\d{3})+)(\.\d+)?)(?P<side>[+-])$")

CONTROLLED = "*****"
NULL = "null"
#: What each annotation code means (Census Bureau, "Notes on ACS Estimate and Annotation
#: Values"). Every one of them stands for "no value"; only ``*****`` on a margin of error
#: still says what the margin is (zero). ``median-``/``median+`` are kept on the number.
ANNOTATIONS = {
    # Also: a ratio of medians with a median in an open-ended interval, or a 5-year
    # median whose margin of error was larger than the median itself.
    "-": _l("The estimate could not be computed: too few sample observations."),
    "N": _l("Not shown: too few sample cases in this geography."),
    "(X)": _l("Not applicable or not available."),
    "**": _l("The margin of error could not be computed: too few sample observations."),
    "***": _l("The margin of error could not be computed: the median falls in an open-ended "
              "interval."),
    CONTROLLED: _l("No sampling error: the estimate is controlled to an independent count, so "
                   "its margin of error is zero."),
    NULL: _l("No figure is published for this geography."),
    "median-": _l("The median falls in the lowest, open-ended interval: the true median is lower."),
    "median+": _l("The median falls in the highest, open-ended interval: the true median is "
                  "higher."),
}
#: The API's numeric stand-ins for the annotation codes.
JAM_VALUES = {
    -666666666: "-", -999999999: "N", -888888888: "(X)",
    -222222222: "**", -333333333: "***", -555555555: CONTROLLED,
}
CODES_IN_CELLS = ", ".join(code for code in ANNOTATIONS if not code.startswith("median"))


# -- what a file holds ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Cell:
    """A figure as the file gives it: a number, or None with the annotation in its place."""

    value: float | None
    note: str | None = None

    def margin(self) -> float | None:
        """As a margin of error: ``*****`` marks an estimate controlled to an independent
        count, whose margin the Bureau says to take as zero; any other annotation leaves
        the margin unknown."""
        if self.value is not None:
            return self.value
        return 0.0 if self.note == CONTROLLED else None


@dataclass(frozen=True)
class Column:
    code: str
    index: int
    label: str
    table: str
    variable: str
    kind: str


@dataclass(frozen=True)
class Geography:
    geo_id: str
    name: str
    #: The line of the file it was read from.
    line: int
    cells: dict[str, Cell]

    @property
    def summary_level(self) -> str:
        """``140`` tract, ``150`` block group, ``160`` place, ``860`` ZCTA…"""
        return self.geo_id[:3]


@dataclass(frozen=True)
class AcsTable:
    table: str
    columns: dict[str, Column]
    geographies: list[Geography]
    #: ``ACSDT5Y2023`` when the file name says it.
    dataset: str | None = None
    #: The Data.csv read (the zip member, or the name given).
    source_name: str = ""
    #: Lines of the two header rows, to place problems found later.
    code_line: int = 1
    label_line: int = 2

    def margin_code(self, estimate_code: str) -> str | None:
        """The margin column going with an estimate column, if the file has it."""
        code = estimate_code[:-1] + MARGIN
        return code if code in self.columns else None

    def notes(self) -> Counter[str]:
        """How many cells hold each annotation: what staff should know they imported."""
        return Counter(cell.note for geo in self.geographies for cell in geo.cells.values()
                       if cell.note)


# -- refusals ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing to fix, where it is: the line as numbered in the file (1-based) and the
    column's code (either may be unknown)."""

    line: int | None
    column: str | None
    message: object

    def __str__(self) -> str:
        where = {"line": self.line, "column": self.column, "problem": self.message}
        if self.line and self.column:
            return _("Line %(line)s, column %(column)s: %(problem)s", **where)
        if self.line:
            return _("Line %(line)s: %(problem)s", **where)
        if self.column:
            return _("Column %(column)s: %(problem)s", **where)
        return str(self.message)


class CensusFileError(DomainError):
    """A census baseline file (a table download, or a geography mapping) was refused;
    ``problems`` lists every reason found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(*problems)
        self.problems = list(problems)


def refuse(message: object, line: int | None = None, column: str | None = None) -> CensusFileError:
    return CensusFileError([Problem(line, column, message)])


class Problems(list[Problem]):
    """Problems found so far; past :data:`MAX_PROBLEMS` reading stops."""

    def add(self, line: int | None, column: str | None, message: object) -> None:
        self.append(Problem(line, column, message))
        if len(self) >= MAX_PROBLEMS:
            self.append(Problem(None, None, _l("Stopped after %(count)s problems.", count=MAX_PROBLEMS)))
            raise CensusFileError(self)

    def raise_any(self) -> None:
        if self:
            raise CensusFileError(self)


# -- margins of error ---------------------------------------------------------------------

@dataclass(frozen=True)
class MarginSum:
    """A sum of estimates, carrying what its margin of error needs.

    The Census Bureau's approximation for a sum: MOE = √(Σ MOEᵢ²). When several of the
    summed estimates are zero, only the largest of their margins is counted, once (ACS
    guidance, "Calculating Margins of Error for Derived Estimates"): otherwise summing the
    many empty cells of a table would inflate the margin. The approximation ignores the
    covariance between the parts, so it is an approximation, as the Bureau says.
    """

    estimate: float = 0.0
    #: Σ MOE² over the non-zero estimates.
    squares: float = 0.0
    #: The largest MOE among the zero estimates.
    largest_zero: float = 0.0
    #: False once any part's margin is unknown: then so is the sum's.
    known: bool = True

    def add(self, estimate: float, moe: float | None) -> MarginSum:
        return self + MarginSum.of(estimate, moe)

    @classmethod
    def of(cls, estimate: float, moe: float | None) -> MarginSum:
        if moe is None:
            return cls(estimate, known=False)
        if estimate == 0:
            return cls(0.0, largest_zero=moe)
        return cls(estimate, squares=moe * moe)

    def __add__(self, other: MarginSum) -> MarginSum:
        return MarginSum(self.estimate + other.estimate, self.squares + other.squares,
                         max(self.largest_zero, other.largest_zero), self.known and other.known)

    @property
    def moe(self) -> float | None:
        if not self.known:
            return None
        return math.sqrt(self.squares + self.largest_zero ** 2)


def combine_moe(parts: Iterable[tuple[float, float | None]]) -> float | None:
    """The margin of error of the sum of ``(estimate, moe)`` parts (see :class:`MarginSum`)."""
    total = MarginSum()
    for estimate, moe in parts:
        total = total.add(estimate, moe)
    return total.moe


def standard_error(moe: float) -> float:
    """ACS margins are 90% intervals: the standard error is MOE / 1.645."""
    return moe / MOE_Z


# -- cells -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=65536)
def parse_cell(text: str) -> Cell | None:
    """A cell's figure, or None when it is neither a number nor an annotation. Cached:
    cells are immutable, and a big file repeats the same few thousand values."""
    text = text.strip()
    if text in ANNOTATIONS and not text.startswith("median"):
        return Cell(None, text)
    if text.lower() == NULL:
        return Cell(None, NULL)
    if NUMBER_RE.match(text):
        value = float(text.replace(",", ""))
        jam = JAM_VALUES.get(int(value)) if value.is_integer() else None
        return Cell(None, jam) if jam else Cell(value)
    if match := OPEN_ENDED_RE.match(text):
        return Cell(float(match["number"].replace(",", "")), "median" + match["side"])
    return None


def split_line(line: str) -> list[str] | None:
    """The fields of one CSV line, or None if it is not CSV.

    Census downloads quote every field but have been seen not to double the quotes inside
    a label (``"Speak English "very well""``), which a CSV reader refuses: such a line is
    split on the ``","`` between its fields instead.
    """
    try:
        return next(csv.reader([line], strict=True), [])
    except csv.Error:
        pass
    trailing = line.endswith(",")
    body = line[:-1] if trailing else line
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        return None
    return [f.replace('""', '"') for f in body[1:-1].split('","')] + ([""] if trailing else [])


# -- reading -------------------------------------------------------------------------------

def read_acs(source: bytes | IO[bytes], table: str | None = None, filename: str = "") -> AcsTable:
    """The table a data.census.gov download holds; raises CensusFileError listing every
    problem. ``source`` is the zip as downloaded or its Data.csv (bytes or a binary file);
    ``table`` (``B03002``) picks the table in a zip of several and must be the file's;
    ``filename`` names a bare Data.csv, whose name says the dataset (``ACSDT5Y2023``)."""
    wanted = table.strip().upper() if table else None
    data = _payload(source)
    name = filename
    if data[:4] == b"PK\x03\x04":
        name, data = _data_member(data, wanted)
    problems = Problems()
    rows = _rows(_text(data), problems)
    first = next(rows, None)
    if first is None:
        problems.raise_any()
        raise refuse(_l("The file is empty."))
    acs = _read_rows(first, rows, wanted, problems)
    problems.raise_any()
    match = DATASET_RE.search(name.rsplit("/", 1)[-1])
    return replace(acs, dataset=match["dataset"] if match else None, source_name=name)


def _payload(source: bytes | IO[bytes]) -> bytes:
    data = bytes(source) if isinstance(source, bytes | bytearray | memoryview) else source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise refuse(_l("The file is larger than %(size)s MB.", size=MAX_BYTES // (1024 * 1024)))
    return data


def _member_table(name: str) -> str | None:
    match = DATASET_RE.search(name.rsplit("/", 1)[-1])
    return match["table"] if match else None


def _data_member(data: bytes, wanted: str | None) -> tuple[str, bytes]:
    """The Data.csv in a downloaded zip: the only one, or ``wanted``'s."""
    unreadable = _l("This zip file cannot be opened. Download the table again.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [i for i in archive.infolist() if not i.is_dir() and DATA_MEMBER_RE.search(i.filename)]
            tables = ", ".join(sorted({_member_table(i.filename) or i.filename for i in members}))
            if wanted and len(members) > 1:
                members = [i for i in members if _member_table(i.filename) == wanted]
                if not members:
                    raise refuse(_l("The zip holds no Data.csv for table %(table)s (it holds %(tables)s).",
                                    table=wanted, tables=tables))
            if not members:
                raise refuse(_l("The zip holds no …-Data.csv file. Download the table from "
                                "data.census.gov as CSV."))
            if len(members) > 1:
                raise refuse(_l("The zip holds several tables (%(tables)s): name the one to import.",
                                tables=tables))
            member = members[0]
            if member.file_size > MAX_BYTES:
                raise refuse(_l("The file is larger than %(size)s MB.", size=MAX_BYTES // (1024 * 1024)))
            with archive.open(member) as fh:
                content = fh.read(MAX_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError) as err:
        raise refuse(unreadable) from err
    if len(content) > MAX_BYTES:
        raise refuse(_l("The file is larger than %(size)s MB.", size=MAX_BYTES // (1024 * 1024)))
    return member.filename, content


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise refuse(_l("This line is not UTF-8 text. Use the file as downloaded rather than "
                        "saving it again from a spreadsheet."), line) from err


Row = tuple[int, list[str]]


def _rows(text: str, problems: Problems) -> Iterator[Row]:
    """Non-blank lines, split into fields, with their line numbers: one at a time, as a
    big file's split lines would take many times its size."""
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = split_line(line)
        if fields is None:
            problems.add(number, None, _l("This line is not valid CSV."))
        else:
            yield number, fields


@dataclass(frozen=True)
class _Header:
    """The two header rows, as needed to read each data line."""

    codes: list[str]
    columns: dict[str, Column]
    code_line: int
    label_line: int

    @property
    def geo_index(self) -> int:
        return self.codes.index(GEO_ID)

    def name(self, cells: list[str]) -> str:
        return cells[self.codes.index(NAME)].strip() if NAME in self.codes else ""


def _read_rows(first: Row, rows: Iterator[Row], wanted: str | None, problems: Problems) -> AcsTable:
    header, data_rows = _header(first, rows, problems)
    table = _table(header, wanted, problems)
    geographies: list[Geography] = []
    seen: dict[str, int] = {}
    for line, cells in data_rows:
        geography = _geography(line, cells, header, problems)
        if geography is None:
            continue
        if geography.geo_id in seen:
            problems.add(line, GEO_ID, _l("This geography is already on line %(line)s.",
                                          line=seen[geography.geo_id]))
        seen.setdefault(geography.geo_id, line)
        geographies.append(geography)
    if not geographies and not problems:
        problems.add(header.label_line, None, _l("The file has no geographies: no line after the "
                                                 "two header rows."))
    return AcsTable(table, header.columns, geographies, code_line=header.code_line,
                    label_line=header.label_line)


def _header(first: Row, rows: Iterator[Row], problems: Problems) -> tuple[_Header, Iterator[Row]]:
    """The header rows, and the data lines after them."""
    code_line, codes = first[0], _codes(first, problems)
    if GEO_ID not in codes:
        problems.add(code_line, GEO_ID, _l("The file has no GEO_ID column: is it a Data.csv from "
                                           "data.census.gov?"))
        raise CensusFileError(problems)
    second = next(rows, None)
    if second is not None and not GEO_ID_RE.match(_cell(second[1], codes.index(GEO_ID)).strip()):
        label_line, labels = second[0], second[1]
    else:
        label_line, labels = (second[0] if second else code_line + 1), []
        problems.add(label_line, GEO_ID, _l("The second header row (the column labels, such as "
                                            "“Estimate!!Total:”) is missing. Use the file as "
                                            "downloaded from data.census.gov."))
        rows = itertools.chain([second] if second else [], rows)
    columns = _columns(codes, labels, label_line, problems)
    return _Header(codes, columns, code_line, label_line), rows


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _codes(row: Row, problems: Problems) -> list[str]:
    """The first header row, less the empty column a trailing comma makes."""
    line, codes = row[0], [c.strip() for c in row[1]]
    while codes and not codes[-1]:
        codes.pop()
    for index, code in enumerate(codes):
        if not code:
            problems.add(line, None, _l("Column %(number)s has no code.", number=index + 1))
        elif codes.index(code) != index:
            problems.add(line, code, _l("This column appears twice."))
        elif code not in (GEO_ID, NAME) and not CODE_RE.match(code):
            problems.add(line, code, _l("Unknown column: Engage reads GEO_ID, NAME and Census "
                                        "codes such as B03002_001E."))
    return codes


def _label_fits(kind: str, label: str) -> bool:
    """An estimate's label starts "Estimate", a margin's "Margin of Error": a label that
    does not means the two header rows do not line up."""
    start = {ESTIMATE: "estimate", MARGIN: "margin of error"}.get(kind)
    return start is None or label.strip().lower().startswith(start)


def _columns(codes: list[str], labels: list[str], label_line: int,
             problems: Problems) -> dict[str, Column]:
    columns = {}
    for index, code in enumerate(codes):
        match = CODE_RE.match(code)
        if not match or code in columns:
            continue
        label = _cell(labels, index).strip()
        columns[code] = Column(code, index, label, match["table"], match["variable"], match["kind"])
        if labels and not _label_fits(match["kind"], label):
            problems.add(label_line, code, _l("The label “%(label)s” does not fit this code: an "
                                              "estimate's label starts with “Estimate”, a margin "
                                              "of error's with “Margin of Error”.", label=label[:80]))
    return columns


def _table(header: _Header, wanted: str | None, problems: Problems) -> str:
    tables = sorted({c.table for c in header.columns.values()})
    line = header.code_line
    if not tables:
        problems.add(line, None, _l("The file has no figure columns (codes such as B03002_001E)."))
        return ""
    if len(tables) > 1:
        problems.add(line, None, _l("The file mixes tables %(tables)s: use one table per file.",
                                    tables=", ".join(tables)))
    elif wanted and tables[0] != wanted:
        problems.add(line, next(iter(header.columns)), _l(
            "This file holds table %(found)s, not %(table)s.", found=tables[0], table=wanted))
    return tables[0]


def _geography(line: int, cells: list[str], header: _Header, problems: Problems) -> Geography | None:
    """One data line, or None when it cannot be placed (its problems are listed)."""
    width = len(header.codes)
    if len(cells) < width:
        problems.add(line, None, _l("This line has %(count)s values where the header has %(width)s "
                                    "columns.", count=len(cells), width=width))
        return None
    if any(c.strip() for c in cells[width:]):
        problems.add(line, None, _l("This line has more values than the header has columns."))
        return None
    geo_id = cells[header.geo_index].strip()
    if not GEO_ID_RE.match(geo_id):
        problems.add(line, GEO_ID, _l("“%(value)s” is not a Census GEO_ID (such as "
                                      "1400000US53033000100).", value=geo_id[:40]))
        return None
    figures = {}
    for code, column in header.columns.items():
        if column.kind not in FIGURE_KINDS:
            continue
        text = cells[column.index]
        cell = parse_cell(text)
        if cell is not None:
            figures[code] = cell
        elif not text.strip():
            problems.add(line, code, _l("This cell is empty."))
        else:
            problems.add(line, code, _l("“%(value)s” is neither a number nor a Census annotation "
                                        "code (%(codes)s).", value=text.strip()[:40],
                                        codes=CODES_IN_CELLS))
    return Geography(geo_id, header.name(cells), line, figures)
