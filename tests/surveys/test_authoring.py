"""Staff build, translate, preview and publish a survey through the editor."""

from __future__ import annotations

from sqlalchemy import select

from engage.surveys.models import Survey
from tests.conftest import csrf_token


def post(client, url: str, **data):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(url if "/new" in url or "/edit" in url else "/staff/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_build_translate_and_publish(client, db, login) -> None:
    login("staff")
    created = post(client, "/staff/surveys/new", title="Parks survey", slug="parks",
                   default_locale="en", other_locales="es, ar", channels=["web"], department_id="0")
    assert created.status_code == 302, created.get_data(as_text=True)
    survey = db.scalar(select(Survey).where(Survey.slug == "parks"))
    assert survey.locales == ["en", "es", "ar"]
    base = f"/staff/surveys/{survey.id}"
    added = post(client, f"{base}/questions/new?type=single_choice", type="single_choice",
                 prompt__en="Do you visit parks?", prompt__es="¿Visita parques?",
                 choices__en="Often\nNever", choices__es="Seguido\nNunca", choices__ar="غالبا",
                 condition="")
    assert added.status_code == 302, added.get_data(as_text=True)

    refused = post(client, f"{base}/publish")
    page = client.get(refused.location).get_data(as_text=True)
    assert survey.status == "draft"
    for missing in ("العربية: the title is missing", "Español: the introduction is missing",
                    "العربية: question 1 is missing", "العربية: option 2 of question 1 is missing"):
        assert missing in page, missing

    texts = {f"{name}__{code}": f"{name} {code}" for name in ("title", "intro", "thanks")
             for code in ("en", "es", "ar")}
    saved = post(client, f"{base}/edit", slug="parks", default_locale="en", other_locales="es, ar",
                 channels=["web"], department_id="0", **texts)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    question_id = survey.questions[0].id
    post(client, f"{base}/questions/{question_id}", type="single_choice", key="visits",
         prompt__en="Do you visit parks?", prompt__es="¿Visita parques?", prompt__ar="هل تزور الحدائق؟",
         choices__en="Often\nNever", choices__es="Seguido\nNunca", choices__ar="غالبا\nأبدا",
         condition="")
    post(client, f"{base}/publish")
    db.refresh(survey)
    assert survey.status == "published"

    preview = client.get(f"{base}/preview?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in preview and "هل تزور الحدائق؟" in preview and "أبدا" in preview
    resident = client.get("/s/parks?lang=es").get_data(as_text=True)
    assert "title es" in resident


def test_published_structure_is_locked_but_wording_can_be_fixed(client, db, login, make_survey) -> None:
    survey = make_survey()
    login("staff")
    base = f"/staff/surveys/{survey.id}"
    tenure = survey.questions[0]
    locked = post(client, f"{base}/questions/{tenure.id}/delete")
    assert len(survey.questions) == 5
    assert "locked" in client.get(locked.location).get_data(as_text=True)
    fields = {"type": "single_choice", "key": "tenure", "required": "y", "condition": "",
              "prompt__en": "Do you own or rent?", "prompt__es": "¿Dueño o alquila?",
              "prompt__vi": "Sở hữu hay thuê?", "choices__en": "Own\nRent",
              "choices__es": "Dueño\nAlquilo", "choices__vi": "Sở hữu\nThuê"}
    assert post(client, f"{base}/questions/{tenure.id}", **fields).status_code == 302
    db.refresh(tenure)
    assert tenure.prompt["en"] == "Do you own or rent?"
    more = dict(fields, choices__en="Own\nRent\nOther")
    assert post(client, f"{base}/questions/{tenure.id}", **more).status_code == 422
    emptied = dict(fields, prompt__vi="")
    response = post(client, f"{base}/questions/{tenure.id}", **emptied)
    assert response.status_code == 422 and "Tiếng Việt: question 1 is missing" in response.get_data(as_text=True)
    db.refresh(tenure)
    assert tenure.prompt["vi"] == "Sở hữu hay thuê?", "a refused edit loses nothing saved"


def test_skip_logic_must_point_to_an_earlier_question(client, db, login, make_survey) -> None:
    survey = make_survey(publish=False)
    login("staff")
    base = f"/staff/surveys/{survey.id}"
    tenure = survey.questions[0]
    response = post(client, f"{base}/questions/{tenure.id}/down")
    assert response.status_code == 302
    moved = post(client, f"{base}/questions/{survey.questions[0].id}/down")
    page = client.get(moved.location).get_data(as_text=True)
    assert "before the question its skip logic depends on" in page


def test_oversized_posts_are_refused_politely(client, make_survey) -> None:
    make_survey()
    response = client.post("/s/housing/q", data={"answer": "x" * 400_000})
    assert response.status_code == 413
    assert "too much" in response.get_data(as_text=True)


def test_nul_bytes_are_refused_not_stored(client, db, login) -> None:
    login("staff")
    response = post(client, "/staff/surveys/new", title="Bad\x00title", slug="nul",
                    default_locale="en", channels=["web"], department_id="0")
    assert response.status_code == 400
    assert db.scalar(select(Survey).where(Survey.slug == "nul")) is None
