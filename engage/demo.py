"""Demo data: a department, three neighbourhoods, a trilingual survey with skip logic
and synthetic responses over every channel, all labelled synthetic."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from engage.accounts.models import User
from engage.accounts.operations import create_user
from engage.core.clock import utcnow
from engage.demographics.baseline_models import CensusImport
from engage.demographics.baselines import import_baseline, map_geography
from engage.demographics.standard import DIMENSIONS
from engage.engine import Action, Input, Outcome, Policy, QuestionSpec, question_type, start, step
from engage.extensions import db
from engage.org.models import Area, Department
from engage.outreach.campaigns import CampaignData, save_campaign
from engage.outreach.contacts import import_contacts
from engage.outreach.models import Campaign
from engage.plans import operations as plans
from engage.plans.models import ActionStatus, Goal
from engage.responses import operations as responses
from engage.responses.models import Response
from engage.surveys import operations as surveys
from engage.surveys.models import Survey
from engage.surveys.operations import ChoiceData, QuestionData, SurveyData
from engage.surveys.queries import survey_spec
from engage.surveys.standard_questions import add_standard_questions, question_data

DEMO_PASSWORD = "engage-demo-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_USERS = (
    ("admin@example.org", "admin"),
    ("staff@example.org", "staff"),
    ("planner@example.org", "planner"),
    ("viewer@example.org", "viewer"),
)
AREAS = (
    ("riverside", {"en": "Riverside", "es": "Riverside", "vi": "Riverside"}),
    ("northgate", {"en": "Northgate", "es": "Northgate", "vi": "Northgate"}),
    ("eastside", {"en": "Eastside", "es": "Eastside", "vi": "Eastside"}),
)


def _t(en: str, es: str, vi: str) -> dict[str, str]:
    return {"en": en, "es": es, "vi": vi}


def _c(value: str, en: str, es: str, vi: str) -> ChoiceData:
    return ChoiceData(_t(en, es, vi), value)


QUESTIONS = (
    QuestionData("rating", _t("How quickly does your landlord make repairs?",
                              "¿Qué tan rápido hace reparaciones su arrendador?",
                              "Chủ nhà sửa chữa nhanh như thế nào?"), key="repairs",
                 low_label=_t("Very slowly", "Muy lento", "Rất chậm"),
                 high_label=_t("Very quickly", "Muy rápido", "Rất nhanh"),
                 condition={"mode": "all", "clauses": [{"question": "tenure", "op": "equals",
                                                        "value": "rent"}]}),
    QuestionData("multiple_choice", _t("How do you usually get around?", "¿Cómo se transporta normalmente?",
                                       "Bạn thường đi lại bằng cách nào?"), key="transport",
                 choices=[_c("bus", "Bus", "Autobús", "Xe buýt"),
                          _c("rail", "Light rail", "Tren ligero", "Tàu điện"),
                          _c("bike", "Bicycle", "Bicicleta", "Xe đạp"),
                          _c("walk", "Walking", "A pie", "Đi bộ"),
                          _c("car", "Car", "Carro", "Ô tô")]),
    QuestionData("yes_no", _t("Do you feel safe walking in your neighborhood at night?",
                              "¿Se siente seguro(a) caminando en su vecindario de noche?",
                              "Bạn có cảm thấy an toàn khi đi bộ trong khu phố vào ban đêm không?"),
                 key="safe_night"),
    QuestionData("single_choice", _t("What should the city do first?",
                                     "¿Qué debería hacer primero la ciudad?",
                                     "Thành phố nên làm gì trước tiên?"), key="priority",
                 choices=[_c("housing", "Affordable housing", "Vivienda asequible", "Nhà ở giá rẻ"),
                          _c("parks", "Parks", "Parques", "Công viên"),
                          _c("transit", "Transit", "Transporte público", "Giao thông công cộng"),
                          _c("safety", "Street safety", "Seguridad en las calles", "An toàn đường phố"),
                          _c("jobs", "Jobs", "Empleos", "Việc làm")]),
    QuestionData("number", _t("How many years have you lived in this neighborhood?",
                              "¿Cuántos años ha vivido en este vecindario?",
                              "Bạn đã sống ở khu phố này bao nhiêu năm?"), key="years",
                 minimum=0, maximum=100),
    QuestionData("free_text", _t("Anything else the city should hear?", "¿Algo más que la ciudad deba saber?",
                                 "Bạn có muốn thành phố biết thêm điều gì không?"), key="comments",
                 max_length=500),
)

DEMOGRAPHICS = ("race_ethnicity", "home_language", "area", "age_band", "gender_identity",
                "income_band", "disability")

#: Rough shares for a diverse US city's residents, so breakdowns look like a real
#: neighbourhood's (and some groups come out small, as they do).
DEMO_SHARES = {
    "race_ethnicity": {"white": 34, "hispanic": 24, "asian": 18, "black": 14, "mena": 3,
                       "nhpi": 2, "aian": 2},
    "home_language": {"en": 45, "es": 22, "vi": 10, "zh": 8, "tl": 5, "ar": 2, "so": 3,
                      "ko": 2, "other": 3},
    "age_band": {"age_under_18": 2, "age_18_24": 10, "age_25_34": 22, "age_35_44": 20,
                 "age_45_54": 16, "age_55_64": 14, "age_65_74": 10, "age_75_plus": 6},
    "income_band": {"income_under_25k": 22, "income_25k_50k": 22, "income_50k_75k": 18,
                    "income_75k_100k": 14, "income_100k_150k": 14, "income_150k_plus": 10},
    "tenure": {"own": 40, "rent": 55, "other_arrangement": 5},
}

COMMENTS = {
    "en": ["More buses at night please", "Fix the sidewalks on 5th", "Rents are too high"],
    "es": ["Más autobuses por la noche", "Arreglen las banquetas", "Las rentas son muy altas"],
    "vi": ["Cần thêm xe buýt buổi tối", "Sửa vỉa hè", "Tiền thuê nhà quá cao"],
}


def load_demo(n_responses: int = 500, seed: int = 2026) -> list[str]:
    lines: list[str] = []
    department = _department()
    areas = _areas()
    for email, role in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            create_user(email, DEMO_PASSWORD, role, email.split("@")[0].title(),
                        department.id if role == "planner" else None)
            lines.append(f"Created {role} account {email} (password: {DEMO_PASSWORD})")
    survey = db.session.scalar(select(Survey).where(Survey.slug == "demo"))
    if survey is None:
        survey = _survey(department, areas)
        lines.append("Created the demo survey at /s/demo (English, Español, Tiếng Việt)")
    existing = db.session.scalar(select(func.count(Response.id)).where(Response.survey_id == survey.id))
    if not existing:
        _synthetic_responses(survey, n_responses, random.Random(seed))
        survey.results_published_at = utcnow()
        lines.append(f"Added {n_responses} synthetic responses (labelled synthetic); results published")
    if db.session.scalar(select(func.count(CensusImport.id))) == 0:
        lines.append(_baselines())
    if db.session.scalar(select(func.count(Campaign.id))) == 0:
        lines.append(_outreach(survey))
    if db.session.scalar(select(func.count(Goal.id))) == 0:
        lines.append(_plan(department, survey))
    return lines or ["Demo data already loaded: nothing added."]


#: Census tracts (in the demo files, real-format ACS downloads) and the demo areas.
DEMO_TRACTS = {"1400000US53033010001": "riverside", "1400000US53033010002": "northgate"}


def _baselines() -> str:
    """Census baselines for the demo's neighbourhoods, from files in the Bureau's format."""
    folder = Path(__file__).parent / "demo_data"
    files = sorted(folder.glob("ACSDT5Y2023.*-Data.csv"))
    for path in files:
        import_baseline(path.read_bytes(), filename=path.name)
    for geo_id, slug in DEMO_TRACTS.items():
        map_geography(geo_id, slug)
    return f"Loaded census baselines ({', '.join(p.name.split('.')[1][:6] for p in files)}) for 2 areas"


DEMO_CONTACT_LANGUAGES = ("es", "vi", "en", "es", "vi", "zh-Hant", "es", "so")


def _outreach(survey: Survey) -> str:
    """A partner's contact list (fictional 555-01xx numbers) and a draft invitation to
    the groups under-represented so far: nothing is sent until staff start it."""
    rows = ["phone,language,area,consent_source,consent_date"]
    for n, language in enumerate(DEMO_CONTACT_LANGUAGES * 3):
        area = ("riverside", "northgate", "eastside")[n % 3]
        rows.append(f"+1206555{100 + n:04d},{language},{area},Demo Community Partner,2026-09-01")
    import_contacts("\n".join(rows).encode(), "demo-partner.csv")
    save_campaign(survey, CampaignData(
        name="Invitation: groups not heard yet", under_represented=True,
        messages={"en": "The city wants to hear from you about housing. Reply to start, or "
                        "answer at {link}",
                  "es": "La ciudad quiere escucharle sobre la vivienda. Responda para empezar "
                        "o conteste en {link}",
                  "vi": "Thành phố muốn nghe ý kiến của bạn về nhà ở. Trả lời tin này để bắt "
                        "đầu, hoặc vào {link}"}))
    return f"Loaded {len(rows) - 1} demo contacts and a draft invitation campaign"


def _plan(department: Department, survey: Survey) -> str:
    """The housing department's plan, findings from the demo survey, actions in several
    states, and the survey's public report at /r/demo."""
    planner = db.session.scalar(select(User).where(User.email == "planner@example.org"))
    assert planner is not None
    goal = plans.add_goal(planner, department, "Safe, stable homes for every renter")
    repairs = plans.add_objective(planner, goal, "Repairs done within 30 days in every neighborhood")
    plans.add_objective(planner, goal, "Renters know their rights, in their language")
    measure = plans.add_measure(planner, repairs, plans.MeasureData(
        "Repair satisfaction (1 to 5)", "points", "tenure", 0.5, date(2027, 12, 31)))
    streets = plans.add_goal(planner, department, "Streets people feel safe on")
    lights = plans.add_objective(planner, streets, "Light every block residents name as unsafe")
    slow = plans.create_finding(
        planner, survey, department, question="repairs", by="race_alone", query={},
        title="Renters rate repair speed low, lowest where few reply in English",
        reading="Ratings are low across groups; small groups are hidden, so we will ask again "
                "by text in Spanish and Vietnamese.", objective_ids=[repairs.id])
    night = plans.create_finding(
        planner, survey, department, question="safe_night", by="home_language", query={},
        title="Many residents do not feel safe walking at night", reading="",
        objective_ids=[lights.id])
    for finding, status, texts, reason in (
        (slow, ActionStatus.IN_PROGRESS,
         _t("Inspect landlords with repeated repair complaints within 14 days.",
            "Inspeccionar en 14 días a los arrendadores con quejas repetidas de reparaciones.",
            "Kiểm tra trong 14 ngày các chủ nhà bị khiếu nại sửa chữa nhiều lần."), None),
        (slow, ActionStatus.ADOPTED,
         _t("Publish the repair request form in Spanish and Vietnamese.",
            "Publicar el formulario de reparaciones en español y vietnamita.",
            "Đăng mẫu yêu cầu sửa chữa bằng tiếng Tây Ban Nha và tiếng Việt."), None),
        (night, ActionStatus.NOT_ADOPTED,
         _t("Add police patrols at night.", "Agregar patrullas policiales de noche.",
            "Tăng tuần tra cảnh sát ban đêm."),
         _t("Residents asked for lighting, not patrols; lighting is planned instead.",
            "Los residentes pidieron iluminación, no patrullas; se planea iluminación.",
            "Cư dân yêu cầu chiếu sáng, không phải tuần tra; thay vào đó sẽ lắp đèn.")),
        (night, ActionStatus.PROPOSED,
         _t("Install street lights on the 20 blocks residents named.",
            "Instalar alumbrado en las 20 cuadras que nombraron los residentes.",
            "Lắp đèn đường ở 20 dãy phố mà cư dân đã nêu."), None),
    ):
        plans.add_action(planner, finding, plans.ActionData(
            text=texts, owner="Housing inspections", status=status, reason=reason or {},
            measure_id=measure.id if finding is slow else None,
            due_on=date(2027, 3, 31)))
    waiting = plans.create_finding(
        planner, survey, department, question="priority", by="locale", query={},
        title="Spanish and Vietnamese speakers put rent help first", reading="",
        objective_ids=[repairs.id])
    # Spread over the past weeks, so the dashboards have days to count.
    now = utcnow()
    for finding, days_ago, answered_after in ((slow, 40, 9), (night, 20, 6), (waiting, 35, None)):
        finding.taken_at = now - timedelta(days=days_ago)
        for action in finding.actions:
            action.created_at = finding.taken_at + timedelta(days=answered_after or 0)
    plans.publish_report(planner, survey)
    return "Created the housing plan, 3 findings, 4 actions; public report at /r/demo"


def _department() -> Department:
    department = db.session.scalar(select(Department).where(Department.slug == "housing"))
    if department is None:
        department = Department(slug="housing", name=_t(
            "Housing and Community Development", "Vivienda y Desarrollo Comunitario",
            "Nhà ở và Phát triển Cộng đồng"))
        db.session.add(department)
        db.session.flush()
    return department


def _areas() -> list[Area]:
    found = []
    for slug, name in AREAS:
        area = db.session.scalar(select(Area).where(Area.slug == slug))
        if area is None:
            area = Area(slug=slug, name=name)
            db.session.add(area)
        found.append(area)
    db.session.flush()
    return found


def _survey(department: Department, areas: list[Area]) -> Survey:
    survey = surveys.create_survey(SurveyData(
        slug="demo",
        title=_t("Your neighborhood, your say", "Su vecindario, su voz",
                 "Khu phố của bạn, tiếng nói của bạn"),
        intro=_t("Tell the city what your neighborhood needs. It takes about 3 minutes.",
                 "Díganos qué necesita su vecindario. Toma unos 3 minutos.",
                 "Hãy cho thành phố biết khu phố của bạn cần gì. Mất khoảng 3 phút."),
        thanks=_t("Thank you! We will share what we heard and what we do about it.",
                  "¡Gracias! Compartiremos lo que escuchamos y lo que haremos.",
                  "Cảm ơn bạn! Chúng tôi sẽ chia sẻ những gì đã nghe và những việc sẽ làm."),
        default_locale="en", locales=["en", "es", "vi"], channels=["web", "sms", "voice"],
        sms_keyword="DEMO", department_id=department.id, area_ids=[a.id for a in areas],
    ))
    surveys.add_question(survey, question_data(survey, DIMENSIONS["tenure"].questions[0]))
    for data in QUESTIONS:
        surveys.add_question(survey, data)
    add_standard_questions(survey, DEMOGRAPHICS)
    surveys.publish_survey(survey)
    return survey


def _pick(q: QuestionSpec, rng: random.Random, locale: str) -> Input:
    """A plausible answer, as a web form would post it, or a skip."""
    if not q.required and rng.random() < 0.08:
        return Input(Action.SKIP)
    value = question_type(q).sample(q, rng, shares=DEMO_SHARES.get(q.dimension or "", {}),
                                    texts=COMMENTS[locale])
    if value is None:
        return Input(Action.SKIP)
    return Input(Action.ANSWER, value if isinstance(value, tuple) else (str(value),), mode="form")


def _synthetic_responses(survey: Survey, n: int, rng: random.Random) -> None:
    specs = {channel: survey_spec(survey, channel) for channel in ("web", "sms", "voice")}
    now = utcnow()
    for _i in range(n):
        locale = rng.choices(["en", "es", "vi"], [0.55, 0.3, 0.15])[0]
        channel = rng.choices(["web", "sms", "voice"], [0.6, 0.3, 0.1])[0]
        spec = specs[channel]
        outcome = start(spec, locale)
        state = outcome.state
        finishes = rng.random() < 0.9
        while not state.done and (finishes or rng.random() < 0.8):
            state = step(spec, state, _pick(spec.question(state.current), rng, locale),
                         Policy(max_misses=3)).state
        response = responses.start_response(survey, outcome, channel, synthetic=True)
        response.started_at = now - timedelta(minutes=rng.randint(10, 60 * 24 * 20))
        responses.apply_outcome(response, spec, Outcome(state, None, changes=dict(state.answers)))
