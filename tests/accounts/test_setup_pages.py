from __future__ import annotations

from sqlalchemy import select

from engage.org.models import Area
from tests.conftest import form_post


def test_admin_adds_a_neighborhood_and_duplicates_are_refused(client, db, login) -> None:
    login("admin")
    added = form_post(client, "/staff/areas/", slug="south-park", name__en="South Park",
                      name__es="South Park", name__vi="Công viên Nam")
    assert added.status_code == 302
    again = form_post(client, "/staff/areas/", slug="south-park", name__en="Other")
    assert "already used" in again.get_data(as_text=True)
    area = db.scalar(select(Area).where(Area.slug == "south-park"))
    assert area.name == {"en": "South Park", "es": "South Park", "vi": "Công viên Nam"}
    missing = form_post(client, "/staff/departments/", slug="parks-2")
    assert missing.status_code == 200 and "This field is required" in missing.get_data(as_text=True)
