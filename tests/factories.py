"""Factory fixtures: staff accounts, signed-in clients and surveys, made through the
same operations the app uses and committed (to the test's savepoint), as the request
that made them would have: tests share the app context, and so the session, with the
client's requests, whose error responses roll back what is not committed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engage.accounts.models import User
from engage.accounts.operations import create_user
from engage.org.models import Department
from engage.responses.models import Answer, Response, ResponseStatus
from engage.surveys import operations
from engage.surveys.models import Survey
from engage.surveys.operations import ChoiceData, QuestionData, SurveyData

PASSWORD = "correct horse battery"


@pytest.fixture
def department(db) -> Department:  # type: ignore[no-untyped-def]
    dept = Department(slug="parks", name={"en": "Parks", "es": "Parques"})
    db.add(dept)
    db.flush()
    return dept


@pytest.fixture
def make_user(db, department) -> Callable[..., User]:  # type: ignore[no-untyped-def]
    def make(role: str = "staff", email: str | None = None) -> User:
        user = create_user(email or f"{role}@city.test", PASSWORD, role,
                           department_id=department.id if role == "planner" else None)
        db.commit()
        return user

    return make


@pytest.fixture
def login(client: FlaskClient, make_user) -> Callable[[str], User]:  # type: ignore[no-untyped-def]
    from tests.conftest import form_post

    def sign_in(role: str) -> User:
        user = make_user(role)
        response = form_post(client, "/staff/login", email=user.email, password=PASSWORD)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in


def _t(en: str, es: str, vi: str) -> dict[str, str]:
    return {"en": en, "es": es, "vi": vi}


def _c(value: str, en: str, es: str, vi: str) -> ChoiceData:
    return ChoiceData(_t(en, es, vi), value)


def survey_data(slug: str = "housing", **overrides: object) -> SurveyData:
    data = SurveyData(
        slug=slug, title=_t("Housing", "Vivienda", "Nhà ở"),
        intro=_t("Tell us", "Cuéntenos", "Hãy cho biết"), thanks=_t("Thanks", "Gracias", "Cảm ơn"),
        default_locale="en", locales=["en", "es", "vi"], channels=["web", "sms"],
        sms_keyword=slug.upper()[:10],
    )
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


QUESTIONS = (
    QuestionData("single_choice", _t("Own or rent?", "¿Dueño o alquila?", "Sở hữu hay thuê?"),
                 key="tenure", required=True,
                 choices=[_c("own", "Own", "Dueño", "Sở hữu"), _c("rent", "Rent", "Alquilo", "Thuê")]),
    QuestionData("rating", _t("Rate repairs", "Califique", "Đánh giá"), key="repairs",
                 low_label=_t("Bad", "Malo", "Tệ"), high_label=_t("Good", "Bueno", "Tốt"),
                 condition={"clauses": [{"question": "tenure", "op": "equals", "value": "rent"}]}),
    QuestionData("multiple_choice", _t("Transport", "Transporte", "Đi lại"), key="transport",
                 choices=[_c("bus", "Bus", "Autobús", "Xe buýt"),
                          _c("walk", "Walk", "A pie", "Đi bộ"),
                          _c("car", "Car", "Carro", "Ô tô")]),
    QuestionData("number", _t("Years here?", "¿Años aquí?", "Bao nhiêu năm?"), key="years",
                 minimum=0, maximum=100),
    QuestionData("free_text", _t("Anything else?", "¿Algo más?", "Điều gì khác?"),
                 key="comments", max_length=200),
)


@pytest.fixture
def make_survey(db) -> Callable[..., Survey]:  # type: ignore[no-untyped-def]
    def make(slug: str = "housing", publish: bool = True, **overrides: object) -> Survey:
        survey = operations.create_survey(survey_data(slug, **overrides))
        for question in QUESTIONS:
            operations.add_question(survey, question)
        if publish:
            operations.publish_survey(survey)
        db.commit()  # as the request that made it would; a later request's rollback keeps it
        return survey

    return make


def assert_started_again_keeping_answers(db) -> None:
    """After "start again": one live response with no answers yet, and the earlier one
    set aside (abandoned) with every answer it had, never deleted or mixed in."""
    responses = db.scalars(select(Response).order_by(Response.id)).all()
    assert [r.status for r in responses] == [ResponseStatus.ABANDONED, ResponseStatus.IN_PROGRESS]
    old, new = responses
    assert old.abandoned_at is not None
    assert db.scalar(select(func.count(Answer.id)).where(Answer.response_id == old.id)) >= 1
    assert db.scalar(select(func.count(Answer.id)).where(Answer.response_id == new.id)) == 0
