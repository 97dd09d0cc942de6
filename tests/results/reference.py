"""A deliberately plain reference for results: the raw rows read with the simplest
queries there are, then counted in Python loops, one respondent at a time.

The results pages count in SQL, over a temporary scope table, with shortcuts (plain
``count()`` where a scope row is a respondent, the overall figures of an exclusive
breakdown added up from its groups, weights applied to aggregated cells). None of that
is here: every figure below is worked out from each response's own answers and tags, so
a property can hold any speed-up to the same numbers
(tests/results/test_reference_property.py).

Rules restated plainly (read from engage/results):

* scope: the survey's responses; synthetic ones only when asked for, or when the survey
  has no real response at all; then channel, language, neighbourhood (an ``area`` tag),
  and ``since``/``until`` as UTC dates of ``started_at``, both ends included;
* groups: no breakdown, one group ``all``; channel or language, the response's own;
  ``race_alone``, the one race chosen (``prefer_not`` is not a race), ``multiracial`` for
  two or more, ``not_answered`` for none; any other dimension, every value tagged (a
  resident who chose two is in two groups), else ``not_answered``;
* a group's n: its respondents who answered the question; a count: those who chose the
  value; shares: Wilson intervals on (count, n);
* numbers: mean; median and quartiles are the "lower" order statistics, the value at
  position floor(p * (n - 1)) of the sorted answers;
* suppression (primary rule only): a group with 0 < n < threshold and a cell with
  0 < count < threshold are hidden; zeros are not;
* weights: each response's raking cell (B03002 group of its race answers, age band, area;
  "" for none) looked up in the Weights object; a weighted share is
  sum(w * chose) / sum(w) over the group's respondents, its interval Wilson's on Kish's
  effective sample size (sum w)^2 / sum(w^2).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from engage.engine import QuestionSpec, question_type
from engage.extensions import db
from engage.responses.models import Answer, AnswerChoice, Response, ResponseTag
from engage.results.filters import Filters
from engage.results.stats import Interval, wilson
from engage.results.weighting import Weights

ALL = "all"
NO_ANSWER = "not_answered"
MULTIRACIAL = "multiracial"
RACE = "race_ethnicity"
RACE_ALONE = "race_alone"
PREFER_NOT = "prefer_not"
#: Groups the disparity figures leave out.
NOT_A_GROUP = (NO_ANSWER, PREFER_NOT)
#: The census's 1997 races (B03002), as the standard question's values map to them:
#: Middle Eastern or North African residents are counted as White.
CENSUS_RACE = {"aian": "aian", "asian": "asian", "black": "black", "mena": "white",
               "nhpi": "nhpi", "white": "white"}
UNRELIABLE_UNDER = 30


@dataclass
class RawAnswer:
    choices: set[str] = field(default_factory=set)
    number: float | None = None
    text: str | None = None


@dataclass
class RawResponse:
    id: int
    channel: str
    locale: str
    synthetic: bool
    started_at: datetime
    tags: dict[str, set[str]] = field(default_factory=dict)
    answers: dict[int, RawAnswer] = field(default_factory=dict)  # by question id
    #: Set aside when the resident started again: never counted, but a real one still
    #: means synthetic responses are not counted by default.
    set_aside: bool = False


def load(survey_id: int) -> list[RawResponse]:
    """Every response of the survey with its answers and tags: four plain reads."""
    responses: dict[int, RawResponse] = {}
    for rid, channel, locale, synthetic, started_at, status in db.session.execute(
            select(Response.id, Response.channel, Response.locale, Response.synthetic,
                   Response.started_at, Response.status).where(Response.survey_id == survey_id)):
        responses[rid] = RawResponse(rid, channel, locale, bool(synthetic), started_at,
                                     set_aside=status == "abandoned")
    answer_of: dict[int, RawAnswer] = {}
    for aid, rid, qid, number, text in db.session.execute(
            select(Answer.id, Answer.response_id, Answer.question_id, Answer.number, Answer.text)):
        if rid in responses:
            answer = RawAnswer(number=number, text=text)
            responses[rid].answers[qid] = answer
            answer_of[aid] = answer
    for aid, value in db.session.execute(select(AnswerChoice.answer_id, AnswerChoice.value)):
        if aid in answer_of:
            answer_of[aid].choices.add(value)
    for rid, dimension, value in db.session.execute(
            select(ResponseTag.response_id, ResponseTag.dimension, ResponseTag.value)):
        if rid in responses:
            responses[rid].tags.setdefault(dimension, set()).add(value)
    return sorted(responses.values(), key=lambda r: r.id)


def utc_date(moment: datetime):  # type: ignore[no-untyped-def]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def census_race(races: set[str]) -> str:
    """The B03002 group of a resident's race answers, "" for none or prefer not to say."""
    if not races or PREFER_NOT in races:
        return ""
    if "hispanic" in races:
        return "hispanic"
    mapped = {CENSUS_RACE[r] for r in races if r in CENSUS_RACE}
    if not mapped:
        return ""
    if len(mapped) == 1:
        return "nh_" + mapped.pop()
    return "nh_two_or_more"


def only_value(values: set[str]) -> str:
    """The one value of a single-choice dimension, "" without one."""
    assert len(values) <= 1, values
    return next(iter(values)) if values else ""


def cell_key(response: RawResponse) -> tuple[str, str, str]:
    return (census_race(response.tags.get(RACE, set())),
            only_value(response.tags.get("age_band", set())),
            only_value(response.tags.get("area", set())))


def answered(question: QuestionSpec, answer: RawAnswer | None) -> bool:
    if answer is None:
        return False
    storage = question_type(question).storage
    if storage == "choices":
        return bool(answer.choices)
    if storage == "number":
        return answer.number is not None
    return answer.text is not None


def lower_quantile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[math.floor(p * (len(ordered) - 1))]


@dataclass
class GroupFigures:
    """One group's respondents who answered one question, and what they answered."""

    respondents: list[RawResponse] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    numbers: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.respondents)

    def count(self, value: str) -> int:
        return self.counts.get(value, 0)

    def share(self, value: str) -> Interval:
        return wilson(self.count(value), self.n)

    @property
    def mean(self) -> float | None:
        if not self.numbers:
            return None
        total = 0.0
        for number in self.numbers:
            total += number
        return total / len(self.numbers)

    def quantile(self, p: float) -> float | None:
        return lower_quantile(self.numbers, p) if self.numbers else None

    def hidden_group(self, limit: int) -> bool:
        """The primary rule: a group of 1 to limit - 1 respondents is hidden."""
        return 0 < self.n < limit

    def hidden_cell(self, value: str, limit: int) -> bool:
        return 0 < self.count(value) < limit


@dataclass(frozen=True)
class WeightedFigures:
    n_eff: float
    shares: dict[str, Interval]


class Reference:
    """One survey's results, worked out plainly from its raw rows."""

    def __init__(self, survey_id: int) -> None:
        self.responses = load(survey_id)

    # -- which responses, which groups -------------------------------------------------

    def counts_synthetic(self, filters: Filters) -> bool:
        if filters.include_synthetic is not None:
            return filters.include_synthetic
        return all(response.synthetic for response in self.responses)  # no real one

    def in_scope(self, filters: Filters) -> list[RawResponse]:
        synthetic = self.counts_synthetic(filters)
        out = []
        for r in self.responses:
            if r.set_aside or (r.synthetic and not synthetic):
                continue
            if filters.channel and r.channel != filters.channel:
                continue
            if filters.locale and r.locale != filters.locale:
                continue
            if filters.area and filters.area not in r.tags.get("area", set()):
                continue
            if filters.since and utc_date(r.started_at) < filters.since:
                continue
            if filters.until and utc_date(r.started_at) > filters.until:
                continue
            out.append(r)
        return out

    @staticmethod
    def groups_of(response: RawResponse, by: str | None) -> list[str]:
        if by is None:
            return [ALL]
        if by == "channel":
            return [response.channel]
        if by == "locale":
            return [response.locale]
        if by == RACE_ALONE:
            races = response.tags.get(RACE, set()) - {PREFER_NOT}
            if len(races) == 1:
                return list(races)
            if len(races) > 1:
                return [MULTIRACIAL]
            return [NO_ANSWER]
        values = response.tags.get(by, set())
        return sorted(values) if values else [NO_ANSWER]

    # -- figures -----------------------------------------------------------------------

    def figures(self, question: QuestionSpec, by: str | None, filters: Filters
                ) -> dict[str, GroupFigures]:
        """Per group with at least one respondent answering ``question``."""
        out: dict[str, GroupFigures] = {}
        for response in self.in_scope(filters):
            answer = response.answers.get(question.id)
            if not answered(question, answer):
                continue
            assert answer is not None
            for group in self.groups_of(response, by):
                figures = out.setdefault(group, GroupFigures())
                figures.respondents.append(response)
                for value in answer.choices:
                    figures.counts[value] = figures.counts.get(value, 0) + 1
                if answer.number is not None:
                    figures.numbers.append(answer.number)
                if answer.text is not None:
                    figures.texts.append(answer.text)
        return out

    def texts(self, question: QuestionSpec, filters: Filters) -> list[str]:
        return sorted(t for g in self.figures(question, None, filters).values() for t in g.texts)

    def respondents(self, filters: Filters) -> int:
        return len(self.in_scope(filters))

    # -- weights -----------------------------------------------------------------------

    def cells(self, filters: Filters) -> dict[tuple[str, str, str], int]:
        """Respondents per raking cell, as the weights were raked on."""
        out: dict[tuple[str, str, str], int] = {}
        for response in self.in_scope(filters):
            key = cell_key(response)
            out[key] = out.get(key, 0) + 1
        return out

    @staticmethod
    def weight_of(response: RawResponse, weights: Weights) -> float:
        key = cell_key(response)
        assert key in weights.by_cell, f"response {response.id}: no weight for its cell {key}"
        return weights.by_cell[key]

    def effective_n(self, responses: Iterable[RawResponse], weights: Weights) -> float:
        total = squares = 0.0
        for response in responses:
            w = self.weight_of(response, weights)
            total += w
            squares += w * w
        return total * total / squares if squares else 0.0

    def weighted(self, question: QuestionSpec, by: str | None, filters: Filters,
                 weights: Weights) -> dict[str, WeightedFigures]:
        values = [c.value for c in question_type(question).choices(question)]
        out = {}
        for group, figures in self.figures(question, by, filters).items():
            n_eff = self.effective_n(figures.respondents, weights)
            shares = {}
            for value in values:
                chose = total = 0.0
                for response in figures.respondents:
                    w = self.weight_of(response, weights)
                    total += w
                    if value in response.answers[question.id].choices:
                        chose += w
                p = chose / total
                shares[value] = wilson(min(p * n_eff, n_eff), n_eff)
            out[group] = WeightedFigures(n_eff, shares)
        return out


def index_of_disparity(rates: Iterable[float], overall: float) -> float:
    rates = list(rates)
    deviation = 0.0
    for rate in rates:
        deviation += abs(rate - overall)
    return 100 * deviation / len(rates) / overall
