"""Contact lists from partner organisations: every good row loads, every bad row is
reported with its line and reason, numbers are matched by keyed hash, and a resident
who opted out stays opted out whatever a list says. A list is read and written a batch
at a time: its size costs time, and memory only for one hash per number."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import IO, Any, TypeVar

from sqlalchemy import select

from engage.core.clock import city_today
from engage.core.errors import DomainError
from engage.core.i18n import _l, is_valid_code, normalise_code
from engage.demographics.baseline_models import GeographyArea
from engage.demographics.baselines import geo_id_from_code
from engage.extensions import db
from engage.org.models import Area
from engage.outreach.contact_store import ContactRow, save_contacts
from engage.outreach.models import ContactImport
from engage.responses.phones import InvalidPhone, normalise, phone_hash

MAX_CONTACT_BYTES = 20 * 1024 * 1024
#: Lines checked and written together: a few statements each, whatever the file's size.
BATCH_ROWS = 2000
READ_BYTES = 64 * 1024
T = TypeVar("T")
REQUIRED = ("phone", "language", "consent_source", "consent_date")

#: Why a row was refused (codes stored with the import, sentences shown to staff).
REASONS = {
    "phone": _l("The phone number cannot be read."),
    "language": _l("Unknown language code."),
    "consent": _l("No consent: a consent source and a consent date are needed."),
    "consent_date": _l("The consent date cannot be read (use YYYY-MM-DD)."),
    "duplicate": _l("The same number as an earlier line."),
    "area": _l("Unknown neighborhood or ZIP code: loaded without one."),
    "opted_out": _l("This resident opted out: kept, and never texted."),
}
#: Reasons that still load the row.
NOTES = frozenset({"area", "opted_out"})


@dataclass
class Parsed:
    """One batch of checked lines: the rows to load and the lines refused or noted."""

    rows: list[ContactRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    total: int = 0


def parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _language_of(text: str) -> str | None:
    code = normalise_code(text)
    return code if code and is_valid_code(code) else None


def _remembering(fn: Callable[[str], T]) -> Callable[[str], T]:
    """``fn``, its answers for short cells remembered: a list repeats a few languages and
    dates, and long distinct cells (a hostile file) cannot fill memory."""
    short = lru_cache(maxsize=1024)(fn)
    return lambda text: short(text) if len(text) <= 32 else fn(text)


_language = _remembering(_language_of)
_consent_date = _remembering(parse_date)


def _area_finder() -> Callable[[str, str], int | None]:
    areas = {}
    for area in db.session.scalars(select(Area)):
        areas[area.slug.lower()] = area.id
        for name in (area.name or {}).values():
            areas.setdefault(name.strip().lower(), area.id)
    zips = dict(db.session.execute(select(GeographyArea.geo_id, GeographyArea.area_id)).all())

    def find(area: str, zip_code: str) -> int | None:
        if area.strip():
            return areas.get(area.strip().lower())
        geo_id = geo_id_from_code(zip_code[:5]) if zip_code.strip() else None
        return zips.get(geo_id) if geo_id else None

    return find


class _Capped(io.RawIOBase):
    """The caller's byte stream, read as the CSV reader needs it and refused past the size
    limit. Closing the text reader over it closes this, never the upload or the file."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream, self._read = stream, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        self._read += len(data)
        if self._read > MAX_CONTACT_BYTES:
            raise DomainError(_l("The file is larger than %(size)s MB.",
                                 size=MAX_CONTACT_BYTES // (1024 * 1024)))
        buffer[:len(data)] = data
        return len(data)


@dataclass
class _Rules:
    """What checking a line needs: the columns, the areas, today, and the numbers seen so
    far, as the first 128 bits of their keyed hash (the numbers themselves are not kept;
    no two numbers share those bits in practice; a third of the memory of the whole
    hash)."""

    col: dict[str, int]
    find_area: Callable[[str, str], int | None]
    today: date
    seen: set[bytes] = field(default_factory=set)

    def check(self, line: int, cells: list[str], parsed: Parsed) -> None:
        def cell(name: str) -> str:
            index = self.col.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            e164 = normalise(cell("phone"))
        except InvalidPhone:
            parsed.problems.append((line, "phone"))
            return
        language = _language(cell("language"))
        if language is None:
            parsed.problems.append((line, "language"))
            return
        source, written = cell("consent_source"), cell("consent_date")
        if not source or not written:
            parsed.problems.append((line, "consent"))
            return
        consent_date = _consent_date(written)
        if consent_date is None or consent_date > self.today:
            parsed.problems.append((line, "consent_date"))
            return
        digest = phone_hash(e164)
        seen = bytes.fromhex(digest[:32])
        if seen in self.seen:
            parsed.problems.append((line, "duplicate"))
            return
        self.seen.add(seen)
        area, zip_code = cell("area"), cell("zip")
        area_id = self.find_area(area, zip_code)
        if area_id is None and (area or zip_code):
            parsed.problems.append((line, "area"))
        parsed.rows.append(ContactRow(line, e164, digest, language, area_id, source[:200],
                                      consent_date))


def parse_contacts(fileobj: IO[bytes] | bytes, batch_rows: int = BATCH_ROWS) -> Iterator[Parsed]:
    """Every line checked, a batch of ``batch_rows`` lines at a time as the file is read.
    Refuses the whole file (DomainError) only when it cannot be read at all, which may
    show after earlier batches were given: write them where they can be undone."""
    stream = io.BytesIO(fileobj) if isinstance(fileobj, bytes) else fileobj
    # newline="\n": lines end as they did when the whole file was decoded at once.
    with io.TextIOWrapper(io.BufferedReader(_Capped(stream), READ_BYTES),
                          encoding="utf-8-sig", newline="\n") as text:
        reader = csv.reader(text)
        try:
            try:
                header = [h.strip().lower() for h in next(reader, [])]
            except csv.Error as err:
                raise DomainError(_l("This file is not valid CSV.")) from err
            missing = [name for name in REQUIRED if name not in header]
            if missing:
                raise DomainError(_l("The file needs the columns %(columns)s.",
                                     columns=", ".join(missing)))
            rules = _Rules({name: header.index(name) for name in (*REQUIRED, "area", "zip")
                            if name in header}, _area_finder(), city_today())
            parsed = Parsed()
            try:
                for cells in reader:
                    if not any(c.strip() for c in cells):
                        continue
                    parsed.total += 1
                    rules.check(reader.line_num, cells, parsed)
                    if parsed.total == batch_rows:
                        yield parsed
                        parsed = Parsed()
            except csv.Error as err:
                raise DomainError(_l("Line %(line)s is not valid CSV.",
                                     line=reader.line_num)) from err
            yield parsed
        except UnicodeDecodeError as err:
            raise DomainError(_l("The file is not UTF-8 text. Save it as CSV UTF-8.")) from err


def import_contacts(fileobj: IO[bytes] | bytes, filename: str, user_id: int | None = None,
                    progress: Callable[[int], None] | None = None) -> ContactImport:
    """Load the good rows of a contact list as it is read (new numbers added, known ones
    updated), a batch at a time, and keep the report. A file that cannot be read leaves
    nothing behind, even when that shows only at its end (a savepoint). ``progress`` is
    called with the number of rows loaded so far."""
    with db.session.begin_nested():
        record = ContactImport(filename=filename[:200], created_by_id=user_id)
        db.session.add(record)
        db.session.flush()
        total, loaded, problems = 0, 0, []
        for batch in parse_contacts(fileobj, BATCH_ROWS):
            problems += batch.problems
            problems += [(line, "opted_out") for line in save_contacts(batch.rows, record.id)]
            total, loaded = total + batch.total, loaded + len(batch.rows)
            if progress:
                progress(loaded)
        record.rows, record.loaded = total, loaded
        record.problems = [[line, code] for line, code in sorted(problems)]
        db.session.flush()
    return record


def refused_lines(record: ContactImport) -> list[tuple[int, str]]:
    return [(line, code) for line, code in record.problems if code not in NOTES]
