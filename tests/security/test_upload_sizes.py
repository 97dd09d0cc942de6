"""Uploads of real size pass through the web form up to each page's documented limit;
beyond it the page says how large a file it takes. Residents' pages keep the small limit.

Before, every multipart upload was held to the 64 KiB form-field limit whenever its data
had no line break in a 64 KiB stretch (a census CSV of 532 KB, an xlsx of 955 KB: 413).
"""

from __future__ import annotations

import io
import random
import string

from sqlalchemy import func, select

from engage.demographics.baseline_models import BaselineFigure, CensusImport
from engage.demographics.census import MAX_BYTES as CENSUS_MAX_BYTES
from tests.conftest import csrf_token
from tests.demographics.test_census import data_csv

MB = 1024 * 1024
ALPHABET = string.ascii_letters + "áéíóúñ ăâđêôơư "


def census_file(size: int) -> tuple[bytes, int]:
    """A B01001 (sex by age) download of ``size`` bytes: the fixture's tract, repeated
    for as many distinct tracts as fit, each line as long as the Bureau writes it."""
    header, labels, row, *_ = data_csv("B01001").decode("utf-8-sig").splitlines()
    geo_id = row.split(",", 1)[0].strip('"')
    lines = [header, labels]
    total, n = len(header) + len(labels) + 4, 0
    while True:
        line = row.replace(geo_id, f"1400000US06{n:09d}", 1)
        if total + len(line) + 2 > size:
            break
        lines.append(line)
        total += len(line) + 2
        n += 1
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode(), n


def post_census(client, data: bytes, name: str = "ACSDT5Y2023.B01001-Data.csv"):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/staff/baselines/").get_data(as_text=True))
    return client.post("/staff/baselines/", content_type="multipart/form-data", data={
        "census-csrf_token": token, "census-table": "",
        "census-file": (io.BytesIO(data), name)})


def test_a_15_mb_census_download_is_imported_through_the_form(client, db, login) -> None:
    data, tracts = census_file(15 * MB)
    assert len(data) > 14.9 * MB and tracts > 20_000
    login("admin")
    response = post_census(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    assert db.scalar(select(CensusImport.geographies)) == tracts
    assert db.scalar(select(func.count(func.distinct(BaselineFigure.geo_id)))) == tracts


def test_a_census_file_with_no_line_break_for_a_megabyte_is_read_not_refused(client, db, login) -> None:
    """The shape that was refused or not depending on where its line breaks fell: the
    file is now read (and refused for what it holds, with the line, not with a 413)."""
    data = b'"GEO_ID","NAME","B01001_001E"\r\n"' + b"x" * MB + b'"\r\n'
    login("admin")
    response = post_census(client, data)
    assert response.status_code == 422
    assert "too large" not in response.get_data(as_text=True)


def test_a_file_beyond_the_limit_is_refused_saying_the_limit(client, db, login) -> None:
    login("admin")
    response = post_census(client, b"x" * (CENSUS_MAX_BYTES + 128 * 1024))
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "That file is too large" in text
    assert f"files of up to {CENSUS_MAX_BYTES // MB} MB" in text
    assert db.scalar(select(func.count()).select_from(CensusImport)) == 0
    # the page works on as before
    assert client.get("/staff/baselines/").status_code == 200


def test_residents_pages_keep_the_small_limit(client, db, make_survey) -> None:
    """Only pages that take files take large bodies: a resident's page takes an answer."""
    survey = make_survey()
    response = client.post(f"/s/{survey.slug}", data={"x": "y" * (300 * 1024)})
    assert response.status_code == 413
    assert "Please shorten your answer" in response.get_data(as_text=True)


def test_a_5_mb_xlsform_is_imported_through_the_form(client, db, login) -> None:
    """The largest form the page takes: 5,000 choices with long labels in six languages
    (random letters, so the workbook packs no smaller than real text would)."""
    from engage.surveys.models import Survey
    from engage.surveys.xlsform.format import MAX_BYTES as XLSFORM_MAX_BYTES
    from tests.security.test_xlsform_bombs import big_form, excel_workbook
    from tests.surveys.test_xlsform import _upload

    letters = random.Random(14)
    sheets = big_form(5000, lambda i, language: "".join(letters.choices(ALPHABET, k=180)))
    data = excel_workbook(sheets)
    assert 4.5 * MB < len(data) <= XLSFORM_MAX_BYTES == 5 * MB
    login("staff")
    response = _upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    survey = db.scalar(select(Survey).where(Survey.slug == "big-form"))
    assert len(survey.questions[0].choices) == 5000


def contact_list(size: int) -> tuple[bytes, int]:
    """A partner's list of ``size`` bytes: distinct numbers written as people write them,
    with the notes partners keep (a line of about 200 bytes)."""
    lines = ["Phone,Language,ZIP,Consent_Source,Consent_Date,Notes"]
    total, n = len(lines[0]) + 1, 0
    while True:
        digits = f"{2_000_000 + n:07d}"
        number = (f"(206) {digits[:3]}-{digits[3:]}", f"206-{digits[:3]}-{digits[3:]}",
                  f"+1206{digits}")[n % 3]
        line = (f'{number},{("es", "vi", "zh-Hant", "so", "en")[n % 5]},98118,'
                f'"Rainier Beach health fair, volunteer sheet {n // 40}",2026-03-01,'
                f'"met at the fair, table {n % 9}; prefers texts in the evening, not on Fridays; '
                f'asked about the bus survey and the library hours"')
        if total + len(line) + 1 > size:
            break
        lines.append(line)
        total += len(line) + 1
        n += 1
    return ("\n".join(lines) + "\n").encode(), n


def test_a_20_mb_contact_list_is_loaded_through_the_form(client, db, login) -> None:
    """The page set its larger limit after the CSRF check had read the form: anything over
    ~256 KB was a 413 "Please shorten your answer"."""
    from engage.outreach.contacts import MAX_CONTACT_BYTES
    from engage.outreach.models import Contact, ContactImport

    data, rows = contact_list(MAX_CONTACT_BYTES)
    assert len(data) > MAX_CONTACT_BYTES - 1024 and rows > 90_000
    login("staff")
    token = csrf_token(client.get("/staff/outreach/contacts").get_data(as_text=True))
    response = client.post("/staff/outreach/contacts", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(data), "partner.csv")})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    record = db.scalar(select(ContactImport))
    assert (record.rows, record.loaded) == (rows, rows)
    assert db.scalar(select(func.count()).select_from(Contact)) == rows
