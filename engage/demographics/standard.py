"""The standard demographic questions, each tied to a dimension with a stable key.

Breaks follow the census tables the results compare with (domain notes): race and
ethnicity per the 2024 federal standard (OMB SPD 15), age in ACS B01001 bands, income
on B19001 boundaries, tenure as B25003, disability as the six ACS items. Every question
is optional and offers "Prefer not to say". Texts are UI strings (gettext), so they
ship translated in every UI language and are copied into a survey as its own text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import LazyString

from engage.core.i18n import _l, _lp


@dataclass(frozen=True)
class StandardChoice:
    value: str
    label: LazyString
    exclusive: bool = False
    group: str | None = None


@dataclass(frozen=True)
class StandardQuestion:
    key: str
    type: str
    prompt: LazyString
    choices: tuple[StandardChoice, ...] = ()
    #: The dimension results break down by; None for write-ins.
    dimension: str | None = None
    channels: tuple[str, ...] | None = None
    condition: dict[str, Any] | None = None
    max_length: int | None = None
    #: Choices made from the survey's own neighbourhoods.
    from_areas: bool = False


@dataclass(frozen=True)
class Dimension:
    key: str
    label: LazyString
    questions: tuple[StandardQuestion, ...]
    census_table: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


PREFER_NOT = StandardChoice("prefer_not", _l("Prefer not to say"), exclusive=True)


def _choices(*pairs: tuple[str, LazyString], group: str | None = None) -> tuple[StandardChoice, ...]:
    return tuple(StandardChoice(value, label, group=group) for value, label in pairs)


def _answered_with_any(question: str, values: tuple[str, ...]) -> dict[str, Any]:
    return {"mode": "any", "clauses": [{"question": question, "op": "equals", "value": v}
                                       for v in values]}


RACE_CATEGORIES = _choices(
    ("aian", _l("American Indian or Alaska Native")),
    ("asian", _l("Asian")),
    ("black", _l("Black or African American")),
    ("hispanic", _l("Hispanic or Latino")),
    ("mena", _l("Middle Eastern or North African")),
    ("nhpi", _l("Native Hawaiian or Pacific Islander")),
    ("white", _l("White")),
)
RACE_DETAIL = (
    _choices(("asian_chinese", _lp("ancestry", "Chinese")), ("asian_indian", _l("Asian Indian")),
             ("asian_filipino", _l("Filipino")), ("asian_vietnamese", _lp("ancestry", "Vietnamese")),
             ("asian_korean", _lp("ancestry", "Korean")), ("asian_japanese", _l("Japanese")), group="asian")
    + _choices(("black_african_american", _l("African American")), ("black_jamaican", _l("Jamaican")),
               ("black_haitian", _l("Haitian")), ("black_nigerian", _l("Nigerian")),
               ("black_ethiopian", _l("Ethiopian")), ("black_somali", _lp("ancestry", "Somali")),
               group="black")
    + _choices(("hispanic_mexican", _l("Mexican")), ("hispanic_puerto_rican", _l("Puerto Rican")),
               ("hispanic_salvadoran", _l("Salvadoran")), ("hispanic_cuban", _l("Cuban")),
               ("hispanic_dominican", _l("Dominican")), ("hispanic_guatemalan", _l("Guatemalan")),
               group="hispanic")
    + _choices(("mena_lebanese", _l("Lebanese")), ("mena_iranian", _l("Iranian")),
               ("mena_egyptian", _l("Egyptian")), ("mena_syrian", _l("Syrian")),
               ("mena_iraqi", _l("Iraqi")), ("mena_israeli", _l("Israeli")), group="mena")
    + _choices(("nhpi_native_hawaiian", _l("Native Hawaiian")), ("nhpi_samoan", _l("Samoan")),
               ("nhpi_chamorro", _l("Chamorro")), ("nhpi_tongan", _l("Tongan")),
               ("nhpi_fijian", _l("Fijian")), ("nhpi_marshallese", _l("Marshallese")), group="nhpi")
    + _choices(("white_english", _lp("ancestry", "English")), ("white_german", _l("German")),
               ("white_irish", _l("Irish")), ("white_italian", _l("Italian")),
               ("white_polish", _l("Polish")), ("white_scottish", _l("Scottish")), group="white")
)

DIMENSIONS: dict[str, Dimension] = {d.key: d for d in (
    Dimension("race_ethnicity", _l("Race and ethnicity"), census_table="B03002", questions=(
        StandardQuestion("race_ethnicity", "multiple_choice",
                         _l("What is your race or ethnicity? Select all that apply."),
                         RACE_CATEGORIES + (PREFER_NOT,), dimension="race_ethnicity"),
        StandardQuestion("race_detail", "multiple_choice",
                         _l("Which of these groups describe you? Select all that apply."),
                         RACE_DETAIL, dimension="race_ethnicity_detail", channels=("web",),
                         condition=_answered_with_any(
                             "race_ethnicity", ("asian", "black", "hispanic", "mena", "nhpi", "white"))),
        StandardQuestion("race_other", "free_text",
                         _l("Another group, or your enrolled or principal tribe (write in):"),
                         channels=("web",), max_length=200),
    )),
    Dimension("home_language", _l("Language spoken at home"), census_table="C16001", questions=(
        StandardQuestion("home_language", "single_choice",
                         _l("What language do you speak most at home?"), _choices(
                             ("en", _l("English")), ("es", _l("Spanish")), ("vi", _l("Vietnamese")),
                             ("zh", _l("Chinese")), ("tl", _l("Tagalog or Filipino")),
                             ("ar", _l("Arabic")), ("so", _l("Somali")), ("ko", _l("Korean")),
                             ("other", _l("Another language"))) + (PREFER_NOT,),
                         dimension="home_language"),
        StandardQuestion("english_ability", "single_choice", _l("How well do you speak English?"),
                         _choices(("very_well", _l("Very well")), ("well", _l("Well")),
                                  ("not_well", _l("Not well")), ("not_at_all", _l("Not at all")))
                         + (PREFER_NOT,), dimension="english_ability",
                         condition={"mode": "all", "clauses": [
                             {"question": "home_language", "op": "answered"},
                             {"question": "home_language", "op": "not_equals", "value": "en"},
                             {"question": "home_language", "op": "not_equals", "value": "prefer_not"}]}),
    )),
    Dimension("area", _l("Neighborhood"), questions=(
        StandardQuestion("area", "single_choice", _l("Which neighborhood do you live in?"),
                         (StandardChoice("elsewhere", _l("Somewhere else")), PREFER_NOT),
                         dimension="area", from_areas=True),
    )),
    Dimension("age_band", _l("Age"), census_table="B01001", questions=(
        StandardQuestion("age_band", "single_choice", _l("How old are you?"), _choices(
            ("age_under_18", _l("Under 18")), ("age_18_24", _l("18 to 24")),
            ("age_25_34", _l("25 to 34")), ("age_35_44", _l("35 to 44")),
            ("age_45_54", _l("45 to 54")), ("age_55_64", _l("55 to 64")),
            ("age_65_74", _l("65 to 74")), ("age_75_plus", _l("75 or older"))) + (PREFER_NOT,),
            dimension="age_band"),
    )),
    Dimension("gender_identity", _l("Gender identity"), questions=(
        StandardQuestion("sex_at_birth", "single_choice",
                         _l("What sex were you assigned at birth, on your original birth certificate?"),
                         _choices(("female", _l("Female")), ("male", _l("Male"))) + (PREFER_NOT,),
                         dimension="sex_at_birth"),
        StandardQuestion("gender_identity", "multiple_choice",
                         _l("How do you describe your gender today? Select all that apply."), _choices(
                             ("woman", _l("Woman")), ("man", _l("Man")),
                             ("transgender", _l("Transgender")),
                             ("nonbinary", _l("Non-binary or genderqueer")),
                             ("another", _l("Another gender identity"))) + (PREFER_NOT,),
                         dimension="gender_identity"),
        StandardQuestion("gender_other", "free_text", _l("Your gender identity, in your words:"),
                         channels=("web", "sms"), max_length=100,
                         condition=_answered_with_any("gender_identity", ("another",))),
    )),
    Dimension("income_band", _l("Household income"), census_table="B19001", questions=(
        StandardQuestion("income_band", "single_choice",
                         _l("What was your household's total income last year, before taxes?"),
                         _choices(("income_under_25k", _l("Less than $25,000")),
                                  ("income_25k_50k", _l("$25,000 to $49,999")),
                                  ("income_50k_75k", _l("$50,000 to $74,999")),
                                  ("income_75k_100k", _l("$75,000 to $99,999")),
                                  ("income_100k_150k", _l("$100,000 to $149,999")),
                                  ("income_150k_plus", _l("$150,000 or more"))) + (PREFER_NOT,),
                         dimension="income_band"),
    )),
    Dimension("tenure", _l("Housing tenure"), census_table="B25003", questions=(
        StandardQuestion("tenure", "single_choice", _l("Do you own or rent your home?"), _choices(
            ("own", _l("Own")), ("rent", _l("Rent")),
            ("other_arrangement", _l("Another arrangement"))) + (PREFER_NOT,),
            dimension="tenure"),
    )),
    Dimension("disability", _l("Disability"), census_table="B18101", questions=(
        StandardQuestion("disability", "multiple_choice",
                         _l("Do you have serious difficulty with any of these? Select all that apply."),
                         _choices(("hearing", _l("Hearing, or you are deaf")),
                                  ("vision", _l("Seeing, even with glasses, or you are blind")),
                                  ("cognitive", _l("Concentrating, remembering or making decisions")),
                                  ("ambulatory", _l("Walking or climbing stairs")),
                                  ("self_care", _l("Dressing or bathing")),
                                  ("independent_living", _l("Doing errands alone, such as "
                                                            "visiting a doctor or shopping")))
                         + (StandardChoice("none", _l("None of these"), exclusive=True), PREFER_NOT),
                         dimension="disability"),
    )),
)}


def dimension_label(key: str) -> LazyString | str:
    """A dimension's name for staff and reports; unknown keys shown as they are."""
    dim = DIMENSIONS.get(key)
    if dim:
        return dim.label
    for d in DIMENSIONS.values():
        for q in d.questions:
            if q.dimension == key:
                return q.prompt
    return key
