"""Weighting respondents to the census: raking on aggregated cells.

A cell is one combination of the raking dimensions (race and ethnicity in the census's
B03002 groups, age band, neighbourhood) and the number of respondents in it, counted in
SQL. Weights are per cell; weighted figures are sums over (cell, answer) counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, Table, func, literal, select

from engage.core.errors import DomainError
from engage.demographics.acs_tables import b03002_group
from engage.demographics.baselines import area_baseline
from engage.engine import QuestionSpec, question_type
from engage.extensions import db
from engage.responses.models import Answer, AnswerChoice, Response, ResponseTag
from engage.results.filters import Filters
from engage.results.queries import NO_FILTERS, resolved, response_conditions, scope_respondents, with_group
from engage.results.stats import Cell, RakeResult, design_effect, kish_effective_n, rake

ALL = "all"
RAKING = ("race_ethnicity", "age_band", "area")
#: Where a census group with no respondents goes: the closest group, not the smallest.
COLLAPSE = {
    "age_band": {"age_under_18": "age_18_24", "age_18_24": "age_25_34", "age_25_34": "age_35_44",
                 "age_35_44": "age_45_54", "age_45_54": "age_55_64", "age_55_64": "age_65_74",
                 "age_65_74": "age_75_plus", "age_75_plus": "age_65_74"},
    "race_ethnicity": {"nh_other": "nh_two_or_more", "nh_nhpi": "nh_asian", "nh_aian": "nh_other"},
}
CellKey = tuple[str, str, str]


@dataclass(frozen=True)
class Weights:
    by_cell: Mapping[CellKey, float]
    result: RakeResult
    n: float
    n_eff: float
    design_effect: float
    dimensions: tuple[str, ...]

    def weight(self, key: CellKey) -> float:
        return self.by_cell.get(key, 1.0)


def cell_columns(base: Select) -> tuple[Select, list[ColumnElement[str]]]:
    """Join each response's raking groups onto ``base``: the race answers as one string
    (mapped to B03002 per combination, in Python, on cells), age band and area tags."""
    race = (select(ResponseTag.response_id.label("rid"),
                   func.aggregate_strings(ResponseTag.value, ",").label("v"))
            .where(ResponseTag.dimension == "race_ethnicity")
            .group_by(ResponseTag.response_id).subquery())
    columns: list[ColumnElement[str]] = [func.coalesce(race.c.v, literal(""))]
    query = base.outerjoin(race, race.c.rid == Response.id)
    for dimension in ("age_band", "area"):
        tag = (select(ResponseTag.response_id.label("rid"), ResponseTag.value.label("v"))
               .where(ResponseTag.dimension == dimension).subquery())
        query = query.outerjoin(tag, tag.c.rid == Response.id)
        columns.append(func.coalesce(tag.c.v, literal("")))
    return query, columns


def cell_key(race_answers: str, age: str, area: str) -> CellKey:
    race = b03002_group(race_answers.split(",")) if race_answers else None
    return (race or "", age, area)


def margins(scope: str = ALL) -> dict[str, dict[str, float]]:
    """Population by group for each raking dimension with a baseline: census race
    (B03002) and age (B01001) for ``scope``, and the neighbourhoods' populations."""
    out: dict[str, dict[str, float]] = {}
    for dimension in ("race_ethnicity", "age_band"):
        try:
            baseline = area_baseline(dimension)
        except DomainError:
            continue
        if scope in baseline:
            out[dimension] = {g: est for g, (est, _moe) in baseline[scope].items()}
    try:
        people = area_baseline("race_ethnicity")
    except DomainError:
        people = {}
    areas = {slug: sum(e for e, _m in groups.values()) for slug, groups in people.items() if slug != ALL}
    if scope == ALL and len(areas) > 1:
        out["area"] = areas
    return out


def compute_weights(survey_id: int, filters: Filters = NO_FILTERS) -> Weights | None:
    """Rake this survey's respondents to the census margins; None without any baseline."""
    population = margins(filters.area or ALL)
    if not population:
        return None
    filters = resolved(survey_id, filters)
    base = select().select_from(Response)
    query, columns = cell_columns(base)
    counts: dict[CellKey, int] = defaultdict(int)
    for race, age, area, n in db.session.execute(
            query.add_columns(*columns, func.count()).where(*response_conditions(survey_id, filters))
            .group_by(*columns)):
        counts[cell_key(race, age, area)] += n
    keys = list(counts)
    dims = tuple(d for d in RAKING if d in population)
    index = {d: RAKING.index(d) for d in dims}
    cells = [Cell({d: key[index[d]] for d in dims}, counts[key]) for key in keys]
    result = rake(cells, {d: population[d] for d in dims}, collapse=COLLAPSE)
    pairs = [(w, counts[k]) for w, k in zip(result.weights, keys, strict=True)]
    return Weights(dict(zip(keys, result.weights, strict=True)), result,
                   float(sum(counts.values())), kish_effective_n(pairs), design_effect(pairs), dims)


@dataclass
class WeightedCounts:
    """Per group: (weight, respondents) cells answering, and per answer value the
    (weight, choosing, respondents) cells a weighted share needs."""

    answering: dict[str, dict[CellKey, int]]
    choosing: dict[str, dict[str, dict[CellKey, int]]]


def weighted_question_counts(survey_id: int, question: QuestionSpec, by: str | None,
                             filters: Filters = NO_FILTERS, scope: Table | None = None
                             ) -> WeightedCounts:
    """``scope``: the page's responses with their cells (engage.results.scope), else the
    cells are rebuilt from the tags for this question."""
    base = select().select_from(Answer)
    if scope is not None:
        query = base.join(scope, scope.c.rid == Answer.response_id)
        columns = [scope.c.race, scope.c.age, scope.c.area]
        group = scope.c.g if by is not None else literal(ALL)
        where = [Answer.question_id == question.id]
        respondents = scope_respondents(by)
    else:
        query, columns = cell_columns(base.join(Response, Response.id == Answer.response_id))
        query, group = with_group(query, by)
        where = [Answer.question_id == question.id, *response_conditions(survey_id, filters)]
        respondents = func.count(func.distinct(Answer.response_id))
    answering: dict[str, dict[CellKey, int]] = defaultdict(lambda: defaultdict(int))
    for race, age, area, g, n in db.session.execute(
            query.add_columns(*columns, group, respondents)
            .where(*where).group_by(*columns, group)):
        answering[g][cell_key(race, age, area)] += n
    choosing: dict[str, dict[str, dict[CellKey, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int)))
    if question_type(question).storage == "choices":
        chosen = query.join(AnswerChoice, AnswerChoice.answer_id == Answer.id)
        for race, age, area, g, value, n in db.session.execute(
                chosen.add_columns(*columns, group, AnswerChoice.value, respondents)
                .where(*where).group_by(*columns, group, AnswerChoice.value)):
            choosing[g][value][cell_key(race, age, area)] += n
    return WeightedCounts(answering, choosing)
