"""Nothing published can be worked out: collect every table the public can obtain for a
random survey (each breakdown from the API, all at once) and solve for what is hidden.

The attacker's unknowns are the answers of each kind of resident the tables could tell
apart (channel x language x combination of races); every published count, group size and
mean (as a sum, mean x n) is one linear equation over them. A hidden figure, or any
figure of a group under the threshold, is worked out exactly when its vector lies in the
span of the published ones (checked by rank). Filters are refused publicly, so the
tables below are everything there is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from engage.core.clock import utcnow
from engage.responses.models import Answer, AnswerChoice, Response, ResponseTag
from engage.results.forms import available_breakdowns
from engage.results.queries import ALL, MULTIRACIAL, NO_ANSWER
from engage.surveys.queries import survey_spec
from tests.results.test_results import answer, survey  # noqa: F401 - a fixture

LIMIT = 3  # a low threshold makes small groups common in small samples
RACES = {"2": "asian", "4": "hispanic", "7": "white", "8": "prefer_not"}
TENURE = {"1": "own", "2": "rent"}
TRANSPORT = {"1": "bus", "2": "walk", "3": "car"}


@dataclass(frozen=True)
class Resident:
    channel: str
    locale: str
    races: frozenset[str]
    tenure: str
    transport: frozenset[str]
    years: int | None

    @property
    def kind(self) -> tuple[str, str, frozenset[str]]:
        return (self.channel, self.locale, self.races)


def groups_of(kind: tuple[str, str, frozenset[str]], by: str | None) -> list[str]:
    channel, locale, races = kind
    named = frozenset(RACES[r] for r in races)
    if by is None:
        return [ALL]
    if by == "channel":
        return [channel]
    if by == "locale":
        return [locale]
    if by == "race_ethnicity":
        return sorted(named) or [NO_ANSWER]
    real = named - {"prefer_not"}
    return [next(iter(real))] if len(real) == 1 else [MULTIRACIAL] if real else [NO_ANSWER]


residents = st.builds(
    Resident,
    channel=st.sampled_from(["web", "sms", "voice"]),
    locale=st.sampled_from(["en", "es"]),
    # "prefer not to say" is exclusive: alone, or races (none, one, or several)
    races=st.one_of(st.just(frozenset({"8"})), st.frozensets(st.sampled_from(["2", "4", "7"]), max_size=3)),
    tenure=st.sampled_from(sorted(TENURE)),  # required: always answered
    transport=st.frozensets(st.sampled_from(sorted(TRANSPORT)), max_size=3),
    years=st.one_of(st.none(), st.integers(0, 60)),
)


def possible_kinds(tables, key: str) -> list[tuple[str, str, frozenset[str]]]:  # type: ignore[no-untyped-def]
    """The kinds of resident the attacker cannot rule out: every channel, language and
    combination of races whose groups the tables list (a group not listed has nobody)."""
    def listed(by: str) -> set[str]:
        return {g["group"] for g in tables[by][key]["groups"]}

    codes = {name: code for code, name in RACES.items()}
    races = [codes[g] for g in listed("race_ethnicity") if g in codes and g != "prefer_not"]
    combos = [frozenset(c) for size in range(len(races) + 1) for c in combinations(races, size)]
    combos.append(frozenset({"8"}))
    possible = [(channel, locale, combo) for channel in listed("channel") for locale in listed("locale")
                for combo in combos]
    return [k for k in possible if all(set(groups_of(k, by)) <= listed(by)
                                       for by in ("race_ethnicity", "race_alone"))]


class Unknowns:
    """Per kind of resident: the count answering each value, the respondents (n) and the
    sum of the numbers."""

    def __init__(self, kinds: list[tuple], names: list[str]) -> None:
        self.index = {(k, name): i for i, (k, name) in enumerate((k, n) for k in kinds for n in names)}

    def vector(self, kinds, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
        v = np.zeros(len(self.index))
        for k in kinds:
            v[self.index[(k, name)]] += 1
        return v


def worked_out(published: list[np.ndarray], target: np.ndarray) -> bool:
    if not published:
        return False
    matrix = np.array(published)
    return np.linalg.matrix_rank(np.vstack([matrix, target])) == np.linalg.matrix_rank(matrix)


def _answers(person: Resident) -> dict[str, str]:
    typed: dict[str, str] = {}
    if person.races:
        typed["race_ethnicity"] = ",".join(sorted(person.races))
    typed["tenure"] = person.tenure
    if person.transport:
        typed["transport"] = ",".join(sorted(person.transport))
    if person.years is not None:
        typed["years"] = str(person.years)
    return typed


@pytest.fixture
def low_threshold(app):  # type: ignore[no-untyped-def]
    saved = app.config["SUPPRESSION_THRESHOLD"]
    app.config["SUPPRESSION_THRESHOLD"] = LIMIT
    yield
    app.config["SUPPRESSION_THRESHOLD"] = saved


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people=st.lists(residents, min_size=1, max_size=24))
def test_no_hidden_figure_can_be_worked_out_from_all_public_tables(
        client, db, survey, low_threshold, people) -> None:  # noqa: F811
    _clear(db, survey)
    for person in people:
        answer(survey, person.channel, person.locale, _answers(person))
    survey.results_published_at = utcnow()
    db.commit()
    tables = {}
    for by in [None, *available_breakdowns(survey_spec(survey))]:
        reply = client.get(f"/api/v1/surveys/{survey.slug}/results" + (f"?by={by}" if by else ""))
        assert reply.status_code == 200
        tables[by] = {q["key"]: q for q in reply.get_json()["questions"]}
    assert client.get(f"/api/v1/surveys/{survey.slug}/results?channel=web").status_code == 400
    _check_choice_question(people, tables, "tenure", TENURE, lambda p: {p.tenure}, True)
    _check_choice_question(people, tables, "transport", TRANSPORT, lambda p: set(p.transport), False)
    _check_number_question(people, tables)


def _clear(db, made) -> None:  # type: ignore[no-untyped-def]
    """Each example starts from a survey nobody has answered."""
    ids = select(Response.id).where(Response.survey_id == made.id)
    answers = select(Answer.id).where(Answer.response_id.in_(ids))
    db.execute(delete(AnswerChoice).where(AnswerChoice.answer_id.in_(answers)))
    db.execute(delete(Answer).where(Answer.response_id.in_(ids)))
    db.execute(delete(ResponseTag).where(ResponseTag.response_id.in_(ids)))
    db.execute(delete(Response).where(Response.survey_id == made.id))
    db.commit()


def _check_choice_question(people, tables, key, options, chose, single) -> None:  # type: ignore[no-untyped-def]
    answering = [p for p in people if chose(p)]
    kinds = possible_kinds(tables, key)
    values = [options[k] for k in sorted(options)]
    unknowns = Unknowns(kinds, [*values, "#n"])
    truth = Counter()
    for p in answering:
        truth[(p.kind, "#n")] += 1
        for v in chose(p):
            truth[(p.kind, options[v])] += 1

    def vector(members, what):  # type: ignore[no-untyped-def]
        if what == "#n" and single:
            return sum(unknowns.vector(members, v) for v in values)
        return unknowns.vector(members, what)

    def value(members, what) -> int:  # type: ignore[no-untyped-def]
        return sum(truth[(k, what)] for k in members)

    published, sensitive = [], []
    for by, questions in tables.items():
        q = questions[key]
        for gi, group in enumerate(q["groups"]):
            members = [k for k in kinds if group["group"] in groups_of(k, by)]
            figures = [("#n", group["n"])] + [(a["value"], a["counts"][gi]) for a in q["answers"]]
            n = value(members, "#n")
            for what, shown in figures:
                truth_value = value(members, what)
                if shown is None:
                    if truth_value and (0 < n < LIMIT or truth_value < LIMIT):
                        sensitive.append((f"{by}:{group['group']}:{what}={truth_value}",
                                         vector(members, what)))
                else:
                    assert shown == truth_value, (by, group, what)
                    published.append(vector(members, what))
    sensitive += _small_groups(kinds, unknowns, vector, value, [*values, "#n"])
    leaks = [name for name, target in sensitive if worked_out(published, target)]
    assert leaks == [], f"{key}: hidden figures worked out: {leaks}"


def _small_groups(kinds, unknowns, vector, value, whats, cells=True):  # type: ignore[no-untyped-def]
    """Each combination of races under the threshold, and its multiracial part of each
    race (alone or in combination minus alone): none of their figures may be worked out."""
    groups: dict[str, list] = {}
    for races in {k[2] for k in kinds}:
        groups[f"races={sorted(races)}"] = [k for k in kinds if k[2] == races]
    for race in RACES:
        groups[f"multiracial with {race}"] = [k for k in kinds if race in k[2] and len(k[2] - {"8"}) > 1]
    out = []
    for name, members in groups.items():
        n = value(members, "#n")
        if not members or not n:
            continue
        for what in whats:
            v = value(members, what)
            if v and (n < LIMIT or (cells and what != "#n" and v < LIMIT)):
                out.append((f"{name}:{what}={v}", vector(members, what)))
    return out


def _check_number_question(people, tables) -> None:  # type: ignore[no-untyped-def]
    answering = [p for p in people if p.years is not None]
    kinds = possible_kinds(tables, "years")
    unknowns = Unknowns(kinds, ["#n", "#sum"])
    truth = Counter()
    for p in answering:
        truth[(p.kind, "#n")] += 1
        truth[(p.kind, "#sum")] += p.years

    def value(members, what) -> int:  # type: ignore[no-untyped-def]
        return sum(truth[(k, what)] for k in members)

    published, sensitive = [], []
    for by, questions in tables.items():
        q = questions["years"]
        means = {m["group"]: m["mean"] for m in q["numbers"]}
        for group in q["groups"]:
            members = [k for k in kinds if group["group"] in groups_of(k, by)]
            n = value(members, "#n")
            if group["n"] is None:
                if 0 < n < LIMIT:
                    sensitive.append((f"{by}:{group['group']}:sum", unknowns.vector(members, "#sum")))
                    sensitive.append((f"{by}:{group['group']}:n", unknowns.vector(members, "#n")))
                continue
            assert group["n"] == n
            published.append(unknowns.vector(members, "#n"))
            if means.get(group["group"]) is not None:
                assert means[group["group"]] == pytest.approx(value(members, "#sum") / n)
                published.append(unknowns.vector(members, "#sum"))
    sensitive += _small_groups(kinds, unknowns, unknowns.vector, value, ["#n", "#sum"], cells=False)
    leaks = [name for name, target in sensitive if worked_out(published, target)]
    assert leaks == [], f"years: hidden figures worked out: {leaks}"
