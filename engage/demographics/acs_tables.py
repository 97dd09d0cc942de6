"""Which lines of which ACS table make each group of a standard dimension.

Each group sums table lines ("sources"); each source names the words its label ends with,
and a file whose labels say otherwise is refused. The Bureau has changed table layouts
between years (C16001 was redrawn in 2016), and a figure summed from the wrong line
would look just as plausible as the right one.

Tables and groups (line numbers as in the Bureau's table shells, 2016 onwards):

- B03002 Hispanic or Latino origin by race → ``race_ethnicity``, the mutually exclusive
  groups weighting uses (the standard's own question is OMB SPD 15, "select all":
  :func:`b03002_group` maps its answers here): hispanic 012 (Hispanic or Latino, any
  race); nh_white 003, nh_black 004, nh_aian 005, nh_asian 006, nh_nhpi 007, nh_other 008
  (Some other race alone), nh_two_or_more 009 (each "Not Hispanic or Latino: … alone").
- C16001 Language spoken at home, 5 years and over → ``home_language``: en 002 (speak
  only English), es 003, ko 018, zh 021, vi 024, tl 027, ar 033; other = French, Haitian
  or Cajun 006 + German or other West Germanic 009 + Russian, Polish or other Slavic 012
  + other Indo-European 015 + other Asian and Pacific Island 030 + other and unspecified
  036. Somali has no line of its own (it is in "other and unspecified"), so ``so`` has
  no baseline.
- B01001 Sex by age → ``age_band``: male lines 003-025 plus the female lines 24 further
  on (027-049): under 18 = 003-006, 18-24 = 007-010, 25-34 = 011-012, 35-44 = 013-014,
  45-54 = 015-016, 55-64 = 017-019, 65-74 = 020-022, 75+ = 023-025.
- B25003 Tenure → ``tenure``: own 002 (owner occupied), rent 003 (renter occupied).
- B19001 Household income → ``income_band``: under 25k = 002-005, 25-50k = 006-010,
  50-75k = 011-012, 75-100k = 013, 100-150k = 014-015, 150k+ = 016-017.

In every table the groups add up to the total (line 001).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import LazyString

from engage.core.i18n import _l
from engage.demographics.census import (
    ESTIMATE,
    AcsTable,
    Geography,
    MarginSum,
    Problems,
    refuse,
)


@dataclass(frozen=True)
class Source:
    """One table line summed into a group, and how its label ends: the last segments of
    the label (split on ``!!``), each expected to start with these words."""

    line: str
    expect: tuple[str, ...]


@dataclass(frozen=True)
class GroupMap:
    group: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class TableMap:
    table: str
    dimension: str
    title: LazyString
    #: What is counted: people, people aged 5 and over, households…
    universe: LazyString
    groups: tuple[GroupMap, ...]

    def code(self, source: Source) -> str:
        return f"{self.table}_{source.line}{ESTIMATE}"


def _group(group: str, *sources: tuple[int, tuple[str, ...]]) -> GroupMap:
    return GroupMap(group, tuple(Source(f"{line:03d}", expect) for line, expect in sources))


def _top(group: str, *lines: tuple[int, str]) -> GroupMap:
    """A group summing lines directly under the total."""
    return _group(group, *((line, ("Total", words)) for line, words in lines))


def _not_hispanic(group: str, line: int, words: str) -> GroupMap:
    return _group(group, (line, ("Not Hispanic or Latino", words)))


#: B01001's male lines for each age band; each female line is 24 further on.
_AGE_LINES: dict[str, tuple[tuple[int, str], ...]] = {
    "age_under_18": ((3, "Under 5"), (4, "5 to 9"), (5, "10 to 14"), (6, "15 to 17")),
    "age_18_24": ((7, "18 and 19"), (8, "20 years"), (9, "21 years"), (10, "22 to 24")),
    "age_25_34": ((11, "25 to 29"), (12, "30 to 34")),
    "age_35_44": ((13, "35 to 39"), (14, "40 to 44")),
    "age_45_54": ((15, "45 to 49"), (16, "50 to 54")),
    "age_55_64": ((17, "55 to 59"), (18, "60 and 61"), (19, "62 to 64")),
    "age_65_74": ((20, "65 and 66"), (21, "67 to 69"), (22, "70 to 74")),
    "age_75_plus": ((23, "75 to 79"), (24, "80 to 84"), (25, "85 years")),
}
FEMALE_OFFSET = 24


def _age(group: str) -> GroupMap:
    return _group(group, *((line + offset, (sex, words))
                           for offset, sex in ((0, "Male"), (FEMALE_OFFSET, "Female"))
                           for line, words in _AGE_LINES[group]))


TABLES: dict[str, TableMap] = {t.table: t for t in (
    TableMap("B03002", "race_ethnicity", _l("Hispanic or Latino origin by race"), _l("People"), (
        _top("hispanic", (12, "Hispanic or Latino")),
        _not_hispanic("nh_white", 3, "White alone"),
        _not_hispanic("nh_black", 4, "Black or African American alone"),
        _not_hispanic("nh_aian", 5, "American Indian and Alaska Native alone"),
        _not_hispanic("nh_asian", 6, "Asian alone"),
        _not_hispanic("nh_nhpi", 7, "Native Hawaiian and Other Pacific Islander alone"),
        _not_hispanic("nh_other", 8, "Some other race alone"),
        _not_hispanic("nh_two_or_more", 9, "Two or more races"),
    )),
    TableMap("C16001", "home_language", _l("Language spoken at home"),
             _l("People aged 5 and over"), (
        _top("en", (2, "Speak only English")),
        _top("es", (3, "Spanish")),
        _top("vi", (24, "Vietnamese")),
        _top("zh", (21, "Chinese")),
        _top("tl", (27, "Tagalog")),
        _top("ar", (33, "Arabic")),
        _top("ko", (18, "Korean")),
        _top("other", (6, "French, Haitian, or Cajun"), (9, "German or other West Germanic"),
             (12, "Russian, Polish, or other Slavic"), (15, "Other Indo-European"),
             (30, "Other Asian and Pacific Island"), (36, "Other and unspecified")),
    )),
    TableMap("B01001", "age_band", _l("Sex by age"), _l("People"),
             tuple(_age(group) for group in _AGE_LINES)),
    TableMap("B19001", "income_band", _l("Household income in the past 12 months"), _l("Households"), (
        _top("income_under_25k", (2, "Less than $10,000"), (3, "$10,000 to $14,999"),
             (4, "$15,000 to $19,999"), (5, "$20,000 to $24,999")),
        _top("income_25k_50k", (6, "$25,000 to $29,999"), (7, "$30,000 to $34,999"),
             (8, "$35,000 to $39,999"), (9, "$40,000 to $44,999"), (10, "$45,000 to $49,999")),
        _top("income_50k_75k", (11, "$50,000 to $59,999"), (12, "$60,000 to $74,999")),
        _top("income_75k_100k", (13, "$75,000 to $99,999")),
        _top("income_100k_150k", (14, "$100,000 to $124,999"), (15, "$125,000 to $149,999")),
        _top("income_150k_plus", (16, "$150,000 to $199,999"), (17, "$200,000 or more")),
    )),
    TableMap("B25003", "tenure", _l("Housing tenure"), _l("Occupied housing units"), (
        _top("own", (2, "Owner occupied")),
        _top("rent", (3, "Renter occupied")),
    )),
)}


def table_map(table: str) -> TableMap:
    """The mapping of ``table``; refuses a table Engage cannot use as a baseline."""
    found = TABLES.get(table)
    if found is None:
        raise refuse(_l("Engage cannot use table %(table)s as a baseline: it reads %(tables)s.",
                        table=table or "?", tables=", ".join(sorted(TABLES))), 1)
    return found


# -- checking a file against the mapping ------------------------------------------------

def _words(text: str) -> str:
    """Labels compared on letters and digits only: "Total:" is "Total", "$10,000" is "10000"."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def label_fits(label: str, expect: tuple[str, ...]) -> bool:
    segments = [_words(s) for s in label.split("!!")][1:]  # after "Estimate"
    if len(segments) < len(expect):
        return False
    return all(seg.startswith(_words(words))
               for seg, words in zip(segments[-len(expect):], expect, strict=True))


def check_columns(acs: AcsTable, mapping: TableMap) -> None:
    """Refuse a file missing a line the mapping sums, or labelling it otherwise."""
    problems = Problems()
    for group in mapping.groups:
        for source in group.sources:
            code = mapping.code(source)
            column = acs.columns.get(code)
            if column is None:
                problems.add(acs.code_line, code, _l("The file has no column %(code)s, which Engage "
                                                     "needs for the group %(group)s.",
                                                     code=code, group=group.group))
            elif not label_fits(column.label, source.expect):
                problems.add(acs.label_line, code, _l(
                    "This column is labelled “%(label)s” where Engage expects “%(expected)s”: the "
                    "table's layout differs from the one Engage knows (another year?).",
                    label=column.label[:120], expected=" › ".join(source.expect)))
    problems.raise_any()


# -- figures ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    geo_id: str
    geo_name: str
    group: str
    estimate: float
    moe: float | None


@dataclass
class MappedTable:
    mapping: TableMap
    figures: list[Figure] = field(default_factory=list)
    #: (geo_id, group, annotation): left out because a line they sum has no estimate.
    skipped: list[tuple[str, str, str]] = field(default_factory=list)


def _group_sum(acs: AcsTable, mapping: TableMap, geography: Geography,
               group: GroupMap) -> MarginSum | str:
    """The group's sum in one geography, or the annotation of a line with no estimate."""
    total = MarginSum()
    for source in group.sources:
        code = mapping.code(source)
        estimate = geography.cells[code]
        if estimate.value is None:
            return estimate.note or "?"
        margin_code = acs.margin_code(code)
        margin = geography.cells[margin_code].margin() if margin_code else None
        total = total.add(estimate.value, margin)
    return total


def group_figures(acs: AcsTable) -> MappedTable:
    """Each geography's figure for each group of the table's dimension; refuses a table
    Engage has no mapping for, or whose layout differs from the mapping's."""
    mapping = table_map(acs.table)
    check_columns(acs, mapping)
    mapped = MappedTable(mapping)
    for geography in acs.geographies:
        for group in mapping.groups:
            total = _group_sum(acs, mapping, geography, group)
            if isinstance(total, str):
                mapped.skipped.append((geography.geo_id, group.group, total))
            else:
                mapped.figures.append(Figure(geography.geo_id, geography.name, group.group,
                                             total.estimate, total.moe))
    return mapped


# -- answers to B03002 groups -----------------------------------------------------------

#: SPD 15 categories as the 1997 standard B03002 follows counts them: Middle Eastern or
#: North African people are in White there.
_RACES_1997 = {"white": "white", "mena": "white", "black": "black", "aian": "aian",
               "asian": "asian", "nhpi": "nhpi"}


def b03002_group(answers: Iterable[str]) -> str | None:
    """The B03002 group of a respondent's race and ethnicity answers (the standard
    question's values, "select all"), to compare with or weight to the baseline: Hispanic
    or Latino whatever else is selected; otherwise one race (MENA counting as White), or
    two or more. None when the respondent preferred not to say or selected nothing."""
    selected = set(answers)
    if "prefer_not" in selected:
        return None
    if "hispanic" in selected:
        return "hispanic"
    races = {_RACES_1997[a] for a in selected if a in _RACES_1997}
    if not races:
        return None
    return f"nh_{races.pop()}" if len(races) == 1 else "nh_two_or_more"

