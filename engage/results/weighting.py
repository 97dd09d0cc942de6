"""Weighting respondents to the census: raking on aggregated cells.

A cell is one combination of the raking dimensions (race and ethnicity in the census's
B03002 groups, age band, neighbourhood) and the number of respondents in it, counted in
SQL. Weights are per cell; weighted figures are sums over (cell, answer) counts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale, ngettext
from sqlalchemy import ColumnElement, Select, Table, func, literal, select

from engage.core.errors import DomainError
from engage.core.i18n import _, resolve
from engage.demographics.acs_tables import b03002_group
from engage.demographics.baselines import Baseline, area_baseline
from engage.demographics.standard import DIMENSIONS, PREFER_NOT, dimension_label
from engage.engine import QuestionSpec, question_type
from engage.engine.spec import SurveySpec
from engage.extensions import db
from engage.org.models import Area
from engage.responses.models import Answer, AnswerChoice, Response, ResponseTag
from engage.results.aggregates import ANSWERED, NUMBER, Counted, aggregated, groups_of, respondent_cells
from engage.results.filters import Filters
from engage.results.queries import NO_FILTERS, resolved, response_conditions, scope_respondents, with_group
from engage.results.representation import B03002_LABELS
from engage.results.stats import Cell, RakeResult, design_effect, kish_effective_n, rake
from engage.surveys.texts import choice_labels

ALL = "all"
RAKING = ("race_ethnicity", "age_band", "area")
#: Where a census group with no respondents goes: the closest group, not the smallest.
COLLAPSE = {
    "age_band": {"age_under_18": "age_18_24", "age_18_24": "age_25_34", "age_25_34": "age_35_44",
                 "age_35_44": "age_45_54", "age_45_54": "age_55_64", "age_55_64": "age_65_74",
                 "age_65_74": "age_75_plus", "age_75_plus": "age_65_74"},
    "race_ethnicity": {"nh_other": "nh_two_or_more", "nh_nhpi": "nh_asian", "nh_aian": "nh_other"},
}
#: Weights are kept between these multiples of the mean weight (1).
TRIM = (0.2, 5.0)
CellKey = tuple[str, str, str]

#: Why a respondent is not weighted: the first weighting question (in RAKING order) whose
#: answer has no census margin. OUTSIDE: an answer the census figures have no group for
#: (a neighbourhood without a baseline, "somewhere else", a race answer with no B03002 group).
NOT_ANSWERED, PREFERRED_NOT, OUTSIDE = "not_answered", "preferred_not", "outside"


@dataclass(frozen=True)
class Unweighted:
    """``count`` respondents left unweighted for one reason, kept as data so the page and
    the API can say it in the reader's language (``answer``: what they answered, raw)."""

    dimension: str
    reason: str
    answer: str
    count: int


@dataclass(frozen=True)
class Merged:
    """A census group nobody in the survey is in: its population share went to ``into``."""

    dimension: str
    group: str
    into: str
    population_share: float


@dataclass(frozen=True)
class Weights:
    by_cell: Mapping[CellKey, float]
    result: RakeResult
    n: float
    n_eff: float
    design_effect: float
    dimensions: tuple[str, ...]
    #: The neighbourhoods whose census figures the weights are raked to.
    areas: tuple[str, ...] = ()
    unweighted: tuple[Unweighted, ...] = ()
    merged: tuple[Merged, ...] = ()

    def weight(self, key: CellKey) -> float:
        return self.by_cell.get(key, 1.0)

    @property
    def weighted_n(self) -> int:
        """Respondents actually raked; the others keep weight 1, the mean weight."""
        return int(self.n) - sum(u.count for u in self.unweighted)

    @property
    def weighted_share(self) -> float:
        return self.weighted_n / self.n if self.n else 0.0


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


def _baselines() -> dict[str, Baseline]:
    """The census tables weighting uses, read once: race (B03002) and age (B01001)."""
    out: dict[str, Baseline] = {}
    for dimension in ("race_ethnicity", "age_band"):
        try:
            out[dimension] = area_baseline(dimension)
        except DomainError:
            continue
    return out


def _margins(baselines: Mapping[str, Baseline], scope: str) -> dict[str, dict[str, float]]:
    out = {dimension: {g: est for g, (est, _moe) in baseline[scope].items()}
           for dimension, baseline in baselines.items() if scope in baseline}
    people = baselines.get("race_ethnicity", {})
    areas = {slug: sum(e for e, _m in groups.values()) for slug, groups in people.items() if slug != ALL}
    if scope == ALL and len(areas) > 1:
        out["area"] = areas
    return out


def margins(scope: str = ALL) -> dict[str, dict[str, float]]:
    """Population by group for each raking dimension with a baseline: census race
    (B03002) and age (B01001) for ``scope``, and the neighbourhoods' populations."""
    return _margins(_baselines(), scope)


def _why_unweighted(raw: CellKey, key: CellKey, population: Mapping[str, Mapping[str, float]],
                    dims: tuple[str, ...]) -> tuple[str, str, str] | None:
    """(dimension, reason, answer) for a cell the raking leaves out, None if it is raked:
    the same test as the raking's (a group with a positive population share in every
    dimension), told from the raw answers, where "prefer not to say" is still visible."""
    for dimension in dims:
        position = RAKING.index(dimension)
        if population[dimension].get(key[position], 0) > 0:
            continue
        answer = raw[position]
        if not answer:
            return dimension, NOT_ANSWERED, ""
        if PREFER_NOT.value in answer.split(","):
            return dimension, PREFERRED_NOT, ""
        return dimension, OUTSIDE, ",".join(sorted(answer.split(",")))
    return None


def respondent_cells_of(survey_id: int, filters: Filters) -> list[tuple[str, str, str, int]]:
    """(race answers, age band, area, respondents) in scope: from the aggregates when
    they serve ``filters`` (settled), else counted from the tags."""
    if aggregated(survey_id, filters):
        return respondent_cells(survey_id, filters)
    query, columns = cell_columns(select().select_from(Response))
    return [tuple(row) for row in db.session.execute(
        query.add_columns(*columns, func.count()).where(*response_conditions(survey_id, filters))
        .group_by(*columns))]


def compute_weights(survey_id: int, filters: Filters = NO_FILTERS) -> Weights | None:
    """Rake this survey's respondents to the census margins; None without any baseline."""
    baselines = _baselines()
    scope = filters.area or ALL
    population = _margins(baselines, scope)
    if not population:
        return None
    filters = resolved(survey_id, filters)
    counts: dict[CellKey, int] = defaultdict(int)
    dims = tuple(d for d in RAKING if d in population)
    left_out: dict[tuple[str, str, str], int] = defaultdict(int)
    for race, age, area, n in respondent_cells_of(survey_id, filters):
        key = cell_key(race, age, area)
        counts[key] += n
        why = _why_unweighted((race, age, area), key, population, dims)
        if why is not None:
            left_out[why] += n
    keys = list(counts)
    index = {d: RAKING.index(d) for d in dims}
    cells = [Cell({d: key[index[d]] for d in dims}, counts[key]) for key in keys]
    result = _raked(tuple((tuple(c.key.items()), c.count) for c in cells),
                    tuple((d, tuple(population[d].items())) for d in dims))
    pairs = [(w, counts[k]) for w, k in zip(result.weights, keys, strict=True)]
    areas = (scope,) if scope != ALL else tuple(sorted(
        {slug for baseline in baselines.values() for slug in baseline} - {ALL}))
    merged = tuple(Merged(d, group, into, population[d][group] / sum(population[d].values()))
                   for d, groups in result.collapsed.items() for group, into in groups.items())
    unweighted = tuple(Unweighted(d, reason, answer, n) for (d, reason, answer), n in sorted(
        left_out.items(), key=lambda item: (-item[1], RAKING.index(item[0][0]))))
    return Weights(dict(zip(keys, result.weights, strict=True)), result,
                   float(sum(counts.values())), kish_effective_n(pairs), design_effect(pairs), dims,
                   areas, unweighted, merged)


@lru_cache(maxsize=32)
def _raked(cells: tuple[tuple[tuple[tuple[str, str], ...], float], ...],
           margins: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]) -> RakeResult:
    """:func:`rake` of the same inputs, in the same order, rebuilt from hashable ones: a
    survey's weights are raked once per distinct cell counts and census margins (each
    page and each question of the API asks for them again while nothing has changed)."""
    return rake([Cell(dict(key), count) for key, count in cells], {d: dict(m) for d, m in margins},
                trim=TRIM, collapse=COLLAPSE)


@dataclass
class WeightedCounts:
    """Per group: (weight, respondents) cells answering, and per answer value the
    (weight, choosing, respondents) cells a weighted share needs."""

    answering: dict[str, dict[CellKey, int]]
    choosing: dict[str, dict[str, dict[CellKey, int]]]


def weighted_question_counts(survey_id: int, question: QuestionSpec, by: str | None,
                             filters: Filters = NO_FILTERS, scope: Table | Counted | None = None
                             ) -> WeightedCounts:
    """``scope``: the page's aggregate rows with cells (engage.results.aggregates) or its
    responses with their cells (engage.results.scope); else the aggregates when they serve
    ``filters``, else the cells rebuilt from the tags for this question."""
    if scope is None and aggregated(survey_id, filters):
        scope = Counted(survey_id, by, resolved(survey_id, filters), cells=True,
                        question_ids=[question.id])
    if isinstance(scope, Counted):
        return _counted_weighted(scope, question, by)
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
    if question_type(question).summary.tallied:
        chosen = query.join(AnswerChoice, AnswerChoice.answer_id == Answer.id)
        for race, age, area, g, value, n in db.session.execute(
                chosen.add_columns(*columns, group, AnswerChoice.value, respondents)
                .where(*where).group_by(*columns, group, AnswerChoice.value)):
            choosing[g][value][cell_key(race, age, area)] += n
    return WeightedCounts(answering, choosing)


def _counted_weighted(scope: Counted, question: QuestionSpec, by: str | None) -> WeightedCounts:
    """:func:`weighted_question_counts` from aggregate rows carrying the raking cells."""
    if not scope.cells:
        raise ValueError("weighted counts need aggregate rows with their cells")
    tallied = question_type(question).summary.tallied
    answering: dict[str, dict[CellKey, int]] = defaultdict(lambda: defaultdict(int))
    choosing: dict[str, dict[str, dict[CellKey, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int)))
    for atom, race, age, area, item, _number, n in scope.of(question.id):
        cell = cell_key(race, age, area)
        for g in groups_of(by, atom):
            if item == ANSWERED:
                answering[g][cell] += n
            elif tallied and item != NUMBER:
                choosing[g][item][cell] += n
    return WeightedCounts(answering, choosing)


@dataclass(frozen=True)
class Explanation:
    """Weighting in the reader's words, never in codes: what it is weighted to, how many
    respondents it covers (``label``, for the weighted figures), why the others are not
    weighted, and what was adjusted to make the raking possible."""

    label: str
    #: The weighting questions by name ("Race and ethnicity, Age and Neighborhood").
    dimensions: str
    census: str
    unweighted: str
    reasons: tuple[str, ...]
    adjustments: tuple[str, ...]

    def __str__(self) -> str:
        reasons = f" {'; '.join(self.reasons)}." if self.reasons else ""
        return " ".join(filter(None, (self.census, self.unweighted + reasons, *self.adjustments)))


def _answer_names(spec: SurveySpec, locale: str) -> dict[str, dict[str, str]]:
    """Per raking dimension, each answer's name in the reader's words: the survey's own
    wording, else the standard question's."""
    names: dict[str, dict[str, str]] = {}
    for dimension in RAKING:
        words = {c.value: str(c.label) for q in DIMENSIONS[dimension].questions for c in q.choices}
        for q in spec.questions:
            if q.dimension == dimension:
                words.update(choice_labels(q, locale, spec.default_locale))
        names[dimension] = words
    return names


def area_names(locale: str) -> dict[str, str]:
    """Every neighbourhood's name in ``locale`` (a city has a handful)."""
    return {a.slug: resolve(a.name, locale) for a in db.session.scalars(select(Area))}


def explain(weights: Weights, spec: SurveySpec, locale: str) -> Explanation:
    """``weights`` told in the current UI language, survey and area words in ``locale``."""
    names, areas = _answer_names(spec, locale), area_names(locale)
    names["area"].update(areas)
    ui_locale = str(get_locale() or "en")

    def words(dimension: str, answer: str) -> str:
        return format_list([names[dimension].get(a, a) for a in answer.split(",")], locale=ui_locale)

    def census_group(dimension: str, group: str) -> str:  # race is weighted in B03002 groups
        label = B03002_LABELS.get(group) if dimension == "race_ethnicity" else None
        return str(label) if label else words(dimension, group)

    n, left_out = int(weights.n), int(weights.n) - weights.weighted_n
    label = ngettext("Weighted (%(weighted)d of %(num)d respondent, %(share)s)",
                     "Weighted (%(weighted)d of %(num)d respondents, %(share)s)", n,
                     weighted=weights.weighted_n,
                     share=format_percent(weights.weighted_share, locale=ui_locale))
    census = _("Weighted to the census for %(areas)s.", areas=format_list(
        [areas.get(a, a) for a in weights.areas], locale=ui_locale)) if weights.areas else ""
    unweighted = ngettext(
        "%(unweighted)d of %(num)d respondent could not be weighted and counts as an average respondent:",
        "%(unweighted)d of %(num)d respondents could not be weighted and count as average respondents:",
        n, unweighted=left_out) if left_out else ngettext(
        "The %(num)d respondent was weighted.", "All %(num)d respondents were weighted.", n)
    reasons = tuple(_reason(u, str(dimension_label(u.dimension)), words(u.dimension, u.answer),
                            lives_in=u.dimension == "area" and u.answer in areas)
                    for u in weights.unweighted)
    adjustments = [_("Nobody answered in the group “%(group)s” (%(share)s of the population), so its "
                     "share is added to “%(into)s”.", group=census_group(m.dimension, m.group),
                     share=format_percent(round(m.population_share, 3), locale=ui_locale,
                                          decimal_quantization=False),
                     into=census_group(m.dimension, m.into)) for m in weights.merged]
    if weights.weighted_n:
        low, high = (format_decimal(bound, locale=ui_locale) for bound in TRIM)
        adjustments.append(_("No respondent counts for less than %(low)s or more than %(high)s times "
                             "the average (weights are trimmed).", low=low, high=high))
        if not weights.result.converged and not math.isnan(weights.result.max_error):
            adjustments.append(_("Weighted shares miss the census shares by up to %(points)s "
                                 "percentage points.",
                                 points=format_decimal(round(100 * weights.result.max_error, 1),
                                                       locale=ui_locale)))
    dimensions = format_list([str(dimension_label(d)) for d in weights.dimensions], locale=ui_locale)
    return Explanation(label, dimensions, census, unweighted, reasons, tuple(adjustments))


def _reason(unweighted: Unweighted, question: str, answer: str, *, lives_in: bool) -> str:
    """Why ``unweighted.count`` respondents are not weighted, as a phrase (``lives_in``: the
    answer is a neighbourhood, one without census figures)."""
    n = unweighted.count
    if unweighted.reason == NOT_ANSWERED:
        return ngettext("%(num)d did not answer the “%(question)s” question",
                        "%(num)d did not answer the “%(question)s” question", n, question=question)
    if unweighted.reason == PREFERRED_NOT:
        return ngettext("%(num)d preferred not to answer the “%(question)s” question",
                        "%(num)d preferred not to answer the “%(question)s” question", n, question=question)
    if lives_in:
        return ngettext("%(num)d lives in %(area)s, which has no census baseline",
                        "%(num)d live in %(area)s, which has no census baseline", n, area=answer)
    return ngettext("%(num)d answered “%(answer)s” to the “%(question)s” question, an answer the census "
                    "figures do not cover", "%(num)d answered “%(answer)s” to the “%(question)s” question, "
                    "an answer the census figures do not cover", n, answer=answer, question=question)
