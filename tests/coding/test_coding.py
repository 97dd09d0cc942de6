"""Theme coding of free-text answers: keyword suggestions in each language, coding as
a replaced set, theme counts by group and by language counted in SQL, and the pages."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from engage.extensions import db as _db
from engage.responses.models import Answer
from engage.results.queries import NO_ANSWER
from engage.surveys import operations as surveys
from engage.surveys.operations import QuestionData
from engage.surveys.queries import survey_spec
from engage.surveys.standard_questions import add_standard_questions
from tests.conftest import csrf_token, form_post
from tests.results.test_results import answer


@pytest.fixture
def coding():  # type: ignore[no-untyped-def]
    from engage.coding import operations, queries

    return SimpleNamespace(operations=operations, queries=queries)


KEYWORDS = {
    "transit": {"en": ["bus", "transit"], "es": ["autobús", "tránsito", "bus"],
                "vi": ["xe buýt", "giao thông"], "zh_Hans": ["公交"]},
    "housing": {"en": ["rent*", "housing"], "es": ["alquiler", "renta"], "vi": ["tiền thuê", "nhà ở"]},
    "parks": {"en": ["park"], "es": ["parque"], "vi": ["công viên"]},
}
THEMES = [SimpleNamespace(id=i, keywords=k) for i, k in enumerate(KEYWORDS.values(), start=1)]
TRANSIT, HOUSING, PARKS = 1, 2, 3


def test_suggestions_in_each_language(coding) -> None:  # type: ignore[no-untyped-def]
    suggest = coding.operations.suggest
    assert suggest("The BUS is always late and rents keep rising.", "en", THEMES) == [TRANSIT, HOUSING]
    assert suggest("Parking downtown is impossible", "en", THEMES) == [], "whole words only"
    assert suggest("El transito es muy lento", "es", THEMES) == [TRANSIT], "accents ignored"
    assert suggest("Más PARQUE, por favor.", "es", THEMES) == [PARKS]
    assert suggest("Giao thông rất tệ, không có xe buyt", "vi", THEMES) == [TRANSIT]
    assert suggest("Tien thue nha qua cao", "vi", THEMES) == [HOUSING], "typed without accents"
    assert suggest("公交车太少了", "zh_Hans", THEMES) == [TRANSIT], "no spaces between words"
    # The answer's own language first, then every language's keywords.
    assert suggest("Necesitamos un park y baja la renta", "es", THEMES) == [HOUSING, PARKS]
    assert suggest("", "en", THEMES) == []


@pytest.fixture
def survey(db, make_survey):  # type: ignore[no-untyped-def]
    made = make_survey("themes", publish=False)
    surveys.add_question(made, QuestionData("free_text", {"en": "Ideas?", "es": "¿Ideas?", "vi": "Ý kiến?"},
                                            key="ideas", max_length=200))
    add_standard_questions(made, ["home_language"])
    surveys.publish_survey(made)
    db.commit()
    return made


def _themes(coding, survey):  # type: ignore[no-untyped-def]
    names = {"transit": "Transit", "housing": "Housing", "parks": "Parks"}
    return {slug: coding.operations.create_theme(survey, slug, {"en": names[slug], "es": names[slug]},
                                                 KEYWORDS[slug])
            for slug in KEYWORDS}


def _answer_id(survey, key: str, text: str) -> int:  # type: ignore[no-untyped-def]
    question = survey_spec(survey).question(key)
    return _db.session.scalar(select(Answer.id).where(Answer.question_id == question.id, Answer.text == text))


def test_themes_are_checked_and_coding_replaces_the_set(coding, db, survey, make_survey) -> None:  # type: ignore[no-untyped-def]
    from engage.core.errors import DomainError

    themes = _themes(coding, survey)
    assert "zh_Hans" not in themes["transit"].keywords, "keywords of the survey's languages only"
    with pytest.raises(DomainError):
        coding.operations.create_theme(survey, "transit", {"en": "Again"}, {})
    with pytest.raises(DomainError):
        coding.operations.create_theme(survey, "Not a code!", {"es": "Sin inglés"}, {})
    coding.operations.update_keywords(themes["parks"], {"en": "park, playground, park", "es": ["parque"]})
    assert themes["parks"].keywords == {"en": ["park", "playground"], "es": ["parque"]}

    answer(survey, "web", "en", {"tenure": "1", "comments": "bus and rent"})
    answer_id = _answer_id(survey, "comments", "bus and rent")
    ids = {slug: t.id for slug, t in themes.items()}
    coding.operations.code_answer(answer_id, [ids["transit"], ids["housing"]])
    assert coding.queries.codings([answer_id]) == {answer_id: {ids["transit"], ids["housing"]}}
    coding.operations.code_answer(answer_id, [ids["housing"], ids["parks"]])
    assert coding.queries.codings([answer_id]) == {answer_id: {ids["housing"], ids["parks"]}}
    coding.operations.code_answer(answer_id, [])
    assert coding.queries.codings([answer_id]) == {}

    other = coding.operations.create_theme(make_survey("other"), "transit", {"en": "Transit"}, {})
    with pytest.raises(DomainError):
        coding.operations.code_answer(answer_id, [other.id])


RESIDENTS = [  # (language of the survey, home language by number: 1 en, 2 es, 3 vi; comments; ideas)
    ("en", "1", "The bus never comes", "More park space"),
    ("es", "2", "El tránsito y la renta", None),
    ("es", "2", "Un parque", "más parques y PARQUE"),
    ("vi", "3", "Giao thông tệ", None),
    ("en", None, "Nothing to add", None),
    ("en", "2", None, None),
]


def _code_everything(coding, survey) -> dict[str, int]:  # type: ignore[no-untyped-def]
    ids = {slug: t.id for slug, t in _themes(coding, survey).items()}
    themes = coding.queries.survey_themes(survey.id)
    for locale, home, comments, ideas in RESIDENTS:
        typed = {"tenure": "1", **({"home_language": home} if home else {}),
                 **({"comments": comments} if comments else {}), **({"ideas": ideas} if ideas else {})}
        answer(survey, "sms", locale, typed)
        for key, text in (("comments", comments), ("ideas", ideas)):
            if text:
                coding.operations.code_answer(_answer_id(survey, key, text),
                                              coding.operations.suggest(text, locale, themes))
    return ids


def test_counts_by_group_and_by_language_in_sql(coding, db, survey) -> None:  # type: ignore[no-untyped-def]
    ids = _code_everything(coding, survey)
    transit, housing, parks = ids["transit"], ids["housing"], ids["parks"]
    spec = survey_spec(survey)
    comments = [spec.question("comments").id]

    statements: list[str] = []
    connection = db.connection()
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(connection, "before_cursor_execute", listen)
    try:
        by_home = coding.queries.theme_counts(survey.id, comments, "home_language")
    finally:
        event.remove(connection, "before_cursor_execute", listen)
    assert by_home.answered == {"en": 1, "es": 2, "vi": 1, NO_ANSWER: 1}
    assert by_home.coded == {"en": 1, "es": 2, "vi": 1}, "'Nothing to add' has no theme"
    assert by_home.counts == {"en": {transit: 1}, "es": {transit: 1, housing: 1, parks: 1}, "vi": {transit: 1}}
    themed = [s for s in statements if "answer_theme" in s]
    assert len(themed) == 2 and all("GROUP BY" in s for s in themed), "counted in SQL"
    assert len(statements) <= 4, "a few aggregate queries, whatever the number of answers"

    by_language = coding.queries.theme_counts(survey.id, comments, "locale")
    assert by_language.answered == {"en": 2, "es": 2, "vi": 1}
    assert by_language.counts == {"en": {transit: 1}, "es": {transit: 1, housing: 1, parks: 1},
                                  "vi": {transit: 1}}

    # The whole survey: a respondent counts once per theme, however many answers carry it.
    everything = coding.queries.free_text_questions(spec)
    overall = coding.queries.theme_counts(survey.id, [q.id for q in everything], None)
    assert overall.answered == {"all": 5}
    assert overall.counts == {"all": {transit: 3, housing: 1, parks: 2}}, "the third resident once"


def test_viewers_cannot_code(client, db, login, survey, coding) -> None:  # type: ignore[no-untyped-def]
    themes = _themes(coding, survey)
    db.commit()
    login("viewer")
    base = f"/staff/surveys/{survey.id}/themes"
    page = client.get(base)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Transit" in html and "Add a theme" not in html and "Edit keywords" not in html
    token = csrf_token(client.get(f"/staff/surveys/{survey.id}/results").get_data(as_text=True))
    assert client.get(f"{base}/code?question=comments").status_code == 403
    assert client.post(f"{base}/code?question=comments", data={"csrf_token": token}).status_code == 403
    assert client.post(f"{base}/new", data={"csrf_token": token, "slug": "x", "name__en": "X"}).status_code == 403
    assert client.get(f"{base}/{themes['parks'].id}/keywords").status_code == 403


def test_coding_page_suggests_saves_and_shows_counts(client, db, login, survey, coding) -> None:  # type: ignore[no-untyped-def]
    base = f"/staff/surveys/{survey.id}/themes"
    login("staff")
    for slug, en, es in (("transit", "bus, transit", "tránsito"), ("parks", "park", "parque")):
        response = form_post(client, base, f"{base}/new", slug=slug, name__en=slug.title(),
                             name__es=slug.title() + " (es)", keywords__en=en, keywords__es=es)
        assert response.status_code == 302, response.get_data(as_text=True)
    refused = form_post(client, base, f"{base}/new", slug="transit", name__en="Again")
    assert "already has a theme" in refused.get_data(as_text=True)
    transit, parks = coding.queries.survey_themes(survey.id)
    answer(survey, "web", "es", {"tenure": "1", "comments": "El transito es lento"})
    answer(survey, "web", "en", {"tenure": "1", "comments": "A park <b>please</b>"})
    db.commit()
    first = _answer_id(survey, "comments", "El transito es lento")
    second = _answer_id(survey, "comments", "A park <b>please</b>")

    html = client.get(f"{base}/code?question=comments").get_data(as_text=True)
    assert f'name="themes-{first}" value="{transit.id}" checked' in html
    assert f'name="themes-{first}" value="{parks.id}">' in html
    assert html.count("suggested") >= 2 + 1, "two suggestions, and the explanation"
    assert 'dir="auto" lang="es">El transito es lento</blockquote>' in html
    assert "&lt;b&gt;please" in html

    # Staff keep the suggestion for the first answer and code the second as transit too.
    response = client.post(f"{base}/code?question=comments&page=1", data={
        "csrf_token": csrf_token(html), "answer": [first, second],
        f"themes-{first}": [transit.id], f"themes-{second}": [transit.id]})
    assert response.status_code == 302
    assert coding.queries.codings([first, second]) == {first: {transit.id}, second: {transit.id}}
    html = client.get(f"{base}/code?question=comments").get_data(as_text=True)
    assert f'name="themes-{second}" value="{parks.id}">' in html, "coded: no longer suggested"

    counts = client.get(f"{base}?by=locale&question=comments").get_data(as_text=True)
    assert "Español" in counts and "English" in counts
    assert "1 wrote, 1 coded" in counts
    assert "100%" in counts
