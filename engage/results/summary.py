"""Question summaries as planners read them: counts, shares with modelled intervals,
numbers' centre and spread, broken down by a group, and suppressed for anything that
leaves staff views. Works on the aggregated cells of :mod:`engage.results.queries`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import nullcontext
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import Table

from engage.core.i18n import _, language_name, resolve
from engage.engine import QuestionSpec, question_type
from engage.engine.questions import SummaryKind
from engage.engine.spec import SurveySpec
from engage.results.aggregates import Counted, aggregated
from engage.results.filters import RACE_ALONE, Filters
from engage.results.linked import (
    AtomFigures,
    N,
    atom_figures,
    family,
    family_hidden,
    group_figures,
    table_hidden,
    tallied_values,
)
from engage.results.queries import (
    ALL,
    MULTIRACIAL,
    NO_ANSWER,
    NO_FILTERS,
    QuestionCounts,
    free_text,
    question_counts,
    resolved,
)
from engage.results.queries import (
    overall as overall_counts,
)
from engage.results.scope import scoped_responses
from engage.results.stats import (
    MIN_RELIABLE_N_EFF,
    Disparity,
    Interval,
    best_off_group,
    disparities,
    index_of_disparity,
    kish_effective_n,
    weighted_proportion,
    wilson,
)
from engage.results.weighting import Weights, weighted_question_counts
from engage.surveys.labels import CHANNEL_LABELS
from engage.surveys.texts import choice_labels

#: Written answers a staff results page lists per question, the most recent; it says
#: when there are more (the responses export and the coding pages have them all).
TEXTS_SHOWN = 200


@dataclass(frozen=True)
class Column:
    group: str
    label: str
    n: int | None  # None: hidden
    unreliable: bool
    n_eff: float | None = None  # weighted: Kish's effective sample size


@dataclass(frozen=True)
class Figure:
    count: int | None  # None: hidden
    share: Interval | None
    small: bool  # under the threshold: shown to staff with a warning, hidden publicly
    weighted: Interval | None = None  # raked to the census, interval on n_eff


@dataclass(frozen=True)
class Row:
    value: str
    label: str
    figures: tuple[Figure, ...]
    #: Across the groups shown: the index of disparity (mean absolute deviation of the
    #: group rates from the overall rate, as a % of it) and the group with the highest rate.
    disparity: float | None = None
    best_group: str | None = None
    #: Each group's gap and ratio to the overall rate and to the best-off group.
    gaps: tuple[Disparity, ...] = ()


@dataclass(frozen=True)
class NumberSummary:
    column: Column
    mean: float | None
    median: float | None
    low_quartile: float | None
    high_quartile: float | None


@dataclass(frozen=True)
class QuestionSummary:
    key: str
    prompt: str
    type: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...] = ()
    numbers: tuple[NumberSummary, ...] = ()
    texts: tuple[str, ...] = ()
    #: There are more written answers than ``texts``, the most recent, holds.
    more_texts: bool = False
    hidden_any: bool = False

    @property
    def several(self) -> bool:
        """Several answers each: the shares add up to more than 100%."""
        return question_type(self.type).summary.several


def threshold() -> int:
    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def group_labels(spec: SurveySpec, by: str | None, locale: str) -> dict[str, str]:
    """What each group is called: the survey's own wording for its dimension's choices."""
    labels: dict[str, str] = {}
    if by == "channel":
        labels.update({k.value: str(v) for k, v in CHANNEL_LABELS.items()})
    elif by == "locale":
        labels.update({code: language_name(code) for code in spec.locales})
    else:
        dimension = "race_ethnicity" if by == RACE_ALONE else by
        for q in spec.questions:
            if q.dimension == dimension:
                labels.update({c.value: resolve(c.label, locale, spec.default_locale)
                               for c in question_type(q).choices(q)})
    specials = {MULTIRACIAL: _("Multiracial or multiethnic"), ALL: _("All respondents"),
                NO_ANSWER: _("No answer")}
    return {**labels, **{k: v for k, v in specials.items() if k not in labels}}


def _ordered_groups(n: Mapping[str, int], labels: Mapping[str, str]) -> list[str]:
    """Groups in the order the question offered them, unknown and no-answer last."""
    order = {g: i for i, g in enumerate(labels)}
    return sorted(n, key=lambda g: (g in (NO_ANSWER, "prefer_not"), order.get(g, 999), g))


def summarize(survey_id: int, spec: SurveySpec, by: str | None, locale: str, *,
              public: bool, filters: Filters = NO_FILTERS,
              weights: Weights | None = None) -> list[QuestionSummary]:
    labels = group_labels(spec, by, locale)
    filters = resolved(survey_id, filters)
    counting = (nullcontext(Counted(survey_id, by, filters, cells=weights is not None))
                if aggregated(survey_id, filters)
                else scoped_responses(survey_id, by, filters, cells=weights is not None, atoms=public))
    with counting as scope:
        summaries = [summarize_question(survey_id, spec, q, by, labels, locale, public=public,
                                        filters=filters, scope=scope)
                     for q in spec.questions if question_type(q).asks]
        if weights is None:
            return summaries
        return [with_weights(s, survey_id, spec.question(s.key), by, filters, weights, scope)
                if s.rows else s for s in summaries]


def with_weights(summary: QuestionSummary, survey_id: int, q: QuestionSpec, by: str | None,
                 filters: Filters, weights: Weights, scope: Table | Counted | None = None
                 ) -> QuestionSummary:
    """The same table with weighted shares beside the unweighted ones: each from its
    (weight, choosing, answering) cells, its interval on the effective sample size."""
    counted = weighted_question_counts(survey_id, q, by, filters, scope)
    columns, rows = [], []
    for col in summary.columns:
        cells = counted.answering.get(col.group, {})
        n_eff = kish_effective_n((weights.weight(k), n) for k, n in cells.items())
        columns.append(replace(col, n_eff=n_eff, unreliable=n_eff < MIN_RELIABLE_N_EFF))
    for row in summary.rows:
        figures = []
        for col, fig in zip(summary.columns, row.figures, strict=True):
            cells = counted.answering.get(col.group, {})
            chosen = counted.choosing.get(col.group, {}).get(row.value, {})
            share = None
            if fig.count is not None and cells:
                share = weighted_proportion(
                    (weights.weight(k), chosen.get(k, 0), n) for k, n in cells.items()).interval
            figures.append(replace(fig, weighted=share))
        rows.append(replace(row, figures=tuple(figures)))
    return replace(summary, columns=tuple(columns), rows=tuple(rows))


def groups_exclusive(spec: SurveySpec, by: str) -> bool:
    """Whether each response falls in exactly one group of ``by`` (so all respondents'
    counts are the groups' sum): channel, language, race alone, or a dimension asked by
    one single-choice question."""
    if by in ("channel", "locale", RACE_ALONE):
        return True
    asking = [q for q in spec.questions if q.dimension == by]
    return len(asking) == 1 and question_type(asking[0]).summary is SummaryKind.ONE


def summarize_question(survey_id: int, spec: SurveySpec, q: QuestionSpec, by: str | None,
                       labels: Mapping[str, str], locale: str, *, public: bool,
                       filters: Filters, scope: Table | Counted | None = None) -> QuestionSummary:
    kind = question_type(q).summary
    limit = threshold()
    atoms = None
    if public and by is not None:  # counted per atom: the groups, and what to hide
        carries_atoms = isinstance(scope, Counted) or (scope is not None and "atom" in scope.c)
        atoms = atom_figures(survey_id, q, by, filters, scope if carries_atoms else None)
        counts = _counts(group_figures(atoms, family(by)[by]))
        hidden = family_hidden(atoms, q, by, limit)
    else:
        counts = question_counts(survey_id, q, by, filters, scope)
        hidden = _own_hidden(q, counts, limit) if public else set()
    groups = _ordered_groups(counts.n, labels)
    prompt = resolve(q.prompt, locale, spec.default_locale)
    if kind.tallied:
        summary = _choice_summary(q, prompt, groups, counts.n, counts.counts, labels, locale,
                                  spec.default_locale, hidden)
        if by is None:
            return summary
        if atoms is not None:
            overall = _counts(group_figures(atoms, lambda _atom: [ALL]))
        elif groups_exclusive(spec, by):
            overall = overall_counts(counts)
        else:
            overall = question_counts(survey_id, q, None, filters, scope)
        return with_disparities(summary, overall.n.get(ALL, 0), overall.counts.get(ALL, {}), limit)
    columns = tuple(_column(g, labels, counts.n.get(g, 0), (g, N) in hidden) for g in groups)
    if kind.numeric:
        numbers = tuple(_number_summary(col, counts.numbers.get(col.group, {})) for col in columns)
        return QuestionSummary(q.key, prompt, q.type, columns, numbers=numbers,
                               hidden_any=any(c.n is None for c in columns))
    texts = () if public else tuple(free_text(survey_id, q, filters, limit=TEXTS_SHOWN + 1))
    return QuestionSummary(q.key, prompt, q.type, columns, texts=texts[:TEXTS_SHOWN],
                           more_texts=len(texts) > TEXTS_SHOWN)


def with_disparities(summary: QuestionSummary, overall_n: int, overall: Mapping[str, int],
                     limit: int) -> QuestionSummary:
    """For each answer, how unequal the groups are: over the groups shown with at least
    ``limit`` respondents (not "no answer" or "prefer not to say")."""
    if not overall_n:
        return summary
    rows = []
    for row in summary.rows:
        groups = {col.label: (fig.count, col.n) for col, fig in zip(summary.columns, row.figures, strict=True)
                  if col.n and col.n >= limit and fig.count is not None
                  and col.group not in (NO_ANSWER, "prefer_not")}
        if len(groups) < 2:
            rows.append(row)
            continue
        chose = overall.get(row.value, 0)
        rate = chose / overall_n
        index = index_of_disparity({g: k / n for g, (k, n) in groups.items()}, rate) if rate else None
        rows.append(replace(row, disparity=index, best_group=best_off_group(groups),
                            gaps=tuple(disparities(groups, (chose, overall_n)))))
    return replace(summary, rows=tuple(rows))


def _own_hidden(q: QuestionSpec, counts: QuestionCounts, limit: int) -> set[tuple[str, str]]:
    """What the public table of all respondents hides, (group, answer value or N)."""
    groups = {g: AtomFigures(n, dict(counts.counts.get(g, {}))) for g, n in counts.n.items()}
    return table_hidden(groups, tallied_values(q), question_type(q).summary, limit)


def _counts(groups: Mapping[str, AtomFigures]) -> QuestionCounts:
    counts = QuestionCounts(n={g: f.n for g, f in groups.items() if f.n})
    for g in counts.n:
        if groups[g].counts:
            counts.counts[g] = dict(groups[g].counts)
        if groups[g].numbers:
            counts.numbers[g] = dict(groups[g].numbers)
    return counts


def _column(group: str, labels: Mapping[str, str], n: int, hidden: bool) -> Column:
    return Column(group, labels.get(group, group), None if hidden else n, n < MIN_RELIABLE_N_EFF)


def _choice_summary(q: QuestionSpec, prompt: str, groups: Sequence[str], n: Mapping[str, int],
                    counts: Mapping[str, Mapping[str, int]], labels: Mapping[str, str], locale: str,
                    default: str, hidden: AbstractSet[tuple[str, str]]) -> QuestionSummary:
    """``hidden``: the (group, value or N) figures suppressed; empty in staff views."""
    choices = question_type(q).choices(q)
    option_labels = [label for _value, label in choice_labels(q, locale, default)]
    limit = threshold()
    columns = [_column(g, labels, n.get(g, 0), (g, N) in hidden) for g in groups]
    rows = []
    for ci, choice in enumerate(choices):
        figures = []
        for column in columns:
            count = counts.get(column.group, {}).get(choice.value, 0)
            # a hidden group shows nothing, zeros included
            visible = column.n is not None and (column.group, choice.value) not in hidden
            share = wilson(count, column.n) if visible and column.n else None
            figures.append(Figure(int(count) if visible else None, share, 0 < count < limit))
        rows.append(Row(choice.value, option_labels[ci], tuple(figures)))
    hidden_any = any(g in groups for g, _what in hidden)
    return QuestionSummary(q.key, prompt, q.type, tuple(columns), rows=tuple(rows),
                           hidden_any=hidden_any)


def _number_summary(column: Column, distribution: Mapping[float, int]) -> NumberSummary:
    """Mean, median and quartiles from the (value, count) distribution counted in SQL."""
    total = sum(distribution.values())
    if column.n is None or not total:
        return NumberSummary(column, None, None, None, None)
    values = sorted(distribution.items())
    mean = sum(v * c for v, c in values) / total

    def quantile(p: float) -> float:
        target, seen = p * (total - 1), 0
        for value, count in values:
            if seen + count > target:
                return value
            seen += count
        return values[-1][0]

    return NumberSummary(column, mean, quantile(0.5), quantile(0.25), quantile(0.75))


def as_json(s: QuestionSummary) -> dict[str, object]:
    """A summary as plain data: the public API, and the figures a finding freezes."""
    def share_of(interval: Interval | None) -> dict[str, float] | None:
        if interval is None or not interval.defined:
            return None
        return {"estimate": round(interval.estimate, 4), "low": round(interval.low, 4),
                "high": round(interval.high, 4)}

    def share(fig: Figure) -> dict[str, float] | None:
        return share_of(fig.share)

    return {
        "key": s.key, "prompt": s.prompt, "type": s.type,
        "groups": [{"group": c.group, "label": c.label, "n": c.n, "unreliable": c.unreliable}
                   for c in s.columns],
        "answers": [{"value": r.value, "label": r.label,
                     "counts": [f.count for f in r.figures],
                     "shares": [share(f) for f in r.figures],
                     "weighted_shares": [share_of(f.weighted) for f in r.figures]} for r in s.rows],
        "numbers": [{"group": n.column.group, "mean": n.mean, "median": n.median,
                     "quartiles": [n.low_quartile, n.high_quartile]} for n in s.numbers],
    }
