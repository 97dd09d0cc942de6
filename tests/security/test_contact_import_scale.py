"""Contact lists are read and written a batch at a time (engage/outreach/contacts.py,
contact_store.py), so 200,000 lines take seconds in flat memory. A plain reference kept
here (the whole file decoded and parsed at once, the rules applied line by line, one
resident at a time, as the import did before) must give the same report and leave the
same residents and contacts on generated files, hostile ones included. The statements
sent grow with the batches, not with the lines; a file that cannot be read, even at its
very end, leaves nothing behind."""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as shape
from hypothesis import strategies as st
from sqlalchemy import event, func, insert, select

from engage.core.clock import city_today
from engage.core.errors import DomainError
from engage.core.i18n import is_valid_code, normalise_code
from engage.demographics.baselines import map_geography
from engage.extensions import db as extension
from engage.org.models import Area
from engage.outreach import contacts
from engage.outreach.contacts import import_contacts, parse_date
from engage.outreach.models import Contact, ContactImport
from engage.responses.models import Respondent
from engage.responses.phones import InvalidPhone, decrypt, encrypt, normalise, phone_hash
from tests.conftest import csrf_token

NUMBERS = [f"+1206555{n:04d}" for n in range(100, 108)]
FIELD_LIMIT = csv.field_size_limit()
NEW = -1  # the reference's id for the import it models


@pytest.fixture(autouse=True)
def in_june_2026(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 6, 1, 19, 0, tzinfo=UTC), tick=True)


@pytest.fixture
def city(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Two neighbourhoods, one with a ZIP code: what the lists' area and zip name."""
    north = Area(slug="north", name={"en": "North", "es": "Norte"})
    south = Area(slug="south", name={"en": "South"})
    db.add_all([north, south])
    db.flush()
    map_geography("98118", "north")
    db.commit()
    return {"north": north.id, "south": south.id}


@contextmanager
def batches_of(rows: int, max_bytes: int = contacts.MAX_CONTACT_BYTES) -> Iterator[None]:
    with patch.object(contacts, "BATCH_ROWS", rows), \
            patch.object(contacts, "MAX_CONTACT_BYTES", max_bytes):
        yield


class ReadOnly:
    """An upload stream that only reads: no seek, no tell, no fileno."""

    def __init__(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)


# -- the reference: the whole file at once, then line by line, one resident at a time ---

@dataclass(frozen=True)
class Stored:
    """A resident as the database holds them; ``contact`` is (language, area id,
    consent source, consent date, import id)."""

    locale: str | None
    opted_out: bool
    contact: tuple | None = None


def reference(data: bytes, before: dict[str, Stored], city: dict[str, int]
              ) -> tuple[str, None] | tuple[tuple[int, int, list], dict[str, Stored]]:
    """(message, None) when the file is refused whole, else ((rows, loaded, problems),
    the residents after the import, its contacts with the import id ``NEW``)."""
    if len(data) > contacts.MAX_CONTACT_BYTES:
        return f"The file is larger than {contacts.MAX_CONTACT_BYTES // (1024 * 1024)} MB.", None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "The file is not UTF-8 text. Save it as CSV UTF-8.", None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error:
        return "This file is not valid CSV.", None
    missing = [c for c in ("phone", "language", "consent_source", "consent_date") if c not in header]
    if missing:
        return f"The file needs the columns {', '.join(missing)}.", None
    lines = []
    try:
        for cells in reader:
            lines.append((reader.line_num, cells))
    except csv.Error:
        return f"Line {reader.line_num} is not valid CSV.", None

    areas = {"north": city["north"], "norte": city["north"], "south": city["south"]}
    after, seen, problems, rows, loaded = dict(before), set(), [], 0, 0
    for line, cells in lines:
        if not any(c.strip() for c in cells):
            continue
        rows += 1
        cell = {name: (cells[header.index(name)].strip()
                       if name in header and header.index(name) < len(cells) else "")
                for name in ("phone", "language", "consent_source", "consent_date", "area", "zip")}
        try:
            e164 = normalise(cell["phone"])
        except InvalidPhone:
            problems.append((line, "phone"))
            continue
        language = normalise_code(cell["language"])
        if not language or not is_valid_code(language):
            problems.append((line, "language"))
            continue
        if not cell["consent_source"] or not cell["consent_date"]:
            problems.append((line, "consent"))
            continue
        consent = parse_date(cell["consent_date"])
        if consent is None or consent > city_today():
            problems.append((line, "consent_date"))
            continue
        if e164 in seen:
            problems.append((line, "duplicate"))
            continue
        seen.add(e164)
        if cell["area"]:
            area_id = areas.get(cell["area"].lower())
        else:
            area_id = city["north"] if cell["zip"][:5] == "98118" else None
        if area_id is None and (cell["area"] or cell["zip"]):
            problems.append((line, "area"))
        resident = after.get(e164, Stored(None, False))
        if resident.opted_out:
            problems.append((line, "opted_out"))
        kept_area = resident.contact[1] if resident.contact else None
        after[e164] = replace(resident, locale=resident.locale or language, contact=(
            language, area_id if area_id is not None else kept_area,
            cell["consent_source"][:200], consent, NEW))
        loaded += 1
    return (rows, loaded, [[line, code] for line, code in sorted(problems)]), after


def stored(db) -> dict[str, Stored]:  # type: ignore[no-untyped-def]
    """Every resident with a number, by number (the contact's number decrypted must be it)."""
    by_hash = {phone_hash(n): n for n in NUMBERS}
    found = {}
    for row in db.execute(
            select(Respondent.phone_hash, Respondent.locale, Respondent.opted_out,
                   Contact.phone_encrypted, Contact.language, Contact.area_id,
                   Contact.consent_source, Contact.consent_date, Contact.import_id)
            .outerjoin(Contact, Contact.respondent_id == Respondent.id)
            .where(Respondent.phone_hash.is_not(None))):
        number = by_hash[row.phone_hash]
        contact = None
        if row.phone_encrypted is not None:
            assert decrypt(row.phone_encrypted) == number
            contact = (row.language, row.area_id, row.consent_source, row.consent_date,
                       row.import_id)
        found[number] = Stored(row.locale, row.opted_out, contact)
    return found


def store(db, residents: dict[str, Stored]) -> None:  # type: ignore[no-untyped-def]
    """The residents known before an import, written as they are."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for number, resident in residents.items():
        rid = db.execute(insert(Respondent).values(
            phone_hash=phone_hash(number), locale=resident.locale, opted_out=resident.opted_out,
            followup_consent=False, created_at=now).returning(Respondent.id)).scalar_one()
        if resident.contact:
            language, area_id, source, consent, import_id = resident.contact
            db.execute(insert(Contact).values(
                respondent_id=rid, phone_encrypted=encrypt(number), language=language,
                area_id=area_id, consent_source=source, consent_date=consent,
                import_id=import_id, created_at=now, updated_at=now))
    db.flush()


# -- generated files ------------------------------------------------------------------

def written(number: str, style: int) -> str:
    local = number[2:]
    return (number, f"({local[:3]}) {local[3:6]}-{local[6:]}", f"{local[:3]}.{local[3:6]}.{local[6:]}",
            f" 1-{local[:3]}-{local[3:6]}-{local[6:]} ")[style]


PHONES = st.one_of(
    st.builds(written, st.sampled_from(NUMBERS), st.integers(0, 3)),
    st.sampled_from(["not a number", "", "555", "1" * 300, "+1206555010\x00"]),
)
CELLS = {
    "phone": PHONES,
    "language": st.sampled_from(["es", "en", "vi", "zh-Hant", " ES ", "so", "klingonese", "",
                                 "x" * 500]),
    "area": st.sampled_from(["", "", "north", "North", " norte ", "SOUTH", "atlantis"]),
    "zip": st.sampled_from(["", "98118", "98118-1234", "99999", "981"]),
    "consent_source": st.sampled_from(["Casa Latina", "Casa Latina", "", "Casa\nLatina",
                                       "Library, Central", "é" * 300, "  "]),
    "consent_date": st.sampled_from(["2026-03-01", "2026-03-01", "03/15/2026", "15.03.2026",
                                     "someday", "2026-12-01", "2026-02-30", ""]),
    "notes": st.sampled_from(["", "hi", "a\nb\r\nc", "x" * 5000, '"quoted"']),
}
OPTIONAL = ("area", "zip", "notes")
#: What may make the whole file unreadable (one at most per file, so that the reference,
#: which decodes the whole file first, names the same).
FAULTS = ("none", "none", "none", "none", "utf8", "field_limit", "too_large", "no_consent_column")
#: Residents known before: (locale, opted out, their contact's area: None, "north", or no
#: contact).
RESIDENTS = st.dictionaries(st.sampled_from(NUMBERS), st.tuples(
    st.sampled_from([None, "vi"]), st.booleans(), st.sampled_from([None, "north", "no contact"])),
    max_size=5)


def residents(drawn: dict[str, tuple], city: dict[str, int]) -> dict[str, Stored]:
    return {number: Stored(locale, opted_out, None if area == "no contact" else (
        "en", city.get(area or ""), "Old list", date(2025, 1, 1), None))
        for number, (locale, opted_out, area) in drawn.items()}


@st.composite
def contact_file(draw: st.DrawFn) -> tuple[bytes, str]:
    columns = ["phone", "language", "consent_source", "consent_date",
               *draw(st.lists(st.sampled_from(OPTIONAL), unique=True))]
    columns = draw(st.permutations(columns))
    fault = draw(st.sampled_from(FAULTS))
    if fault == "no_consent_column":
        columns = [c for c in columns if c != "consent_source"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow([draw(st.sampled_from([c, c.upper(), f" {c.title()} "])) for c in columns])
    blank_at = draw(st.integers(0, 30))
    for index in range(draw(st.integers(0, 30))):
        if index == blank_at:  # blank lines: counted in line numbers, not rows
            out.write(draw(st.sampled_from(["\n", "\n,,,\n", "\n" * 70_000])))
        cells = [draw(CELLS[c]) if c in CELLS else "" for c in columns]
        writer.writerow(cells[:draw(st.integers(1, len(cells)))] if draw(st.booleans()) else cells)
    if fault == "field_limit":
        writer.writerow(["2065550199", "es", "x" * (FIELD_LIMIT + 1)])
    data = ("\ufeff" if draw(st.booleans()) else "").encode() + out.getvalue().encode()
    if fault == "utf8":
        data += b"2065550198,es,Caf\xe9,2026-01-01\n"
    return data, fault


# -- the properties ----------------------------------------------------------------------

@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(file=contact_file(), before=RESIDENTS, batch=st.integers(1, 4), read_only=st.booleans())
def test_the_streamed_import_does_what_the_reference_does(db, city, example, file, before, batch,
                                                          read_only) -> None:
    data, fault = file
    before = residents(before, city)
    with example():  # each example starts from the same city
        store(db, before)
        limit = len(data) - 1 if fault == "too_large" else contacts.MAX_CONTACT_BYTES
        with batches_of(batch, limit):
            expected, after = reference(data, before, city)
            try:
                record = import_contacts(ReadOnly(data) if read_only else data, "partner.csv")
            except DomainError as err:
                shape(f"refused whole: {fault}")
                assert str(err) == expected
                assert stored(db) == before, "a refused file left something behind"
                assert db.scalar(select(func.count()).select_from(ContactImport)) == 0
                return
        assert after is not None, f"the reference refused the file: {expected}"
        shape(f"loaded, {'some' if record.problems else 'no'} lines refused or noted, "
              f"{'more than' if record.rows > batch else 'at most'} one batch")
        assert (record.rows, record.loaded, record.problems) == expected
        assert stored(db) == {n: replace(r, contact=r.contact and (*r.contact[:4], record.id))
                              if r.contact and r.contact[4] == NEW else r
                              for n, r in after.items()}


def lines_of(count: int, first: int = 0) -> list[str]:
    return [f"+1206{3_000_000 + first + i:07d},{('es', 'vi', 'en')[i % 3]},,Partner,2026-01-01,"
            for i in range(count)]


def csv_of(lines: list[str]) -> bytes:
    return ("phone,language,zip,consent_source,consent_date,notes\n"
            + "".join(f"{line}\n" for line in lines)).encode()


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(extension.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(extension.engine, "before_cursor_execute", count)


def test_statements_grow_with_the_batches_not_the_lines(db) -> None:
    """12,000 lines: new residents, then the same again (all known: updated), then half
    known. Each run sends a few statements per batch, where the import sent several per
    line before."""
    rows = 12_000
    batches = math.ceil(rows / contacts.BATCH_ROWS)
    runs = [csv_of(lines_of(rows)), csv_of(lines_of(rows)), csv_of(lines_of(rows, rows // 2))]
    for data in runs:
        with counting_statements() as sent:
            record = import_contacts(data, "big.csv")
            db.flush()
        assert record.loaded == rows and record.problems == []
        assert 2 * batches <= len(sent) <= 6 * batches + 12, f"{len(sent)} statements"
    assert db.scalar(select(func.count()).select_from(Contact)) == rows * 3 // 2


def test_duplicates_across_batches_are_refused_and_named(db) -> None:
    data = csv_of([*lines_of(5), *lines_of(2), "206-300-0004,es,,Partner,2026-01-01,"])
    with batches_of(2):
        record = import_contacts(data, "x.csv")
    assert record.loaded == 5
    assert record.problems == [[7, "duplicate"], [8, "duplicate"], [9, "duplicate"]]


def test_a_bad_line_in_the_last_batch_is_named_and_the_others_load(db) -> None:
    """Every good line loads and every bad one is named, as before the import was
    streamed (tests/outreach/test_contacts.py): a bad line refuses only itself."""
    data = csv_of([*lines_of(11), "206-555-0100,es,,Partner,someday,"])
    with batches_of(5):
        record = import_contacts(data, "x.csv")
    assert (record.rows, record.loaded, record.problems) == (12, 11, [[13, "consent_date"]])
    assert db.scalar(select(func.count()).select_from(Contact)) == 11


@pytest.mark.parametrize(("tail", "message"), [
    (b"206-555-0100,es,," + b"x" * (FIELD_LIMIT + 1) + b",2026-01-01,\n", "Line 14 is not valid CSV."),
    (b"206-555-0100,es,,Caf\xe9,2026-01-01,\n", "The file is not UTF-8 text. Save it as CSV UTF-8."),
])
def test_a_file_unreadable_at_its_end_leaves_nothing_behind(db, tail, message) -> None:
    data = csv_of(lines_of(12)) + tail
    with batches_of(5), pytest.raises(DomainError) as refused:
        import_contacts(data, "x.csv")
    assert str(refused.value) == message
    for table in (Contact, Respondent, ContactImport):
        assert db.scalar(select(func.count()).select_from(table)) == 0


def test_a_file_larger_than_the_limit_read_as_a_stream_leaves_nothing_behind(db) -> None:
    data = csv_of(lines_of(12))
    with batches_of(5, max_bytes=len(data) - 1), pytest.raises(DomainError, match="larger than"):
        import_contacts(ReadOnly(data), "x.csv")
    assert db.scalar(select(func.count()).select_from(Contact)) == 0


def test_numbers_are_never_in_errors_reports_or_logs(db, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    data = csv_of(["206-555-0177,klingonese,,Partner,2026-01-01,", "206-555-0178,es,,,,",
                   "206-555-0179,es,,Partner,2026-01-01,"]) + b'206-555-0176,"es' + b"x" * FIELD_LIMIT
    with pytest.raises(DomainError) as refused:
        import_contacts(data, "x.csv")
    record = import_contacts(csv_of(["206-555-0177,klingonese,,Partner,2026-01-01,",
                                     "206-555-0179,es,,Partner,2026-01-01,"]), "x.csv")
    said = " ".join([str(refused.value), repr(record.problems), caplog.text])
    for tail in ("0176", "0177", "0178", "0179"):
        assert tail not in said


def test_the_callers_stream_is_read_to_its_end_and_left_open(db) -> None:
    stream = io.BytesIO(csv_of(lines_of(3)))
    record = import_contacts(stream, "x.csv")
    assert record.loaded == 3 and not stream.closed and stream.read() == b""


def test_a_staff_upload_unreadable_at_its_end_stores_nothing(client, db, login) -> None:
    login("staff")
    page = client.get("/staff/outreach/contacts").get_data(as_text=True)
    data = csv_of(lines_of(3)) + b"206-555-0100,es,,Caf\xe9,2026-01-01,\n"
    with batches_of(2):
        response = client.post("/staff/outreach/contacts", data={
            "csrf_token": csrf_token(page), "file": (io.BytesIO(data), "list.csv")},
            content_type="multipart/form-data")
    assert response.status_code == 200
    assert "not UTF-8" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Contact)) == 0
    assert db.scalar(select(func.count()).select_from(ContactImport)) == 0
