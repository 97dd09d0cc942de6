"""Reading the cells of an uploaded .xlsx workbook, with bounded work.

An .xlsx is a zip of XML parts, and both layers inflate: a 100 KB upload can unpack to
millions of texts, or declare a sheet as wide and long as Excel allows. openpyxl reads every
part (styles, themes, every sheet) and pads rows out to a sheet's declared size, so its cost
follows what a file claims. An XLSForm needs three sheets' cells: this reads only the parts
holding them, streams them through defusedxml (no DTD, so no entity expansion), and stops
at the first cap of :mod:`~engage.surveys.xlsform.format` a file passes, before the work
that cap bounds rather than after it.
"""

from __future__ import annotations

import io
import lzma
import posixpath
import re
import zipfile
import zlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from functools import cache
from typing import IO, TypeVar
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from engage.core.i18n import _l
from engage.surveys.xlsform.format import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ELEMENTS,
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    MAX_UNZIPPED_BYTES,
    MB,
    RATIO_GRACE_BYTES,
    Problem,
    XLSFormError,
)

Value = str | int | float | bool
#: A row holding a value: its number as Excel shows it, and its values from column A on.
RowValues = tuple[int, tuple[Value | None, ...]]

NOT_XLSX = _l("This is not an Excel workbook (.xlsx). Save the form as .xlsx and try again.")
TOO_LARGE = _l("The workbook is too large once unpacked: at most %(total)s MB in all, and %(part)s MB "
               "for one sheet or for its texts.", total=MAX_UNZIPPED_BYTES // MB,
               part=MAX_MEMBER_BYTES // MB)
ODDLY_PACKED = _l("The workbook is not packed the way spreadsheet programs pack it (too many parts, "
                  "or compressed too far). Save it again as .xlsx and try again.")
TOO_MUCH_XML = _l("The workbook holds more than a survey form needs. Remove other sheets, "
                  "formatting and empty formatted cells, and try again.")
TOO_MANY_TEXTS = _l("The workbook has more than %(count)s different texts.", count=MAX_SHARED_STRINGS)
TOO_MANY_ROWS = _l("The sheet has more than %(count)s rows.", count=MAX_ROWS)
TOO_MANY_COLUMNS = _l("The sheet has more than %(count)s columns.", count=MAX_COLUMNS)
TOO_LONG = _l("A cell holds more than %(count)s characters, more than Excel allows.",
              count=MAX_CELL_CHARS)
TOO_MANY_CELLS = _l("The sheet has more than %(count)s cells, counting empty formatted ones.",
                    count=MAX_CELLS)

#: Bytes handed to the XML parser at a time.
CHUNK = 64 * 1024
#: The elements read, by their names as expat gives them (``namespace}name``): SpreadsheetML's,
#: transitional or strict, and the package's relationships. Others match no name.
NAMES = {f"{namespace}}}{name}": name
         for namespace in ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                           "http://purl.oclc.org/ooxml/spreadsheetml/main")
         for name in ("sheet", "si", "t", "rPh", "row", "c", "v")}
NAMES["http://schemas.openxmlformats.org/package/2006/relationships}Relationship"] = "Relationship"
COLUMN = re.compile(r"[A-Z]{1,3}")
DIGITS = "0123456789"


def _refusal(message: object, sheet: str | None = None) -> XLSFormError:
    return XLSFormError([Problem(sheet, None, None, message)])


def read_sheets(data: bytes, names: Collection[str]) -> dict[str, list[RowValues]]:
    """The rows of the sheets called ``names`` (matched trimmed, in lower case; the first
    of a name wins), keyed by that name; raises XLSFormError for a file that is not a
    workbook or asks for more work than the caps allow."""
    with _damage_refused(), zipfile.ZipFile(io.BytesIO(data)) as archive:
        _check_members(archive.infolist())
        return _Book(archive).sheets(names)


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    """Refuse from the zip's directory alone, before anything is unpacked."""
    if len(members) > MAX_MEMBERS:
        raise _refusal(ODDLY_PACKED)
    if (sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES
            or any(m.file_size > MAX_MEMBER_BYTES for m in members)):
        raise _refusal(TOO_LARGE)
    if any(m.file_size > max(RATIO_GRACE_BYTES, MAX_RATIO * m.compress_size) for m in members):
        raise _refusal(ODDLY_PACKED)


@contextmanager
def _damage_refused() -> Iterator[None]:
    """Whatever a damaged or foreign file breaks in zipfile, the decompressors or the XML
    parser (a DTD or an entity included) becomes the one refusal a user can act on."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, RuntimeError,
            NotImplementedError, ValueError, IndexError, KeyError, ExpatError,
            DefusedXmlException) as err:
        raise _refusal(NOT_XLSX) from err


class Capped:
    """A part's bytes as they unpack, refused as soon as more than ``cap`` come out,
    whatever the zip's directory declared."""

    def __init__(self, raw: IO[bytes], cap: int) -> None:
        self.raw, self.cap, self.count = raw, cap, 0

    def read(self, size: int) -> bytes:
        data = self.raw.read(min(size, self.cap + 1 - self.count))
        self.count += len(data)
        if self.count > self.cap:
            raise _refusal(TOO_LARGE)
        return data


# -- parser handlers -----------------------------------------------------------------

def _attribute(attrib: dict[str, str], name: str) -> str:
    """An attribute in any namespace (``r:id`` is in the transitional or the strict one)."""
    return next((v for k, v in attrib.items() if k == name or k.endswith("}" + name)), "")


class _Handler:
    """Expat's handlers for one part: keep only what is needed, and count every element
    against what the workbook may still spend (``left``). Also gathers rich text (a shared
    or an inline string): its ``t`` runs, without the phonetic guides (``rPh``) Japanese
    files add."""

    def __init__(self, left: int) -> None:
        self.left = left
        self.parts: list[str] | None = None  # the text being gathered, if any
        self.in_text = self.in_guide = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.left -= 1
        if self.left < 0:
            raise _refusal(TOO_MUCH_XML)
        name = NAMES.get(tag, "")
        if name == "rPh":
            self.in_guide = True
        elif name == "t" and not self.in_guide:
            self.in_text = True
        self.opened(name, attrib)

    def end(self, tag: str) -> None:
        name = NAMES.get(tag, "")
        if name == "rPh":
            self.in_guide = False
        elif name == "t":
            self.in_text = False
        self.closed(name)

    def data(self, text: str) -> None:
        if self.in_text and self.parts is not None:
            self.parts.append(text)

    def opened(self, name: str, attrib: dict[str, str]) -> None:
        pass

    def closed(self, name: str) -> None:
        pass


class _Relationships(_Handler):
    """Where a part's relationships point, for the ones asked for (by id or by type)."""

    def __init__(self, left: int, part: str, wanted: Collection[str]) -> None:
        super().__init__(left)
        self.folder, self.wanted, self.found = posixpath.dirname(part), wanted, dict[str, str]()

    def opened(self, name: str, attrib: dict[str, str]) -> None:
        if name != "Relationship" or attrib.get("TargetMode") == "External":
            return
        kind = attrib.get("Type", "").rpartition("/")[2]
        for key in (attrib.get("Id", ""), kind):
            if key in self.wanted:
                self.found.setdefault(key, _resolve(self.folder, attrib.get("Target", "")))


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


class _SheetList(_Handler):
    """The relationship id of the first sheet with each wanted name."""

    def __init__(self, left: int, wanted: Collection[str]) -> None:
        super().__init__(left)
        self.wanted, self.found = wanted, dict[str, str]()

    def opened(self, name: str, attrib: dict[str, str]) -> None:
        title = attrib.get("name", "").strip().lower()
        if name == "sheet" and title in self.wanted:
            self.found.setdefault(title, _attribute(attrib, "id"))


class _SharedStrings(_Handler):
    def __init__(self, left: int) -> None:
        super().__init__(left)
        self.strings: list[str] = []

    def opened(self, name: str, attrib: dict[str, str]) -> None:
        if name == "si":
            self.parts = []

    def closed(self, name: str) -> None:
        if name == "si" and self.parts is not None:
            # As openpyxl does: "_x005F_" escapes an underscore Excel would read as a code.
            self.strings.append("".join(self.parts).replace("x005F_", ""))
            self.parts = None
            if len(self.strings) > MAX_SHARED_STRINGS:
                raise _refusal(TOO_MANY_TEXTS)


class _Cells(_Handler):
    """A sheet's rows holding a value. A row or a cell without its reference follows the
    one before, as in Excel."""

    def __init__(self, left: int, sheet: str, strings: list[str]) -> None:
        super().__init__(left)
        self.sheet, self.strings = sheet, strings
        self.rows: list[RowValues] = []
        self.row_count = self.cell_count = 0
        self.row = self.column = 0
        self.kind = "n"
        self.values: dict[int, Value] = {}

    def opened(self, name: str, attrib: dict[str, str]) -> None:
        if name == "c":
            self.cell_count += 1
            if self.cell_count > MAX_CELLS:
                raise _refusal(TOO_MANY_CELLS, self.sheet)
            reference = attrib.get("r")
            self.column = _column(reference.rstrip(DIGITS)) if reference else self.column + 1
            self.kind, self.parts = attrib.get("t", "n"), []
        elif name == "v":
            self.in_text = True
        elif name == "row":
            self.row_count += 1
            if self.row_count > MAX_ROWS + 1:
                raise _refusal(TOO_MANY_ROWS, self.sheet)
            number = attrib.get("r")
            self.row = int(number) if number else self.row + 1
            self.column, self.values = 0, {}

    def closed(self, name: str) -> None:
        if name == "c" and self.parts is not None:
            value = _value(self.kind, "".join(self.parts), self.strings)
            self.parts = None
            if value is not None:
                self._keep(value)
        elif name == "v":
            self.in_text = False
        elif name == "row" and self.values:
            width = max(self.values)
            self.rows.append((self.row, tuple(self.values.get(c) for c in range(1, width + 1))))

    def _keep(self, value: Value) -> None:
        if self.column > MAX_COLUMNS:
            raise _refusal(TOO_MANY_COLUMNS, self.sheet)
        if self.row > MAX_ROWS + 1:
            raise _refusal(TOO_MANY_ROWS, self.sheet)
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise XLSFormError([Problem(self.sheet, self.row, None, TOO_LONG)])
        self.values[self.column] = value


@cache
def _column(letters: str) -> int:
    """``AB`` -> 28, for the letters of a cell reference; Excel's last column is XFD."""
    if not COLUMN.fullmatch(letters):
        raise ValueError(letters)
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _value(kind: str, text: str, strings: list[str]) -> Value | None:
    """A cell's value as openpyxl gives it with ``data_only``, dates left as Excel wrote
    them; None for an empty one."""
    if not text:
        return None
    if kind == "s":
        return strings[int(text)]
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "n":
        return float(text) if any(c in text for c in ".eE") else int(text)
    return text  # inlineStr, str (a formula's result), e (an error such as #N/A), d (a date)


# -- the workbook --------------------------------------------------------------------

H = TypeVar("H", bound=_Handler)


class _Book:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive, self.left = archive, MAX_ELEMENTS

    def sheets(self, names: Collection[str]) -> dict[str, list[RowValues]]:
        main = self._related("", ["officeDocument"])["officeDocument"]
        ids = self._parse(main, _SheetList(self.left, names)).found
        paths = self._related(main, [*ids.values(), "sharedStrings"])
        strings: list[str] = []
        if "sharedStrings" in paths:
            strings = self._parse(paths["sharedStrings"], _SharedStrings(self.left)).strings
        return {name: self._parse(paths[rid], _Cells(self.left, name, strings)).rows
                for name, rid in ids.items()}

    def _related(self, part: str, wanted: Collection[str]) -> dict[str, str]:
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        return self._parse(rels, _Relationships(self.left, part, wanted)).found

    def _parse(self, path: str, handler: H) -> H:
        """Stream a part through expat as defusedxml guards it (no DTD, so no entities),
        calling the handler directly: ElementTree's layer in between doubled the cost."""
        expat = DefusedXMLParser(forbid_dtd=True).parser
        expat.ordered_attributes = False
        expat.StartElementHandler, expat.EndElementHandler = handler.start, handler.end
        expat.CharacterDataHandler = handler.data
        with self.archive.open(self.archive.getinfo(path)) as raw:
            stream = Capped(raw, MAX_MEMBER_BYTES)
            while chunk := stream.read(CHUNK):
                expat.Parse(chunk, False)
        expat.Parse(b"", True)
        self.left = handler.left
        return handler
