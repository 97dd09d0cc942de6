"""Contact lists from partner organisations: every good row loads, every bad row is
reported with its line and reason, numbers are matched by keyed hash, and a resident
who opted out stays opted out whatever a list says."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from sqlalchemy import select

from engage.core.clock import city_today
from engage.core.errors import DomainError
from engage.core.i18n import _l, is_valid_code, normalise_code
from engage.demographics.baseline_models import GeographyArea
from engage.demographics.baselines import geo_id_from_code
from engage.demographics.models import Area
from engage.extensions import db
from engage.outreach.models import Contact, ContactImport
from engage.responses import operations as responses
from engage.responses.phones import InvalidPhone, encrypt, normalise

MAX_CONTACT_BYTES = 20 * 1024 * 1024
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
class ContactRow:
    line: int
    e164: str
    language: str
    area_id: int | None
    consent_source: str
    consent_date: date


@dataclass
class Parsed:
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


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DomainError(_l("The file is not UTF-8 text. Save it as CSV UTF-8.")) from err


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


def parse_contacts(data: bytes) -> Parsed:
    """Every row checked; refuses the whole file only when it cannot be read at all."""
    if len(data) > MAX_CONTACT_BYTES:
        raise DomainError(_l("The file is larger than %(size)s MB.",
                             size=MAX_CONTACT_BYTES // (1024 * 1024)))
    reader = csv.reader(io.StringIO(_decode(data)))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as err:
        raise DomainError(_l("This file is not valid CSV.")) from err
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise DomainError(_l("The file needs the columns %(columns)s.",
                             columns=", ".join(missing)))
    col = {name: header.index(name) for name in (*REQUIRED, "area", "zip") if name in header}
    find_area = _area_finder()
    parsed = Parsed()
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            parsed.total += 1
            _parse_row(reader.line_num, cells, col, find_area, seen, parsed)
    except csv.Error as err:
        raise DomainError(_l("Line %(line)s is not valid CSV.", line=reader.line_num)) from err
    return parsed


def _parse_row(line: int, cells: list[str], col: dict[str, int],
               find_area: Callable[[str, str], int | None], seen: dict[str, int],
               parsed: Parsed) -> None:
    def cell(name: str) -> str:
        index = col.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    try:
        e164 = normalise(cell("phone"))
    except InvalidPhone:
        parsed.problems.append((line, "phone"))
        return
    language = normalise_code(cell("language"))
    if not language or not is_valid_code(language):
        parsed.problems.append((line, "language"))
        return
    if not cell("consent_source") or not cell("consent_date"):
        parsed.problems.append((line, "consent"))
        return
    consent_date = parse_date(cell("consent_date"))
    if consent_date is None or consent_date > city_today():
        parsed.problems.append((line, "consent_date"))
        return
    if e164 in seen:
        parsed.problems.append((line, "duplicate"))
        return
    seen[e164] = line
    area_id = find_area(cell("area"), cell("zip"))
    if area_id is None and (cell("area") or cell("zip")):
        parsed.problems.append((line, "area"))
    parsed.rows.append(ContactRow(line, e164, language, area_id, cell("consent_source")[:200],
                                  consent_date))


def import_contacts(fileobj: IO[bytes] | bytes, filename: str, user_id: int | None = None,
                    progress: Callable[[int], None] | None = None) -> ContactImport:
    """Load the good rows of a contact list (new numbers added, known ones updated) and
    keep the report. ``progress`` is called with the number of rows done."""
    data = bytes(fileobj) if isinstance(fileobj, bytes) else fileobj.read(MAX_CONTACT_BYTES + 1)
    parsed = parse_contacts(data)
    record = ContactImport(filename=filename[:200], rows=parsed.total, created_by_id=user_id)
    db.session.add(record)
    db.session.flush()
    problems = list(parsed.problems)
    for done, row in enumerate(parsed.rows, start=1):
        respondent = responses.respondent_for_phone(row.e164)
        if respondent.opted_out:
            problems.append((row.line, "opted_out"))
        respondent.locale = respondent.locale or row.language
        contact = db.session.scalar(select(Contact).where(Contact.respondent_id == respondent.id))
        if contact is None:
            contact = Contact(respondent_id=respondent.id)
            db.session.add(contact)
        contact.phone_encrypted = encrypt(row.e164)
        contact.language, contact.consent_source = row.language, row.consent_source
        contact.consent_date, contact.import_id = row.consent_date, record.id
        if row.area_id is not None or contact.area_id is None:
            contact.area_id = row.area_id
        if progress and done % 100 == 0:
            progress(done)
    record.loaded = len(parsed.rows)
    record.problems = [[line, code] for line, code in sorted(problems)]
    db.session.flush()
    if progress:
        progress(len(parsed.rows))
    return record


def refused_lines(record: ContactImport) -> list[tuple[int, str]]:
    return [(line, code) for line, code in record.problems if code not in NOTES]
