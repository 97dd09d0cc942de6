"""Who to reach next: the neighbourhoods and language groups whose share of a survey's
respondents is below their share of the population (the representation index)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from engage.core.errors import DomainError
from engage.demographics.baselines import area_baseline
from engage.extensions import db
from engage.org.models import Area
from engage.responses.models import Response, ResponseTag
from engage.results.queries import NO_FILTERS, response_conditions
from engage.results.representation import ALL, representation

#: Census language groups by a contact's language code ("fil" speaks Tagalog).
_LANGUAGE_GROUP_ALIASES = {"fil": "tl", "zh_Hans": "zh", "zh_Hant": "zh", "yue": "zh", "cmn": "zh"}
#: Population tables tried, in turn, for neighbourhoods' sizes.
_SIZE_TABLES = ("age_band", "home_language", "race_ethnicity", "tenure", "income_band")


@dataclass(frozen=True)
class Targets:
    area_ids: frozenset[int] = frozenset()
    #: Census language groups ("es", "zh", "tl"...), matched by a contact's language.
    language_groups: frozenset[str] = frozenset()
    #: What could not be measured (no baseline), for staff to see.
    unmeasured: tuple[str, ...] = field(default=())


def language_group(code: str) -> str:
    return _LANGUAGE_GROUP_ALIASES.get(code, code.split("_")[0].lower())


def under_represented(survey_id: int, threshold: float) -> Targets:
    """Areas and language groups under ``threshold`` for this survey so far. A group
    nobody from has answered yet is under-represented too (index 0)."""
    unmeasured = []
    languages: set[str] = set()
    try:
        rows = representation(survey_id, "home_language").get(ALL, [])
        languages = {r.group for r in rows
                     if r.group != "other" and (r.index or 0) < threshold}
    except DomainError:
        unmeasured.append("home_language")
    areas = _under_represented_areas(survey_id, threshold)
    if areas is None:
        unmeasured.append("area")
    return Targets(frozenset(areas or ()), frozenset(languages), tuple(unmeasured))


def _under_represented_areas(survey_id: int, threshold: float) -> set[int] | None:
    population = _area_population()
    if not population:
        return None
    counted = dict(db.session.execute(
        select(ResponseTag.value, func.count())
        .join(Response, Response.id == ResponseTag.response_id)
        .where(ResponseTag.dimension == "area", *response_conditions(survey_id, NO_FILTERS))
        .group_by(ResponseTag.value)).all())
    ids = dict(db.session.execute(select(Area.slug, Area.id)).all())
    people = sum(population.values())
    answered = sum(counted.get(slug, 0) for slug in population)
    out = set()
    for slug, size in population.items():
        if slug not in ids or not size:
            continue
        share = counted.get(slug, 0) / answered if answered else 0.0
        if share / (size / people) < threshold:
            out.add(ids[slug])
    return out


def _area_population() -> dict[str, float]:
    for table in _SIZE_TABLES:
        try:
            baseline = area_baseline(table)
        except DomainError:
            continue
        sizes = {slug: sum(e for e, _m in groups.values())
                 for slug, groups in baseline.items() if slug != ALL}
        if sizes:
            return sizes
    return {}
