"""The statistics behind results planners can trust: intervals, weights, disparities, suppression.

Pure functions over plain data (no Flask, no database, standard library only), so every figure
shown to staff or the public can be checked by hand. Callers aggregate in SQL and pass small
tables of counts; nothing here loops over respondents.

Engagement samples are opt-in: intervals from this module are *modeled* uncertainty, never a
sampling margin of error (AAPOR). The views must label them so.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

Z95 = 1.959964
"""Two-sided 95% standard normal quantile."""

MIN_RELIABLE_N_EFF = 30.0
"""Estimates resting on fewer effective respondents are flagged unreliable."""

DEFAULT_SUPPRESSION_THRESHOLD = 10
"""Counts of 1 to 9 are hidden outside staff views (CDC WONDER, Washington State practice)."""

NAN = math.nan

# ---------------------------------------------------------------------------------------------
# Intervals
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A point estimate with its interval.

    An undefined interval (no respondents) is all NaN: NaN propagates through arithmetic instead
    of raising in the middle of a dashboard, and `defined` tells views to print a dash.
    """

    estimate: float
    low: float
    high: float

    @property
    def defined(self) -> bool:
        return not math.isnan(self.estimate)


UNDEFINED = Interval(NAN, NAN, NAN)
"""The interval of a proportion with no respondents (n == 0)."""


def _check_proportion(successes: float, n: float) -> None:
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")


def wilson(successes: float, n: float, z: float = Z95) -> Interval:
    """Wilson score interval for a proportion: stays inside [0, 1] and behaves at 0/n and n/n,
    where the Wald interval collapses. `n` may be an effective sample size (weighted results:
    pass p * n_eff and n_eff). n == 0 gives `UNDEFINED` (all NaN)."""
    _check_proportion(successes, n)
    if n == 0:
        return UNDEFINED
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(p, low, high)


def newcombe_difference(k1: float, n1: float, k2: float, n2: float, z: float = Z95) -> Interval:
    """Interval for p1 - p2 by Newcombe's hybrid score method (method 10, Newcombe 1998): it
    combines the two Wilson intervals, so it keeps their good behaviour near 0 and 1.
    `UNDEFINED` when either side has no respondents. Assumes the two samples independent."""
    first, second = wilson(k1, n1, z), wilson(k2, n2, z)
    if not (first.defined and second.defined):
        return UNDEFINED
    difference = first.estimate - second.estimate
    below = math.hypot(first.estimate - first.low, second.high - second.estimate)
    above = math.hypot(first.high - first.estimate, second.estimate - second.low)
    return Interval(difference, difference - below, difference + above)


# ---------------------------------------------------------------------------------------------
# Weights: effective sample size, design effect, weighted proportions
# ---------------------------------------------------------------------------------------------

WeightCells = Iterable[tuple[float, float]]
"""(weight, count) pairs: `count` respondents each carrying `weight`."""


def _sums(cells: WeightCells) -> tuple[float, float, float]:
    """(Σc, Σw·c, Σw²·c) over (weight, count) cells."""
    n = total = squares = 0.0
    for weight, count in cells:
        if weight < 0 or count < 0:
            raise ValueError(f"weights and counts must be >= 0, got ({weight}, {count})")
        n += count
        total += weight * count
        squares += weight * weight * count
    return n, total, squares


def kish_effective_n(weights_and_counts: WeightCells) -> float:
    """Kish's effective sample size (Σw)² / Σw² over respondents: how many unweighted
    respondents the weighted sample is worth. 0.0 when there is nobody."""
    _, total, squares = _sums(weights_and_counts)
    return total * total / squares if squares > 0 else 0.0


def design_effect(weights_and_counts: WeightCells) -> float:
    """n / n_eff: the variance inflation due to unequal weights (equals 1 + CV² of the
    weights, see `weight_cv`). NaN when there is nobody."""
    n, total, squares = _sums(weights_and_counts)
    return n * squares / (total * total) if total > 0 else NAN


def weight_cv(weights_and_counts: WeightCells) -> float:
    """Coefficient of variation of the respondents' weights (population form, dividing by n),
    so that design effect = 1 + CV². NaN when there is nobody."""
    cells = list(weights_and_counts)
    n, total, _ = _sums(cells)
    if total <= 0:
        return NAN
    mean = total / n
    variance = sum(count * (weight - mean) ** 2 for weight, count in cells) / n
    return math.sqrt(variance) / mean


def unreliable(n_eff: float) -> bool:
    """True when an estimate rests on fewer than 30 effective respondents (or on none)."""
    return not n_eff >= MIN_RELIABLE_N_EFF


@dataclass(frozen=True)
class Proportion:
    """A (possibly weighted) proportion with its Wilson interval on the effective sample size."""

    interval: Interval
    n: float
    n_eff: float

    @property
    def unreliable(self) -> bool:
        return unreliable(self.n_eff)


def weighted_proportion(cells: Iterable[tuple[float, float, float]], z: float = Z95) -> Proportion:
    """Share of respondents answering yes from (weight, yes count, count) cells: the weighted
    share, with a Wilson interval computed on Kish's n_eff of the cells' respondents. With all
    weights 1 this is the plain proportion and n_eff = n."""
    rows = list(cells)
    for _, yes, count in rows:
        _check_proportion(yes, count)
    n, total, _ = _sums((weight, count) for weight, _, count in rows)
    n_eff = kish_effective_n((weight, count) for weight, _, count in rows)
    if total == 0:
        return Proportion(UNDEFINED, n, n_eff)
    p = sum(weight * yes for weight, yes, _ in rows) / total
    interval = wilson(p * n_eff, n_eff, z)
    return Proportion(interval, n, n_eff)


# ---------------------------------------------------------------------------------------------
# Raking on aggregated cells
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """`count` respondents sharing one combination of groups, e.g.
    {"race": "hispanic", "age": "18_34"}. Every respondent in a cell gets the same weight."""

    key: Mapping[str, str]
    count: float


@dataclass(frozen=True)
class RakeResult:
    """Per-cell weights, in the order of the cells given.

    `converged` means every weighted share is within `tol` of its target at the end;
    `iterations` counts raking sweeps, trimming rounds included;
    `max_error` is the largest such gap (as a share, 0.01 = one percentage point) among the
    raked respondents; `collapsed` maps dimension -> {empty group: group it was merged into};
    `notes` say in plain words what was done, for the staff view.
    """

    weights: tuple[float, ...]
    converged: bool
    iterations: int
    max_error: float
    notes: tuple[str, ...] = ()
    collapsed: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


Shares = dict[str, dict[str, float]]
"""dimension -> group -> population share (summing to 1 per dimension)."""

Plan = list[list[tuple[float, tuple[int, ...]]]]
"""Per dimension, per group: (target share, positions of the raked cells in that group)."""


def rake(
    cells: Sequence[Cell],
    margins: Mapping[str, Mapping[str, float]],
    *,
    max_iter: int = 100,
    tol: float = 1e-6,
    trim: tuple[float, float] | None = (0.2, 5.0),
    collapse: Mapping[str, Mapping[str, str]] | None = None,
) -> RakeResult:
    """Rake cell weights to population margins by iterative proportional fitting.

    `margins` gives per dimension the population shares or totals of each group (normalised
    here). The procedure, each step reported in `notes`:

    1. Groups with a population share of 0 are dropped from the margins.
    2. Cells outside the margins (a dimension unanswered, "prefer not to say", any group the
       margins do not list) are not raked: those respondents get weight 1.0, which is the mean
       weight, so they count as average respondents.
    3. A margin group with no raked respondents is collapsed: its population share is added to
       the group named in `collapse[dimension][group]` (use it for the substantively closest
       group, e.g. the adjacent age band) or else to the smallest non-empty group of that
       dimension by population share (small groups are combined, as the census does).
       `collapse` applies only to groups without respondents.
    4. Raking: each sweep scales the weights of every group of each dimension in turn so its
       weighted share equals its target; stop when every share is within `tol` (absolute) or
       after `max_iter` sweeps.
    5. Trimming (unless `trim` is None or the raked weights already lie within the bounds):
       bounds (low, high) are relative to the mean weight, which is 1. Starting from the raked
       weights, each round clips the weights into [low, high] (with one common scale factor,
       so the mean stays exactly 1) and re-rakes with one sweep of step 4; rounds repeat until
       the shares are within `tol` (the weights then lie within the bounds and meet the
       margins) or for `max_iter` rounds. The result always ends with a clip, so the bounds
       always hold; when the margins cannot be met within them, `converged` is False and a
       note gives the largest gap. (This is anesrake's and weightipy's capped raking.)

    Weights are scaled so that Σ weight·count equals Σ count, the sample size.
    """
    low_high = _check_trim(trim)
    shares, notes = _normalise_margins(margins)
    inside, outside_notes = _split_by_margins(cells, shares)
    notes += outside_notes
    counts = [cells[i].count for i in inside]
    if sum(counts) <= 0:
        notes.append("Nobody answered every weighting question: no weights were computed.")
        return RakeResult((1.0,) * len(cells), False, 0, NAN, tuple(notes))
    keys = [cells[i].key for i in inside]
    shares, collapsed, collapse_notes = _collapse_empty_groups(shares, keys, counts, collapse or {})
    notes += collapse_notes
    plan = _plan(keys, shares, collapsed)
    weights, iterations, _ = _ipf([1.0] * len(counts), counts, plan, max_iter, tol)
    if low_high is not None and not _within(weights, low_high):
        weights, rounds, _ = _ipf(weights, counts, plan, max_iter, tol, bounds=low_high)
        iterations += rounds
        notes.append(f"Weights were trimmed to between {low_high[0]:g} and {low_high[1]:g} times the "
                     f"mean weight and re-raked ({rounds} round{'s' if rounds > 1 else ''}).")
    error = _max_error(weights, counts, plan)
    if error > tol:
        notes.append(f"Weighted shares are off their targets by up to {100 * error:.2f} points.")
    return RakeResult(_spread(weights, inside, len(cells)), error <= tol, iterations, error,
                      tuple(notes), collapsed)


def _check_trim(trim: tuple[float, float] | None) -> tuple[float, float] | None:
    if trim is not None and not 0 < trim[0] <= 1 <= trim[1]:
        raise ValueError(f"trim bounds must satisfy 0 < low <= 1 <= high, got {trim}")
    return trim


def _normalise_margins(margins: Mapping[str, Mapping[str, float]]) -> tuple[Shares, list[str]]:
    """Totals or shares -> shares; groups with a share of 0 are dropped (with a note)."""
    shares: Shares = {}
    notes: list[str] = []
    for dimension, groups in margins.items():
        total = sum(groups.values())
        if any(value < 0 for value in groups.values()) or not total > 0:
            raise ValueError(f"margins for {dimension!r} need non-negative values with a positive sum")
        shares[dimension] = {group: value / total for group, value in groups.items() if value > 0}
        for group in (group for group, value in groups.items() if value == 0):
            notes.append(f"{dimension}: {group!r} has no population share; its respondents are "
                         "treated as outside the weighting margins.")
    return shares, notes


def _outside_reason(key: Mapping[str, str], shares: Shares) -> str | None:
    """Why a cell cannot be raked (first failing dimension), or None when it can."""
    for dimension, groups in shares.items():
        if dimension not in key:
            return f"{dimension}: not answered"
        if key[dimension] not in groups:
            return f"{dimension}: {key[dimension]!r}"
    return None


def _split_by_margins(cells: Sequence[Cell], shares: Shares) -> tuple[list[int], list[str]]:
    """Positions of the cells to rake, and a note counting the respondents left out."""
    inside: list[int] = []
    outside: dict[str, float] = defaultdict(float)
    for position, cell in enumerate(cells):
        if cell.count < 0:
            raise ValueError(f"cell counts must be >= 0, got {cell.count}")
        reason = _outside_reason(cell.key, shares)
        if reason is None:
            inside.append(position)
        elif cell.count > 0:
            outside[reason] += cell.count
    if not outside:
        return inside, []
    detail = "; ".join(f"{reason} ({count:g})" for reason, count in outside.items())
    return inside, [f"{sum(outside.values()):g} respondents are outside the weighting margins "
                    f"({detail}): they are not raked and keep weight 1.0, the mean weight."]


def _collapse_empty_groups(
    shares: Shares,
    keys: Sequence[Mapping[str, str]],
    counts: Sequence[float],
    collapse: Mapping[str, Mapping[str, str]],
) -> tuple[Shares, dict[str, dict[str, str]], list[str]]:
    """Merge the share of every margin group without respondents into a non-empty group."""
    collapsed: dict[str, dict[str, str]] = {}
    notes: list[str] = []
    result: Shares = {}
    for dimension, groups in shares.items():
        present: dict[str, float] = defaultdict(float)
        for key, count in zip(keys, counts, strict=True):
            present[key[dimension]] += count
        non_empty = {group: share for group, share in groups.items() if present[group] > 0}
        merged = dict(non_empty)
        for group in (group for group in groups if present[group] <= 0):
            into, note = _merge_target(dimension, group, non_empty, collapse.get(dimension, {}))
            merged[into] += groups[group]
            collapsed.setdefault(dimension, {})[group] = into
            notes += [note] if note else []
        for group, into in collapsed.get(dimension, {}).items():
            notes.append(f"{dimension}: no respondents in {group!r} ({100 * groups[group]:.1f}% of "
                         f"the population); merged into {into!r}, which now stands for "
                         f"{100 * merged[into]:.1f}%.")
        result[dimension] = merged
    return result, collapsed, notes


def _merge_target(
    dimension: str, group: str, non_empty: Mapping[str, float], requested: Mapping[str, str]
) -> tuple[str, str | None]:
    """The group an empty group is merged into: the requested one if it has respondents, else
    the smallest non-empty group by population share (first in margin order on ties)."""
    smallest = min(non_empty, key=non_empty.__getitem__)
    wanted = requested.get(group)
    if wanted is None or wanted in non_empty:
        return wanted or smallest, None
    return smallest, (f"{dimension}: {group!r} was to be merged into {wanted!r}, which has no "
                      f"respondents or no margin; merged into {smallest!r} instead.")


def _plan(
    keys: Sequence[Mapping[str, str]], shares: Shares, collapsed: Mapping[str, Mapping[str, str]]
) -> Plan:
    """Which raked cells each (possibly merged) margin group holds, with its target share."""
    plan: Plan = []
    for dimension, groups in shares.items():
        members: dict[str, list[int]] = {group: [] for group in groups}
        merged = collapsed.get(dimension, {})
        for position, key in enumerate(keys):
            members[merged.get(key[dimension], key[dimension])].append(position)
        plan.append([(share, tuple(members[group])) for group, share in groups.items()])
    return plan


def _weighted(weights: Sequence[float], counts: Sequence[float], members: Iterable[int]) -> float:
    return sum(weights[i] * counts[i] for i in members)


def _sweep(weights: Sequence[float], counts: Sequence[float], plan: Plan) -> list[float]:
    """One IPF sweep: match each dimension's targets in turn."""
    result = list(weights)
    total = _weighted(result, counts, range(len(result)))
    for dimension in plan:
        for share, members in dimension:
            current = _weighted(result, counts, members)
            if current > 0:
                factor = share * total / current
                for i in members:
                    result[i] *= factor
    return result


def _max_error(weights: Sequence[float], counts: Sequence[float], plan: Plan) -> float:
    """Largest |weighted share - target share| over all groups of all dimensions."""
    total = _weighted(weights, counts, range(len(weights)))
    return max((abs(_weighted(weights, counts, members) / total - share)
                for dimension in plan for share, members in dimension), default=0.0)


def _ipf(
    weights: Sequence[float],
    counts: Sequence[float],
    plan: Plan,
    max_iter: int,
    tol: float,
    bounds: tuple[float, float] | None = None,
) -> tuple[list[float], int, bool]:
    """Sweep (each followed by a clip into `bounds`, when given) until every share is within
    tol of its target: (weights, sweeps, converged)."""
    current = list(weights)
    for sweep in range(1, max_iter + 1):
        current = _sweep(current, counts, plan)
        if bounds is not None:
            current = _clip_to_mean(current, counts, bounds)
        if _max_error(current, counts, plan) <= tol:
            return current, sweep, True
    return current, max_iter, False


def _within(weights: Sequence[float], low_high: tuple[float, float]) -> bool:
    """All weights within the bounds (the mean weight is 1 by construction)."""
    low, high = low_high
    return all(low <= weight <= high for weight in weights)


def _clip_to_mean(
    weights: Sequence[float], counts: Sequence[float], low_high: tuple[float, float]
) -> list[float]:
    """clip(s·w, low, high) with the one scale s that keeps Σ w·count = Σ count.

    The clipped total grows with s, linearly between the kinks where some s·w reaches a bound:
    find the first kink at or past the target by binary search, then solve on its segment."""
    low, high = low_high
    target = sum(counts)

    def clipped(scale: float) -> list[float]:
        return [min(high, max(low, scale * weight)) for weight in weights]

    def total(scale: float) -> float:
        return _weighted(clipped(scale), counts, range(len(weights)))

    kinks = sorted({bound / weight for weight in weights for bound in (low, high)})
    index = bisect_left(kinks, target, key=total)
    if index in (0, len(kinks)):  # every weight on one bound (low = 1 or high = 1)
        return clipped(kinks[min(index, len(kinks) - 1)])
    start, end = kinks[index - 1], kinks[index]
    at_start, at_end = total(start), total(end)
    return clipped(start + (target - at_start) * (end - start) / (at_end - at_start))


def _spread(weights: Sequence[float], inside: Sequence[int], size: int) -> tuple[float, ...]:
    """Raked weights at their cells' positions; 1.0 (the mean weight) everywhere else."""
    result = [1.0] * size
    for weight, position in zip(weights, inside, strict=True):
        result[position] = weight
    return tuple(result)


# ---------------------------------------------------------------------------------------------
# Disparities
# ---------------------------------------------------------------------------------------------


def index_of_disparity(group_rates: Mapping[str, float], overall_rate: float) -> float:
    """Pearcy & Keppel (2002): the mean absolute deviation of the group rates from the overall
    rate, as a percent of the overall rate. NaN without groups or with an overall rate of 0."""
    rates = [rate for rate in group_rates.values() if not math.isnan(rate)]
    if not rates or overall_rate == 0:
        return NAN
    return 100 * sum(abs(rate - overall_rate) for rate in rates) / len(rates) / overall_rate


@dataclass(frozen=True)
class Disparity:
    """One group's rate against the overall rate and against the best-off group.

    Gaps are group minus reference, with Newcombe intervals; ratios are group / reference (NaN
    when the reference rate is 0). Against the overall rate the interval treats the two as
    independent although the group is part of the overall: that makes it wider (conservative).
    For the best-off group itself the comparison with the best is None.
    """

    group: str
    rate: Interval
    n: float
    gap_to_overall: Interval
    ratio_to_overall: float
    best_group: str
    gap_to_best: Interval | None
    ratio_to_best: float | None

    @property
    def unreliable(self) -> bool:
        return unreliable(self.n)

    @property
    def is_best(self) -> bool:
        return self.group == self.best_group


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else NAN


def best_off_group(groups: Mapping[str, tuple[float, float]], *, higher_is_better: bool = True) -> str | None:
    """The group with the best rate, chosen among reliable groups (n_eff >= 30) when there are
    any, as Healthy People does, so a tiny noisy group is not the yardstick; first on ties."""
    with_data = {name: k / n for name, (k, n) in groups.items() if n > 0}
    reliable = {name: rate for name, rate in with_data.items() if not unreliable(groups[name][1])}
    pool = reliable or with_data
    if not pool:
        return None
    pick = max if higher_is_better else min
    return pick(pool, key=pool.__getitem__)


def disparities(
    groups: Mapping[str, tuple[float, float]],
    overall: tuple[float, float],
    *,
    higher_is_better: bool = True,
    z: float = Z95,
) -> list[Disparity]:
    """Each group's gap and ratio against the overall rate and the best-off group (the highest
    rate, or the lowest when `higher_is_better` is False). Groups and overall are (successes, n),
    possibly weighted: (p * n_eff, n_eff). Groups without respondents are left out."""
    best = best_off_group(groups, higher_is_better=higher_is_better)
    if best is None:
        return []
    overall_rate = wilson(*overall, z)
    best_k, best_n = groups[best]
    result = []
    for name, (k, n) in groups.items():
        if n <= 0:
            continue
        rate = wilson(k, n, z)
        is_best = name == best
        result.append(Disparity(
            group=name,
            rate=rate,
            n=n,
            gap_to_overall=newcombe_difference(k, n, *overall, z),
            ratio_to_overall=_ratio(rate.estimate, overall_rate.estimate),
            best_group=best,
            gap_to_best=None if is_best else newcombe_difference(k, n, best_k, best_n, z),
            ratio_to_best=None if is_best else _ratio(rate.estimate, best_k / best_n),
        ))
    return result


# ---------------------------------------------------------------------------------------------
# Small-cell suppression
# ---------------------------------------------------------------------------------------------


class Hidden(StrEnum):
    """Why a figure is hidden."""

    PRIMARY = "primary"  # itself a small count
    COMPLEMENTARY = "complementary"  # hidden so that a small count cannot be rebuilt


K = TypeVar("K", bound=Hashable)


def _is_small(count: float | None, threshold: float) -> bool:
    """Primary suppression: 1 to threshold - 1. Zero is shown (CDC and CMS show zeros: a zero
    discloses nobody, and "no one in this group chose this" is a finding planners need)."""
    return count is not None and 0 < count < threshold


def _partner(values: Mapping[K, float | None], line: Iterable[K], hidden: Mapping[K, Hidden]) -> K | None:
    """The figure to hide next to protect a line: the smallest visible non-zero one, else a
    visible zero; None (no data) is never chosen. First in line order on ties."""
    visible = [(position, values[position]) for position in line
               if position not in hidden and values[position] is not None]
    if not visible:
        return None
    order = {position: index for index, (position, _) in enumerate(visible)}
    position, _ = min(visible, key=lambda item: (item[1] == 0, item[1], order[item[0]]))
    return position


@dataclass(frozen=True)
class SuppressedGroups:
    """A 1-D breakdown with small groups hidden: counts and total are None where hidden."""

    counts: Mapping[str, float | None]
    total: float | None
    hidden: Mapping[str, Hidden]
    total_hidden: Hidden | None


def suppress_groups(
    counts: Mapping[str, float], threshold: int = DEFAULT_SUPPRESSION_THRESHOLD
) -> SuppressedGroups:
    """Hide groups of 1 to threshold - 1 respondents (and a small total). When exactly one
    figure of the line (groups + total) is hidden, the next smallest visible one is hidden too,
    so it cannot be rebuilt as total minus the others."""
    total_key = object()
    values: dict[object, float | None] = {**counts, total_key: sum(counts.values())}
    hidden: dict[object, Hidden] = {key: Hidden.PRIMARY for key, value in values.items()
                                    if _is_small(value, threshold)}
    if len(hidden) == 1:
        partner = _partner(values, values, hidden)
        if partner is not None:
            hidden[partner] = Hidden.COMPLEMENTARY
    return SuppressedGroups(
        counts={name: None if name in hidden else value for name, value in counts.items()},
        total=None if total_key in hidden else values[total_key],
        hidden={name: reason for name, reason in hidden.items() if name is not total_key},
        total_hidden=hidden.get(total_key),
    )


Position = tuple[int, int]


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts with small cells hidden, as published: figures are None where hidden
    (or where the input had no data). `hidden_*` say which figures are hidden and why.
    `unprotected` lists hidden figures that could still be computed (positions in the table
    with its totals as an extra last row and column); only cells without data around them can
    cause that, and it is empty otherwise."""

    cells: tuple[tuple[float | None, ...], ...]
    row_totals: tuple[float | None, ...]
    column_totals: tuple[float | None, ...]
    grand_total: float | None
    hidden_cells: Mapping[Position, Hidden]
    hidden_row_totals: Mapping[int, Hidden]
    hidden_column_totals: Mapping[int, Hidden]
    grand_total_hidden: Hidden | None
    unprotected: frozenset[Position] = frozenset()


def suppress(
    table: Sequence[Sequence[float | None]],
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
    *,
    row_totals: Sequence[float] | None = None,
    column_totals: Sequence[float] | None = None,
) -> SuppressedTable:
    """Primary and complementary suppression of a table of respondent counts (rows = groups,
    columns = answer options) published with its row, column and grand totals.

    Pass unweighted counts even for a weighted table: disclosure is about people. Totals are
    the sums of the rows and columns unless given (multiple-choice rows do not add up to the
    group's size). None marks a cell without data: shown blank, counted as 0, never hidden.

    The totals are treated as one more row and column, so each line (a row with its total, a
    column with its total, the row totals with the grand total, the column totals with it) is
    protected alike:
    1. Primary: hide every figure, cell or total, from 1 to threshold - 1 (zeros are shown).
    2. Complementary: while some line has exactly one hidden figure, hide the smallest visible
       non-zero figure of that line (a zero if there is none), preferring a figure whose
       crossing line also has a lone hidden figure.
    3. While some hidden figure could still be computed by adding and subtracting rows and
       columns (it is a bridge: on no cycle of hidden figures), hide the smallest visible figure
       that closes a cycle through it; then back to 2.
    No hidden figure can then be computed exactly from the published ones. Bounds may still
    narrow one down (two hidden cells summing to 3): the accepted limit of cell suppression.
    """
    grid = _augment(table, row_totals, column_totals)
    rows, columns = len(table), len(table[0]) if table else 0
    lines = _lines(rows + 1, columns + 1)
    hidden: dict[Position, Hidden] = {position: Hidden.PRIMARY for position, value in grid.items()
                                      if _is_small(value, threshold)}
    while _protect_a_line(grid, lines, hidden) or _close_a_cycle(grid, hidden):
        pass
    return _published(grid, hidden, rows, columns)


def _augment(
    table: Sequence[Sequence[float | None]],
    row_totals: Sequence[float] | None,
    column_totals: Sequence[float] | None,
) -> dict[Position, float | None]:
    """The table with its totals as row `rows` and column `columns`, the grand total at the corner."""
    rows, columns = len(table), len(table[0]) if table else 0
    if any(len(row) != columns for row in table):
        raise ValueError("every row of the table needs the same number of columns")
    grid: dict[Position, float | None] = {(r, c): table[r][c] for r in range(rows) for c in range(columns)}
    row_sums = list(row_totals) if row_totals is not None else [sum(v or 0 for v in row) for row in table]
    column_sums = (list(column_totals) if column_totals is not None
                   else [sum(row[c] or 0 for row in table) for c in range(columns)])
    if len(row_sums) != rows or len(column_sums) != columns:
        raise ValueError("one total per row and per column")
    grid.update({(r, columns): total for r, total in enumerate(row_sums)})
    grid.update({(rows, c): total for c, total in enumerate(column_sums)})
    grid[(rows, columns)] = sum(row_sums)
    return grid


def _lines(height: int, width: int) -> list[list[Position]]:
    return ([[(r, c) for c in range(width)] for r in range(height)]
            + [[(r, c) for r in range(height)] for c in range(width)])


def _protect_a_line(grid: Mapping[Position, float | None], lines: Sequence[Sequence[Position]],
                    hidden: dict[Position, Hidden]) -> bool:
    """Step 2 once: give the first line with a lone hidden figure a partner, preferring one that
    also protects a crossing line with a lone hidden figure (fewer figures hidden in all).
    True if it hid something."""
    lone = [line for line in lines if sum(position in hidden for position in line) == 1]
    for line in lone:
        helpful = [position for position in line
                   if any(position in other for other in lone if other is not line)]
        partner = _partner(grid, helpful, hidden)
        partner = _partner(grid, line, hidden) if partner is None else partner
        if partner is not None:
            hidden[partner] = Hidden.COMPLEMENTARY
            return True
    return False


def _close_a_cycle(grid: Mapping[Position, float | None], hidden: dict[Position, Hidden]) -> bool:
    """Step 3 once: hide the smallest figure joining the two sides of the first bridge."""
    for edge in sorted(hidden):
        row_side = _reachable_without(edge, hidden, ("r", edge[0]))
        if ("c", edge[1]) in row_side:
            continue
        column_side = _reachable_without(edge, hidden, ("c", edge[1]))
        crossing = [(r, c) for r, c in grid
                    if (("r", r) in row_side and ("c", c) in column_side)
                    or (("r", r) in column_side and ("c", c) in row_side)]
        partner = _partner(grid, crossing, hidden)
        if partner is not None:
            hidden[partner] = Hidden.COMPLEMENTARY
            return True
    return False


def _is_bridge(edge: Position, hidden: Mapping[Position, Hidden]) -> bool:
    """A hidden figure on no cycle of hidden figures can be computed from the published ones."""
    return ("c", edge[1]) not in _reachable_without(edge, hidden, ("r", edge[0]))


def _reachable_without(
    edge: Position, hidden: Mapping[Position, Hidden], start: tuple[str, int]
) -> set[tuple[str, int]]:
    """Lines reachable from `start` through hidden figures other than `edge`, in the graph whose
    nodes are the rows and columns and whose edges are the hidden figures."""
    neighbours: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for r, c in hidden:
        if (r, c) != edge:
            neighbours[("r", r)].append(("c", c))
            neighbours[("c", c)].append(("r", r))
    seen, stack = {start}, [start]
    while stack:
        for neighbour in neighbours[stack.pop()]:
            if neighbour not in seen:
                seen.add(neighbour)
                stack.append(neighbour)
    return seen


def _published(grid: Mapping[Position, float | None], hidden: Mapping[Position, Hidden],
               rows: int, columns: int) -> SuppressedTable:
    def shown(position: Position) -> float | None:
        return None if position in hidden else grid[position]

    bridges = frozenset(edge for edge in hidden if _is_bridge(edge, hidden))
    return SuppressedTable(
        cells=tuple(tuple(shown((r, c)) for c in range(columns)) for r in range(rows)),
        row_totals=tuple(shown((r, columns)) for r in range(rows)),
        column_totals=tuple(shown((rows, c)) for c in range(columns)),
        grand_total=shown((rows, columns)),
        hidden_cells={p: why for p, why in hidden.items() if p[0] < rows and p[1] < columns},
        hidden_row_totals={p[0]: why for p, why in hidden.items() if p[1] == columns and p[0] < rows},
        hidden_column_totals={p[1]: why for p, why in hidden.items() if p[0] == rows and p[1] < columns},
        grand_total_hidden=hidden.get((rows, columns)),
        unprotected=bridges,
    )
