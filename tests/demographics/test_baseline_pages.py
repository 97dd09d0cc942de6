"""Census baselines uploaded and mapped in the staff UI."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from engage.demographics.baseline_models import BaselineFigure, GeographyArea
from engage.org.models import Area
from tests.conftest import csrf_token
from tests.demographics.test_census import TRACT_A, data_csv


def test_upload_a_table_and_map_tracts(client, db, login) -> None:
    db.add(Area(slug="north", name={"en": "North"}))
    db.commit()
    login("admin")
    token = csrf_token(client.get("/staff/baselines/").get_data(as_text=True))
    done = client.post("/staff/baselines/", content_type="multipart/form-data", data={
        "census-csrf_token": token, "census-table": "",
        "census-file": (io.BytesIO(data_csv("B03002")), "ACSDT5Y2023.B03002-Data.csv")})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    assert db.scalar(select(func.count()).select_from(BaselineFigure)) > 0
    mapped = client.post("/staff/baselines/", content_type="multipart/form-data", data={
        "map-csrf_token": token,
        "map-file": (io.BytesIO(f"geo_id,area\n{TRACT_A},north\n".encode()), "map.csv")})
    assert mapped.status_code == 302
    assert db.scalar(select(GeographyArea.geo_id)) == TRACT_A
    page = client.get("/staff/baselines/").get_data(as_text=True)
    assert "B03002" in page and TRACT_A in page


def test_a_bad_file_names_line_and_column(client, db, login) -> None:
    login("admin")
    token = csrf_token(client.get("/staff/baselines/").get_data(as_text=True))
    broken = data_csv("B25003").replace(b'"6100"', b'"lots"', 1)
    refused = client.post("/staff/baselines/", content_type="multipart/form-data", data={
        "census-csrf_token": token, "census-table": "",
        "census-file": (io.BytesIO(broken), "ACSDT5Y2023.B25003-Data.csv")})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Line 3" in text and "B25003_002E" in text
    assert db.scalar(select(func.count()).select_from(BaselineFigure)) == 0
