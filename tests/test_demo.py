"""`flask engage demo`: a working survey with synthetic responses, loaded once."""

from __future__ import annotations

from sqlalchemy import func, select

from engage.demo import load_demo
from engage.responses.models import Response
from engage.surveys.models import Survey


def test_demo_loads_once_and_shows_on_the_dashboard(client, db, login) -> None:
    load_demo(120)
    second = load_demo(120)
    assert second == ["Demo data already loaded: nothing added."]
    survey = db.scalar(select(Survey).where(Survey.slug == "demo"))
    assert survey.status == "published" and survey.locales == ["en", "es", "vi"]
    counts = dict(db.execute(select(Response.channel, func.count()).group_by(Response.channel)).all())
    assert sum(counts.values()) == 120 and set(counts) == {"web", "sms", "voice"}
    assert db.scalar(select(func.count()).where(Response.synthetic.is_(False))) == 0
    login("viewer")
    page = client.get("/staff/").get_data(as_text=True)
    assert "Your neighborhood, your say" in page and "SMS:" in page
    assert client.get("/s/demo?lang=vi").status_code == 200
