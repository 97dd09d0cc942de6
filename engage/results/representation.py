"""Who is missing: each group's share of respondents against its share of the
neighbourhood's population (the census baseline), while a survey runs.

Respondents are counted in SQL by (area, group) cells; race and ethnicity answers
("select all", SPD 15) are mapped onto the census's mutually exclusive B03002 groups
per combination of answers, which is a cell too, not a row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import LazyString
from sqlalchemy import func, select

from engage.core.errors import DomainError
from engage.core.i18n import _l
from engage.demographics.acs_tables import b03002_group
from engage.demographics.baselines import area_baseline
from engage.extensions import db
from engage.responses.models import Response, ResponseTag
from engage.results.filters import Filters
from engage.results.queries import NO_ANSWER, NO_FILTERS, response_conditions
from engage.results.stats import Interval, wilson

ALL = "all"
#: Dimensions that have a census table to compare with.
COMPARABLE = ("race_ethnicity", "home_language", "age_band", "tenure", "income_band")
#: Below this representation index a group is flagged for outreach.
UNDER = 0.8

B03002_LABELS: dict[str, LazyString] = {
    "hispanic": _l("Hispanic or Latino (any race)"),
    "nh_white": _l("White, not Hispanic (includes Middle Eastern or North African)"),
    "nh_black": _l("Black or African American, not Hispanic"),
    "nh_aian": _l("American Indian or Alaska Native, not Hispanic"),
    "nh_asian": _l("Asian, not Hispanic"),
    "nh_nhpi": _l("Native Hawaiian or Pacific Islander, not Hispanic"),
    "nh_other": _l("Some other race, not Hispanic"),
    "nh_two_or_more": _l("Two or more races, not Hispanic"),
}


@dataclass(frozen=True)
class GroupRepresentation:
    group: str
    respondents: int
    respondent_share: Interval
    population: float
    population_share: float
    #: Respondents' share over the population's: 1 is even, under 0.8 is flagged.
    index: float | None

    @property
    def under_represented(self) -> bool:
        return self.index is not None and self.index < UNDER


def respondent_cells(survey_id: int, dimension: str,
                     filters: Filters = NO_FILTERS) -> dict[str, dict[str, int]]:
    """``{area or ALL: {group: respondents}}``, counted in SQL. Respondents who did not say
    (or preferred not to) are left out: shares are of those who answered."""
    area = (select(ResponseTag.response_id.label("rid"), ResponseTag.value.label("slug"))
            .where(ResponseTag.dimension == "area").subquery())
    if dimension == "race_ethnicity":
        answers = (select(ResponseTag.response_id.label("rid"),
                          func.aggregate_strings(ResponseTag.value, ",").label("value"))
                   .where(ResponseTag.dimension == dimension)
                   .group_by(ResponseTag.response_id).subquery())
    else:
        answers = (select(ResponseTag.response_id.label("rid"), ResponseTag.value.label("value"))
                   .where(ResponseTag.dimension == dimension, ResponseTag.value != "prefer_not")
                   .subquery())
    area_slug = func.coalesce(area.c.slug, NO_ANSWER)
    rows = db.session.execute(
        select(area_slug, answers.c.value, func.count())
        .select_from(Response).join(answers, answers.c.rid == Response.id)
        .outerjoin(area, area.c.rid == Response.id)
        .where(*response_conditions(survey_id, filters))
        .group_by(area_slug, answers.c.value))
    cells: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for slug, value, n in rows:
        group = b03002_group(value.split(",")) if dimension == "race_ethnicity" else value
        if group is None:
            continue
        cells[slug][group] += n
        cells[ALL][group] += n
    return {slug: dict(groups) for slug, groups in cells.items()}


def representation(survey_id: int, dimension: str, filters: Filters = NO_FILTERS
                   ) -> dict[str, list[GroupRepresentation]]:
    """Per area (and the whole city, under ALL) with a baseline: every census group,
    its respondents and population shares and the representation index."""
    if dimension not in COMPARABLE:
        raise DomainError(_l("There is no census table to compare this with."))
    baseline = area_baseline(dimension)
    counted = respondent_cells(survey_id, dimension, filters)
    out: dict[str, list[GroupRepresentation]] = {}
    for slug, population in baseline.items():
        people = sum(estimate for estimate, _moe in population.values())
        answered = counted.get(slug, {})
        total = sum(answered.get(g, 0) for g in population)
        rows = []
        for group, (estimate, _moe) in population.items():
            n = answered.get(group, 0)
            pop_share = estimate / people if people else 0.0
            share = wilson(n, total)
            index = share.estimate / pop_share if total and pop_share else None
            rows.append(GroupRepresentation(group, n, share, estimate, pop_share, index))
        out[slug] = sorted(rows, key=lambda r: -r.population)
    return dict(sorted(out.items(), key=lambda item: (item[0] != ALL, item[0])))
