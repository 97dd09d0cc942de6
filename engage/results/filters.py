"""Which responses a result counts, and how they are grouped: plain data parsed from a
request, turned into SQL by the queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engage.demographics.standard import DIMENSIONS

#: Breakdowns besides the demographic dimensions. Race and ethnicity has three
#: tabulations (domain notes): alone or in combination (a person counts in each group
#: they chose, totals exceed 100%), and alone with multiracial as its own group.
RACE_ALONE = "race_alone"
#: Group names besides a dimension's answers: everyone, nobody answered, several races.
ALL = "all"
NO_ANSWER = "not_answered"
MULTIRACIAL = "multiracial"
BREAKDOWNS = ("channel", "locale", RACE_ALONE, *(
    q.dimension for d in DIMENSIONS.values() for q in d.questions if q.dimension
    and q.dimension != "race_ethnicity_detail"))


@dataclass(frozen=True)
class Filters:
    channel: str | None = None
    locale: str | None = None
    area: str | None = None
    since: date | None = None
    until: date | None = None
    #: Demo and simulator responses; counted only when asked, or when a survey has
    #: nothing else (the demo).
    include_synthetic: bool | None = None


